"""The render queue without a window: jobs by item id, their own copies of what they render, cancel,
retry, a full disk halting it, the output folder's lock shared with the command line."""
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from studio.app.queue import (CANCELLED, DONE, FAILED, HALTED, QUEUED, RENDERING, JobInputs, RenderQueue)
from studio.app.session import Session
from studio.core.errors import StudioError
from studio.core.progress import Progress
from studio.pipeline import RenderOptions, run_batch
from studio.pipeline.batch import OutputLock, full_disk_stop
from studio.project import Project
from studio.settings import Settings
from studio.types import Product, RenderResult
from studio.util import PROJECT_ROOT

from .conftest import make_photo, write_csv



def wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    raise AssertionError("timed out")


class Renders:
    """A stand-in for the pipeline: records what it was asked to render, holds each render until
    released (or cancelled), then fails or succeeds as told."""

    def __init__(self, out_dir: Path, hold=False, outcome="fail"):
        self.calls = []
        self.hold = hold
        self.outcome = outcome
        self.release = threading.Event()
        self.out_dir = out_dir

    def __call__(self, job, on_progress, cancel):
        self.calls.append((job.product.name, job.variant, list(job.product.images), job.options.skip_unchanged))
        for i in range(1, 1000):
            cancel.check()
            on_progress(Progress("render", min(0.99, i / 100), "frame"))
            if not self.hold or self.release.is_set():
                break
            time.sleep(0.01)
        if self.outcome == "fail":
            return RenderResult(job.product.name, None, ok=False, error=f"stub failure of {job.product.name}")
        if self.outcome == "disk_full":
            return RenderResult(job.product.name, None, ok=False, error="no space left on device", disk_full=True)
        video = self.out_dir / f"{job.product.slug}.mp4"
        return RenderResult(job.product.name, video)


@pytest.fixture
def settings():
    return Settings()


@pytest.fixture
def two(tmp_path):
    make_photo(tmp_path / "cup.png")
    return write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"],
                     [["保温杯", "59.9", "保温", "cup.png"], ["保温壶", "79", "保温", "cup.png"]])


def session_with(tmp_path, sheet, renders, settings):
    queue = RenderQueue(render=renders)
    session = Session(Project.create(tmp_path / "project"), settings, queue, out_dir=tmp_path / "out")
    session.import_sheet(sheet)
    return session, queue


def ids(session):
    return {it.product.name: it.id for it in session.items}


@pytest.mark.unit
def test_a_job_reports_on_its_item_after_a_reorder_and_retry_renders_the_same_product(tmp_path, two, settings):
    renders = Renders(tmp_path / "out", hold=True)
    session, queue = session_with(tmp_path, two, renders, settings)
    cup, pot = ids(session)["保温杯"], ids(session)["保温壶"]
    (job_id,) = session.enqueue([cup])
    wait_for(lambda: queue.job(job_id).state == RENDERING)
    assert session.move(cup, 1) and [it.id for it in session.items] == [pot, cup]
    assert session.status(cup).state == RENDERING and session.status(pot).state != RENDERING
    renders.release.set()
    wait_for(lambda: not queue.running)
    assert queue.job(job_id).state == FAILED
    assert session.status(cup).state == FAILED and session.status(pot).state != FAILED
    again = session.retry(job_id)
    wait_for(lambda: queue.job(again).state == FAILED)
    session.remove([pot])
    last = session.retry(again)
    wait_for(lambda: queue.job(last).state == FAILED)
    assert [c[0] for c in renders.calls] == ["保温杯", "保温杯", "保温杯"]


@pytest.mark.unit
def test_retry_takes_the_items_inputs_as_they_are_now_or_the_jobs_own_copy(tmp_path, two, settings):
    renders = Renders(tmp_path / "out")
    session, queue = session_with(tmp_path, two, renders, settings)
    cup = ids(session)["保温杯"]
    (first,) = session.enqueue([cup])
    wait_for(lambda: queue.job(first).state == FAILED)
    session.edit_field(cup, "price", "49")  # the merchant fixes the row, then retries
    second = session.retry(first)
    wait_for(lambda: queue.job(second).state == FAILED)
    assert queue.job(first).product.price == 59.9 and queue.job(second).product.price == 49.0
    session.remove([cup])  # gone from the project: the job's own copy renders again
    third = session.retry(second)
    wait_for(lambda: queue.job(third).state == FAILED)
    assert queue.job(third).product.price == 49.0 and queue.job(third).item_id == cup
    assert session.retry(third) is not None and queue.retry(next(iter(queue.jobs))) is not None


