"""Round 4 of tests/data/listings/: new real public listings, split `dev` / `blind4` by a hash of the title.

    .venv/bin/python scripts/gather_listings_round4.py MIRRORS_DIR

MIRRORS_DIR holds local git copies of the sources below (owner+name/repo, the project's fetch layout).
New rows are appended to zh_listings.jsonl and en_listings.jsonl; a title already in the fixtures is
skipped. The split is decided here, before anyone reads the titles: sha1 of the title, odd -> blind4.
Titles seen while the sources were being located (search excerpts) are forced to `dev` (SEEN).
Only counts are printed, so running this shows no blind title.
"""
from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "listings"
# titles that were on screen in search excerpts while locating the sources
SEEN = {"图马思特 T300RS 力反馈方向盘", "【店长推荐】简易实木双人床主卧1.8米",
        "AmazonBasics Wired Keyboard, Keyboard only (1-Pack)",
        "Havit Keyboard Rainbow Backlit Wired Gaming Keyboard Mouse Combo, LED 104 Keys USB Ergonomic Wrist Rest "
        "Keyboard, 3200 Dots Per Inch 6 Button Mouse for Windows Gamer Desktop, Computer (Black)",
        "Hiking Coffee Mug - The Mountains Are Calling And I Must Go - Unique Hike Quote for Hikers Nature Outdoor "
        "Lovers Coffee Lover 15oz White"}


def git_show(mirrors: Path, repo: str, commit: str, path: str) -> str:
    """One file of a local mirror at a commit, as text."""
    folder = mirrors / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", "-C", str(folder), "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8-sig", errors="replace")


def split_of(title: str) -> str:
    """`blind4` or `dev`, by a hash of the title alone."""
    if title in SEEN:
        return "dev"
    return "blind4" if int(hashlib.sha1(title.encode("utf-8")).hexdigest(), 16) % 2 else "dev"


def row(listing_id: str, source: dict, title: str, **fields) -> dict:
    """A fixture row; the title only has HTML entities decoded and runs of spaces folded."""
    title = re.sub(r"\s+", " ", html.unescape(title)).strip()
    out = {"id": listing_id, "split": split_of(title), "source": source, "title": title}
    out.update({k: v for k, v in fields.items() if v not in (None, "", [], {})})
    return out


def _unescape_json(text: str) -> str:
    return json.loads(f'"{text}"')


def taobao_tmall_pages(mirrors: Path) -> list[dict]:
    """Taobao search result pages (`raw_title`, tmall filter among them) saved in tangdu/taocraw."""
    repo, commit = "tangdu/taocraw", "b07c909"
    full = subprocess.run(["git", "-C", str(mirrors / "tangdu+taocraw" / "repo"), "rev-parse", commit],
                          check=True, capture_output=True, text=True).stdout.strip()
    out = []
    for name in ("a.js", "a_bak.js", "json.js", "tsrp.js"):
        path = f"src/test/java/com/gbicc/taocraw/{name}"
        source = {"repo": repo, "commit": full, "path": path, "platform": "taobao.com (search result page)",
                  "licence": "none stated"}
        text = git_show(mirrors, repo, full, path)
        for nid, title, price in re.findall(
                r'"nid": *"(\d+)".*?"raw_title": *"((?:[^"\\]|\\.)*)".*?"view_price": *"([\d.]+)"', text, re.S):
            out.append(row(f"taobao-{nid}", source, _unescape_json(title), language="zh", price=price))
    return out


def jd_recommendations(mirrors: Path) -> list[dict]:
    """A JD.com recommendation feed (sku, title, price) kept as benchmark data in NervJS/taro-benchmark."""
    repo, path = "NervJS/taro-benchmark", "weapp/models/index.js"
    full = subprocess.run(["git", "-C", str(mirrors / "NervJS+taro-benchmark" / "repo"), "rev-parse", "ec6441f"],
                          check=True, capture_output=True, text=True).stdout.strip()
    source = {"repo": repo, "commit": full, "path": path, "platform": "jd.com (recommendation feed)",
              "licence": "repository MIT"}
    text = git_show(mirrors, repo, full, path)
    return [row(f"jd-{sku}", source, _unescape_json(title), language="zh", price=price)
            for sku, title, price in re.findall(r'sku: *(\d+),\s*title:\s*"((?:[^"\\]|\\.)*)",\s*price: *([\d.]+)', text)]


