"""The studio's GPU paths measured in one run, printed as one table (`bash scripts/device_check.sh`).

On a machine with an NVIDIA GPU (the device machine: Python with a CUDA torch, no ffmpeg, no
network; scripts/device_wheels.sh prepares what it lacks in .device-wheels/) it measures:

- the render benchmark's 30 s reference video (scripts/benchmark_render.py: clips with photo cards,
  title, headlines, price tag, narration, captions), and the same project with zooming product
  photos instead of clips, each with `--compose cpu` and `--compose cuda` (x264 on all cores), and
  with NVENC when the card has it: wall and CPU seconds, frames per second;
- whether NVENC works on the card (the studio's own one-frame test encode, with its reason), and
  x264 and NVENC alone on the reference clip;
- the tiny diffusers pipeline (studio/imagery_testing.py) through the studio's painting code, fp16 on
  the GPU against fp32 on the CPU: denoising steps per second and one 512x912 background's time;
- faster-whisper on the GPU, when its CTranslate2 wheel can run with the CUDA there, else why not.

Every measurement runs in its own process with a time limit; a failure becomes a row with its
reason and the table is printed all the same. The whole run keeps inside --budget seconds.
`--dry-run` runs the same steps on this machine's CPU at small sizes, GPU rows marked not
available with the reason the studio itself gives.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import benchmark_render as bench  # noqa: E402  (after the path set-up)

# what the render path and the measured stages import (checked first, so a missing one is a row)
MODULES = ("numpy", "PIL", "scipy", "pyloudnorm", "imageio_ffmpeg", "torch", "diffusers", "transformers",
           "safetensors", "huggingface_hub", "ctranslate2", "faster_whisper")


@dataclass(frozen=True)
class Sizes:
    """How big each measurement is: the real check, or the dry run's small version."""

    seconds: float  # the reference video
    preset: str  # x264 preset of the renders
    sd_size: tuple[int, int]  # a painted background
    sd_steps: int  # denoising steps of a background
    encode_frames: int  # encoder-only runs
    budget_s: float  # the whole run


FULL = Sizes(30, "veryfast", (512, 912), 20, 600, 420)
DRY = Sizes(4, "veryfast", (64, 112), 4, 60, 900)  # no device time to save here: room for a busy machine


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    check: str
    where: str
    wall_s: float | None = None
    cpu_s: float | None = None
    rate: str = ""
    result: str = ""


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| check | where | wall s | CPU s | rate | result |", "|---|---|---|---|---|---|"]
    for r in rows:
        result = r.result.replace("|", "/").replace("\n", " ")
        lines.append(f"| {r.check} | {r.where} | {_num(r.wall_s)} | {_num(r.cpu_s)} | {r.rate or '—'} | {result} |")
    return "\n".join(lines)


