"""Templates are folders: `template.yaml` (metadata + style) and `script.j2` (the words).

Templates come from strangers, so they render in Jinja2's immutable sandbox with undefined
variables as errors that name the template, the line and the variable.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..media import media_problem
from ..safeyaml import YamlLimitError, load_yaml
from ..util import TEMPLATES_DIR, StudioError, data_home, is_inside, sha1_of

log = logging.getLogger(__name__)

STYLE_DEFAULTS: dict[str, Any] = {
    "accent_color": "#FF3B30",  # price tag and headline bar
    "text_color": "#FFFFFF",
    "caption_size": 62,  # px at 1080x1920
    "caption_highlight": "#FFE14D",
    "caption_style": "karaoke",  # standard | karaoke | elder | bilingual
    "music": "assets/music/upbeat_loop.m4a",  # relative to the project, or to the template folder
    "music_gain_db": -20.0,  # music level under the voice
    "zoom": 1.08,  # the `still` motion style's slow push-in over one scene
    "voice": None,  # voice id; None = the language default
    "speed": 1.0,
    "pitch": 0.0,  # semitones, -6..+6 (the pace is kept)
    "product_inset": True,  # over video clips (and AI backgrounds), show the product photo on a small card
    "ai_backgrounds": 0,  # backdrops painted by a local diffusers model (studio/imagery.py), 0-6
    "background_prompt": "",  # what they show (English); "" = a scene that suits the product's category
    "motion_style": "lively",  # how the video is cut: lively | punchy | calm | still (studio/render/motion.py PRESETS)
    "motion": {},  # the preset's keys tuned (shot_seconds, transitions, title_enter…; docs/templates.md)
}

REQUIRED_KEYS = ("name", "language")
KNOWN_KEYS = {"name", "language", "title", "category", "style_name", "target_seconds", "description", "style", "fit"}

# reading rate at speed 1.0, in speech units a second (generate.speech_units): Chinese characters (a Latin
# word or a digit counts one) or English syllables (a punctuation mark counts 3). Fitted 2026-11-24 to the
# bundled voices: zh-baker 4.50-4.52 characters/s on whole scripts; en-joe 6.5 units/s on 165 lines
# (per-line error 11%, 12-line scripts 3% on average).
DEFAULT_RATE = {"zh": 4.5, "en": 6.5}
DEFAULT_PAUSE = 0.3  # seconds between lines
DEFAULT_TOLERANCE = 0.15
MAX_YAML_BYTES = 256 * 1024  # template.yaml: a page of settings, never megabytes
FIT_KEYS = {"rate", "pause", "tolerance", "points", "trim", "grow"}

# the variables a template sees (studio/script/generate.py template_context), and Jinja's own globals
CONTEXT_VARIABLES = {
    "name", "short_name", "price", "price_display", "original_price", "original_price_display", "currency",
    "currency_code",
    "points", "all_points", "category", "audience", "brand", "offer", "platform", "language", "extra",
    "variant", "pick", "facts", "details", "reviews", "usage", "service", "parts", "target_seconds",
}
JINJA_GLOBALS = {"range", "dict", "cycler", "joiner", "namespace"}


class TemplateError(StudioError):
    """A template that cannot be used, located: template name, file, line and variable where known."""

    def __init__(self, message: str, *, template: str = "", file: str | Path | None = None,
                 line: int | None = None, variable: str | None = None) -> None:
        super().__init__(message)
        self.template = template
        self.file = str(file) if file else ""
        self.line = line
        self.variable = variable


@dataclass
class FitRules:
    """How the engine fits a script to a target length (the `fit:` block of template.yaml)."""

    rate: float  # units a second at speed 1.0 (zh: characters, en: words)
    pause: float = DEFAULT_PAUSE
    tolerance: float = DEFAULT_TOLERANCE
    points_min: int = 1
    points_base: int = 4
    points_max: int = 4
    trim: list[str] = field(default_factory=list)  # on at first; dropped in this order when too long
    grow: list[str] = field(default_factory=list)  # off at first; added in this order when too short
    declared: bool = False  # False: the template has no `fit:` block (the engine only measures)

    @property
    def parts(self) -> list[str]:
        return [p for p in (*self.trim, *self.grow) if p != "points"]

    def to_dict(self) -> dict[str, Any]:
        return {"rate": self.rate, "pause": self.pause, "tolerance": self.tolerance,
                "points": {"min": self.points_min, "base": self.points_base, "max": self.points_max},
                "trim": list(self.trim), "grow": list(self.grow), "declared": self.declared}


@dataclass
class BrokenTemplate:
    """A template folder that could not be loaded, and why."""

    name: str
    folder: Path
    error: str
    file: str = ""
    line: int | None = None
    variable: str | None = None

    def __str__(self) -> str:
        return self.error


class TemplateList(list):
    """The loadable templates (a plain list of Template), plus `.broken`: the ones that failed."""

    def __init__(self, items=(), broken: list[BrokenTemplate] | None = None) -> None:
        super().__init__(items)
        self.broken: list[BrokenTemplate] = list(broken or [])


@dataclass
class Template:
    name: str
    folder: Path
    title: str
    language: str
    category: str
    target_seconds: float
    description: str
    style: dict[str, Any]
    source: str  # script.j2 text
    meta: dict[str, Any] = field(default_factory=dict)
    fit: FitRules | None = None

    @property
    def hash(self) -> str:
        """Hash of everything that changes the output: the script and the metadata."""
        return sha1_of(self.source, yaml.safe_dump(self.meta, sort_keys=True))[:12]

    @property
    def preview_image(self) -> Path | None:
        for name in ("preview.png", "preview.jpg"):
            if (self.folder / name).exists():
                return self.folder / name
        return None

    def resolve_asset(self, rel: str | None) -> Path | None:
        """A style asset (the music), looked up in the template folder first, then among the studio's
        bundled assets; a name that leads outside both (`..`, a link) is never followed. An absolute
        path is the merchant's own choice in the project style (template.yaml may not hold one: see
        confined_asset) and is used as it is."""
        if not rel:
            return None
        if Path(rel).is_absolute():
            return Path(rel) if Path(rel).is_file() else None
        for base in (self.folder, TEMPLATES_DIR.parent):
            candidate = confined_asset(rel, base)
            if candidate is not None and candidate.is_file():
                return candidate
        return None


ASSETS_ROOT = TEMPLATES_DIR.parent / "assets"


def confined_asset(rel: str, base: Path) -> Path | None:
    """`base / rel` resolved, when it stays inside the template folder `base` (or, for the studio's own
    folder, inside its bundled assets/); None when it would lead anywhere else."""
    if Path(rel).is_absolute() or re.match(r"^[A-Za-z]:", rel):
        return None
    candidate = (base / rel).resolve()
    allowed = ASSETS_ROOT if base.resolve() == TEMPLATES_DIR.parent.resolve() else base
    return candidate if is_inside(candidate, allowed) else None


def user_templates_dir() -> Path:
    """Where imported templates are installed (studio/script/share.py); STUDIO_HOME moves it."""
    return data_home() / "templates"


def template_dirs() -> list[Path]:
    """Folders searched for templates: the bundled ones, the imported ones, then STUDIO_TEMPLATES
    (os.pathsep-separated)."""
    import os

    dirs = [TEMPLATES_DIR, user_templates_dir()]
    for extra in os.environ.get("STUDIO_TEMPLATES", "").split(os.pathsep):
        if extra:
            dirs.append(Path(extra))
    return dirs


def list_templates() -> TemplateList:
    """Every template folder: the loadable ones as the list, the broken ones in `.broken` (each with
    the error, file, line and variable where known) and logged as warnings, never silently dropped."""
    found = TemplateList()
    for base in template_dirs():
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            if (folder / "template.yaml").exists():
                try:
                    found.append(load_template(folder))
                except TemplateError as exc:
                    found.broken.append(BrokenTemplate(folder.name, folder, str(exc), exc.file, exc.line, exc.variable))
                except StudioError as exc:
                    found.broken.append(BrokenTemplate(folder.name, folder, str(exc), str(folder / "template.yaml")))
    for b in found.broken:
        log.warning("template %s is broken: %s", b.name, b.error)
    return found


def load_template(name_or_path: str | Path, packaged: bool = False) -> Template:
    """Load a template by name (a bundled folder) or by folder path. `packaged`: it came in a package
    from someone else (share.import_template), so even an absolute style.music path is refused."""
    folder = Path(name_or_path)
    if not (folder / "template.yaml").exists():
        for base in template_dirs():
            if (base / str(name_or_path) / "template.yaml").exists():
                folder = base / str(name_or_path)
                break
        else:
            names = sorted(
                p.name for base in template_dirs() if base.is_dir() for p in base.iterdir()
                if (p / "template.yaml").exists()
            )
            raise StudioError(f"template '{name_or_path}' not found; available: {', '.join(names)}")
    # checking a template parses it twice; a batch or the live preview loads the same one again and
    # again, so keep it until one of its files changes
    stamp = _folder_stamp(folder)
    key = str(folder.resolve()) + (":packaged" if packaged else "")
    cached = _loaded.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    template = _load_template_folder(folder, packaged)
    _loaded[key] = (stamp, template)
    return template


_loaded: dict[str, tuple] = {}


def _folder_stamp(folder: Path) -> tuple:
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir() if p.is_file()))
    except OSError:
        return ()


def _load_template_folder(folder: Path, packaged: bool = False) -> Template:
    yaml_path = folder / "template.yaml"
    tname = folder.name

    def fail(message: str, line: int | None = None, file: Path = yaml_path, variable: str | None = None):
        at = f", line {line}" if line else ""
        raise TemplateError(f"template '{tname}' ({file}){at}: {message}", template=tname, file=file, line=line,
                            variable=variable)

    for own in (yaml_path, folder / "script.j2"):
        if own.exists() and not is_inside(own, folder):
            fail(f"{own.name} is a link to a file outside the template folder ({own.resolve()}); a template's "
                 "files must be inside its folder", file=own)
    try:
        meta = load_yaml(yaml_path, MAX_YAML_BYTES, encoding="utf-8") or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        fail(f"not valid YAML ({getattr(exc, 'problem', None) or exc})", mark.line + 1 if mark else None)
    except YamlLimitError as exc:
        fail(f"was not read: {exc}")
    if not isinstance(meta, dict):
        fail("must be a mapping of keys to values")
    tname = str(meta.get("name") or tname)
    for key in REQUIRED_KEYS:
        if key not in meta:
            fail(f"missing required key '{key}'")
    if meta["language"] not in ("zh", "en"):
        fail(f"language must be 'zh' or 'en', not '{meta['language']}'", _yaml_line(yaml_path, "language"))
    unknown_keys = set(meta) - KNOWN_KEYS
    if unknown_keys:
        key = sorted(unknown_keys)[0]
        fail(f"unknown key(s) {', '.join(sorted(unknown_keys))}; known keys: {', '.join(sorted(KNOWN_KEYS))}",
             _yaml_line(yaml_path, key))
    style_in = meta.get("style") or {}
    if not isinstance(style_in, dict):
        fail("style must be a mapping of style keys to values", _yaml_line(yaml_path, "style"))
    unknown = set(style_in) - set(STYLE_DEFAULTS)
    if unknown:
        fail(f"unknown style key(s) {', '.join(sorted(unknown))}; known keys: {', '.join(STYLE_DEFAULTS)}",
             _yaml_line(yaml_path, sorted(unknown)[0]))
    from ..core.vocab import CAPTION_KINDS

    if "caption_style" in style_in and style_in["caption_style"] not in CAPTION_KINDS:
        fail(f"style.caption_style must be one of {', '.join(CAPTION_KINDS)}, not '{style_in['caption_style']}'",
             _yaml_line(yaml_path, "caption_style"))
    music = style_in.get("music")
    if music is not None and not isinstance(music, str):
        fail(f"style.music must be a file name, not {type(music).__name__}", _yaml_line(yaml_path, "music"))
    if music:
        # a name relative to the template stays inside it (or the studio's bundled assets/); an absolute
        # path is the creator's own track on their own disk (export packs it in), never a package's
        own_track = Path(music).is_absolute() and not packaged
        found = Path(music) if own_track else (confined_asset(music, folder)
                                                or confined_asset(music, TEMPLATES_DIR.parent))
        if found is None:
            fail(f"style.music '{music}' points outside the template folder; put the track inside the template "
                 "folder and name it relative to it (e.g. music.m4a)", _yaml_line(yaml_path, "music"))
        if found.is_file() and media_problem(found, "recording"):
            fail(f"style.music '{music}' is not a sound file (M4A, MP3, WAV...)", _yaml_line(yaml_path, "music"))
    for key in ("name", "title", "category", "style_name", "description"):
        if key in meta and not isinstance(meta[key], (str, int, float)):
            fail(f"{key} must be text, not a {type(meta[key]).__name__}", _yaml_line(yaml_path, key))
    if "motion_style" in style_in or "motion" in style_in:
        from ..render.motion import motion_style

        try:
            motion_style(style_in)
        except ValueError as exc:
            fail(f"style: {exc}", _yaml_line(yaml_path, "motion" if "motion" in style_in else "motion_style"))
    try:
        target = float(meta.get("target_seconds", 20))
    except (TypeError, ValueError):
        fail(f"target_seconds must be a number of seconds, not '{meta.get('target_seconds')}'",
             _yaml_line(yaml_path, "target_seconds"))
    try:
        fit = parse_fit(meta.get("fit"), meta["language"])
    except ValueError as exc:
        fail(f"fit: {exc}", _yaml_line(yaml_path, "fit"))
    script_path = folder / "script.j2"
    if not script_path.exists():
        fail("missing script.j2 (the words of the template)", file=script_path)
    source = script_path.read_text(encoding="utf-8")
    _check_source(source, script_path, fit, fail)
    return Template(
        name=str(meta["name"]),
        folder=folder.resolve(),
        title=str(meta.get("title", meta["name"])),
        language=meta["language"],
        category=str(meta.get("category", "general")),
        target_seconds=target,
        description=str(meta.get("description", "")),
        style={**STYLE_DEFAULTS, **style_in},
        source=source,
        meta=meta,
        fit=fit,
    )


def _yaml_line(path: Path, key: str) -> int | None:
    """The line of `key:` in a YAML file (for error messages)."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(rf"\s*{re.escape(str(key))}\s*:", line):
            return n
    return None


