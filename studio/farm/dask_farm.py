"""The render farm on Dask's `distributed`: a Runner that sends a batch's renders to the workers of a
Dask scheduler (several PCs, or `local`: a cluster started on this machine).

What Dask does for us: places each render on a worker that has the resources it asks for (see
`needs.py`), runs it again elsewhere when the worker process dies or its PC goes away (up to
`distributed.scheduler.allowed-failures` times, 3 by default), and never retries a render that
failed by itself (a render reports its own failures as a result; it does not raise). Worker
processes live across videos, so the voices, Whisper and a diffusers pipeline, which their modules
keep loaded per process, load once per worker, not once per video.

What this module adds: inputs travel with each render and outputs come back as bytes (`transfer`),
so workers need no disk shared with the driver; progress goes from the workers to the driver as
Dask events; a stop flag (and the driver's heartbeat) in a Dask Variable stops running renders within
about a second of a cancel, Ctrl-C or the driver vanishing; at most a window of renders is handed to
the scheduler at a time, so a 500-video batch does not hold 500 videos' inputs in its memory.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import queue as queue_mod
import shutil
import socket
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Callable, Sequence

from ..core.errors import Cancelled, StudioError
from ..core.progress import CancelToken, Progress
from ..pipeline.batch import BatchJob, Runner, RunnerEvents
from ..pipeline.plan import RenderPlan
from ..types import RenderResult
from . import DEFAULT_PORT, transfer
from .needs import Placement, needs_of, task_resources

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0  # the driver says it is alive this often
ORPHAN_AFTER_S = 60.0  # a render whose driver has been silent this long stops
POLL_S = 0.5  # how often a render looks at the stop flag
PROGRESS_EVERY_S = 0.3  # progress events a render sends at most this often (and at each new stage)

StartedHook = Callable[[BatchJob, str, int], None]


class DaskRunner(Runner):
    """Renders on a Dask cluster. `address`: a scheduler (`tcp://host:8786`, `host:8786`) or
    "local" (a cluster of `local_workers` worker processes started on this machine for as long as
    the runner lives). `on_started(job, node, pid)` is told where each render starts (and starts
    again after a worker died). `worker_wait_s`: how long a batch waits for a worker when the farm
    has none before it gives the rest up. Reusable across batches; `close()` when done."""

    name = "farm"

    def __init__(self, address: str, *, local_workers: int | None = None, on_started: StartedHook | None = None,
                 worker_wait_s: float = 600.0, connect_timeout_s: float = 15.0, window: int | None = None) -> None:
        self.address = address
        self.local_workers = local_workers
        self.on_started = on_started
        self.worker_wait_s = worker_wait_s
        self.connect_timeout_s = connect_timeout_s
        self.window = window
        self._client = None
        self._cluster = None

    # -------------------------------------------------------------- connection

    def connect(self):
        """The Dask client (connecting, or starting the local cluster, on first use)."""
        if self._client is not None:
            return self._client
        import dask
        from distributed import Client

        # a render's inputs travel in its task; a clip of tens of MB is expected, not a mistake
        dask.config.set({"distributed.admin.large-graph-warning-threshold": "2GB"})
        if self.address == "local":
            self._cluster = start_local_cluster(self.local_workers)
            self._client = Client(self._cluster, timeout=f"{self.connect_timeout_s}s")
        else:
            try:
                self._client = Client(self.address, timeout=f"{self.connect_timeout_s}s")
            except (OSError, TimeoutError) as exc:
                raise StudioError(
                    f"could not reach the render farm's scheduler at {self.address} ({exc}). Start it on the "
                    f"head PC with `dask scheduler` (see README, Render farm), check the address, and that the "
                    f"firewall lets port {DEFAULT_PORT} through") from None
        return self._client

    def close(self) -> None:
        """Disconnect (and stop the local cluster, when this runner started one)."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # closing after a lost connection: nothing left to release
                    log.warning("closing the farm connection failed", exc_info=True)

    def __enter__(self) -> "DaskRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def workers(self) -> list[dict]:
        """The farm's workers now: name, node, host, resources, threads."""
        info = self.connect().scheduler_info(n_workers=-1)["workers"]
        return [{"address": addr, "name": str(w.get("name")), "node": node_name(w.get("name"), w.get("host")),
                 "host": w.get("host"), "resources": dict(w.get("resources") or {}), "nthreads": w.get("nthreads", 1)}
                for addr, w in info.items()]

    def _ready_workers(self, client) -> list[dict]:
        """Wait (up to worker_wait_s) for at least one worker; all of them must run this studio."""
        deadline = time.monotonic() + self.worker_wait_s
        while True:
            workers = self.workers()
            if workers:
                break
            if time.monotonic() > deadline:
                raise StudioError(f"the render farm at {self.address} has no worker: on each PC that should render, "
                                  "run `main.py farm-worker ADDRESS` (see README, Render farm)")
            time.sleep(0.5)
        mine = studio_build()
        try:  # Dask's scheduler unpickles every task, so it needs the studio too
            scheduler_build = client.run_on_scheduler(studio_build)
        except Exception as exc:
            raise StudioError(f"the render farm's scheduler cannot read the studio's renders ({type(exc).__name__}: "
                              f"{exc}): start it from the studio's folder with `main.py farm-scheduler`") from None
        if scheduler_build != mine:
            raise StudioError("the render farm's scheduler runs another version of the studio than this PC: put the "
                              "same version on the head PC and restart `main.py farm-scheduler` there")
        try:
            builds = client.run(studio_build)
        except Exception as exc:
            raise StudioError(f"a farm worker cannot run the studio ({type(exc).__name__}: {exc}): start workers "
                              "from the studio's folder with `main.py farm-worker ADDRESS`, after "
                              "`bash scripts/bootstrap.sh` and `pip install -r requirements-cluster.txt` there") from None
        other = sorted(node_name(w["name"], w["host"]) for w in workers if builds.get(w["address"], mine) != mine)
        if other:
            raise StudioError(f"farm worker(s) {', '.join(other)} run another version of the studio than this PC: put "
                              "the same version on every PC (the same git commit, or a copy of this folder) and "
                              "restart their workers")
        return workers

    # -------------------------------------------------------------- the batch

    def run(self, work: Sequence[tuple[BatchJob, RenderPlan]], events: RunnerEvents) -> None:
        from distributed import Variable, wait

        client = self.connect()
        workers = self._ready_workers(client)
        batch = uuid.uuid4().hex[:12]
        topic, control_name = f"studio-farm-{batch}", f"studio-farm-{batch}"
        control = Variable(control_name, client=client)
        control.set({"stop": False, "beat": 0})
        inbox: queue_mod.SimpleQueue = queue_mod.SimpleQueue()
        client.subscribe_topic(topic, lambda event: inbox.put(event[1]))
        heart = _Heartbeat(control)
        by_index = {job.index: job for job, _ in work}
        node_of: dict[int, str] = {}
        pending = deque(work)
        in_flight: dict = {}  # future -> (job, its output folder)
        no_worker_since: float | None = None
        workers_checked = time.monotonic()
        try:
            heart.start()
            while pending or in_flight:
                if events.stop.cancelled:
                    return
                window = self.window or max(2, 2 * sum(int(w["nthreads"]) for w in workers))
                while pending and len(in_flight) < window and not events.stop.cancelled:
                    job, the_plan = pending.popleft()
                    placement = task_resources(needs_of(the_plan), [w["resources"] for w in workers])
                    if placement.refused:
                        events.result(job, RenderResult(job.product.name, None, ok=False, error=placement.refused))
                        continue
                    try:
                        shipped = transfer.pack(job.index, the_plan, job.notes)
                    except StudioError as exc:
                        events.result(job, RenderResult(job.product.name, None, ok=False, error=str(exc)))
                        continue
                    future = client.submit(render_on_worker, shipped, control_name, topic,
                                           key=f"studio-render-{batch}-{job.index}", pure=False,
                                           resources=placement.resources or None)
                    in_flight[future] = (job, Path(the_plan.options.out_dir))
                    del shipped  # the scheduler holds it now (to run it again if a worker dies)
                self._deliver(inbox, by_index, node_of, events)
                if not in_flight:
                    continue
                try:
                    done, _ = wait(list(in_flight), timeout=0.25, return_when="FIRST_COMPLETED")
                except TimeoutError:  # nothing finished in that time
                    done = ()
                self._deliver(inbox, by_index, node_of, events)
                for future in done:
                    job, out_dir = in_flight.pop(future)
                    result = self._settle(future, job, out_dir, node_of, events.stop)
                    future.release()
                    if result is not None:
                        events.result(job, result)
                    if events.stop.cancelled:
                        return
                if time.monotonic() - workers_checked < 2.0:
                    continue
                workers, workers_checked = self.workers(), time.monotonic()
                if workers:
                    no_worker_since = None
                else:
                    no_worker_since = no_worker_since or time.monotonic()
                    if time.monotonic() - no_worker_since > self.worker_wait_s:
                        self._give_up(pending, in_flight, events)
                        return
        finally:
            heart.stop()
            self._stop_batch(client, control, list(in_flight), topic)

    def _deliver(self, inbox, by_index, node_of, events: RunnerEvents) -> None:
        """Hand the workers' progress events to the batch, on this (the calling) thread."""
        while True:
            try:
                msg = inbox.get_nowait()
            except queue_mod.Empty:
                return
            job = by_index.get(msg.get("job"))
            if job is None:
                continue
            if msg.get("kind") == "started":
                node_of[job.index] = msg["node"]
                if self.on_started:
                    self.on_started(job, msg["node"], msg["pid"])
                continue
            node = node_of.get(job.index, msg.get("node", ""))
            events.progress(job, Progress(msg["stage"], float(msg["fraction"]), f"{msg['message']} (on {node})"))

    def _settle(self, future, job: BatchJob, out_dir: Path, node_of, stop: CancelToken) -> RenderResult | None:
        """The result of one finished task: its files placed in the output folder; None for a render
        the stop cancelled (not reported)."""
        from distributed import CancelledError, KilledWorker

        name = job.product.name
        try:
            outcome = future.result()
        except KilledWorker as exc:
            last = node_of.get(job.index, "")
            return RenderResult(name, None, ok=False, node=last, error=(
                f"the farm worker rendering it stopped {exc.allowed_failures + 1} times (a crash, running out of "
                f"memory, or its PC going away{f'; last on {last}' if last else ''}), so it was given up. Check that "
                "PC's worker log, then run the same command again: finished videos are kept"))
        except CancelledError:
            if stop.cancelled:
                return None
            return RenderResult(name, None, ok=False, node=node_of.get(job.index, ""),
                                error="the farm's scheduler dropped this render (it restarted, or the connection to it "
                                      "was lost); run the same command again: finished videos are kept")
        except Exception as exc:  # the task itself broke on the worker: a bug, not the row
            log.error("farm render of %s failed on %s: %s: %s", name, node_of.get(job.index, "?"),
                      type(exc).__name__, exc)
            node = node_of.get(job.index, "")
            where = f"on farm node {node}" if node else "before it reached a farm node"
            return RenderResult(name, None, ok=False, node=node,
                                error=f"internal error {where}: {type(exc).__name__}: {exc} (details in "
                                      f"{'that node' if node else 'the scheduler'}'s log)")
        if outcome is None:  # stopped on the worker by the batch's stop
            return None
        result = transfer.placed_result(outcome.result, out_dir, outcome.node)
        if not result.ok:
            return result
        try:
            transfer.place_outputs(out_dir, outcome.files)
        except OSError as exc:
            from ..core.errors import is_disk_full

            full = is_disk_full(exc)
            hint = " (the disk is full: free some space or choose another output folder)" if full else ""
            log.warning("placing %s in %s failed: %s", name, out_dir, exc, exc_info=not full)
            return RenderResult(name, None, ok=False, node=outcome.node, disk_full=full, timings=result.timings,
                                error=f"rendered on {outcome.node}, but could not be written to {out_dir}: {exc}{hint}")
        return result

    def _give_up(self, pending, in_flight, events: RunnerEvents) -> None:
        minutes = self.worker_wait_s / 60
        why = (f"no worker was left in the render farm for {minutes:g} minute(s) (every PC went away or its worker "
               "stopped): start the workers again and run the same command: finished videos are kept")
        for job in [*(j for j, _ in in_flight.values()), *(j for j, _ in pending)]:
            events.result(job, RenderResult(job.product.name, None, ok=False, error=why))
        pending.clear()

    def _stop_batch(self, client, control, futures, topic) -> None:
        """Stop what is still running (it removes its staging files) and drop what has not begun."""
        try:
            control.set({"stop": True, "beat": -1})
        except Exception:
            log.warning("could not tell the farm to stop this batch's renders", exc_info=True)
        try:
            if futures:
                client.cancel(futures)
            client.unsubscribe_topic(topic)
        except Exception:
            log.warning("could not cancel this batch's farm tasks", exc_info=True)