class Budget:
    """The run's time: each step gets its own limit, never past the end of the whole run."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.total = seconds

    def limit(self, step_s: float) -> float:
        return max(0.0, min(step_s, self.end - time.monotonic()))

    def exhausted(self, need_s: float = 5) -> bool:
        return self.end - time.monotonic() < need_s

    def skipped(self, check: str, where: str) -> Row:
        return Row(check, where, result=f"skipped: the run's {self.total / 60:.0f}-minute budget ran out")


# ----------------------------------------------------------------------------- facts of the machine
def machine_facts() -> list[str]:
    """Date, CPU, GPU, driver, Python, torch and ffmpeg, one line each."""
    facts = [f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"CPU: {_cpu_model()}, {bench_cores()} usable cores; Python {platform.python_version()}"]
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = subprocess.run([smi, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                                 capture_output=True, text=True, timeout=30)
            facts.append(f"GPU: {out.stdout.strip() or out.stderr.strip()}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            facts.append(f"GPU: nvidia-smi did not answer ({exc})")
    else:
        facts.append("GPU: none (no nvidia-smi)")
    try:
        import torch

        cuda = torch.cuda.is_available()
        facts.append(f"torch {torch.__version__} (CUDA {torch.version.cuda}); sees a GPU: "
                     + (torch.cuda.get_device_name(0) if cuda else "no"))
    except Exception as exc:  # reported, not fatal: the rows say what it costs
        facts.append(f"torch: not usable ({exc})")
    try:
        from studio.util import ffmpeg_exe

        exe = ffmpeg_exe()
        version = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True, timeout=30)
        facts.append(f"ffmpeg: {version.stdout.splitlines()[0] if version.stdout else version.stderr.strip()}")
    except Exception as exc:
        facts.append(f"ffmpeg: not usable ({exc})")
    return facts


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def bench_cores() -> int:
    from studio.render.encode import usable_cores

    return usable_cores()


def imports_row() -> Row:
    """Which of the modules the measured paths import are there, with their versions."""
    import importlib

    found, missing = [], []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
            found.append(f"{name} {getattr(module, '__version__', '')}".strip())
        except Exception as exc:  # an import that crashes counts as missing, with why
            missing.append(f"{name} ({type(exc).__name__}: {str(exc)[:80]})")
    result = ("missing: " + "; ".join(missing) + ". " if missing else "all there. ") + ", ".join(found)
    return Row("imports", "Python " + platform.python_version(), result=result)


# ----------------------------------------------------------------------------- renders
def render_rows(sizes: Sizes, work: Path, carried: Path | None, budget: Budget) -> list[Row]:
    """The reference video and its photo version, composed on the CPU and on the GPU, x264 on
    every core; with NVENC when the card has it."""
    from studio.render.encode import probe_nvenc
    from studio.render.gpu import compose_device

    seconds, preset, cores = sizes.seconds, sizes.preset, bench_cores()
    media_dir = work / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    if carried is not None:  # the narration made here, where the studio's voice is installed
        for voice in (carried / "media").glob(f"voice_{int(seconds)}.*"):
            shutil.copyfile(voice, media_dir / voice.name)
    gpu, gpu_reason = compose_device("cuda")
    try:
        from studio.util import ffmpeg_exe

        nvenc, nvenc_reason = probe_nvenc(ffmpeg_exe(), "h264_nvenc")
    except Exception as exc:
        nvenc, nvenc_reason = False, f"no ffmpeg to test with ({exc})"
    x264 = f"x264 {preset}, {cores} threads"
    plan = [("clips", "ours", f"CPU, {x264}", None),
            ("clips", "ours-cuda", f"GPU, {x264}", None if gpu else gpu_reason),
            ("photos", "ours", f"CPU, {x264}", None),
            ("photos", "ours-cuda", f"GPU, {x264}", None if gpu else gpu_reason),
            ("clips", "ours-nvenc", "CPU compose, GPU encoder", None if nvenc else nvenc_reason),
            ("photos", "ours-gpu", "GPU compose, GPU encoder", None if gpu and nvenc else
             (gpu_reason if not gpu else nvenc_reason))]
    rows, media_json = [], {}
    for base, contender, where, unavailable in plan:
        compose = "cuda" if contender in ("ours-cuda", "ours-gpu") else "cpu"
        check = f"render {seconds:g} s reference, {base}, --compose {compose}" + (
            " --encoder h264_nvenc" if contender in ("ours-nvenc", "ours-gpu") else "")
        if unavailable:
            rows.append(Row(check, where, result=f"not available: {unavailable}"))
            continue
        if budget.exhausted(seconds * 2):
            rows.append(budget.skipped(check, where))
            continue
        if base not in media_json:
            try:
                media = bench.make_media(media_dir, seconds, base=base)
            except Exception as exc:  # no ffmpeg, no voice: every render of this project says so
                media_json[base] = f"the reference media could not be made: {type(exc).__name__}: {exc}"
            else:
                path = work / f"media_{base}_{int(seconds)}.json"
                path.write_text(json.dumps(media, ensure_ascii=False))
                media_json[base] = path
        if isinstance(media_json[base], str):
            rows.append(Row(check, where, result=f"failed: {media_json[base]}"))
            continue
        out = work / f"{contender}_{base}_{int(seconds)}.mp4"
        try:
            r = bench.measure(contender, media_json[base], out, preset, timeout_s=budget.limit(60 + seconds * 5))
        except SystemExit as exc:
            rows.append(Row(check, where, result=f"failed: {exc}"))
            continue
        rows.append(Row(check, where, r["wall_s"], r["cpu_s"], f"{r['fps']:.1f} fps",
                        f"ok; peak RSS {r['peak_rss_mb']:.0f} MB"))
    return rows


# ----------------------------------------------------------------------------- encoders
def encoder_rows(sizes: Sizes, work: Path, budget: Budget) -> list[Row]:
    """NVENC's test encode (the studio's own), then x264 on every core and NVENC alone on the
    reference's portrait clip (decoding included)."""
    from studio.render.encode import probe_nvenc
    from studio.util import ffmpeg_exe

    try:
        ffmpeg = ffmpeg_exe()
    except Exception as exc:
        return [Row("NVENC test encode", "GPU", result=f"failed: no ffmpeg ({exc})")]
    rows, works = [], {}
    for codec in ("h264_nvenc", "hevc_nvenc"):
        ok, reason = probe_nvenc(ffmpeg, codec)
        works[codec] = ok
        rows.append(Row(f"NVENC test encode ({codec})", "GPU", result=("yes: " if ok else "no: ") + reason))
    clip = work / "media" / "clip1_grain4.mp4"
    if not clip.is_file():  # made by the renders; without them, make it the benchmark's way
        try:
            bench.make_media(work / "media", sizes.seconds)
        except Exception as exc:
            rows.append(Row("encode only", "CPU", result=f"failed: no clip to encode ({exc})"))
            return rows
    cores = bench_cores()
    runs = [("x264 veryfast", f"CPU, {cores} threads", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21",
                                                         "-threads", str(cores)], None),
            ("x264 medium", f"CPU, {cores} threads", ["-c:v", "libx264", "-preset", "medium", "-crf", "21",
                                                       "-threads", str(cores)], None),
            ("h264_nvenc p5", "GPU", ["-c:v", "h264_nvenc", "-preset", "p5", "-rc", "vbr", "-cq", "22", "-b:v", "0"],
             None if works["h264_nvenc"] else "NVENC's test encode failed (above)")]
    for name, where, codec_args, unavailable in runs:
        check = f"encode only, {name}, 1080x1920, {sizes.encode_frames} frames"
        if unavailable:
            rows.append(Row(check, where, result=f"not available: {unavailable}"))
            continue
        if budget.exhausted(15):
            rows.append(budget.skipped(check, where))
            continue
        cmd = [ffmpeg, "-hide_banner", "-v", "error", "-stream_loop", "-1", "-i", str(clip), "-frames:v",
               str(sizes.encode_frames), "-an", *codec_args, "-f", "null", "-"]
        run = bench.run_timed(cmd, work, budget.limit(120), work / f"encode_{name.replace(' ', '_')}.log")
        if not run.ok:
            rows.append(Row(check, where, run.wall_s, run.cpu_s, result=f"failed: {run.why()}"))
            continue
        rows.append(Row(check, where, run.wall_s, run.cpu_s, f"{sizes.encode_frames / run.wall_s:.1f} fps", "ok"))
    return rows


