"""Recall on real banned-word lists, and false alarms on clean copy, spoken and on screen.

The term sets are in ``tests/data/compliance_sources`` (see its README): public lists, every term
labelled by family or out of scope and split dev/test per term (the first round's held-out list
is test whole), and one list that is never read term by term (split ``blind``, in scope unless the
same term is labelled out of scope). Each in-scope term is put into three spoken lines and three
on-screen texts (``carriers.yaml``); a line counts as caught when any finding overlaps the term.
Clean copy (``clean.yaml``: look-alike phrases and lines written for the bench, and real lines
nobody wrote for it) counts a false alarm for any finding at all. Everything goes through
:func:`check_script`, the path a real script takes: spoken lines as a scene's lines, on-screen
text as a scene's overlay.

Only dev misses are ever listed; test and blind figures are totals, so the rules cannot be tuned on them.
Round 4's two lists (split ``blind4``) are sealed: they are left out of every run unless asked for
(``include_sealed``, ``evaluate --unseal``), so that they are scored once, after the rules were written.
The lists of rounds 2 and 3 (``blind``, ``blind3``) have been scored and are development data now
(``SCORED``): their misses are listed like dev misses.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..types import Product, Scene, Script
from . import check_script

SOURCES_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "compliance_sources"
SEED = "aigc-studio-compliance-carriers-v1"
MODES = ("spoken", "onscreen")
# words the outside measurement (issue 14) named: test terms containing one were seen while the
# rules were written, so the blind figure leaves them out (and they are reported on their own)
NAMED, NOT_NAMED, NOT_NAMED_UNSEEN = "named in the issue", "not named in the issue", "not named, in no vocabulary source"
UNREAD = "in no other list or vocabulary source"  # blind terms nobody here had read
# lists never read term by term: round 2's (measured three times), round 3's (scored once) and round 4's
BLIND_SPLITS = ("blind", "blind3", "blind4")
SEALED = ("blind4",)  # left out unless asked for, so that it is scored once
# lists scored blind and then folded into the rules (round 4): development data now, their misses are listed
SCORED = ("blind", "blind3")
NAMED_IN_ISSUE = ("秒杀", "倒计时", "再不抢就没了", "最新", "首发", "首家", "领先", "驰名商标", "国家免检", "纯天然",
                  "100%", "TOP.1", "第1")


@dataclass(frozen=True)
class Case:
    """One line of the bench: a term in a carrier, or a clean line."""

    text: str
    mode: str  # spoken | onscreen
    split: str  # dev | test
    product: str
    category: str
    term: str = ""  # "" for clean copy
    source: str = ""
    family: str = ""
    named: bool = False  # the term contains a word the issue named
    in_vocabulary: bool = False  # the term itself is in a list the rules' vocabulary came from (or a dev term);
    # for a blind term: in any other list or vocabulary source (a term that was read)
    list_category: str = ""  # a blind term: the heading its own list files it under
    kind: str = ""  # clean copy: "written" (for this bench) or "real" (nobody wrote it for the bench)
    names: tuple[str, ...] = ()  # names the sheet carries besides `product` (brand, model), never flagged


def _pick(key: str, n: int, k: int) -> list[int]:
    """k distinct indices out of n, chosen by a seeded hash of key."""
    order = sorted(range(n), key=lambda i: hashlib.sha256(f"{SEED}:{key}:{i}".encode()).hexdigest())
    return order[:k]


def _split(key: str) -> str:
    return "dev" if hashlib.sha256(f"{SEED}:split:{key}".encode()).digest()[0] % 2 == 0 else "test"


def _load_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"{path}: cannot read ({e})") from None


def vocabulary_terms(sources_dir: Path = SOURCES_DIR) -> set[str]:
    """The terms of the lists and pages the rules' vocabulary was taken from (vocabulary/*.txt)."""
    out: set[str] = set()
    for path in sorted((sources_dir / "vocabulary").glob("*.txt")):
        out |= {t.strip() for t in path.read_text(encoding="utf-8").splitlines() if t.strip() and not t.startswith("#")}
    return out


def term_cases(sources_dir: Path = SOURCES_DIR, include_sealed: bool = False) -> list[Case]:
    """Every in-scope term of terms.jsonl in three spoken and three on-screen carriers (a sealed
    list's terms only with include_sealed)."""
    carriers = _load_yaml(sources_dir / "carriers.yaml")
    rows = []
    products, spoken, onscreen = carriers["products"], carriers["spoken"], carriers["onscreen"]
    out: list[Case] = []
    path = sources_dir / "terms.jsonl"
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}, line {n}: not valid JSON ({e.msg})") from None
        rows.append(row)
    vocabulary = vocabulary_terms(sources_dir)
    seen = vocabulary | {r["term"] for r in rows if r["split"] == "dev"}
    read = vocabulary | {r["term"] for r in rows if r["split"] not in BLIND_SPLITS}  # every term of a labelled list
    read_now = read | {r["term"] for r in rows if r["split"] in SCORED}  # and of the lists folded in since
    for row in rows:
        if not row.get("in_scope") or (row["split"] in SEALED and not include_sealed):
            continue
        term = row["term"]
        prod = products[_pick(term, len(products), 1)[0]]
        named = any(w in term for w in NAMED_IN_ISSUE)
        for mode, pool in (("spoken", spoken), ("onscreen", onscreen)):
            for i in _pick(f"{mode}:{term}", len(pool), 3):
                known = term in (read_now if row["split"] in SEALED else read if row["split"] in BLIND_SPLITS else seen)
                out.append(Case(pool[i].format(t=term, p=prod["name"]), mode, row["split"], prod["name"],
                                prod["category"], term, row["source"], row["family"], named, known,
                                list_category=str(row.get("list_category", ""))))
    return out


