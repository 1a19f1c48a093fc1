"""Product + template -> Script (scenes of narrated lines), seeded and reproducible.

The template's output is plain text in sections:

    [hook overlay="Short headline"]
    One narrated sentence per line.
    [point image=2 overlay="Waterproof"]
    ...

Scene kinds: hook, point, proof, offer, cta. `image` picks the product photo (1-based, wraps),
`overlay` is a short on-screen headline.
"""
from __future__ import annotations

import random
import re
import shlex
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..types import Product, Scene, Script
from ..util import StudioError
from .templates import Template

SCENE_KINDS = ("hook", "point", "proof", "offer", "cta")
_HEADER = re.compile(r"^\[(\w+)(.*)\]\s*$")
_SPEC = re.compile(
    r"\d+(?:\.\d+)?\s*(?:kg|g|mg|ml|l|磅|斤|克|千克|毫升|升|袋|片|支|粒|包|盒|瓶|罐|件|只|个|cm|mm|寸)"
    r"(?:\s*[*x×]\s*\d+\s*(?:袋|片|支|粒|包|盒|瓶|罐|件|只|个)?)?(?:装)?",
    re.IGNORECASE,
)
_NOISE = re.compile(r"【[^】]*】|\[[^\]]*\]|（[^）]*）|\([^)]*\)|原装进口|进口|包邮|正品|官方|旗舰店|新款|爆款")


def short_name(name: str, max_chars: int = 14) -> str:
    """A speakable short name from a long marketplace title (drops specs, brackets, shop words)."""
    text = _NOISE.sub(" ", name)
    text = _SPEC.sub(" ", text)
    parts = [p for p in re.split(r"\s+", text) if p]
    if not parts:
        return name.strip()[:max_chars]
    candidate = " ".join(parts)
    if not re.search(r"[\u4e00-\u9fff]", candidate):  # Latin names: keep whole words, allow longer
        words, out = candidate.split(), ""
        for w in words:
            if out and len(out) + 1 + len(w) > max_chars * 2:
                break
            out = f"{out} {w}".strip()
        return out
    if len(candidate) <= max_chars:
        return candidate
    # keep the longest chunk that carries the product noun (usually the last CJK chunk)
    cjk = [p for p in parts if re.search(r"[\u4e00-\u9fff]", p)]
    best = max(cjk or parts, key=len)
    return best[:max_chars]


def _format_price(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def template_context(product: Product, rng: random.Random, variant: int) -> dict:
    """The variables a template sees (documented in the README)."""
    points = list(product.selling_points)
    if variant > 0 and len(points) > 1:
        head, rest = points[:1], points[1:]
        rng.shuffle(rest)
        points = head + rest if variant % 2 else rest + head

    def pick(options):
        options = list(options)
        if not options:
            return ""
        return options[rng.randrange(len(options))]

    currency = product.extra.get("currency") or product.extra.get("货币") or ("¥" if product.language == "zh" else "$")
    return {
        "name": product.name,
        "short_name": short_name(product.name),
        "price": product.price,
        "price_display": _format_price(product.price),
        "original_price": product.original_price,
        "original_price_display": _format_price(product.original_price),
        "currency": currency,
        "points": points,
        "category": product.category,
        "audience": product.audience,
        "brand": product.brand,
        "offer": product.offer,
        "platform": product.platform,
        "language": product.language,
        "extra": dict(product.extra),
        "variant": variant,
        "pick": pick,
    }


def _environment(folder: Path) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["lower_first"] = _lower_first
    return env


def _template_line(exc: BaseException, filename: str) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_template_text(template: Template, product: Product, variant: int = 0, seed: int = 0) -> str:
    """Render script.j2 for a product; errors name the template, line and variable."""
    rng = random.Random(f"{seed}:{variant}:{product.name}")
    env = _environment(template.folder)
    where = template.folder / "script.j2"
    try:
        jt = env.get_template("script.j2")
        return jt.render(template_context(product, rng, variant))
    except jinja2.TemplateSyntaxError as exc:
        raise StudioError(f"template '{template.name}' ({where}), line {exc.lineno}: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        line = _template_line(exc, str(where))
        at = f", line {line}" if line else ""
        raise StudioError(
            f"template '{template.name}' ({where}){at}: {exc.message} "
            "- check the variable name against the list in the README"
        ) from exc
    except SecurityError as exc:
        raise StudioError(f"template '{template.name}' ({where}): blocked an unsafe operation ({exc})") from exc
    except Exception as exc:
        line = _template_line(exc, str(where))
        at = f", line {line}" if line else ""
        raise StudioError(f"template '{template.name}' ({where}){at}: {type(exc).__name__}: {exc}") from exc


def parse_script_text(text: str, template_name: str = "?") -> list[Scene]:
    """Split rendered template text into scenes (see the module docstring for the format)."""
    scenes: list[Scene] = []
    current: Scene | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _HEADER.match(line)
        if m:
            kind = m.group(1).lower()
            if kind not in SCENE_KINDS:
                raise StudioError(
                    f"template '{template_name}': unknown scene '[{kind}]'; use one of {', '.join(SCENE_KINDS)}"
                )
            attrs = {}
            for token in shlex.split(m.group(2)):
                if "=" in token:
                    key, value = token.split("=", 1)
                    attrs[key] = value
            image = int(attrs["image"]) - 1 if attrs.get("image", "").isdigit() else len(scenes)
            current = Scene(kind=kind, lines=[], image=max(image, 0), overlay=attrs.get("overlay", ""))
            scenes.append(current)
            continue
        if current is None:
            current = Scene(kind="hook", lines=[], image=0)
            scenes.append(current)
        current.lines.append(line)
    scenes = [s for s in scenes if s.lines]
    if not scenes:
        raise StudioError(f"template '{template_name}' produced no spoken lines for this product")
    return scenes


def estimate_seconds(lines: list[str], language: str, speed: float = 1.0) -> float:
    """Narration length from reading speed: about 4.5 Chinese characters or 2.6 English words a second,
    plus the pause between lines."""
    if language == "zh":
        spoken = sum(len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z]+|\d", line)) for line in lines) / 4.5
    else:
        spoken = sum(len(line.split()) for line in lines) / 2.6
    return round(spoken / max(speed, 0.1) + 0.3 * len(lines) + 0.5, 1)


def generate_script(product: Product, template: Template, variant: int = 0, seed: int = 0) -> Script:
    """Render the template for one product and variant. Variant v never repeats the text of an
    earlier variant of the same product and seed when the template offers any other choice."""
    earlier = {render_template_text(template, product, v, seed) for v in range(variant)}
    text = render_template_text(template, product, variant, seed)
    attempt = 0
    while text in earlier and attempt < 20:  # re-roll the choices, reproducibly
        attempt += 1
        text = render_template_text(template, product, variant, seed * 1000 + 7919 * attempt)
    scenes = parse_script_text(text, template.name)
    warnings = []
    if template.language != product.language:
        warnings.append(
            f"template '{template.name}' is {template.language} but the product is {product.language}"
        )
    return Script(
        scenes=scenes,
        language=template.language,
        template=template.name,
        template_hash=template.hash,
        variant=variant,
        seed=seed,
        warnings=warnings,
    )


__all__ = ["estimate_seconds", "generate_script", "parse_script_text", "render_template_text", "short_name", "template_context"]