class _Heartbeat:
    """Tells the workers the driver is alive (a counter in the batch's control Variable)."""

    def __init__(self, control) -> None:
        self._control = control
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="farm-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        beat = 0
        while not self._stopped.wait(HEARTBEAT_S):
            beat += 1
            try:
                self._control.set({"stop": False, "beat": beat})
            except Exception:  # the scheduler is away for a moment: the workers tolerate a minute
                log.warning("farm heartbeat failed", exc_info=True)


# ---------------------------------------------------------------- on the worker


class FarmCancel(CancelToken):
    """A render's cancel on a worker: set when the batch's control Variable says stop, or when the
    driver has not beaten for ORPHAN_AFTER_S (it was killed, or lost its network)."""

    def __init__(self, control) -> None:
        super().__init__()
        self._control = control
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="farm-cancel", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._done.set()

    def _poll(self) -> None:
        last_beat, last_change = None, time.monotonic()
        while not self._done.wait(POLL_S):
            try:
                value = self._control.get(timeout=5)
            except Exception:  # the scheduler is slow or away: the heartbeat rule decides
                value = None
            now = time.monotonic()
            if isinstance(value, dict):
                if value.get("stop"):
                    self.cancel()
                    return
                if value.get("beat") != last_beat:
                    last_beat, last_change = value.get("beat"), now
            if now - last_change > ORPHAN_AFTER_S:
                log.warning("the driver of farm batch %s has been silent for %.0f s: stopping its render",
                            self._control.name, now - last_change)
                self.cancel()
                return