def clean_cases(sources_dir: Path = SOURCES_DIR) -> list[Case]:
    """Clean copy: the clean phrases in the same carriers as the terms, whole clean lines written for
    the bench, and real lines nobody wrote for it (each with the product it was said about)."""
    carriers = _load_yaml(sources_dir / "carriers.yaml")
    clean = _load_yaml(sources_dir / "clean.yaml")
    products, out = carriers["products"], []
    for phrase in clean.get("phrases", []):
        prod = products[_pick(phrase, len(products), 1)[0]]
        for mode in MODES:
            pool = carriers[mode]
            for i in _pick(f"{mode}:{phrase}", len(pool), 3):
                out.append(Case(pool[i].format(t=phrase, p=prod["name"]), mode, _split(phrase), prod["name"],
                                prod["category"], kind="written"))
    for mode in MODES:
        for line in clean.get(mode, []):
            prod = products[_pick(line, len(products), 1)[0]]
            out.append(Case(str(line), mode, _split(str(line)), prod["name"], prod["category"], kind="written"))
    for n, item in enumerate(clean.get("real", []), 1):
        try:
            text, mode = str(item["text"]), str(item["mode"])
        except (TypeError, KeyError) as e:
            raise ValueError(f"{sources_dir / 'clean.yaml'}: real line {n} lacks {e}") from None
        if mode not in MODES:
            raise ValueError(f"{sources_dir / 'clean.yaml'}: real line {n}: mode must be one of {MODES}, not {mode!r}")
        out.append(Case(text, mode, _split(text), str(item.get("name", "")), str(item.get("category", "")),
                        kind="real", source=str(item.get("source", ""))))
    return out


def probe_cases(sources_dir: Path = SOURCES_DIR) -> tuple[list[Case], list[Case]]:
    """Round 3's own probes (``probes_r3.yaml``, development data): violations by family and clean
    look-alikes, each in three spoken and three on-screen carriers. Returns (violations, clean)."""
    path = sources_dir / "probes_r3.yaml"
    if not path.exists():
        return [], []
    carriers, probes = _load_yaml(sources_dir / "carriers.yaml"), _load_yaml(path)
    products = carriers["products"]

    def put(phrase: str, family: str, term: bool) -> list[Case]:
        prod = products[_pick(phrase, len(products), 1)[0]]
        out = []
        for mode in MODES:
            pool = carriers[mode]
            for i in _pick(f"{mode}:{phrase}", len(pool), 3):
                out.append(Case(pool[i].format(t=phrase, p=prod["name"]), mode, "probe", prod["name"], prod["category"],
                                term=phrase if term else "", source="probes_r3", family=family,
                                kind="" if term else "written"))
        return out

    violations = [c for fam, items in (probes.get("violations") or {}).items() for t in items or []
                  for c in put(str(t), str(fam), True)]
    clean = [c for t in probes.get("clean") or [] for c in put(str(t), "", False)]
    return violations, clean


def findings_for(case: Case) -> list:
    """The findings check_script gives for the case's line, said (spoken) or shown (onscreen)."""
    product = Product(name=case.product, price=None, category=case.category, language="zh",
                      brand=case.names[0] if case.names else "")
    scene = (Scene(kind="point", lines=[case.text]) if case.mode == "spoken"
             else Scene(kind="point", lines=[], overlay=case.text))
    return check_script(Script(scenes=[scene], language="zh", template="bench", template_hash="-"), product)


def caught(case: Case, findings: list) -> bool:
    """A finding overlaps the term's place in the line."""
    s = case.text.find(case.term)
    e = s + len(case.term)
    return s >= 0 and any(f.start < e and s < f.end for f in findings)


@dataclass
class Tally:
    hit: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.hit / self.total if self.total else 0.0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.hit += int(ok)

    def __str__(self) -> str:
        return f"{self.rate:6.1%} ({self.hit}/{self.total})" if self.total else "     —"