@pytest.mark.unit
def test_a_queued_job_owns_deep_copies_of_its_inputs(tmp_path, two, settings):
    renders = Renders(tmp_path / "out", hold=True)
    session, queue = session_with(tmp_path, two, renders, settings)
    cup, pot = ids(session)["保温杯"], ids(session)["保温壶"]
    first, second = session.enqueue([cup, pot])
    wait_for(lambda: queue.job(first).state == RENDERING)
    assert queue.job(second).state == QUEUED
    added, errors = session.add_media(pot, [make_photo(tmp_path / "later.png")])
    assert (added, errors) == (1, [])
    session.item(pot).product.selling_points.append("edited in place")  # even a list changed in place
    session.change_style(caption_size=90)
    assert len(session.item(pot).product.images) == 2
    job = queue.job(second)
    assert len(job.product.images) == 1 and job.product.selling_points == ["保温"]
    assert "caption_size" not in job.options.style
    renders.release.set()
    wait_for(lambda: not queue.running)
    assert [len(images) for _, _, images, _ in renders.calls] == [1, 1]


@pytest.mark.unit
def test_undo_and_redo_keep_the_statuses(tmp_path, two, settings):
    renders = Renders(tmp_path / "out")
    session, queue = session_with(tmp_path, two, renders, settings)
    cup, pot = ids(session)["保温杯"], ids(session)["保温壶"]
    (job_id,) = session.enqueue([cup])
    wait_for(lambda: not queue.running)
    session.move(pot, -1)
    session.remove([cup])
    session.edit_field(pot, "name", "大保温壶")
    for _ in range(3):
        session.undo()
    assert [it.id for it in session.items] == [cup, pot] and session.status(cup).state == FAILED
    for _ in range(3):
        session.redo()
    assert session.has_item(pot) and not session.has_item(cup)
    session.undo()
    session.undo()
    assert session.status(cup).state == FAILED and queue.job(job_id).item_id == cup


@pytest.mark.unit
def test_variants_cancel_one_queued_one_running_and_retry(tmp_path, two, settings):
    renders = Renders(tmp_path / "out", hold=True)
    session, queue = session_with(tmp_path, two, renders, settings)
    cup = ids(session)["保温杯"]
    first, second, third = session.enqueue([cup], variants=3)
    assert [queue.job(j).variant for j in (first, second, third)] == [0, 1, 2]
    assert session.enqueue([cup]) == []  # an item already queued is not queued twice
    wait_for(lambda: queue.job(first).state == RENDERING)
    events = []
    queue.subscribe(lambda e: events.append((e.kind, e.job.id if e.job else None)))
    queue.cancel(second)
    assert queue.job(second).state == CANCELLED and events == [("cancelled", second)]  # at once
    queue.cancel(first)
    assert ("cancelling", first) in events
    wait_for(lambda: queue.job(first).state == CANCELLED)
    wait_for(lambda: queue.job(third).state == RENDERING and len(renders.calls) == 2)
    assert [(c[0], c[1]) for c in renders.calls] == [("保温杯", 0), ("保温杯", 2)]
    retried = queue.retry(second)
    assert queue.job(retried).state == QUEUED and queue.job(retried).variant == 1
    queue.cancel_all()
    wait_for(lambda: not queue.running)
    assert not queue.busy and [queue.job(j).state for j in (third, retried)] == [CANCELLED, CANCELLED]


@pytest.mark.unit
def test_cancel_is_reported_within_the_grace_and_the_next_job_waits_for_the_old_one(tmp_path, settings):
    stopped = threading.Event()
    calls = []

    def stubborn(job, on_progress, cancel):
        calls.append((job.product.name, stopped.is_set()))
        if len(calls) == 1:
            on_progress(Progress("subtitles", 0.3, ""))
            while not cancel.cancelled:
                time.sleep(0.01)
            time.sleep(2.0)  # "still inside Whisper"
            stopped.set()
            cancel.check()
        return RenderResult(job.product.name, None, ok=False, error="stub")

    queue = RenderQueue(render=stubborn, cancel_grace_s=0.5)
    inputs = JobInputs(Product("保温杯"), RenderOptions(out_dir=tmp_path / "out"))
    (first,) = queue.enqueue("a", inputs)
    wait_for(lambda: queue.job(first).stage == "subtitles")
    started = time.monotonic()
    queue.cancel_all()
    wait_for(lambda: queue.job(first).state == CANCELLED)
    assert time.monotonic() - started < 1.5 and not stopped.is_set()
    (second,) = queue.enqueue("b", JobInputs(Product("保温壶"), inputs.options))
    wait_for(lambda: queue.job(second).state == FAILED, timeout=10)
    assert calls == [("保温杯", False), ("保温壶", True)]


@pytest.mark.unit
def test_a_full_disk_halts_the_queue_with_the_batchs_words(tmp_path, two, settings):
    renders = Renders(tmp_path / "out", outcome="disk_full")
    session, queue = session_with(tmp_path, two, renders, settings)
    halts = []
    queue.subscribe(lambda e: halts.append((e.message, e.count)) if e.kind == HALTED else None)
    jobs = session.enqueue([it.id for it in session.items], variants=2)
    wait_for(lambda: not queue.running)
    assert [c[0] for c in renders.calls] == ["保温杯"]
    assert [queue.job(j).state for j in jobs] == [FAILED, CANCELLED, CANCELLED, CANCELLED]
    expected = full_disk_stop(queue.job(jobs[0]).result, 3)
    assert queue.halt_message == expected and halts == [(expected, 3)]
    renders.outcome = "done"
    again = session.enqueue([it.id for it in session.items])  # space freed: everything queues again
    assert len(again) == 2 and queue.halt_message == ""
    wait_for(lambda: not queue.running)
    assert [queue.job(j).state for j in again] == [DONE, DONE]


