"""Many products × variants: the batch policy, shared by the CLI and the app, over a pluggable runner.

The policy (here, once):
- every job is planned first on this machine (cheap): a bad row fails alone with its message and
  is never retried; a video whose inputs are unchanged since it was rendered is kept;
- one output folder is rendered into by one batch at a time (`OutputLock`): a second batch says who
  holds it instead of writing over the same part files;
- a full disk stops the batch at the video that hit it (every later video would fail the same way);
- the user's cancel, Ctrl-C or SIGTERM stops it cleanly: running renders remove their part files;
- `summary.json` and the report (`report.html`, `report.csv`: every video's status, length, node,
  time and cause) are written at the end, also when the batch was cancelled, stopped or interrupted.

Runners decide only where the renders run: `SerialRunner` (this process), `ProcessRunner` (local
worker processes), `studio.farm.cluster_runner(address)` (a render farm of several PCs).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import sys
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..core.errors import Cancelled, StudioError
from ..core.options import RenderOptions
from ..core.progress import CancelToken, LinkedCancel, Progress, no_progress
from ..types import Problem, Product, RenderResult, Scene, Sheet
from .manifest import write_json_atomic
from .plan import RenderPlan, plan as make_plan
from .product import kept_render, render_plan
from .report import report_rows, write_report

log = logging.getLogger(__name__)
LOCK_NAME = ".studio-batch.lock"


@dataclass(frozen=True)
class BatchJob:
    """One video of a batch: a product, a variant and, when the merchant edited it, its script."""

    id: str  # stable across runs: the product's item id (or sheet row) and the variant
    index: int  # position in the batch: results are reported and summarised in this order
    product: Product
    variant: int = 0
    script: tuple[Scene, ...] | None = None
    notes: tuple[Problem, ...] = ()  # the sheet's warnings about this product's row


def jobs_for(sheet: Sheet, variants: int = 1, scripts: dict[int, list[Scene]] | None = None,
             ids: Sequence[str] | None = None) -> list[BatchJob]:
    """Every product × variant of a sheet as jobs; `scripts`: edited scripts by product index;
    `ids`: a stable id per product (a project's item ids), else the sheet row or position."""
    scripts = scripts or {}
    jobs = []
    for i, product in enumerate(sheet.products):
        base = ids[i] if ids else (f"row{product.source_row}" if product.source_row is not None else f"item{i}")
        script = scripts.get(i)
        for v in range(max(1, variants)):
            jobs.append(BatchJob(f"{base}/v{v + 1}", len(jobs), product, v, tuple(script) if script else None,
                                 tuple(sheet.problems_for_row(product.source_row))))
    return jobs


@dataclass
class BatchReport:
    results: list[RenderResult] = field(default_factory=list)
    sheet_problems: list[Problem] = field(default_factory=list)
    cancelled: bool = False
    stopped: str = ""  # why the batch stopped before its end (a full disk), with what to do
    not_started: int = 0  # videos left undone (after a stop or a cancel)
    summary_error: str = ""  # summary.json could not be written

    @property
    def failed(self) -> list[RenderResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return (not self.failed and not any(p.severity == "error" for p in self.sheet_problems)
                and not self.cancelled and not self.stopped)


def full_disk_stop(result: RenderResult, remaining: int) -> str:
    """What a batch stopped by a full disk says, with what to do."""
    return (f"the disk filled up while rendering {result.product}, so the batch stopped: {remaining} video(s) left "
            "undone. Free some space (or choose another output folder) and run the same batch again: finished "
            "videos are kept")


class RunnerEvents:
    """What a runner reports back; the batch policy answers (a full disk sets `stop`)."""

    def __init__(self, on_progress, on_result, stop: CancelToken) -> None:
        self._on_progress = on_progress
        self._on_result = on_result
        self.stop = stop

    def progress(self, job: BatchJob, progress: Progress) -> None:
        self._on_progress(job, progress)

    def result(self, job: BatchJob, result: RenderResult) -> None:
        self._on_result(job, result)


class Runner(ABC):
    """Where a batch's renders run. `run` renders each (job, plan), reporting through `events` on the
    calling thread, and returns when all are done or `events.stop` is set: then running renders are
    cancelled (they remove their own part files) and jobs not begun are not reported."""

    name = "runner"

    @abstractmethod
    def run(self, work: Sequence[tuple[BatchJob, RenderPlan]], events: RunnerEvents) -> None: ...

    def close(self) -> None:
        """Release what the runner holds between batches (a farm's connection); local runners hold nothing."""


class SerialRunner(Runner):
    """One render after another, in this process."""

    name = "serial"

    def run(self, work, events) -> None:
        for job, the_plan in work:
            if events.stop.cancelled:
                return
            try:
                result = render_plan(the_plan, on_progress=lambda pr, j=job: events.progress(j, pr),
                                     cancel=events.stop, notes=list(job.notes))
            except Cancelled:
                return
            events.result(job, result)


class ProcessRunner(Runner):
    """`workers` renders at once, each in its own spawned process (voice and Whisper of one overlap the
    encode of another); x264's threads are split between them."""

    name = "processes"

    def __init__(self, workers: int = 2) -> None:
        self.workers = max(1, workers)

    def run(self, work, events) -> None:
        import multiprocessing as mp
        import queue as queue_mod
        from concurrent.futures import ProcessPoolExecutor

        from ..render.encode import usable_cores

        ctx = mp.get_context("spawn")  # no fork: Qt, ONNX and CTranslate2 threads do not survive a fork
        stop_event, progress_queue = ctx.Event(), ctx.Queue()
        threads = max(1, usable_cores() // self.workers)
        by_index = {job.index: job for job, _ in work}
        pumping = threading.Event()
        pumping.set()
        pending_progress: list[tuple[int, Progress]] = []
        lock = threading.Lock()

        def pump() -> None:  # progress from the workers, handed to the calling thread
            while pumping.is_set():
                if events.stop.cancelled:
                    stop_event.set()
                try:
                    item = progress_queue.get(timeout=0.2)
                except queue_mod.Empty:
                    continue
                with lock:
                    pending_progress.append(item)

        def flush() -> None:
            with lock:
                items = pending_progress[:]
                pending_progress.clear()
            for index, progress in items:
                events.progress(by_index[index], progress)

        pumper = threading.Thread(target=pump, daemon=True)
        pumper.start()
        try:
            with ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_worker_init,
                                     initargs=(stop_event, progress_queue)) as pool:
                futures = []
                for job, the_plan in work:
                    if the_plan.options.encoder_threads is None:
                        the_plan = dataclasses.replace(
                            the_plan, options=dataclasses.replace(the_plan.options, encoder_threads=threads))
                    futures.append(pool.submit(_worker_render, job.index, the_plan, list(job.notes)))
                remaining = set(futures)
                while remaining:
                    finished = _wait_some(remaining, 0.2)
                    flush()
                    for future in finished:
                        remaining.discard(future)
                        if future.cancelled():  # never begun: a stop dropped it
                            continue
                        index, result = future.result()
                        if result is not None:
                            events.result(by_index[index], result)
                    if events.stop.cancelled:
                        stop_event.set()
                        for future in remaining:
                            future.cancel()
        except BaseException:
            stop_event.set()
            raise
        finally:
            pumping.clear()
            pumper.join(timeout=2)
            flush()


def _wait_some(futures, timeout: float):
    from concurrent.futures import FIRST_COMPLETED, wait

    done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
    return done


class _SharedCancel(CancelToken):
    """A CancelToken backed by a multiprocessing Event, for worker processes."""

    def __init__(self, event) -> None:
        self._event = event
        self.reason = ""


_worker_state: dict = {}


def _worker_init(event, queue) -> None:
    import signal

    from ..core.logs import setup_logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the driver stops us
    setup_logging(console=False)
    _worker_state["cancel"] = _SharedCancel(event)
    _worker_state["queue"] = queue


def _worker_render(index: int, the_plan: RenderPlan, notes: list[Problem]):
    queue = _worker_state["queue"]
    try:
        result = render_plan(the_plan, on_progress=lambda pr: queue.put((index, pr)),
                             cancel=_worker_state["cancel"], notes=notes)
    except Cancelled:
        return index, None
    return index, result


def local_runner(workers: int = 1) -> Runner:
    """The embedded default: this process for one worker, local processes for more."""
    return ProcessRunner(workers) if workers > 1 else SerialRunner()


# ---------------------------------------------------------------- the output folder's lock


class OutputLock:
    """One batch at a time per output folder. The lock is held by the operating system (flock on
    POSIX, msvcrt on Windows) and so dies with its process: a lock left by a crash is no lock. The
    file says who holds it, for the message a second batch gets."""

    def __init__(self, out_dir: Path, what: str = "") -> None:
        self.path = Path(out_dir) / LOCK_NAME
        self.what = what or " ".join(sys.argv[:3])
        self._file = None

    def __enter__(self) -> "OutputLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+", encoding="utf-8")
        if not _try_lock(f):
            f.seek(0)
            holder = f.read().strip()
            f.close()
            try:
                info = json.loads(holder)
                who = (f"process {info.get('pid')} on {info.get('host')} ({info.get('what')}), "
                       f"since {info.get('since')}")
            except ValueError:
                who = "another batch"
            raise StudioError(f"{self.path.parent} is being rendered into by {who}. Wait for it to finish, or "
                              "choose another output folder (two batches in one folder would overwrite each "
                              "other's unfinished files)")
        f.seek(0)
        f.truncate()
        f.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "what": self.what,
                            "since": time.strftime("%Y-%m-%d %H:%M:%S")}))
        f.flush()
        self._file = f

    def release(self) -> None:
        if self._file is None:
            return
        try:
            self._file.seek(0)
            self._file.truncate()
            _unlock(self._file)
        finally:
            self._file.close()
            self._file = None
        try:
            self.path.unlink()
        except OSError:
            pass


