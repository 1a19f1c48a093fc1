"""The corpus of bad inputs in tests/data/bad/: every case goes through the real entry point (the
sheet loader, the template loader and script engine, template import and export, the project) and
must get the one outcome tests/data/bad/cases.yaml gives it. A case with `peak_mb` runs in a child
process whose address space is capped at 2 GB, and its peak RSS must stay under that figure, so a
memory blow-up fails the test instead of taking the machine down.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from studio.util import PROJECT_ROOT, StudioError

pytestmark = pytest.mark.unit

BAD = Path(__file__).parent / "data" / "bad"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))
CHILD_ADDRESS_SPACE = 2 * 1024**3
PLAIN_PRODUCT = {"name": "Canvas Tote", "price": 24.99, "selling_points": ["Heavy canvas", "Zip pocket"],
                 "language": "en"}


# ------------------------------------------------------------------ inputs made at run time
def _big_cell_csv(work: Path) -> Path:
    """A sheet with one good row and one whose selling points cell is 140 KB (the csv module's own
    limit is 128 KB, which once refused the whole sheet)."""
    path = work / "big_cell.csv"
    if path.exists():
        return path
    shutil.copy(BAD / "sheets" / "media" / "cup.png", work / "cup.png")
    path.write_text("name,price,selling points,images,language\n"
                    "Canvas Tote,24.99,Heavy canvas; Zip pocket,cup.png,en\n"
                    f"Long Tote,24.99,\"{'Very long text. ' * 9000}\",cup.png,en\n", encoding="utf-8")
    return path


def _big_jpeg(work: Path) -> Path:
    """A 9000x9000 JPEG (81 megapixels, 243 MB once decoded in full), made in strips."""
    from PIL import Image

    path = work / "big.jpg"
    if path.exists():
        return path
    strip = Image.new("L", (9000, 1000), 128)
    big = Image.new("L", (9000, 9000))
    for y in range(0, 9000, 1000):
        big.paste(strip, (0, y))
    big.save(path, quality=60)
    return path


def _damaged_project(work: Path, backup: bool = True) -> Path:
    from studio.project import Project, ProjectItem
    from studio.types import Product

    if (work / "p").exists():
        return work / "p"
    project = Project.create(work / "p")
    project.items.append(ProjectItem(Product("杯子")))
    project.save()
    if not backup:
        for stale in project.folder.glob("project.json.bak"):
            stale.unlink()
    project.file.write_text('{"format": 1, "products": [', encoding="utf-8")  # cut off mid-write
    return project.folder


def _template_with_absolute_music(work: Path) -> Path:
    """A template whose music is an absolute path to a real sound file elsewhere on the disk: fine for
    a creator's own template, never for a package from someone else."""
    import wave

    folder = work / "absolute_music"
    if folder.exists():
        return folder
    folder.mkdir()
    song = work / "private_song.wav"
    with wave.open(str(song), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\0\0" * 800)
    (folder / "template.yaml").write_text(f"name: absolute_music\nlanguage: en\nstyle:\n  music: {song}\n",
                                          encoding="utf-8")
    (folder / "script.j2").write_text("[hook]\nMeet the {{ name }}.\n", encoding="utf-8")
    return folder


SETUPS = {"template_with_absolute_music": _template_with_absolute_music, "big_cell_csv": _big_cell_csv, "big_jpeg": _big_jpeg, "damaged_project": _damaged_project,
          "damaged_project_no_backup": lambda work: _damaged_project(work, backup=False)}


# ------------------------------------------------------------------ running one case
def _input(case: dict, work: Path) -> Path:
    if case.get("setup"):
        return SETUPS[case["setup"]](work)
    return BAD / case["file"]


def _problems(sheet) -> list[dict]:
    return [{"row": p.row, "column": p.column, "severity": p.severity, "text": str(p)} for p in sheet.problems]


def _spoken(lines: list[str], language: str) -> str:
    from studio.voice import normalize_en
    from studio.voice.zh_normalize import normalize_zh

    return " ".join(normalize_zh(line) if language == "zh" else normalize_en(line) for line in lines)


def _price_tag(product, work: Path) -> str:
    from studio.pipeline import RenderOptions
    from studio.preview import Preview

    preview = Preview(product, RenderOptions(out_dir=work / "out"))
    try:
        return next(layer.text for layer in preview.timeline.layers if layer.kind == "price")
    finally:
        preview.close()


def _everything_under(folder: Path) -> str:
    texts = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as zf:
                    texts += [zf.read(n).decode("utf-8", "replace") for n in zf.namelist()]
    return "\n".join(texts)


def run_case(case: dict, work: Path) -> dict:
    """Run one case through its entry point; returns what happened as plain data."""
    from studio.sheet import load_sheet

    kind = case["kind"]
    source = _input(case, work)
    out: dict = {"error": None}
    try:
        if kind == "sheet":
            sheet = load_sheet(source)
            out["problems"] = _problems(sheet)
            out["products"] = len(sheet.products)
            out["slugs"] = [p.slug for p in sheet.products]
            out["currency"] = {str(p.source_row): p.currency for p in sheet.products}
        elif kind == "script":
            from studio.script import generate_script, load_template
            from studio.script.templates import default_template_for

            sheet = load_sheet(source)
            out["problems"] = _problems(sheet)
            product = next(p for p in sheet.products if p.source_row == case["row"])
            out["currency"] = {str(product.source_row): product.currency}
            script = generate_script(product, load_template(default_template_for(product.language)))
            offer = [line for scene in script.scenes if scene.kind == "offer" for line in scene.lines]
            out["says"] = _spoken(offer, script.language)
            out["shows"] = _price_tag(product, work)
            out["text"] = "\n".join(script.lines)
        elif kind == "cli_script":
            from studio.cli import main

            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                out["exit"] = main(["script", str(source)])
            out["text"] = buffer.getvalue()
            out["products"] = len(load_sheet(source).products)
        elif kind == "photo":
            from studio.media import open_photo

            with open_photo(source) as photo:
                out["size"] = list(photo.size)
        elif kind == "template":
            from studio.script import generate_script, load_template
            from studio.types import Product

            template = load_template(source)
            script = generate_script(Product(**PLAIN_PRODUCT), template)
            out["text"] = "\n".join(script.lines)
        elif kind == "package":
            from studio.script.share import import_template

            package = source
            if source.is_dir():
                package = work / f"{source.name}.zip"
                with zipfile.ZipFile(package, "w") as zf:
                    for path in sorted(source.rglob("*")):
                        zf.write(path, f"{source.name}/{path.relative_to(source).as_posix()}")
            (work / "installed").mkdir()
            import_template(package, dest_root=work / "installed")
        elif kind == "export":
            from studio.script.share import export_template

            (work / "exported").mkdir()
            export_template(source, work / "exported" / "shared.zip")
        elif kind == "project_import":
            from studio.project import Project

            project = Project.create(work / "project", sheet=source)
            out["products"] = len(project.items)
            out["problems"] = [{"row": p.row, "column": p.column, "severity": p.severity, "text": str(p)}
                               for p in project.sheet_problems]
        elif kind == "media_import":
            from studio.project import Project

            project = Project.create(work / "project")
            project.import_media(source)
        elif kind == "project_open":
            from studio.project import Project

            Project.load(source)
        else:
            raise AssertionError(f"unknown kind {kind}")
    except StudioError as exc:
        out["error"] = str(exc)
    media = work / "project" / "media"
    out["media"] = sorted(p.name for p in media.iterdir()) if media.is_dir() else []
    out["leftovers"] = sorted(str(p.relative_to(work)) for folder in ("installed", "exported")
                              if (work / folder).is_dir() for p in (work / folder).rglob("*"))
    out["everything"] = _everything_under(work) + "\n" + out.get("text", "")
    return out


def _peak_mb() -> float:
    """This process's peak RSS. Not getrusage's ru_maxrss: on Linux it keeps the peak of the forked
    parent from before exec (a pytest process that ran many tests), so a child would look as big as it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(case_id: str, work: str) -> None:
    """Entry point of the child process of a `peak_mb` case: prints the outcome and the peak RSS."""
    case = next(c for c in CASES if c["id"] == case_id)
    try:
        out = run_case(case, Path(work))
    except MemoryError:
        out = {"error": None, "memory_error": True}
    out["peak_mb"] = _peak_mb()
    print("OUTCOME " + json.dumps(out, ensure_ascii=False))


def _in_child(case: dict, work: Path) -> dict:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))

    _input(case, work)  # made here, so that making a big input does not count in the child's peak
    code = f"from tests.test_bad_inputs import child; child({case['id']!r}, {str(work)!r})"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, preexec_fn=cap, env=env)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("OUTCOME ")), None)
    assert line is not None, f"the child died (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(line[len("OUTCOME "):])


# ------------------------------------------------------------------ checking the outcome
def _row_problems(out: dict, row: int | None, severity: str) -> list[dict]:
    return [p for p in out.get("problems", []) if p["severity"] == severity and (row is None or p["row"] == row)]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_gets_its_outcome(case: dict, tmp_path: Path):
    expect = case["expect"]
    out = _in_child(case, tmp_path) if "peak_mb" in expect else run_case(case, tmp_path)
    assert not out.get("memory_error"), f"ran out of memory under a {CHILD_ADDRESS_SPACE >> 20} MB cap"
    row = case.get("row")
    if "error" in expect:
        if out["error"] is not None:  # the whole input was refused
            assert expect["error"] in out["error"], out["error"]
        else:
            errors = _row_problems(out, row, "error")
            assert errors, f"no error for row {row}: {out.get('problems')}"
            assert any(expect["error"] in p["text"] for p in errors), errors
            if "column" in expect:
                assert any(p["column"] == expect["column"] for p in errors if expect["error"] in p["text"]), errors
    else:
        assert out["error"] is None, out["error"]
        if row is not None or "products" not in expect:  # a whole-sheet case may keep bad rows of its own
            assert not _row_problems(out, row, "error"), out.get("problems")
    if "warning" in expect:
        warnings = _row_problems(out, row, "warning")
        assert any(expect["warning"].lower() in p["text"].lower() for p in warnings), warnings
    if "products" in expect:
        assert out["products"] == expect["products"], out.get("problems")
    if "currency" in expect:
        assert out["currency"][str(row)] == expect["currency"]
    if "shows" in expect:
        assert expect["shows"] in (out.get("shows") or out.get("text", "")), out
    if "says" in expect:
        assert expect["says"] in out["says"], out["says"]
    if "media" in expect:
        assert out["media"] == expect["media"]
    if "absent" in expect:
        assert expect["absent"] not in out["everything"]
    if expect.get("nothing_left"):
        assert out["leftovers"] == []
    if expect.get("safe_file_names"):
        assert all("/" not in s and ".." not in s for s in out["slugs"]), out["slugs"]
    if "peak_mb" in expect:
        assert out["peak_mb"] < expect["peak_mb"], f"peak RSS {out['peak_mb']:.0f} MB"


def test_every_corpus_file_has_a_case():
    """A file added to the corpus without an expected outcome would test nothing."""
    named = {c["file"] for c in CASES if "file" in c}
    named |= {str(Path(c["file"]).parent) for c in CASES if "file" in c}
    files = {str(p.relative_to(BAD)) for p in BAD.glob("*/*") if p.name != "media"}
    assert files - named - {"templates/outside_secret.txt"} == set()
