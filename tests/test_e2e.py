"""End to end through the CLI: sheet -> MP4 + SRT + cover + manifest, with real TTS, Whisper and ffmpeg."""
import difflib
import json
import re
from pathlib import Path

import pytest

from studio.cli import main as cli
from studio.subtitles import transcribe

from .conftest import make_photo, probe, write_csv

pytestmark = pytest.mark.slow


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        m = re.match(r"(\d+):(\d+):(\d+),(\d+) --> (\d+):(\d+):(\d+),(\d+)", lines[1])
        assert m, block
        g = [int(x) for x in m.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((start, end, "".join(lines[2:])))
    return cues


def plain(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def _short_template(tmp_path: Path) -> Path:
    """A creator's own template folder, kept short so the end-to-end video stays under 8 s."""
    folder = tmp_path / "short_zh"
    folder.mkdir()
    (folder / "template.yaml").write_text("name: short_zh\nlanguage: zh\ntarget_seconds: 6\n", encoding="utf-8")
    (folder / "script.j2").write_text(
        '[hook overlay="{{ short_name }}"]\n这款{{ short_name }}，{{ points[0] }}。\n'
        '[offer overlay="¥{{ price_display }}"]\n现在只要{{ price_display }}元！\n', encoding="utf-8")
    return folder


@pytest.mark.e2e
def test_sheet_to_finished_video(tiny_sheet: Path, tmp_path: Path, ffprobe: str):
    out = tmp_path / "out"
    template = _short_template(tmp_path)
    assert cli(["render", str(tiny_sheet), "--out", str(out), "--quality", "draft", "--template", str(template)]) == 0
    video, srt, cover, manifest_path = (out / f"保温杯.{ext}" for ext in ("mp4", "srt", "jpg", "json"))
    for f in (video, srt, cover, manifest_path):
        assert f.exists(), f
    assert not list(out.glob(".*part*")) and not (out / ".work").exists()  # nothing left behind
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))

    info = probe(ffprobe, video)
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    a = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (v["codec_name"], v["profile"], v["width"], v["height"]) == ("h264", "High", 1080, 1920)
    assert v["r_frame_rate"] == "30/1"
    assert (a["codec_name"], a["sample_rate"]) == ("aac", "48000")
    duration = float(info["format"]["duration"])
    voice_s = manifest["voice"]["duration_s"]
    assert duration <= 8.5 and abs(duration - voice_s) <= 0.3
    from studio.render import choose_encoder

    assert manifest["video"]["encoder"] == choose_encoder("auto")[0] and manifest["video"]["encoder_reason"]
    motion = manifest["motion"]  # how it was cut: the style, its shots, the music's tempo
    assert motion["style"] and motion["layers"].get("shot", 0) >= 2 and motion["tempo_bpm"]
    assert set(manifest["timings_s"]) >= {"script", "voice", "subtitles", "render"}

    script_text = "".join(line for scene in manifest["script"]["scenes"] for line in scene["lines"])
    cues = parse_srt(srt.read_text(encoding="utf-8"))
    assert cues
    for (s0, e0, _), (s1, _, _) in zip(cues, cues[1:]):
        assert s0 < e0 <= s1 + 1e-6
    assert cues[0][0] >= 0 and cues[-1][1] <= duration + 0.05
    assert plain("".join(c[2] for c in cues)) == plain(script_text)
    for _, _, text in cues:
        for line in text.splitlines():
            assert len(plain(line)) <= 16

    heard = transcribe(video, "zh")
    ratio = difflib.SequenceMatcher(None, plain(heard.text), plain(script_text)).ratio()
    assert ratio >= 0.8, (heard.text, script_text)


@pytest.mark.e2e
def test_bad_rows_are_reported_and_good_rows_render(tmp_path: Path, capsys):
    make_photo(tmp_path / "bag.png")
    sheet = write_csv(tmp_path / "s.csv", ["name", "price", "selling points", "images", "language"], [
        ["Tote", "9.99", "Strong canvas", "bag.png", "en"],
        ["Lost photo", "5", "Nice", "nowhere.png", "en"],
        ["", "5", "No name", "bag.png", "en"],
        ["Odd price", "cheap", "Hmm", "bag.png", "en"],
    ])
    out = tmp_path / "out"
    assert cli(["render", str(sheet), "--out", str(out), "--quality", "draft"]) == 1
    assert (out / "Tote.mp4").exists()
    assert sorted(p.name for p in out.glob("*.mp4")) == ["Tote.mp4"]
    err = capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    bad = {(p["row"], p["column"]) for p in summary["sheet_problems"] if p["severity"] == "error"}
    assert bad == {(3, "images"), (4, "name"), (5, "price")}
    for p in summary["sheet_problems"]:
        assert p["file"] == str(sheet) and p["hint"]
    assert "row 3" in err and "nowhere.png" in err and "row 4" in err and "row 5" in err


