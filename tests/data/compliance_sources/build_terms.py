"""Build terms.jsonl from the raw lists in raw/ and the labels in labels.yaml.

    python tests/data/compliance_sources/build_terms.py

Every raw term must be labelled (a family, or out_of_scope with a reason), except those of the
blind lists (BLIND_LISTS), which are never read term by term: their terms are `blind` (round 2's
list), `blind3` (round 3's) or `blind4` (round 4's two), in scope unless the
very same term is labelled out of scope, and of the family a label gives it elsewhere (or
`unlabelled`). Only totals of it are printed. For the other lists the split is decided per term,
before any rule sees it: a term of the first round's held-out list (HELD_OUT) is `test` wherever
it appears; any other term is `dev` or `test` by a seeded hash of the term itself, so the same
term gets the same split in every list.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SEED = "aigc-studio-compliance-terms-v1"
SOURCES = {  # raw file -> source id (the repository it came from; see README.md)
    "es3344520_advertising-limit-words_Dete.txt": "es3344520/advertising-limit-words",
    "bonniegeng-max_xiaohongshu-prohibited-words_sections3-4.txt": "bonniegeng-max/xiaohongshu-prohibited-words",
    "angelaxu76_TaobaoProj_ad_sanitizer_FALLBACK_WORDS.txt": "angelaxu76/TaobaoProj",
    # round 2
    "yizhuo0120-oss_ad-compliance-agent_banned_words.txt": "yizhuo0120-oss/ad-compliance-agent",
    "LittleOooou-Ok_ad-compliance-agent_sensitive_words.txt": "LittleOooou-Ok/ad-compliance-agent",
    "xieboyu22-hash_ad-compliance-agent_terms.txt": "xieboyu22-hash/ad-compliance-agent",
    "baimocn_ad-compliance-agent_banned_words.txt": "baimocn/ad-compliance-agent",
    # round 3
    "6LdragonL6_LexAd_forbidden_words.txt": "6LdragonL6/LexAd",
    # round 4: two lists nobody here has measured on, sealed until they are scored once
    "augusding_ad-review-agent_forbidden_words.txt": "augusding/ad-review-agent",
    "wbj1031422563_copy-generator_ad_law_limits.txt": "wbj1031422563/copy-generator-",
}
HELD_OUT = "angelaxu76/TaobaoProj"  # first round: never tuned on, every one of its terms is test
BLIND = "baimocn/ad-compliance-agent"  # round 2: never read term by term, every one of its terms is blind
# lists never read term by term, and the split their terms get: round 2's (measured three times), round 3's
# (scored once, then folded into the rules in round 4: development data now), round 4's (sealed)
BLIND_LISTS = {BLIND: "blind", "6LdragonL6/LexAd": "blind3", "augusding/ad-review-agent": "blind4",
               "wbj1031422563/copy-generator-": "blind4"}


def hash_split(term: str) -> str:
    """'dev' or 'test', 50/50 by a seeded hash of the term."""
    return "dev" if hashlib.sha256(f"{SEED}:{term}".encode()).digest()[0] % 2 == 0 else "test"


def read_raw(path: Path) -> list[str]:
    return list(read_raw_sections(path))


def read_raw_sections(path: Path) -> dict[str, str]:
    """Each term of a raw list (first occurrence, in order) with the last `# heading` above it."""
    out: dict[str, str] = {}
    heading = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        t = line.strip()
        if t.startswith("#"):
            heading = t.lstrip("#").strip()
        elif t and t not in out:
            out[t] = heading
    return out


def main() -> int:
    labels = yaml.safe_load((HERE / "labels.yaml").read_text(encoding="utf-8"))
    family_of: dict[str, str] = {}
    families = [(fam, terms) for key in ("families", "families_added") for fam, terms in (labels.get(key) or {}).items()]
    for fam, terms in families:
        for t in terms:
            if str(t) in family_of:
                print(f"labels.yaml: {t!r} is in both {family_of[str(t)]} and {fam}", file=sys.stderr)
                return 2
            family_of[str(t)] = fam
    out_of_scope = {str(k): str(v) for key in ("out_of_scope", "out_of_scope_added")
                    for k, v in (labels.get(key) or {}).items()}
    both = set(family_of) & set(out_of_scope)
    if both:
        print(f"labels.yaml: labelled both in and out of scope: {sorted(both)}", file=sys.stderr)
        return 2
    raw = {src: read_raw(HERE / "raw" / name) for name, src in SOURCES.items()}
    held_out_terms = set(raw[HELD_OUT])
    blind_sections = {src: read_raw_sections(HERE / "raw" / name) for name, src in SOURCES.items() if src in BLIND_LISTS}
    rows, missing = [], []
    for src, terms in raw.items():
        for t in terms:
            if src in BLIND_LISTS:
                family = family_of.get(t) or ("out_of_scope" if t in out_of_scope else "unlabelled")
                row = {"term": t, "source": src, "family": family, "in_scope": t not in out_of_scope,
                       "split": BLIND_LISTS[src], "list_category": blind_sections[src][t]}
                if t in out_of_scope:
                    row["reason"] = out_of_scope[t]
                rows.append(row)
                continue
            if t not in family_of and t not in out_of_scope:
                missing.append(f"{src}: {t}")
                continue
            split = "test" if t in held_out_terms else hash_split(t)
            row = {"term": t, "source": src, "family": family_of.get(t, "out_of_scope"),
                   "in_scope": t in family_of, "split": split}
            if t in out_of_scope:
                row["reason"] = out_of_scope[t]
            rows.append(row)
    if missing:
        print("labels.yaml lacks a label for:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2
    with open(HERE / "terms.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for src in raw:
        mine = [r for r in rows if r["source"] == src]
        ins = [r for r in mine if r["in_scope"]]
        if src in BLIND_LISTS:
            print(f"{src}: {len(mine)} terms, {len(ins)} in scope ({BLIND_LISTS[src]}; "
                  f"{sum(r['family'] == 'unlabelled' for r in mine)} in no other list)")
            continue
        print(f"{src}: {len(mine)} terms, {len(ins)} in scope "
              f"(dev {sum(r['split'] == 'dev' for r in ins)}, test {sum(r['split'] == 'test' for r in ins)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
