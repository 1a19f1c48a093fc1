"""Templates shared as one file: a zip of the template folder.

A creator exports a template (the folder, with its preview, music and anything else it holds) and
another studio imports it into the user's template folder. An imported package comes from a
stranger, so it is checked before anything lands: names inside the zip (no absolute paths, no `..`,
no links), its size and file count, exactly one template in it, and the template itself (the same
checks as a bundled one: YAML keys, the sandboxed Jinja2 script, the fit rules). It is unpacked
beside its destination and moved into place in one step, so a failed import leaves nothing behind.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from ..safeyaml import YamlLimitError, load_yaml_text
from ..util import TEMPLATES_DIR, StudioError, decode_utf8_or_gbk, is_disk_full
from .templates import Template, load_template, user_templates_dir

MAX_FILES = 200
MAX_BYTES = 200 * 1024 * 1024  # unpacked; music and a few clips fit, a zip bomb does not
_NAME = re.compile(r"^[\w][\w.-]{0,63}$")  # letters (any script), digits, _ . -


class TemplateExists(StudioError):
    """An imported template of the same name is installed (import again with replace=True)."""


@dataclass
class ExportResult:
    path: Path
    files: int
    warnings: list[str] = field(default_factory=list)


def export_template(name_or_folder: str | Path, dest: str | Path) -> ExportResult:
    """Zip a template (by name or folder) into `dest` (.zip added when missing). The template is
    checked first; a music file it uses from outside its folder is packed in and the package's
    template.yaml points at the packed copy. Written to a part file and renamed, so a failed export
    never leaves a zip that looks finished."""
    template = load_template(name_or_folder)
    dest = Path(dest)
    if dest.suffix.lower() != ".zip":
        dest = dest.with_name(dest.name + ".zip")
    files = _package_files(template)
    yaml_text = (template.folder / "template.yaml").read_text(encoding="utf-8")
    extra: list[tuple[Path, str]] = []
    warnings: list[str] = []
    music = template.style.get("music")
    if music and (template.meta.get("style") or {}).get("music"):
        found = template.resolve_asset(str(music))
        if found is None:
            warnings.append(f"its music '{music}' was not found; the package goes without it")
        elif not found.is_relative_to(template.folder) and not found.is_relative_to(TEMPLATES_DIR.parent / "assets"):
            packed = f"assets/{found.name}"
            extra.append((found, packed))
            yaml_text = _set_style_music(yaml_text, str(music), packed)
            warnings.append(f"its music {found} (outside the template folder) is packed in as {packed}")
    total = sum(p.stat().st_size for p in files) + sum(p.stat().st_size for p, _ in extra)
    if len(files) + len(extra) > MAX_FILES or total > MAX_BYTES:
        raise StudioError(f"template '{template.name}' holds {len(files) + len(extra)} files, {total / 1e6:.0f} MB: "
                          f"a package may hold {MAX_FILES} files and {MAX_BYTES // 2**20} MB; remove what it does not use")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.part")
    try:
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in files:
                arc = f"{template.name}/{p.relative_to(template.folder).as_posix()}"
                if p.name == "template.yaml" and p.parent == template.folder:
                    zf.writestr(arc, yaml_text)
                else:
                    zf.write(p, arc)
            for p, arc in extra:
                zf.write(p, f"{template.name}/{arc}")
        os.replace(part, dest)
    except OSError as exc:
        part.unlink(missing_ok=True)
        hint = " (the disk is full)" if is_disk_full(exc) else ""
        raise StudioError(f"could not write {dest}: {exc}{hint}") from exc
    return ExportResult(dest, len(files) + len(extra), warnings)


def _package_files(template: Template) -> list[Path]:
    """The files of a template folder that go into its package (hidden files and caches left out).
    A link is refused, never followed: it could lead anywhere on the creator's disk, and whoever
    imports the package must get only what the creator meant to share."""
    files: list[Path] = []
    for root, dirs, names in os.walk(template.folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for entry in [*dirs, *names]:
            path = Path(root) / entry
            if path.is_symlink():
                raise StudioError(f"template '{template.name}' holds a link {path.relative_to(template.folder)} "
                                  f"(to {path.resolve()}); a package holds plain files only: copy the file into "
                                  "the template folder instead")
        files += [Path(root) / n for n in sorted(names) if not n.startswith(".")]
    return sorted(files)


def _set_style_music(yaml_text: str, old: str, new: str) -> str:
    """template.yaml with its style.music value changed (the line edited, comments kept)."""
    pattern = re.compile(r"^(\s+music:\s*)(['\"]?)" + re.escape(old) + r"\2(\s*(?:#.*)?)$", re.M)
    return pattern.sub(lambda m: f"{m.group(1)}{new}{m.group(3)}", yaml_text, count=1)


def import_template(package: str | Path, name: str | None = None, replace: bool = False,
                    dest_root: Path | None = None) -> Template:
    """Install a template package (a zip made by export_template, or any zip holding one template
    folder) into the user's template folder and return it. `name` installs it under another name;
    `replace` overwrites an imported template of the same name (a bundled one is never replaced).
    Every refusal says what is wrong and what to do; nothing is left behind on failure."""
    package = Path(package)
    dest_root = Path(dest_root) if dest_root else user_templates_dir()
    try:
        zf = zipfile.ZipFile(package)
    except FileNotFoundError:
        raise StudioError(f"{package}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise StudioError(f"{package} is not a template package (a .zip file): {exc}") from None
    with zf:
        for info in zf.infolist():
            info.filename = _zip_name(info)
        infos = [i for i in zf.infolist() if not i.is_dir() and not _os_litter(i.filename)]
        root = _package_root(package, infos)
        name = name or root.name or package.stem
        if not _NAME.match(name):
            raise StudioError(f"'{name}' cannot be a template name: use letters, digits, _ . - (at most 64), "
                              "for example --name my_template")
        if (TEMPLATES_DIR / name).exists():
            raise StudioError(f"a bundled template is already named '{name}'; import it under another name "
                              f"(--name {name}_2 on the command line)")
        final = dest_root / name
        if final.exists() and not replace:
            raise TemplateExists(f"a template named '{name}' is already installed in {dest_root}; "
                              "replace it (--replace) or import it under another name (--name)")
        dest_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=dest_root))
        try:
            folder = staging / name
            for info in infos:
                rel = PurePosixPath(info.filename).relative_to(root)
                target = folder.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
            _name_in_yaml(folder / "template.yaml", name)
            load_template(folder, packaged=True)  # the same checks as any template; the error names file and line
            if final.exists():
                old = staging / ".replaced"
                os.replace(final, old)
            os.replace(folder, final)
        except OSError as exc:
            hint = " (the disk is full)" if is_disk_full(exc) else ""
            raise StudioError(f"could not install the template into {dest_root}: {exc}{hint}") from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return load_template(final)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its maker meant it: zips made on Chinese Windows store GBK names without
    the UTF-8 flag, which Python reads as cp437 ('Ä£°å' for 模板); backslashes become slashes."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = None
        if raw is not None and not raw.isascii():
            name = decode_utf8_or_gbk(raw) or name
    return name.replace("\\", "/")


def _os_litter(name: str) -> bool:
    """Files a zip tool adds on its own (macOS Finder's __MACOSX/ and ._ files, .DS_Store, Thumbs.db)."""
    path = PurePosixPath(name.replace("\\", "/"))
    return ("__MACOSX" in path.parts or path.name.startswith("._") or path.name in (".DS_Store", "Thumbs.db",
                                                                                     "desktop.ini"))


def _package_root(package: Path, infos: list[zipfile.ZipInfo]) -> PurePosixPath:
    """The folder inside the zip that holds the one template.yaml; refuses unsafe or odd packages."""
    if not infos:
        raise StudioError(f"{package} is empty: it holds no template")
    total = 0
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise StudioError(f"{package} holds an unsafe path '{info.filename}'; it was not imported")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise StudioError(f"{package} holds a link '{info.filename}'; templates hold plain files only")
        total += info.file_size
    if len(infos) > MAX_FILES or total > MAX_BYTES:
        raise StudioError(f"{package} unpacks to {len(infos)} files, {total / 1e6:.0f} MB: a template may hold "
                          f"{MAX_FILES} files and {MAX_BYTES // 2**20} MB")
    yamls = [PurePosixPath(i.filename) for i in infos if PurePosixPath(i.filename).name == "template.yaml"]
    if not yamls:
        raise StudioError(f"{package} holds no template.yaml: it is not a template package")
    roots = {y.parent for y in yamls}
    if len(roots) > 1:
        raise StudioError(f"{package} holds {len(roots)} templates ({', '.join(sorted(str(r) for r in roots))}); "
                          "import one package per template")
    root = roots.pop()
    outside = [i.filename for i in infos if root not in PurePosixPath(i.filename).parents]
    if outside:
        raise StudioError(f"{package} holds files outside its template folder ({outside[0]}, …); "
                          "a package holds one template folder")
    return root


def _name_in_yaml(yaml_path: Path, name: str) -> None:
    """Make template.yaml's `name` the folder's name (a template is found by its folder name)."""
    text = yaml_path.read_text(encoding="utf-8")
    try:
        meta = load_yaml_text(text)
    except (yaml.YAMLError, YamlLimitError):
        return  # load_template reports it, with the line
    if isinstance(meta, dict) and meta.get("name") == name:
        return
    new, count = re.subn(r"^name:.*$", f"name: {name}", text, count=1, flags=re.M)
    yaml_path.write_text(new if count else f"name: {name}\n{text}", encoding="utf-8")


__all__ = ["ExportResult", "TemplateExists", "export_template", "import_template", "user_templates_dir"]
