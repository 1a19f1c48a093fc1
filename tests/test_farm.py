"""The render farm: what each render asks of a worker, files across machines that share no disk, the
batch report, and real renders on a simulated two-node Dask cluster (a scheduler process and one
`dask worker` process tree per node, each with its own scratch folder) with a worker killed
mid-render, a node removed, a bad row, Ctrl-C and a full disk on the driver."""
from __future__ import annotations

import csv
import errno
import json
import os
import signal
import time
from pathlib import Path

import pytest

from studio.util import ASSETS_DIR

from studio.core.errors import StudioError
from studio.farm import resolve_address, task_resources
from studio.farm.needs import RenderNeeds, needs_of
from studio.farm import transfer
from studio.pipeline import RenderOptions, jobs_for, plan, run_batch
from studio.pipeline.report import report_rows, write_report
from studio.sheet import load_sheet
from studio.types import Problem, Product, RenderResult, Sheet

from .conftest import make_photo, write_csv

distributed = pytest.importorskip("distributed", reason="the render farm's engine: pip install -r requirements-cluster.txt")


def short_template(folder: Path, music: str | None = None) -> Path:
    """A creator's own template, kept short so each video is about 4 s."""
    folder.mkdir(parents=True, exist_ok=True)
    style = f"style:\n  music: {music}\n" if music else ""
    (folder / "template.yaml").write_text(f"name: short_zh\nlanguage: zh\ntarget_seconds: 6\n{style}", encoding="utf-8")
    (folder / "script.j2").write_text(
        '[hook overlay="{{ short_name }}"]\n这款{{ short_name }}，{{ points[0] }}。\n'
        '[offer overlay="¥{{ price_display }}"]\n现在只要{{ price_display }}元！\n', encoding="utf-8")
    return folder


def cups(folder: Path, rows: list[list[str]]) -> Path:
    make_photo(folder / "a.png")
    return write_csv(folder / "s.csv", ["商品名称", "价格", "卖点", "图片"], rows)


# ---------------------------------------------------------------- unit: addresses and resources


