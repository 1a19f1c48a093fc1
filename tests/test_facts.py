"""Structured facts and a speakable short name from raw marketplace titles.

tests/data/facts_titles.jsonl holds titles with the facts a person reads from them: `dev` rows are real
pet-shop listings the rules were written against; `heldout` rows (food, drinks, beauty, appliances,
digital, apparel; Chinese and English) were written before the rules were run on them. First blind run
on heldout: 62/68 facts right; the misses were fixed by general rules (see studio/script/facts.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.script.facts import Facts, extract_facts, short_name
from studio.script.names import _segments, known_brand_zh, unglue_specs_zh

pytestmark = pytest.mark.unit

ROWS = [json.loads(line) for line in (Path(__file__).parent / "data" / "facts_titles.jsonl").read_text(
    encoding="utf-8").splitlines() if line.strip()]


def _same(a: str, b: str) -> bool:
    return a.replace(" ", "").lower() == b.replace(" ", "").lower()


@pytest.mark.parametrize("row", ROWS, ids=[r["title"][:24] for r in ROWS])
def test_title_facts(row):
    facts = extract_facts(row["title"])
    wrong = {k: (v, getattr(facts, k)) for k, v in row["facts"].items() if not _same(getattr(facts, k), v)}
    assert not wrong, f"expected vs got: {wrong}"


def test_both_splits_are_covered():
    splits = {r["split"] for r in ROWS}
    assert splits == {"dev", "heldout"}
    assert sum(r["split"] == "heldout" for r in ROWS) >= 20
    heldout_en = [r for r in ROWS if r["split"] == "heldout" and not any("\u4e00" <= c <= "\u9fff" for c in r["title"])]
    assert len(heldout_en) >= 8


def test_sheet_columns_win_over_the_title():
    facts = extract_facts("加拿大原装进口 爱肯拿Acana 无谷深海鱼配方全犬粮 6kg",
                          {"产地": "加拿大艾伯塔", "净含量": "6千克", "口味": "鱼肉"}, brand="Acana")
    assert (facts.origin, facts.weight, facts.flavour, facts.brand) == ("加拿大艾伯塔", "6千克", "鱼肉", "Acana")


def test_unknown_facts_are_empty_not_guessed():
    facts = extract_facts("手工皂")
    assert facts == Facts() and not facts
    assert extract_facts("Hand Soap").brand == ""


def test_total_from_unit_times_count():
    assert extract_facts("蒙牛 纯牛奶 250ml×16盒").total == "4000ml"
    assert extract_facts("益生菌 5g*20袋").total == "100g"
    assert extract_facts("Sparkling Water 12 x 330ml").volume == "330ml"


@pytest.mark.parametrize("title, expected", [
    # brand + product type + the words leading up to it (the brand is what a buyer asks for)
    ("加拿大原装进口 爱肯拿Acana 无谷深海鱼配方全犬粮 6kg", "爱肯拿Acana深海鱼配方全犬粮"),
    ("美国原装进口 Instinct生鲜本能 无谷系列 鸡肉配方全犬粮 22.5磅(10.2kg)", "Instinct生鲜本能鸡肉配方全犬粮"),
    ("谷登GOLDEN 猫用复合维生素片 200片", "谷登GOLDEN猫用复合维生素片"),
    ("小宠EHD 肠胃宝 益生菌制剂 10包/盒", "小宠EHD益生菌制剂"),
    ("新疆阿克苏冰糖心苹果 5斤装 单果80-85mm 产地直发", "新疆阿克苏冰糖心苹果"),
    ("赣南脐橙 5斤装", "赣南脐橙"),
    ("Organic Green Tea, 100 Bags, 200g", "Organic Green Tea"),
    ("CeraVe Hydrating Facial Cleanser 16 fl oz", "CeraVe Hydrating Facial Cleanser"),
    ("美的 电饭煲 MB-FB40 4L 家用智能 800W", "美的MB-FB40电饭煲"),  # + the model word
    ("蒙牛 纯牛奶 250ml×16盒 整箱", "蒙牛纯牛奶"),
    ("小熊保温杯", "小熊保温杯"),
    ("Canvas Tote", "Canvas Tote"),
    ("Anker PowerCore 10000mAh Portable Charger, 2-Pack", "Anker PowerCore Portable Charger"),
    ("Stainless Steel Water Bottle 750ml, Pack of 2", "Stainless Steel Water Bottle"),
])
def test_short_name(title, expected):
    name = short_name(title)
    assert name == expected
    # on-screen width: a CJK character counts one, a Latin letter half
    width = sum(1 if "\u4e00" <= c <= "\u9fff" else 0.5 for c in name)
    assert width <= 16 if any("\u4e00" <= c <= "\u9fff" for c in name) else len(name) <= 40


# ---- real marketplace listings (tests/data/listings/, see its README; these are from the dev part) ----

LISTINGS = {row["id"]: row for name in ("zh_listings.jsonl", "en_listings.jsonl") for row in (
    json.loads(line) for line in (Path(__file__).parent / "data" / "listings" / name).read_text(
        encoding="utf-8").splitlines())}
DEV = [row for row in LISTINGS.values() if row["split"] == "dev"]


SCORED = {"dev", "blind3"}  # blind3 was scored once in round 3 and its failures read: it is dev data since round 4


def _listing(listing_id: str) -> dict:
    row = LISTINGS[listing_id]
    assert row["split"] in SCORED, "tests use the dev part only; the blind part is for scripts/measure_listings.py"
    return row


def test_a_graphics_cards_memory_is_not_net_content():
    # JD: 惠普(HP)暗影精灵8Pro ... RTX3060 6G独显 16GDDR5 512G: 6G was once read as 净含量6G
    facts = extract_facts(_listing("jd-laptop-100021389125")["title"])
    assert facts.weight == ""
    assert (facts.video_memory, facts.graphics, facts.processor, facts.storage) == ("6G", "RTX3060", "i7-12700H", "512G")


def test_grams_stay_grams_and_memory_pairs_are_memory_and_storage():
    assert extract_facts(_listing("taobao-538596687562")["title"]).weight == "720g"  # 南方黑芝麻糊原味720g*2袋
    facts = extract_facts(_listing("jd-100012930959")["title"])  # HUAWEI P50 Pro ... 8GB+256GB
    assert (facts.memory, facts.storage, facts.weight) == ("8GB", "256GB", "")


@pytest.mark.parametrize("listing_id, tokens", [
    ("jd-laptop-100021389129", ["i7-12700H", "RTX3060", "2.5K", "165Hz", "512G"]),
    ("jd-laptop-100022199941", ["i7-12700H", "RTX3050Ti", "2.5K", "120Hz", "16G"]),
    ("jd-laptop-10056887572314", ["i5-12450H", "8G/512G"]),
])
def test_spec_tokens_are_kept_exactly(listing_id, tokens):
    spec = extract_facts(_listing(listing_id)["title"]).spec
    for token in tokens:
        assert token in spec, (token, spec)
    assert "5K" not in spec.replace("2.5K", "")


@pytest.mark.parametrize("listing_id, expected", [
    ("jd-laptop-10052913090268", "联想拯救者Y9000P游戏笔记本电脑"),  # brand + model + type
    ("jd-laptop-100032768490", "戴尔游匣G15笔记本电脑"),
    ("jd-100012930959", "HUAWEI P50 Pro手机"),
    ("jd-100027042714", "小米AX6S路由器"),
    ("taobao-538596687562", "南方黑芝麻糊"),
    ("tmall-7ffc8417ed", "原膳南美白虾仁"),
    ("epet_126060", "爱肯拿Acana鸡肉鱼配方全犬粮"),
    ("amzin-B07PR1CL3S", "boAt Rockerz 450 Bluetooth Headphones"),
    ("amzin-B09QS9X16F", "Redmi Note 11"),
    ("amzin-B099K9ZX65", "Hisense 4K HD Certified Android LED TV"),  # no "108 cm", no "(43 inches)"
])
def test_short_names_of_real_titles(listing_id, expected):
    row = _listing(listing_id)
    assert short_name(row["title"], row.get("brand", "")) == expected


def test_short_names_are_whole_words_never_fragments():
    """'Pillow Covers ch Red', '2 in hite Out': names once lost letters to spec removal. Every word
    of an English name is a word of its title; no name ends on a connector; none is too wide."""
    import re

    for row in DEV:
        name = short_name(row["title"], row.get("brand", ""))
        assert name, row["title"]
        if row["language"] == "en":
            title_words = set(re.split(r"[^\w&+'’.-]+", row["title"].replace("®", "")))
            title_words |= {w.strip(".-'’") for w in title_words}
            assert all(w in title_words for w in name.split()), (name, row["title"])
            assert name.split()[-1].lower() not in {"and", "to", "for", "with", "of", "in"}, name
            assert len(name) <= 40, name
        else:
            assert sum(1 if "\u4e00" <= c <= "\u9fff" else 0.5 for c in name) <= 16, name
            # specs and a brand's Latin form written onto a model are not part of its word: HUAWEInova24GB -> nova2
            titles = (row["title"], unglue_specs_zh(row["title"]))
            for run in re.findall(r"[A-Za-z0-9]+", name):  # Latin runs are whole: no 5K from 2.5K
                assert any(re.search(rf"(?<![A-Za-z0-9.]){re.escape(run)}", t) for t in titles), (name, row["title"])


# ---- round 3 (new dev listings: JD phones, Taobao menswear, amazon.com search results) ----

@pytest.mark.parametrize("listing_id, expected", [
    ("jd-4957824", "小米6手机"),  # 小米6全网通6GB+128GB…: the series number right after the brand, memory split off
    ("jd-10975896939", "华为Mate9Pro手机"),  # Mate9Pro4G手机: the network written onto the model
    ("jd-3652063", "荣耀畅玩6X手机"),  # 畅玩6X4GB32GB: memory without its plus sign, and 6X is a model, not 6 times
    ("jd-4618361", "小米5X手机"),  # 【移动专享版】 is an edition, not a brand
    ("jd-5544038", "华为Mate 10手机"),  # 华为 HUAWEI Mate 10: a Latin line after a Chinese brand
    ("jd-4213312", "荣耀Magic手机"),
])
def test_specs_written_onto_a_model_do_not_eat_it(listing_id, expected):
    row = _listing(listing_id)
    assert short_name(row["title"], row.get("brand", "")) == expected


def test_glued_specs_are_spaced_and_colours_dropped():
    assert unglue_specs_zh("小米66GB+64GB亮黑色").split() == ["小米6", "6GB+64GB"]
    assert unglue_specs_zh("魅族魅蓝Note64G手机").split() == ["魅族魅蓝Note6", "4G", "手机"]
    assert "4G+64G" in unglue_specs_zh("OPPOR11全网通4G+64G双卡双待手机玫瑰金色")  # storage is not a network
    assert "香槟" not in unglue_specs_zh("魅族魅蓝Note6手机香槟金全网通")
    assert "手机" in unglue_specs_zh("华为Mate9手机黑色全网通")  # a colour takes no word before it


@pytest.mark.parametrize("listing_id, expected", [
    ("jd-15612619458", "魅族魅蓝Note6手机"),  # …手机香槟金: champagne gold is a colour, not champagne
    ("jd-14508428098", "小米5X手机"),  # 小米（MI）小米5X: the brand said twice
    ("jd-10691564640", "苹果iPhone6s手机"),  # Apple苹果iPhone6s4G: the brand in two scripts, glued
    ("jd-5007538", "华为nova2手机"),  # 华为HUAWEInova24GB: the Latin form written onto the line
    ("jd-10901118475", "华为畅享6手机"),  # 畅享6双卡双待: 6双 is not six pairs
    ("tmall-529581782f", "茅台迎宾酒"),  # 茅台53度: a strength is not a model
    ("tmall-94dec8a3a7", "立白茶籽洗衣液"),  # 立白|茶籽: no 白茶 across the brand
    ("tmall-b519c55408", "维他奶巧克力味"),  # 巧克力味: a flavour, not chocolate
])
def test_colours_carriers_and_repeated_brands_stay_out_of_names(listing_id, expected):
    row = _listing(listing_id)
    assert short_name(row["title"], row.get("brand", "")) == expected


@pytest.mark.parametrize("listing_id, expected", [
    ("taobao-564892185165", "马克华菲冰氧吧短袖"),  # not 马克 (the segmenter cut 马克|华菲)
    ("taobao-563095002665", "太平鸟短袖T恤"),  # not 太平
    ("taobao-565090815615", "优衣库麻混纺休闲裤"),  # the brand at the end of a Taobao title
    ("taobao-44630991110", "雅戈尔短袖衬衫"),  # Youngor/雅戈尔: the Chinese name is the one said
    ("taobao-522128736149", "G2000衬衫"),  # a name with a number before the product
])
def test_brands_are_never_cut_by_the_segmenter(listing_id, expected):
    row = _listing(listing_id)
    assert short_name(row["title"], row.get("brand", "")) == expected


def test_known_brands_are_one_word_for_the_segmenter():
    assert _segments("马克华菲男装") == ["马克华菲", "男装"]
    assert _segments("泸州老窖特曲")[0] == "泸州老窖"
    assert known_brand_zh("Youngor/雅戈尔短袖衬衫") == ("雅戈尔", ["Youngor"])
    assert known_brand_zh("【移动专享版】小米5X") == ("小米", ["MI", "Xiaomi"])
    assert known_brand_zh("男装 休闲运动短裤")[0] == ""


@pytest.mark.parametrize("listing_id, expected", [
    ("amzcom-B09W4C2M52", "Pan Oceanic LTD Boys Sunglasses"),  # not 'LTD Pan Oceanic Boys Sunglasses'
    ("amzcom-B0C7BGGMHQ", "Hope & Henry Hooded Button Down Jacket"),  # not 'Henry Boys …'
    ("amzcom-B0CCRYZYRW", "SOLY HUX Zip Up Color Block Hoodies"),  # the first product, no half of 'Long Sleeve'
    ("amzcom-B0C7H5XHKG", "The Children's Place Half Zip Jacket"),  # 'Long Sleeve' is not a (laptop) sleeve
    ("amzcom-B00BEUDWJQ", "Rubbermaid Reveal Battery Power Scrubber"),  # the type right after another is the thing
    ("amzcom-B0C34R3Q8T", "Marvel Spider-Man Fleece Bomber Jacket"),  # '… Jacket and Jogger Pants' is a jacket
    ("amzcom-B0CP2S5S9Z", "You’re Losing Me"),  # not 'You re Losing Me'
])
def test_english_brands_of_several_words_stay_whole(listing_id, expected):
    row = _listing(listing_id)
    assert short_name(row["title"], row.get("brand", "")) == expected



@pytest.mark.parametrize("listing_id, expected", [
    ("amzin-B09BVCVTBC", "Redragon K617 Wired RGB Gaming Keyboard"),  # 60% is a spec, not a model number 60
    ("amzin-B08JV91JTK", "JM SELLER Electric Hand Mixer Egg Beater"),  # no '2021 Edition', no half of 'High Speed'
    ("jd-10038292404505", "无线蓝牙鼠标"),  # 适用于 ('suitable for') opens the title but is not a brand
])
def test_percentages_editions_and_fit_words_stay_out(listing_id, expected):
    row = _listing(listing_id)
    assert short_name(row["title"], row.get("brand", "")) == expected


def test_round3_rows_are_split_by_a_hash_of_their_title():
    """The blind3 part was fixed by the gathering script before anyone read it: every round-3 row's split is
    the one its title's hash gives (titles seen while locating the sources are dev)."""
    import importlib.util

    path = Path(__file__).parent.parent / "scripts" / "gather_listings_round3.py"
    spec = importlib.util.spec_from_file_location("gather_listings_round3", path)
    gather = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gather)
    round3 = {"1528992118/ScrapyDemo", "Mehaei/shopping_mall", "KhaledShrief/newAmazone",
              "Tyrost/Smart-Inventory-Demand-System"}
    rows = [r for r in LISTINGS.values() if r["source"]["repo"] in round3]
    assert len(rows) == 596
    assert all(r["split"] == gather.split_of(r["title"]) for r in rows)
    assert {r["split"] for r in rows} == {"dev", "blind3"}
    assert all(gather.split_of(t) == "dev" for t in gather.SEEN)


