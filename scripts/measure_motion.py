"""Measure how a rendered video is edited, from the MP4 alone: shots, seconds per shot, motion, beats.

For every MP4 given (or every MP4 in a folder):
- shot changes: PySceneDetect's ContentDetector (HSV content change between frames; its default
  threshold 27), on the decoded video;
- seconds per shot: mean and median length of the detected shots;
- frames in motion: the share of frames that differ visibly from the frame before (mean absolute
  difference of the 180x320 grey picture above MOTION_THRESHOLD levels of 255: a slow 8% zoom over
  a scene and karaoke captions changing colour stay under it; a pan, a push-in, a transition or text
  entering pass it);
- cut-to-beat offset: for each detected cut, the distance to the nearest beat of the music, the beats
  tracked by librosa on the music track the video's manifest names (looped as the mix loops it), or
  on `--music`; median and 90th percentile in ms;
- a contact sheet (`<name>.contact.jpg` beside the video, or in --sheets): one frame from the middle of
  each shot, with its time.

    .venv/bin/python scripts/measure_motion.py out/            # every MP4 in out/
    .venv/bin/python scripts/measure_motion.py a.mp4 b.mp4 --json figures.json --sheets docs/motion
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# mean absolute grey difference (0-255) between consecutive frames at 180x320 above which a frame is
# in motion: twice the median change of the studio's old slideshow videos (0.16-0.20 on the bundled
# example, from their slow 8% zoom and the karaoke captions changing colour)
MOTION_THRESHOLD = 0.4
SMALL = (180, 320)


@dataclass
class VideoFigures:
    video: str
    duration_s: float
    frames: int
    shots: int
    shot_changes: int
    mean_shot_s: float
    median_shot_s: float
    motion_share: float  # share of frames that differ visibly from the one before
    cut_beat_median_ms: float | None = None
    cut_beat_p90_ms: float | None = None
    cuts_s: list[float] = field(default_factory=list)
    shot_lengths_s: list[float] = field(default_factory=list)
    contact_sheet: str = ""


def detect_shots(path: Path) -> tuple[list[tuple[int, int]], float]:
    """[(first frame, end frame)] of each shot by PySceneDetect's ContentDetector, and the fps."""
    from scenedetect import ContentDetector, SceneManager, open_video

    video = open_video(str(path))
    manager = SceneManager()
    manager.add_detector(ContentDetector())
    manager.detect_scenes(video, show_progress=False)
    scenes = manager.get_scene_list(start_in_scene=True)
    fps = float(video.frame_rate)
    return [(a.get_frames(), b.get_frames()) for a, b in scenes], fps


def grey_frames(path: Path):
    """The video's frames as small grey arrays, in order (decoded and scaled by ffmpeg)."""
    from studio.util import ffmpeg_exe

    w, h = SMALL
    proc = subprocess.Popen([ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", f"scale={w}:{h}:flags=area",
                             "-f", "rawvideo", "-pix_fmt", "gray", "-"], stdout=subprocess.PIPE)
    size = w * h
    try:
        while True:
            raw = proc.stdout.read(size)
            if len(raw) < size:
                break
            yield np.frombuffer(raw, np.uint8).reshape(h, w)
    finally:
        proc.stdout.close()
        proc.wait()


def motion_share(path: Path) -> tuple[float, int]:
    """(share of frames in visible motion, frame count)."""
    previous, moving, count = None, 0, 0
    for frame in grey_frames(path):
        count += 1
        if previous is not None and np.abs(frame.astype(np.int16) - previous).mean() > MOTION_THRESHOLD:
            moving += 1
        previous = frame.astype(np.int16)
    return (moving / max(1, count - 1)), count


def music_of(path: Path) -> Path | None:
    """The music track the video's manifest names (the render's own record), if any."""
    manifest = path.with_suffix(".json")
    if not manifest.exists():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    music = ((data.get("video") or {}).get("loudness") or {}).get("music")
    return Path(music) if music and Path(music).exists() else None


def beat_offsets(cuts_s: list[float], music: Path, duration: float, known_bpm: float | None = None) -> list[float]:
    """Distance of each cut to the nearest beat: librosa's beats of the track, or, with `known_bpm`,
    the beats a track made at that tempo has by construction (the bundled loop: 100 BPM from 0 s)."""
    if known_bpm:
        beats = np.arange(0.0, duration + 1.0, 60.0 / known_bpm)
        return [float(np.min(np.abs(beats - t))) for t in cuts_s]
    from studio.render.beats import beat_grid

    grid = beat_grid(music, duration)
    if not grid.times:
        return []
    beats = np.asarray(grid.times)
    return [float(np.min(np.abs(beats - t))) for t in cuts_s]


