"""Build tests/data/listings/ from real public listings kept in other people's repositories.

Run once, by hand, with local git copies of the source repositories (see tests/data/listings/README.md):

    .venv/bin/python scripts/gather_listings.py MIRRORS_DIR

MIRRORS_DIR holds one bare or normal git copy per source, named owner+name/repo (the layout the
project's fetch tool makes). Each listing keeps its source (repository, commit, path) and is given to
the `dev` or the `blind` split by a hash of its id, so the split does not depend on what it says.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "listings"
PET = Path("/work/shared/data/products_pet_zh.jsonl")


def git_show(mirrors: Path, repo: str, commit: str, path: str) -> str:
    folder = mirrors / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", "-C", str(folder), "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8-sig")


def split_of(listing_id: str) -> str:
    return "blind" if int(hashlib.sha1(listing_id.encode()).hexdigest(), 16) % 2 else "dev"


def row(listing_id: str, source: dict, title: str, **fields) -> dict:
    out = {"id": listing_id, "split": split_of(listing_id), "source": source, "title": re.sub(r"\s+", " ", title).strip()}
    out.update({k: v for k, v in fields.items() if v not in (None, "", [], {})})
    return out


def jd_gaming_laptops(mirrors: Path) -> list[dict]:
    repo, commit, path = "fiorezhang/JD", "21be3bddff9a23bbbdacba67d0aa41fbeef9cb13", "Price/DATA_游戏本_2022_08.csv"
    source = {"repo": repo, "commit": commit, "path": path, "platform": "jd.com", "licence": "none stated"}
    reader = csv.reader(io.StringIO(git_show(mirrors, repo, commit, path)))
    header = next(reader)
    keep = ["显卡型号", "显存容量", "CPU型号", "内存容量", "固态硬盘（SSD）", "屏幕分辨率", "屏幕刷新率", "屏幕尺寸", "颜色"]
    out, seen = [], set()
    for cells in reader:
        record = {}
        for name, value in zip(header, cells):
            record.setdefault(name, value)  # the file repeats some headers: the first one wins
        title = record.get("商品全名", "")
        if not title or title in seen:
            continue
        seen.add(title)
        attributes = {k: record[k] for k in keep if record.get(k, "").strip()}
        out.append(row(f"jd-laptop-{record['商品编号']}", source, title, language="zh", price=record.get("价格"),
                       brand=record.get("品牌"), category=record.get("类型"), marketplace_name=record.get("商品名称"),
                       attributes=attributes))
    return out


def jd_products_apache(mirrors: Path) -> list[dict]:
    repo, commit, path = "penggle/xmodule3", "bf17392ce0df352451c80a4158ba17159e374792", \
        "xmodule3-sample1/schemas/product/02_db_inits.sql"
    source = {"repo": repo, "commit": commit, "path": path, "platform": "jd.com", "licence": "Apache-2.0"}
    text = git_show(mirrors, repo, commit, path)
    out = []
    for pid, title, tags in re.findall(r"\((\d+), '([^']+)', 'https://item\.jd\.com/\d+\.html', '(\[[^']*\])'", text):
        out.append(row(f"jd-{pid}", source, title, language="zh", category_path=json.loads(tags)))
    return out


def tmall_groceries(mirrors: Path) -> list[dict]:
    repo, commit = "Lrd6dyb/wx", "a4c65624a0167fecd362633cec05d1606311f6fa"
    source = {"repo": repo, "commit": commit, "path": "wx_01/server/db_store/all.sql", "platform": "tmall.com (天猫超市)",
              "licence": "none stated"}
    text = git_show(mirrors, repo, commit, source["path"])
    out, seen = [], set()
    for title, price in re.findall(r"VALUES\s*\(null,\s*'([^']+)',\s*\"[^\"]*\",\s*([\d.]+)", text):
        if title in seen:
            continue
        seen.add(title)
        out.append(row(f"tmall-{hashlib.sha1(title.encode()).hexdigest()[:10]}", source, title, language="zh", price=price))
    return out


def taobao_search_pages(mirrors: Path) -> list[dict]:
    pages = [("goxp49/My_Scrapy", "3df922d70189574ca0be1d5965b9ad476eb96ee2", "xxx.js"),
             ("hillerlin/code", "924d65cfa5887cbf0ed92944a094d4ab1f4d5e19", "myScrapy/mytest/json.py")]
    out, seen = [], set()
    for repo, commit, path in pages:
        source = {"repo": repo, "commit": commit, "path": path, "platform": "taobao.com (search result page)",
                  "licence": "none stated"}
        text = git_show(mirrors, repo, commit, path)
        for nid, title, price in re.findall(r'"nid": *"(\d+)".*?"raw_title": *"([^"]+)".*?"view_price": *"([\d.]+)"',
                                            text, re.S):
            if title in seen:
                continue
            seen.add(title)
            out.append(row(f"taobao-{nid}", source, title, language="zh", price=price))
    return out


def epet_pets() -> list[dict]:
    out = []
    for line in PET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        # "gzh52001/ePet mysql/goodslist.sql @0878ab46"
        repo, path, commit = re.fullmatch(r"(\S+) (\S+) @(\w+)", item["source"]).groups()
        source = {"repo": repo, "commit": commit, "path": path, "platform": item["platform"],
                  "licence": "none stated (the project's shared data set)"}
        attributes = {k: v for k, v in (item.get("attributes") or {}).items()}
        out.append(row(item["id"], source, item["title"], language="zh", price=item.get("price_cny"),
                       category=item.get("category"), attributes=attributes))
    return out


def amazon_in(mirrors: Path, keep: int = 400) -> list[dict]:
    repo, commit, path = "AdityaSharma2003/Amazon_Sales_Data_Modeling_Project", \
        "0221f89dc1a4f5131ddedc5c87fe8add115da67a", "amazon.csv"
    source = {"repo": repo, "commit": commit, "path": path, "platform": "amazon.in",
              "licence": "CC BY-NC-SA 4.0 (Kaggle 'Amazon Sales Dataset', karkavelrajaj), as published there"}
    rows = list(csv.DictReader(io.StringIO(git_show(mirrors, repo, commit, path))))
    unique, seen = [], set()
    for r in rows:
        if r["product_id"] not in seen:
            seen.add(r["product_id"])
            unique.append(r)
    step = max(1, len(unique) // keep)
    out = []
    for r in unique[::step][:keep]:
        bullets = [b.strip() for b in r["about_product"].split("|") if b.strip()]
        out.append(row(f"amzin-{r['product_id']}", source, r["product_name"], language="en",
                       price=r["discounted_price"].replace("₹", "").replace(",", ""), currency="INR",
                       category_path=r["category"].split("|"), bullets=bullets))
    return out


def amazon_com_promptcloud(mirrors: Path) -> list[dict]:
    repo, commit = "WSU-CPTS-223/pa3-inventory-management-AhpalmWSU", "43982866bfca8cc568334c11eddd6fc823d09cc2"
    path = "marketing_sample_for_amazon_com-ecommerce__20200101_20200131__10k_data.csv"
    source = {"repo": repo, "commit": commit, "path": path, "platform": "amazon.com",
              "licence": "PromptCloud 'Amazon Product Dataset 2020' sample (Kaggle); repository MIT"}
    out = []
    for r in csv.DictReader(io.StringIO(git_show(mirrors, repo, commit, path))):
        bullets = [b.strip() for b in r["About Product"].split(" | ") if b.strip()
                   and not b.startswith("Make sure this fits")]
        out.append(row(f"amzcom-{r['Uniq Id'][:12]}", source, r["Product Name"], language="en",
                       price=r["Selling Price"].replace("$", "").strip(), currency="USD",
                       category_path=[c.strip() for c in r["Category"].split(" | ") if c.strip()], bullets=bullets,
                       brand=r.get("Brand Name")))
    return out


def main(argv: list[str]) -> None:
    mirrors = Path(argv[1])
    zh = jd_gaming_laptops(mirrors) + jd_products_apache(mirrors) + tmall_groceries(mirrors) \
        + taobao_search_pages(mirrors) + epet_pets()
    en = amazon_in(mirrors) + amazon_com_promptcloud(mirrors)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in (("zh_listings.jsonl", zh), ("en_listings.jsonl", en)):
        (OUT / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{name}: {len(rows)} listings, {sum(r['split'] == 'blind' for r in rows)} blind")


if __name__ == "__main__":
    main(sys.argv)