def _try_lock(f) -> bool:
    try:
        if os.name == "nt":
            import msvcrt

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(f) -> None:
    if os.name == "nt":
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------- the policy


JobProgress = Callable[[BatchJob, Progress], None]
JobResult = Callable[[BatchJob, RenderResult], None]


def plan_jobs(jobs: Sequence[BatchJob], options: RenderOptions) -> list[tuple[BatchJob, RenderPlan | None, RenderResult | None]]:
    """Each job with its plan, or with the result that settles it without rendering: a failed plan
    (the row's own message, never retried) or a kept earlier render."""
    out = []
    for job in jobs:
        try:
            the_plan = make_plan(job.product, options, job.variant, list(job.script) if job.script else None)
        except StudioError as exc:
            out.append((job, None, RenderResult(job.product.name, None, ok=False, error=str(exc))))
            continue
        except Exception as exc:  # a bug in planning one row must not stop the others
            log.exception("planning %s failed", job.product.name)
            out.append((job, None, RenderResult(job.product.name, None, ok=False,
                                                error=f"internal error: {exc} (details in the log file)")))
            continue
        kept = kept_render(the_plan)
        out.append((job, the_plan, kept))
    return out


def run_batch(
    jobs: Sequence[BatchJob],
    options: RenderOptions,
    *,
    runner: Runner | None = None,
    on_progress: JobProgress | None = None,
    on_result: JobResult | None = None,
    cancel: CancelToken | None = None,
    sheet: Sheet | None = None,
    lock: bool = True,
    on_planned: Callable[[list[RenderPlan]], None] | None = None,
) -> BatchReport:
    """Render `jobs` by the batch policy (module docstring) on `runner` (default: this process).
    Results are reported as they come and listed in job order in the report and in summary.json.
    `on_planned` gets the plans about to render, before the first one starts (the disk check)."""
    cancel = cancel or CancelToken()
    runner = runner or SerialRunner()
    started = time.time()
    out_dir = Path(options.out_dir)
    report = BatchReport(sheet_problems=list(sheet.problems) if sheet else [])
    results: dict[int, RenderResult] = {}
    stop = LinkedCancel(cancel)
    on_progress = on_progress or (lambda job, pr: None)

    def record(job: BatchJob, result: RenderResult) -> None:
        results[job.index] = result
        if on_result:
            on_result(job, result)
        if result.disk_full and not report.stopped:
            report.stopped = full_disk_stop(result, len(jobs) - len(results))
            stop.cancel()  # the running renders stop and clean up; the rest do not begin

    out_lock = OutputLock(out_dir) if lock else None
    if out_lock:
        out_lock.acquire()  # refused: another batch's folder, so nothing here is touched, not even the summary
    interrupted: BaseException | None = None
    try:
        work = []
        for job, the_plan, settled in plan_jobs(jobs, options):
            if settled is not None:
                record(job, settled)
            else:
                work.append((job, the_plan))
        if on_planned and work:
            on_planned([p for _, p in work])
        if work and not stop.cancelled:
            runner.run(work, RunnerEvents(on_progress, record, stop))
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: the summary still says what happened
        interrupted = exc
        cancel.cancel()
    finally:
        report.results = [results[i] for i in sorted(results)]
        report.cancelled = cancel.cancelled
        if report.cancelled or report.stopped:
            report.not_started = len(jobs) - len(results)
        try:
            write_batch_summary(report, out_dir, sheet,
                                interrupted=interrupted is not None or cancel.reason == "interrupted")
            write_report(out_dir, report_rows(jobs, results, report.sheet_problems),
                         title=str(sheet.path) if sheet else "", started=started, ended=time.time(),
                         stopped=report.stopped, cancelled=report.cancelled, interrupted=interrupted is not None)
        except OSError as exc:  # most likely the same full disk: the caller still has the report
            report.summary_error = f"could not write the batch summary or report in {out_dir}: {exc}"
        try:
            (out_dir / ".work").rmdir()  # only when empty: no render left anything behind
        except OSError:
            pass
        if out_lock:
            out_lock.release()
    if interrupted is not None:
        raise interrupted
    return report


