"""The app's render queue, with no Qt: jobs keyed by job id, each naming the project item it renders.

A job owns deep copies of what it renders (product, edited script, options), taken when it is
queued: edits made afterwards (a photo added, a point changed) never reach it. It refers to its
product by the item's stable id, never by a table row, so a reorder or a removal cannot move its
status onto another product.

Policy (the batch module's, where it has one):
- one job renders at a time, in queue order, on a worker thread the caller supplies (`spawn`);
- while the queue renders into an output folder it holds that folder's `OutputLock`, so the app and
  `main.py render` never write into one folder at once; a refusal fails the jobs for that folder with
  the lock's message;
- a full disk halts the queue: the jobs not started are cancelled and `halt_message` says what to do
  (`full_disk_stop`, the batch's own words);
- cancel drops a queued job at once and stops a running one at its next check; a step that cannot
  be interrupted (one Whisper pass) is reported cancelled after `cancel_grace_s`, and the next job
  waits until it has really stopped, so two renders never share the CPU;
- Retry renders the job's item again with the inputs it has *now* in the project (the fix a merchant
  made after a failure is what renders), or with the job's own copy when the item is gone; retrying a
  finished job ("Render again") always renders, even when nothing changed.

Events are plain callbacks (`subscribe`), called on the thread where the change happened: the
caller's for queueing and cancelling queued jobs, the worker's for everything a render reports.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..core.errors import Cancelled, StudioError
from ..core.logs import log_path
from ..core.options import RenderOptions
from ..core.progress import CancelToken, Eta, Progress
from ..pipeline.batch import OutputLock, full_disk_stop
from ..pipeline.plan import plan
from ..pipeline.product import render_plan
from ..types import Problem, Product, RenderResult, Scene

log = logging.getLogger(__name__)

QUEUED, RENDERING, DONE, FAILED, CANCELLED = "queued", "rendering", "done", "failed", "cancelled"
ACTIVE = (QUEUED, RENDERING)
FINISHED = (DONE, FAILED, CANCELLED)
# what a QueueEvent reports besides a job's new state
PROGRESS, CANCELLING, HALTED, IDLE = "progress", "cancelling", "halted", "idle"


@dataclass(frozen=True)
class JobInputs:
    """What one item renders with: the product, its edited script (None = the template's words), the
    options, and the sheet's notes about its row."""

    product: Product
    options: RenderOptions
    script: list[Scene] | None = None
    notes: tuple[Problem, ...] = ()


@dataclass(eq=False)
class RenderJob:
    """One video of the queue. `inputs` is the job's own deep copy; the other fields are its state."""

    id: int
    item_id: str
    variant: int
    inputs: JobInputs
    state: str = QUEUED
    stage: str = ""  # the pipeline step it reports (vocab.STAGES)
    fraction: float = 0.0
    message: str = ""
    eta_s: float | None = None
    cancelling: bool = False  # cancel asked, the render has not stopped yet
    result: RenderResult | None = None  # the render's result (done or failed by the pipeline)
    error: str = ""  # why it failed (the whole text; the first line is the headline)
    cancel: CancelToken = field(default_factory=CancelToken)
    finished_seq: int = 0  # order in which jobs finished (the latest outcome is an item's status)
    _eta: Eta = field(default_factory=Eta, repr=False)

    @property
    def product(self) -> Product:
        return self.inputs.product

    @property
    def options(self) -> RenderOptions:
        return self.inputs.options

    @property
    def script(self) -> list[Scene] | None:
        return self.inputs.script

    @property
    def out_dir(self) -> Path:
        return Path(self.inputs.options.out_dir)

    @property
    def label(self) -> str:
        return self.product.name + (f" · v{self.variant + 1}" if self.variant else "")


@dataclass(frozen=True)
class QueueEvent:
    """A change of the queue: a job's new state (queued … cancelled), its progress, a cancel asked
    (cancelling), the queue halted by a full disk (message says what to do), or idle."""

    kind: str
    job: RenderJob | None = None
    message: str = ""
    count: int = 0  # halted: the jobs it left undone


RenderFunction = Callable[[RenderJob, Callable[[Progress], None], CancelToken], RenderResult]


def render_job(job: RenderJob, on_progress: Callable[[Progress], None], cancel: CancelToken) -> RenderResult:
    """Render one job: its plan (checked first), then the pipeline's steps. Raises only Cancelled."""
    inputs = job.inputs
    try:
        the_plan = plan(inputs.product, inputs.options, job.variant, inputs.script)
    except StudioError as exc:
        log.info("render of %s not planned: %s", inputs.product.name, exc)
        return RenderResult(inputs.product.name, None, ok=False, error=str(exc))
    return render_plan(the_plan, on_progress, cancel, list(inputs.notes))


class FarmRender:
    """A RenderFunction that renders each job on the render farm at `address` (Settings'
    cluster_address: tcp://HOST:8786, or "local"), through the same farm runner `main.py render
    --cluster` uses; jobs still run one after another in queue order, each on whichever PC the farm
    gives it. The runner connects on the first job and lives until `close()`."""

    def __init__(self, address: str) -> None:
        from ..farm import resolve_address

        self.address = resolve_address(address)  # a bad address is refused when the setting is applied
        self._runner = None
        self._lock = threading.Lock()

    def _farm(self):
        with self._lock:
            if self._runner is None:
                from ..farm import cluster_runner

                self._runner = cluster_runner(self.address)
            return self._runner

    def __call__(self, job: "RenderJob", on_progress: Callable[[Progress], None], cancel: CancelToken) -> RenderResult:
        from ..pipeline.batch import BatchJob, RunnerEvents

        inputs = job.inputs
        try:
            the_plan = plan(inputs.product, inputs.options, job.variant, inputs.script)
            runner = self._farm()
        except StudioError as exc:
            log.info("render of %s not sent to the farm: %s", inputs.product.name, exc)
            return RenderResult(inputs.product.name, None, ok=False, error=str(exc))
        results: list[RenderResult] = []
        batch_job = BatchJob(f"app-job-{job.id}", 0, the_plan.product, job.variant,
                             tuple(inputs.script) if inputs.script else None, tuple(inputs.notes))
        runner.run([(batch_job, the_plan)],
                   RunnerEvents(lambda _job, p: on_progress(p), lambda _job, r: results.append(r), cancel))
        if results:
            return results[0]
        if cancel.cancelled:
            raise Cancelled()
        return RenderResult(inputs.product.name, None, ok=False,
                            error=f"the render farm at {self.address} gave no result; check that its workers run")

    def close(self) -> None:
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()


def render_function_for(settings) -> RenderFunction:
    """How the app's queue renders under these settings: on the render farm when Settings names one
    (cluster_address), else on this PC."""
    address = (getattr(settings, "cluster_address", "") or "").strip()
    return FarmRender(address) if address else render_job


def thread_spawn(work: Callable[[], None]) -> None:
    """Run `work` on a new daemon thread (the default when no GUI runner supplies one)."""
    threading.Thread(target=work, name="render-queue", daemon=True).start()


class RenderQueue:
    """Render jobs one at a time (see the module docstring for the policy)."""

    def __init__(self, render: RenderFunction | None = None, spawn: Callable[[Callable[[], None]], None] = thread_spawn,
                 cancel_grace_s: float = 1.0, lock_owner: str = "the desktop app") -> None:
        self._render = render or render_job
        self._spawn = spawn
        self.cancel_grace_s = cancel_grace_s
        self.lock_owner = lock_owner
        self.jobs: dict[int, RenderJob] = {}
        self.halt_message = ""  # why the queue stopped on its own (a full disk), until new work is queued
        self._by_item: dict[str, list[int]] = {}
        self._ids = itertools.count(1)
        self._finished = itertools.count(1)
        self._lock = threading.RLock()
        self._listeners: list[Callable[[QueueEvent], None]] = []
        self._draining = False
        self._drained = threading.Event()
        self._drained.set()
        self._stopping = False
        self._current: RenderJob | None = None
        self._folder_locks: dict[Path, OutputLock] = {}
        # the render a cancel could not stop in time: the next job waits for it
        self.finishing: RenderJob | None = None

    # ---------------------------------------------------------------- reading
    def use(self, render: RenderFunction) -> None:
        """Render the jobs not yet begun with `render` (the settings changed where the queue renders);
        the one running finishes where it is. A replaced farm connection is closed."""
        with self._lock:
            old, self._render = self._render, render
        if old is not render and hasattr(old, "close"):
            old.close()

    def close(self) -> None:
        """Let go of what the render function holds (a render farm's connection)."""
        if hasattr(self._render, "close"):
            self._render.close()

    def subscribe(self, listener: Callable[[QueueEvent], None]) -> None:
        self._listeners.append(listener)

    def job(self, job_id: int) -> RenderJob:
        try:
            return self.jobs[job_id]
        except KeyError:
            raise StudioError(f"no render job {job_id} in the queue") from None

    def jobs_of(self, item_id: str) -> list[RenderJob]:
        with self._lock:
            return [self.jobs[j] for j in self._by_item.get(item_id, [])]

    def active_for(self, item_id: str) -> bool:
        """A job of this item is queued or rendering."""
        return any(j.state in ACTIVE for j in self.jobs_of(item_id))

    def item_state(self, item_id: str) -> str | None:
        """The render state an item shows: rendering or queued while one of its jobs is, else the
        outcome of its job that finished last; None when it has no jobs."""
        jobs = self.jobs_of(item_id)
        for state in (RENDERING, QUEUED):
            if any(j.state == state for j in jobs):
                return state
        finished = [j for j in jobs if j.state in FINISHED]
        return max(finished, key=lambda j: j.finished_seq).state if finished else None

    @property
    def busy(self) -> bool:
        """A job is queued or rendering (a cancelled one still winding down does not count)."""
        with self._lock:
            return any(j.state in ACTIVE for j in self.jobs.values())

    @property
    def running(self) -> bool:
        """The worker is still at work (also while a cancelled render winds down)."""
        return not self._drained.is_set()

    # ---------------------------------------------------------------- changing
    def enqueue(self, item_id: str, inputs: JobInputs, variants: int = 1, *, render_again: bool = False,
                first_variant: int = 0) -> list[int]:
        """Queue `variants` videos of one item (variants first_variant, first_variant + 1, …), each
        with its own deep copy of `inputs`; returns the job ids. `render_again`: render even when an
        unchanged earlier video exists."""
        if self._stopping:
            return []
        new = []
        with self._lock:
            self.halt_message = ""
            for variant in range(first_variant, first_variant + max(1, variants)):
                own = copy.deepcopy(inputs)
                if render_again:
                    own = dataclasses.replace(own, options=dataclasses.replace(own.options, skip_unchanged=False))
                job = RenderJob(next(self._ids), item_id, variant, own)
                self.jobs[job.id] = job
                self._by_item.setdefault(item_id, []).append(job.id)
                new.append(job)
            start = not self._draining
            if start:
                self._draining = True
                self._drained.clear()
        for job in new:
            self._emit(QUEUED, job)
        if start:
            self._spawn(self._drain)
        return [j.id for j in new]

    def retry(self, job_id: int, inputs: JobInputs | None = None) -> int | None:
        """Queue a finished job's item again (see the module docstring): with `inputs`, the item's inputs
        as they are now, else the job's own copy. None when the job is still queued or rendering."""
        old = self.job(job_id)
        if old.state not in FINISHED:
            return None
        (new,) = self.enqueue(old.item_id, inputs or old.inputs, 1, render_again=old.state == DONE,
                              first_variant=old.variant)
        return new

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel one job, or every queued and running job when job_id is None. Thread-safe."""
        with self._lock:
            queued = [j for j in self.jobs.values() if j.state == QUEUED and job_id in (None, j.id)]
            for job in queued:
                job.cancel.cancel()
                self._finish(job, CANCELLED)
            running = self._current if self._current is not None and job_id in (None, self._current.id) else None
            if running is not None and running.state == RENDERING:
                running.cancel.cancel()
                running.cancelling = True
            else:
                running = None
        for job in queued:
            self._emit(CANCELLED, job)
        if running is not None:
            self._emit(CANCELLING, running)

    def cancel_all(self) -> None:
        self.cancel(None)

    def stop(self) -> None:
        """Cancel everything and let the worker return as soon as it can (the window is closing)."""
        self._stopping = True
        self.cancel(None)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait until the worker is done (also with a cancelled render winding down); False on timeout."""
        return self._drained.wait(timeout_s)

    # ---------------------------------------------------------------- the worker
    def _drain(self) -> None:
        try:
            while True:
                while True:
                    with self._lock:
                        job = None if self._stopping else next((j for j in self.jobs.values() if j.state == QUEUED), None)
                        if job is None:
                            break
                        self._current = job  # still queued (cancel drops it) until its folder is held
                    try:
                        self._run(job)
                    finally:
                        with self._lock:
                            self._current = None
                self._release_folders()
                with self._lock:
                    more = not self._stopping and any(j.state == QUEUED for j in self.jobs.values())
                    if not more:
                        self._draining = False
                        break
        except BaseException:  # a bug in the queue itself: say so, and never leave it "draining"
            log.exception("the render queue stopped on an internal error")
            with self._lock:
                self._draining = False
            self._release_folders()
            raise
        finally:
            self._drained.set()
            self._emit(IDLE)

    def _run(self, job: RenderJob) -> None:
        refusal = self._hold_folder(job.out_dir)
        if refusal:
            self._refuse_folder(job, refusal)
            return
        with self._lock:
            if job.state != QUEUED:  # cancelled while its folder was being taken
                return
            job.state = RENDERING
        job._eta.start()
        self._emit(RENDERING, job)
        last = {"key": None}
        box: dict = {}
        done = threading.Event()

        def report(p: Progress) -> None:
            # the encoder reports every frame; listeners only need a change they can show
            key = (p.stage, int(p.fraction * 500))
            if key == last["key"] or job.cancel.cancelled:
                return
            last["key"] = key
            job.stage, job.fraction, job.message = p.stage, float(p.fraction), p.message
            job.eta_s = job._eta.remaining(job.fraction)
            self._emit(PROGRESS, job)

        def target() -> None:
            try:
                box["result"] = self._render(job, report, job.cancel)
            except Cancelled:
                box["cancelled"] = True
            except BaseException as exc:  # the pipeline reports failures in its result: this is a bug
                log.exception("render job %s (%s) failed with an internal error", job.id, job.label)
                box["error"] = (f"internal error: {type(exc).__name__}: {exc}\n(the details are in the log file "
                                f"{log_path()})")
            finally:
                done.set()

        helper = threading.Thread(target=target, name=f"render-job-{job.id}", daemon=True)
        helper.start()
        cancelled_at = None
        while not done.wait(0.05):
            if job.cancel.cancelled:
                cancelled_at = cancelled_at or time.monotonic()
                if time.monotonic() - cancelled_at >= self.cancel_grace_s:
                    break
        if not done.is_set():  # cancelled, and the current step has not noticed yet
            with self._lock:
                self._finish(job, CANCELLED)
                self.finishing = job
            self._emit(CANCELLED, job)
            while not done.wait(0.1) and not self._stopping:
                pass  # the step checks cancel at its next report and removes its own part files
            with self._lock:
                self.finishing = None
            return
        if box.get("cancelled") or (job.cancel.cancelled and "result" not in box):
            with self._lock:
                self._finish(job, CANCELLED)
            self._emit(CANCELLED, job)
        elif "error" in box:
            with self._lock:
                job.error = box["error"]
                self._finish(job, FAILED)
            self._emit(FAILED, job)
        else:
            result: RenderResult = box["result"]
            with self._lock:
                job.result = result
                if result.ok and result.video is not None:
                    job.fraction, job.eta_s = 1.0, None
                    self._finish(job, DONE)
                else:
                    job.error = result.error or "the render failed without saying why"
                    self._finish(job, FAILED)
            self._emit(job.state, job)
            if not result.ok and result.disk_full:
                self._halt(result)

    def _finish(self, job: RenderJob, state: str) -> None:
        job.state, job.cancelling, job.eta_s = state, False, None
        job.finished_seq = next(self._finished)

    def _halt(self, result: RenderResult) -> None:
        """The disk is full: every queued job would fail the same way, so none of them starts."""
        with self._lock:
            left = [j for j in self.jobs.values() if j.state == QUEUED]
            for job in left:
                job.cancel.cancel()
                self._finish(job, CANCELLED)
            self.halt_message = full_disk_stop(result, len(left))
        log.warning("render queue halted: %s", self.halt_message)
        for job in left:
            self._emit(CANCELLED, job)
        self._emit(HALTED, message=self.halt_message, count=len(left))

    # ---------------------------------------------------------------- output folders
    def _hold_folder(self, folder: Path) -> str:
        """Take the folder's batch lock unless this queue holds it already; the refusal's text, or ''."""
        key = folder.resolve()
        if key in self._folder_locks:
            return ""
        lock = OutputLock(folder, what=self.lock_owner)
        try:
            lock.acquire()
        except (StudioError, OSError) as exc:
            log.warning("render queue: %s", exc)
            return str(exc)
        self._folder_locks[key] = lock
        return ""

    def _refuse_folder(self, job: RenderJob, message: str) -> None:
        """Another batch renders into the job's folder: this job and the queued ones for that folder fail."""
        with self._lock:
            same = [j for j in self.jobs.values() if j.state == QUEUED and j.out_dir.resolve() == job.out_dir.resolve()]
            for j in same:
                j.error = message
                self._finish(j, FAILED)
        for j in same:
            self._emit(FAILED, j)

    def _release_folders(self) -> None:
        for key, lock in list(self._folder_locks.items()):
            try:
                lock.release()
            except OSError:
                log.warning("could not release the batch lock of %s", key, exc_info=True)
            try:
                (key / ".work").rmdir()  # only when empty: no render left anything behind
            except OSError:
                pass
        self._folder_locks.clear()

    def _emit(self, kind: str, job: RenderJob | None = None, message: str = "", count: int = 0) -> None:
        event = QueueEvent(kind, job, message, count)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop the queue
                log.exception("a render-queue listener failed on %s", kind)