@dataclass
class BenchReport:
    """Recall (term lines caught) and false alarms (clean lines flagged), by split and mode."""

    recall: dict[tuple, Tally] = field(default_factory=dict)  # (split, scope, mode) -> Tally
    false_alarms: dict[tuple, Tally] = field(default_factory=dict)  # (split, kind, mode) -> Tally; kind "all" for both
    rewrites_clean: dict[str, Tally] = field(default_factory=dict)  # split -> caught lines whose rewrite is clean
    dev_misses: list[str] = field(default_factory=list)
    dev_false_alarms: list[str] = field(default_factory=list)

    def _t(self, table: dict, key: tuple) -> Tally:
        return table.setdefault(key, Tally())

    def recall_of(self, split: str, scope: str = "all", mode: str = "all") -> Tally:
        return self.recall.get((split, scope, mode), Tally())

    def false_alarm_of(self, split: str, mode: str = "all", kind: str = "all") -> Tally:
        return self.false_alarms.get((split, kind, mode), Tally())


def run_bench(sources_dir: Path = SOURCES_DIR, include_sealed: bool = False) -> BenchReport:
    """Check every term and clean line; tally recall by source, family and mode, false alarms by mode.
    A sealed list (SEALED) is scored only with include_sealed."""
    rep = BenchReport()
    for case in term_cases(sources_dir, include_sealed):
        fs = findings_for(case)
        ok = caught(case, fs)
        scopes = ["all", f"source:{case.source}", f"family:{case.family}"]
        if case.split == "test":
            scopes.append(NAMED if case.named else NOT_NAMED)
            if not case.named and not case.in_vocabulary:
                scopes.append(NOT_NAMED_UNSEEN)
        elif case.split in BLIND_SPLITS:
            scopes.append(f"its list's heading:{case.list_category}")
            if not case.in_vocabulary:
                scopes.append(UNREAD)
        for scope in scopes:
            for mode in ("all", case.mode):
                rep._t(rep.recall, (case.split, scope, mode)).add(ok)
        if ok:
            fixed = [f.suggestion for f in fs if f.suggestion]
            clean_after = bool(fixed) and not findings_for(Case(fixed[0], case.mode, case.split, case.product,
                                                                case.category))
            rep._t(rep.rewrites_clean, (case.split,)).add(clean_after)
        elif case.split == "dev" or case.split in SCORED:
            rep.dev_misses.append(f"{case.mode} [{case.family}] {case.term!r} in {case.text}")
    probes, probe_clean = probe_cases(sources_dir)
    for case in probes:
        ok = caught(case, findings_for(case))
        for scope in ("all", f"family:{case.family}"):
            for mode in ("all", case.mode):
                rep._t(rep.recall, ("probe", scope, mode)).add(ok)
        if not ok:
            rep.dev_misses.append(f"{case.mode} probe [{case.family}] {case.term!r} in {case.text}")
    for case in clean_cases(sources_dir) + probe_clean:
        fs = findings_for(case)
        for mode in ("all", case.mode):
            for kind in ("all", case.kind):
                rep._t(rep.false_alarms, (case.split, kind, mode)).add(bool(fs))
        if fs and case.split in ("dev", "probe"):
            rep.dev_false_alarms.append(f"{case.mode} ({case.kind}): {case.text} -> "
                                        + ", ".join(f"{f.text}({f.rule_id})" for f in fs))
    return rep


def format_bench(rep: BenchReport, details: bool = True) -> str:
    """The bench as a table; test and blind rows are totals only."""
    rows = ["== real banned-word lists: recall (term lines caught) / false alarms (clean lines flagged)",
            f"{'split':<6}{'scope':<52}{'spoken':>18}{'on-screen':>18}{'both':>18}"]
    first = ("all", NOT_NAMED, NOT_NAMED_UNSEEN, NAMED, UNREAD)
    scopes = sorted({k[1] for k in rep.recall}, key=lambda s: (first.index(s) if s in first else len(first), s))
    for split in ("probe", "dev", "test", *BLIND_SPLITS):
        for scope in scopes:
            if (split, scope, "all") not in rep.recall:
                continue
            rows.append(f"{split:<6}{scope:<52}{str(rep.recall_of(split, scope, 'spoken')):>18}"
                        f"{str(rep.recall_of(split, scope, 'onscreen')):>18}{str(rep.recall_of(split, scope)):>18}")
        for kind, label in (("all", "clean copy flagged (false alarms)"), ("written", "  of it written for the bench"),
                            ("real", "  of it real copy")):
            if (split, kind, "all") not in rep.false_alarms:
                continue
            rows.append(f"{split:<6}{label:<52}{str(rep.false_alarm_of(split, 'spoken', kind)):>18}"
                        f"{str(rep.false_alarm_of(split, 'onscreen', kind)):>18}{str(rep.false_alarm_of(split, 'all', kind)):>18}")
        if (split,) in rep.rewrites_clean:
            rows.append(f"{split:<6}{'caught lines whose suggested rewrite is clean':<52}{'':>36}"
                        f"{str(rep.rewrites_clean.get((split,), Tally())):>18}")
    if details:
        rows += [f"  dev miss:        {m}" for m in rep.dev_misses]
        rows += [f"  dev false alarm: {m}" for m in rep.dev_false_alarms]
    return "\n".join(rows)
