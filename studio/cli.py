"""Command line: a thin shell over studio.pipeline for batch work.

    python main.py render SHEET|PROJECT [--template NAME] [--out DIR] [--variants N]
    python main.py script SHEET [--template NAME] [--variants N]   # print scripts, render nothing
    python main.py templates                                         # list templates
    python main.py export-template NAME FILE.zip                     # share a template as one file
    python main.py import-template FILE.zip [--name NAME] [--replace]
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from .core.vocab import DELIVERIES
from .util import CancelToken, StudioError


def _size(text: str) -> tuple[int, int]:
    """'512x912' -> (512, 912): both multiples of 8, from 64 to 2048."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 512x912") from None
    if not (64 <= w <= 2048 and 64 <= h <= 2048) or w % 8 or h % 8:
        raise argparse.ArgumentTypeError(f"{w}x{h}: both sides must be multiples of 8 from 64 to 2048")
    return w, h


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="main.py", description="Offline short-video studio: product sheet -> vertical videos.")
    sub = ap.add_subparsers(dest="command", required=True)

    r = sub.add_parser("render", help="render one video per product (and per variant)")
    r.add_argument("sheet", type=Path, help="product sheet (.csv, .xlsx, .json, .yaml) or a project folder made in the app")
    r.add_argument("--template", help="template name or folder (default: by product language)")
    r.add_argument("--out", type=Path, help="output folder (default: the saved setting, else out)")
    r.add_argument("--variants", type=int, default=1, help="scripts per product (default: 1)")
    r.add_argument("--seed", type=int, default=0, help="seed for the script variants")
    r.add_argument("--target", type=float, help="target length in seconds (15, 30, 60…); default: the template's")
    r.add_argument("--quality", choices=["draft", "final"], help="default: final (or the project's choice)")
    r.add_argument("--encoder", choices=["auto", "libx264", "h264_nvenc"],
                   help="default: auto (NVENC when a test encode works), or the saved GPU setting")
    r.add_argument("--voice", help="voice id (see `templates`); default: the template's")
    r.add_argument("--whisper-engine", choices=["faster-whisper", "openai-whisper"])
    r.add_argument("--whisper-model", help="local model: a CTranslate2 folder, or a .pt file for openai-whisper")
    r.add_argument("--only", action="append", default=[], help="render only products whose name contains this")
    r.add_argument("--allow-flagged", action="store_true",
                   help="render even when the compliance check blocks a script (recorded in the manifest)")
    r.add_argument("--workers", type=int, default=1, help="videos rendered at once (default 1; 2 pays off on 2+ cores)")
    r.add_argument("--ai-backgrounds", type=int, metavar="N",
                   help="paint N backgrounds per video with a local diffusers model (0-6; default: the template's, "
                        "usually 0); the product photo shows on a card over them")
    r.add_argument("--diffusers-model", metavar="DIR",
                   help="a local diffusers text-to-image model folder (default: the one in settings)")
    r.add_argument("--ai-steps", type=int, metavar="N", help="denoising steps per AI background (default 20)")
    r.add_argument("--ai-size", metavar="WxH", type=_size,
                   help="the size AI backgrounds are painted at, then scaled to the frame (default 512x912; "
                        "smaller is much faster on a CPU)")
    r.add_argument("--compose", choices=["auto", "cpu", "cuda"],
                   help="where photo zooms are drawn: auto (default: a CUDA GPU through torch when there is one), "
                        "or the saved GPU setting")
    r.add_argument("--voice-check", choices=["auto", "on", "off"],
                   help="Whisper checks a studio voice's pronunciation: auto (default) for final renders, not drafts")
    r.add_argument("--delivery", choices=sorted(DELIVERIES),
                   help="delivery preset: bitrate and file-size caps (default: the product's platform's)")
    r.add_argument("--max-mb", type=float, help="file-size ceiling for each video, in MB")
    r.add_argument("--force", action="store_true",
                   help="render every video again (by default a video whose inputs did not change is kept)")
    r.add_argument("--cluster", metavar="ADDRESS",
                   help="render on a render farm: tcp://HOST:8786 (a Dask scheduler), auto (the saved farm address), "
                        "or local (a farm of --workers processes on this PC); see README, Render farm")

    s = sub.add_parser("script", help="print the scripts a sheet would get, without rendering")
    s.add_argument("sheet", type=Path, help="product sheet or project folder")
    s.add_argument("--template")
    s.add_argument("--variants", type=int, default=1)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--target", type=float, help="target length in seconds; default: the template's")

    sub.add_parser("templates", help="list the templates and voices")
    ex = sub.add_parser("export-template", help="pack a template (its folder, preview, music) into one .zip to share")
    ex.add_argument("template", help="template name or folder")
    ex.add_argument("file", type=Path, help="the .zip to write")
    im = sub.add_parser("import-template", help="install a shared template .zip into your template folder")
    im.add_argument("file", type=Path, help="the .zip to import")
    im.add_argument("--name", help="install it under this name instead of its own")
    im.add_argument("--replace", action="store_true", help="replace an imported template of the same name")

    st = sub.add_parser("settings", help="show or change saved settings (AI-content label producer, models, GPU)")
    st.add_argument("--producer-name", help="your shop or company name, written into every video's AIGC label")
    st.add_argument("--producer-id", help="your registration code for the AIGC label (optional)")
    st.add_argument("--output-dir")
    st.add_argument("--whisper-model", help="a local Whisper model folder (empty: the built-in one)")
    st.add_argument("--diffusers-model", help="a local diffusers model folder")
    st.add_argument("--gpu", choices=["auto", "on", "off"])
    st.add_argument("--cluster-address", help="the render farm the app sends its queue to (tcp://HOST:8786; empty: this PC)")

    fs = sub.add_parser("farm-scheduler", help="make this PC the render farm's head (runs `dask scheduler`)")
    fs.add_argument("--port", type=int, default=8786, help="the port workers and renders connect to (default 8786)")
    fs.add_argument("--dry-run", action="store_true", help="print the dask scheduler command, run nothing")
    fw = sub.add_parser("farm-worker", help="make this PC a render farm worker (runs `dask worker` with its resources)")
    fw.add_argument("address", help="the farm's scheduler, e.g. tcp://192.168.1.10:8786")
    fw.add_argument("--nworkers", type=int, help="videos this PC renders at once (default: one per 4 cores)")
    fw.add_argument("--name", help="this PC's name in reports (default: its host name)")
    fw.add_argument("--dry-run", action="store_true", help="print the dask worker command, run nothing")
    return ap


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (0 all rendered, 1 some failed, 2 bad usage)."""
    args = _parser().parse_args(argv)
    from .core.logs import setup_logging

    setup_logging()
    try:
        if args.command == "templates":
            return _templates()
        if args.command == "export-template":
            return _export_template(args)
        if args.command == "import-template":
            return _import_template(args)
        if args.command == "script":
            return _script(args)
        if args.command == "settings":
            return _settings(args)
        if args.command == "farm-scheduler":
            from .farm.worker import start_scheduler

            return start_scheduler(args.port, dry_run=args.dry_run)
        if args.command == "farm-worker":
            from .farm.worker import start_worker

            return start_worker(args.address, nworkers=args.nworkers, name=args.name, dry_run=args.dry_run)
        return _render(args)
    except StudioError as exc:
        import logging

        logging.getLogger(__name__).info("main.py %s: %s", args.command, exc, exc_info=exc.__cause__ is not None)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ncancelled", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so plainly, keep the trace in the log
        import logging

        from .core.logs import log_path

        logging.getLogger(__name__).exception("main.py %s failed", args.command)
        print(f"internal error: {type(exc).__name__}: {exc}\n(the details are in {log_path()}; please send that "
              "file with a bug report)", file=sys.stderr)
        return 3


def _templates() -> int:
    from .script import list_templates
    from .voice import available_voices

    templates = list_templates()
    for t in templates:
        print(f"{t.name:<22} {t.language}  {t.category:<9} {t.title}  ({t.target_seconds:g}s)")
    for b in templates.broken:  # a broken template must not just vanish from the list
        print(f"{b.name:<22} BROKEN: {b.error}", file=sys.stderr)
    print("voices:", ", ".join(available_voices()))
    return 0


def _export_template(args) -> int:
    from .script import export_template

    result = export_template(args.template, args.file)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"exported {args.template} ({result.files} files) -> {result.path}")
    return 0


def _import_template(args) -> int:
    from .script import import_template

    template = import_template(args.file, name=args.name, replace=args.replace)
    print(f"imported {template.name} ({template.language}, {template.title}) -> {template.folder}")
    print(f"use it with: main.py render SHEET --template {template.name}")
    return 0


def _settings(args) -> int:
    from dataclasses import asdict

    from .settings import Settings

    st = Settings.load()
    changes = {k: v for k, v in vars(args).items() if k != "command" and v is not None}
    for key, value in changes.items():
        setattr(st, key, value)
    if changes:
        st.save()
    for key, value in asdict(st).items():
        print(f"{key:<20} {value}")
    print(f"(stored in {Settings.path()})")
    return 0


def _load(path: Path):
    """(sheet, edited scripts by product index, project or None) for a sheet file or a project folder."""
    from .project import PROJECT_FILE, Project
    from .sheet import load_sheet
    from .types import Sheet

    if path.is_dir() or path.name == PROJECT_FILE:
        project = Project.load(path)
        sheet = Sheet(project.file, [it.product for it in project.items], list(project.sheet_problems))
        scripts = {i: it.script for i, it in enumerate(project.items) if it.script is not None}
        return sheet, scripts, project
    return load_sheet(path), {}, None


def _options(args, project=None) -> "RenderOptions":
    """The render options for a command: saved settings, then the project's choices (when rendering a
    project), then what the command line says."""
    from .pipeline import RenderOptions

    overrides = dict(
        out_dir=getattr(args, "out", None), template=args.template, variants=max(1, args.variants),
        seed=args.seed, voice=getattr(args, "voice", None), quality=getattr(args, "quality", None),
        encoder=getattr(args, "encoder", None), whisper_engine=getattr(args, "whisper_engine", None),
        whisper_model=getattr(args, "whisper_model", None), allow_flagged=getattr(args, "allow_flagged", None),
        target_seconds=getattr(args, "target", None), voice_check=getattr(args, "voice_check", None),
        delivery=getattr(args, "delivery", None), max_mb=getattr(args, "max_mb", None),
        skip_unchanged=not getattr(args, "force", False), compose=getattr(args, "compose", None),
        ai_backgrounds=getattr(args, "ai_backgrounds", None), diffusers_model=getattr(args, "diffusers_model", None),
        ai_background_steps=getattr(args, "ai_steps", None), ai_background_size=getattr(args, "ai_size", None),
    )
    if project is not None:
        return project.render_options(**overrides)
    return RenderOptions.from_settings(**overrides)


def _print_problems(sheet) -> None:
    for p in sheet.problems:
        tag = "ERROR" if p.severity == "error" else "warning"
        print(f"  {tag}: {p}", file=sys.stderr)


def _script(args) -> int:
    """Print the script each product × variant would get, with its compliance findings; exit 1 when
    a row would not render (a sheet error, a missing photo, a blocking finding)."""
    from .pipeline import describe_findings, jobs_for, plan_jobs

    sheet, scripts, project = _load(args.sheet)
    _print_problems(sheet)
    options = _options(args, project)
    failed = False
    for job, the_plan, settled in plan_jobs(jobs_for(sheet, options.variants, scripts),
                                            dataclasses.replace(options, skip_unchanged=False)):
        label = f"{job.product.name} (variant {job.variant + 1})"
        if the_plan is None:
            print(f"== {label}: NOT RENDERABLE: {settled.error}", file=sys.stderr)
            failed = True
            continue
        print(f"== {job.product.name} (template {the_plan.template.name}, variant {job.variant + 1}, "
              f"about {the_plan.estimated_s:g} s)")
        for scene in the_plan.script.scenes:
            print(f"  [{scene.kind}] {' '.join(scene.lines)}")
        if the_plan.findings:
            print("  compliance:")
            for line in describe_findings(the_plan.findings).splitlines():
                print(f"    {line}")
        failed = failed or the_plan.blocked
    return 1 if failed or any(p.severity == "error" for p in sheet.problems) else 0


def _render(args) -> int:
    from tqdm import tqdm

    from .pipeline import disk_space_warning, jobs_for, local_runner, run_batch
    from .pipeline.report import REPORT_HTML

    sheet, scripts, project = _load(args.sheet)
    ids = [item.id for item in project.items] if project is not None else None  # the app's item ids
    if args.only:
        keep = [i for i, p in enumerate(sheet.products) if any(o in p.name for o in args.only)]
        scripts = {n: scripts[i] for n, i in enumerate(keep) if i in scripts}
        ids = [ids[i] for i in keep] if ids is not None else None
        sheet.products = [sheet.products[i] for i in keep]
    options = _options(args, project)
    jobs = jobs_for(sheet, options.variants, scripts, ids=ids)
    print(f"{args.sheet}: {len(sheet.products)} product(s) ready, {len(jobs)} video(s) to render into {options.out_dir}/")
    if sheet.problems:
        print("problems in the sheet:", file=sys.stderr)
        _print_problems(sheet)
    cancel = CancelToken()
    started = time.perf_counter()
    bar = tqdm(total=len(jobs) * 100, unit="%", bar_format="{l_bar}{bar}| {elapsed}<{remaining}",
               dynamic_ncols=True, disable=None)  # a bar on a terminal; plain lines in logs and CI
    fractions: dict[int, float] = {}  # per job, so parallel workers add up correctly

    def on_planned(plans) -> None:
        warning = disk_space_warning(plans, options.out_dir)
        if warning:
            tqdm.write(f"warning: {warning}", file=sys.stderr)

    def on_progress(job, progress) -> None:
        fractions[job.index] = progress.fraction
        bar.n = int(sum(fractions.values()) * 100)
        bar.set_description(f"[{job.index + 1}/{len(jobs)}] {job.product.name[:18]} {progress.stage}")
        bar.refresh()

    def on_result(job, result) -> None:
        fractions[job.index] = 1.0
        bar.n = int(sum(fractions.values()) * 100)
        bar.refresh()
        if result.reused:
            tqdm.write(f"  kept   {result.video}  (unchanged since it was rendered; --force renders it again)")
        elif result.ok:
            on = f" on {result.node}" if result.node else ""
            tqdm.write(f"  ok     {result.video}  ({sum(result.timings.values()):.1f}s{on})")
            for warning in result.warnings[:3]:  # the rest are in the manifest
                tqdm.write(f"         note: {warning}")
        else:
            tqdm.write(f"  FAILED {result.product}: {result.error}")

    if args.cluster:
        from .farm import cluster_runner

        runner = cluster_runner(args.cluster, workers=args.workers if args.workers > 1 else None)
        print(f"rendering on the render farm at {runner.address}")
    else:
        runner = local_runner(max(1, args.workers) if len(jobs) > 1 else 1)
    stopper = _signals_stop(cancel)
    try:
        with stopper:
            report = run_batch(jobs, options, runner=runner, on_progress=on_progress, on_result=on_result,
                               cancel=cancel, sheet=sheet, on_planned=on_planned)
    except KeyboardInterrupt as exc:
        bar.close()
        print(f"\n{exc or 'cancelled'}; finished videos are kept, the unfinished ones were removed "
              f"(what happened is in {options.out_dir / 'summary.json'})", file=sys.stderr)
        return 130
    finally:
        runner.close()
    bar.close()
    if stopper.signalled:
        print(f"\nstopped by {stopper.signalled}: finished videos are kept, the unfinished ones were removed "
              f"(what happened is in {options.out_dir / 'summary.json'}; run the same command again to finish)",
              file=sys.stderr)
        return 130
    ok = [r for r in report.results if r.ok]
    kept = sum(r.reused for r in ok)
    print(f"\nrendered {len(ok) - kept} of {len(jobs)} video(s){f', kept {kept} unchanged' if kept else ''} "
          f"in {time.perf_counter() - started:.1f}s -> {options.out_dir}/")
    bad_rows = [p for p in report.sheet_problems if p.severity == "error"]
    if report.failed or bad_rows:
        print("not rendered:", file=sys.stderr)
        for r in report.failed:
            print(f"  {r.product}: {r.error}", file=sys.stderr)
        for p in bad_rows:
            print(f"  {p}", file=sys.stderr)
    if report.stopped:
        print(f"STOPPED: {report.stopped}", file=sys.stderr)
    if report.summary_error:
        print(f"warning: {report.summary_error}", file=sys.stderr)
    elif report.failed or bad_rows or report.stopped:
        print(f"(details in {options.out_dir / 'summary.json'})", file=sys.stderr)
    if not report.summary_error:
        print(f"report: {options.out_dir / REPORT_HTML} (and report.csv)")
    return 0 if report.ok else 1


class _signals_stop(object):
    """While a batch runs, Ctrl-C (SIGINT) and SIGTERM (a shutdown, `kill`) stop it by its cancel
    token: running renders notice at their next frame or step, remove their part files, and the
    summary is written. (Raising from the handler could land inside a finalizer, where Python drops
    the exception and the batch would go on.) A second signal stops at once."""

    def __init__(self, cancel: CancelToken) -> None:
        self.cancel = cancel
        self.signalled = ""
        self._old: dict = {}

    def __enter__(self) -> "_signals_stop":
        import signal

        for sig in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)):
            if sig is None:
                continue
            try:
                self._old[sig] = signal.signal(sig, self._stop)
            except ValueError:  # not the main thread: leave the signal alone
                pass
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for sig, old in self._old.items():
            signal.signal(sig, old)

    def _stop(self, signum, frame) -> None:
        import signal

        if self.signalled:
            raise KeyboardInterrupt(f"stopped at once by a second {self.signalled}")
        self.signalled = "termination signal" if signum == getattr(signal, "SIGTERM", None) else "Ctrl-C"
        self.cancel.cancel("interrupted")