@pytest.mark.unit
def test_cluster_addresses_are_read_the_way_an_operator_writes_them(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDIO_SETTINGS", str(tmp_path / "settings.json"))
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert resolve_address("192.168.1.10") == "tcp://192.168.1.10:8786"
    assert resolve_address("head-pc:9000") == "tcp://head-pc:9000"
    assert resolve_address("tls://head:8786") == "tls://head:8786"
    assert resolve_address("local") == "local"
    assert resolve_address("auto") == "tcp://127.0.0.1:8786"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://10.0.0.5:8786")
    assert resolve_address("auto") == "tcp://10.0.0.5:8786"
    with pytest.raises(StudioError, match="Ray address.*Dask"):
        resolve_address("ray://head:10001")
    with pytest.raises(StudioError, match="port must be a number"):
        resolve_address("head:eighty")


@pytest.mark.unit
def test_a_render_asks_only_for_what_the_workers_declare():
    x264 = RenderNeeds(cpu=4, memory=1_500_000_000)
    assert task_resources(x264, [{}, {}]).resources == {}  # workers declaring nothing take any render
    assert task_resources(x264, [{"CPU": 2}, {"CPU": 8, "MEMORY": 16e9}]).resources == {"CPU": 4, "MEMORY": 1_500_000_000}
    assert task_resources(x264, [{"CPU": 2}]).resources == {"CPU": 2}  # capped: the biggest worker can still take it
    painting = RenderNeeds(cpu=4, memory=4_500_000_000, gpu="preferred")
    assert "GPU" not in task_resources(painting, [{"CPU": 8}]).resources  # no GPU in the farm: paint on a CPU
    assert task_resources(painting, [{"CPU": 8}, {"CPU": 8, "GPU": 1}]).resources["GPU"] == 1  # lands on the GPU PC
    forced = task_resources(RenderNeeds(cpu=4, memory=1, nvenc="required"), [{"CPU": 8}])
    assert forced.refused and "NVENC" in forced.refused and "--resources NVENC=1" in forced.refused


@pytest.mark.unit
def test_what_a_plan_needs(tmp_path):
    product = load_sheet(cups(tmp_path, [["水杯", "9.9", "轻巧", "a.png"]])).products[0]
    template = short_template(tmp_path / "t")
    draft = needs_of(plan(product, RenderOptions(quality="draft", template=str(template))))
    assert (draft.cpu, draft.gpu, draft.nvenc) == (2, "", "")
    nvenc = needs_of(plan(product, RenderOptions(template=str(template), encoder="h264_nvenc", compose="cuda")))
    assert (nvenc.cpu, nvenc.gpu, nvenc.nvenc) == (4, "required", "required")


# ---------------------------------------------------------------- unit: files across machines


@pytest.mark.unit
def test_inputs_travel_and_the_plan_reads_them_from_the_worker_staging_folder(tmp_path):
    import shutil

    music = tmp_path / "tune.m4a"
    music.write_bytes((ASSETS_DIR / "music" / "upbeat_loop.m4a").read_bytes())  # a real track: templates check
    recording = tmp_path / "me.wav"
    recording.write_bytes(b"RIFF....WAVE")
    template = short_template(tmp_path / "t", music=str(music))
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片", "配音"],
                      [["水杯", "9.9", "轻巧", "a.png;b.png", "me.wav"]])
    make_photo(tmp_path / "a.png")
    make_photo(tmp_path / "b.png", color=(200, 40, 40))
    driver_plan = plan(load_sheet(sheet).products[0], RenderOptions(out_dir=tmp_path / "out", template=str(template)))
    assert driver_plan.music == music
    shipped = transfer.pack(0, driver_plan)
    assert sorted(Path(p).name for p, _ in shipped.files) == ["a.png", "b.png", "me.wav", "tune.m4a"]

    for f in ("a.png", "b.png", "me.wav", "tune.m4a"):  # the worker shares no disk with the driver
        (tmp_path / f).unlink()
    shutil.rmtree(template)
    staging = tmp_path / "worker" / "job"
    staged = transfer.stage_plan(shipped, staging)
    assert all(Path(p).parent == staging / "in" for p in staged.product.images)
    assert [Path(p).read_bytes()[:8] for p in staged.product.images][0].startswith(b"\x89PNG")
    assert staged.product.recording.read_bytes() == b"RIFF....WAVE" and staged.voice.recording == staged.product.recording
    assert staged.music.read_bytes() == (ASSETS_DIR / "music" / "upbeat_loop.m4a").read_bytes()
    assert Path(staged.options.out_dir) == staging / "out" and staged.video_style.font_path.is_file()
    assert staged.fingerprint == driver_plan.fingerprint  # what makes the video is unchanged: resume works


@pytest.mark.unit
def test_a_manifest_gets_the_drivers_paths_back():
    manifest = {"product": {"images": ["/w/job/in/ab12.png"]}, "options": {"out_dir": "/w/job/out"},
                "video": {"ffmpeg_args": ["-i", "/w/job/out/.work/x/captions.ass", "-threads", "2"]}, "n": 3}
    back = transfer.rehome(manifest, {"/w/job/in/ab12.png": "/home/me/cup.png", "/w/job/out": "/home/me/out"})
    assert back == {"product": {"images": ["/home/me/cup.png"]}, "options": {"out_dir": "/home/me/out"},
                    "video": {"ffmpeg_args": ["-i", "/home/me/out/.work/x/captions.ass", "-threads", "2"]}, "n": 3}


@pytest.mark.unit
def test_outputs_are_placed_atomically_manifest_last(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "cup.json").write_text('{"old": true}', encoding="utf-8")
    placed = transfer.place_outputs(out, [("cup.mp4", b"video"), ("cup.srt", b"1\n"), ("cup.json", b"{}")])
    assert list(placed) == ["cup.mp4", "cup.srt", "cup.json"]
    assert (out / "cup.mp4").read_bytes() == b"video" and (out / "cup.json").read_bytes() == b"{}"
    assert sorted(p.name for p in out.iterdir()) == ["cup.json", "cup.mp4", "cup.srt"]  # no part file left


@pytest.mark.unit
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_while_placing_leaves_no_partial_file_and_no_stale_manifest(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "cup.json").write_text('{"old": true}', encoding="utf-8")  # an earlier render's manifest
    (out / ".cup.part.mp4").symlink_to("/dev/full")  # writes to the video's part file hit ENOSPC
    with pytest.raises(OSError) as caught:
        transfer.place_outputs(out, [("cup.mp4", b"video" * 1000), ("cup.json", b"{}")])
    assert caught.value.errno == errno.ENOSPC
    assert list(out.iterdir()) == []  # neither the part file nor a manifest that no longer matches


