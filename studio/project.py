"""A project: one folder holding the products, their media, edited scripts, style and outputs.

    my-project/
      project.json      products, edited scripts, style choices (written atomically on every save)
      project.json.bak  the version before the last save (what a damaged project.json is restored from)
      media/            photos and clips dragged in or imported from a sheet (copied, so the
                        project survives the original files moving)
      out/              rendered videos (the default output folder)

The desktop app autosaves it; `main.py render project.json` is not needed: a project's products
are plain `Product` objects, so the same pipeline renders them.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .media import media_problem
from .types import Problem, Product, Scene
from .util import StudioError, fsync_folder

log = logging.getLogger(__name__)

PROJECT_FILE = "project.json"
BACKUP_FILE = "project.json.bak"
FORMAT_VERSION = 1


@dataclass
class ProjectStyle:
    """The merchant's style choices over the template's defaults (None = keep the template's)."""

    template: str | None = None  # None = the default template for each product's language
    caption_size: int | None = None  # px at 1080x1920
    caption_style: str | None = None  # standard | karaoke | elder | bilingual (None = the template's)
    text_color: str | None = None  # "#RRGGBB"
    highlight_color: str | None = None  # karaoke: the word being spoken
    accent_color: str | None = None  # headline and price tag
    music: str | None = None  # None = the template's; "" = no music; else a file
    voice: str | None = None  # None = the template's voice
    speed: float | None = None
    pitch: float | None = None  # semitones
    platform: str = "douyin"  # safe zones (and the platform preset) the video is made for
    quality: str = "final"  # draft | final
    target_seconds: float | None = None  # video length the scripts are fitted to (None = the template's)
    product_inset: bool | None = None  # the product photo on a card over video clips (None = the template's)
    ai_backgrounds: int | None = None  # backdrops painted by the diffusers model in Settings (None = the template's)
    motion_style: str | None = None  # lively | punchy | calm | still (None = the template's, with its tuning)

    def template_overrides(self) -> dict[str, Any]:
        """The keys of a template's `style:` block this style overrides."""
        out: dict[str, Any] = {}
        if self.caption_size:
            out["caption_size"] = int(self.caption_size)
        if self.caption_style:
            out["caption_style"] = self.caption_style
        for key, name in (("text_color", "text_color"), ("highlight_color", "caption_highlight"),
                          ("accent_color", "accent_color")):
            if getattr(self, key):
                out[name] = getattr(self, key)
        if self.music is not None:
            out["music"] = self.music or None
        if self.voice:
            out["voice"] = self.voice
        if self.speed:
            out["speed"] = float(self.speed)
        if self.pitch:
            out["pitch"] = float(self.pitch)
        if self.product_inset is not None:
            out["product_inset"] = bool(self.product_inset)
        if self.ai_backgrounds is not None:
            out["ai_backgrounds"] = int(self.ai_backgrounds)
        if self.motion_style:
            from .render.motion import motion_override

            out.update(motion_override(self.motion_style))
        return out


def new_item_id() -> str:
    """A fresh, stable id for a project item (kept in project.json)."""
    return uuid.uuid4().hex[:12]


@dataclass
class ProjectItem:
    """One product of the project and, if the merchant edited it, its script. `id` names the item for
    as long as it exists (a render job, a status, an undo step refer to it by id, never by row)."""

    product: Product
    script: list[Scene] | None = None  # None = generated from the template at render time
    variants: int = 1
    id: str = field(default_factory=new_item_id)


@dataclass
class Project:
    folder: Path
    items: list[ProjectItem] = field(default_factory=list)
    style: ProjectStyle = field(default_factory=ProjectStyle)
    output_dir: str = "out"  # relative to the folder, or absolute
    source_sheet: str = ""  # the sheet the products were imported from (for the record)
    sheet_problems: list[Problem] = field(default_factory=list)  # from that import, shown until fixed

    # ---------------------------------------------------------------- paths
    @property
    def file(self) -> Path:
        return self.folder / PROJECT_FILE

    @property
    def media_dir(self) -> Path:
        return self.folder / "media"

    @property
    def out_dir(self) -> Path:
        path = Path(self.output_dir)
        return path if path.is_absolute() else self.folder / path

    def render_options(self, settings=None, **overrides):
        """Render options for this project: the saved settings, then the project's style choices, then
        `overrides` (a command line's flags; None keeps what is there). The CLI and the app both use
        it, so a project renders the same from either."""
        from .core.options import RenderOptions

        st = self.style
        choices = {"template": st.template, "style": st.template_overrides(), "platform": st.platform,
                   "quality": st.quality, "target_seconds": st.target_seconds}
        wanted = {k: v for k, v in overrides.items() if v is not None}
        options = RenderOptions.from_settings(settings, **{**choices, **wanted})
        if "out_dir" not in wanted and not (settings or _settings()).output_dir:
            options.out_dir = self.out_dir
        return options

    def import_media(self, path: str | Path, want: str = "visual") -> Path:
        """Copy a photo or clip (`want="recording"`: a voice recording) into media/, unless it is already
        inside the project; returns the copy. A file that is not what it should be (a text file named
        cup.jpg, a 13000×13000 PNG) is refused before anything is copied."""
        src = Path(path).expanduser().resolve()
        if not src.is_file():
            raise StudioError(f"{src}: file not found; pick an existing photo or clip")
        why = media_problem(src, want)
        if why:
            raise StudioError(f"{src} {why}; nothing was copied")
        try:
            src.relative_to(self.folder.resolve())
            return src
        except ValueError:
            pass
        self.media_dir.mkdir(parents=True, exist_ok=True)
        target = self.media_dir / src.name
        n = 1
        while target.exists() and not _same_file(src, target):
            target = self.media_dir / f"{src.stem}_{n}{src.suffix}"
            n += 1
        if not target.exists():
            shutil.copy2(src, target)
        return target

    # ---------------------------------------------------------------- create, save, load
    @classmethod
    def create(cls, folder: str | Path, sheet: str | Path | None = None) -> "Project":
        """A new project in `folder` (created; must not hold a project yet), with the products of
        `sheet` if given (their media copied in). Bad sheet rows are kept as `sheet_problems`."""
        folder = Path(folder).expanduser()
        if (folder / PROJECT_FILE).exists():
            raise StudioError(f"{folder} already holds a project; open it instead, or pick an empty folder")
        folder.mkdir(parents=True, exist_ok=True)
        project = cls(folder=folder.resolve())
        if sheet is not None:
            project.import_sheet(sheet)
        project.save()
        return project

    def import_sheet(self, sheet_path: str | Path, replace: bool = True) -> list[Problem]:
        """Add (or with replace, set) the products of a sheet; media are copied into the project."""
        from .sheet import load_sheet

        sheet = load_sheet(sheet_path)
        items = self.items_from_sheet(sheet)
        self.items = items if replace else self.items + items
        self.source_sheet = str(Path(sheet_path).resolve())
        self.sheet_problems = list(sheet.problems)
        return sheet.problems

    def items_from_sheet(self, sheet) -> list[ProjectItem]:
        """New items for a read sheet's products, their photos, clips and recordings copied into media/."""
        items = []
        for product in sheet.products:
            product.images = [self.import_media(p) for p in product.images]
            if product.recording is not None:
                product.recording = self.import_media(product.recording, want="recording")
            items.append(ProjectItem(product))
        return items

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "style": asdict(self.style),
            "output_dir": self.output_dir,
            "source_sheet": self.source_sheet,
            "sheet_problems": [asdict(p) for p in self.sheet_problems],
            "products": [self._item_to_dict(item) for item in self.items],
        }

    def _item_to_dict(self, item: ProjectItem) -> dict[str, Any]:
        d = item.product.to_dict()
        d["images"] = [self._rel(p) for p in item.product.images]
        d["recording"] = self._rel(item.product.recording) if item.product.recording else None
        return {"id": item.id, "product": d,
                "script": [asdict(s) for s in item.script] if item.script is not None else None,
                "variants": item.variants}

    def _rel(self, path: str | Path) -> str:
        p = Path(path)
        try:
            return p.resolve().relative_to(self.folder.resolve()).as_posix()
        except ValueError:
            return str(p)

    def _abs(self, text: str) -> Path:
        p = Path(text)
        return p if p.is_absolute() else self.folder / p

    @property
    def backup_file(self) -> Path:
        return self.folder / BACKUP_FILE

    def save(self) -> Path:
        """Write project.json atomically and durably: the new text goes to a part file, is flushed to
        the disk (fsync), the previous project.json becomes project.json.bak, and the part file is
        renamed over it. A crash or a full disk at any point leaves a whole project.json (old or new)."""
        tmp = self.folder / f".{PROJECT_FILE}.{os.getpid()}.part"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(json.dumps(self.to_dict(), ensure_ascii=False, indent=2))
                f.flush()
                os.fsync(f.fileno())
            self._keep_previous()
            os.replace(tmp, self.file)
            fsync_folder(self.folder)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            hint = " (the disk is full: free some space)" if exc.errno == 28 else ""
            raise StudioError(f"{self.file}: could not save the project: {exc}{hint}") from exc
        return self.file

    def _keep_previous(self) -> None:
        """project.json as it is now becomes project.json.bak, unless it is damaged (a damaged file
        must not replace a good backup). Hard-linked where the disk allows, else copied."""
        if not self.file.is_file() or _read_project_json(self.file) is None:
            return
        part = self.folder / f".{BACKUP_FILE}.{os.getpid()}.part"
        part.unlink(missing_ok=True)
        try:
            os.link(self.file, part)
        except OSError:
            shutil.copyfile(self.file, part)
        os.replace(part, self.backup_file)

    @classmethod
    def load(cls, folder: str | Path) -> "Project":
        """Open the project in `folder` (or the project.json path itself)."""
        path = Path(folder).expanduser()
        if path.name == PROJECT_FILE:
            path = path.parent
        file = path / PROJECT_FILE
        if not file.is_file():
            raise StudioError(f"{path}: no {PROJECT_FILE} here; create a project or pick its folder")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            backup = path / BACKUP_FILE
            if _read_project_json(backup) is not None:
                import time

                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(backup.stat().st_mtime))
                hint = (f"the version before the last save is kept in {backup} (saved {when}): copy it over "
                        f"{file} to open the project as it was then")
            else:
                hint = (f"there is no backup of it ({BACKUP_FILE} is missing or damaged too): create the project "
                        "again from its sheet")
            raise StudioError(f"{file}: the project file is damaged ({exc}); {hint}") from exc
        if not isinstance(data, dict) or data.get("format", 0) > FORMAT_VERSION:
            raise StudioError(f"{file}: made by a newer version of the studio; update the studio to open it")
        return cls.from_dict(path, data, where=str(file))

    @classmethod
    def from_dict(cls, folder: str | Path, data: dict, where: str = "project") -> "Project":
        """A project from `to_dict()` output (also how undo restores a snapshot)."""
        project = cls(folder=Path(folder).resolve())
        known_style = {f.name for f in fields(ProjectStyle)}
        project.style = ProjectStyle(**{k: v for k, v in (data.get("style") or {}).items() if k in known_style})
        project.output_dir = data.get("output_dir") or "out"
        project.source_sheet = data.get("source_sheet", "")
        project.sheet_problems = [Problem(**p) for p in data.get("sheet_problems", [])]
        seen: set[str] = set()
        for n, entry in enumerate(data.get("products", []), 1):
            try:
                item = project._item_from_dict(entry)
            except (TypeError, ValueError, KeyError) as exc:
                raise StudioError(f"{where}: product {n} is damaged ({exc})") from exc
            if item.id in seen:  # a product copied by hand inside the file: the copy gets its own id
                item.id = new_item_id()
            seen.add(item.id)
            project.items.append(item)
        project.assign_output_names()
        return project

    def assign_output_names(self) -> None:
        """Products whose videos would share a file name (two with one name, say) get their row in
        it, so no video overwrites another's (see sheet.give_clashing_names_their_own_files)."""
        from .sheet import give_clashing_names_their_own_files

        for item in self.items:
            item.product.output_name = ""
        give_clashing_names_their_own_files([item.product for item in self.items], str(self.file))

    def _item_from_dict(self, entry: dict) -> ProjectItem:
        d = dict(entry["product"])
        known = {f.name for f in fields(Product)}
        d = {k: v for k, v in d.items() if k in known}
        d["images"] = [self._abs(p) for p in d.get("images", [])]
        d["recording"] = self._abs(d["recording"]) if d.get("recording") else None
        if not d.get("currency"):  # projects saved before Product.currency kept a currency column in extra
            d["currency"] = _currency_in_extra(d.get("extra") or {})
        script = entry.get("script")
        scenes = [Scene(**s) for s in script] if script is not None else None
        item = ProjectItem(Product(**d), scenes, int(entry.get("variants", 1) or 1))
        if isinstance(entry.get("id"), str) and entry["id"].strip():
            item.id = entry["id"].strip()
        return item


def _settings():
    from .settings import Settings

    return Settings.load()


def _read_project_json(path: Path) -> dict | None:
    """The parsed project file at `path`, or None when it is missing or not a whole JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _currency_in_extra(extra: dict) -> str:
    from .currency import UnknownCurrency, parse_currency

    for key in ("currency", "货币", "币种"):
        if not extra.get(key):
            continue
        try:
            return parse_currency(str(extra.get(key) or ""))  # "" when the column is not there
        except UnknownCurrency:
            log.warning("project: currency %r is not one the studio knows; the language's own is used", extra[key])
    return ""


def default_project_folder() -> Path:
    """Where the first-run project lives: ~/AIGC-Studio/示例项目 (or $STUDIO_PROJECTS)."""
    base = Path(os.environ.get("STUDIO_PROJECTS") or Path.home() / "AIGC-Studio")
    return base / "example"
