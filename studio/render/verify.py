"""Is a finished MP4 really one? A check of its box structure, cheap enough to run on every render
and on every video a re-run keeps: a file with no streams, a truncated one or a missing index is
never called done."""
from __future__ import annotations

import struct
from pathlib import Path



def _boxes(f, start: int, end: int):
    """(type, payload start, payload end) of the boxes in [start, end)."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        head = 8
        if size == 1:
            big = f.read(8)
            if len(big) < 8:
                return
            size, head = struct.unpack(">Q", big)[0], 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            yield kind, -1, -1  # a box running past the end: the file is cut short
            return
        yield kind, pos + head, pos + size
        pos += size


def check_mp4(path: str | Path, expect_audio: bool = True) -> list[str]:
    """What is wrong with the MP4 at `path` ([] when it holds a complete index, a video track, an audio
    track when `expect_audio`, and media data)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        f = open(path, "rb")
    except OSError as exc:
        return [f"cannot be read ({exc.strerror or exc})"]
    problems: list[str] = []
    handlers: list[bytes] = []
    with f:
        top = list(_boxes(f, 0, size))
        kinds = [k for k, _, _ in top]
        if any(s < 0 for _, s, _ in top):
            problems.append("the file is cut short")
        if b"ftyp" not in kinds:
            problems.append("not an MP4 file")
        if b"mdat" not in kinds:
            problems.append("no media data")
        moov = next(((s, e) for k, s, e in top if k == b"moov" and s >= 0), None)
        if moov is None:
            problems.append("no index (moov box): the encoder did not finish")
        else:
            for kind, s, e in _boxes(f, *moov):
                if kind != b"trak" or s < 0:
                    continue
                for k2, s2, e2 in _boxes(f, s, e):
                    if k2 != b"mdia" or s2 < 0:
                        continue
                    for k3, s3, _ in _boxes(f, s2, e2):
                        if k3 == b"hdlr" and s3 >= 0:
                            f.seek(s3 + 8)  # version/flags, pre_defined
                            handlers.append(f.read(4))
    if moov is not None:
        if b"vide" not in handlers:
            problems.append("no video stream")
        if expect_audio and b"soun" not in handlers:
            problems.append("no audio stream")
    return problems