def contact_sheet(path: Path, shots: list[tuple[int, int]], fps: float, out: Path, columns: int = 6) -> Path:
    """One frame from the middle of each shot (at most 36), labelled with its time."""
    from PIL import Image, ImageDraw

    from studio.util import ffmpeg_exe

    picks = [(a + b) // 2 for a, b in shots][:36] or [0]
    tw, th = 180, 320
    rows = -(-len(picks) // columns)
    sheet = Image.new("RGB", (columns * (tw + 6) + 6, rows * (th + 28) + 6), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    for k, frame in enumerate(picks):
        t = frame / fps
        raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1",
                              "-vf", f"scale={tw}:{th}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                             capture_output=True).stdout
        if len(raw) != tw * th * 3:
            continue
        x, y = 6 + (k % columns) * (tw + 6), 6 + (k // columns) * (th + 28)
        sheet.paste(Image.frombytes("RGB", (tw, th), raw), (x, y))
        draw.text((x + 4, y + th + 6), f"shot {k + 1}  {t:5.2f}s", fill=(230, 230, 230))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, quality=85)
    return out


def measure(path: Path, sheets: Path | None = None, music: Path | None = None,
            known_bpm: float | None = None) -> VideoFigures:
    shots, fps = detect_shots(path)
    share, frames = motion_share(path)
    duration = frames / fps
    if not shots:
        shots = [(0, frames)]
    lengths = [(b - a) / fps for a, b in shots]
    cuts = [a / fps for a, _ in shots[1:]]
    fig = VideoFigures(str(path), round(duration, 2), frames, len(shots), len(shots) - 1,
                       round(duration / len(shots), 2), round(statistics.median(lengths), 2), round(share, 3),
                       cuts_s=[round(c, 3) for c in cuts], shot_lengths_s=[round(x, 3) for x in lengths])
    track = music or music_of(path)
    if track is not None and cuts:
        offsets = beat_offsets(cuts, track, duration, known_bpm)
        if offsets:
            fig.cut_beat_median_ms = round(1000 * statistics.median(offsets), 1)
            fig.cut_beat_p90_ms = round(1000 * float(np.percentile(offsets, 90)), 1)
    sheet = (sheets / f"{path.stem}.contact.jpg") if sheets else path.with_suffix(".contact.jpg")
    fig.contact_sheet = str(contact_sheet(path, shots, fps, sheet))
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path, help="MP4 files or folders holding them")
    ap.add_argument("--sheets", type=Path, help="folder for the contact sheets (default: beside each video)")
    ap.add_argument("--music", type=Path, help="the music track, when the videos have no manifest naming it")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--known-bpm", type=float, help="measure cuts against the beats of a track made at this tempo "
                    "(beats at 0, 60/BPM, ...), not against librosa's")
    args = ap.parse_args(argv)
    videos = []
    for p in args.paths:
        videos += sorted(p.glob("*.mp4")) if p.is_dir() else [p]
    if not videos:
        print("no MP4 found", file=sys.stderr)
        return 1
    figures = []
    print(f"{'video':<34} {'s':>6} {'shots':>5} {'mean s/shot':>11} {'median':>7} {'motion':>7} {'cut-beat ms':>11}")
    for v in videos:
        f = measure(v, args.sheets, args.music, args.known_bpm)
        figures.append(f)
        beat = "-" if f.cut_beat_median_ms is None else f"{f.cut_beat_median_ms:.0f} (p90 {f.cut_beat_p90_ms:.0f})"
        print(f"{Path(f.video).name:<34} {f.duration_s:6.1f} {f.shots:5d} {f.mean_shot_s:11.2f} {f.median_shot_s:7.2f} "
              f"{100 * f.motion_share:6.1f}% {beat:>11}", flush=True)
    lengths = [f.median_shot_s for f in figures]
    pooled = [s for f in figures for s in f.shot_lengths_s]
    print(f"median seconds per shot, all shots of all videos: {statistics.median(pooled):.2f} ({len(pooled)} shots); "
          f"median of the videos' medians: {statistics.median(lengths):.2f}; "
          f"frames in motion (all frames): "
          f"{100 * sum(f.motion_share * f.frames for f in figures) / sum(f.frames for f in figures):.1f}%")
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in figures], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
