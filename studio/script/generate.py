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

import logging
import random
import re
import shlex
import threading
from pathlib import Path

import jinja2
from jinja2.sandbox import SecurityError

from ..core.text import HAN, has_han
from ..currency import currency_for
from ..marketplace import category_path, dedupe_points, drawable, screen_text, speakable_point, spoken_category
from ..types import Product, Scene, Script
from ..util import StudioError
from .facts import extract_facts, short_name
from .sandbox import environment, render_limited

log = logging.getLogger(__name__)
from .templates import DEFAULT_PAUSE, DEFAULT_RATE, FitRules, Template

SCENE_KINDS = ("hook", "point", "proof", "offer", "cta")
_HEADER = re.compile(r"^\[(\w+)(.*)\]\s*$")

# sheet columns (kept in Product.extra) a template can use to say more, by what they hold
MATERIAL_COLUMNS = {
    "details": ("详情", "商品详情", "描述", "商品描述", "说明", "介绍", "产品介绍", "details", "detail", "description"),
    "reviews": ("评价", "口碑", "买家评价", "用户评价", "好评", "reviews", "review", "testimonials", "testimonial"),
    "usage": ("用法", "使用方法", "使用说明", "食用方法", "吃法", "怎么用", "usage", "howtouse", "directions"),
    "service": ("售后", "服务", "保障", "售后服务", "guarantee", "warranty", "service", "returns"),
}
_SENTENCE_END = {"zh": re.compile(r"[。！？!?；;\n]+"), "en": re.compile(r"(?<=[.!?;])\s+|\n+")}


def _format_price(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _is_short(text: str, limit: int) -> bool:
    """Template test `x is short(n)`: at most n words (Latin text) or n characters (Chinese text)."""
    text = str(text).strip()
    if has_han(text):
        return len(re.sub(r"\s", "", text)) <= limit
    return len(text.split()) <= limit


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(header)).lower()


def material(product: Product) -> dict[str, list[str]]:
    """Sentences from the sheet's detail, review, usage and service columns, by kind."""
    out: dict[str, list[str]] = {k: [] for k in MATERIAL_COLUMNS}
    columns = {_norm(k): v for k, v in product.extra.items()}
    splitter = _SENTENCE_END["zh" if product.language == "zh" else "en"]
    for kind, names in MATERIAL_COLUMNS.items():
        for name in names:
            text = str(columns.get(_norm(name)) or "").strip()
            if not text:
                continue
            for sentence in splitter.split(text):
                sentence = sentence.strip().rstrip("。.！!；;，,、 ")
                if sentence and sentence not in out[kind]:
                    out[kind].append(sentence)
    return out


_DERIVED: dict[str, dict] = {}
_CACHE_LOCK = threading.Lock()  # the pipeline renders products from worker threads


def _derived(product: Product) -> dict:
    """Facts, short name and sheet material of a product (cached: fitting renders a product many times)."""
    key = repr((product.name, product.brand, product.language, sorted(product.extra.items())))
    hit = _DERIVED.get(key)
    if hit is None:
        hit = {
            "facts": extract_facts(product.name, product.extra, product.brand, product.language).to_dict(),
            "short_name": short_name(product.name, product.brand, product.language),
            "material": material(product),
        }
        with _CACHE_LOCK:
            _DERIVED[key] = hit
            if len(_DERIVED) > 256:
                _DERIVED.pop(next(iter(_DERIVED)))
    return hit