# ---------------------------------------------------------------- unit: the report


@pytest.mark.unit
def test_the_report_lists_every_video_with_status_node_and_cause(tmp_path):
    jobs = jobs_for(Sheet(tmp_path / "s.csv", [Product("水杯", 9.9, images=[tmp_path / "a.png"], source_row=2),
                                               Product("茶杯 <b>", 19.9, images=[tmp_path / "a.png"], source_row=3)]),
                    variants=2)
    results = {0: RenderResult("水杯", tmp_path / "水杯.mp4", ok=True, timings={"voice": 1.0, "render": 5.25},
                               node="pc-2", warnings=["music 'x' not found"]),
               1: RenderResult("水杯", tmp_path / "水杯_v2.mp4", ok=True, reused=True),
               2: RenderResult("茶杯 <b>", None, ok=False, error="line 1 '最好' (absolute term)\nfix the words", node="pc-1")}
    bad = Problem(str(tmp_path / "s.csv"), "photo 'x.png' not found", row=4, column="图片")
    rows = report_rows(jobs, results, [bad, Problem("s.csv", "a note", severity="warning")])
    assert [(r.status, r.node) for r in rows] == [("rendered", "pc-2"), ("kept", ""), ("failed", "pc-1"),
                                                  ("not started", ""), ("bad row", "")]
    assert rows[0].seconds == 6.2 and rows[2].cause == "line 1 '最好' (absolute term) / fix the words"
    html_path, csv_path = write_report(tmp_path, rows, title="s.csv", started=1.0e9, ended=1.0e9 + 90, interrupted=True)
    raw = csv_path.read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel on Chinese Windows reads it as UTF-8
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0][:5] == ["#", "product", "variant", "file", "status"] and table[3][1] == "茶杯 <b>"
    page = html_path.read_text(encoding="utf-8")
    assert "茶杯 &lt;b&gt;" in page and "茶杯 <b>" not in page  # a product name is text, never markup
    assert "Interrupted" in page and "1.5 min" in page and "1 not started" in page


# ---------------------------------------------------------------- on a simulated two-node farm

@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    if os.name != "posix":
        pytest.skip("the simulated farm kills nodes by process group (POSIX)")
    from studio.farm.simulate import SimulatedFarm

    with SimulatedFarm(tmp_path_factory.mktemp("farm"), {"node-a": {"CPU": 1}, "node-b": {"CPU": 1}}) as farm:
        yield farm


def staging_left(farm) -> list[Path]:
    """What renders left in the nodes' scratch folders (their staging is removed when they end)."""
    return [p for p in farm.folder.glob("node-*/**/studio-farm/*")]


def run_on(farm, sheet: Path, out: Path, template: Path, **hooks):
    from studio.farm import cluster_runner

    s = load_sheet(sheet)
    # small frames keep the renders short; what is tested is where they run and how files travel
    options = RenderOptions(out_dir=out, quality="draft", template=str(template), width=360, height=640)
    on_started = hooks.pop("on_started", None)
    with cluster_runner(farm.address, on_started=on_started) as runner:
        return run_batch(jobs_for(s, 1), options, runner=runner, sheet=s, **hooks)


