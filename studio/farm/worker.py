"""`main.py farm-scheduler` (the head PC) and `main.py farm-worker ADDRESS` (each rendering PC).

`farm-worker` makes this PC a render farm worker. It works out what the PC can
lend (cores, memory, a CUDA GPU, a working NVENC encoder) and runs Dask's own `dask worker` with
those as resources, one render at a time per worker process."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

from . import DEFAULT_PORT, resolve_address

log = logging.getLogger(__name__)
STUDIO_ROOT = Path(__file__).resolve().parents[2]


def node_resources(nworkers: int) -> dict[str, int]:
    """What each of `nworkers` worker processes on this PC declares (see needs.py)."""
    from ..render.encode import probe_nvenc, usable_cores
    from ..util import ffmpeg_exe

    resources = {"CPU": max(1, usable_cores() // nworkers)}
    try:
        import psutil

        resources["MEMORY"] = int(psutil.virtual_memory().total // nworkers)
    except ImportError:
        pass
    if _has_cuda():
        resources["GPU"] = 1
    if probe_nvenc(ffmpeg_exe())[0]:
        resources["NVENC"] = 1
    return resources


def _has_cuda() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # no torch, or a broken CUDA install: then there is no usable GPU
        log.info("no CUDA GPU found", exc_info=True)
        return False


def worker_command(address: str, nworkers: int | None = None, name: str | None = None) -> list[str]:
    """The `dask worker` command line for this PC."""
    from ..render.encode import usable_cores

    n = max(1, nworkers or usable_cores() // 4)
    resources = node_resources(n)
    return [sys.executable, "-m", "distributed.cli.dask_worker", resolve_address(address), "--nworkers", str(n),
            "--nthreads", "1", "--name", name or socket.gethostname(),
            "--resources", ",".join(f"{k}={v}" for k, v in resources.items())]


def start_worker(address: str, nworkers: int | None = None, name: str | None = None, dry_run: bool = False) -> int:
    """Run `dask worker` for this PC until it is stopped (Ctrl-C); returns its exit code."""
    return _run(worker_command(address, nworkers, name), dry_run)


def scheduler_command(port: int = DEFAULT_PORT) -> list[str]:
    """The `dask scheduler` command line for the head PC."""
    return [sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", str(port)]


def start_scheduler(port: int = DEFAULT_PORT, dry_run: bool = False) -> int:
    """Run the farm's `dask scheduler` on this PC, able to read the studio's renders (Dask's
    scheduler unpickles every task), until it is stopped (Ctrl-C); returns its exit code."""
    return _run(scheduler_command(port), dry_run)


def _run(cmd: list[str], dry_run: bool) -> int:
    print(" ".join(cmd[2:]).replace("distributed.cli.dask_worker", "dask worker")
          .replace("distributed.cli.dask_scheduler", "dask scheduler"))
    if dry_run:
        return 0
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(STUDIO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("HF_HUB_OFFLINE", "1")
    try:
        return subprocess.call(cmd, env=env, cwd=STUDIO_ROOT)
    except KeyboardInterrupt:
        return 130


__all__ = ["node_resources", "scheduler_command", "start_scheduler", "start_worker", "worker_command"]
