"""Recognition accuracy and speed on real recordings with reference transcripts.

Reads a folder holding `refs.jsonl` (file, lang, ref) and the WAV files, e.g. ../shared/data/speech.
Prints, per recording and engine: character error rate (Mandarin) or word error rate (English)
after normalising case, punctuation, Traditional/Simplified and number forms, and the realtime
factor (processing seconds / audio seconds), with and without priming Whisper by the reference's
key terms (what product-sheet priming does for a merchant's own recording).

    .venv/bin/python scripts/measure_asr.py ../shared/data/speech
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


def main() -> None:
    from studio.subtitles import transcribe

    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "speech")
    refs = [json.loads(l) for l in (folder / "refs.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    transcribe(folder / refs[0]["file"], refs[0]["lang"])  # load the model outside the timings
    totals: dict[tuple[str, bool], list[int]] = {}
    print(f"{'file':<40} {'lang':<4} {'primed':<6} {'error':>7} {'RTF':>5}  text")
    for ref in refs:
        path = folder / ref["file"]
        with wave.open(str(path)) as w:
            seconds = w.getnframes() / w.getframerate()
        for primed in (False, True):
            prompt = None
            if primed:  # the key terms a product sheet would supply: the reference's longest words
                words = ref["ref"].split() if ref["lang"] != "zh" else re.findall(r"[\u4e00-\u9fff]{2,4}", ref["ref"])
                prompt = ("，" if ref["lang"] == "zh" else ", ").join(sorted(words, key=len)[-4:])
            t0 = time.perf_counter()
            heard = transcribe(path, ref["lang"], initial_prompt=prompt)
            rtf = (time.perf_counter() - t0) / seconds
            hyp, truth = normalise(heard.text, ref["lang"]), normalise(ref["ref"], ref["lang"])
            errors = edit_distance(truth, hyp)
            acc = totals.setdefault((ref["lang"], primed), [0, 0])
            acc[0] += errors
            acc[1] += len(truth)
            print(f"{ref['file']:<40} {ref['lang']:<4} {str(primed):<6} {errors / max(1, len(truth)):7.1%} {rtf:5.2f}  {heard.text}")
    print()
    for (lang, primed), (errors, n) in sorted(totals.items()):
        metric = "CER" if lang == "zh" else "WER"
        print(f"{lang} {metric} {'primed' if primed else 'plain '}: {errors / max(1, n):.1%} ({errors}/{n})")


if __name__ == "__main__":
    main()
