"""The batch policy: one batch per output folder, a summary after any stop, nothing half-written."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.pipeline import OutputLock, RenderOptions, jobs_for, run_batch
from studio.render.verify import check_mp4
from studio.types import Product, Sheet
from studio.util import StudioError

from .conftest import make_photo

ROOT = Path(__file__).resolve().parent.parent


def _hold_lock(out: Path) -> subprocess.Popen:
    """Another process holding the output folder's lock (as a second terminal's batch would)."""
    code = ("import sys, time; from pathlib import Path; from studio.pipeline import OutputLock; "
            "l = OutputLock(Path(sys.argv[1]), 'main.py render other.csv'); l.acquire(); print('held', flush=True); "
            "time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.unit
def test_a_second_batch_is_told_who_holds_the_folder_and_a_dead_holder_holds_nothing(tmp_path: Path):
    holder = _hold_lock(tmp_path)
    try:
        with pytest.raises(StudioError, match=rf"process {holder.pid} on .*main.py render other.csv.*another output folder"):
            OutputLock(tmp_path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)  # a crash: the lock goes with the process
        holder.wait()
    with OutputLock(tmp_path):
        with pytest.raises(StudioError):  # and this process holds it now, against anyone else
            OutputLock(tmp_path).acquire()
    with OutputLock(tmp_path):
        pass


@pytest.mark.unit
def test_a_refused_batch_touches_nothing_in_the_folder(tmp_path: Path):
    out = tmp_path / "out"
    (out / "summary.json").parent.mkdir()
    (out / "summary.json").write_text('{"theirs": true}')
    holder = _hold_lock(out)
    try:
        sheet = Sheet(tmp_path / "s.csv", [Product("杯", images=[make_photo(tmp_path / "p.png")])])
        with pytest.raises(StudioError, match="being rendered into"):
            run_batch(jobs_for(sheet), RenderOptions(out_dir=out, quality="draft"), sheet=sheet)
        assert json.loads((out / "summary.json").read_text()) == {"theirs": True}
    finally:
        holder.kill()
        holder.wait()


def _render(sheet: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "STUDIO_CACHE": "off"}
    return subprocess.Popen([sys.executable, "main.py", "render", str(sheet), "--out", str(out), "--quality", "draft",
                             *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for(predicate, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.e2e
def test_two_renders_into_one_folder_at_once_cannot_make_an_unplayable_video(tiny_sheet: Path, tmp_path: Path):
    """The issue's repro: `render two.csv --out O & render two.csv --out O`. Before, one reported ok for an
    MP4 without streams and later runs kept it; now the second says who holds the folder."""
    out = tmp_path / "O"
    first = _render(tiny_sheet, out)
    _wait_for(lambda: (out / ".studio-batch.lock").exists() and (out / ".studio-batch.lock").stat().st_size > 0)
    second = _render(tiny_sheet, out)
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=300)
    assert second.returncode == 2 and f"process {first.pid}" in err2 and "being rendered into" in err2
    assert first.returncode == 0, err1
    assert check_mp4(out / "保温杯.mp4") == []
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["rendered"]) == 1 and not summary["failed"]
    again = _render(tiny_sheet, out)  # and a later run keeps it, because it really is finished
    stdout, _ = again.communicate(timeout=120)
    assert again.returncode == 0 and "kept" in stdout


@pytest.mark.e2e
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_render_cleans_up_and_still_writes_the_summary(tiny_sheet: Path, tmp_path: Path, sig):
    out = tmp_path / "O"
    proc = _render(tiny_sheet, out)
    _wait_for(lambda: (out / ".work").is_dir() and any((out / ".work").iterdir()))
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] and summary["cancelled"] and summary["not_started"] == 1 and not summary["rendered"]
    left = sorted(p.name for p in out.rglob("*"))
    assert left == ["report.csv", "report.html", "summary.json"], left  # no part file, work folder, lock or video
    assert "not started" in (out / "report.csv").read_text(encoding="utf-8-sig")
