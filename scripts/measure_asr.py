"""Recognition accuracy and speed on real recordings with reference transcripts.

Reads a folder holding `refs.jsonl` (file, lang, ref) and the WAV files, e.g. ../shared/data/speech.
Prints, per recording, engine (faster-whisper and openai-whisper, the latter with the built-in
base model converted to a .pt checkpoint) and priming: character error rate (Mandarin) or word
error rate (English) after normalising case, punctuation, Traditional/Simplified and number forms,
and the realtime factor (processing seconds / audio seconds; also CPU seconds per audio second,
which another load on the machine disturbs less). Priming: none; a generic style
prompt (Mandarin); the reference's key terms (what product-sheet priming does for a merchant's own
recording; optimistic, since the terms come from the reference).

    .venv/bin/python scripts/measure_asr.py [../shared/data/speech] [--engines faster-whisper,openai-whisper]
"""
from __future__ import annotations

import json
import re
import sys
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def normalise(text: str, lang: str) -> list[str]:
    from studio.subtitles.align import number_key
    from studio.subtitles.whisper import to_simplified

    text = to_simplified(text).lower()
    if lang == "zh":
        text = re.sub(r"[^\w]", "", text)
        text = re.sub(r"\d+", lambda m: m.group(), text)
        return [c if not c.isdigit() else number_key(c) for c in text]
    return re.sub(r"[^\w\s']", " ", text).split()


def edit_distance(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


STYLE_PROMPT = {"zh": "以下是普通话的句子，使用简体中文。", "en": ""}  # a generic prompt: no words of the content


def prompts(ref: dict) -> dict[str, str | None]:
    """The priming conditions: none; a generic style prompt (no content words: an unbiased figure);
    the clip's key terms (what a product sheet's brand, name and selling points supply for a
    merchant's recording; here taken from the reference itself, so an optimistic figure)."""
    lang = ref["lang"]
    words = ref["ref"].split() if lang != "zh" else re.findall(r"[\u4e00-\u9fff]{2,4}", ref["ref"])
    terms = ("，" if lang == "zh" else ", ").join(sorted(words, key=len)[-4:])
    out: dict[str, str | None] = {"plain": None}
    if STYLE_PROMPT[lang]:
        out["style"] = STYLE_PROMPT[lang]
    out["terms"] = (STYLE_PROMPT[lang] + terms + "。") if lang == "zh" else terms + "."
    return out


def main() -> None:
    import argparse

    from studio.subtitles import transcribe

    parser = argparse.ArgumentParser(description="CER/WER and realtime factor per engine, model and priming")
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "data" / "speech")
    parser.add_argument("--engines", default="faster-whisper,openai-whisper",
                        help="comma-separated: faster-whisper, openai-whisper (default both)")
    parser.add_argument("--model", default=None, help="a CTranslate2 folder (faster-whisper; converted for "
                        "openai-whisper) or a .pt checkpoint (openai-whisper); default: the built-in base")
    args = parser.parse_args()
    folder = args.folder
    refs = [json.loads(l) for l in (folder / "refs.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    totals: dict[tuple[str, str, str, str], list[float]] = {}
    print(f"{'engine':<15} {'file':<38} {'lang':<4} {'prime':<6} {'error':>7} {'RTF':>5}  text")
    for engine in args.engines.split(","):
        model = args.model
        t0 = time.perf_counter()
        warm = transcribe(folder / refs[0]["file"], refs[0]["lang"], engine=engine, model=model)  # load (and convert)
        print(f"# {engine}: model {warm.model} (load and first run {time.perf_counter() - t0:.1f} s)")
        for ref in refs:
            path = folder / ref["file"]
            with wave.open(str(path)) as w:
                seconds = w.getnframes() / w.getframerate()
            for label, prompt in prompts(ref).items():
                t0, c0 = time.perf_counter(), time.process_time()
                heard = transcribe(path, ref["lang"], engine=engine, model=model, initial_prompt=prompt)
                rtf = (time.perf_counter() - t0) / seconds
                cpu = time.process_time() - c0
                hyp, truth = normalise(heard.text, ref["lang"]), normalise(ref["ref"], ref["lang"])
                errors = edit_distance(truth, hyp)
                acc = totals.setdefault((engine, Path(warm.model).name, ref["lang"], label), [0, 0, 0.0, 0.0, 0.0])
                acc[0] += errors
                acc[1] += len(truth)
                acc[2] += time.perf_counter() - t0
                acc[3] += seconds
                acc[4] += cpu
                print(f"{engine:<15} {ref['file']:<38} {ref['lang']:<4} {label:<6} {errors / max(1, len(truth)):7.1%} "
                      f"{rtf:5.2f}  {heard.text}", flush=True)
    print()
    print(f"{'engine':<15} {'model':<18} {'lang':<4} {'metric':<6} {'priming':<7} {'error':>7} {'(errors/units)':>14} {'RTF':>5} {'CPU s/s':>7}")
    for (engine, model, lang, label), (errors, n, spent, audio, cpu) in totals.items():
        metric = "CER" if lang == "zh" else "WER"
        print(f"{engine:<15} {model:<18} {lang:<4} {metric:<6} {label:<7} {errors / max(1, n):7.1%} "
              f"{f'({errors}/{n})':>14} {spent / max(audio, 1e-9):5.2f} {cpu / max(audio, 1e-9):7.2f}")


if __name__ == "__main__":
    main()