def render_on_worker(shipped: transfer.ShippedRender, control_name: str, topic: str):
    """The farm task: stage the inputs, render the plan, return a RenderOutcome (the files as bytes);
    None when the batch was stopped. Runs in a Dask worker process."""
    from distributed import Variable, get_client, get_worker

    from ..pipeline.product import render_plan

    worker = get_worker()
    node, pid = node_name(worker.name, socket.gethostname()), os.getpid()
    send = _ProgressSender(worker, topic, shipped.index)
    send.raw({"job": shipped.index, "kind": "started", "node": node, "pid": pid})
    staging = Path(worker.local_directory) / "studio-farm" / f"{shipped.index}-{uuid.uuid4().hex[:8]}"
    cancel = FarmCancel(Variable(control_name, client=get_client()))  # made here: a client belongs to the task's thread
    try:
        staged = transfer.stage_plan(shipped, staging)
        staged = _with_threads(staged, worker)
        name = staged.product.name
        try:
            transfer.check_node_models(staged, node)
        except StudioError as exc:
            return transfer.RenderOutcome(RenderResult(name, None, ok=False, error=str(exc), node=node), (), node, pid)
        try:
            result = render_plan(staged, on_progress=send, cancel=cancel, notes=list(shipped.notes))
        except Cancelled:
            return None
        farm = {"node": node, "worker": str(worker.address), "pid": pid}
        if not result.ok:
            return transfer.RenderOutcome(result, (), node, pid)
        result, files = transfer.collect_outputs(result, shipped, staged, farm)
        return transfer.RenderOutcome(result, files, node, pid)
    finally:
        cancel.close()
        shutil.rmtree(staging, ignore_errors=True)