def test_round4_rows_are_split_by_a_hash_of_their_title():
    """The blind4 part was fixed by the round-4 gathering script before anyone read it."""
    import importlib.util

    path = Path(__file__).parent.parent / "scripts" / "gather_listings_round4.py"
    spec = importlib.util.spec_from_file_location("gather_listings_round4", path)
    gather = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gather)
    round4 = {"tangdu/taocraw", "NervJS/taro-benchmark", "hirajanwin/yourdesk-react", "taylorhughes291/project-2-329",
              "davidnyuan/DealFinder"}
    rows = [r for r in LISTINGS.values() if r["source"]["repo"] in round4]
    assert len(rows) == 514
    assert all(r["split"] == gather.split_of(r["title"]) for r in rows)
    assert {r["split"] for r in rows} == {"dev", "blind4"}
    assert all(gather.split_of(t) == "dev" for t in gather.SEEN)


# ---- round 4: the failure kinds read on blind3 (now dev), each on a real title ----

@pytest.mark.parametrize("listing_id, expected", [
    ("jd-3355175", "华为nova手机"),  # 华为HUAWEInova4GB+64GB版…: the line after a glued brand form
    ("jd-11384308346", "荣耀8手机"),  # 华为（HUAWEI）荣耀8青春版: the line's own brand carries the model
    ("jd-3889169", "飞利浦E106手机"),  # 飞利浦PhilipsE106: the brand once, not glued to the model
    ("taobao-564129383720", "优衣库快干POLO衫"),  # 男装 快干POLO衫(短袖) 404158 优衣库UNIQLO: the type at the end
    ("taobao-564755196216", "太平鸟九分休闲裤"),  # 男装2018夏九分休闲裤: no lone character (夏) left of the words
])
def test_round4_chinese_models_brands_and_types(listing_id, expected):
    row = _listing(listing_id)
    assert short_name(row["title"], row.get("brand", "")) == expected


