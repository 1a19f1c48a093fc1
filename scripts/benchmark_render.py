"""Render benchmark: our engine vs the simple MoviePy way vs one ffmpeg command (the floor).

Builds a reference project from media it makes itself: 5 s clips (half landscape 1920x1080, half
portrait), a Mandarin narration from the studio's own voice, the bundled music and one caption per
narrated line. Each contender runs in its own process; wall seconds, CPU seconds (the process and
the ffmpeg it waits for), frames per second and peak RSS (largest single process) are printed,
with ratios measured in the same run.

    .venv/bin/python scripts/benchmark_render.py                 # 15/30/60/120 s, peers at 30 s
    .venv/bin/python scripts/benchmark_render.py --durations 30 --preset veryfast
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FPS, W, H, CLIP_S = 30, 1080, 1920, 5.0
LINES = ["这款保温杯，316不锈钢内胆。", "保温十二小时，早上装的热水晚上还烫。", "一键开盖，单手就能喝。", "杯身轻巧，只有二百六十克。",
         "密封圈可拆洗，干净又卫生。", "五种颜色，总有一款适合你。", "容量五百毫升，够喝一上午。", "杯底防滑，放在桌上很稳。",
         "现在只要五十九块九。", "喜欢的话，点击下方链接下单吧！"]


def make_media(folder: Path, seconds: float) -> dict:
    """Clips, narration, captions and music for a `seconds`-long project (cached per duration)."""
    from studio.render import VideoStyle
    from studio.subtitles import write_ass
    from studio.types import CaptionPage, Captions
    from studio.util import ASSETS_DIR, ffmpeg_exe
    from studio.voice import synthesize

    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(6):
        size = "1920x1080" if i % 2 == 0 else "1080x1920"
        path = folder / f"clip{i}.mp4"
        if not path.exists():  # a test pattern with film-like grain, so it costs the encoder like footage does
            subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
                            "-t", str(CLIP_S), "-vf", f"hue=H={i}*0.9,noise=alls=14:allf=t+u,format=yuv420p",
                            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", str(path)], check=True)
        clips.append(path)
    n_lines = max(1, int(round(len(LINES) * seconds / 30)))
    lines = [LINES[i % len(LINES)] for i in range(n_lines)]
    voice_wav = folder / f"voice_{int(seconds)}.wav"
    meta_path = folder / f"voice_{int(seconds)}.json"
    if not meta_path.exists():
        vo = synthesize(lines, "zh", voice_wav)
        meta_path.write_text(json.dumps([(s.text, s.start, s.end) for s in vo.lines], ensure_ascii=False))
    spans = json.loads(meta_path.read_text())
    voice_seconds = spans[-1][2] + 0.35
    # the narration sets the pace: stretch the timing to exactly `seconds` so every contender draws the same frames
    scale = seconds / voice_seconds
    pages = [CaptionPage([text.rstrip("，。！")], a * scale, b * scale) for text, a, b in spans]
    ass = folder / f"captions_{int(seconds)}.ass"
    style = VideoStyle.from_template({"caption_size": 62})
    write_ass(Captions(pages, "zh", "benchmark"), ass, style.caption_style(), W, H)
    return {"clips": [str(c) for c in clips], "voice": str(voice_wav), "ass": str(ass), "pages": [
        (p.text, p.start, p.end) for p in pages], "seconds": seconds, "music": str(ASSETS_DIR / "music" / "upbeat_loop.m4a"),
        "font": str(style.font_path), "caption_size": 62, "scale": scale}


# ----------------------------------------------------------------------------- contenders
def run_ours(media: dict, out: Path, preset: str) -> None:
    from studio.render import AudioTrack, Layer, Timeline, VideoStyle
    from studio.render import encode

    frames = int(media["seconds"] * FPS)
    per = int(CLIP_S * FPS)
    layers = [Layer("clip", s, min(frames, s + per), source=media["clips"][(s // per) % len(media["clips"])])
              for s in range(0, frames, per)]
    timeline = Timeline(FPS, W, H, frames, layers, [AudioTrack("voice", media["voice"]),
                        AudioTrack("music", media["music"], -20.0, duck=True)], VideoStyle.from_template({}), "zh")
    encode.QUALITY["bench"] = {"x264": (preset, 21), "nvenc": ("p5", 22), "maxrate": "12M"}
    encode.render_video(timeline, Path(media["ass"]), out, out.parent / "work_ours", encoder="libx264", quality="bench")


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
    inputs, chains = [], []
    for i in range(n):
        inputs += ["-i", media["clips"][i % len(media["clips"])]]
        chains.append(f"[{i}:v]trim=0:{CLIP_S},setpts=PTS-STARTPTS,crop='min(iw,ih*{W}/{H})':'min(ih,iw*{H}/{W})',"
                      f"scale={W}:{H},fps={FPS},setsar=1[v{i}]")
    fonts = Path(media["font"]).parent
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(n)) + \
        f"concat=n={n}:v=1:a=0,subtitles={media['ass']}:fontsdir={fonts},format=yuv420p[v]"
    cmd = [ffmpeg_exe(), "-v", "error", "-y", *inputs, "-i", str(mix_wav), "-filter_complex", graph, "-map", "[v]",
           "-map", f"{n}:a", "-c:v", "libx264", "-preset", preset, "-crf", "21", "-maxrate", "12M", "-bufsize", "16M",
           "-profile:v", "high", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-movflags", "+faststart", "-t",
           str(seconds), str(out)]
    subprocess.run(cmd, check=True)


def run_moviepy(media: dict, out: Path, preset: str) -> None:
    """The simple way peers do it: resize every clip to full height then crop, one TextClip per
    caption in a CompositeVideoClip, write_videofile with its defaults."""
    from moviepy import (AudioFileClip, CompositeAudioClip, CompositeVideoClip, TextClip, VideoFileClip,
                         concatenate_videoclips)
    from moviepy.audio.fx import AudioLoop, MultiplyVolume

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
    music = AudioFileClip(media["music"]).with_effects([AudioLoop(duration=seconds), MultiplyVolume(0.1)])
    audio = CompositeAudioClip([AudioFileClip(media["voice"]), music]).with_duration(seconds)
    final = CompositeVideoClip([video, *texts]).with_audio(audio).with_duration(seconds)
    final.write_videofile(str(out), fps=FPS, codec="libx264", audio_codec="aac", preset=preset, logger=None)


CONTENDERS = {"ours": run_ours, "ffmpeg": run_ffmpeg, "moviepy": run_moviepy}


def measure(name: str, media_json: Path, out: Path, preset: str) -> dict:
    cmd = [sys.executable, __file__, "--child", name, "--media", str(media_json), "--out", str(out), "--preset", preset]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=out.parent)  # MoviePy writes its temporary audio into the cwd
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"{name} failed (status {status})")
    media = json.loads(media_json.read_text())
    cpu = usage.ru_utime + usage.ru_stime
    return {"name": name, "seconds": media["seconds"], "wall_s": wall, "cpu_s": cpu,
            "fps": media["seconds"] * FPS / wall, "peak_rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--durations", default="15,30,60,120")
    ap.add_argument("--peers-at", type=float, default=30, help="duration at which MoviePy and ffmpeg also run")
    ap.add_argument("--preset", default="medium", help="x264 preset for every contender")
    ap.add_argument("--skip-moviepy", action="store_true")
    ap.add_argument("--child")
    ap.add_argument("--media")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        os.environ.setdefault("OMP_NUM_THREADS", "2")
        CONTENDERS[args.child](json.loads(Path(args.media).read_text()), Path(args.out), args.preset)
        return
    base = Path(tempfile.gettempdir()) / "aigc-studio-bench"
    rows = []
    for seconds in (float(d) for d in args.durations.split(",")):
        folder = base / "media"
        media = make_media(folder, seconds)
        media_json = base / f"media_{int(seconds)}.json"
        media_json.write_text(json.dumps(media, ensure_ascii=False))
        names = ["ours"]
        if seconds == args.peers_at:
            names += ["ffmpeg"] + ([] if args.skip_moviepy else ["moviepy"])
        for name in names:
            out = base / f"{name}_{int(seconds)}.mp4"
            row = measure(name, media_json, out, args.preset)
            rows.append(row)
            print(f"{name:<8} {seconds:>5.0f}s  wall {row['wall_s']:7.1f}s  cpu {row['cpu_s']:7.1f}s  "
                  f"{row['fps']:6.1f} fps  peak RSS {row['peak_rss_mb']:6.0f} MB", flush=True)
    print()
    print(f"| contender | video | wall s | CPU s | fps | peak RSS MB |  (x264 preset {args.preset}, {os.cpu_count()} cores)")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['seconds']:.0f} s | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['fps']:.1f} | {r['peak_rss_mb']:.0f} |")
    by = {(r["name"], r["seconds"]): r for r in rows}
    a = by.get(("ours", args.peers_at))
    for peer, label in (("moviepy", "a/b (ours / simple MoviePy)"), ("ffmpeg", "a/c (ours / one ffmpeg command)")):
        b = by.get((peer, args.peers_at))
        if a and b:
            print(f"{label}: wall {a['wall_s'] / b['wall_s']:.2f}, CPU {a['cpu_s'] / b['cpu_s']:.2f}")
    ours = sorted((r for r in rows if r["name"] == "ours"), key=lambda r: r["seconds"])
    if len(ours) > 1:
        print("cost per video second (ours): " + ", ".join(f"{r['seconds']:.0f}s: {r['cpu_s'] / r['seconds']:.2f} CPU-s"
                                                         for r in ours))
        print(f"peak RSS {ours[-1]['seconds']:.0f}s vs {ours[0]['seconds']:.0f}s: "
              f"{ours[-1]['peak_rss_mb'] / ours[0]['peak_rss_mb']:.2f}x")


if __name__ == "__main__":
    main()