def parse_fit(raw: Any, language: str) -> FitRules:
    """Validate a `fit:` block (see docs/templates.md); raises ValueError naming the bad key."""
    rules = FitRules(rate=DEFAULT_RATE[language])
    if raw is None:
        return rules
    if not isinstance(raw, dict):
        raise ValueError("must be a mapping (rate, pause, tolerance, points, trim, grow)")
    unknown = set(raw) - FIT_KEYS
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}; known keys: {', '.join(sorted(FIT_KEYS))}")
    rules.declared = True
    rate = raw.get("rate", rules.rate)
    if isinstance(rate, dict):
        rate = rate.get(language, DEFAULT_RATE[language])
    for key, value, low, high in (("rate", rate, 0.5, 20.0), ("pause", raw.get("pause", rules.pause), 0.0, 3.0),
                                  ("tolerance", raw.get("tolerance", rules.tolerance), 0.01, 0.5)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"{key} must be a number from {low} to {high}, not {value!r}")
        setattr(rules, key, float(value))
    points = raw.get("points", {}) or {}
    if not isinstance(points, dict) or set(points) - {"min", "base", "max"}:
        raise ValueError("points must be a mapping with min, base and max")
    pmin, pmax = points.get("min", 1), points.get("max", points.get("base", 4))
    pbase = points.get("base", min(4, pmax) if isinstance(pmax, int) else 4)
    for key, value in (("min", pmin), ("base", pbase), ("max", pmax)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
            raise ValueError(f"points.{key} must be a whole number from 0 to 20, not {value!r}")
    if not pmin <= pbase <= pmax:
        raise ValueError(f"points must satisfy min <= base <= max (got {pmin}, {pbase}, {pmax})")
    rules.points_min, rules.points_base, rules.points_max = pmin, pbase, pmax
    seen: set[str] = set()
    for key in ("trim", "grow"):
        items = raw.get(key, []) or []
        if not isinstance(items, list):
            raise ValueError(f"{key} must be a list of part names")
        for item in items:
            if not isinstance(item, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", item):
                raise ValueError(f"{key}: part names are lower-case words (a-z, 0-9, _), not {item!r}")
            if item in seen and item != "points":  # points may be in both: fewer when long, more when short
                raise ValueError(f"part '{item}' is listed twice (a part is either in trim or in grow)")
            if item == "points" and item in items[items.index(item) + 1:]:
                raise ValueError(f"{key}: 'points' is listed twice")
            seen.add(item)
        setattr(rules, key, list(items))
    return rules


def _check_source(source: str, path: Path, fit: FitRules, fail) -> None:
    """Compile script.j2 and check every variable it reads exists, so a typo is found when the
    template is loaded, with its line, not when some product happens to reach it."""
    import jinja2
    from jinja2 import meta as jmeta
    from jinja2 import nodes

    from .sandbox import environment

    env = environment(path.parent)
    try:
        ast = env.parse(source, name=path.name, filename=str(path))
    except jinja2.TemplateSyntaxError as exc:
        fail(exc.message or "syntax error", exc.lineno, file=path)
    # names stored anywhere (set, for, macro parameters, macros): Jinja's analysis flags a name set in
    # only one branch of an `if`, which works at run time, so only names never defined count
    stored = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    stored |= {n.name for n in ast.find_all(nodes.Macro)}
    unknown = sorted(jmeta.find_undeclared_variables(ast) - CONTEXT_VARIABLES - JINJA_GLOBALS - stored)
    if unknown:
        var = unknown[0]
        line = next((n.lineno for n in ast.find_all(nodes.Name) if n.name == var and n.ctx == "load"), None)
        fail(f"'{var}' is undefined - check the variable name against docs/templates.md "
             f"(known: {', '.join(sorted(CONTEXT_VARIABLES))})", line, file=path, variable=var)
    for node in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        name = node.template.value if isinstance(node.template, nodes.Const) else None
        if isinstance(name, str):
            target = (path.parent / name)
            if not is_inside(target, path.parent):
                fail(f"'{name}' is outside the template folder (it leads to {target.resolve()}); a template may "
                     "include only its own files", node.lineno, file=path)
    for node in ast.find_all(nodes.Getattr):  # parts.xyz must be a part the fit block declares
        if isinstance(node.node, nodes.Name) and node.node.name == "parts" and node.attr not in fit.parts:
            declared = ", ".join(fit.parts) or "none"
            fail(f"part '{node.attr}' is not declared in template.yaml fit.trim or fit.grow (declared: {declared})",
                 node.lineno, file=path, variable=f"parts.{node.attr}")


def default_template_for(language: str) -> str:
    return "zh_promo" if language == "zh" else "en_promo"