# ----------------------------------------------------------------------------- steps in a child process
def _child(step: str, args: list[str], work: Path, budget: Budget, limit_s: float) -> tuple[dict | None, str]:
    """Run `device_check.py --step STEP` in its own process: (its JSON answer, or None and why)."""
    answer = work / f"{step}_{'_'.join(args).replace('/', '_')}.json"
    answer.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--step", step, "--work", str(work), "--answer", str(answer), *args]
    run = bench.run_timed(cmd, work, budget.limit(limit_s), answer.with_suffix(".log"))
    if run.ok and answer.is_file():
        return json.loads(answer.read_text()), ""
    return None, run.why()


def diffusers_rows(sizes: Sizes, work: Path, budget: Budget) -> list[Row]:
    """The tiny pipeline painted through studio.imagery: fp16 on the GPU, fp32 on the CPU."""
    rows = []
    w, h = sizes.sd_size
    try:
        import torch

        gpu_reason = "" if torch.cuda.is_available() else "torch sees no CUDA device"
    except Exception as exc:
        gpu_reason = f"torch could not be used ({exc})"
    for device, where in (("cuda", "GPU, fp16"), ("cpu", "CPU, fp32")):
        check = f"diffusers tiny pipeline, {w}x{h}, {sizes.sd_steps} steps"
        if device == "cuda" and gpu_reason:
            rows.append(Row(check, where, result=f"not available: {gpu_reason}"))
            continue
        if budget.exhausted(20):
            rows.append(budget.skipped(check, where))
            continue
        answer, why = _child("diffusers", ["--device", device, "--size", f"{w}x{h}",
                                           "--steps", str(sizes.sd_steps)], work, budget, 240)
        if answer is None:
            rows.append(Row(check, where, result=f"failed: {why}"))
            continue
        rows.append(Row(check, where, answer["image_s"], answer["image_cpu_s"], f"{answer['steps_per_s']:.1f} steps/s",
                        f"ok; {answer['dtype']} on {answer['device']}; first picture {answer['first_s']:.1f} s "
                        f"(loading {answer['load_s']:.1f} s); {answer['picture']}"))
    return rows


