"""Render benchmark: our engine vs the simple MoviePy way vs one ffmpeg command (the floor).

Builds a reference project from media it makes itself: six 5 s clips (half landscape 1920x1080, half
portrait; a moving test pattern with sensor-like grain, --grain), two product photos shown on cards
over the clips, a title, headlines and a price tag (rasterised once by the studio's own code, so
every contender shows the same pictures), a Mandarin narration from the studio's own voice, the
bundled music and one caption per narrated line. Each contender runs in its own process; wall
seconds, CPU seconds (the process and the ffmpeg it waits for), frames per second and peak RSS
(largest single process) are printed, with ratios measured in the same run.

Contenders at --peers-at seconds: (c) one ffmpeg command and (b) simple MoviePy, both at the same
x264 preset as ours, and (b-defaults) MoviePy's write_videofile with every encoding default
(libx264 `medium`, x264's default CRF 23, MP3 audio): the issue's definition of (b). Ours is also
run at `medium` there. When a real NVENC test encode works, ours also runs with h264_nvenc.

--batch N renders N short videos (--batch-seconds each) with 1 and with 2 worker processes through
the engine (render_video), x264 threads split between the workers, and prints videos per minute.
--sheet-batch N renders N videos of the bundled sheet through the whole pipeline (script, voice,
captions, render; the cache off), with one worker held to one core, one worker, and two workers.

    .venv/bin/python scripts/benchmark_render.py                 # 15/30/60/120 s, peers at 30 s
    .venv/bin/python scripts/benchmark_render.py --durations 30 --preset medium
    .venv/bin/python scripts/benchmark_render.py --durations "" --batch 8 --batch-seconds 5 --sheet-batch 8
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FPS, W, H, CLIP_S = 30, 1080, 1920, 5.0
FADE_FRAMES = 6  # overlays fade in over this many frames (studio.render.compositor.FADE_FRAMES)
LINES = ["这款保温杯，316不锈钢内胆。", "保温十二小时，早上装的热水晚上还烫。", "一键开盖，单手就能喝。", "杯身轻巧，只有二百六十克。",
         "密封圈可拆洗，干净又卫生。", "五种颜色，总有一款适合你。", "容量五百毫升，够喝一上午。", "杯底防滑，放在桌上很稳。",
         "现在只要五十九块九。", "喜欢的话，点击下方链接下单吧！"]


def _product_photo(path: Path, hue: int) -> Path:
    """A product shot drawn with Pillow: a bottle on a soft background, with a little sensor noise."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    if path.exists():
        return path
    img = Image.new("RGB", (1200, 1500), (236, 232, 226))
    d = ImageDraw.Draw(img)
    d.ellipse((250, 1180, 950, 1320), fill=(200, 196, 190))
    body = [(40, 110, 200), (190, 60, 50)][hue % 2]
    d.rounded_rectangle((420, 300, 780, 1250), radius=90, fill=body)
    d.rounded_rectangle((450, 170, 750, 340), radius=40, fill=(40, 40, 48))
    d.rectangle((420, 700, 780, 770), fill=tuple(min(255, c + 60) for c in body))
    img = img.filter(ImageFilter.GaussianBlur(2))
    noisy = np.asarray(img, np.int16) + np.random.default_rng(hue).integers(-6, 7, (1500, 1200, 1), dtype=np.int16)
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path, quality=92)
    return path


# with motion: the transitions at the clip boundaries (ours, and the ffmpeg xfade that draws the same
# move) and the text entering by sliding up (ENTER_FRAMES) or fading in, as the studio's lively style does
MOTION_TRANSITIONS = [("crossfade", "left", "fade"), ("push", "right", "slideleft"), ("wipe", "right", "wipeleft")]
TRANSITION_FRAMES = 9
ENTER_FRAMES = 10
SLIDE = 0.08  # of the frame height, as studio.render.compositor slides text


def overlay_spec(seconds: float, photos: list[Path], motion: bool = True) -> list[dict]:
    """What shows over the clips: a title over the first, the product photo on a card over every clip
    but the last, a headline over some, the price tag over the last (as the studio lays them out).
    With motion the title and headlines slide up into place and the price tag fades in."""
    n = int(round(seconds / CLIP_S))
    spec = []
    slide = {"enter": "slide_up", "enter_frames": ENTER_FRAMES} if motion else {}
    for i in range(n):
        a, b = i * CLIP_S, (i + 1) * CLIP_S
        if i == n - 1:
            spec.append({"kind": "price", "text": "¥59.9", "params": {"was": "¥89"}, "start": a, "end": b, "z": 2})
            continue
        spec.append({"kind": "inset", "source": str(photos[i % len(photos)]), "start": a, "end": b, "z": 1})
        if i == 0:
            spec.append({"kind": "title", "text": "小熊不锈钢保温杯 500ml", "start": a, "end": b, "z": 2,
                         "params": dict(slide)})
        elif i % 3 == 1:
            spec.append({"kind": "headline", "text": "保温十二小时", "start": a, "end": b, "z": 2, "params": dict(slide)})
    return spec


