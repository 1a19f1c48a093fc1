"""Precision/recall of the compliance checker on the labelled corpus.

    python -m studio.compliance.evaluate [--corpus PATH] [--json] [--quiet] [--no-terms] [--unseal]

Then, unless --no-terms, the bench on real banned-word lists (term_bench.py): recall by source,
family, spoken and on-screen, and false alarms on clean copy (written for the bench and real),
for dev, for the test split that the rules were never tuned on, and for the list held out unread
(``blind``); test and blind are printed as totals only.

A finding is a true positive when its category matches a labelled violation of the same line and
its span overlaps that violation's text; each labelled violation is matched at most once. Line
accuracy: a line counts as right when "has a finding" agrees with "has a labelled violation".

A record may carry ``product`` ({"name", "price", "original_price", "offer", "brand"}): the line is
then checked as a script line of that product, so spoken prices and discounts are measured too.

Each split is reported on its own. ``dev``: the rules were tuned on it. ``heldout-v1``: held out
in the first round; its misses were published and then informed general rule fixes, so it is no
longer blind. ``heldout-v2``: written after that, before any further rule change; never tuned on.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..types import Product
from . import check_lines, check_text
from .rules import CATEGORIES

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "compliance_corpus.jsonl"


def load_corpus(path: Path | str = DEFAULT_CORPUS) -> list[dict]:
    records = []
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}, line {n}: not valid JSON ({e.msg})") from None
        for v in rec.get("violations", []):
            if v["text"] not in rec["text"]:
                raise ValueError(f"{path}, line {n}: violation text {v['text']!r} is not in the line")
        records.append(rec)
    return records


def _spans(text: str, needle: str) -> list[tuple[int, int]]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append((i, i + len(needle)))
        i = text.find(needle, i + 1)
    return out


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Report:
    split: str
    lines: int = 0
    lines_right: int = 0
    overall: Counts = field(default_factory=Counts)
    by_category: dict[str, Counts] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def line_accuracy(self) -> float:
        return self.lines_right / self.lines if self.lines else 1.0

    def as_dict(self) -> dict:
        return {"split": self.split, "lines": self.lines, "line_accuracy": round(self.line_accuracy, 4),
                "overall": self.overall.as_dict(),
                "by_category": {k: v.as_dict() for k, v in sorted(self.by_category.items())},
                "misses": self.misses, "false_alarms": self.false_alarms}


def _findings(rec: dict) -> list:
    text, lang, cat = rec["text"], rec.get("language", ""), rec.get("category", "")
    prod = rec.get("product")
    if prod is None:
        return check_text(text, lang, category=cat, product_names=rec.get("product_names", []))
    product = Product(name=str(prod.get("name", "")), price=prod.get("price"),
                      original_price=prod.get("original_price"), offer=str(prod.get("offer", "")),
                      brand=str(prod.get("brand", "")), category=cat, language=lang or "zh")
    return check_lines([text], product, lang)


def splits(records: list[dict]) -> list[str]:
    """The splits in corpus order (records without one count as dev)."""
    out: list[str] = []
    for r in records:
        s = r.get("split", "dev")
        if s not in out:
            out.append(s)
    return out


def evaluate(records: list[dict], split: str = "all") -> Report:
    rep = Report(split)
    for rec in records:
        if split != "all" and rec.get("split", "dev") != split:
            continue
        text = rec["text"]
        findings = _findings(rec)
        gold = [(v["category"], _spans(text, v["text"]), v["text"]) for v in rec.get("violations", [])]
        matched = [False] * len(gold)
        rep.lines += 1
        rep.lines_right += int(bool(findings) == bool(gold))
        for f in findings:
            hit = None
            for gi, (cat, spans, _) in enumerate(gold):
                if cat == f.category and any(f.start < e and s < f.end for s, e in spans):
                    hit = gi
                    if not matched[gi]:
                        break
            c = rep.by_category.setdefault(f.category, Counts())
            if hit is None:
                c.fp += 1
                rep.overall.fp += 1
                rep.false_alarms.append(f"{f.category}: '{f.text}' in {text}")
            elif not matched[hit]:
                matched[hit] = True
                c.tp += 1
                rep.overall.tp += 1
            # a second finding on an already matched violation is neither rewarded nor punished
        for gi, (cat, _, vt) in enumerate(gold):
            if not matched[gi]:
                rep.by_category.setdefault(cat, Counts()).fn += 1
                rep.overall.fn += 1
                rep.misses.append(f"{cat}: '{vt}' in {text}")
    return rep


def format_report(rep: Report, details: bool = True) -> str:
    o = rep.overall
    rows = [f"== {rep.split}: {rep.lines} lines, line accuracy {rep.line_accuracy:.1%}",
            f"{'category':<16}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}{'F1':>7}"]
    for cat in [c for c in CATEGORIES if c in rep.by_category] + sorted(set(rep.by_category) - set(CATEGORIES)):
        c = rep.by_category[cat]
        rows.append(f"{cat:<16}{c.tp:>5}{c.fp:>5}{c.fn:>5}{c.precision:>11.1%}{c.recall:>8.1%}{c.f1:>7.1%}")
    rows.append(f"{'overall':<16}{o.tp:>5}{o.fp:>5}{o.fn:>5}{o.precision:>11.1%}{o.recall:>8.1%}{o.f1:>7.1%}")
    if details:
        rows += [f"  miss:        {m}" for m in rep.misses]
        rows += [f"  false alarm: {m}" for m in rep.false_alarms]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m studio.compliance.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="labelled JSONL corpus")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--quiet", action="store_true", help="leave out the list of misses and false alarms")
    ap.add_argument("--no-terms", action="store_true", help="leave out the bench on real banned-word lists")
    ap.add_argument("--unseal", action="store_true",
                    help="score the sealed lists too (round 4's held-out lists, blind4: meant to be scored once)")
    a = ap.parse_args(argv)
    try:
        records = load_corpus(a.corpus)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    reports = [evaluate(records, s) for s in splits(records) + ["all"]]
    if a.json:
        print(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        print(f"corpus: {a.corpus} ({len(records)} lines, "
              f"{sum(1 for r in records if r.get('violations'))} with violations)")
        for r in reports:
            print(format_report(r, details=not a.quiet and r.split != "all"))
            print()
    if not a.no_terms and not a.json:
        from .term_bench import format_bench, run_bench

        try:
            print(format_bench(run_bench(include_sealed=a.unseal), details=not a.quiet))
        except (OSError, ValueError, KeyError) as e:
            print(f"error: the term bench cannot run: {e}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