@pytest.mark.parametrize("listing_id, expected", [
    ("amzcom-B0B3SBW26W", "Minecraft Fleece Half Zip Sweatshirt"),  # Sweatshirt & Pants: one product, not two run together
    ("amzcom-B0B1Q7F1K2", "ALINTU Clothes Outfit Button Down Shirt"),  # Shirt + Pants Set
    ("amzcom-B0CKHY9XF1", "DISNEY STORE Mickey and Friends Outfits"),  # 'and' said inside a name
    ("amzcom-B0BRBPSXCW", "The Woman in Me"),  # a title's own article
    ("amzcom-B0CJVRCD5Y", "Disney Button Up Varsity Bomber Jacket"),  # Mickey Mouse is a character, not a mouse
    ("amzcom-B08DKM4DNC", "Sun-Staches Shades Arkaid Sunglasses"),  # no 'U.S' cut from U.S.
    ("amzcom-B08NWR3DJM", "Star Wars Mug"),  # Mug"I Have Spoken": a quotation mark is not part of a word
])
def test_round4_english_names_keep_terms_whole(listing_id, expected):
    row = _listing(listing_id)
    assert short_name(row["title"], row.get("brand", ""), "en") == expected


@pytest.mark.parametrize("listing_id, token", [
    ("jd-6001251", "4GB +64GB"),  # memory and storage written with a spaced plus stay one token
    ("amzcom-B08VLMQ3KS", "5G"),  # Galaxy S21 5G, US Version: the network
    ("amzcom-B0C4QY7F49", "4K"),  # 65-Inch Class OLED 4K: the resolution of a TV
])
def test_round4_spec_tokens_as_written(listing_id, token):
    assert token in extract_facts(_listing(listing_id)["title"]).spec.split(" ") or token in extract_facts(
        _listing(listing_id)["title"]).spec


def test_a_scene_header_with_a_stray_quote_still_reads():
    """A short name holding a quotation mark once broke the script parser (Star Wars Mug"I Have Spoken")."""
    from studio.script.generate import parse_script_text

    scenes = parse_script_text('[hook overlay="Star Wars Mug"I"]\nA line.\n[point image=2 overlay="Waterproof"]\nB.')
    assert [s.overlay for s in scenes] == ["Star Wars MugI", "Waterproof"]
    assert scenes[1].image == 1
