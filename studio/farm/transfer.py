"""Files between the driver and a farm worker that share no disk. Engine-agnostic.

On the driver: `pack` reads every file a render plan reads (photos, clips, the merchant's
recording, the music) into a `ShippedRender`. On the worker: `stage_plan` writes them into a
staging folder and rewrites the plan's paths to it (and the output folder to a worker-local one);
`collect_outputs` reads what the render made (video, captions, cover, manifest) and puts the
driver's paths back into the manifest. On the driver again: `place_outputs` writes each file under
a hidden part name, flushes it to disk and renames it into place, the manifest last, so the output
folder never holds a half-written file and a folder with a manifest holds a finished video.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..core.errors import StudioError
from ..pipeline.plan import RenderPlan
from ..types import Problem, RenderResult
from ..util import fsync_folder

MANIFEST_SUFFIX = ".json"


@dataclass(frozen=True)
class ShippedRender:
    """One render as it travels to a worker: the driver's plan (its paths are the driver's), the
    sheet's notes about its row, and the bytes of every file it reads, by the driver's path."""

    index: int  # the job's index in the batch
    plan: RenderPlan
    notes: tuple[Problem, ...]
    files: tuple[tuple[str, bytes], ...]  # (driver path, content)

    @property
    def size(self) -> int:
        return sum(len(data) for _, data in self.files)


@dataclass(frozen=True)
class RenderOutcome:
    """What comes back from a worker: the result (file paths as bare names), the files in the
    order they are to be placed (the manifest last), and where it ran."""

    result: RenderResult
    files: tuple[tuple[str, bytes], ...]
    node: str
    pid: int


def inputs_of(plan: RenderPlan) -> list[Path]:
    """Every file of the driver's that the render reads, each once: photos and clips, the
    merchant's recording, the music. (Fonts come with the studio; model folders are each node's.)"""
    paths = [*plan.product.images]
    for extra in (plan.product.recording, plan.voice.recording, plan.music):
        if extra is not None:
            paths.append(extra)
    unique: dict[str, Path] = {}
    for p in paths:
        unique.setdefault(str(p), Path(p))
    return list(unique.values())


def pack(index: int, plan: RenderPlan, notes: Sequence[Problem] = ()) -> ShippedRender:
    """The render with the bytes of its inputs (a file that cannot be read fails here, on the
    driver, with its name)."""
    files = []
    for path in inputs_of(plan):
        try:
            files.append((str(path), path.read_bytes()))
        except OSError as exc:
            raise StudioError(f"{plan.product.name}: could not read {path} to send it to the farm ({exc.strerror or exc})") from exc
    return ShippedRender(index, plan, tuple(notes), tuple(files))


def stage_plan(shipped: ShippedRender, staging: Path) -> RenderPlan:
    """Write the shipped files under `staging/in` and return the plan rewritten to read them there
    and to render into `staging/out`; the studio's own font is this node's."""
    from ..util import cjk_font_path

    inputs = staging / "in"
    inputs.mkdir(parents=True, exist_ok=True)
    local: dict[str, Path] = {}
    for original, data in shipped.files:
        digest = hashlib.sha1(data).hexdigest()[:16]
        # the content's hash as the name (the driver's may not be valid here); the suffix tells the media kind
        target = inputs / f"{digest}{Path(original).suffix.lower()}"
        if not target.exists():
            target.write_bytes(data)
        local[original] = target

    def moved(path):
        return None if path is None else local.get(str(path), Path(path))

    plan = shipped.plan
    product = dataclasses.replace(plan.product, images=[moved(p) for p in plan.product.images],
                                  recording=moved(plan.product.recording))
    out = staging / "out"
    out.mkdir(parents=True, exist_ok=True)
    return dataclasses.replace(
        plan, product=product, voice=dataclasses.replace(plan.voice, recording=moved(plan.voice.recording)),
        music=moved(plan.music), options=dataclasses.replace(plan.options, out_dir=out),
        video_style=dataclasses.replace(plan.video_style, font_path=cjk_font_path()),
    )


def check_node_models(plan: RenderPlan, node: str) -> None:
    """Model folders are not shipped (hundreds of MB to GB): each node needs them at the same path."""
    o = plan.options
    for what, path, setting in (("Whisper model", o.whisper_model, "whisper-model"),
                                ("diffusers model", o.diffusers_model if plan.ai_backgrounds else None,
                                 "diffusers-model")):
        if path and not Path(path).exists():
            raise StudioError(f"the {what} {path} is not on farm node {node}: copy it to the same path on every "
                              f"node, or clear the setting (main.py settings --{setting} '') to use the built-in one")


def collect_outputs(result: RenderResult, shipped: ShippedRender, staged: RenderPlan,
                    farm: Mapping[str, object]) -> tuple[RenderResult, tuple[tuple[str, bytes], ...]]:
    """The files a finished render made in its staging folder, the manifest last with the driver's
    paths put back and `farm` (node, worker, pid) added; and the result with bare file names."""
    out = Path(staged.options.out_dir)
    stem = staged.stem
    made = sorted(p for p in out.iterdir() if p.is_file() and p.name.startswith(f"{stem}.") and not p.name.startswith("."))
    manifest_name = f"{stem}{MANIFEST_SUFFIX}"
    files = [(p.name, p.read_bytes()) for p in made if p.name != manifest_name]
    manifest = json.loads((out / manifest_name).read_text(encoding="utf-8"))
    back = {str(local): original for original, local in _staged_paths(shipped, staged)}
    back[str(out)] = str(shipped.plan.options.out_dir)
    manifest = rehome(manifest, back)
    manifest["farm"] = dict(farm)
    files.append((manifest_name, json.dumps(manifest, ensure_ascii=False, indent=2, default=str).encode("utf-8")))

    def bare(p):
        return Path(p.name) if p is not None else None

    result = dataclasses.replace(result, video=bare(result.video), srt=bare(result.srt),
                                 cover=bare(result.cover), manifest=bare(result.manifest))
    return result, tuple(files)


def _staged_paths(shipped: ShippedRender, staged: RenderPlan):
    originals = [*shipped.plan.product.images, shipped.plan.product.recording, shipped.plan.music]
    locals_ = [*staged.product.images, staged.product.recording, staged.music]
    return [(str(o), str(s)) for o, s in zip(originals, locals_) if o is not None and s is not None]


def rehome(value, paths: Mapping[str, str]):
    """`value` (decoded JSON) with every string that starts with a key of `paths` starting with its
    value instead: the worker's staging paths become the driver's."""
    if isinstance(value, str):
        for local, original in paths.items():
            if value.startswith(local):
                return original + value[len(local):]
        return value
    if isinstance(value, list):
        return [rehome(v, paths) for v in value]
    if isinstance(value, dict):
        return {k: rehome(v, paths) for k, v in value.items()}
    return value


def place_outputs(out_dir: Path, files: Sequence[tuple[str, bytes]]) -> dict[str, Path]:
    """Write each (name, content) into out_dir atomically: a hidden part file, flushed to disk, then
    renamed over the name; in the given order (the manifest last). An earlier manifest of the same
    video is removed first, so a placement cut short leaves a video that is rendered again, never a
    manifest beside a video it does not describe. On any error the part files are removed and the
    error raised (ENOSPC stays an OSError with its errno)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, _ in files:
        if name.endswith(MANIFEST_SUFFIX):
            (out_dir / name).unlink(missing_ok=True)
    placed: dict[str, Path] = {}
    part = None
    try:
        for name, data in files:
            target = out_dir / name
            part = out_dir / f".{target.stem}.part{target.suffix}"
            with open(part, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(part, target)
            part = None
            placed[name] = target
    except BaseException:
        if part is not None:
            part.unlink(missing_ok=True)
        raise
    fsync_folder(out_dir)
    return placed


def placed_result(result: RenderResult, out_dir: Path, node: str) -> RenderResult:
    """The worker's result with its bare file names made paths in the driver's output folder."""
    def there(p):
        return Path(out_dir) / p.name if p is not None else None

    return dataclasses.replace(result, video=there(result.video), srt=there(result.srt),
                               cover=there(result.cover), manifest=there(result.manifest), node=node)


__all__ = ["RenderOutcome", "ShippedRender", "check_node_models", "collect_outputs", "inputs_of", "pack",
           "place_outputs", "placed_result", "rehome", "stage_plan"]
