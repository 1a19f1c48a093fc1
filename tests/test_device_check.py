"""scripts/device_check.sh: the one command that measures the GPU paths on a machine with a GPU.
Here (no GPU) its dry run runs every step on the CPU at small sizes and marks the GPU rows."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import benchmark_render as bench  # noqa: E402


@pytest.mark.unit
def test_a_step_past_its_limit_is_killed_with_its_children_and_says_so(tmp_path):
    started = time.perf_counter()
    run = bench.run_timed(["bash", "-c", "sleep 30 & sleep 30"], tmp_path, timeout_s=0.5)
    assert time.perf_counter() - started < 5
    assert not run.ok and run.why().startswith("stopped after")


@pytest.mark.unit
def test_a_failing_step_gives_its_last_words_as_the_reason(tmp_path):
    run = bench.run_timed([sys.executable, "-c", "import sys; print('working'); sys.exit('no CUDA here')"],
                          tmp_path, timeout_s=30)
    assert run.status == 1 and run.why() == "no CUDA here (exit code 1)"
    assert bench.run_timed([sys.executable, "-c", "pass"], tmp_path).ok


@pytest.mark.unit
def test_the_table_is_markdown_with_a_dash_for_what_was_not_measured():
    from device_check import Row, table

    text = table([Row("render", "GPU", result="not available: no NVIDIA driver found"),
                  Row("encode", "CPU", 2.04, 7.5, "30.0 fps", "ok | fine")])
    lines = text.splitlines()
    assert lines[0] == "| check | where | wall s | CPU s | rate | result |"
    assert lines[2] == "| render | GPU | — | — | — | not available: no NVIDIA driver found |"
    assert lines[3] == "| encode | CPU | 2.0 | 7.5 | 30.0 fps | ok / fine |"


@pytest.mark.e2e
@pytest.mark.slow
def test_dry_run_measures_the_cpu_rows_and_says_why_each_gpu_row_cannot_run(tmp_path):
    if os.path.exists("/dev/nvidiactl"):
        pytest.skip("this machine has an NVIDIA GPU: its rows would be measured, not marked")
    out = tmp_path / "out"
    proc = subprocess.run(["bash", "scripts/device_check.sh", "--dry-run", "--work", str(tmp_path / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OUT": str(out), "PYTHON": sys.executable})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| check | where | wall s | CPU s | rate | result |" in proc.stdout
    report = json.loads((out / "device_check.json").read_text(encoding="utf-8"))
    assert (out / "device_check.md").read_text(encoding="utf-8").strip().endswith(proc.stdout.strip().splitlines()[-1])
    assert any(f.startswith("dry run") for f in report["facts"]) and any(f.startswith("GPU:") for f in report["facts"])
    rows = report["rows"]
    by_check: dict[str, list[dict]] = {}
    for row in rows:
        by_check.setdefault(row["check"], []).append(row)

    assert rows[0]["check"] == "imports" and rows[0]["result"].startswith("all there"), rows[0]
    # measured on the CPU: both projects rendered, each encoder alone, the tiny pipeline in fp32
    for base in ("clips", "photos"):
        (row,) = by_check[f"render 4 s reference, {base}, --compose cpu"]
        assert row["result"].startswith("ok") and row["wall_s"] > 0 and row["cpu_s"] > 0, row
        assert float(row["rate"].split()[0]) > 0 and row["rate"].endswith("fps")
    for preset in ("veryfast", "medium"):
        (row,) = by_check[f"encode only, x264 {preset}, 1080x1920, 60 frames"]
        assert row["result"] == "ok" and row["rate"].endswith("fps"), row
    paint = [r for r in by_check["diffusers tiny pipeline, 64x112, 4 steps"] if r["where"] == "CPU, fp32"]
    assert paint and paint[0]["result"].startswith("ok; float32 on cpu") and paint[0]["rate"].endswith("steps/s")

    # not measurable here: each GPU row says so, with the studio's own reason
    def unavailable(check: str, reason: str) -> None:
        for row in by_check[check]:
            assert row["result"].startswith("not available: ") and reason in row["result"], row
            assert row["wall_s"] is None

    unavailable("render 4 s reference, clips, --compose cuda", "no NVIDIA driver found")
    unavailable("render 4 s reference, photos, --compose cuda", "no NVIDIA driver found")
    unavailable("render 4 s reference, clips, --compose cpu --encoder h264_nvenc", "h264_nvenc test encode failed")
    unavailable("render 4 s reference, photos, --compose cuda --encoder h264_nvenc", "no NVIDIA driver found")
    unavailable("encode only, h264_nvenc p5, 1080x1920, 60 frames", "NVENC's test encode failed")
    for codec in ("h264_nvenc", "hevc_nvenc"):
        (row,) = by_check[f"NVENC test encode ({codec})"]
        assert row["result"].startswith(f"no: {codec} test encode failed"), row
    gpu_paint = [r for r in by_check["diffusers tiny pipeline, 64x112, 4 steps"] if r["where"] == "GPU, fp16"]
    assert gpu_paint[0]["result"] == "not available: torch sees no CUDA device"
    (whisper,) = by_check["faster-whisper (CTranslate2) on CUDA"]
    assert whisper["result"] == "not available: ctranslate2 sees no CUDA device", whisper
    assert not any(r["result"].startswith(("failed", "skipped")) for r in rows), [r for r in rows if "fail" in r["result"]]


@pytest.mark.unit
def test_studio_font_names_the_font_to_draw_with_and_a_wrong_one_says_so(tmp_path, monkeypatch):
    from studio.util import StudioError, cjk_font_path

    real = cjk_font_path()
    monkeypatch.setenv("STUDIO_FONT", str(real))
    assert cjk_font_path() == real
    monkeypatch.setenv("STUDIO_FONT", str(tmp_path / "missing.otf"))
    with pytest.raises(StudioError, match="STUDIO_FONT names .*missing.otf"):
        cjk_font_path()


@pytest.mark.unit
def test_the_carried_font_cut_holds_every_character_the_reference_video_draws(tmp_path):
    from fontTools.ttLib import TTFont

    import device_wheels

    cut = device_wheels.subset_font(tmp_path)
    covered = set(TTFont(str(cut)).getBestCmap())
    drawn = bench.drawn_text(30)
    assert len(drawn) > 50 and all(ord(c) in covered for c in drawn if not c.isspace())
    assert cut.stat().st_size < 500_000
