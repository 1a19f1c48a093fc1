"""The script as text a merchant edits: the same scene format the templates write.

    [hook overlay="夏天必备"]
    今天给大家挖到一个宝藏好物
    [point image=2]
    316不锈钢内胆

One spoken line per text line; a `[kind ...]` header starts a scene (hook, point, proof, offer, cta).
`line || translation` gives the line's second caption line for the bilingual caption style.
"""
from __future__ import annotations

from ..types import Scene
from ..util import StudioError
from .generate import parse_script_text


def scenes_to_text(scenes: list[Scene]) -> str:
    """Scenes as editable text; `text_to_scenes(scenes_to_text(s)) == s`."""
    blocks = []
    for n, scene in enumerate(scenes):
        attrs = []
        if scene.image != n:
            attrs.append(f"image={scene.image + 1}")
        if scene.overlay:
            attrs.append('overlay="{}"'.format(scene.overlay.replace('"', "'")))
        header = f"[{scene.kind}{' ' if attrs else ''}{' '.join(attrs)}]"
        lines = [f"{line} || {scene.translation_of(i)}" if scene.translation_of(i) else line
                 for i, line in enumerate(scene.lines)]
        blocks.append("\n".join([header, *lines]))
    return "\n\n".join(blocks) + "\n"


def text_to_scenes(text: str) -> list[Scene]:
    """Parse edited script text; a StudioError names the line that is wrong."""
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("[") and not line.endswith("]") and "]" in line:
            header = line[: line.index("]") + 1]
            raise StudioError(f"line {n}: put the scene header '{header}' on its own line")
        if line.startswith("[") and line.count('"') % 2:
            raise StudioError(f"line {n}: a quote in the scene header is not closed")
    try:
        return parse_script_text(text, "edited script")
    except ValueError as exc:  # shlex on a malformed header
        raise StudioError(f"edited script: {exc}") from exc


def spoken_line_blocks(text: str) -> list[int]:
    """For each spoken line of `text` (in order), the 0-based text line it is on."""
    out = []
    for n, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if line and not (line.startswith("[") and line.endswith("]")):
            out.append(n)
    return out