def template_context(product: Product, rng: random.Random, variant: int, *, seed: int = 0,
                     n_points: int | None = None, parts: dict[str, bool] | None = None,
                     target_seconds: float = 0.0) -> dict:
    """The variables a template sees (documented in docs/templates.md). `n_points` and `parts` are the
    engine's fitting choices: how many selling points to say, and which optional parts are on."""
    # each point once, and short enough to say as one line (cut at a sentence or clause, never in a word)
    points = [speakable_point(p, product.language) for p in dedupe_points(list(product.selling_points))]
    points = dedupe_points([p for p in points if p])
    if variant > 0 and len(points) > 1:
        head, rest = points[:1], points[1:]
        rng.shuffle(rest)
        points = head + rest if variant % 2 else rest + head
    counts: dict[str, int] = {}

    def pick(options):
        """A seeded choice. Each call site's choice depends only on its options and how many times the
        same options were picked before, so turning a part on or off does not change other choices."""
        options = list(options)
        if not options:
            return ""
        key = repr(options)
        counts[key] = counts.get(key, 0) + 1
        r = random.Random(f"{seed}:{variant}:{product.name}:{key}:{counts[key]}")
        return options[r.randrange(len(options))]

    currency = currency_for(product.currency, product.language)
    derived = _derived(product)
    return {
        "name": product.name,
        "short_name": derived["short_name"],
        "price": product.price,
        "price_display": _format_price(product.price),
        "original_price": product.original_price,
        "original_price_display": _format_price(product.original_price),
        "currency": currency.symbol,
        "currency_code": currency.code,
        "points": points if n_points is None else points[:n_points],
        "all_points": points,
        "category": spoken_category(product.category),  # '数码/游戏本' is said '游戏本'
        "category_path": category_path(product.category),
        "audience": product.audience,
        "brand": product.brand,
        "offer": product.offer,
        "platform": product.platform,
        "language": product.language,
        "extra": dict(product.extra),
        "variant": variant,
        "pick": pick,
        "facts": dict(derived["facts"]),
        **{k: list(v) for k, v in derived["material"].items()},
        "parts": dict(parts or {}),
        "target_seconds": target_seconds,
    }


def _template_line(exc: BaseException, filename: str) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_COMPILED: dict[tuple[str, str], object] = {}  # (file, source) -> compiled code