def paint_step(work: Path, device: str, size: tuple[int, int], steps: int) -> dict:
    """(In the child) load the tiny pipeline on `device`, paint once to warm up, then once with
    `steps` steps: its time, and steps per second from the times the denoising steps end."""
    os.environ["STUDIO_CACHE"] = "off"  # every picture painted, none taken from the cache
    from PIL import Image

    from studio.imagery import generate_backgrounds, load_pipeline
    from studio.imagery_testing import build_tiny_pipeline
    from studio.types import Product

    model = build_tiny_pipeline(work / "tiny-sd")
    t0 = time.perf_counter()
    pipe, used = load_pipeline(model, device)
    load_s = time.perf_counter() - t0
    product = Product("保温杯", 59.9, category="家居")
    sync = None
    if used == "cuda":
        import torch

        sync = torch.cuda.synchronize
    step_ends: list[float] = []

    def on_progress(_fraction: float) -> None:  # at each denoising step's end, and once the picture is saved
        if sync:
            sync()  # the GPU's work of that step, not just its queueing
        step_ends.append(time.perf_counter())

    start = time.perf_counter()
    generate_backgrounds(product, model, 1, work / f"paint_{device}_warm", steps=2, size=size, device=device)
    first_s = time.perf_counter() - start
    cpu0, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    made = generate_backgrounds(product, model, 1, work / f"paint_{device}", steps=steps, size=size, device=device,
                                on_progress=on_progress)
    image_s, cpu1 = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    step_ends = step_ends[:-1]  # the last call: the picture saved
    picture = Image.open(made.paths[0])
    low, high = picture.convert("L").getextrema()
    return {"device": used, "dtype": str(pipe.unet.dtype).replace("torch.", ""), "load_s": load_s,
            "first_s": first_s, "image_s": image_s,
            "image_cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
            "steps_per_s": (len(step_ends) - 1) / (step_ends[-1] - step_ends[0]) if len(step_ends) > 1 else 0.0,
            "picture": f"picture {picture.size[0]}x{picture.size[1]}, "
                       + ("blank (one grey level: the model's output is broken)" if low == high
                          else f"grey levels {low}-{high}")}


def whisper_rows(sizes: Sizes, work: Path, carried: Path | None, budget: Budget) -> list[Row]:
    """faster-whisper on the GPU: the studio's own test of whether it can run there, then (when it
    can and the Whisper model is here) the narration transcribed on the GPU and on the CPU."""
    check = "faster-whisper (CTranslate2) on CUDA"
    if budget.exhausted(10):
        return [budget.skipped(check, "GPU")]
    args = ["--seconds", f"{sizes.seconds:g}"] + (["--carried", str(carried)] if carried else [])
    answer, why = _child("whisper", args, work, budget, 120)
    if answer is None:
        return [Row(check, "GPU", result=f"failed: {why}")]
    return [Row(**row) for row in answer["rows"]]