@pytest.mark.e2e
@pytest.mark.cluster
def test_a_farm_renders_every_video_and_a_rerun_keeps_them(farm, tmp_path):
    """Two nodes render a sheet; files reach the driver's folder though the nodes share no folder
    with it; the blocked row fails alone, once; the report names the nodes; the same batch run
    again keeps every finished video."""
    sheet = cups(tmp_path, [["水杯", "9.9", "轻巧", "a.png"], ["茶杯", "19.9", "耐热", "a.png"],
                            ["饭盒", "29", "全网最低价", "a.png"], ["碗", "", "", "nope.png"]])
    template, out = short_template(tmp_path / "t"), tmp_path / "out"
    starts: list[tuple[str, str, int]] = []
    report = run_on(farm, sheet, out, template,
                    on_started=lambda job, node, pid: starts.append((job.product.name, node, pid)))
    by_name = {r.product: r for r in report.results}
    assert by_name["水杯"].ok and by_name["茶杯"].ok, [r.error for r in report.results]
    assert not by_name["饭盒"].ok and "全网最低价" in by_name["饭盒"].error  # its own message
    assert [name for name, _, _ in starts].count("饭盒") == 1  # a render's own failure is not retried
    assert len({pid for _, _, pid in starts}) < len(starts)  # worker processes (and their models) serve several videos
    assert {by_name["水杯"].node, by_name["茶杯"].node} <= {"node-a", "node-b"}
    assert sorted(p.name for p in out.glob("*.mp4")) == ["水杯.mp4", "茶杯.mp4"]
    assert not [p for p in out.iterdir() if ".part" in p.name] and not (out / ".work").exists()
    manifest = json.loads((out / "水杯.json").read_text(encoding="utf-8"))
    assert manifest["farm"]["node"] == by_name["水杯"].node
    assert manifest["product"]["images"] == [str(tmp_path / "a.png")] and manifest["options"]["out_dir"] == str(out)
    rows = {r[1]: r for r in csv.reader((out / "report.csv").read_text(encoding="utf-8-sig").splitlines())}
    assert rows["水杯"][4] == "rendered" and rows["水杯"][6] == by_name["水杯"].node and float(rows["水杯"][5]) > 2
    assert rows["饭盒"][4] == "failed" and "全网最低价" in rows["饭盒"][9]
    assert rows["row 5"][4] == "bad row" and "nope.png" in rows["row 5"][9]
    assert staging_left(farm) == []

    made = (out / "水杯.mp4").stat().st_mtime_ns
    again = run_on(farm, sheet, out, template)  # the driver was killed, say: the same batch again
    assert [(r.product, r.reused) for r in again.results if r.ok] == [("水杯", True), ("茶杯", True)]
    assert (out / "水杯.mp4").stat().st_mtime_ns == made


@pytest.mark.e2e
@pytest.mark.cluster
def test_the_command_line_renders_on_a_farm_and_prints_each_failure(farm, tmp_path, capsys):
    from studio.cli import main as cli

    sheet = cups(tmp_path, [["饭盒", "29", "全网最低价", "a.png"]])  # blocked on the worker at once: no render
    out = tmp_path / "out"
    assert cli(["render", str(sheet), "--out", str(out), "--quality", "draft", "--template",
                str(short_template(tmp_path / "t")), "--cluster", farm.address]) == 1
    captured = capsys.readouterr()
    assert f"render farm at {farm.address}" in captured.out and "report:" in captured.out
    assert "FAILED 饭盒" in captured.out and "全网最低价" in captured.err
    assert (out / "report.html").is_file() and "饭盒" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.e2e
@pytest.mark.cluster
def test_a_worker_killed_mid_render_renders_that_video_again(farm, tmp_path):
    sheet = cups(tmp_path, [["水杯", "9.9", "轻巧", "a.png"]])
    pids: list[tuple[str, int]] = []
    killed: list[int] = []

    def on_progress(job, progress):
        if progress.stage == "render" and not killed:  # the encoder is running: kill its worker process
            killed.append(pids[-1][1])
            os.kill(pids[-1][1], signal.SIGKILL)

    report = run_on(farm, sheet, tmp_path / "out", short_template(tmp_path / "t"),
                    on_started=lambda job, node, pid: pids.append((node, pid)), on_progress=on_progress)
    assert killed and len(pids) == 2 and pids[1][1] != killed[0]  # started again in another process
    assert report.ok and report.results[0].ok, report.results[0].error
    assert (tmp_path / "out" / "水杯.mp4").is_file()
    assert not [p for p in (tmp_path / "out").iterdir() if ".part" in p.name]


@pytest.mark.e2e
@pytest.mark.cluster
def test_a_node_removed_mid_render_moves_its_video(farm, tmp_path):
    sheet = cups(tmp_path, [["水杯", "9.9", "轻巧", "a.png"]])
    nodes: list[str] = []
    removed: list[str] = []

    def on_progress(job, progress):
        if progress.stage in ("voice", "render") and not removed:  # switch the rendering PC off
            removed.append(nodes[-1])
            farm.remove_node(nodes[-1])

    try:
        report = run_on(farm, sheet, tmp_path / "out", short_template(tmp_path / "t"),
                        on_started=lambda job, node, pid: nodes.append(node), on_progress=on_progress)
        assert removed and len(nodes) == 2 and nodes[1] != removed[0]
        assert report.results[0].ok and report.results[0].node == nodes[1], report.results[0].error
        assert (tmp_path / "out" / "水杯.mp4").is_file()
    finally:
        for name in removed:
            farm.add_node(name, {"CPU": 1})


