"""Imagery stage: AI backgrounds from a local diffusers model (product -> scene backdrops).

A product with one or two photos makes a dull 20 s video: the same picture over and over. With a
text-to-image model on disk (any diffusers pipeline folder, e.g. a Stable Diffusion checkpoint saved
with `save_pretrained`), the studio paints backdrops that suit the product's category and shows the
product photo on a card over them. Nothing is downloaded: the model folder is the merchant's, loaded
with `local_files_only` and the hub switched off. On a CUDA GPU the model runs in fp16; on the CPU it
runs in fp32 (slow for a full-size model: minutes per image). Images are cached by model, prompt,
seed, steps and size, so a re-render does not paint them again.
"""
from __future__ import annotations

import inspect
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import cache
from .types import Product
from .util import CancelToken, StudioError, sha1_of

# what a backdrop shows, by product family (compliance.rules.FAMILIES); SD models read English
_SCENES = {
    "beauty": "a marble bathroom vanity with soft morning light and a few green leaves",
    "food": "a rustic wooden kitchen table by a window with warm natural light",
    "pets": "a bright cozy living room floor with a soft rug and sunlight",
    "baby": "a soft pastel nursery with warm gentle light",
    "digital": "a tidy modern desk with soft gradient lighting",
    "apparel": "a bright minimal studio with soft shadows and a clothing rail",
    "home": "a bright modern home interior with soft daylight",
}
_DEFAULT_SCENE = "a clean bright studio backdrop with a soft gradient and gentle light"
_SHOTS = ("wide shot, empty space in the middle", "close-up of the surface, shallow depth of field",
          "seen from slightly above, soft bokeh")
NEGATIVE_PROMPT = "text, letters, watermark, logo, people, hands, faces, blurry, low quality, distorted"
_HOME_WORDS = ("home", "kitchen", "furniture", "家居", "厨", "家纺", "日用", "家电")
_DIGITAL_WORDS = ("digital", "electronic", "数码", "电子", "3c", "手机", "电脑", "耳机")
_APPAREL_WORDS = ("apparel", "clothing", "fashion", "shoe", "服装", "服饰", "鞋", "衣")


@dataclass
class Backgrounds:
    """What the imagery stage made (recorded in the manifest)."""

    paths: list[Path]
    model: str
    prompts: list[str]
    seed: int
    steps: int
    size: tuple[int, int]
    device: str
    cached: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"model": self.model, "prompts": self.prompts, "negative_prompt": NEGATIVE_PROMPT, "seed": self.seed,
                "steps": self.steps, "size": list(self.size), "device": self.device, "images": len(self.paths),
                "cached": self.cached, "seconds": round(self.seconds, 2)}


def background_prompt(product: Product, index: int = 0, prompt: str = "") -> str:
    """The English prompt for backdrop `index` of a product: the template's `background_prompt`
    when it has one, else a scene that suits the product's category; each index frames it anew."""
    if not prompt:
        from .compliance.rules import families

        category = (product.category or "").lower()
        found = families(category)  # one family, or none of them (another kind of goods), or all (unknown)
        family = next(iter(found)) if len(found) == 1 else ""
        if not found:
            family = next((name for name, words in (("home", _HOME_WORDS), ("digital", _DIGITAL_WORDS),
                                                    ("apparel", _APPAREL_WORDS)) if any(w in category for w in words)), "")
        prompt = _SCENES.get(family, _DEFAULT_SCENE)
    return f"{prompt}, {_SHOTS[index % len(_SHOTS)]}, product photography background, high quality"


_pipes: dict[tuple[str, str], tuple[object, str]] = {}
_lock = threading.Lock()


