"""Caption timing against the truth, and script alignment over generated scripts.

Voices the scripts that the template library makes for a set of products (zh and en, every
template of the language, variants), with the studio's own voices. The synthetic voices know when
they said each word (Mandarin: FastSpeech2's phoneme durations; English: Piper's phoneme
alignments), so each script word has a true start. Then, for the two ways the studio can time
captions:

- whisper: the script's words timed by Whisper (faster-whisper base, as the pipeline runs it): what
  a merchant's own recording gets;
- voice:   the script's words timed from the voice's own durations: what a synthetic voice gets
  (the pipeline default when the voice knows its times);

it prints the median and 95th percentile of |start - true start| over words (word boundaries) and
over caption pages (when each caption appears), the share of captions whose text equals the
script, and zero-length or out-of-order captions.

    .venv/bin/python scripts/measure_timing.py [--scripts N] [--language zh|en|both] [--keep DIR]

Prints figures; asserts nothing. About 8 s per script on a 2-core CPU (voice + Whisper).
"""
from __future__ import annotations

import argparse
import difflib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXTRA_PRODUCTS = [  # besides the example sheet: more English, and Chinese with Latin letters and units
    dict(name="Everyday Canvas Tote", price=24.99, original_price=34.99, language="en", category="tote bag",
         selling_points=["Heavy cotton canvas that lasts for years", "Inner zip pocket for your keys",
                         "Fits a 15-inch laptop"], audience="commuters", brand="Canvas Co", offer="Free shipping over $30"),
    dict(name="PawPal Slow Feeder Bowl", price=12.5, language="en", category="pet bowl",
         selling_points=["Slows fast eaters down", "Non-slip rubber base", "Dishwasher safe"], audience="dog owners"),
    dict(name="Glow Vitamin C Serum 30ml", price=19.0, original_price=29.0, language="en", category="serum",
         selling_points=["Brightens dull skin in two weeks", "Light texture that sinks in fast"], brand="Glow"),
    dict(name="AirMax USB-C Charger 65W", price=35.0, language="en", category="charger",
         selling_points=["Charges a laptop and a phone at once", "Folding plug for travel"]),
    dict(name="暖暖婴儿纯棉连体衣", price=79.0, original_price=129.0, language="zh", category="婴儿服",
         selling_points=["A类纯棉面料", "前开扣换尿布方便", "四季可穿"], audience="新手爸妈", brand="暖暖"),
    dict(name="极速空气炸锅 5L", price=199.0, language="zh", category="空气炸锅",
         selling_points=["无油也能炸得酥脆", "5L大容量一家够吃", "可视窗口随时看"], offer="今天下单送烘焙纸"),
]


def products():
    from studio.sheet import load_sheet
    from studio.types import Product

    sheet = load_sheet(ROOT / "examples" / "products.csv")
    out = list(sheet.products)
    out += [Product(images=[Path("a.jpg")], **p) for p in EXTRA_PRODUCTS]
    return out