def whisper_step(work: Path, seconds: float, carried: Path | None) -> dict:
    """(In the child) the rows of whisper_rows."""
    import ctypes

    check = "faster-whisper (CTranslate2) on CUDA"
    left_out = {}
    if carried is not None and (carried / "left-out.json").is_file():
        left_out = json.loads((carried / "left-out.json").read_text())
    try:
        import ctranslate2  # noqa: F401  (only whether it is here)
    except ImportError:
        needed = left_out.get("ctranslate2_cuda_libraries") or []
        seen = []
        for library in needed:
            try:
                ctypes.CDLL(library)
                seen.append(f"{library} loads here")
            except OSError:
                seen.append(f"{library} does not load here")
        others = sorted({p.name for d in sys.path if Path(d).is_dir()
                         for p in Path(d).glob("nvidia/*/lib/libcublas.so.*")})
        why = left_out.get("faster-whisper", "ctranslate2 is not installed and was not carried")
        result = (f"not run: {why}. The wheel needs {', '.join(needed) or 'its CUDA libraries'}: "
                  f"{'; '.join(seen) or 'not checked'}" + (f" (cuBLAS here: {', '.join(others)})" if others else ""))
        return {"rows": [asdict(Row(check, "GPU", result=result))]}
    from studio.subtitles.whisper import faster_whisper_cuda, transcribe

    usable, why = faster_whisper_cuda()
    if not usable:
        return {"rows": [asdict(Row(check, "GPU", result=f"not available: {why}"))]}
    try:
        from studio.models_setup import ensure_whisper_base

        ensure_whisper_base()
    except Exception as exc:
        return {"rows": [asdict(Row(check, "GPU", result=f"GPU usable ({why}) but no Whisper model here: {exc}"))]}
    voice = next(iter(sorted((work / "media").glob(f"voice_{int(seconds)}.wav"))), None)
    if voice is None:
        return {"rows": [asdict(Row(check, "GPU", result="GPU usable, but no narration to transcribe (renders failed?)"))]}
    rows = []
    for device, where in (("cuda", "GPU, float16"), ("cpu", "CPU, int8")):
        transcribe(voice, "zh", device=device, temperatures=(0.0,))  # loads the model, warms up
        start, cpu0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        heard = transcribe(voice, "zh", device=device, temperatures=(0.0,))
        wall, cpu1 = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
        rows.append(asdict(Row(f"faster-whisper base, {seconds:g} s narration", where, wall,
                               (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
                               f"RTF {wall / seconds:.3f}", f"ok; {len(heard.words)} words heard")))
    return {"rows": rows}


# ----------------------------------------------------------------------------- main
def run_all(dry_run: bool, work: Path, carried: Path | None, budget_s: float | None = None,
            small: bool = False) -> tuple[list[str], list[Row]]:
    """Every step, in order; the facts and the rows."""
    sizes = DRY if dry_run or small else FULL
    budget = Budget(budget_s or sizes.budget_s)
    facts = machine_facts()
    if dry_run:
        facts.insert(0, "dry run: this machine's CPU at small sizes; GPU rows say why they cannot run here")
    for line in facts:
        print(line, flush=True)
    rows = [imports_row()]
    for step in (lambda: render_rows(sizes, work, carried, budget), lambda: encoder_rows(sizes, work, budget),
                 lambda: diffusers_rows(sizes, work, budget), lambda: whisper_rows(sizes, work, carried, budget)):
        try:
            new = step()
        except Exception as exc:  # one broken step must not cost the table
            new = [Row("step", "", result=f"failed: {type(exc).__name__}: {exc}")]
        for row in new:
            print(f"  {row.check} [{row.where}]: {row.result} {row.rate}", flush=True)
        rows += new
    return facts, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true", help="this machine's CPU, small sizes")
    ap.add_argument("--small", action="store_true", help="the dry run's small sizes, without calling it a dry run")
    ap.add_argument("--work", help="working folder (default: a folder in the temporary directory)")
    ap.add_argument("--carried", help="the folder scripts/device_wheels.sh filled (.device-wheels)")
    ap.add_argument("--out-dir", help="also write device_check.md and device_check.json here")
    ap.add_argument("--budget", type=float, help="seconds for the whole run (default 420; dry run 900)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--answer", help=argparse.SUPPRESS)
    ap.add_argument("--device", help=argparse.SUPPRESS)
    ap.add_argument("--size", help=argparse.SUPPRESS)
    ap.add_argument("--steps", help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    work = Path(args.work or Path(tempfile.gettempdir()) / "aigc-studio-device-check")
    work.mkdir(parents=True, exist_ok=True)
    carried = Path(args.carried).resolve() if args.carried and Path(args.carried).is_dir() else None
    if args.step == "diffusers":
        w, h = (int(v) for v in args.size.split("x"))
        answer = paint_step(work, args.device, (w, h), int(args.steps))
    elif args.step == "whisper":
        answer = whisper_step(work, args.seconds, carried)
    elif args.step:
        ap.error(f"unknown step {args.step}")
    if args.step:
        Path(args.answer).write_text(json.dumps(answer, ensure_ascii=False))
        return 0
    facts, rows = run_all(args.dry_run, work, carried, args.budget, args.small)
    text = "\n".join(facts) + "\n\n" + table(rows)
    print("\n" + text, flush=True)
    if args.out_dir:
        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "device_check.md").write_text(text + "\n", encoding="utf-8")
        (out / "device_check.json").write_text(json.dumps({"facts": facts, "rows": [asdict(r) for r in rows]},
                                                          ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