def resolve_device(device: str = "auto") -> str:
    """'cuda' when asked for or (auto) when torch sees a GPU, else 'cpu'."""
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise StudioError("the GPU was asked for, but torch sees no CUDA device; use the CPU (GPU setting: off/auto)")
    if device in ("cpu", "cuda"):
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_pipeline(model_dir: str | Path, device: str = "auto"):
    """The diffusers pipeline in `model_dir` (loaded once per process): (pipeline, device)."""
    folder = Path(model_dir).expanduser()
    if not (folder / "model_index.json").is_file():
        raise StudioError(f"the diffusers model folder '{folder}' has no model_index.json: choose a folder saved with "
                          "diffusers' save_pretrained (Settings -> diffusers model, or --diffusers-model)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub
    try:
        import torch
        from diffusers import DiffusionPipeline
    except ImportError as exc:
        raise StudioError(f"diffusers is not installed ({exc}); run: bash scripts/bootstrap.sh") from exc
    device = resolve_device(device)
    key = (str(folder.resolve()), device)
    with _lock:
        if key not in _pipes:
            dtype = torch.float16 if device == "cuda" else torch.float32
            try:
                pipe = DiffusionPipeline.from_pretrained(folder, local_files_only=True, dtype=dtype)
            except Exception as exc:  # a partial download, a missing component, a model of another kind
                raise StudioError(f"could not load the diffusers model in '{folder}': {exc}") from exc
            if "prompt" not in inspect.signature(pipe.__call__).parameters:
                raise StudioError(f"'{folder}' holds a {type(pipe).__name__}, not a text-to-image model")
            pipe = pipe.to(device)
            pipe.set_progress_bar_config(disable=True)
            _pipes[key] = (pipe, device)
        return _pipes[key]


def _model_stamp(folder: Path) -> str:
    """Changes when the model's files change (name, size and time of every file)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return sha1_of(*(f"{p.relative_to(folder)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files))


def generate_backgrounds(
    product: Product,
    model_dir: str | Path,
    count: int,
    out_dir: Path,
    *,
    prompt: str = "",
    seed: int = 0,
    steps: int = 20,
    size: tuple[int, int] = (512, 912),
    frame: tuple[int, int] = (1080, 1920),
    device: str = "auto",
    cancel: CancelToken | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Backgrounds:
    """Paint `count` backdrops for a product at `size` (width, height; multiples of 8), scaled to fill
    `frame`, into `out_dir` (PNG). Cached images are reused; a cancel stops between denoising steps."""
    from PIL import Image

    folder = Path(model_dir).expanduser()
    if size[0] % 8 or size[1] % 8:
        raise StudioError(f"AI background size {size[0]}x{size[1]} must be multiples of 8")
    started = time.perf_counter()
    pipe, used = None, resolve_device(device)
    out_dir.mkdir(parents=True, exist_ok=True)
    prompts = [background_prompt(product, i, prompt) for i in range(count)]
    keys = _cache_keys(folder, prompts, seed, steps, size, frame)
    paths: list[Path] = []
    cached = 0
    for i, (text, key) in enumerate(zip(prompts, keys)):
        target = out_dir / f"background_{i + 1}.png"
        hit = cache.cached_image(key)
        if hit is not None:
            shutil.copyfile(hit, target)
            paths.append(target)
            cached += 1
            continue
        if pipe is None:
            pipe, used = load_pipeline(folder, device)
        image = _paint(pipe, used, text, seed + i, steps, size, cancel,
                       (lambda f, i=i: on_progress((i + f) / count)) if on_progress else None)
        image = _fill(image.convert("RGB"), frame, Image)
        part = target.with_name(f".{target.name}.part")
        image.save(part, "PNG")
        os.replace(part, target)
        cache.store_image(key, target)
        paths.append(target)
    if on_progress:
        on_progress(1.0)
    return Backgrounds(paths, str(folder), prompts, seed, steps, size, used, cached, time.perf_counter() - started)


def _cache_keys(folder: Path, prompts: list[str], seed: int, steps: int, size: tuple[int, int],
                frame: tuple[int, int]) -> list[str]:
    """The cache key of each prompt's picture: model files, prompt, seed, steps and sizes."""
    stamp = _model_stamp(folder) if folder.is_dir() else ""
    return [cache.image_key(stamp, text, NEGATIVE_PROMPT, *(str(v) for v in (seed + i, steps, *size, *frame)))
            for i, text in enumerate(prompts)]


def cached_backgrounds(product: Product, model_dir: str | Path, count: int, *, prompt: str = "", seed: int = 0,
                       steps: int = 20, size: tuple[int, int] = (512, 912),
                       frame: tuple[int, int] = (1080, 1920), **_) -> list[Path]:
    """The backdrops a render with these settings painted already (all of them, or none): what the
    live preview shows without painting anything."""
    folder = Path(model_dir).expanduser()
    if not folder.is_dir():
        return []
    keys = _cache_keys(folder, [background_prompt(product, i, prompt) for i in range(count)], seed, steps,
                       tuple(size), tuple(frame))
    hits = [cache.cached_image(key) for key in keys]
    return hits if all(hits) else []


def _paint(pipe, device: str, prompt: str, seed: int, steps: int, size: tuple[int, int], cancel, on_step):
    import torch

    def step_end(_pipe, step, _timestep, kwargs):
        if cancel:
            cancel.check()
        if on_step:
            on_step((step + 1) / steps)
        return kwargs

    accepted = inspect.signature(pipe.__call__).parameters
    extra = {k: v for k, v in (("negative_prompt", NEGATIVE_PROMPT), ("callback_on_step_end", step_end))
             if k in accepted}  # pipelines differ in what they take
    for attempt in range(3):
        generator = torch.Generator(device="cpu").manual_seed(seed + 7919 * attempt)  # the same image on CPU and GPU
        try:
            with torch.inference_mode():
                result = pipe(prompt, num_inference_steps=steps, width=size[0], height=size[1], generator=generator,
                              **extra)
        except RuntimeError as exc:  # torch.cuda.OutOfMemoryError is one
            if "out of memory" in str(exc).lower():
                raise StudioError(f"the {device.upper()} ran out of memory painting a {size[0]}x{size[1]} background: "
                                  "paint smaller (--ai-size 384x680) or on the CPU (GPU setting: off)") from exc
            raise
        flagged = getattr(result, "nsfw_content_detected", None)
        if not (flagged and flagged[0]):
            return result.images[0]
        # the model's own safety checker blacked the picture out: paint it again from another seed
    raise StudioError(f"the model's safety checker rejected every background painted for '{prompt[:60]}…'; "
                      "set another background_prompt in the template, or AI backgrounds to 0")


def _fill(image, frame: tuple[int, int], Image):
    """Scale and centre-crop to cover `frame` exactly."""
    scale = max(frame[0] / image.width, frame[1] / image.height)
    resized = image.resize((max(frame[0], round(image.width * scale)), max(frame[1], round(image.height * scale))),
                           Image.LANCZOS)
    left, top = (resized.width - frame[0]) // 2, (resized.height - frame[1]) // 2
    return resized.crop((left, top, left + frame[0], top + frame[1]))


__all__ = ["Backgrounds", "NEGATIVE_PROMPT", "background_prompt", "cached_backgrounds", "generate_backgrounds",
           "load_pipeline", "resolve_device"]