def jobs(n: int, languages: list[str]):
    """n (product, template, variant) triples, alternating languages and cycling through templates,
    products and variants so that a short run already covers several of each."""
    from studio.script import list_templates

    templates = {lang: [t for t in list_templates() if t.language == lang] for lang in languages}
    prods = {lang: [p for p in products() if p.language == lang] for lang in languages}
    out = []
    k = 0
    while len(out) < n:
        lang = languages[k % len(languages)]
        i = k // len(languages)
        ts, ps = templates[lang], prods[lang]
        out.append((ps[i % len(ps)], ts[i % len(ts)], i // len(ts)))
        k += 1
    return out


def truth_starts(voiceover, language: str) -> list[list[float | None]]:
    """Per line, per script token: the true start (from the voice's own durations) where the token
    is exactly a spoken unit; None where the voice said it another way (numbers, prices)."""
    from studio.subtitles.align import _recognised_tokens, token_key, tokenize

    out = []
    for span in voiceover.lines:
        tokens = tokenize(span.text, language)
        units = _recognised_tokens(span.words, language)
        starts: list[float | None] = [None] * len(tokens)
        sm = difflib.SequenceMatcher(None, [token_key(t) for t in tokens], [token_key(u.text) for u in units],
                                     autojunk=False)
        for block in sm.get_matching_blocks():
            for k in range(block.size):
                starts[block.a + k] = units[block.b + k].start
        out.append(starts)
    return out


def check_captions(captions, script_lines: list[str], language: str) -> dict:
    """Caption text vs script, zero-length and out-of-order pages and words."""
    from studio.subtitles.align import token_key, tokenize

    script_keys = [token_key(t) for line in script_lines for t in tokenize(line, language)]
    word_keys = [token_key(w.text) for p in captions.pages for w in p.words]
    equal_pages = 0
    k = 0
    for page in captions.pages:
        n = len(page.words)
        shown = "".join(token_key(x) for x in "".join(page.lines).split()) if language != "zh" else token_key("".join(page.lines))
        if shown == "".join(script_keys[k:k + n]) and [token_key(w.text) for w in page.words] == script_keys[k:k + n]:
            equal_pages += 1
        k += n
    zero = sum(1 for p in captions.pages if p.end <= p.start) + sum(
        1 for p in captions.pages for w in p.words if w.end <= w.start)
    disorder = sum(1 for a, b in zip(captions.pages, captions.pages[1:]) if b.start < a.end)
    words = [w for p in captions.pages for w in p.words]
    disorder += sum(1 for a, b in zip(words, words[1:]) if b.start < a.start)
    return dict(pages=len(captions.pages), equal_pages=equal_pages, text_equal=word_keys == script_keys,
                zero=zero, disorder=disorder)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scripts", type=int, default=6, help="how many scripts to voice (default 6; 50 for the full run)")
    parser.add_argument("--language", choices=["zh", "en", "both"], default="both")
    parser.add_argument("--keep", type=Path, help="keep the voice-overs in this folder")
    args = parser.parse_args()

    from studio import voice
    from studio.script import generate_script
    from studio.subtitles import build_captions, transcribe
    from studio.subtitles.align import align_lines

    languages = ["zh", "en"] if args.language == "both" else [args.language]
    work = args.keep or Path(tempfile.mkdtemp(prefix="measure_timing_"))
    work.mkdir(parents=True, exist_ok=True)
    errors = {(lang, mode, kind): [] for lang in languages for mode in ("whisper", "voice") for kind in ("word", "page")}
    checks = {(lang, mode): dict(scripts=0, pages=0, equal_pages=0, text_equal=0, zero=0, disorder=0, no_truth=0)
              for lang in languages for mode in ("whisper", "voice")}
    print(f"{'#':>3} {'lang':<4} {'template':<22} {'v':>2} {'audio s':>7} {'words':>5} "
          f"{'whisper med/p95 ms':>18} {'voice med/p95 ms':>17} {'score':>5}  product")
    for n, (product, template, variant) in enumerate(jobs(args.scripts, languages), 1):
        script = generate_script(product, template, variant=variant, seed=variant)
        lang = script.language
        lines = script.lines
        wav = work / f"{n:03d}_{lang}.wav"
        vo = voice.synthesize(lines, lang, wav, voice=template.style.get("voice"),
                              speed=float(template.style.get("speed", 1.0) or 1.0))
        transcript = transcribe(wav, lang, temperatures=(0.0,))  # as the pipeline runs it for a script
        truth = truth_starts(vo, lang)
        missing = sum(1 for span in vo.lines if not span.words)
        row = {}
        for mode in ("whisper", "voice"):
            c = checks[(lang, mode)]
            c["scripts"] += 1
            if mode == "voice" and missing:
                c["no_truth"] += 1
                row[mode] = (float("nan"), float("nan"))
                continue
            aligned, score = align_lines(vo, transcript, lang, timing=mode)
            signed = [(w.start - t) * 1000 for line, ts in zip(aligned, truth) for w, t in zip(line, ts) if t is not None]
            errs = [abs(e) for e in signed]
            errors[(lang, mode, "word")].extend(errs)
            errors.setdefault((lang, mode, "signed"), []).extend(signed)
            captions = build_captions(vo, transcript, lang, timing=mode)
            flat_truth = [t for ts in truth for t in ts]
            k = 0
            for page in captions.pages:
                if k < len(flat_truth) and flat_truth[k] is not None:
                    errors[(lang, mode, "page")].append(abs(page.start - flat_truth[k]) * 1000)
                k += len(page.words)
            result = check_captions(captions, lines, lang)
            for key in ("pages", "equal_pages", "zero", "disorder"):
                c[key] += result[key]
            c["text_equal"] += int(result["text_equal"])
            row[mode] = (statistics.median(errs) if errs else float("nan"), pct(errs, 0.95))
        n_truth = sum(1 for ts in truth for t in ts if t is not None)
        print(f"{n:>3} {lang:<4} {template.name:<22} {variant:>2} {vo.duration:7.1f} {n_truth:>5} "
              f"{row['whisper'][0]:8.0f} /{row['whisper'][1]:6.0f}   {row['voice'][0]:7.0f} /{row['voice'][1]:6.0f} "
              f"{score:5.2f}  {product.name}", flush=True)
    print()
    print("word and caption start error vs the voice's true word times (ms):")
    print(f"{'lang':<4} {'timing':<8} {'words':>6} {'median':>7} {'p95':>6} {'max':>6} {'bias':>6} | {'pages':>5} {'median':>7} {'p95':>6}")
    for lang in languages:
        for mode in ("whisper", "voice"):
            w, p = errors[(lang, mode, "word")], errors[(lang, mode, "page")]
            print(f"{lang:<4} {mode:<8} {len(w):>6} {pct(w, 0.5):7.0f} {pct(w, 0.95):6.0f} {max(w, default=float('nan')):6.0f} {pct(errors.get((lang, mode, 'signed'), []), 0.5):6.0f} | "
                  f"{len(p):>5} {pct(p, 0.5):7.0f} {pct(p, 0.95):6.0f}")
    print()
    print("script alignment (caption text vs script; zero-length and out-of-order pages/words):")
    for (lang, mode), c in checks.items():
        share = c["equal_pages"] / max(1, c["pages"])
        print(f"{lang:<4} {mode:<8} scripts {c['scripts']:>3}  pages {c['pages']:>4}  pages equal to the script "
              f"{share:7.2%}  whole text equal {c['text_equal']}/{c['scripts'] - c['no_truth']}  zero-length {c['zero']}  "
              f"out-of-order {c['disorder']}" + (f"  (no voice times: {c['no_truth']})" if c["no_truth"] else ""))
    if not args.keep:
        for f in work.glob("*"):
            f.unlink()
        work.rmdir()


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"\n{time.perf_counter() - t0:.0f} s")