class _Renderer:
    """One template compiled once, rendered many times (fitting tries several plans)."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.where = template.folder / "script.j2"
        env = environment(template.folder)
        env.filters["lower_first"] = _lower_first
        env.tests["short"] = _is_short
        try:
            key = (str(self.where), template.source)
            code = _COMPILED.get(key)
            if code is None:
                code = env.compile(template.source, "script.j2", str(self.where))
                with _CACHE_LOCK:
                    _COMPILED[key] = code
                    if len(_COMPILED) > 64:
                        _COMPILED.pop(next(iter(_COMPILED)))
            self.jt = env.template_class.from_code(env, code, env.make_globals(None), None)
        except jinja2.TemplateSyntaxError as exc:
            raise StudioError(f"template '{template.name}' ({self.where}), line {exc.lineno}: {exc.message}") from exc

    def render(self, product: Product, variant: int, seed: int, **plan) -> str:
        rng = random.Random(f"{seed}:{variant}:{product.name}")
        template, where = self.template, self.where
        try:
            return render_limited(self.jt, template_context(product, rng, variant, seed=seed, **plan), str(where))
        except jinja2.UndefinedError as exc:
            line = _template_line(exc, str(where))
            at = f", line {line}" if line else ""
            raise StudioError(
                f"template '{template.name}' ({where}){at}: {exc.message} "
                "- check the variable name against docs/templates.md"
            ) from exc
        except SecurityError as exc:
            line = _template_line(exc, str(where))
            at = f", line {line}" if line else ""
            raise StudioError(f"template '{template.name}' ({where}){at}: blocked an unsafe operation ({exc})") from exc
        except StudioError:
            raise
        except RecursionError as exc:
            raise StudioError(f"template '{template.name}' ({where}): a macro calls itself without end") from exc
        except Exception as exc:
            line = _template_line(exc, str(where))
            at = f", line {line}" if line else ""
            raise StudioError(f"template '{template.name}' ({where}){at}: {type(exc).__name__}: {exc}") from exc


def render_template_text(template: Template, product: Product, variant: int = 0, seed: int = 0,
                         target_seconds: float | None = None) -> str:
    """Render script.j2 for a product, fitted to the target length; errors name the template, line and variable."""
    return _fit(_Renderer(template), product, variant, seed, target_seconds)[0]


TRANSLATION_MARK = "||"  # `中文句子 || English line`: the second part is the bilingual caption, never spoken


def _header_attrs(text: str) -> dict[str, str]:
    """`image=2 overlay="Star Wars Mug"` -> {'image': '2', 'overlay': 'Star Wars Mug'}. A value holding a stray
    quotation mark (a product's name with an inch mark or a quote of its title) still reads: a quoted value runs
    to the last quotation mark before the next `key=` or the end, and its inner marks are dropped."""
    try:
        tokens = shlex.split(text)
    except ValueError:
        log.warning("scene header with unbalanced quotes, read leniently: %s", text)
        attrs = {}
        for m in re.finditer(r'(\w+)=(?:"(.*?)"(?=\s+\w+=|\s*$)|(\S+))', text.strip()):
            attrs[m.group(1)] = (m.group(2) if m.group(2) is not None else m.group(3) or "").replace('"', "")
        return attrs
    attrs = {}
    for token in tokens:
        if "=" in token:
            key, value = token.split("=", 1)
            attrs[key] = value
    return attrs


def parse_script_text(text: str, template_name: str = "?", first_image: int = 0) -> list[Scene]:
    """Split rendered template text into scenes (see the module docstring for the format). A scene
    without `image=` shows photo `first_image` + its position (wrapping around the product's photos)."""
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
            attrs = _header_attrs(m.group(2))
            image = int(attrs["image"]) - 1 if attrs.get("image", "").isdigit() else first_image + len(scenes)
            current = Scene(kind=kind, lines=[], image=max(image, 0), overlay=attrs.get("overlay", ""))
            scenes.append(current)
            continue
        if current is None:
            current = Scene(kind="hook", lines=[], image=first_image)
            scenes.append(current)
        spoken, _, translation = line.partition(TRANSLATION_MARK)
        current.lines.append(spoken.strip() if translation else line)
        current.translations.append(translation.strip())
    for scene in scenes:  # no translation anywhere in a scene: keep the list empty
        if not any(scene.translations):
            scene.translations = []
    scenes = [s for s in scenes if s.lines]
    if not scenes:
        raise StudioError(f"template '{template_name}' produced no spoken lines for this product")
    return scenes


def _syllables(word: str) -> int:
    """English syllables by vowel groups (a silent final e does not count); a number counts one per digit
    and one more (it is read as words: 2.99 -> two ninety-nine)."""
    n = sum(len(num.replace(".", "")) + 1 for num in re.findall(r"\d+(?:\.\d+)?", word))
    letters = re.sub(r"[^a-z]", "", re.sub(r"[\d.]+", "", word.lower()))
    if letters:
        groups = len(re.findall(r"[aeiouy]+", letters))
        if letters.endswith("e") and not letters.endswith(("le", "ee")) and groups > 1:
            groups -= 1
        n += max(groups, 1)
    return n


def speech_units(line: str, language: str) -> float:
    """How much there is to say in a line, in the unit the reading rate counts.
    Chinese: characters (a Latin word or a digit counts one). English: syllables, and 3 for each
    punctuation mark (the voice pauses there)."""
    if language == "zh":
        return len(re.findall(f"[{HAN}]|[A-Za-z]+|\\d", line))
    return sum(_syllables(w) for w in line.split()) + 3 * len(re.findall(r"[,.;:!?]", line))


def estimate_seconds(lines: list[str], language: str, speed: float = 1.0, *, rate: float | None = None,
                     pause: float = DEFAULT_PAUSE) -> float:
    """Narration length: speech units (see speech_units) over `rate` units a second at speed 1.0
    (default zh 4.5 characters, en 6.5 syllables, fitted to the bundled voices), plus `pause` between
    lines and half a second of lead-in and tail."""
    rate = rate or DEFAULT_RATE.get(language, DEFAULT_RATE["en"])
    units = sum(speech_units(line, language) for line in lines)
    return round(units / rate / max(speed, 0.1) + pause * len(lines) + 0.5, 1)


def _fit(renderer: _Renderer, product: Product, variant: int, seed: int,
         target_seconds: float | None, speed: float | None = None) -> tuple[str, dict]:
    """Render the template and fit it to the target length by the template's own `fit:` rules.

    Start: the `trim` parts on, the `grow` parts off, `points.base` selling points. Too long (above
    target + tolerance): turn `trim` parts off in their order (`points` = one selling point fewer at a
    time, down to points.min), skipping a step that would fall below target - tolerance. Too short: turn
    `grow` parts on in their order (`points` = one more, up to points.max and what the sheet has),
    skipping a step that would overshoot. A part that adds nothing has no material in the sheet and
    is reported as such. Returns the text and the fit report (recorded in Script.fit)."""
    template = renderer.template
    rules: FitRules = template.fit or FitRules(rate=DEFAULT_RATE[template.language])
    target = float(target_seconds or template.target_seconds)
    speed = float(speed or template.style.get("speed") or 1.0)
    lo, hi = target * (1 - rules.tolerance), target * (1 + rules.tolerance)
    available = len(product.selling_points)

    def measure(n: int | None, on: dict[str, bool]) -> tuple[str, float]:
        text = renderer.render(product, variant, seed, n_points=n, parts=on, target_seconds=target)
        try:
            lines = [line for scene in parse_script_text(text, template.name) for line in scene.lines]
        except StudioError:
            lines = []
        return text, estimate_seconds(lines, template.language, speed, rate=rules.rate, pause=rules.pause)

    report: dict = {"target_s": target, "tolerance": rules.tolerance, "range_s": [round(lo, 1), round(hi, 1)],
                    "rules": rules.declared, "trimmed": [], "added": [], "skipped": [], "no_material": []}
    if not rules.declared:
        text, est = measure(None, {})
        report.update(estimated_s=est, points_used=available, points_available=available)
        return text, _finish(report, est, lo, hi, template, product)

    on = {p: True for p in rules.trim if p != "points"} | {p: False for p in rules.grow if p != "points"}
    n = min(rules.points_base, available)
    text, est = measure(n, on)
    def better(e_new: float, e_old: float) -> bool:
        """Inside the window beats outside it; inside it, closer to the target wins."""
        if not lo <= e_new <= hi:
            return False
        return not lo <= e_old <= hi or abs(e_new - target) < abs(e_old - target)

    if est > target:
        steps = list(rules.trim) + ([] if "points" in rules.trim else ["points"])
        for step in steps:
            if step == "points":
                while n > min(rules.points_min, available):
                    t2, e2 = measure(n - 1, on)
                    if not (better(e2, est) or (est > hi and e2 >= lo)):
                        if est > hi:
                            report["skipped"].append(f"points {n}->{n - 1} (would be {e2:g} s, below {lo:.1f} s)")
                        break
                    report["trimmed"].append(f"points {n}->{n - 1}")
                    n, text, est = n - 1, t2, e2
                continue
            t2, e2 = measure(n, on | {step: False})
            if e2 == est:
                continue
            if not (better(e2, est) or (est > hi and e2 >= lo)):
                if est > hi:
                    report["skipped"].append(f"{step} (would be {e2:g} s, below {lo:.1f} s)")
                continue
            on[step] = False
            report["trimmed"].append(step)
            text, est = t2, e2
    else:
        steps = ([] if "points" in rules.grow else ["points"]) + list(rules.grow)
        for step in steps:
            if step == "points":
                while n < min(rules.points_max, available):
                    t2, e2 = measure(n + 1, on)
                    if not (better(e2, est) or (est < lo and e2 <= hi)):
                        if est < lo:
                            report["skipped"].append(f"points {n}->{n + 1} (would be {e2:g} s, above {hi:.1f} s)")
                        break
                    report["added"].append(f"points {n}->{n + 1}")
                    n, text, est = n + 1, t2, e2
                if est < lo and n >= available and available < rules.points_max:
                    report["no_material"].append(f"points (the sheet has {available}, the template can use "
                                                 f"{rules.points_max})")
                continue
            t2, e2 = measure(n, on | {step: True})
            if e2 == est:
                if est < lo:
                    report["no_material"].append(step)
                continue
            if not (better(e2, est) or (est < lo and e2 <= hi)):
                if est < lo:
                    report["skipped"].append(f"{step} (would be {e2:g} s, above {hi:.1f} s)")
                continue
            on[step] = True
            report["added"].append(step)
            text, est = t2, e2
    report.update(estimated_s=est, points_used=n, points_available=available,
                  parts={k: v for k, v in on.items()})
    return text, _finish(report, est, lo, hi, template, product)


def longest_script_seconds(target_seconds: float, tolerance: float = 0.15) -> float:
    """The most narration a script may hold for a target: twice the top of its window, and at least 30 s
    over it. Past that a script is not "a bit long" but a template writing without end (2,500 lines
    took minutes to voice), so it is refused before anything is voiced."""
    top = target_seconds * (1 + tolerance)
    return max(2 * top, top + 30)


def check_script_length(lines: list[str], language: str, target_seconds: float, where: str,
                        speed: float = 1.0, rate: float | None = None, pause: float = DEFAULT_PAUSE,
                        tolerance: float = 0.15) -> None:
    """Raise StudioError (naming `where`, the length and what to do) when `lines` hold more narration
    than longest_script_seconds allows for the target."""
    est = estimate_seconds(lines, language, speed, rate=rate, pause=pause)
    limit = longest_script_seconds(target_seconds, tolerance)
    if est > limit:
        raise StudioError(f"{where}: the script has {len(lines)} lines, about {est:g} s of narration for a "
                          f"{target_seconds:g} s target (at most {limit:g} s is voiced); shorten it, or choose a "
                          "longer target")


def _finish(report: dict, est: float, lo: float, hi: float, template: Template, product: Product) -> dict:
    target = report["target_s"]
    if est > longest_script_seconds(target, report["tolerance"]):
        raise StudioError(f"template '{template.name}' ({template.folder / 'script.j2'}): it wrote about {est:g} s "
                          f"of narration for a {target:g} s target (at most "
                          f"{longest_script_seconds(target, report['tolerance']):g} s is voiced); a template's "
                          "loops must stop at what the target needs (see fit: in docs/templates.md)")
    if est < lo:
        report["status"] = "short"
        report["shortfall_s"] = round(lo - est, 1)
        missing = [m.split(" (")[0] for m in report["no_material"]]
        hint = (f"; the sheet has nothing for: {', '.join(missing)}" if missing else "")
        report["message"] = (f"about {est:g} s of narration for a {target:g} s target (at least {lo:.1f} s): "
                             f"{report['shortfall_s']:g} s short, not padded{hint}. Add selling points, or "
                             "details / reviews / usage columns to the sheet, or choose a shorter target")
    elif est > hi:
        report["status"] = "long"
        report["overrun_s"] = round(est - hi, 1)
        report["message"] = (f"about {est:g} s of narration for a {target:g} s target (at most {hi:.1f} s): "
                             f"{report['overrun_s']:g} s over after trimming what the template allows")
    else:
        report["status"] = "ok"
        report["message"] = f"about {est:g} s of narration for a {target:g} s target"
    return report


def generate_script(product: Product, template: Template, variant: int = 0, seed: int = 0,
                    target_seconds: float | None = None, speed: float | None = None) -> Script:
    """Render the template for one product and variant, fitted to `target_seconds` (default: the
    template's own) at the voice's `speed` (default: the template's). Variant v never repeats the text
    of an earlier variant of the same product and seed when the template offers any other choice. What
    fitting trimmed or added is in `Script.fit`; a script that stays short or long of the target also
    gets a warning."""
    renderer = _Renderer(template)
    earlier = {_fit(renderer, product, v, seed, target_seconds, speed)[0] for v in range(variant)}
    text, report = _fit(renderer, product, variant, seed, target_seconds, speed)
    attempt = 0
    while text in earlier and attempt < 20:  # re-roll the choices, reproducibly
        attempt += 1
        text, report = _fit(renderer, product, variant, seed * 1000 + 7919 * attempt, target_seconds, speed)
    # each variant starts its photos one further on, so variants of a product also look different
    # (platforms rank near-duplicate videos down); a template's own image= choices are kept
    scenes = parse_script_text(text, template.name, first_image=variant)
    for scene in scenes:  # no emoji is said, and nothing the font cannot draw is shown
        pairs = list(zip(scene.lines, scene.translations or [""] * len(scene.lines)))
        pairs = [(screen_text(line), screen_text(tr)) for line, tr in pairs]
        pairs = [(line, tr) for line, tr in pairs if re.search(r"\w", line)]  # a line of emoji only is not said
        scene.lines = [line for line, _ in pairs]
        scene.translations = [tr for _, tr in pairs] if scene.translations else []
        scene.overlay = drawable(scene.overlay)
    scenes = [s for s in scenes if any(line.strip() for line in s.lines)]
    warnings = []
    if template.language != product.language:
        warnings.append(
            f"template '{template.name}' is {template.language} but the product is {product.language}"
        )
    if report["status"] != "ok" and report["rules"]:
        warnings.append(f"length: {report['message']}")
    script = Script(
        scenes=scenes,
        language=template.language,
        template=template.name,
        template_hash=template.hash,
        variant=variant,
        seed=seed,
        warnings=warnings,
    )
    if hasattr(script, "fit"):
        script.fit = report
    return script


__all__ = ["estimate_seconds", "generate_script", "material", "parse_script_text", "render_template_text",
           "short_name", "template_context"]
