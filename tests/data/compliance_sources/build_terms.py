"""Build terms.jsonl from the raw lists in raw/ and the labels in labels.yaml.

    python tests/data/compliance_sources/build_terms.py

Every raw term must be labelled (a family, or out_of_scope with a reason). The split is decided
per term, before any rule sees it: a term of the held-out source (see HELD_OUT) is `test`
wherever it appears; any other term is `dev` or `test` by a seeded hash of the term itself, so
the same term gets the same split in every list.
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
}
HELD_OUT = "angelaxu76/TaobaoProj"  # never tuned on: every one of its terms is test


def hash_split(term: str) -> str:
    """'dev' or 'test', 50/50 by a seeded hash of the term."""
    return "dev" if hashlib.sha256(f"{SEED}:{term}".encode()).digest()[0] % 2 == 0 else "test"


def read_raw(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        t = line.strip()
        if t and not t.startswith("#") and t not in out:
            out.append(t)
    return out


def main() -> int:
    labels = yaml.safe_load((HERE / "labels.yaml").read_text(encoding="utf-8"))
    family_of: dict[str, str] = {}
    for fam, terms in labels["families"].items():
        for t in terms:
            if str(t) in family_of:
                print(f"labels.yaml: {t!r} is in both {family_of[str(t)]} and {fam}", file=sys.stderr)
                return 2
            family_of[str(t)] = fam
    out_of_scope = {str(k): str(v) for k, v in labels["out_of_scope"].items()}
    both = set(family_of) & set(out_of_scope)
    if both:
        print(f"labels.yaml: labelled both in and out of scope: {sorted(both)}", file=sys.stderr)
        return 2
    raw = {src: read_raw(HERE / "raw" / name) for name, src in SOURCES.items()}
    held_out_terms = set(raw[HELD_OUT])
    rows, missing = [], []
    for src, terms in raw.items():
        for t in terms:
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
        print(f"{src}: {len(mine)} terms, {len(ins)} in scope "
              f"(dev {sum(r['split'] == 'dev' for r in ins)}, test {sum(r['split'] == 'test' for r in ins)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
