"""Round 3 of tests/data/listings/: new real public listings, split `dev` / `blind3` by a hash of the title.

    .venv/bin/python scripts/gather_listings_round3.py MIRRORS_DIR

MIRRORS_DIR holds local git copies of the sources below (owner+name/repo, the project's fetch layout).
New rows are appended to zh_listings.jsonl and en_listings.jsonl; a title already in the fixtures is
skipped. The split is decided here, before anyone reads the titles: sha1 of the title, odd -> blind3.
Titles seen while the sources were being located are forced to `dev` (listed in SEEN).
Only counts are printed, so running this shows no blind title.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "listings"
# titles that were on screen while locating the sources (search excerpts, a file's first lines)
SEEN = {"魅族魅蓝Note5全网通公开版3GB+32GB月光银移动联通电信4G手机双卡双待",
        "小米6全网通6GB+128GB陶瓷黑尊享版移动联通电信4G手机双卡双待",
        "马克华菲男装 夏季新款冰氧吧短袖纯色T恤男",
        "Apple AirPods Pro (2nd Generation) Wireless Ear Buds with USB-C Charging, Up to 2X More Active Noise "
        "Cancelling Bluetooth Headphones, Transparency Mode, Adaptive Audio, Personalized Spatial Audio",
        "INVINCIBLE – SEASON 2"}


def git_show(mirrors: Path, repo: str, commit: str, path: str) -> str:
    folder = mirrors / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", "-C", str(folder), "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8-sig", errors="replace")


def split_of(title: str) -> str:
    """`blind3` or `dev`, by a hash of the title alone."""
    if title in SEEN:
        return "dev"
    return "blind3" if int(hashlib.sha1(title.encode("utf-8")).hexdigest(), 16) % 2 else "dev"


def row(listing_id: str, source: dict, title: str, **fields) -> dict:
    title = re.sub(r"\s+", " ", html.unescape(title)).strip()
    out = {"id": listing_id, "split": split_of(title), "source": source, "title": title}
    out.update({k: v for k, v in fields.items() if v not in (None, "", [], {})})
    return out


def jd_phones(mirrors: Path) -> list[dict]:
    repo, commit, path = "1528992118/ScrapyDemo", "9617881de3da952113f9e3372762ade043ffeffd", "data.json"
    source = {"repo": repo, "commit": commit, "path": path, "platform": "jd.com (手机 search)", "licence": "none stated"}
    out = []
    for line in git_show(mirrors, repo, commit, path).splitlines():
        if line.strip():
            item = json.loads(line)
            out.append(row(f"jd-{item['p_id']}", source, item["p_name"], language="zh", price=item.get("p_price")))
    return out


def jd_search_page(mirrors: Path) -> list[dict]:
    repo, commit, path = "Mehaei/shopping_mall", "8fe9b9efd4db971837449af98c5bc362871eabcd", "shopping/2.html"
    source = {"repo": repo, "commit": commit, "path": path, "platform": "jd.com (search result page)",
              "licence": "none stated"}
    text = git_show(mirrors, repo, commit, path)
    out = []
    for block in re.findall(r'class="p-name p-name-type-2">(.*?)</div>', text, re.S):
        em = re.search(r"<em>(.*?)</em>", block, re.S)
        sku = re.search(r"item\.jd\.com/(\d+)\.html", block)
        if em and sku:
            out.append(row(f"jd-{sku.group(1)}", source, re.sub(r"<[^>]+>", "", em.group(1)), language="zh"))
    return out


def taobao_menswear(mirrors: Path) -> list[dict]:
    repo, commit, path = "Mehaei/shopping_mall", "5eecd10eb2136c5d0e369fa893e075fae5e7476a", "shopping/spiders/1.py"
    source = {"repo": repo, "commit": commit, "path": path, "platform": "taobao.com (search result page, 男装)",
              "licence": "none stated"}
    text = git_show(mirrors, repo, commit, path)
    return [row(f"taobao-{nid}", source, title, language="zh", price=price) for nid, title, price in
            re.findall(r'"nid": *"(\d+)".*?"raw_title": *"([^"]+)".*?"view_price": *"([\d.]+)"', text, re.S)]


def amazon_com_search(mirrors: Path) -> list[dict]:
    repo, commit = "KhaledShrief/newAmazone", "419fb60635808731a83815be9d814083d27ae491"
    out = []
    for name in ("openApi", "openApiBeauty", "openApiElectronics", "openApiFashonPants", "openApiFashonSunGlasses",
                 "openApiFashonTopJacts", "openApiToys"):
        path = f"seeds/{name}.js"
        source = {"repo": repo, "commit": commit, "path": path, "platform": "amazon.com (search results, an API's JSON)",
                  "licence": "none stated"}
        data = json.loads(re.sub(r"^\s*module\.exports\s*=\s*", "", git_show(mirrors, repo, commit, path)).rstrip().rstrip(";"))
        results = next(v for k, v in data.items() if k.startswith("search_results"))
        for item in results:
            price = (item.get("price") or {}).get("value") if isinstance(item.get("price"), dict) else None
            out.append(row(f"amzcom-{item['asin']}", source, item["title"], language="en", price=price, currency="USD",
                           brand=item.get("brand")))
    return out


def amazon_com_smartphones(mirrors: Path) -> list[dict]:
    repo, commit, path = "Tyrost/Smart-Inventory-Demand-System", "feb81dfdf01a434eda29eab55b58991fade5cec9", \
        "data/raw/log/Smartphone_product.json"
    source = {"repo": repo, "commit": commit, "path": path, "platform": "amazon.com (search results, 智能手机)",
              "licence": "none stated"}
    return [row(f"amzcom-{item['asin']}", source, item["title"], language="en", price=item.get("extracted_price"),
                currency="USD") for item in json.loads(git_show(mirrors, repo, commit, path)) if item.get("title")]


def main(argv: list[str]) -> None:
    mirrors = Path(argv[1])
    new = {"zh_listings.jsonl": jd_phones(mirrors) + jd_search_page(mirrors) + taobao_menswear(mirrors),
           "en_listings.jsonl": amazon_com_search(mirrors) + amazon_com_smartphones(mirrors)}
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
            counts[r["split"] == "blind3"] += 1
        print(f"{name}: {len(added)} new listings ({sum(r['split'] == 'blind3' for r in added)} blind3)")
        for key, (dev, blind) in by_repo.items():
            print(f"  {key}: dev {dev}, blind3 {blind}")


if __name__ == "__main__":
    main(sys.argv)