def _overlay_pngs(spec: list[dict], folder: Path, prefix: str) -> None:
    """Each overlay rasterised once by the studio's own code and saved as an RGBA PNG with its
    position, so (b) and (c) show exactly the pictures (a) draws."""
    from studio.render import VideoStyle
    from studio.render.compositor import make_sprite

    style = VideoStyle.from_template({})
    for k, o in enumerate(spec):
        layer = _layer(o, 0, 1)
        sprite = make_sprite(layer, style)
        o["png"] = str(folder / f"overlay_{prefix}_{k}_{o['kind']}.png")
        sprite.to_image().save(o["png"])
        o["x"], o["y"] = sprite.x, sprite.y


def narration_lines(seconds: float) -> list[str]:
    """The lines the narration of a `seconds`-long project speaks."""
    n_lines = max(1, int(round(len(LINES) * seconds / 30)))
    return [LINES[i % len(LINES)] for i in range(n_lines)]


def make_narration(folder: Path, seconds: float) -> tuple[Path, list]:
    """The Mandarin narration from the studio's own voice (voice_N.wav) and its line spans
    (voice_N.json: text, start, end), made once per duration; a folder that already holds both
    (copied from elsewhere: scripts/device_wheels.sh carries them) needs no voice stack."""
    folder.mkdir(parents=True, exist_ok=True)
    voice_wav = folder / f"voice_{int(seconds)}.wav"
    meta_path = folder / f"voice_{int(seconds)}.json"
    if not (meta_path.exists() and voice_wav.exists()):
        from studio.voice import synthesize

        vo = synthesize(narration_lines(seconds), "zh", voice_wav)
        meta_path.write_text(json.dumps([(s.text, s.start, s.end) for s in vo.lines], ensure_ascii=False))
    return voice_wav, json.loads(meta_path.read_text())


def drawn_text(seconds: float = 30) -> str:
    """Every character the reference project draws (captions, title, headlines, price tag)."""
    texts = narration_lines(seconds) + [o.get("text", "") + o.get("params", {}).get("was", "")
                                        for o in overlay_spec(seconds, [Path("photo.jpg")])]
    return "".join(sorted(set("".join(texts))))


def make_media(folder: Path, seconds: float, grain: float = 4, base: str = "clips",
               motion: bool = True) -> dict:
    """Clips, product photos, overlays, narration, captions and music for a `seconds`-long project
    (cached per duration and grain). base="photos": the same project with the product photos,
    slowly zooming, in place of the clips (the studio's usual product video; the scenes where
    GPU composition can matter), and no photo cards over them."""
    from studio.render import VideoStyle
    from studio.subtitles import write_ass
    from studio.types import CaptionPage, Captions
    from studio.util import ASSETS_DIR, ffmpeg_exe

    if base not in ("clips", "photos"):
        raise ValueError(f"base must be clips or photos, not {base!r}")
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(6):
        size = "1920x1080" if i % 2 == 0 else "1080x1920"
        path = folder / f"clip{i}_grain{grain:g}.mp4"
        if not path.exists():  # a moving test pattern with sensor-like grain, so it costs the encoder like footage does
            subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
                            "-t", str(CLIP_S), "-vf", f"hue=H={i}*0.9,noise=alls={grain:g}:allf=t+u,format=yuv420p",
                            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", str(path)], check=True)
        clips.append(path)
    photos = [_product_photo(folder / f"product{k}.jpg", k) for k in range(2)]
    overlays = overlay_spec(seconds, photos, motion)
    if base == "photos":
        overlays = [o for o in overlays if o["kind"] != "inset"]
    _overlay_pngs(overlays, folder, f"{base}_{int(seconds)}")
    voice_wav, spans = make_narration(folder, seconds)
    voice_seconds = spans[-1][2] + 0.35
    # the narration sets the pace: stretch the timing to exactly `seconds` so every contender draws the same frames
    scale = seconds / voice_seconds
    pages = [CaptionPage([text.rstrip("，。！")], a * scale, b * scale) for text, a, b in spans]
    ass = folder / f"captions_{int(seconds)}.ass"
    style = VideoStyle.from_template({"caption_size": 62})
    write_ass(Captions(pages, "zh", "benchmark"), ass, style.caption_style(), W, H)
    return {"clips": [str(c) for c in clips], "voice": str(voice_wav), "ass": str(ass), "pages": [
        (p.text, p.start, p.end) for p in pages], "seconds": seconds, "music": str(ASSETS_DIR / "music" / "upbeat_loop.m4a"),
        "font": str(style.font_path), "caption_size": 62, "scale": scale, "overlays": overlays, "grain": grain,
        "base": base, "photos": [str(p) for p in photos], "motion": motion}


