"""Measure how the studio reads real marketplace listings (tests/data/listings/, dev and blind parts).

    .venv/bin/python scripts/measure_listings.py [--split dev|blind|blind3|blind4|all] [--show N] [--sample N]

Every listing goes through the real path: a JSONL product sheet (name, price, category, brand,
selling points from its bullets or attributes from its 商品属性) -> `load_sheet` -> a script from
the bundled promo template of its language -> the voice's text normaliser. Printed per part:

- short names a reader would accept, by these criteria (all must hold):
  not empty; at most 16 characters wide in Chinese (a Latin letter counts half) or 40 in English;
  made of whole words of the title (English: each word is a word of the title; Chinese: each Latin
  or digit run is a whole run of the title, and each Chinese word of the name, as jieba cuts it, is
  a word of the title as jieba cuts it); no 'and'/'to'/'for'... at either end; names the product
  type when the title holds one from the lexicon; holds the brand when it is known (the listing's
  own brand column, or for English the title's first word, which Amazon titles start with);
- spec tokens (2.5K, 6G显存, 16G+512G, i7-12700H, RTX3060, 165Hz...) of the title kept exactly in
  `facts.spec`, and said by the voice with the same digits and without 到/小时 or a dash;
- emoji or undrawable characters reaching the voice's text, the captions or the overlays (goal 0);
- selling points cut inside a word (goal 0); duplicate points in one script (goal 0);
- points made of one short attribute word (four characters at most) when the listing had more (goal 0).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.marketplace import _PICTOGRAPH, _key, font_codepoints  # noqa: E402
from studio.script import generate_script, load_template  # noqa: E402
from studio.script.facts import extract_facts  # noqa: E402
from studio.script.names import (EN_MAX_CHARS, SHOP_WORDS_EN, ZH_MAX_CHARS, _CONNECTORS, _segments,  # noqa: E402
                                 _width, brand_forms, find_product_type, short_name,
                                 unglue_specs_zh)
from studio.sheet import load_sheet  # noqa: E402
from studio.core.text import number_key  # noqa: E402
from studio.util import cjk_font_path  # noqa: E402
from studio.voice.en_normalize import normalize_en  # noqa: E402
from studio.voice.zh_normalize import normalize_zh  # noqa: E402

DATA = ROOT / "tests" / "data" / "listings"
SPEC = re.compile(r"(?<![A-Za-z0-9.])(?:\d(?:\.\d)?[Kk]|\d{1,4}G(?:B)?(?:\s?[+/]\s?\d{2,4}(?:G|T)B?)?(?=显存|独显|内存|\b|[\u4e00-\u9fff])"
                  r"|[iIrR][3579]-\d{4,5}[A-Z]{0,3}|(?:RTX|GTX)\s?\d{4}(?:\s?Ti)?|\d{2,3}Hz)(?![A-Za-z0-9])")


def load(split: str) -> list[dict]:
    rows = []
    for name in ("zh_listings.jsonl", "en_listings.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if split == "all" or row["split"] == split:
                rows.append(row)
    return rows


def _title_words(title: str) -> set[str]:
    return {w for w in re.split(r"[^\w&+'’.-]+", title) if w} | {w.strip(".-'’") for w in re.split(r"[^\w&+'’.-]+", title)}


def accept(name: str, row: dict) -> list[str]:
    """Why a reader would not accept this short name ([] when they would)."""
    title = row["title"].replace("®", "").replace("™", "")
    zh = row["language"] == "zh"
    why = []
    if not name:
        return ["empty"]
    if zh and _width(name) > ZH_MAX_CHARS or not zh and len(name) > EN_MAX_CHARS:
        why.append("too long")
    if zh:
        title = re.sub(r"(?<=[A-Za-z])(\d{1,2}代|\d{1,2}\.\d\s*(?:英寸|寸))", r" \1", title)  # XS12代, AT15.6英寸
        # specs written onto a model (Note64G手机, 小米66GB+64GB) and a brand's Latin form written onto its
        # line (HUAWEInova2) are not part of a word: a name may stop where they start
        title = unglue_specs_zh(title)
        runs = re.findall(r"[A-Za-z0-9][A-Za-z0-9+.-]*(?: [A-Za-z0-9+]+)*", name)
        title_runs = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9+.-]*", title))
        for run in runs:
            for piece in run.split(" "):
                if piece not in title_runs and not any(piece in r.split("-") for r in title_runs) \
                        and not any(re.fullmatch(re.escape(piece) + r"(?:19|20)\d\d", r) for r in title_runs):
                    why.append(f"cut Latin run {piece!r}")
        title_words = set(_segments(re.sub(r"[^\u4e00-\u9fff]+", " ", title)))
        for cjk in re.findall(r"[\u4e00-\u9fff]+", name):
            for seg in _segments(cjk):
                if seg not in title_words and seg not in title:
                    why.append(f"not a word of the title {seg!r}")
                elif seg not in title_words and len(cjk) <= 2:
                    why.append(f"fragment {seg!r}")
        if find_product_type(title, "zh") and not find_product_type(name, "zh") and not re.search(
                r"[酒茶油粉膏霜液露片糖面米奶汁醋酱]$", name):
            why.append("no product type")
    else:
        words = _title_words(title)
        for w in name.split():
            if w not in words and w.strip(".,") not in words:
                why.append(f"not a word of the title {w!r}")
        starts_with_brand = any(name.lower().startswith(b.lower()) for b in brand_forms(row.get("brand", "")))
        if name.split()[-1].lower() in _CONNECTORS or (name.split()[0].lower() in _CONNECTORS and not starts_with_brand
                                                          and not title.startswith(name.split()[0] + " ")):
            why.append("ends on a connector")
        head = re.split(r",|\s[|–-]\s|\(", title)[0]
        if find_product_type(head, "en") and not find_product_type(name, "en"):
            why.append("no product type")
    brands = brand_forms(row.get("brand", ""))
    if not brands and not zh:
        first = re.match(r"[A-Za-z0-9][\w&'.+-]*", SHOP_WORDS_EN.sub(" ", title).strip("!*# "))
        if first and first.group()[0].isupper() and not find_product_type(first.group(), "en") \
                and first.group().lower() not in {"new", "the", "a", "premium", "original"}:
            brands = [first.group()]
    if brands and not any(b.lower() in name.lower() for b in brands):
        why.append("no brand")
    return why


def _spoken_ok(token: str, zh: bool) -> bool:
    said = normalize_zh(token) if zh else normalize_en(token)
    if zh and re.search("到|小时|乘", said):
        return False
    if not zh and "-" in said:
        return False
    return number_key(said) == number_key(token)


def make_sheet(rows: list[dict], folder: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (64, 64), (200, 120, 60)).save(folder / "p.jpg")
    lines = []
    for row in rows:
        item = {"name": row["title"], "price": row.get("price") or "9.9", "images": "p.jpg", "id": row["id"],
                "language": row["language"]}
        if row.get("brand"):
            item["brand"] = row["brand"]
        if row.get("category_path"):
            item["category"] = (">" if row["language"] == "zh" else "|").join(row["category_path"])
        elif row.get("category"):
            item["category"] = row["category"]
        if row.get("bullets"):
            item["selling points"] = "\n".join(row["bullets"])
        attrs = row.get("attributes") or {}
        if "商品属性" in attrs:
            item["商品属性"] = attrs["商品属性"]
        elif attrs:  # a JD spec table (显卡型号: RTX 3060, 显存容量: 6GB ...) as the listing's attributes
            item["商品属性"] = ", ".join(f"{k}：{v}" for k, v in attrs.items())
        lines.append(json.dumps(item, ensure_ascii=False))
    path = folder / "listings.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def measure(rows: list[dict], show: int = 0) -> dict:
    cmap = font_codepoints(str(cjk_font_path()))
    out = {"listings": len(rows), "names_accepted": 0, "spec_tokens": 0, "spec_in_facts": 0, "spec_spoken": 0,
           "pictographs_in_voice": 0, "undrawable_on_screen": 0, "points": 0, "points_cut_in_word": 0,
           "duplicate_points": 0, "one_word_attribute_points": 0, "scripts": 0}
    rejected = []
    templates = {"zh": load_template("zh_promo"), "en": load_template("en_promo")}
    with tempfile.TemporaryDirectory() as tmp:
        sheet = load_sheet(make_sheet(rows, Path(tmp)))
        products = {p.extra.get("id"): p for p in sheet.products}
        for row in rows:
            zh = row["language"] == "zh"
            name = short_name(row["title"], row.get("brand", ""), row["language"])
            why = accept(name, row)
            if why:
                rejected.append((name, row["title"], why))
            else:
                out["names_accepted"] += 1
            facts = extract_facts(row["title"], language=row["language"])
            for token in SPEC.findall(row["title"]):
                out["spec_tokens"] += 1
                out["spec_in_facts"] += token in facts.spec or token.replace(" ", "") in facts.spec.replace(" ", "")
                out["spec_spoken"] += _spoken_ok(token, zh)
            product = products.get(row["id"])
            if product is None:
                continue
            script = generate_script(product, templates[row["language"]])
            out["scripts"] += 1
            for scene in script.scenes:
                for line in scene.lines:
                    said = normalize_zh(line) if zh else normalize_en(line)
                    out["pictographs_in_voice"] += bool(_PICTOGRAPH.search(said) or _PICTOGRAPH.search(line))
                    out["undrawable_on_screen"] += sum(1 for ch in line if not ch.isspace() and ord(ch) not in cmap)
                out["undrawable_on_screen"] += sum(1 for ch in scene.overlay if not ch.isspace() and ord(ch) not in cmap)
            points = [s.overlay for s in script.scenes if s.kind == "point"]
            out["points"] += len(points)
            keys = [_key(p) for p in points]
            out["duplicate_points"] += sum(1 for i, k in enumerate(keys) if k and any(
                k == k2 or k in k2 or k2 in k for k2 in keys[:i] if k2))
            sources = [re.sub(r"\s+", " ", b) for b in product.selling_points]
            for point in points:
                cut = _cut_in_word(point, sources, zh)
                out["points_cut_in_word"] += cut
                if cut and show:
                    print("CUT:", point)
            if row.get("attributes"):
                from studio.marketplace import dedupe_points

                text = row["attributes"].get("商品属性") or ", ".join(f"{k}{v}" for k, v in row["attributes"].items())
                tags = dedupe_points([t for t in re.split(r"[,，]\s*", text) if t.strip()])
                out["one_word_attribute_points"] += sum(  # a point that is one short tag, when there were more
                    1 for p in product.selling_points if p.strip() in tags and len(tags) > 1
                    and len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z0-9]+", p)) <= 4)
    out["rejected"] = rejected
    return out


def _cut_in_word(point: str, sources: list[str], zh: bool) -> bool:
    """Whether a shown point stops inside a word of the bullet it came from."""
    from studio.marketplace import strip_pictographs

    p = point.strip()
    for source in sources:
        s = strip_pictographs(source)
        s = re.sub(r"^\s*[【\[]\s*([^】\]]{1,40}?)\s*[】\]]\s*[-:：–—]*\s*", lambda m: m.group(1) + ("：" if zh else ": "), s)
        if s.strip() == p:
            return False
        if s.startswith(p):
            nxt = s[len(p):len(p) + 1]
            if zh:
                return not (nxt == "" or re.match(r"[，。！？；：,.!?;:、\s]", nxt))
            return bool(re.match(r"[A-Za-z0-9]", nxt)) and bool(re.search(r"[A-Za-z0-9]$", p))
    return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="both", choices=["dev", "blind", "blind3", "blind4", "all", "both"])
    ap.add_argument("--show", type=int, default=0, help="print this many rejected short names")
    ap.add_argument("--sample", type=int, default=0,
                    help="print this many short names per language for judging by hand (order: sha1('sample:' + id))")
    args = ap.parse_args()
    if args.sample:
        for split in (["dev", "blind"] if args.split == "both" else [args.split]):
            for language in ("zh", "en"):
                rows = sorted((r for r in load(split) if r["language"] == language),
                              key=lambda r: hashlib.sha1(("sample:" + r["id"]).encode()).hexdigest())
                print(f"{split} {language}, {min(args.sample, len(rows))} sampled for judging by hand:")
                for n, r in enumerate(rows[:args.sample], 1):
                    print(f"{n:2d} {short_name(r['title'], r.get('brand', ''), r['language'])!r}  <=  {r['title'][:120]}")
        return
    splits = ["dev", "blind"] if args.split == "both" else [args.split]
    for split in splits:
        for language in ("zh", "en"):
            rows = [r for r in load(split) if r["language"] == language]
            if not rows:
                continue
            m = measure(rows, args.show)
            print(f"{split} {language}: {m['listings']} listings, {m['scripts']} scripts")
            print(f"  short names accepted: {m['names_accepted']}/{m['listings']} "
                  f"({100 * m['names_accepted'] / m['listings']:.1f}%)")
            print(f"  spec tokens: {m['spec_tokens']}, kept in facts.spec {m['spec_in_facts']}, "
                  f"said with their digits {m['spec_spoken']}")
            print(f"  pictographs reaching the voice: {m['pictographs_in_voice']}, "
                  f"undrawable characters on screen: {m['undrawable_on_screen']}")
            print(f"  points shown: {m['points']}, cut inside a word: {m['points_cut_in_word']}, "
                  f"duplicates: {m['duplicate_points']}, one-word attribute points: {m['one_word_attribute_points']}")
            for name, title, why in m["rejected"][:args.show]:
                print(f"    REJECT {name!r} <= {title[:70]} : {'; '.join(why)}")


if __name__ == "__main__":
    main()