def _with_threads(plan: RenderPlan, worker) -> RenderPlan:
    """x264's threads: the plan's, else the CPU the worker declares, else this PC's cores shared
    among its worker processes."""
    import dataclasses

    from ..render.encode import usable_cores

    if plan.options.encoder_threads is not None:
        return plan
    declared = int(worker.state.total_resources.get("CPU", 0) or 0)
    if not declared:
        siblings = sum(1 for w in worker.client.scheduler_info(n_workers=-1)["workers"].values()
                       if w.get("host") == worker.ip) if worker.client else 1
        declared = max(1, usable_cores() // max(1, siblings))
    return dataclasses.replace(plan, options=dataclasses.replace(plan.options, encoder_threads=declared))


class _ProgressSender:
    """A render's progress as Dask events to the driver: at most every PROGRESS_EVERY_S, and at each new stage."""

    def __init__(self, worker, topic: str, index: int) -> None:
        self._worker, self._topic, self._index = worker, topic, index
        self._last, self._stage = 0.0, None

    def raw(self, msg: dict) -> None:
        try:
            self._worker.log_event(self._topic, msg)
        except Exception:  # progress is informative; a render never fails for it
            log.warning("could not send farm progress", exc_info=True)

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.stage == self._stage and now - self._last < PROGRESS_EVERY_S and progress.fraction < 1.0:
            return
        self._last, self._stage = now, progress.stage
        self.raw({"job": self._index, "kind": "progress", "stage": progress.stage, "fraction": progress.fraction,
                  "message": progress.message})


def node_name(name, host: str | None) -> str:
    """What the report calls a worker's machine: the worker's name when the operator gave one
    (`--name`), else its host."""
    text = "" if name is None else str(name)
    if not text or "://" in text or text.isdigit():
        return str(host or socket.gethostname())
    return text


@functools.lru_cache(maxsize=1)
def studio_build() -> str:
    """A fingerprint of this studio's code (every .py file of the package): driver and workers must match."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def start_local_cluster(workers: int | None = None):
    """A Dask cluster of worker processes on this machine (`--cluster local`): `workers` processes
    (default: one per 4 cores, at least 1), one render at a time each, the cores and memory shared
    out among them as their declared CPU and MEMORY."""
    from distributed import LocalCluster

    from ..render.encode import usable_cores

    cores = usable_cores()
    n = max(1, workers or cores // 4)
    resources = {"CPU": max(1, cores // n)}
    try:
        import psutil

        resources["MEMORY"] = int(psutil.virtual_memory().total // n)
    except ImportError:
        pass
    return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, resources=resources,
                        dashboard_address=":0", silence_logs=logging.ERROR)


__all__ = ["DaskRunner", "FarmCancel", "node_name", "render_on_worker", "start_local_cluster", "studio_build"]
