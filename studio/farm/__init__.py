"""Render farm: a batch's videos rendered on several PCs through an existing distributed engine
(Dask's `distributed`), behind the batch module's `Runner`, so the batch policy (planning first,
keeping unchanged videos, one batch per folder, a full disk stopping it, the report) stays the same.

    from studio.farm import cluster_runner
    with cluster_runner("tcp://192.168.1.10:8786") as runner:    # or "local", or "auto"
        run_batch(jobs, options, runner=runner, ...)

The engine is imported only when a farm is asked for; install it with
`pip install -r requirements-cluster.txt` on the driver and on every node.
"""
from __future__ import annotations

import os

from ..core.errors import StudioError
from .needs import Placement, RenderNeeds, needs_of, task_resources

DEFAULT_PORT = 8786


def resolve_address(address: str | None) -> str:
    """A --cluster value as the engine's address: "local" (start a cluster on this machine),
    "auto" (Settings' cluster_address, else DASK_SCHEDULER_ADDRESS, else a scheduler on this PC at
    port 8786), `tcp://host:port`, `tls://host:port`, or `host[:port]`. A `ray://` address is
    refused with why (see README, Render farm: why Dask)."""
    text = (address or "").strip()
    if not text:
        raise StudioError("no render farm address: pass --cluster ADDRESS (tcp://HOST:8786, local or auto), or set "
                          "it once with main.py settings --cluster-address tcp://HOST:8786")
    if text == "local":
        return text
    if text == "auto":
        from ..settings import Settings

        text = Settings.load().cluster_address.strip() or os.environ.get("DASK_SCHEDULER_ADDRESS", "").strip()
        if not text or text == "auto":
            return f"tcp://127.0.0.1:{DEFAULT_PORT}"
        return resolve_address(text)
    if text.startswith("ray://"):
        raise StudioError(f"'{text}' is a Ray address, but the studio's render farm runs on Dask (Ray's own docs call "
                          "multi-node clusters on Windows unsupported, and most agencies render on Windows PCs): start "
                          "a Dask scheduler with `dask scheduler` and pass --cluster tcp://HOST:8786")
    if "://" in text:
        scheme = text.split("://", 1)[0]
        if scheme not in ("tcp", "tls", "inproc", "ws", "wss"):
            raise StudioError(f"'{text}': a render farm address starts with tcp:// (or tls://), like tcp://192.168.1.10:8786")
        return text
    host, _, port = text.partition(":")
    if port and not port.isdigit():
        raise StudioError(f"'{text}': the port must be a number, like 192.168.1.10:8786")
    return f"tcp://{host}:{port or DEFAULT_PORT}"


def cluster_runner(address: str | None, *, workers: int | None = None, **options):
    """The Runner that renders on the farm at `address` (see resolve_address); `workers`: worker
    processes of a "local" cluster. This is what the app calls with Settings().cluster_address.
    Raises StudioError when the engine is not installed. Close it (or use `with`) when done."""
    resolved = resolve_address(address)
    try:
        import distributed  # noqa: F401 - only to say plainly when it is missing
    except ImportError:
        raise StudioError("the render farm needs Dask's distributed package: run "
                          "`.venv/bin/python -m pip install -r requirements-cluster.txt` (on this PC and every node)") from None
    from .dask_farm import DaskRunner

    return DaskRunner(resolved, local_workers=workers, **options)


__all__ = ["Placement", "RenderNeeds", "cluster_runner", "needs_of", "resolve_address", "task_resources"]
