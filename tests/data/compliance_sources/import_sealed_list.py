"""Write a word list that must stay unread into raw/, printing only counts.

    git -C MIRROR show COMMIT:data/forbidden_words.json | python import_sealed_list.py OUT_NAME

Reads a JSON list of {"word", "category", ...} from stdin and writes raw/OUT_NAME: one `# category`
heading per category (in the list's order of first use), then its words, one a line, first
occurrence only. Nothing but counts is printed, so the words are never displayed (README.md,
round 3); any other field (a suggested replacement) is dropped.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    items = json.load(sys.stdin)
    by_cat: dict[str, list[str]] = {}
    seen: set[str] = set()
    skipped = 0
    for it in items:
        word = " ".join(str(it.get("word", "")).split())
        if not word or word.startswith("#") or word in seen:
            skipped += 1
            continue
        seen.add(word)
        by_cat.setdefault(" ".join(str(it.get("category", "")).split()) or "-", []).append(word)
    lines = []
    for cat, words in by_cat.items():
        lines.append(f"# {cat}")
        lines += words
    (HERE / "raw" / argv[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(items)} entries, {len(seen)} distinct words written under {len(by_cat)} headings, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
