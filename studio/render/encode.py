"""Frames + mix -> MP4 through one ffmpeg process.

Frames go to ffmpeg as raw yuv420p (half the bytes of RGB, and no colour conversion on either
side: clip frames pass straight from their decoder to the encoder). Captions are burned in by
libass inside ffmpeg's filter graph (sharp CJK text, no per-frame Python work). The output is written to a hidden part file and renamed only when ffmpeg
finished cleanly, so a killed render never leaves a file that looks finished.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..core.vocab import DELIVERIES
from ..util import CancelToken, Cancelled, DiskFull, StudioError, ffmpeg_exe
from . import audio as audio_mix
from .captions import prepare_burn
from .compositor import FrameRenderer
from .timeline import Timeline
from .verify import check_mp4

log = logging.getLogger(__name__)

QUALITY = {
    # x264 preset and CRF; NVENC preset and CQ. Bitrate cap keeps 1080p30 within 8-12 Mbit/s.
    "draft": {"x264": ("veryfast", 24), "nvenc": ("p2", 26), "maxrate": "8M"},
    "final": {"x264": ("medium", 21), "nvenc": ("p5", 22), "maxrate": "12M"},
}

AUDIO_KBPS = 192
NVENC = ("h264_nvenc", "hevc_nvenc")


def _rate_bits(rate: str) -> int:
    rate = rate.strip().upper()
    mult = {"K": 1_000, "M": 1_000_000}.get(rate[-1:], 1)
    return int(float(rate.rstrip("KM")) * mult)


def rate_limits(quality: str, duration: float, delivery: str | None = None,
                max_mb: float | None = None) -> tuple[str, str]:
    """(maxrate, bufsize) for ffmpeg: the quality's cap, lowered by a delivery preset and a
    file-size ceiling (the video gets what the ceiling leaves after the audio, with 5% for the
    container and the rate control's slack)."""
    q = QUALITY.get(quality)
    if q is None:
        raise StudioError(f"unknown quality '{quality}' (use {', '.join(QUALITY)})")
    cap = _rate_bits(q["maxrate"])
    preset = None
    if delivery:
        preset = DELIVERIES.get(delivery)
        if preset is None:
            raise StudioError(f"unknown delivery preset '{delivery}' (use {', '.join(DELIVERIES)})")
        cap = min(cap, _rate_bits(preset.maxrate))
    ceiling = max_mb if max_mb is not None else (preset.max_mb if preset else None)
    if ceiling:
        budget = ceiling * 8_000_000 * 0.95 / max(duration, 0.1) - AUDIO_KBPS * 1000
        if budget < 300_000:
            least = (300_000 + AUDIO_KBPS * 1000) * max(duration, 0.1) / (8_000_000 * 0.95)
            raise StudioError(f"{ceiling:g} MB is too small for a {duration:.0f} s video at 1080x1920; "
                              f"allow at least {least:.1f} MB (--max-mb) or make the video shorter")
        cap = min(cap, int(budget))
    return f"{cap // 1000}k", f"{min(2 * cap, 16_000_000) // 1000}k"  # buffer: 2 s of the cap, at most 16 Mbit as before


@dataclass
class EncodeResult:
    encoder: str
    encoder_reason: str
    args: list[str]
    loudness: dict
    warnings: list[str] = field(default_factory=list)
    compose: str = ""  # where the frames were composed, and why


def usable_cores() -> int:
    """CPU cores this process may run on (affinity-aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=8)
def probe_nvenc(ffmpeg: str, codec: str = "h264_nvenc") -> tuple[bool, str]:
    """Try a real one-frame encode with h264_nvenc or hevc_nvenc at the output size; (works, reason).
    Being compiled into ffmpeg proves nothing: it needs libcuda and a GPU with NVENC hardware."""
    cmd = [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=1080x1920:d=0.04", "-frames:v", "1",
           "-pix_fmt", "yuv420p", "-c:v", codec, "-f", "null", "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{codec} test encode could not run ({exc})"
    if proc.returncode == 0:
        return True, f"{codec} test encode succeeded"
    err = proc.stderr.decode(errors="replace").strip().splitlines()
    telling = [l for l in err if any(k in l.lower() for k in ("nvenc", "cuda", "driver", "device"))]
    detail = (telling or err or [f"exit code {proc.returncode}"])[0]
    return False, f"{codec} test encode failed: {detail.strip()}"


def choose_encoder(preference: str = "auto") -> tuple[str, str]:
    """(encoder, why) for 'auto', 'libx264', 'h264_nvenc' or 'hevc_nvenc'. 'auto' takes h264_nvenc
    only when a real test encode works (H.264 plays everywhere; HEVC only when asked for)."""
    if preference == "libx264":
        return "libx264", "libx264 chosen in the settings"
    if preference not in ("auto", *NVENC):
        raise StudioError(f"unknown encoder '{preference}' (use auto, libx264, h264_nvenc or hevc_nvenc)")
    codec = "h264_nvenc" if preference == "auto" else preference
    ok, reason = probe_nvenc(ffmpeg_exe(), codec)
    if preference in NVENC:
        if ok:
            return codec, f"{codec} chosen in the settings; " + reason
        return "libx264", f"{codec} was asked for but is not usable here ({reason}); fell back to libx264"
    return (codec, reason) if ok else ("libx264", reason + "; using libx264 on the CPU")


def aigc_metadata(producer: str = "", produce_id: str | None = None) -> str:
    """Implicit AI-content label (GB 45438-2025 field names) as the JSON text of an `AIGC` tag."""
    return json.dumps({
        "Label": "1", "ContentProducer": producer or "aigc-studio", "ProduceID": produce_id or uuid.uuid4().hex,
        "ReservedCode1": "", "ContentPropagator": "", "PropagateID": "", "ReservedCode2": "",
    }, ensure_ascii=False)


def _ffmpeg_command(timeline: Timeline, mix_wav: Path, burn: str | None, out_part: Path,
                    encoder: str, quality: str, metadata: dict[str, str], threads: int | None = None,
                    delivery: str | None = None, max_mb: float | None = None) -> list[str]:
    q = QUALITY.get(quality)
    if q is None:
        raise StudioError(f"unknown quality '{quality}' (use {', '.join(QUALITY)})")
    maxrate, bufsize = rate_limits(quality, timeline.duration, delivery, max_mb)
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", "-y",
           "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{timeline.width}x{timeline.height}",
           "-r", str(timeline.fps), "-i", "pipe:0", "-i", str(mix_wav)]
    vf = f"{burn}," if burn else ""
    vf += "format=yuv420p"  # already yuv420p: a no-op, kept so the output format never depends on the input
    cmd += ["-vf", vf, "-map", "0:v", "-map", "1:a"]
    if encoder in NVENC:
        preset, cq = q["nvenc"]
        cmd += ["-c:v", encoder, "-preset", preset, "-rc", "vbr", "-cq", str(cq), "-b:v", "0"]
        cmd += ["-profile:v", "high" if encoder == "h264_nvenc" else "main"]
    else:
        preset, crf = q["x264"]
        # x264's own thread count follows the host's CPUs, not the ones this process may use: on a
        # 2-core VM it ran enough frame threads to hold 1.3 GB. Pin it to the usable cores (0.4 GB),
        # or fewer when several renders share them (render_video(threads=...)).
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-threads", str(threads or usable_cores()),
                "-profile:v", "high"]
    if encoder == "hevc_nvenc":
        cmd += ["-tag:v", "hvc1"]  # plays in QuickTime/iOS
    cmd += ["-maxrate", maxrate, "-bufsize", bufsize, "-g", str(timeline.fps * 2),
            "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ar", "48000", "-ac", "2",
            "-movflags", "+faststart+use_metadata_tags", "-t", f"{timeline.duration:.3f}"]
    for key, value in metadata.items():
        cmd += ["-metadata", f"{key}={value}"]
    cmd += ["-f", "mp4", str(out_part)]
    return cmd


def render_video(
    timeline: Timeline,
    out_path: Path,
    work_dir: Path,
    encoder: str = "auto",
    quality: str = "final",
    cancel: CancelToken | None = None,
    on_progress: Callable[[float], None] | None = None,
    metadata: dict[str, str] | None = None,
    threads: int | None = None,
    delivery: str | None = None,
    max_mb: float | None = None,
    compose: str = "cpu",
) -> EncodeResult:
    """Mix the audio, draw every frame, burn the timeline's caption track and encode; out_path appears
    only when complete and checked (a video and an audio stream in a complete MP4).

    threads: x264 threads (default: the usable cores; give cores // workers when several renders
    run at once). delivery / max_mb: a delivery preset (vocab.DELIVERIES) and/or a file-size ceiling.
    compose: where the photo zoom runs (render.gpu.COMPOSE_CHOICES; 'auto' takes a CUDA GPU when
    torch sees one, else the numpy reference path)."""
    from .gpu import compose_device

    device, compose_reason = compose_device(compose)
    cancel = cancel or CancelToken()
    work_dir.mkdir(parents=True, exist_ok=True)
    voice = next((a for a in timeline.audio if a.role == "voice"), None)
    if voice is None:
        raise StudioError("the timeline has no voice track")
    music = next((a for a in timeline.audio if a.role == "music"), None)
    mix_wav = work_dir / "mix.wav"
    report = audio_mix.mix(Path(voice.path), Path(music.path) if music else None,
                           music.gain_db if music else 0.0, timeline.duration, mix_wav)
    cancel.check()

    burn = prepare_burn(timeline, work_dir)

    meta = {"AIGC": aigc_metadata(), "comment": "made with aigc-studio", **(metadata or {})}
    chosen, reason = choose_encoder(encoder)
    # one batch at a time renders into a folder (pipeline.batch.OutputLock), so the name can be fixed
    part = out_path.with_name(f".{out_path.stem}.part.mp4")
    renderer = FrameRenderer(timeline, device)
    warnings: list[str] = []
    try:
        args = _encode(renderer, timeline, mix_wav, burn, part, chosen, quality, meta, work_dir, cancel,
                       on_progress, threads, delivery, max_mb)
    except _EncoderFailed as exc:
        if chosen == "libx264":
            raise StudioError(str(exc)) from None
        log.warning("%s failed mid-render (%s); rendering again with libx264", chosen, exc)
        warnings.append(f"{chosen} failed during the render ({exc}); rendered again with libx264")
        reason += "; failed mid-render, fell back to libx264"
        chosen = "libx264"
        renderer.close()
        renderer = FrameRenderer(timeline, device)
        args = _encode(renderer, timeline, mix_wav, burn, part, chosen, quality, meta, work_dir, cancel,
                       on_progress, threads, delivery, max_mb)
    finally:
        renderer.close()
    problems = check_mp4(part, expect_audio=True)
    if problems:  # never call a file done that would not play
        part.unlink(missing_ok=True)
        raise StudioError(f"the encoder wrote an unplayable video ({'; '.join(problems)}); render it again")
    os.replace(part, out_path)
    return EncodeResult(chosen, reason, args, report.to_dict(), warnings, compose_reason)


class _EncoderFailed(Exception):
    pass


def _encode(renderer: FrameRenderer, timeline: Timeline, mix_wav: Path, burn: str | None, part: Path,
            encoder: str, quality: str, meta: dict[str, str], work_dir: Path, cancel: CancelToken,
            on_progress: Callable[[float], None] | None, threads: int | None = None,
            delivery: str | None = None, max_mb: float | None = None) -> list[str]:
    cmd = _ffmpeg_command(timeline, mix_wav.resolve(), burn, part.resolve(), encoder, quality, meta,
                          threads, delivery, max_mb)
    # unbuffered: each frame is one write straight from the frame buffer, through a 1 MiB pipe
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=work_dir, bufsize=0)
    from .compositor import _grow_pipe

    _grow_pipe(proc.stdin)
    stderr_tail: deque[str] = deque(maxlen=40)

    def drain() -> None:
        assert proc.stderr is not None
        for line in iter(proc.stderr.readline, b""):
            stderr_tail.append(line.decode(errors="replace").rstrip())

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    # Frames come as yuv420p from the renderer's own loop, not through MoviePy's get_frame: that
    # path costs an RGB frame, a copy and a colour conversion in ffmpeg for every frame.
    # (FrameRenderer.clip() still gives MoviePy the same pictures, for previews and effects.)
    frames = renderer.yuv_frames()
    try:
        assert proc.stdin is not None
        for n, frame in enumerate(frames):
            if cancel.cancelled:
                raise Cancelled()
            _write_all(proc.stdin, frame)
            if on_progress and n % 15 == 0:
                on_progress(n / timeline.frames)
        proc.stdin.close()
        code = proc.wait()
    except Cancelled:
        _kill(proc)
        part.unlink(missing_ok=True)
        raise
    except BrokenPipeError:
        code = proc.wait()
    except BaseException:
        _kill(proc)
        part.unlink(missing_ok=True)
        raise
    finally:
        frames.close()
    reader.join(timeout=5)
    if code != 0:
        part.unlink(missing_ok=True)
        text = "\n".join(stderr_tail)
        if "No space left" in text:
            raise DiskFull(f"the disk is full while writing {part.parent}: free some space and render again")
        raise _EncoderFailed(f"ffmpeg ({encoder}) stopped with exit code {code}: {text[-600:] or 'no message'}")
    return cmd[1:]


def _write_all(stream, data: memoryview) -> None:
    """An unbuffered pipe write may take only part of a frame: write the rest."""
    done = stream.write(data)
    while done is not None and done < len(data):
        done += stream.write(data[done:])


def _kill(proc: subprocess.Popen) -> None:
    try:
        if proc.stdin:
            proc.stdin.close()
    except OSError:
        pass
    proc.kill()
    proc.wait()


def write_cover(timeline: Timeline, path: Path) -> None:
    """A JPG cover: the opening frame with the title (a frame after the overlays faded in)."""
    from .compositor import render_still

    frame = min(timeline.frames - 1, timeline.fps)
    image = render_still(timeline, frame)
    tmp = path.with_name(f".{path.stem}.part.jpg")
    image.save(tmp, "JPEG", quality=90)
    os.replace(tmp, path)