def _layer(o: dict, start: int, end: int):
    """The timeline layer an overlay spec describes, on frames [start, end)."""
    from studio.render import layer_from_dict

    fields = {k: o[k] for k in ("source", "text") if o.get(k)}
    return layer_from_dict({"kind": o["kind"], "start": start, "end": end, "z": o["z"], **fields,
                            **o.get("params", {})})


# ----------------------------------------------------------------------------- contenders
def run_ours(media: dict, out: Path, preset: str, threads: int | None = None, encoder: str = "libx264",
             compose: str = "cpu") -> None:
    from studio.render import AudioTrack, CaptionTrack, Clip, Photo, Timeline, VideoStyle
    from studio.render import encode
    from studio.types import CaptionPage, Captions

    from studio.render import Transition

    frames = int(media["seconds"] * FPS)
    per = int(CLIP_S * FPS)
    if media.get("base") == "photos":  # zooming in and out by turns, as the studio's photo scenes did
        zoom = VideoStyle.from_template({}).zoom
        layers = [Photo(start=s, end=min(frames, s + per), source=media["photos"][(s // per) % len(media["photos"])],
                        zoom=zoom, motion="in" if (s // per) % 2 == 0 else "out")
                  for s in range(0, frames, per)]
    else:
        half = TRANSITION_FRAMES // 2 if media.get("motion") else 0
        layers = [Clip(start=max(0, s - half), end=min(frames, s + per + (TRANSITION_FRAMES - half if half else 0)),
                       source=media["clips"][(s // per) % len(media["clips"])]) for s in range(0, frames, per)]
        if half:  # a transition centred on every clip boundary, the outgoing clip running on under it
            for k, s in enumerate(range(per, frames, per)):
                style, side, _ = MOTION_TRANSITIONS[k % len(MOTION_TRANSITIONS)]
                layers.append(Transition(start=s - half, end=s - half + TRANSITION_FRAMES, style=style, direction=side))
    layers += [_layer(o, int(round(o["start"] * FPS)), min(frames, int(round(o["end"] * FPS))))
               for o in media["overlays"]]
    pages = [CaptionPage([text], a, b) for text, a, b in media["pages"]]
    captions = CaptionTrack(Captions(pages, "zh", "benchmark"),
                            VideoStyle.from_template({"caption_size": media["caption_size"]}).caption_style())
    timeline = Timeline(FPS, W, H, frames, layers, [AudioTrack("voice", media["voice"]),
                        AudioTrack("music", media["music"], -20.0, duck=True)], VideoStyle.from_template({}), "zh",
                        captions=captions)
    encode.QUALITY["bench"] = {"x264": (preset, 21), "nvenc": ("p5", 22), "maxrate": "12M"}
    result = encode.render_video(timeline, out, out.parent / f"work_{out.stem}", encoder=encoder,
                                 quality="bench", threads=threads, compose=compose)
    if result.encoder != encoder:
        raise SystemExit(f"asked for {encoder}, rendered with {result.encoder}: {result.encoder_reason}")
    if compose == "cuda" and "GPU" not in result.compose:
        raise SystemExit(f"asked for GPU composition: {result.compose}")


def run_ours_nvenc(media: dict, out: Path, preset: str) -> None:
    """Ours with the GPU's H.264 encoder (the composition stays on the CPU)."""
    run_ours(media, out, preset, encoder="h264_nvenc")


def run_ours_cuda(media: dict, out: Path, preset: str) -> None:
    """Ours with the photo zoom on the GPU through torch, x264 on the CPU (the composition alone)."""
    run_ours(media, out, preset, compose="cuda")


def run_ours_gpu(media: dict, out: Path, preset: str) -> None:
    """Ours with the photo zoom on the GPU through torch, and NVENC when the card has it."""
    from studio.render.encode import probe_nvenc
    from studio.util import ffmpeg_exe

    run_ours(media, out, preset, encoder="h264_nvenc" if probe_nvenc(ffmpeg_exe())[0] else "libx264", compose="cuda")


def run_ffmpeg(media: dict, out: Path, preset: str) -> None:
    """One ffmpeg command: the same cuts, crop+scale, captions by libass, the same mixed audio."""
    from studio.render.audio import mix
    from studio.util import ffmpeg_exe

    seconds = media["seconds"]
    work = out.parent / "work_ffmpeg"
    work.mkdir(exist_ok=True)
    mix_wav = work / "mix.wav"
    mix(Path(media["voice"]), Path(media["music"]), -20.0, seconds, mix_wav)
    n = int(round(seconds / CLIP_S))
    motion = media.get("motion")
    d = TRANSITION_FRAMES / FPS if motion else 0.0
    inputs, chains = [], []
    for i in range(n):
        # with transitions a clip shows a little longer than its 5 s: loop it, as ours does
        inputs += (["-stream_loop", "1"] if motion else []) + ["-i", media["clips"][i % len(media["clips"])]]
        length = CLIP_S + (d / 2 if i in (0, n - 1) else d) if n > 1 else CLIP_S
        chains.append(f"[{i}:v]trim=0:{length:.4f},setpts=PTS-STARTPTS,crop='min(iw,ih*{W}/{H})':'min(ih,iw*{H}/{W})',"
                      f"scale={W}:{H},fps={FPS},setsar=1,format=yuv420p[v{i}]")
    fonts = Path(media["font"]).parent
    graph = ";".join(chains) + ";"
    if motion and n > 1:  # the same moves by ffmpeg's xfade, centred on every boundary
        last = "v0"
        for i in range(1, n):
            kind = MOTION_TRANSITIONS[(i - 1) % len(MOTION_TRANSITIONS)][2]
            graph += f"[{last}][v{i}]xfade=transition={kind}:duration={d:.4f}:offset={i * CLIP_S - d / 2:.4f}[x{i}];"
            last = f"x{i}"
        graph += f"[{last}]null[base0]"
    else:
        graph += "".join(f"[v{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0[base0]"
    fade = FADE_FRAMES / FPS
    overlays = sorted(media["overlays"], key=lambda o: o["z"])
    for k, o in enumerate(overlays):  # each a still PNG input, shifted to its start, faded (and slid) in like ours
        inputs += ["-loop", "1", "-framerate", str(FPS), "-t", f"{o['end'] - o['start']:.3f}", "-i", o["png"]]
        st = o["start"]
        y = str(o["y"])
        if o.get("params", {}).get("enter") == "slide_up":
            dur = ENTER_FRAMES / FPS
            y = f"'{o['y']}+{SLIDE * H:.1f}*pow(1-min(1,max(0,(t-{st})/{dur:.4f})),3)'"
            fade_d = dur / 1.5
        else:
            fade_d = fade
        graph += (f";[{n + k}:v]format=rgba,setpts=PTS-STARTPTS+{st}/TB,"
                  f"fade=t=in:st={st}:d={fade_d:.4f}:alpha=1[o{k}];"
                  f"[base{k}][o{k}]overlay={o['x']}:{y}:eof_action=pass:enable='between(t,{st},{o['end']})'"
                  f"[base{k + 1}]")
    graph += f";[base{len(overlays)}]subtitles={media['ass']}:fontsdir={fonts},format=yuv420p[v]"
    cmd = [ffmpeg_exe(), "-v", "error", "-y", *inputs, "-i", str(mix_wav), "-filter_complex", graph, "-map", "[v]",
           "-map", f"{n + len(overlays)}:a", "-c:v", "libx264", "-preset", preset, "-crf", "21", "-maxrate", "12M", "-bufsize", "16M",
           "-profile:v", "high", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-movflags", "+faststart", "-t",
           str(seconds), str(out)]
    subprocess.run(cmd, check=True)


def run_moviepy(media: dict, out: Path, preset: str | None) -> None:
    """The simple way peers do it: resize every clip to full height then crop, one TextClip per
    caption in a CompositeVideoClip, write_videofile (at the given x264 preset, or with every
    encoding default when preset is None: libx264 `medium`, x264's default CRF 23)."""
    from moviepy import (AudioFileClip, CompositeAudioClip, CompositeVideoClip, ImageClip, TextClip, VideoFileClip,
                         concatenate_videoclips)
    from moviepy.audio.fx import AudioLoop, MultiplyVolume
    from moviepy.video.fx import CrossFadeIn

    seconds = media["seconds"]
    n = int(round(seconds / CLIP_S))
    parts = []
    for i in range(n):
        c = VideoFileClip(media["clips"][i % len(media["clips"])]).subclipped(0, CLIP_S)
        c = c.resized(height=H)
        c = c.cropped(x_center=c.w / 2, y_center=c.h / 2, width=W, height=H)
        parts.append(c)
    video = concatenate_videoclips(parts)
    texts = [TextClip(font=media["font"], text=text, font_size=media["caption_size"], color="white",
                      stroke_color="black", stroke_width=4, method="caption", size=(W - 200, None), margin=(0, 20))
             .with_start(a).with_duration(b - a).with_position(("center", H - 600)) for text, a, b in media["pages"]]
    stills = [ImageClip(o["png"], transparent=True).with_start(o["start"]).with_duration(o["end"] - o["start"])
              .with_position((o["x"], o["y"])).with_effects([CrossFadeIn(FADE_FRAMES / FPS)])
              for o in sorted(media["overlays"], key=lambda o: o["z"])]
    music = AudioFileClip(media["music"]).with_effects([AudioLoop(duration=seconds), MultiplyVolume(0.1)])
    audio = CompositeAudioClip([AudioFileClip(media["voice"]), music]).with_duration(seconds)
    final = CompositeVideoClip([video, *stills, *texts]).with_audio(audio).with_duration(seconds)
    if preset is None:
        final.write_videofile(str(out), fps=FPS, logger=None)
    else:
        final.write_videofile(str(out), fps=FPS, codec="libx264", audio_codec="aac", preset=preset, logger=None)


def run_moviepy_defaults(media: dict, out: Path, preset: str) -> None:
    run_moviepy(media, out, None)


CONTENDERS = {"ours": run_ours, "ours-nvenc": run_ours_nvenc, "ours-cuda": run_ours_cuda, "ours-gpu": run_ours_gpu, "ffmpeg": run_ffmpeg, "moviepy": run_moviepy, "moviepy-defaults": run_moviepy_defaults}


def _render_one(args: tuple) -> None:
    media, out, preset, threads = args
    run_ours(media, Path(out), preset, threads)


def run_batch(media: dict, out: Path, preset: str, workers: int, count: int, threads: int | None) -> None:
    """`count` videos with `workers` processes (spawned, like studio.pipeline.render_sheet)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from studio.render.encode import usable_cores

    threads = threads or max(1, usable_cores() // workers)
    jobs = [(media, str(out.parent / f"batch_w{workers}_{i}.mp4"), preset, threads) for i in range(count)]
    if workers == 1:
        for job in jobs:
            _render_one(job)
        return
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        list(pool.map(_render_one, jobs))


def run_sheet_batch(out: Path, workers: int, count: int, seconds: float, quality: str) -> None:
    """The whole path an agency batch takes: the bundled sheet's products x variants through
    render_sheet (script, studio voice, captions, render), nothing reused from the cache."""
    os.environ["STUDIO_CACHE"] = "off"
    from studio.pipeline import RenderOptions, render_sheet
    from studio.sheet import load_sheet

    sheet = load_sheet(ROOT / "examples" / "products.csv")
    variants = max(1, -(-count // len(sheet.products)))
    options = RenderOptions(out_dir=out.parent / out.stem, quality=quality, target_seconds=seconds, variants=variants,
                            skip_unchanged=False, encoder="libx264")
    report = render_sheet(sheet, options, workers=workers)
    if not report.ok:
        raise SystemExit("; ".join(r.error for r in report.failed) or "sheet batch failed")
    stages: dict[str, float] = {}
    video_s = 0.0
    for r in report.results:
        for stage, t in r.timings.items():
            stages[stage] = stages.get(stage, 0.0) + t
        video_s += json.loads(r.manifest.read_text(encoding="utf-8"))["video"]["duration_s"]
    out.with_suffix(".sheet.json").write_text(json.dumps({"videos": len(report.results), "video_s": video_s,
                                                          "stages_s": stages}))


def _child_main(args) -> None:
    """Runs one contender, then leaves its own and its children's peak RSS beside the output."""
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    if args.cores:  # children (ffmpeg, the workers) inherit the affinity
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:args.cores])
    out = Path(args.out)
    if args.child == "sheet":
        run_sheet_batch(out, args.workers, args.batch, args.batch_seconds, args.quality)
    elif args.child == "batch":
        run_batch(json.loads(Path(args.media).read_text()), out, args.preset, args.workers, args.batch, args.batch_threads)
    else:
        CONTENDERS[args.child](json.loads(Path(args.media).read_text()), out, args.preset)
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out.with_suffix(".rss.json").write_text(json.dumps({
        "python_mb": me.ru_maxrss / 1024, "children_mb": kids.ru_maxrss / 1024,
        "python_cpu_s": me.ru_utime + me.ru_stime, "children_cpu_s": kids.ru_utime + kids.ru_stime}))


@dataclass(frozen=True)
class Timed:
    """How a child process ended: exit status (negative: the signal that ended it, or
    TIMED_OUT), wall and CPU seconds (it and the processes it waited for), peak RSS, the end of
    its stderr."""

    status: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stderr_tail: str

    @property
    def ok(self) -> bool:
        return self.status == 0

    def why(self) -> str:
        """The reason it failed, in one line: its last words on stderr, or how it ended."""
        if self.status == TIMED_OUT:
            return f"stopped after {self.wall_s:.0f} s (time limit)"
        last = [line for line in self.stderr_tail.splitlines() if line.strip()]
        ended = f"killed by signal {-self.status}" if self.status < 0 else f"exit code {self.status}"
        return f"{last[-1].strip()[:300]} ({ended})" if last else ended


TIMED_OUT = -1000


def run_timed(cmd: list[str], cwd: Path, timeout_s: float | None = None, log: Path | None = None) -> Timed:
    """Run `cmd` in its own process group, at most `timeout_s` (then the whole group is killed),
    its stderr kept in `log` (its stdout too); wall and CPU seconds from the kernel's accounting."""
    log = log or cwd / "child.log"
    t0 = time.perf_counter()
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=err, stderr=subprocess.STDOUT, start_new_session=True)
        status = None
        while True:
            pid, raw, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(raw)
                break
            if timeout_s is not None and time.perf_counter() - t0 > timeout_s:
                os.killpg(proc.pid, 9)
                _, raw, usage = os.wait4(proc.pid, 0)
                status = TIMED_OUT
                break
            time.sleep(0.05)
    proc.returncode = status  # reaped above: keep Popen from waiting for it again
    wall = time.perf_counter() - t0
    tail = log.read_bytes()[-4000:].decode(errors="replace")
    return Timed(status, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, tail)


def measure(name: str, media_json: Path, out: Path, preset: str, extra: list[str] | None = None,
            timeout_s: float | None = None) -> dict:
    """Render with contender `name` in its own process; its figures (SystemExit with the reason
    when it fails or runs past `timeout_s`)."""
    cmd = [sys.executable, __file__, "--child", name, "--media", str(media_json), "--out", str(out), "--preset", preset,
           *(extra or [])]
    # the cwd: MoviePy writes its temporary audio there
    run = run_timed(cmd, out.parent, timeout_s, out.with_suffix(".log"))
    sys.stderr.write(run.stderr_tail if not run.ok else "")
    if not run.ok:
        raise SystemExit(f"{name} failed: {run.why()}")
    media = json.loads(media_json.read_text())
    rss = json.loads(out.with_suffix(".rss.json").read_text())
    return {"name": name, "preset": preset, "seconds": media["seconds"], "wall_s": run.wall_s, "cpu_s": run.cpu_s,
            "fps": media["seconds"] * FPS / run.wall_s, "peak_rss_mb": run.peak_rss_mb,
            "python_rss_mb": rss["python_mb"], "children_rss_mb": rss["children_mb"],
            "python_cpu_s": rss["python_cpu_s"]}


LABELS = {"ours": "(a) ours", "ours-nvenc": "(a) ours, NVENC (GPU encoder)",
          "ours-cuda": "(a) ours, composition on the GPU, x264",
          "ours-gpu": "(a) ours, composition on the GPU (+ NVENC when present)", "ffmpeg": "(c) one ffmpeg command", "moviepy": "(b) simple MoviePy",
          "moviepy-defaults": "(b) simple MoviePy, write_videofile defaults"}


def _print_row(r: dict) -> None:
    print(f"{r['name']:<17} {r['preset']:<9} {r['seconds']:>5.0f}s  wall {r['wall_s']:7.1f}s  cpu {r['cpu_s']:7.1f}s  "
          f"{r['fps']:6.1f} fps  peak RSS {r['peak_rss_mb']:5.0f} MB (python {r['python_rss_mb']:.0f}, "
          f"largest child {r['children_rss_mb']:.0f})", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--durations", default="15,30,60,120")
    ap.add_argument("--peers-at", type=float, default=30, help="duration at which MoviePy and ffmpeg also run")
    ap.add_argument("--preset", default="veryfast", help="x264 preset for ours, (c) and (b)")
    ap.add_argument("--grain", type=float, default=4,
                    help="noise strength in the generated clips (ffmpeg noise alls); 4 makes one ffmpeg command cost "
                         "about what the issue measured for its reference media; 14 is a much harder case")
    ap.add_argument("--base", choices=("clips", "photos"), default="clips",
                    help="what the scenes show: the clips (the reference project) or the zooming product photos")
    ap.add_argument("--skip-moviepy", action="store_true", help="leave out both MoviePy runs (slow)")
    ap.add_argument("--no-motion", action="store_true",
                    help="the project without motion (no transitions, text fading in), as before issue 12")
    ap.add_argument("--skip-medium", action="store_true", help="leave out ours at medium (vs b's defaults)")
    ap.add_argument("--batch", type=int, default=0, help="also render this many short videos with 1 and 2 workers")
    ap.add_argument("--batch-seconds", type=float, default=10)
    ap.add_argument("--batch-threads", type=int, default=0, help="x264 threads per worker (0: cores / workers)")
    ap.add_argument("--batch-workers", default="1,2", help="worker counts to try")
    ap.add_argument("--sheet-batch", type=int, default=0,
                    help="also render this many videos of the bundled sheet through the whole pipeline "
                         "(voice, captions, render) with --sheet-configs")
    ap.add_argument("--sheet-configs", default="1core,1,2",
                    help="for --sheet-batch: worker counts, '1core' = 1 worker held to one core")
    ap.add_argument("--sheet-seconds", type=float, default=15, help="target length for --sheet-batch videos")
    ap.add_argument("--quality", default="draft", help="quality for --sheet-batch (draft or final)")
    ap.add_argument("--cores", type=int, default=0)
    ap.add_argument("--child")
    ap.add_argument("--media")
    ap.add_argument("--out")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    if args.child:
        _child_main(args)
        return
    base = Path(tempfile.gettempdir()) / "aigc-studio-bench"
    base.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, x264 preset {args.preset}, motion "
          f"{'off' if args.no_motion else 'on'}, load average {os.getloadavg()[0]:.1f}", flush=True)
    from studio.render.encode import probe_nvenc
    from studio.util import ffmpeg_exe

    nvenc_ok, nvenc_reason = probe_nvenc(ffmpeg_exe(), "h264_nvenc")
    from studio.render.gpu import compose_device

    torch_gpu, torch_reason = compose_device("cuda")
    print(f"GPU encoder: {nvenc_reason}" + ("" if nvenc_ok else " (no NVENC row)"), flush=True)
    print(f"GPU composition: {torch_reason}" + ("" if torch_gpu else " (no GPU composition row)"), flush=True)
    for seconds in (float(d) for d in args.durations.split(",") if d):
        media = make_media(base / "media", seconds, args.grain, args.base, not args.no_motion)
        media_json = base / f"media_{args.base}_{int(seconds)}.json"
        media_json.write_text(json.dumps(media, ensure_ascii=False))
        runs = [("ours", args.preset)]
        if seconds == args.peers_at:
            if nvenc_ok:
                runs += [("ours-nvenc", args.preset)]
            if torch_gpu:
                runs += [("ours-cuda", args.preset)] + ([("ours-gpu", args.preset)] if nvenc_ok else [])
            runs += [("ffmpeg", args.preset)]
            if not args.skip_medium and args.preset != "medium":
                runs += [("ours", "medium")]
            if not args.skip_moviepy:
                runs += [("moviepy", args.preset), ("moviepy-defaults", "medium")]
        for name, preset in runs:
            out = base / f"{name}_{args.base}_{preset}_{int(seconds)}.mp4"
            row = measure(name, media_json, out, preset)
            rows.append(row)
            _print_row(row)
    print()
    print(f"| contender | x264 preset | video | wall s | CPU s | fps | peak RSS: Python | peak RSS: largest ffmpeg |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {LABELS[r['name']]} | {r['preset']} | {r['seconds']:.0f} s | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
              f"{r['fps']:.1f} | {r['python_rss_mb']:.0f} MB | {r['children_rss_mb']:.0f} MB |")
    by = {(r["name"], r["preset"], r["seconds"]): r for r in rows}
    p, at = args.preset, args.peers_at

    def ratio(label: str, a_key, b_key) -> None:
        a, b = by.get(a_key), by.get(b_key)
        if a and b:
            print(f"{label}: CPU {a['cpu_s'] / b['cpu_s']:.2f}, wall {a['wall_s'] / b['wall_s']:.2f}")

    ratio(f"a/c  ours / one ffmpeg command, both {p}", ("ours", p, at), ("ffmpeg", p, at))
    ratio(f"GPU: ours with NVENC / one ffmpeg command on the CPU ({p})", ("ours-nvenc", p, at), ("ffmpeg", p, at))
    ratio(f"GPU: ours composing on the GPU / ours on the CPU, both x264 {p}", ("ours-cuda", p, at), ("ours", p, at))
    ratio(f"GPU: ours composing on the GPU with NVENC / ours on the CPU ({p})", ("ours-gpu", p, at), ("ours", p, at))
    ratio(f"a/b  ours / simple MoviePy, both {p}", ("ours", p, at), ("moviepy", p, at))
    ratio("a/b  ours / simple MoviePy, both medium (b with write_videofile defaults)", ("ours", "medium", at),
          ("moviepy-defaults", "medium", at))
    ratio(f"a/b  ours at {p} / simple MoviePy with write_videofile defaults (medium)", ("ours", p, at),
          ("moviepy-defaults", "medium", at))
    ratio(f"c/b  the floor: one ffmpeg command / simple MoviePy, both {p}", ("ffmpeg", p, at), ("moviepy", p, at))
    ours = sorted((r for r in rows if r["name"] == "ours" and r["preset"] == p), key=lambda r: r["seconds"])
    if len(ours) > 1:
        print("cost per video second (ours): " + ", ".join(f"{r['seconds']:.0f}s: {r['cpu_s'] / r['seconds']:.2f} CPU-s"
                                                         for r in ours))
        print(f"peak RSS {ours[-1]['seconds']:.0f}s vs {ours[0]['seconds']:.0f}s: largest process "
              f"{ours[-1]['peak_rss_mb'] / ours[0]['peak_rss_mb']:.2f}x, Python "
              f"{ours[-1]['python_rss_mb'] / ours[0]['python_rss_mb']:.2f}x")
    if args.batch:
        media = make_media(base / "media", args.batch_seconds, args.grain, motion=not args.no_motion)
        media_json = base / f"media_{int(args.batch_seconds)}.json"
        media_json.write_text(json.dumps(media, ensure_ascii=False))
        print(f"\nbatch: {args.batch} videos of {args.batch_seconds:.0f} s, preset {p}")
        per_min = {}
        for workers in (int(w) for w in args.batch_workers.split(",")):
            out = base / f"batch_w{workers}.mp4"
            r = measure("batch", media_json, out, p, ["--workers", str(workers), "--batch", str(args.batch),
                                                     "--batch-threads", str(args.batch_threads)])
            per_min[workers] = args.batch / r["wall_s"] * 60
            print(f"| {workers} worker{'s' if workers > 1 else ''} | wall {r['wall_s']:.1f} s | CPU {r['cpu_s']:.1f} s | "
                  f"{per_min[workers]:.2f} videos/min | CPU use {r['cpu_s'] / r['wall_s']:.2f} cores | "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB |", flush=True)
        if 1 in per_min and 2 in per_min:
            print(f"2 workers / 1 worker: {per_min[2] / per_min[1]:.2f}x videos per minute")
    if args.sheet_batch:
        sheet_batch(base, args)


def sheet_batch(base: Path, args) -> None:
    print(f"\nsheet batch: {args.sheet_batch} videos of the bundled sheet, target {args.sheet_seconds:.0f} s, "
          f"quality {args.quality}, whole pipeline, cache off", flush=True)
    per_min = {}
    for config in args.sheet_configs.split(","):
        workers, cores = (1, 1) if config == "1core" else (int(config), 0)
        out = base / f"sheet_{config}.mp4"
        cmd = [sys.executable, __file__, "--child", "sheet", "--out", str(out), "--workers", str(workers),
               "--batch", str(args.sheet_batch), "--batch-seconds", str(args.sheet_seconds), "--quality", args.quality,
               "--cores", str(cores)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=base)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if status != 0:
            raise SystemExit(f"sheet batch {config} failed (status {status})")
        info = json.loads(out.with_suffix(".sheet.json").read_text())
        cpu = usage.ru_utime + usage.ru_stime
        per_min[config] = info["videos"] / wall * 60
        stages = ", ".join(f"{k} {v / info['videos']:.1f}" for k, v in info["stages_s"].items())
        label = "1 worker on 1 core" if config == "1core" else f"{workers} worker{'s' if workers > 1 else ''}"
        print(f"| {label} | {info['videos']} videos, {info['video_s']:.0f} s of video | wall {wall:.1f} s | "
              f"CPU {cpu:.1f} s | {per_min[config]:.2f} videos/min | CPU use {cpu / wall:.2f} cores | "
              f"peak RSS {usage.ru_maxrss / 1024:.0f} MB | per video: {stages} s |", flush=True)
    for a, b in (("1", "1core"), ("2", "1core"), ("2", "1")):
        if a in per_min and b in per_min:
            print(f"videos per minute, {a} / {b}: {per_min[a] / per_min[b]:.2f}x")


if __name__ == "__main__":
    main()