def rainforest_search(mirrors: Path, repo: str, paths: list[str]) -> list[dict]:
    """amazon.com search results as the Rainforest API returned them, saved in a repository."""
    folder = mirrors / repo.replace("/", "+") / "repo"
    full = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()
    out = []
    for path in paths:
        source = {"repo": repo, "commit": full, "path": path, "platform": "amazon.com (search results, Rainforest API)",
                  "licence": "none stated"}
        text = git_show(mirrors, repo, full, path)
        for title, asin in re.findall(r'"title": *"((?:[^"\\]|\\.)*)",\s*"asin": *"(\w+)"', text):
            out.append(row(f"amzcom-{asin}", source, _unescape_json(title), language="en", currency="USD"))
    return out


def amazon_item_search(mirrors: Path) -> list[dict]:
    """amazon.com Product Advertising API ItemSearch responses (title, manufacturer) in davidnyuan/DealFinder."""
    repo = "davidnyuan/DealFinder"
    folder = mirrors / "davidnyuan+DealFinder" / "repo"
    full = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()
    out = []
    for path in ("src/sampleObjects/amazonHeadphone.json", "src/sampleObjects/amazonPhone.json",
                 "src/sampleObjects/amazonTelevision.json"):
        source = {"repo": repo, "commit": full, "path": path, "platform": "amazon.com (Product Advertising API ItemSearch)",
                  "licence": "none stated"}
        text = git_show(mirrors, repo, full, path)
        body = text[text.index("{"):text.rindex("}") + 1]  # one file wraps the JSON in `var X = {...};`
        items = json.loads(body)["ItemSearchResponse"]["Items"]["Item"]
        for item in items:
            attrs = item.get("ItemAttributes", {})
            out.append(row(f"amzcom-{item['ASIN']}", source, attrs.get("Title", ""), language="en",
                           brand=attrs.get("Manufacturer"), category=attrs.get("ProductGroup")))
    return out


def main(argv: list[str]) -> None:
    """Append the round-4 rows to the fixtures and print counts only."""
    mirrors = Path(argv[1])
    rain = rainforest_search(mirrors, "hirajanwin/yourdesk-react", ["src/data/sampleRainforestResponse.js"])
    rain += rainforest_search(mirrors, "taylorhughes291/project-2-329",
                              [f"src/data/{n}.js" for n in ("coffeeData", "coffeeHikingData", "hikingData",
                                                             "starWarsCoffeeData", "starWarsCoffeeHikingData",
                                                             "starWarsData", "starWarsHikingData")])
    new = {"zh_listings.jsonl": taobao_tmall_pages(mirrors) + jd_recommendations(mirrors),
           "en_listings.jsonl": rain + amazon_item_search(mirrors)}
    for name, rows in new.items():
        path = OUT / name
        old = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        titles, ids = {r["title"] for r in old}, {r["id"] for r in old}
        added = []
        for r in rows:
            if r["title"] in titles or r["id"] in ids or not r["title"]:
                continue
            titles.add(r["title"])
            ids.add(r["id"])
            added.append(r)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in old + added), encoding="utf-8")
        by_repo: dict[str, list[int]] = {}
        for r in added:
            counts = by_repo.setdefault(f"{r['source']['repo']} {r['source']['path']}", [0, 0])
            counts[r["split"] == "blind4"] += 1
        print(f"{name}: {len(rows)} read, {len(added)} new listings ({sum(r['split'] == 'blind4' for r in added)} blind4)")
        for key, (dev, blind) in by_repo.items():
            print(f"  {key}: dev {dev}, blind4 {blind}")


if __name__ == "__main__":
    main(sys.argv)