def render_sheet(
    sheet: Sheet,
    options: RenderOptions,
    on_progress: Callable[[int, Product, Progress], None] | None = None,
    on_result: Callable[[int, RenderResult], None] | None = None,
    cancel: CancelToken | None = None,
    workers: int = 1,
    scripts: dict[int, list[Scene]] | None = None,
    runner: Runner | None = None,
) -> BatchReport:
    """Render every product × variant of a sheet by the batch policy; `scripts`: edited scripts by
    index into sheet.products. Callbacks get the job's index in the batch."""
    jobs = jobs_for(sheet, options.variants, scripts)
    return run_batch(
        jobs, options, runner=runner or local_runner(workers if len(jobs) > 1 else 1),
        on_progress=(lambda job, pr: on_progress(job.index, job.product, pr)) if on_progress else None,
        on_result=(lambda job, r: on_result(job.index, r)) if on_result else None,
        cancel=cancel, sheet=sheet,
    )


def write_batch_summary(report: BatchReport, out_dir: Path, sheet: Sheet | None = None,
                        interrupted: bool = False) -> Path:
    """`summary.json` in the output folder: every video's outcome and every sheet problem."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "summary.json"
    write_json_atomic(path, {
        "sheet": str(sheet.path) if sheet else None,
        "rendered": [{"product": r.product, "video": str(r.video) if r.video else None, "kept_unchanged": r.reused}
                     for r in report.results if r.ok],
        "failed": [{"product": r.product, "error": r.error} for r in report.failed],
        "sheet_problems": [p.to_dict() | {"text": str(p)} for p in report.sheet_problems],
        "cancelled": report.cancelled,
        "interrupted": interrupted,
        "stopped": report.stopped or None,
        "not_started": report.not_started,
    })
    return path


def disk_space_warning(plans: Sequence[RenderPlan], out_dir: Path) -> str | None:
    """Before a batch: a warning when the output folder's disk has less free space than the planned
    videos may need (each at its bitrate cap for its estimated length, plus covers and captions);
    None when it fits or cannot be told."""
    import shutil

    from ..render.encode import AUDIO_KBPS, rate_limits

    needed = 0.0
    for p in plans:
        try:
            cap, _ = rate_limits(p.options.quality, p.estimated_s, p.delivery, p.options.max_mb)
        except StudioError:
            continue  # the render reports it
        needed += (int(cap.rstrip("k")) + AUDIO_KBPS) * 1000 / 8 * p.estimated_s * 1.1 + 1_000_000
    folder = Path(out_dir)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free >= needed:
        return None
    return (f"{folder} has {_size(free)} free; these videos may need up to {_size(needed)}. Free some space or "
            "choose another output folder (if the disk fills up, the batch stops at that video, leaves no "
            "partial file, and the same command run again keeps the finished ones)")


def _size(n: float) -> str:
    """A byte count as people read it: 5.0 MB, 1.2 GB."""
    if n >= 1e9:
        return f"{n / 1e9:.1f} GB"
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.0f} kB"