@pytest.mark.e2e
def test_merchants_own_recording_replaces_the_voice(tmp_path: Path):
    """A phone recording (here: speech saved as M4A) is used as is; captions come from what Whisper hears,
    primed with the product's words; no AI-voice label since the voice is the merchant's."""
    import subprocess

    from studio.pipeline import RenderOptions, render_product
    from studio.sheet import load_sheet
    from studio.util import ffmpeg_exe
    from studio.voice import synthesize

    synthesize(["This canvas tote fits a laptop and lasts for years."], "en", tmp_path / "me.wav")
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(tmp_path / "me.wav"), "-c:a", "aac", str(tmp_path / "me.m4a")],
                   check=True)
    make_photo(tmp_path / "bag.png")
    sheet = write_csv(tmp_path / "s.csv", ["name", "price", "selling points", "images", "voiceover"],
                      [["Canvas Tote", "24.99", "Fits a laptop", "bag.png", "me.m4a"]])
    product = load_sheet(sheet).products[0]
    assert product.recording == tmp_path / "me.m4a"
    result = render_product(product, RenderOptions(out_dir=tmp_path / "out", quality="draft"))
    assert result.ok, result.error
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["voice"]["synthetic"] is False and manifest["subtitles"]["source"] == "transcript"
    srt = result.srt.read_text(encoding="utf-8").lower()
    assert "canvas" in srt and "laptop" in srt


@pytest.mark.e2e
def test_a_recording_without_speech_is_refused_not_captioned_with_invented_words(tmp_path: Path, capsys):
    """Music, a tone or hiss picked by mistake as the merchant's voice: Whisper, primed with the product's
    name, invents words over it; the voice-activity check finds no speech and the render says so."""
    import subprocess

    from studio.util import ffmpeg_exe

    for name, source in (("hiss.m4a", "anoisesrc=d=6:c=pink:a=0.02"), ("tone.m4a", "sine=f=440:d=6")):
        subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", source, "-c:a", "aac", str(tmp_path / name)],
                       check=True)
    make_photo(tmp_path / "a.png")
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片", "配音"],
                      [["静音杯", "9.9", "轻巧", "a.png", "hiss.m4a"], ["音调杯", "9.9", "轻巧", "a.png", "tone.m4a"]])
    out = tmp_path / "out"
    assert cli(["render", str(sheet), "--out", str(out), "--quality", "draft"]) == 1
    err = capsys.readouterr().err
    assert err.count("no speech was heard") == 2 and "hiss.m4a" in err and "tone.m4a" in err
    assert not list(out.glob("*.mp4")) and not list(out.glob("*.srt"))


@pytest.mark.e2e
def test_what_a_render_noticed_is_printed_under_its_video(tmp_path: Path, capsys):
    template = _short_template(tmp_path)
    (template / "template.yaml").write_text("name: short_zh\nlanguage: zh\ntarget_seconds: 6\nstyle:\n  music: gone.m4a\n",
                                            encoding="utf-8")
    make_photo(tmp_path / "a.png")
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"], [["水杯", "9.9", "轻巧", "a.png"]])
    assert cli(["render", str(sheet), "--out", str(tmp_path / "out"), "--quality", "draft", "--template",
                str(template)]) == 0
    out = capsys.readouterr().out
    assert "ok " in out and "note: music 'gone.m4a' not found" in out


