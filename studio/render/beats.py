"""The music's beats, for cutting on them: tracked by librosa, tiled the way the mix loops the track.

`beat_grid(music, duration)` decodes the track (the same ffmpeg decode the mix uses), runs librosa's
beat tracker once per file and repeats the beats of one pass over the track for as long as the video
runs, since the mix (studio/render/audio.py) loops the track from its start. The bundled tracks and
a merchant's own music go through the same path.

Importing librosa compiles numba code (about 6 CPU-seconds per process), so a tracked result is kept:
in memory, on disk by the file's content hash (unless STUDIO_CACHE=off), and for the bundled tracks
in a `<track>.beats.json` beside them (written by `python -m studio.render.beats TRACK`, holding the
track's hash: a changed track is tracked again).

numba keeps librosa's compiled code in a cache of its own, and two processes writing it at once leave
it corrupt: every later process that loads it dies of a segmentation fault (seen with two batch
workers and with a render farm on a fresh install). So that cache lives in the studio's folder, not in
site-packages (which may also be read-only), and one process at a time runs the tracker
(`librosa_lock`, a cross-process file lock).
"""
from __future__ import annotations

import bisect
import json
import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..util import StudioError, sha1_of

log = logging.getLogger(__name__)
_tracker_lock = threading.Lock()

ANALYSIS_RATE = 22050  # librosa's own default rate: its tracker is tuned for it
HOP = 128  # samples between onset-strength frames (5.8 ms)
REFINE_S = 0.07  # a tracked beat moves to the strongest onset this close
BEATS_VERSION = "2"


@dataclass(frozen=True)
class BeatGrid:
    """Beat times in seconds from the video's start, the tempo and the track's loop length."""

    times: tuple[float, ...]
    tempo_bpm: float = 0.0
    loop_s: float = 0.0
    source: str = ""

    def nearest(self, t: float) -> float | None:
        """The beat nearest to `t`, or None when there are no beats."""
        if not self.times:
            return None
        i = bisect.bisect_left(self.times, t)
        best = [self.times[k] for k in (i - 1, i) if 0 <= k < len(self.times)]
        return min(best, key=lambda b: abs(b - t))

    def snap(self, t: float, tolerance_s: float) -> float:
        """`t` moved to the nearest beat when one is within `tolerance_s`, else `t` unchanged."""
        b = self.nearest(t)
        return b if b is not None and abs(b - t) <= tolerance_s else t

    def between(self, a: float, b: float) -> list[float]:
        """The beats in [a, b)."""
        return list(self.times[bisect.bisect_left(self.times, a):bisect.bisect_left(self.times, b)])

    def to_dict(self) -> dict:
        return {"tempo_bpm": round(self.tempo_bpm, 2), "loop_s": round(self.loop_s, 3), "source": self.source,
                "beats": len(self.times)}


NO_BEATS = BeatGrid(())

_memo: dict[str, tuple[tuple[float, ...], float, float]] = {}
_lock = threading.Lock()


def track_beats(music: Path) -> tuple[tuple[float, ...], float, float]:
    """(beat times within one pass of the track, tempo in BPM, track length in s), by librosa."""
    music = Path(music)
    try:
        st = music.stat()
    except OSError as exc:
        raise StudioError(f"music not found: {music}") from exc
    memo_key = f"{music.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    with _lock:
        if memo_key in _memo:
            return _memo[memo_key]
    from ..cache import cache_dir

    root = cache_dir()
    key = sha1_of(BEATS_VERSION, "beats", music.read_bytes())
    entry = root / "beats" / f"{key}.json" if root else None
    for stored in (sidecar_path(music), entry):
        if stored is None or not stored.is_file():
            continue
        try:
            d = json.loads(stored.read_text(encoding="utf-8"))
            if d.get("key", key) != key:
                continue  # a sidecar of another version of the track
            found = (tuple(d["beats"]), float(d["tempo"]), float(d["length"]))
            with _lock:
                _memo[memo_key] = found
            return found
        except (OSError, ValueError, KeyError):
            log.warning("beat file %s is unreadable; tracking the beats again", stored)
    found = _track(music)
    if entry is not None:
        try:
            _write(entry, found, key)
        except OSError:
            log.warning("could not cache the beats of %s", music, exc_info=True)
    with _lock:
        _memo[memo_key] = found
    return found


