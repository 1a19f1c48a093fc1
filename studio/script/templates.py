"""Templates are folders: `template.yaml` (metadata + style) and `script.j2` (the words).

Templates come from strangers, so they render in Jinja2's immutable sandbox with undefined
variables as errors that name the template, the line and the variable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..util import TEMPLATES_DIR, StudioError, sha1_of

STYLE_DEFAULTS: dict[str, Any] = {
    "accent_color": "#FF3B30",  # price tag and headline bar
    "text_color": "#FFFFFF",
    "caption_size": 62,  # px at 1080x1920
    "caption_highlight": "#FFE14D",
    "music": "assets/music/upbeat_loop.m4a",  # relative to the project, or to the template folder
    "music_gain_db": -20.0,  # music level under the voice
    "zoom": 1.08,  # slow push-in factor over one scene
    "voice": None,  # voice id; None = the language default
    "speed": 1.0,
}

REQUIRED_KEYS = ("name", "language")


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
        """A style asset path, looked up in the template folder first, then in the project."""
        if not rel:
            return None
        for base in (self.folder, TEMPLATES_DIR.parent):
            candidate = (base / rel).resolve()
            if candidate.exists():
                return candidate
        return None


def template_dirs() -> list[Path]:
    """Folders searched for templates: the bundled ones, then STUDIO_TEMPLATES (os.pathsep-separated)."""
    import os

    dirs = [TEMPLATES_DIR]
    for extra in os.environ.get("STUDIO_TEMPLATES", "").split(os.pathsep):
        if extra:
            dirs.append(Path(extra))
    return dirs


def list_templates() -> list[Template]:
    """Every loadable template; broken ones are skipped here and reported by load_template."""
    found = []
    for base in template_dirs():
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            if (folder / "template.yaml").exists():
                try:
                    found.append(load_template(folder))
                except StudioError:
                    continue
    return found


def load_template(name_or_path: str | Path) -> Template:
    """Load a template by name (a bundled folder) or by folder path."""
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
    yaml_path = folder / "template.yaml"
    try:
        meta = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise StudioError(f"{yaml_path}: not valid YAML ({exc})") from exc
    if not isinstance(meta, dict):
        raise StudioError(f"{yaml_path}: must be a mapping of keys to values")
    for key in REQUIRED_KEYS:
        if key not in meta:
            raise StudioError(f"{yaml_path}: missing required key '{key}'")
    if meta["language"] not in ("zh", "en"):
        raise StudioError(f"{yaml_path}: language must be 'zh' or 'en', not '{meta['language']}'")
    style_in = meta.get("style") or {}
    unknown = set(style_in) - set(STYLE_DEFAULTS)
    if unknown:
        raise StudioError(
            f"{yaml_path}: unknown style key(s) {', '.join(sorted(unknown))}; "
            f"known keys: {', '.join(STYLE_DEFAULTS)}"
        )
    script_path = folder / "script.j2"
    if not script_path.exists():
        raise StudioError(f"{folder}: missing script.j2 (the words of the template)")
    return Template(
        name=str(meta["name"]),
        folder=folder.resolve(),
        title=str(meta.get("title", meta["name"])),
        language=meta["language"],
        category=str(meta.get("category", "general")),
        target_seconds=float(meta.get("target_seconds", 20)),
        description=str(meta.get("description", "")),
        style={**STYLE_DEFAULTS, **style_in},
        source=script_path.read_text(encoding="utf-8"),
        meta=meta,
    )


def default_template_for(language: str) -> str:
    return "zh_promo" if language == "zh" else "en_promo"