@pytest.mark.e2e
def test_two_workers_render_every_product(tmp_path: Path):
    from studio.pipeline import RenderOptions, render_sheet
    from studio.sheet import load_sheet

    make_photo(tmp_path / "a.png")
    template = _short_template(tmp_path)
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"],
                      [["水杯", "9.9", "轻巧", "a.png"], ["茶杯", "19.9", "耐热", "a.png"], ["碗", "", "", "nope.png"]])
    seen = set()
    report = render_sheet(load_sheet(sheet), RenderOptions(out_dir=tmp_path / "out", quality="draft", template=str(template)),
                          on_progress=lambda i, p, pr: seen.add(i), workers=2)
    assert [r.product for r in report.results] == ["水杯", "茶杯"] and all(r.ok for r in report.results)
    assert seen == {0, 1} and not report.ok  # the bad row still counts as a failure
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mp4")) == ["水杯.mp4", "茶杯.mp4"]
    from studio.render.encode import usable_cores

    used = json.loads((tmp_path / "out" / "水杯.json").read_text(encoding="utf-8"))["video"]["ffmpeg_args"]
    assert used[used.index("-threads") + 1] == str(max(1, usable_cores() // 2))  # the workers share the cores


def _three_cups(tmp_path: Path) -> Path:
    make_photo(tmp_path / "a.png")
    return write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"],
                     [["水杯", "9.9", "轻巧", "a.png"], ["茶杯", "19.9", "耐热", "a.png"], ["饭盒", "29", "密封", "a.png"]])


def _fill_disk_for(out: Path, stem: str) -> None:
    """The video's part file points at /dev/full: ffmpeg's writes fail with the kernel's ENOSPC."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f".{stem}.part.mp4").symlink_to("/dev/full")


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_stops_the_batch_and_the_same_command_finishes_it(tmp_path: Path, capsys):
    """An overnight batch meets a full disk at the second video: it stops there (every later video
    would fail the same way), says so, leaves no partial file; run again, it keeps the first and
    renders the rest."""
    sheet, out = _three_cups(tmp_path), tmp_path / "out"
    args = ["render", str(sheet), "--out", str(out), "--quality", "draft", "--template", str(_short_template(tmp_path))]
    _fill_disk_for(out, "茶杯")
    assert cli(args) == 1
    err = capsys.readouterr().err
    assert "STOPPED" in err and "disk" in err and "茶杯" in err and "1 video(s) left undone" in err
    assert sorted(p.name for p in out.glob("*.mp4")) == ["水杯.mp4"]
    assert not [p for p in out.iterdir() if ".part" in p.name] and not (out / ".work").exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["stopped"] and summary["not_started"] == 1 and not summary["cancelled"]
    assert [f["product"] for f in summary["failed"]] == ["茶杯"] and "disk is full" in summary["failed"][0]["error"]

    assert cli(args) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [(r["product"], r["kept_unchanged"]) for r in summary["rendered"]] == [
        ("水杯", True), ("茶杯", False), ("饭盒", False)]
    assert summary["stopped"] is None


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_stops_parallel_workers_too(tmp_path: Path):
    from studio.pipeline import RenderOptions, render_sheet
    from studio.sheet import load_sheet

    sheet, out = _three_cups(tmp_path), tmp_path / "out"
    _fill_disk_for(out, "水杯")
    report = render_sheet(load_sheet(sheet), RenderOptions(out_dir=out, quality="draft",
                                                           template=str(_short_template(tmp_path))), workers=2)
    assert report.stopped and not report.cancelled and not report.ok
    assert report.results[0].product == "水杯" and report.results[0].disk_full
    assert len(report.results) + report.not_started == 3
    assert not [p for p in out.iterdir() if ".part" in p.name] and not (out / ".work").exists()
    assert {p.stem for p in out.glob("*.mp4")} == {r.product for r in report.results if r.ok}


@pytest.mark.e2e
def test_blocking_compliance_finding_stops_render_unless_overridden(tmp_path: Path, capsys):
    make_photo(tmp_path / "cup.png")
    template = _short_template(tmp_path)
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"],
                      [["保温杯", "59.9", "全网最低价", "cup.png"]])
    out = tmp_path / "out"
    assert cli(["render", str(sheet), "--out", str(out), "--quality", "draft", "--template", str(template)]) == 1
    err = capsys.readouterr().err
    assert "全网最低价" in err and "广告法" in err and "--allow-flagged" in err
    assert not list(out.glob("*.mp4"))
    assert cli(["render", str(sheet), "--out", str(out), "--quality", "draft", "--template", str(template),
                "--allow-flagged"]) == 0
    manifest = json.loads((out / "保温杯.json").read_text(encoding="utf-8"))
    assert manifest["compliance"]["override"] is True and manifest["compliance"]["summary"]["blocking"] >= 1


@pytest.mark.e2e
def test_unchanged_videos_are_kept_and_changed_ones_render_again(tiny_sheet: Path, tmp_path: Path, capsys):
    """An overnight batch that stopped halfway is run again: finished, unchanged videos are kept."""
    out = tmp_path / "out"
    args = ["render", str(tiny_sheet), "--out", str(out), "--quality", "draft", "--template", str(_short_template(tmp_path))]
    assert cli(args) == 0
    video, manifest_path = out / "保温杯.mp4", out / "保温杯.json"
    first = json.loads(manifest_path.read_text(encoding="utf-8"))
    made = video.stat().st_mtime_ns
    # a draft's studio voice times its own captions: Whisper's pronunciation check is skipped
    assert first["subtitles"]["pronunciation_check"] == "skipped" and first["subtitles"]["alignment_score"] is None
    assert first["subtitles"]["timing"] == "voice" and first["fingerprint"]
    capsys.readouterr()

    assert cli(args) == 0
    assert video.stat().st_mtime_ns == made and "kept" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rendered"][0]["kept_unchanged"] is True

    tiny_sheet.write_text(tiny_sheet.read_text(encoding="utf-8").replace("59.9", "49.9"), encoding="utf-8")
    assert cli(args) == 0
    again = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert video.stat().st_mtime_ns != made and again["fingerprint"] != first["fingerprint"]
    assert again["product"]["price"] == 49.9

    made = video.stat().st_mtime_ns
    assert cli(args + ["--force", "--voice-check", "on", "--delivery", "chat"]) == 0
    forced = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert video.stat().st_mtime_ns != made
    assert forced["subtitles"]["pronunciation_check"] == "whisper" and forced["subtitles"]["alignment_score"] >= 0.8
    args_used = forced["video"]["ffmpeg_args"]
    assert args_used[args_used.index("-maxrate") + 1] == "6000k"  # the chat preset's cap, below the draft's 8M