@pytest.mark.unit
def test_render_again_of_a_done_job_renders_even_when_nothing_changed(tmp_path, two, settings):
    renders = Renders(tmp_path / "out", outcome="done")
    session, queue = session_with(tmp_path, two, renders, settings)
    (first,) = session.enqueue([ids(session)["保温杯"]])
    wait_for(lambda: queue.job(first).state == DONE)
    assert queue.job(first).fraction == 1.0 and queue.job(first).result.video.name == "保温杯.mp4"
    again = session.retry(first)
    wait_for(lambda: queue.job(again).state == DONE)
    assert [c[3] for c in renders.calls] == [True, False]


@pytest.mark.unit
def test_progress_gives_a_stage_and_an_eta(tmp_path, two, settings):
    renders = Renders(tmp_path / "out", hold=True)
    session, queue = session_with(tmp_path, two, renders, settings)
    (job_id,) = session.enqueue([ids(session)["保温杯"]])
    wait_for(lambda: queue.job(job_id).fraction > 0.1)
    job = queue.job(job_id)
    assert job.stage == "render" and job.eta_s is not None and job.eta_s > 0
    renders.release.set()
    wait_for(lambda: not queue.running)
    assert queue.job(job_id).eta_s is None


@pytest.mark.unit
def test_an_internal_error_keeps_its_traceback_in_the_log(tmp_path, caplog):
    def broken(job, on_progress, cancel):
        raise ZeroDivisionError("a bug in a stage")

    queue = RenderQueue(render=broken)
    with caplog.at_level(logging.ERROR, logger="studio"):
        (job_id,) = queue.enqueue("a", JobInputs(Product("保温杯"), RenderOptions(out_dir=tmp_path / "out")))
        wait_for(lambda: not queue.running)
    job = queue.job(job_id)
    assert job.state == FAILED and job.error.startswith("internal error: ZeroDivisionError: a bug in a stage")
    assert "log file" in job.error
    (record,) = [r for r in caplog.records if r.name == "studio.app.queue"]
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError


@pytest.mark.unit
def test_the_queue_holds_the_output_folder_while_it_renders_into_it(tmp_path, two, settings):
    renders = Renders(tmp_path / "out", hold=True)
    session, queue = session_with(tmp_path, two, renders, settings)
    (job_id,) = session.enqueue([ids(session)["保温杯"]])
    wait_for(lambda: queue.job(job_id).state == RENDERING)
    with pytest.raises(StudioError, match="is being rendered into by .*the desktop app"):
        run_batch([], RenderOptions(out_dir=tmp_path / "out"))  # what `main.py render --out` runs
    renders.release.set()
    wait_for(lambda: not queue.running)
    with OutputLock(tmp_path / "out"):  # idle: the folder is free again
        pass


@pytest.mark.unit
def test_a_folder_the_command_line_renders_into_is_refused_with_its_message(tmp_path, two, settings):
    renders = Renders(tmp_path / "out")
    session, queue = session_with(tmp_path, two, renders, settings)
    with OutputLock(tmp_path / "out", what="main.py render sheet.csv"):
        jobs = session.enqueue([it.id for it in session.items])
        wait_for(lambda: not queue.running)
    assert renders.calls == []
    for j in jobs:
        assert queue.job(j).state == FAILED and "main.py render sheet.csv" in queue.job(j).error
    again = session.retry(jobs[0])  # the command line is done: the retry renders
    wait_for(lambda: queue.job(again).state == FAILED)
    assert [c[0] for c in renders.calls] == ["保温杯"]


@pytest.mark.e2e
def test_the_command_line_is_refused_while_the_queue_renders_into_its_folder(tmp_path, two, settings):
    renders = Renders(tmp_path / "out", hold=True)
    session, queue = session_with(tmp_path, two, renders, settings)
    (job_id,) = session.enqueue([ids(session)["保温杯"]])
    wait_for(lambda: queue.job(job_id).state == RENDERING)
    cli = subprocess.run([sys.executable, str(PROJECT_ROOT / "main.py"), "render", str(two), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "STUDIO_HOME": str(tmp_path / "home"),
                              "STUDIO_SETTINGS": str(tmp_path / "settings.json")})
    assert cli.returncode == 2 and "is being rendered into by" in cli.stderr and "desktop app" in cli.stderr, cli.stderr
    renders.release.set()
    wait_for(lambda: not queue.running)