@pytest.mark.e2e
@pytest.mark.cluster
def test_ctrl_c_on_the_driver_stops_the_farms_renders_and_leaves_no_partial_file(farm, tmp_path):
    sheet = cups(tmp_path, [["水杯", "9.9", "轻巧", "a.png"], ["茶杯", "19.9", "耐热", "a.png"],
                            ["饭盒", "29", "密封", "a.png"]])
    out = tmp_path / "out"

    def on_progress(job, progress):
        if progress.stage == "render":
            raise KeyboardInterrupt  # what Python raises on the driver's thread at Ctrl-C

    with pytest.raises(KeyboardInterrupt):
        run_on(farm, sheet, out, short_template(tmp_path / "t"), on_progress=on_progress)
    assert not list(out.glob("*.mp4")) and not [p for p in out.iterdir() if ".part" in p.name]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] and summary["cancelled"] and summary["not_started"] == 3
    statuses = [r[4] for r in csv.reader((out / "report.csv").read_text(encoding="utf-8-sig").splitlines())][1:]
    assert statuses == ["not started"] * 3
    deadline = time.monotonic() + 15  # the running renders see the stop within about a second
    while staging_left(farm) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert staging_left(farm) == []


@pytest.mark.e2e
@pytest.mark.cluster
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_on_the_driver_stops_the_farm_batch(farm, tmp_path):
    sheet = cups(tmp_path, [["水杯", "9.9", "轻巧", "a.png"], ["茶杯", "19.9", "耐热", "a.png"]])
    out = tmp_path / "out"
    out.mkdir()
    (out / ".水杯.part.mp4").symlink_to("/dev/full")
    report = run_on(farm, sheet, out, short_template(tmp_path / "t"))
    assert report.stopped and "disk filled up" in report.stopped and not report.ok
    first = next(r for r in report.results if r.product == "水杯")
    assert first.disk_full and "disk is full" in first.error
    assert len(report.results) + report.not_started == 2
    assert not [p for p in out.iterdir() if ".part" in p.name]
    assert {p.stem for p in out.glob("*.mp4")} == {r.product for r in report.results if r.ok}


@pytest.mark.e2e
@pytest.mark.cluster
def test_a_local_farm_starts_on_this_pc_with_its_resources_declared():
    from studio.farm import cluster_runner
    from studio.render.encode import usable_cores

    with cluster_runner("local", workers=1) as runner:
        workers = runner.workers()
    assert len(workers) == 1 and workers[0]["resources"]["CPU"] == usable_cores()


@pytest.mark.e2e
@pytest.mark.cluster
def test_the_apps_render_queue_sends_its_jobs_to_the_farm_in_settings(farm, tmp_path):
    """The desktop app's queue with a render farm set in Settings: each job renders on a node, its
    progress reaches the queue, and the video lands in the app's output folder."""
    from studio.app.queue import DONE, FarmRender, JobInputs, RenderQueue, render_function_for
    from studio.settings import Settings

    assert render_function_for(Settings()).__name__ == "render_job"  # no farm set: this PC renders
    sheet = cups(tmp_path, [["水杯", "9.9", "轻巧", "a.png"]])
    template, out = short_template(tmp_path / "t"), tmp_path / "out"
    options = RenderOptions(out_dir=out, quality="draft", template=str(template), width=360, height=640)
    render = render_function_for(Settings(cluster_address=farm.address))
    assert isinstance(render, FarmRender)
    queue = RenderQueue(render)
    stages: list[str] = []
    queue.subscribe(lambda event: stages.append(event.job.stage) if event.kind == "progress" and event.job else None)
    try:
        (job_id,) = queue.enqueue("item-1", JobInputs(load_sheet(sheet).products[0], options))
        assert queue.wait(240)
        job = queue.job(job_id)
        assert job.state == DONE, job.error
        assert job.result.node in ("node-a", "node-b") and (out / "水杯.mp4").is_file()
        assert "render" in stages and "voice" in stages  # the workers' progress reached the queue
    finally:
        queue.close()