def sidecar_path(music: Path) -> Path:
    """Where a track's shipped beats live: `<track>.beats.json` beside it."""
    return music.with_name(music.name + ".beats.json")


def _track(music: Path) -> tuple[tuple[float, ...], float, float]:
    from .audio import decode_audio

    y = decode_audio(music, rate=ANALYSIS_RATE, channels=1)[:, 0]
    if len(y) < ANALYSIS_RATE:
        raise StudioError(f"{music}: the music is shorter than a second; beats cannot be tracked")
    with _tracker_lock, librosa_lock():  # threads of this process, then the other processes
        return _track_locked(y)


def librosa_lock():
    """A cross-process lock, held while librosa's numba code is compiled, cached or loaded.

    Also points numba's cache at `<STUDIO_HOME>/numba` (unless NUMBA_CACHE_DIR names another
    folder) before librosa is first imported, so the compiled code is shared by the studio's
    processes and never written into site-packages.
    """
    from filelock import FileLock

    from ..util import data_home

    folder = Path(os.environ.get("NUMBA_CACHE_DIR") or data_home() / "numba")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        import tempfile

        log.warning("cannot write %s; numba's cache goes to the temporary folder", folder, exc_info=True)
        folder = Path(tempfile.gettempdir()) / "aigc-studio-numba"
        folder.mkdir(parents=True, exist_ok=True)
    if os.environ.get("NUMBA_CACHE_DIR") != str(folder) and "librosa" not in sys.modules:
        os.environ["NUMBA_CACHE_DIR"] = str(folder)
        if "numba" in sys.modules:  # Whisper's timing code imported numba first: re-read the setting
            import numba.core.config

            numba.core.config.reload_config()
    return FileLock(str(folder / "librosa.lock"))


def _track_locked(y: np.ndarray) -> tuple[tuple[float, ...], float, float]:
    import librosa

    # a fine hop (5.8 ms) for the tracker, then each beat moved to the strongest onset within 70 ms:
    # the tracker's grid is regular, the music's hits are where the cuts should land
    envelope = librosa.onset.onset_strength(y=y, sr=ANALYSIS_RATE, hop_length=HOP)
    tempo, frames = librosa.beat.beat_track(onset_envelope=envelope, sr=ANALYSIS_RATE, hop_length=HOP, trim=False)
    times = librosa.frames_to_time(np.arange(len(envelope)), sr=ANALYSIS_RATE, hop_length=HOP)
    reach = int(round(REFINE_S * ANALYSIS_RATE / HOP))
    beats = []
    for f in np.atleast_1d(frames):
        lo, hi = max(0, int(f) - reach), min(len(envelope), int(f) + reach + 1)
        beats.append(round(float(times[lo + int(np.argmax(envelope[lo:hi]))]), 4))
    return tuple(sorted(set(beats))), float(np.atleast_1d(tempo)[0]), len(y) / ANALYSIS_RATE


def _write(path: Path, found: tuple, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": key, "tracker": "librosa.beat.beat_track, hop 128, refined to onset peaks", "beats": found[0],
                               "tempo": round(found[1], 3), "length": round(found[2], 4)}, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def write_sidecar(music: Path) -> Path:
    """Track `music`'s beats with librosa and store them beside it (for tracks shipped with the studio)."""
    music = Path(music)
    found = _track(music)
    path = sidecar_path(music)
    _write(path, found, sha1_of(BEATS_VERSION, "beats", music.read_bytes()))
    return path


def beat_grid(music: Path | None, duration: float) -> BeatGrid:
    """The beats of `music` over a video of `duration` seconds (the track looped from its start, as
    the mix plays it); NO_BEATS without music."""
    if music is None:
        return NO_BEATS
    beats, tempo, length = track_beats(Path(music))
    if not beats or length <= 0:
        return BeatGrid((), tempo, length, str(music))
    times: list[float] = []
    period = 60.0 / tempo if tempo > 0 else 0.5
    offset = 0.0
    while offset < duration:
        for b in beats:
            t = offset + b
            # where the loop joins, a beat of the next pass closer than half a beat to the last one is the same beat
            if times and t - times[-1] < period * 0.5:
                continue
            if t < duration:
                times.append(round(t, 4))
        offset += length
    return BeatGrid(tuple(times), tempo, length, str(music))


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        print(write_sidecar(Path(arg)))
