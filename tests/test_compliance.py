"""Compliance checker: rule families, exceptions, rewrites, price agreement, corpus figures."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.compliance import blocking, check_lines, check_script, check_text, rewrite
from studio.compliance.evaluate import DEFAULT_CORPUS, evaluate, load_corpus, main
from studio.compliance.rules import cn_number, families, find_prices
from studio.types import Product, Scene, Script

pytestmark = pytest.mark.unit


def cats(findings):
    return sorted({f.category for f in findings})


def texts(findings):
    return [f.text for f in findings]


# ---------------------------------------------------------------- absolute terms
@pytest.mark.parametrize("line,term", [
    ("这款耳机音质是同价位最好的", "最好"),
    ("全网最低价，只要九块九包邮", "全网最低价"),
    ("史上最强持妆粉底", "史上最强"),
    ("行业第一的降噪效果", "行业第一"),
    ("猫粮第一品牌", "第一品牌"),
    ("销量冠军面膜", "销量冠军"),
    ("顶级奢华面霜", "顶级"),
    ("国家级非遗工艺", "国家级"),
    ("万能充电器", "万能"),
    ("保健效果100%有效", "100%"),
    ("TOP1 猫粮", "TOP1"),
    ("降噪达到业界顶尖水平", "业界顶尖"),
    ("防蚊液纯天然无副作用", "无副作用"),
    ("全网独一份的配色", "全网独一份"),
    ("这款燕麦是同类里销量NO.1", "NO.1"),
])
def test_absolute_zh(line, term):
    fs = check_text(line, "zh")
    assert any(f.category == "absolute_term" and term in f.text for f in fs), fs
    f = next(f for f in fs if term in f.text)
    assert line[f.start:f.end] == f.text
    assert f.severity == "block" and "第九条" in f.rule


@pytest.mark.parametrize("line,term", [
    ("This serum is the best anti-aging serum.", "the best"),
    ("The cheapest organic honey you will ever find.", "cheapest"),
    ("Our No.1 bestselling lipstick.", "No.1"),
    ("Number one choice of dog trainers.", "Number one"),
    ("World-class sound in a tiny package.", "World-class"),
    ("A miracle cream.", "miracle"),
    ("Lowest price ever!", "Lowest price ever"),
    ("Results guaranteed.", "guaranteed"),
    ("Number 1 in customer satisfaction.", "Number 1"),
    ("Unmatched comfort for long shifts.", "Unmatched"),
    ("The most powerful blender on the market.", "The most powerful blender on the market"),
])
def test_absolute_en(line, term):
    fs = check_text(line, "en")
    assert term in texts(fs), fs
    assert fs[0].rule == "Advertising Law art. 9(3)"


@pytest.mark.parametrize("line,term", [
    ("这支防晒是我用过的第 一好用的", "第 一"),
    ("ＮＯ．１的销量", "ＮＯ．１"),
    ("N0.1 爆款充电宝", "N0.1"),
    ("N O.1 的游戏手机", "N O.1"),
    ("最 好 用 的 吹风机", "最 好 用"),
    ("最\u200b好的面膜", "最\u200b好"),
])
def test_obfuscated_forms_map_back_to_original_span(line, term):
    fs = check_text(line, "zh")
    assert fs and fs[0].text == term
    assert line[fs[0].start:fs[0].end] == term


# ---------------------------------------------------------------- exceptions
@pytest.mark.parametrize("line,lang", [
    ("最佳赏味期为开封后七天", "zh"),
    ("最近好多姐妹私信问我", "zh"),
    ("卸妆的最后一步记得用清水", "zh"),
    ("这是我们家最新款的气垫，比上一代更轻薄", "zh"),
    ("最终效果因人而异", "zh"),
    ("最少需要冷藏两小时", "zh"),
    ("第一次用无线充就爱上了", "zh"),
    ("第一步先把米淘洗干净", "zh"),
    ("第一时间发货", "zh"),
    ("安全座椅通过国家标准检测", "zh"),
    ("Best before: see the bottom of the pack.", "en"),
    ("Best-by date is twelve months from production.", "en"),
    ("Charges twice as fast as our previous model.", "en"),
    ("Tasty dog treats made with real beef.", "en"),
    ("It's our lightest laptop yet.", "en"),
    ("The quietest fan we have ever made.", "en"),
    ("宝宝第一双学步鞋，软底防滑", "zh"),
    ("治愈系毛绒玩具，抱着睡觉超安心", "zh"),
    ("温和不刺激，敏感肌可用", "zh"),
    ("零添加蔗糖，清爽不腻", "zh"),
    ("今天下单，明天发货", "zh"),
    ("下午三点前下单当天发", "zh"),
    ("医生护士都爱穿的护士鞋", "zh"),
    ("冠军同款跑鞋，轻快回弹", "zh"),
    ("压蒜器碾压大蒜很方便", "zh"),
    ("Nothing beats a cold brew on a hot day.", "en"),
    ("The ultimate frisbee disc for the beach.", "en"),
    ("Vet visits are easier with this carrier.", "en"),
    ("Price goes up with size.", "en"),
    ("解决了收纳的痛点", "zh"),
    ("告别炎热夏天，清凉一夏", "zh"),
    ("解决行业通病，接口更耐用", "zh"),
    ("告别选择困难症，一套搞定", "zh"),
    ("厨房油污一擦就没了", "zh"),
    ("Kills 99.9% of germs on hard surfaces.", "en"),
    ("Gets rid of stains fast.", "en"),
    ("No more tangled cables.", "en"),
    ("湿疹宝宝能用吗？可以，温和无香精", "zh"),
    ("Acne-prone skin? This gentle wash won't clog pores.", "en"),
    ("30-day money-back guarantee.", "en"),
    ("Guaranteed to fit or your money back.", "en"),
    ("2-year guarantee on the motor.", "en"),
])
def test_exceptions_not_flagged(line, lang):
    assert check_text(line, lang, category="food") == []


def test_condition_and_its_cure_in_one_clause():
    """The structural rule: an illness or symptom and its going away, in either order."""
    for line, lang in [("这款枕头治好了我多年的颈椎病", "zh"), ("用了三天，湿疹全消了", "zh"),
                       ("喝了一周，胃痛再也没犯过", "zh"), ("Clears up breakouts in 48 hours", "en"),
                       ("Your back pain is gone in a week", "en"), ("宝宝湿疹反反复复？用了它就再没复发", "zh"),
                       ("Itchy skin? Our oatmeal shampoo makes it disappear", "en")]:
        assert cats(check_text(line, lang, category="home")) == ["medical_claim"], line


def test_a_lexicon_naming_an_unknown_term_list_says_which(tmp_path):
    from studio.compliance.rules import load_lexicon

    (tmp_path / "x.yaml").write_text("language: xx\nterms:\n  ok: [a]\nrules:\n  - id: r1\n    category: absolute_term\n"
                                     "    pattern: '<<ok>><<missing>>'\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"r1.*<<missing>>.*known: ok"):
        load_lexicon(tmp_path / "x.yaml")


def test_product_and_brand_names_are_exempt():
    assert check_text("第一坊红糖姜茶，暖暖的一杯", "zh", product_names=["第一坊红糖姜茶"]) == []
    fs = check_text("No.1 Coffee 挂耳咖啡，全网最低价", "zh", product_names=["No.1 Coffee"])
    assert texts(fs) == ["全网最低价"]
    assert check_text("Best Friends shampoo keeps coats shiny.", "en", product_names=["Best Friends"]) == []
    # the name exempts only its own span
    assert "第一" in texts(check_text("第一坊红糖，行业第一", "zh", product_names=["第一坊红糖"]))[0]


# ---------------------------------------------------------------- medical / efficacy, scoped by category
def test_medical_and_efficacy_claims_scoped_by_category():
    assert cats(check_text("药妆级成分，消炎祛痘", "zh", category="美妆")) == ["medical_claim"]
    assert cats(check_text("每天一杯，降血压降血糖", "zh", category="食品")) == ["medical_claim"]
    assert cats(check_text("增强免疫力，孩子少生病", "zh", category="food")) == ["efficacy_claim", "medical_claim"]
    # the food rule blocks; for other goods a health-function claim is still a warning, not silence
    assert [(f.category, f.severity) for f in check_text("增强免疫力", "zh", category="数码")] == [("efficacy_claim", "warn")]
    f = check_text("美白精华，七天透亮", "zh", category="beauty")[0]
    assert (f.category, f.severity, f.text) == ("efficacy_claim", "warn", "美白")
    assert "第三十七条" in f.rule
    assert check_text("牙膏能美白牙齿", "zh", category="家居日用") == []
    assert check_text("床垫护脊，治疗腰椎间盘突出", "zh", category="home")[0].category == "medical_claim"
    en = check_text("This tea helps you lose weight and detox.", "en", category="food")
    assert cats(en) == ["efficacy_claim"] and len(en) == 2
    assert cats(check_text("Clinically proven to cure acne.", "en", category="beauty")) == ["medical_claim"]
    assert cats(check_text("润肺止咳，告别便秘", "zh", category="food")) == ["medical_claim"]
    assert cats(check_text("吃出好气色，补气血", "zh", category="food")) == ["efficacy_claim"]
    assert cats(check_text("Boosts immunity and fights colds.", "en", category="food")) == ["efficacy_claim", "medical_claim"]
    f = check_text("三天淡化痘印", "zh", category="beauty")[0]
    assert (f.category, f.severity) == ("efficacy_claim", "warn")


def test_false_urgency_is_a_warning():
    fs = check_text("仅剩最后三件，手慢无！", "zh")
    assert [(f.category, f.severity, f.text) for f in fs] == [("false_urgency", "warn", "仅剩最后三件"),
                                                              ("false_urgency", "warn", "手慢无")]
    assert blocking(fs) == []
    assert cats(check_text("Only 2 left in stock, order now!", "en")) == ["false_urgency"]
    assert cats(check_text("Sale ends at midnight!", "en")) == ["false_urgency"]
    assert cats(check_text("最后一批库存，卖完就下架", "zh")) == ["false_urgency"]


def test_families():
    assert families("美妆护肤") == {"beauty"}
    assert families("") == {"beauty", "food", "pets", "baby"}
    assert families("digital") == set()


# ---------------------------------------------------------------- rewrites
@pytest.mark.parametrize("line,lang,expected", [
    ("这款耳机音质是同价位最好的", "zh", "这款耳机音质是同价位很好的"),
    ("全网最低价，只要九块九", "zh", "优惠价，只要九块九"),
    ("行业第一的降噪效果", "zh", "行业热门的降噪效果"),
    ("顶级奢华面霜", "zh", "高品质奢华面霜"),
    ("This is the best deal of the year.", "en", "This is a great deal of the year."),
    ("The cheapest honey around.", "en", "The great-value honey around."),
    ("Our No.1 lipstick is back.", "en", "Our popular lipstick is back."),
    ("这款精华是全网最好用的，没有之一", "zh", "这款精华是很好用的"),
])
def test_suggested_rewrites(line, lang, expected):
    fs = check_text(line, lang)
    assert fs and all(f.suggestion == expected for f in fs)
    assert check_text(expected, lang) == []
    assert rewrite(line, fs, lang) == expected


def test_finding_to_dict():
    d = check_text("顶级品质", "zh")[0].to_dict()
    assert set(d) >= {"category", "text", "line", "start", "end", "reason", "rule", "suggestion", "severity"}
    assert d["line"] == -1 and (d["start"], d["end"]) == (0, 2)


# ---------------------------------------------------------------- prices against the sheet
def _script(*lines, language="zh"):
    return Script(scenes=[Scene(kind="point", lines=list(lines))], language=language, template="t", template_hash="h")


def test_price_words_and_cut_claims():
    assert [p.value for p in find_prices("到手价只要五十九块九", "zh")] == [59.9]
    assert [(p.value, p.kind) for p in find_prices("专柜价299，直播间只要199", "zh")] == [(299, "original"), (199, "current")]
    p = Product(name="面霜", price=79, category="beauty")
    fs = check_script(_script("下单立减二十元"), p)
    assert [(f.category, f.text) for f in fs] == [("price_claim", "立减二十元")]
    p.offer = "下单立减20元"
    assert check_script(_script("下单立减二十元"), p) == []
    # "up to" caps are not absolute terms
    assert check_text("最高立减五十元", "zh") == []


def test_numbers():
    assert cn_number("一百九十九") == 199 and cn_number("九十九") == 99 and cn_number("两千") == 2000
    assert [p.value for p in find_prices("只要九块九，原价¥199，每天只要1元", "zh")] == [9.9, 199, 1]
    assert [p.kind for p in find_prices("只要九块九，原价¥199，每天只要1元", "zh")] == ["current", "original", "unit"]


def test_price_agreement_with_product():
    p = Product(name="保温杯", price=99, original_price=199, category="home", offer="限时买一送一")
    ok = check_script(_script("到手价99元", "原价199元，今天买一送一", "每天只要1块钱"), p)
    assert ok == []
    bad = check_script(_script("到手价89元", "原价299元", "全场三折"), p)
    assert [(f.category, f.line, f.text) for f in bad] == [
        ("price_mismatch", 0, "89"), ("price_mismatch", 1, "299"), ("price_claim", 2, "三折")]
    assert bad[0].suggestion == "到手价99元" and bad[1].suggestion == "原价199元"
    assert all(f.severity == "block" for f in bad)


def test_original_price_without_sheet_value_and_offer_backing():
    p = Product(name="Mug", price=19.99, language="en", category="home")
    fs = check_script(_script("Only $19.99 today, originally $39!", "Buy one get one free.", "Only today!", language="en"), p)
    assert [(f.category, f.text) for f in fs] == [
        ("price_claim", "39"), ("price_claim", "Buy one get one free"), ("false_urgency", "Only today")]
    # an offer in the sheet backs urgency and the promotion
    p.offer = "Buy one get one free, today only"
    fs = check_script(_script("Buy one get one free.", "Only today!", language="en"), p)
    assert fs == []
    # a discount consistent with price / original price is fine
    p2 = Product(name="杯子", price=80, original_price=100, category="home")
    assert check_script(_script("现在八折，只要80元"), p2) == []


def test_check_script_uses_product_name_and_category():
    p = Product(name="极致系列防晒霜", price=59, category="美妆", brand="极致")
    fs = check_script(_script("极致系列防晒霜，清爽不黏腻", "医学级配方"), p)
    assert [(f.line, f.text, f.category) for f in fs] == [(1, "医学级", "medical_claim")]
    assert blocking(fs) == fs


def test_a_marketplace_titles_promotion_is_not_a_name_and_the_hooks_title_is_checked():
    """'【全网最低价】小熊保温杯' as the product name: the bracketed promotion is checked wherever it is
    said or shown (the hook shows the name when it has no headline); the name itself stays exempt."""
    p = Product(name="【全网最低价】小熊保温杯", price=59.9)
    script = Script(scenes=[Scene(kind="hook", lines=["今天推荐【全网最低价】小熊保温杯"]),
                            Scene(kind="cta", lines=["快来买"])], language="zh", template="t", template_hash="h")
    fs = check_script(script, p)
    assert [(f.line, f.overlay, f.text) for f in fs] == [(0, -1, "全网最低价"), (-1, 0, "全网最低价")]
    assert fs[1].suggestion == "【优惠价】小熊保温杯"
    clean = Product(name="第一坊红糖姜茶", price=19.9)
    script.scenes[0].lines = ["今天推荐第一坊红糖姜茶"]
    assert check_script(script, clean) == []


# ---------------------------------------------------------------- the corpus
def test_corpus_is_well_formed():
    recs = load_corpus(DEFAULT_CORPUS)
    assert len(recs) >= 150
    assert 0.35 <= sum(1 for r in recs if r["violations"]) / len(recs) <= 0.65
    assert {r["split"] for r in recs} == {"dev", "heldout-v1", "heldout-v2", "heldout-v3", "heldout-v4", "heldout-v5",
                                            "heldout-v6", "heldout-v7", "heldout-v8"}
    assert any("product" in r for r in recs)  # price agreement is measured too
    assert {"beauty", "food", "pets", "digital", "apparel", "home", "baby"} <= {r["category"] for r in recs}


def test_corpus_precision_recall_floors(capsys):
    recs = load_corpus(DEFAULT_CORPUS)
    # floors a little below the measured figures (see the README); every held-out split up to v7 was
    # tuned on after its first blind run (the blind figures are in the README); v8 never was
    floors = {"dev": (0.95, 0.95, 0.95), "heldout-v1": (0.95, 0.95, 0.95), "heldout-v2": (0.93, 0.93, 0.95),
              "heldout-v3": (0.95, 0.90, 0.95), "heldout-v4": (0.95, 0.95, 0.95), "heldout-v5": (0.95, 0.95, 0.95),
              "heldout-v6": (0.95, 0.95, 0.95), "heldout-v7": (0.95, 0.85, 0.90),
              "heldout-v8": (0.95, 0.30, 0.60)}  # v8: blind, never tuned on
    for split, (p, r, acc) in floors.items():
        rep = evaluate(recs, split)
        assert rep.lines >= 30, split
        assert rep.overall.precision >= p and rep.overall.recall >= r and rep.line_accuracy >= acc, (split, rep.as_dict())
    prices = evaluate([r for r in recs if "product" in r])
    assert prices.by_category["price_mismatch"].tp >= 4 and prices.by_category["price_claim"].tp >= 7
    assert main(["--quiet"]) == 0
    out = capsys.readouterr().out
    assert "heldout-v3" in out and "precision" in out


def test_evaluate_cli_reports_bad_corpus(tmp_path: Path, capsys):
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"text": "abc", "language": "en", "violations": [{"category": "absolute_term", "text": "zz"}]}\n')
    assert main(["--corpus", str(bad)]) == 2
    assert "not in the line" in capsys.readouterr().err


# ---------------------------------------------------------------- families the law names, by structure and sense
def _flagged(line, term, category="home"):
    """The finding that covers `term` in `line` (None when nothing does)."""
    s = line.index(term)
    e = s + len(term)
    return next((f for f in check_text(line, "zh", category=category) if f.start < e and s < f.end), None)


@pytest.mark.parametrize("line,term,category", [
    # time pressure, with or without a number
    ("再不抢就没了，赶紧下单", "再不抢就没了", "false_urgency"),
    ("再不下单就涨价了", "再不下单就涨价了", "false_urgency"),
    ("限时秒杀，只要九块九", "秒杀", "false_urgency"),
    ("倒计时开始，机会难得", "倒计时", "false_urgency"),
    ("这个价格随时涨价", "随时涨价", "false_urgency"),
    ("错过就没机会了", "错过就没机会了", "false_urgency"),
    ("不会再便宜了", "不会再便宜了", "false_urgency"),
    ("手慢无，拼手速", "手慢无", "false_urgency"),
    ("万人疯抢的爆款", "万人疯抢", "false_urgency"),
    ("这款卖爆了", "卖爆", "false_urgency"),
    ("仅此一次的机会", "仅此一次", "false_urgency"),
    ("限时特惠，快来看看", "限时", "false_urgency"),
    # superlatives: 最 + anything that is not a time, place or specification sense
    ("采用最新技术，续航更久", "最新技术", "absolute_term"),
    ("最新科技加持", "最新科技", "absolute_term"),
    ("最具性价比的一款", "最具", "absolute_term"),
    ("最聚拢的内衣", "最聚拢", "absolute_term"),
    ("至臻品质，匠心打造", "至臻", "absolute_term"),
    ("前无古人的设计", "前无古人", "absolute_term"),
    ("问鼎同类产品", "问鼎", "absolute_term"),
    ("一流的服务，让您放心", "一流", "absolute_term"),
    # ranking and its spellings
    ("TOP.1 的人气单品", "TOP.1", "absolute_term"),
    ("Top 1 热卖", "Top 1", "absolute_term"),
    ("排名第1的保温杯", "第1", "absolute_term"),
    ("类目销量第1", "第1", "absolute_term"),
    ("全国销量冠军", "全国销量冠军", "absolute_term"),
    ("性价比之王", "之王", "absolute_term"),
    # first, only, exclusive
    ("新品首发，限量供应", "首发", "absolute_term"),
    ("全国首家门店", "全国首家", "absolute_term"),
    ("品牌首款折叠屏", "首款", "absolute_term"),
    ("独家配方，香味持久", "独家配方", "absolute_term"),
    ("国内首创的卡扣设计", "首创", "absolute_term"),
    # leading
    ("技术世界领先", "世界领先", "absolute_term"),
    ("行业领先的降噪", "领先", "absolute_term"),
    # totals and guarantees
    ("纯天然原料", "纯天然", "absolute_term"),
    ("100%好评", "100%", "absolute_term"),
    ("100%，放心买", "100%", "absolute_term"),
    ("百分百满意", "百分百", "absolute_term"),
    ("零风险，放心买", "零风险", "absolute_term"),
    ("永久不变形", "永久", "absolute_term"),
    # names of the state, certifications that do not exist, trademark law
    ("中国驰名商标", "驰名商标", "misleading_claim"),
    ("国家免检产品", "国家免检", "misleading_claim"),
    ("质量免检，放心用", "质量免检", "misleading_claim"),
    ("国宴专用茶叶", "国宴专用", "misleading_claim"),
    ("政协用酒", "政协用酒", "misleading_claim"),
    ("国家领导人推荐的好茶", "国家领导人推荐", "misleading_claim"),
    ("人民大会堂宴会用酒", "人民大会堂", "misleading_claim"),
    ("特供茶叶", "特供", "misleading_claim"),
    # lures and superstition
    ("点击领红包，人人有份", "点击领红包", "misleading_claim"),
    ("恭喜获奖，领取奖品", "领取奖品", "misleading_claim"),
    ("招财进宝的摆件", "招财进宝", "misleading_claim"),
    ("戴上它能辟邪", "辟邪", "misleading_claim"),
])
def test_the_laws_families_are_flagged(line, term, category):
    f = _flagged(line, term)
    assert f is not None, check_text(line, "zh", category="home")
    assert f.category == category, f
    assert f.suggestion and f.suggestion != line and f.rule
    assert _flagged(f.suggestion, term) is None if term in f.suggestion else True


@pytest.mark.parametrize("line", [
    "先说第一个问题，怎么清洗。",
    "把厚的衣服放在最下面一格。",
    "最上面一层放调料刚好。",
    "滤网在最里面，拆下来就能洗。",
    "最新到货的这批，生产日期是上个月。",
    "这是我们家最新款的气垫，比上一代更轻。",
    "第一次用就觉得很顺手。",
    "最近好多朋友问这款保温杯。",
    "首先，打开包装看看配件。",
    "首单有优惠，详情看商品页。",
    "首次使用前，先用清水冲洗一遍。",
    "首饰盒分了三层，项链不会缠在一起。",
    "每一片都是独立包装。",
    "最大承重一百公斤，老人坐着也稳。",
    "水温最高可达四十五度。",
    "面料是100%纯棉，贴身穿也舒服。",
    "电量从零充到100%只要四十分钟。",
    "我们一直坚持质量第一的理念。",
    "追求极致是我们做产品的态度。",
    "唯一的缺点是有点重。",
    "它最大的特点就是轻。",
    "这次活动限时三天，具体时间看商品页。",
    "活动截止到6月18日晚上十点。",
    "有问题客服秒回。",
    "新品抢先体验，欢迎来试。",
    "这款零食是小朋友的心头好。",
    "零下二十度也能正常启动。",
    "顶配版本，内存更大。",
    "极简的设计，放在哪都好看。",
    "产品通过了3C认证，证书可以在商品页查看。",
    "电商专供款，和门店款包装不同。",
    "点击下方链接就能下单。",
    "第1步，先把盖子拧开。",
    "倒数第二层放水果刚好。",
])
def test_look_alikes_in_an_allowed_sense_are_not_flagged(line):
    assert check_text(line, "zh", category="home") == []


def test_zui_xin_is_excused_only_in_its_time_sense():
    """最新 is a time (最新到货, 最新款上市, 最新一期), never a claim about technology (最新技术)."""
    for ok in ["最新到货", "最新款上市", "最新一期直播", "最新上架的颜色"]:
        assert check_text(ok, "zh") == [], ok
    for bad in ["最新技术", "最新科技", "最新配方", "最新"]:
        assert [f.category for f in check_text(bad, "zh")] == ["absolute_term"], bad


def test_an_urgency_headline_is_flagged_on_screen_and_an_offer_in_the_sheet_backs_it():
    p = Product(name="小熊保温杯", price=59, category="home")
    script = Script(scenes=[Scene(kind="hook", lines=["今天推荐小熊保温杯"]),
                            Scene(kind="offer", lines=["现在只要59元"], overlay="再不抢就没了"),
                            Scene(kind="cta", lines=["点下方链接看看吧"])],
                    language="zh", template="t", template_hash="h")
    fs = check_script(script, p)
    assert [(f.line, f.overlay, f.category, f.text) for f in fs] == [(-1, 1, "false_urgency", "再不抢就没了")]
    assert fs[0].suggestion != "再不抢就没了" and check_text(fs[0].suggestion, "zh") == []
    p.offer = "限时秒杀，今晚24点截止"
    assert check_script(script, p) == []
    # the hook shows the product name when it has no headline: a ranking in it is checked too
    q = Product(name="TOP.1 保温杯", price=59)
    hook = Script(scenes=[Scene(kind="hook", lines=["来看看这款杯子"])], language="zh", template="t", template_hash="h")
    assert check_script(hook, q) == []  # the product's own name is a name, not a claim
    hook.scenes[0].overlay = "TOP.1 人气单品"
    assert [f.text for f in check_script(hook, q)] == ["TOP.1"]


# ---------------------------------------------------------------- the bench on real banned-word lists
def test_recall_on_real_lists_and_false_alarms_on_clean_copy():
    """Recall on the test terms (never tuned on, read while labelling), on the lists held out unread
    (baimocn, round 2: its totals only were ever printed; LexAd, round 3: sealed until it was scored
    once, after the round's rules), on round 3's own probes, and false alarms on clean copy, written
    and real, spoken and on screen. The goal is recall >= 0.90 with false alarms <= 0.03; these
    floors are the measured figures (README), which fall short of it on recall: of the terms that no
    other list has, round 2's list has 61% caught and round 3's 48%."""
    from studio.compliance.term_bench import NAMED, NOT_NAMED, UNREAD, run_bench

    rep = run_bench()  # round 3's list is development data now (round 4 folded it in)
    for mode in ("spoken", "onscreen"):
        assert rep.recall_of("dev", "all", mode).rate >= 0.98, mode
        assert rep.recall_of("probe", "all", mode).rate >= 0.95, mode
        assert rep.false_alarm_of("probe", mode).rate == 0.0, mode
        # the two lists already scored are development data since round 4 (blind: 64.6% and 72.3% at first)
        assert rep.recall_of("blind3", "all", mode).rate >= 0.87, (mode, str(rep.recall_of("blind3", "all", mode)))
        assert rep.recall_of("blind3", UNREAD, mode).rate >= 0.80, (mode, str(rep.recall_of("blind3", UNREAD, mode)))
        assert rep.recall_of("test", NOT_NAMED, mode).rate >= 0.88, (mode, str(rep.recall_of("test", NOT_NAMED, mode)))
        assert rep.recall_of("test", NAMED, mode).rate >= 0.98, mode
        assert rep.recall_of("blind", "all", mode).rate >= 0.91, (mode, str(rep.recall_of("blind", "all", mode)))
        assert rep.recall_of("blind", UNREAD, mode).rate >= 0.87, (mode, str(rep.recall_of("blind", UNREAD, mode)))
        for split in ("dev", "test"):
            fa = rep.false_alarm_of(split, mode)
            assert fa.total >= 140 and fa.rate <= 0.03, (split, mode, str(fa))
            real = rep.false_alarm_of(split, mode, "real")
            assert real.total >= 45 and real.rate <= 0.03, (split, mode, str(real))
    assert rep.recall_of("test", "source:angelaxu76/TaobaoProj").rate >= 0.84  # the first round's list held out whole
    assert rep.rewrites_clean[("test",)].rate >= 0.95 and rep.rewrites_clean[("blind",)].rate >= 0.93
    assert rep.rewrites_clean[("blind3",)].rate >= 0.95


def test_round4_sealed_lists_at_their_single_blind_run():
    """Round 4's two held-out lists (blind4), scored once at commit 382d721 after the round's rules:
    these floors are that run. Most of their terms are in other lists; of the 15 in none, a third were
    caught, so the goal of 90% on unseen wording is still not reached."""
    from studio.compliance.term_bench import UNREAD, run_bench

    rep = run_bench(include_sealed=True)
    for mode in ("spoken", "onscreen"):
        assert rep.recall_of("blind4", "all", mode).rate >= 0.86, (mode, str(rep.recall_of("blind4", "all", mode)))
        assert rep.recall_of("blind4", UNREAD, mode).rate >= 0.33, (mode, str(rep.recall_of("blind4", UNREAD, mode)))
    assert rep.rewrites_clean[("blind4",)].rate >= 0.97


def test_every_carrier_is_clean_and_every_term_is_labelled():
    from studio.compliance.term_bench import clean_cases, term_cases

    cases = term_cases()
    assert {c.mode for c in cases} == {"spoken", "onscreen"} and len(cases) == 6 * (931 + 393)
    assert {c.split for c in cases} == {"dev", "test", "blind", "blind3"}
    assert all(c.term in c.text for c in cases)
    clean = clean_cases()
    assert len(clean) >= 700 and {c.split for c in clean} == {"dev", "test"}
    assert sum(c.kind == "real" for c in clean) == 225 and all(c.source for c in clean if c.kind == "real")


def test_the_held_out_list_is_counted_without_labels():
    """The blind list needs no label: its terms are in scope unless the very same term is labelled
    out of scope elsewhere, and only a label given elsewhere names a family."""
    import json

    from studio.compliance.term_bench import SOURCES_DIR

    rows = [json.loads(line) for line in (SOURCES_DIR / "terms.jsonl").read_text(encoding="utf-8").splitlines()]
    blind = [r for r in rows if r["split"] in ("blind", "blind3", "blind4")]
    assert {r["source"] for r in blind if r["split"] == "blind"} == {"baimocn/ad-compliance-agent"}
    assert {r["source"] for r in blind if r["split"] == "blind3"} == {"6LdragonL6/LexAd"}
    assert {r["source"] for r in blind if r["split"] == "blind4"} == {"augusding/ad-review-agent",
                                                                      "wbj1031422563/copy-generator-"}
    assert all(r["list_category"] for r in blind)
    labelled = {r["term"]: r for r in rows if r["split"] not in ("blind", "blind3", "blind4")}
    for r in blind:
        if r["term"] in labelled:
            assert r["family"] == labelled[r["term"]]["family"] and r["in_scope"] == labelled[r["term"]]["in_scope"]
        else:
            assert r["family"] == "unlabelled" and r["in_scope"]


def test_the_sealed_list_is_left_out_unless_asked_for():
    """Round 4's held-out lists are scored once: no default run of the bench includes their terms."""
    from studio.compliance.term_bench import SEALED, term_cases

    assert SEALED == ("blind4",)
    assert not any(c.split in SEALED for c in term_cases())
    sealed = [c for c in term_cases(include_sealed=True) if c.split in SEALED]
    assert len(sealed) == 6 * 81 and all(c.list_category for c in sealed)


@pytest.mark.parametrize("line", [
    # a screen's colour gamut is a specification, like a fabric's fibre content
    "游戏本 16G 512G RTX3060 2.5K 165Hz 100%P3色域", "15.6英寸 100%sRGB IPS 全面屏", "100%高色域 背光键盘",
    # 内增高 shoes and 防脱落 earbuds describe the thing, not a body
    "内增高设计，穿着更显腿长", "耳机采用防脱落设计，跑步也不掉", "挂烫机一键熨平褶皱",
    # 入手 after a year or a month, 红包 before 过年: no income promise, no exam pass
    "去年入手的羽绒服，今年穿还是很暖和", "这个月入手了一台空气炸锅", "这个红包过年发给孩子", "面包过期了就别吃了",
    # safety statements, coupons, mottos, an honest review
    "不含致癌物，放心使用", "优惠券领取后立即生效", "永不放弃是我们的品牌精神", "这款真的不是智商税，用了半年",
    # sequence and self-comparison
    "全国第一批试用的朋友反馈不错", "比上一代快两倍，续航也更长", "抢先体验新品，欢迎来试",
    # real copy from other shops' listings and style samples
    "周末去野餐，这块垫子被朋友问爆了", "奶油色拍照绝了，出片率拉满", "✔ 多色可选 · 家庭出游必备",
])
def test_look_alikes_decided_by_context_are_not_flagged(line):
    assert check_text(line, "zh", category="home") == []


@pytest.mark.parametrize("line,category", [
    # a claim over a whole scope, a rank said another way, a founder
    ("全网独有的配方", "absolute_term"), ("国内罕见的工艺", "absolute_term"), ("连续三年销量第一", "absolute_term"),
    ("五连冠的口碑", "absolute_term"), ("排名前三的品牌", "absolute_term"), ("行业鼻祖", "absolute_term"),
    # superlatives by another name, totals
    ("绝世好物", "absolute_term"), ("无法超越的手感", "absolute_term"), ("零差评的好物", "absolute_term"),
    ("永不褪色", "absolute_term"), ("彻底摆脱烦恼", "absolute_term"), ("好评率高达99%", "absolute_term"),
    # belittling rivals
    ("别家都是假货", "absolute_term"), ("甩同行几条街", "absolute_term"), ("比普通产品好三倍", "absolute_term"),
    # borrowed standing, guarantees
    ("机构认证的品质", "misleading_claim"), ("万人推荐的好物", "misleading_claim"), ("军工级品质", "misleading_claim"),
    ("保证录取", "misleading_claim"), ("稳赚不赔", "misleading_claim"), ("三个月回本", "misleading_claim"),
    # medicine and efficacy for any product, fear, pressure
    ("药效显著", "medical_claim"), ("替代药物", "medical_claim"), ("一周变白", "efficacy_claim"),
    ("别让孩子输在起跑线", "false_urgency"), ("不买就亏了", "false_urgency"), ("错过今天再等一年", "false_urgency"),
])
def test_families_by_structure_are_flagged(line, category):
    assert category in {f.category for f in check_text(line, "zh", category="home")}, line


def test_a_spoken_price_in_euros_is_checked_against_the_sheet():
    from studio.compliance.rules import check_prices

    mug = Product("Travel Mug", price=5, language="en", currency="EUR")
    assert not check_prices("It's only €5.", "en", mug)
    assert [f.category for f in check_prices("It's only €7.", "en", mug)] == ["price_mismatch"]


def test_a_model_name_after_the_brand_is_a_name_not_a_claim():
    """A title's model (机械革命旷世E) survives into the short name a script uses; its words are a
    name. The same word elsewhere in the line is still a claim."""
    p = Product(name="机械革命旷世E 17.3英寸165Hz 2.5K电竞游戏笔记本电脑", brand="机械革命（MECHREVO）", category="digital")
    assert check_lines(["来看看这款机械革命旷世E游戏笔记本电脑。"], p) == []
    assert [f.text for f in check_lines(["机械革命旷世E，旷世之作"], p)] == ["旷世"]
    q = Product(name="华硕（ASUS） 天选2 15.6英寸游戏笔记本电脑", brand="华硕（ASUS）", category="digital")
    assert check_lines(["华硕天选2，打游戏很顺", "天选2的屏幕很亮"], q) == []
    r = Product(name="小熊最好用的保温杯", brand="小熊", category="home")  # no model code: only the whole name is a name
    assert [f.text for f in check_lines(["最好用的保温杯来了"], r)] == ["最好用"]


@pytest.mark.parametrize("line, rule_id", [
    # round 4: words of the two lists already scored, folded in by the law's family
    ("这套课程保底收益，三年回本", "zh-r4-guarantee"), ("跟着老师学，一个月提高50分", "zh-r4-guarantee"),
    ("戴上它提升运气，还能镇宅", "zh-r4-superstition"), ("这款面霜修复受损细胞", "zh-r4-efficacy"),
    ("专治宫寒，手脚冰凉", "zh-r4-medical"), ("效果媲美医美，不用再打针", "zh-r4-medical"),
    ("品质无与伦比，堪称现象级", "zh-r4-absolute"), ("击穿底价，今天就买", "zh-r4-absolute"),
    ("这个价只卖半小时", "zh-r4-urgency"), ("两个小时不到1度电", "zh-r4-false-fact"),
])
def test_round4_words_of_the_scored_lists_are_flagged(line, rule_id):
    assert rule_id in {f.rule_id for f in check_text(line, "zh", category="home")}


@pytest.mark.parametrize("line, category", [
    # what those words look like in plain, lawful copy
    ("鱼片肉质细腻，嫩滑不老", "food"), ("电动牙刷，清洁更彻底", "home"), ("电机终身保修", "home"),
    ("三甲医院也在用的医用口罩", "home"), ("衣服彻底晾干再收纳", "home"), ("行业标杆级的做工", "home"),
])
def test_round4_look_alikes_are_not_flagged(line, category):
    assert not [f for f in check_text(line, "zh", category=category) if f.rule_id.startswith("zh-r4-")]
