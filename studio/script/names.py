"""A speakable short name from a long marketplace title: brand + product type + one model word.

Marketplace titles pack everything into one line, and the thing being sold is rarely at the end:

    联想（Lenovo） 拯救者Y9000P 2022 16英寸游戏笔记本电脑 i7-12700H 16G 512G RTX3070   -> 联想拯救者Y9000P游戏笔记本电脑
    南方黑芝麻糊原味720g*2袋 黑芝麻糊营养早餐冲饮冲调芝麻糊包邮                         -> 南方黑芝麻糊
    boAt Rockerz 450 Bluetooth On Ear Headphones with Mic, Upto 15 Hours Playback, ...  -> boAt Rockerz 450 Bluetooth Headphones

The name is put together from whole words of the title, never from pieces of words: the brand (the
sheet's brand column, else the title's own first name), the product type (a word list of what
shops sell, `lexicon/product_types_*.txt`, longest match first) with the words that lead up to it,
and one distinguishing model word (拯救者Y9000P, iPhone 12, Rockerz 450). Specs (16G, 2.5K,
i7-12700H, RTX3060, 500ml, 2022款) and shop words (包邮, 旗舰店, 新款) never go into a name; they
stay in `facts`.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..core.text import HAN

_LEXICON = Path(__file__).parent / "lexicon"

ZH_MAX_CHARS = 16  # a hook overlay line; Latin letters count half
EN_MAX_CHARS = 40


@lru_cache(maxsize=None)
def product_types(language: str) -> tuple[str, ...]:
    """Product-type nouns (longest first) from lexicon/product_types_<language>.txt."""
    text = (_LEXICON / f"product_types_{'zh' if language == 'zh' else 'en'}.txt").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(",") if language != "zh" else line.split()
        words.update(p.strip().lower() if language != "zh" else p.strip() for p in parts if p.strip())
    if language == "zh":  # one character (鱼, 盐, 包) is part of too many names and words to be a type alone
        words = {w for w in words if len(w) >= 2}
    return tuple(sorted(words, key=len, reverse=True))


@lru_cache(maxsize=2)
def _type_re(language: str) -> re.Pattern:
    words = product_types(language)
    if language == "zh":
        return re.compile("|".join(re.escape(w) for w in words))
    return re.compile(r"(?<![A-Za-z0-9\u00a0-])(?:" + "|".join(re.escape(w).replace(r"\ ", r"[ \t]+") for w in words)
                      + r")(?![A-Za-z0-9\u00a0-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _characters_re() -> re.Pattern | None:
    """Names of characters and franchises of several words (lexicon/characters_en.txt), longest first."""
    path = _LEXICON / "characters_en.txt"
    names = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    # only a name that holds a product-type word needs keeping whole (Mickey Mouse, Iron Man; not Star Wars)
    names = sorted((n for n in names if n and find_product_type(n, "en")), key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
                      + r")(?![A-Za-z0-9])", re.IGNORECASE)


def join_characters_en(text: str) -> str:
    """'Disney Mickey Mouse Sweatshirt' -> 'Disney Mickey\u00a0Mouse Sweatshirt': a character's name of
    several words is one word, so that its 'Mouse' is not taken as the product nor its name cut in half."""
    pattern = _characters_re()
    return pattern.sub(lambda m: re.sub(r"\s+", "\u00a0", m.group()), text) if pattern else text


def find_product_type(text: str, language: str) -> re.Match | None:
    """The first product-type word in `text` (longest at that place)."""
    return _type_re(language).search(text)


# ---- spec and component tokens: never part of a name -------------------------------------------

_NUM = r"\d+(?:\.\d+)?"
_UNIT_WORDS = (r"英寸|寸|吋|inches|inch|in|cm|mm|m|米|厘米|毫米|kg|KG|Kg|g|G|GB|Gb|gb|T|TB|tb|克|千克|公斤|斤|两|磅|lbs?|oz|ml|mL|ML|"
               r"毫升|l|L|升|W|w|瓦|kW|KW|千瓦|mAh|mah|毫安时?|Wh|Hz|hz|HZ|赫兹|GHz|MHz|K|k|P|p|M|MB|度|°|核|线程|代|位|bit|nm|"
               r"DPI|dpi|万像素|像素|V|A|Mbps|mbps|Gbps|袋|片|支|粒|包|盒|瓶|罐|件|只|个|条|颗|双(?![卡待摄核通])|块|卷|抽|张|枚|套|组|听|箱|桶|"
               r"杯|贴|本|把|台|斤装|人份|人|天|日|年|月|cc|CC|x|X|Feet|feet|ft|Meter|meter|meters|Watt|Watts|watt|watts|"
               r"Litres?|litres?|Liters?|liters?|ltr|Ltr|Pcs|pcs|Pieces|pieces|Piece|piece|Pack|pack|Count|count|ct|Ct|GSM|gsm|"
               r"Hours|hours|Hrs|hrs|Hr|hr|Mins?|mins?|Keys|keys|Lumens|lumens|ANSI|Nits|nits|Ah|mAH|MAH|Sheets|sheets|Pages|pages")
SPEC_TOKEN = re.compile(
    rf"(?<![A-Za-z0-9.])(?:"
    rf"{_NUM}\s*(?:{_UNIT_WORDS})(?:\s*[+/*x×]\s*{_NUM}\s*(?:{_UNIT_WORDS})?)*(?:装)?"  # 16G+512G, 5g*20袋, 500mlx6瓶装
    rf"|{_NUM}\s*[+/]\s*{_NUM}\s*(?:GB|G|TB|T)\b"  # 8+128GB
    rf"|\d+\+\d+(?:装|件|支|瓶|盒|袋)?"  # 2+2装
    rf"|{_NUM}\s*%?\s*(?:vol|VOL|Vol|abv|ABV)"  # 20.1VOL, 40% vol
    rf"|{_NUM}\s*[-~～]\s*{_NUM}\s*(?:{_UNIT_WORDS})"  # 80-85mm
    rf"|{_NUM}\s*[*x×]\s*{_NUM}(?:\s*[*x×]\s*{_NUM})?\s*(?:cm|mm|m|米|厘米|毫米|英寸|寸|inch|in)"  # 2.0*120cm
    rf"|(?:[2-5]?X{{0,3}}[SML]|XXS|XS|均码|大码)号|\d{{2,3}}码"  # M号, 175码
    rf"|{_NUM}%\s*(?:[A-Za-z]+\d*)?"  # 100%P3, 72%NTSC, 60%
    rf"|(?:19|20)\d{{2}}(?:年款|款|版|年|新款)?"  # years and model years
    rf"|第?\d{{1,2}}代|[一二三四五六七八九十]+代"  # 12代, 第12代
    rf"|[xX×]\s?\d+(?![A-Za-z0-9-])"  # x2
    rf")(?![A-Za-z0-9])")
# processors, graphics, memory and connectivity: what a product has, not what it is called
COMPONENT_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"[iI][3579](?:-?\d{4,5}[A-Z]{0,3})?|[Rr][3579](?:-?\d{4}[A-Z]{0,3})?|Ultra\s?[579]|[Mm][1-4](?:\s?(?:Pro|Max|Ultra))?芯片"
    r"|\d{4}\s?(?:Ti|TI|ti|SUPER|Super)|[1-4]0[5-9]0|(?:RTX|GTX|MX|RX|GT)\s?\d{3,4}(?:\s?(?:Ti|TI|ti|XT|M|S|SUPER))?(?:[-\s]?\d{1,2}G)?"
    r"|L?P?DDR\d[Xx]?|PCIe?\s?\d?(?:\.\d)?|NVMe|SSD|HDD|Wi-?Fi\s?\d?[Ee]?|WIFI\s?\d?|USB\s?\d(?:\.\d)?|Type-?C|[345]G|5\.\d"
    r"|OLED|AMOLED|IPS|LCD|LED|HDR\d*|FHD\+?|QHD\+?|UHD|HD\+?|[24]K|NFC|PD\d*|QC\d(?:\.\d)?|Helio\s?[A-Z]\d+|骁龙\d+\+?"
    r"|天玑\d+|麒麟\d+|A\d{2}(?:\s?Bionic|芯片)|Snapdragon\s?\d+"
    r")(?![A-Za-z0-9])")
# words of the shop, not of the product
SHOP_WORDS_ZH = re.compile(
    r"包邮|顺丰包邮|顺丰|正品保证|正品|官方旗舰店|官方正品|官方授权|官方|旗舰店|专营店|专卖店|自营|猫超自营|天猫超市|天猫|京东|"
    r"新款|爆款|热卖|现货|特价|促销|秒杀|限时|直发|产地直发|厂家直供|酒厂直供|厂家直销|品牌直供|直供|直营|整箱装?|整箱|礼盒装|"
    r"新老包装随机发货?|新老包装|随机发货?|随机发|今日下单|次日送达|次日达|当日达|可选|标配版?|官方标配|升配|高配|顶配|低配|"
    r"旗舰|新品|上市|同款|网红|抖音|代购|国行|全国联保|联保|送礼|礼品|礼物|赠品|送|加购|优先发货|拍\d件|第\d件半价|"
    r"\d+期免息|免息|分期|立减\d*|优惠|活动|包税|保税|直邮|美国直邮|大促|第\d+[件箱瓶盒袋]半价|半价|"
    r"汽车用品超市|用品超市|汽车用品|车载用品|车内用品|车用用品|清洁用品|内饰用品|洗车用品")  # a shop's category label
SHOP_WORDS_EN = re.compile(r"\b(?:newly launched|newly|new arrival|latest|best seller|bestseller|hot sale|free shipping|"
                           r"official|genuine|original|authentic|brand new|new|upgraded|2nd gen(?:eration)?|"
                           r"amazon'?s choice|(?:india'?s|world'?s|america'?s)\s+(?:no\.?\s?1|#1|best|first)|"
                           r"no\.?\s?1|#\s?1|best|top rated|premium quality)(?![\w-])", re.IGNORECASE)
_BRACKETS = re.compile(r"【[^】]*】|\[[^\]]*\]|（[^）]*）|\([^)]*\)|〔[^〕]*〕|《[^》]*》|「[^」]*」")
_SEPARATORS_ZH = re.compile(r"[\s,，、;；|｜/／\\+＋&＆!！?？:：·•丨~～—–-]+")


def _width(text: str) -> float:
    """On-screen width in CJK characters: a Latin letter, digit or space counts half."""
    return sum(1.0 if re.match(f"[{HAN}]", ch) else 0.5 for ch in text)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# ---- brand ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def known_brands_zh() -> dict[str, tuple[str, ...]]:
    """Known marketplace brands (lexicon/brands_zh.txt): every written form -> all forms of that brand,
    the Chinese name first ('苹果' and 'Apple' -> ('苹果', 'Apple'))."""
    out: dict[str, tuple[str, ...]] = {}
    for line in (_LEXICON / "brands_zh.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        head, _, rest = line.partition(" ")
        forms = (head, *(f.strip() for f in rest.split(" / ")))
        forms = tuple(dict.fromkeys(f for f in forms if f))
        for form in forms:
            out.setdefault(form, forms)
    return out


@lru_cache(maxsize=2)
def _known_brand_re(latin: bool) -> re.Pattern:
    forms = sorted((f for f in known_brands_zh() if bool(re.match("[A-Za-z0-9]", f)) == latin), key=len, reverse=True)
    if latin:
        return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![a-z])", re.IGNORECASE)
    return re.compile("|".join(re.escape(f) for f in forms))


def known_brand_zh(title: str) -> tuple[str, list[str]]:
    """The known brand a Chinese title opens with, as the title writes it, and its other forms: '马克华菲男装…'
    -> ('马克华菲', ['Mark Fairwhale']); 'Apple苹果iPhone6…' -> ('Apple', ['苹果']). A known brand later in the title
    counts when the title's opening words name no brand (男装 休闲短裤 403993 优衣库UNIQLO), unless that word is
    also a product (苹果, 小米)."""
    t = _nfkc(title)
    opening = re.sub(r"^(?:\s|【[^】]*】|\[[^\]]*\])+", "", t)
    for latin in (False, True):
        m = _known_brand_re(latin).match(opening)
        if m:
            forms = known_brands_zh().get(m.group()) or next(
                v for k, v in known_brands_zh().items() if k.lower() == m.group().lower())
            after = opening[m.end():]
            if latin and re.search(f"[{HAN}]", forms[0]) and re.match(rf"\s*[/|]?\s*[(（]?{re.escape(forms[0])}", after):
                return forms[0], list(forms[1:])  # Youngor/雅戈尔: the Chinese name is the one said
            if not latin:
                glued = next((f for f in forms[1:] if re.match(rf"{re.escape(f)}[{HAN}]", after)), "")
                if glued:  # 爱肯拿Acana深海鱼…: a name written both ways, together, before the product
                    return m.group() + glued, []
            return m.group(), [f for f in forms if f.lower() != m.group().lower()]
    return "", []


def known_brand_anywhere_zh(title: str) -> tuple[str, list[str]]:
    """A known brand anywhere in the title that is not also a product word; ('', []) when none."""
    t = _nfkc(title)
    for m in _known_brand_re(False).finditer(t):
        if not find_product_type(m.group(), "zh"):
            forms = known_brands_zh()[m.group()]
            return m.group(), [f for f in forms if f != m.group()]
    return "", []


def brand_forms(brand: str) -> list[str]:
    """'戴尔（DELL）' -> ['戴尔', 'DELL']; 'Apple/苹果' -> ['Apple', '苹果']; 'Lenovo' -> ['Lenovo']."""
    brand = _nfkc(str(brand or "")).strip()
    if not brand:
        return []
    parts = [p.strip() for p in re.split(r"[()/|]", brand) if p.strip()]
    return parts or [brand]


def _title_brand_zh(title: str) -> str:
    """The brand a Chinese title starts with, when it shows one: '戴尔(DELL)', '联想（Lenovo）' (a
    name with its Latin form in brackets), a Latin name ('Apple iPhone', 'ROG魔霸', 'HUAWEI P50'),
    a name written both ways ('爱肯拿Acana', 'Corona/科罗娜'), or a bracketed name ('【海底捞】')."""
    t = _nfkc(title).strip()
    m = re.match(rf"^([{HAN}]{{2,6}})\s*\(\s*[A-Za-z][A-Za-z .&'-]*\)", t)
    if m:
        return m.group(1)
    m = re.match(r"^【([^】]{2,8})】", title)
    if m and not SHOP_WORDS_ZH.search(m.group(1)) and not re.search(r"\d", m.group(1)):
        return m.group(1)
    m = re.match(rf"^([A-Za-z][A-Za-z'&.-]*)/([{HAN}]{{2,6}})", t)  # Corona/科罗娜
    if m:
        return m.group(2)
    m = re.match(rf"^([{HAN}]{{2,6}})([A-Z][A-Za-z'&.-]+)(?=[\s{HAN}]|$)", t)  # 爱肯拿Acana, 谷登GOLDEN
    if m and not find_product_type(m.group(1), "zh") and m.group(1) not in _NOT_BRAND_ZH:
        return m.group(1) + m.group(2)
    m = re.match(rf"^([A-Z][A-Za-z]?\d{{3,5}})(?=[{HAN}])", t)  # G2000衬衫: a name with a number before the product
    if m and not COMPONENT_TOKEN.match(m.group(1)) and not _is_spec(m.group(1)):
        kind = find_product_type(t[m.end():], "zh")
        if kind and kind.start() == 0:
            return m.group(1)
    m = re.match(rf"^([A-Za-z][A-Za-z'&.-]{{1,20}})(?=[\s{HAN}]|$)", t)  # Apple iPhone, ROG魔霸, TP-LINK
    if m and not COMPONENT_TOKEN.fullmatch(m.group(1)) and not find_product_type(m.group(1), "en") \
            and m.group(1).lower() not in _GENERIC_LATIN:
        return m.group(1)
    from .facts import extract_facts  # the older rules: a plain first word followed by more words

    brand = extract_facts(title, language="zh").brand
    return brand if brand and brand in title and not re.search(r"\d", brand) else ""


_GENERIC_LATIN = {"new", "the", "a", "an", "mini", "pro", "max", "plus", "usb", "led", "diy", "pu", "vip"}


def _title_brand_en(title: str) -> str:
    """The brand an English title starts with (Amazon titles put it first): one word, or two when
    the second is a short all-capital or a 'by' form ('Amazon Basics' is rare enough to be missed)."""
    t = title.strip().lstrip("!*#-– ")
    m = re.match(r"^([A-Za-z0-9][\w'&.+-]*)", t)
    if not m:
        return ""
    word = m.group(1)
    if word.lower() in _GENERIC_LATIN or SPEC_TOKEN.fullmatch(word) or find_product_type(word, "en"):
        return ""
    return word


# ---- Chinese names ----------------------------------------------------------------------------

_SUFFIX_WORDS = r"(?:\s?(?:Pro\+?|Plus|PLUS|Max|MAX|Ultra|Air|Mini|mini|SE|Lite|Turbo|Neo|Prime|Slim|Note))"
# a series name with its number: 游匣G15, 天选3, 拯救者Y9000P, 暗影精灵8Pro, 魔霸6 Plus, 小新Pro14
_MODEL_ZH = re.compile(
    rf"[{HAN}]{{1,6}}(?:[A-Za-z]{{0,4}}\d+[A-Za-z0-9]*(?:-[A-Za-z0-9]+)?|[A-Z][A-Za-z]{{0,5}}\d*[A-Za-z0-9]*){_SUFFIX_WORDS}?"
    rf"|(?<![A-Za-z0-9])(?:[A-Za-z]+\d+[A-Za-z0-9]*|\d+[A-Za-z]+[A-Za-z0-9]*)(?:-[A-Za-z0-9]+)?{_SUFFIX_WORDS}?(?![A-Za-z0-9])")
# a Latin product line after a Latin brand: iPhone 12, MatePad 11, MagicBook X 15, AirPods Pro, nova 8 SE
_LINE_EN = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][a-z]*[A-Z]?[A-Za-z]*(?:\s(?:[A-Z]{1,2}\s)?\d{1,4}[A-Za-z]?)?"
                      rf"(?:\s(?:Pro\+?|Plus|Max|Ultra|Air|Mini|SE|Lite|Note|Turbo|Neo|X|S))?)(?![A-Za-z0-9])")


def _is_spec(word: str) -> bool:
    word = word.strip()
    return bool(SPEC_TOKEN.fullmatch(word) or COMPONENT_TOKEN.fullmatch(word) or re.fullmatch(r"[\d.+*/%-]+", word))


def _clean_zh(title: str) -> str:
    """The title without bracketed asides, shop words and specs; separators become spaces."""
    t = _BRACKETS.sub(" ", title)
    t = SHOP_WORDS_ZH.sub(" ", t)
    t = SPEC_TOKEN.sub(" ", t)
    t = COMPONENT_TOKEN.sub(" ", t)
    t = _COMPONENT_WORDS_ZH.sub(" ", t)
    return re.sub(r"\s+", " ", _SEPARATORS_ZH.sub(" ", t)).strip()


_COMPONENT_WORDS_ZH = re.compile(
    r"(?<![A-Za-z])(?:英特尔|酷睿|锐龙|标压|满血版?|独显直连|独立显卡|独显|核显|集显|高色域|电竞屏|高刷屏?|全面屏|窄边框|"
    r"[一二两三四五六七八九十双单]核|全网通版?|全网|双卡双待|双卡|双待|双通|移动联通电信版?|移动联通版?|联通电信版?|"
    r"移动(?:专享|定制)?版|联通版|电信版|移动定制|公开版|不?支持指纹识别|双摄|原装进口|进口|原装|国产|家用|商用|学生用?)(?![A-Za-z])")
# descriptive words that open a title but are not a brand
_NOT_BRAND_ZH = set("""新款 复古 简约 时尚 韩版 日系 欧美 百搭 经典 网红 爆款 潮流 小清新 原味 现磨 天然 纯天然 有机 手工 进口 原装
国产 家用 商用 加厚 加大 超大 大号 小号 迷你 便携 多功能 智能 全自动 高端 升级 专业 新鲜 精选 特级 正宗 无糖 低脂 即食 女士 男士
女款 男款 儿童 宝宝 婴儿 学生 老人 中老年 孕妇 宠物 猫咪 狗狗 通用 夏季 冬季 春季 秋季 夏天 冬天 春秋 秋冬 四季 包包 女 男
男装 女装 童装 男童 女童 情侣 青年 中年 青中年 夏装 冬装 适用于 适用 兼容 用于 专用 通用型 第 半价 超值 食品 一次性 无谷 纯色 大容量 高性能 轻薄 游戏 电竞 全新 正品 官方 品牌 套装 组合 礼盒 整箱 散装
薄款 厚款 加绒 宽松 修身 直筒 夏款 冬款 新品 商务 休闲""".split())


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    for word in product_types("zh"):
        jieba.add_word(word, freq=200000)
    for word in known_brands_zh():  # a brand is one word: never 泸州|老窖, 马克|华菲
        if re.search(f"[{HAN}]", word):
            jieba.add_word(word, freq=300000)
    return jieba


def _segments(text: str) -> list[str]:
    return [w for w in _jieba().lcut(text, HMM=True) if w.strip()]


@lru_cache(maxsize=1)
def _places_re() -> re.Pattern:
    from .facts import PLACES_ZH

    return re.compile(f"(?:{'|'.join(PLACES_ZH)})+")


def _is_place(word: str) -> bool:
    """A place name, or places written together (新疆阿克苏)."""
    return bool(word) and bool(_places_re().fullmatch(word))


def _first_brand_word_zh(words: list[str]) -> str:
    """The first word of the title as its brand, cut at a word boundary: the first segment of the
    first word, or the whole first word when it is short and is followed by more words."""
    for n, word in enumerate(words[:2]):
        if _is_spec(word) or (n and not _head_type(word)):
            continue
        latin = re.match(rf"^([A-Za-z][A-Za-z'&.-]+)(?=[{HAN}])", word)
        if latin and not COMPONENT_TOKEN.fullmatch(latin.group(1)):
            return latin.group(1)  # Arla爱氏晨曦...: the Latin name in front
        cjk = re.match(f"^[{HAN}]+", word)
        if not cjk:
            return ""
        run = cjk.group()
        head_type = _head_type(run)
        if head_type and head_type[0] == 0:
            later = [w for w in words[1:5] if _head_type(w)]
            if run == word and later and (any(w.startswith(run) and _head_type(w[len(run):]) for w in later)
                                          or not set(run) & set("".join(later))):
                return run  # 小米 Redmi AX6S路由器: a type word (millet) that names nothing else here is a brand
            return ""  # the title opens with the product itself
        head = run[:head_type[0]] if head_type else run
        segs = _segments(head)
        if len(head) == 4 and len(segs) == 2 and (_is_place(segs[1]) or segs[1] in _NOT_BRAND_ZH):
            head = segs[0]  # 原膳|南美 白虾仁
        if 2 <= len(head) <= 4 and not _is_place(head) and head not in _NOT_BRAND_ZH and word != head:
            return head  # 汰渍洗衣粉, 达利园糕点: a short name before the product
        segs = _segments(head)
        for k, seg in enumerate(segs):
            if _is_place(seg) or seg in _NOT_BRAND_ZH:
                continue
            if len(seg) < 2:  # 致|中和, 螺|霸王: a lone character opens the name it belongs to
                nxt = segs[k + 1] if k + 1 < len(segs) else ""
                if nxt and len(seg + nxt) <= 4 and not _is_place(nxt) and nxt not in _NOT_BRAND_ZH:
                    return seg + nxt
                continue
            return seg if len(seg) <= 6 else ""
        if not all(_is_place(seg) or seg in _NOT_BRAND_ZH for seg in _segments(head)):
            return ""  # a word that is only a place or a descriptor: the brand may follow
    return ""


def _brand_zh(title: str, brand: str) -> tuple[str, list[str]]:
    """(the brand as the title writes it, its other forms)."""
    forms = brand_forms(brand)
    if forms:
        found = next((f for f in forms if f in title), "")
        if found:
            return found, [f for f in forms if f != found]
        return (forms[0] if re.search(f"[{HAN}]", forms[0]) else ""), forms[1:]
    known, others = known_brand_zh(title)
    if known:
        return known, others
    found = _title_brand_zh(title)
    m = _head_type(found) if found else None
    if m and m[0] > 0:
        found = found[:m[0]]  # 荣耀笔记本 -> 荣耀
    if found and re.search(f"[{HAN}]{{5,}}", found):
        segs = _segments(found)
        found = segs[0] if segs and len(segs[0]) >= 2 else ""
    if found and title.find(found) > 12:
        found = ""  # a brand opens the title
    if not found or found in _NOT_BRAND_ZH or _is_place(found) or (_head_type(found) or (1,))[0] == 0:
        found = _first_brand_word_zh(_clean_zh(title).split(" "))
    anywhere = known_brand_anywhere_zh(title)
    if anywhere[0] and anywhere[0] not in found and (
            not found or not re.sub(r"^[\s【\[]+", "", _nfkc(title)).startswith(found)):
        return anywhere  # 男装 麻混纺休闲裤 406729 优衣库UNIQLO: a known brand beats a guess that does not open the title
    return found, []


# a number with a unit's letters (2kg, 5L, 60g, 4G, 2K): a quantity, never a series name like 5X or 6s
_UNIT_LETTERS = re.compile(r"\d+(?:kg|KG|Kg|g|G|GB|L|l|ml|mL|ML|cm|mm|m|W|w|V|mAh|T|TB|P|p|K|k|M|斤|克)")
_SUFFIX = re.compile(r"^(?:Pro\+?|Plus|PLUS|Max|MAX|Ultra|Air|Mini|mini|SE|Lite|Turbo|Neo|Prime|Slim|Note|S|X)$")
_WEIGHT_TAIL = re.compile(r"\d(?:ml|mL|ML|g|kg|KG|L|l|W|mAh|cm|mm|克|斤)$")


def _type_matches(word: str) -> list[tuple[int, int]]:
    """Every product type in a word, as (start, end), longest at each place; where the segmenter
    agrees on a word boundary, only those (烧烤|鸭脖, not 烧|烤鸭|脖)."""
    types = set(product_types("zh"))
    longest = max((len(t) for t in types), default=0)
    found = []
    for i in range(len(word)):
        for n in range(min(longest, len(word) - i), 1, -1):
            if word[i:i + n] in types:
                found.append((i, i + n))
                break
    found = [(a, b) for a, b in found if not any(a2 <= a and b <= b2 and (a2, b2) != (a, b) for a2, b2 in found)]
    found = [(a, b) for a, b in found if not word[b:b + 1] == "味"]  # 巧克力味, 草莓味: a flavour, not the product
    if len(found) > 1:  # overlapping types (烧烤鸭脖: 烤鸭 / 鸭脖): keep the one on the segmenter's word boundaries
        bounds, pos = {0}, 0
        for seg in _jieba().lcut(word, HMM=True):
            pos += len(seg)
            bounds.add(pos)
        keep = []
        for a, b in found:
            rivals = [(a2, b2) for a2, b2 in found if (a2, b2) != (a, b) and a2 < b and a < b2]
            if rivals and not (a in bounds and b in bounds) and any(a2 in bounds and b2 in bounds for a2, b2 in rivals):
                continue
            if rivals and not any(a2 in bounds and b2 in bounds for a2, b2 in rivals + [(a, b)]) \
                    and any(b2 > b for _, b2 in rivals):
                continue  # no boundary decides: the one that ends later is the head (复合维生素|片 -> 维生素片)
            keep.append((a, b))
        found = keep
    # a type the segmenter leaves a lone noun ending behind: 复合维生素|片 is a tablet
    return [(a, b + 1) if b < len(word) and word[b] in _NOUN_ENDINGS + "片丸" and
            (b + 1 == len(word) or not re.match(f"[{HAN}]", word[b + 1])) else (a, b) for a, b in found]


def _head_type(word: str) -> tuple[int, int, int] | None:
    """(start of the name, start of the type, end of the type) of the product a word names: the
    first type, or the last of a run of types a few characters apart (鸡肉配方全犬粮: the head noun
    comes last in a Chinese compound), a repeated type not counted (自热火锅自煮火锅)."""
    found = _type_matches(word)
    if not found:
        return None
    first = cur = found[0]
    for a, b in found[1:]:
        longer = b - a > cur[1] - cur[0]
        if a < cur[1] or a - cur[1] > 3 or not (longer or a - cur[1] <= 1) or word[a:b] in word[first[0]:cur[1]] \
                or re.fullmatch(r"[男女童](?:士|款|装)?", word[cur[1]:a]):
            break  # 衬衫|男|长袖: what follows 'for men' describes the shirt, it is not a second product
        cur = (a, b)  # a longer type a few characters on: 鸡肉|配方|全犬粮, 牛油|自热火锅
    return first[0], cur[0], cur[1]


def _model_word_zh(title: str, brand: str) -> str:
    """The model word: a series name with its number right after the brand or near the front
    (拯救者Y9000P, 暗影精灵8Pro, 天选3, 游匣G15, 魔霸6 Plus), a Latin product line after a Latin
    brand (iPhone 12, MatePad 11, MagicBook X 15), or a letters-and-digits model (P50 Pro, K40)."""
    t = _BRACKETS.sub(" ", title)
    t = SHOP_WORDS_ZH.sub(" ", t)
    t = _COMPONENT_WORDS_ZH.sub(" ", t)
    t = re.sub(r"(?<=[A-Za-z])(\d{1,2}代)", r" \1", t)  # XS12代: the generation is not part of the model
    t = re.sub(r"(?<=[A-Za-z])(\d{1,2}\.\d\s*(?:英寸|寸|吋))", r" \1", t)  # X15-AT15.6英寸: the screen is not either
    if brand and brand in t:
        t = t[t.index(brand) + len(brand):]
    t = re.sub(r"^\s*[(（][A-Za-z .&'-]*[)）]", " ", t)  # 戴尔(DELL)
    words = [w for w in re.split(r"[\s,，、;；|｜/／\\&＆+]+", t) if w][:6]
    if brand and re.fullmatch(r"[A-Za-z][A-Za-z'&.-]*", brand):  # Apple iPhone 12, HUAWEI P50 Pro
        m = re.match(r"\s*([A-Za-z][A-Za-z]+|[A-Z]?\d+[A-Za-z]*)((?:\s+(?:[A-Z]{1,2}\s+)?\d{1,4}[A-Za-z]?)?)"
                     r"((?:\s+(?:Pro\+?|Plus|Max|Ultra|Air|Mini|SE|Lite|Note|Turbo|Neo|X|S))*)(?![A-Za-z0-9]|\.\d)", t)
        if m and not COMPONENT_TOKEN.fullmatch(m.group(1)) and not _is_spec(m.group(1) + m.group(2).replace(" ", "")) \
                and not find_product_type(m.group(1), "en") and re.search(r"[A-Za-z]", m.group(1)) \
                and not SPEC_TOKEN.fullmatch(m.group(2).strip() or "-"):
            model = (m.group(1) + m.group(2) + m.group(3)).strip()
            if re.search(r"\d|[a-z][A-Z]", model) or m.group(3) or (
                    re.fullmatch(r"[A-Z]{2,5}", m.group(1)) and m.group(1).lower() not in _GENERIC_LATIN):
                return model  # (vivo NEX: a line in capitals)
    for i, word in enumerate(words):
        for m in re.finditer(r"(?<![A-Za-z0-9-])((?:[A-Za-z]+-)?[A-Za-z]*\d+[A-Za-z0-9]*(?:-[A-Za-z0-9]+)?|[A-Z][A-Za-z]{0,5}\d*[A-Za-z0-9]*"
                             r"|(?<=^)[a-z]{3,8}(?=[\s(（]|$))(?![A-Za-z0-9])", word):
            alnum = m.group(1)
            if re.fullmatch(r"[A-Za-z]", alnum) and re.match(f"[{HAN}]", word[m.end():]):
                continue  # T恤, U盘, V领: a letter written onto a Chinese word is part of that word
            unit_after = re.match(rf"{_NUM}\s*(?:{_UNIT_WORDS})", word[m.start():])
            unit_after = bool(unit_after and unit_after.end() > len(alnum)) or bool(_UNIT_LETTERS.fullmatch(alnum))
            if i == 0 and m.start() == 0 and brand and re.fullmatch(r"\d{1,2}[A-Za-z]?", alnum) and not unit_after \
                    and not re.match(r"\d{1,2}[A-Za-z]?(?:代|核|寸|英寸|件|只|个|瓶|袋|盒|斤|克|片|人|天|年|号|码|度)", word):
                model = brand + alnum  # 荣耀9, 小米6, 小米5X: a series number right after the brand
                for nxt in words[1:3]:
                    if _SUFFIX.match(nxt):
                        model += " " + nxt
                    else:
                        break
                return model
            if i == 0 and m.start() == 0 and brand and re.search(f"[{HAN}]", brand) \
                    and (re.fullmatch(r"[A-Z][a-z]{2,}|[A-Z]{2,4}", alnum)
                         or re.fullmatch(r"[a-z]{3,8}", alnum) and alnum not in _GENERIC_LATIN) \
                    and not COMPONENT_TOKEN.fullmatch(alnum) \
                    and not word[m.end():].startswith("-") \
                    and not any(re.search(r"[A-Za-z]\d|\d[A-Za-z]", w) and not _is_spec(w) for w in words[1:3]):
                model = alnum  # 荣耀Magic, 华为 Mate 10, 三星 Galaxy S: a Latin product line right after the brand
                for nxt in words[1:3]:
                    if _SUFFIX.match(nxt) or re.fullmatch(r"[A-Z]?\d{1,3}[A-Za-z]?|[A-Z]", nxt):
                        model += " " + nxt
                    else:
                        break
                return model
            short_series = re.fullmatch(r"\d{1,2}[A-Za-z]{1,2}", alnum) and re.search(f"[{HAN}]$", word[:m.start()]) \
                and not unit_after \
                and not re.match(rf"\d{{1,2}}[A-Za-z]{{1,2}}[{HAN}]?(?:代|核|寸|英寸|件|只|个|瓶|袋|盒|斤|克|片)", word[m.start():])
            year = re.search(r"(?<=[A-Za-z\d])(?:19|20)\d{2}$", alnum)
            if year and re.search(r"\d", alnum[:year.start()]) and len(alnum) - 4 >= 3:
                alnum = alnum[:year.start()]  # 拯救者Y9000X2022: the model year is not part of the model
            bare_number = alnum.isdigit()
            if not bare_number and not short_series and (_is_spec(alnum) or COMPONENT_TOKEN.fullmatch(alnum) or COMPONENT_TOKEN.match(alnum)
                                    or SPEC_TOKEN.match(word[m.start():]) or _WEIGHT_TAIL.search(alnum)
                                    or re.search(r"(?:19|20)\d{2}$", alnum)):
                continue
            if bare_number and (len(alnum) > 3 or SPEC_TOKEN.match(word[m.start():])
                                or re.fullmatch(r"(?:19|20)\d{2}", alnum)):
                continue
            before, after = word[:m.start()], word[m.end():]
            lead = ""
            cjk = re.search(f"[{HAN}]+$", before)
            if cjk:
                for seg in reversed(_segments(cjk.group())):
                    if len(lead) + len(seg) > 4 or seg in _NOT_BRAND_ZH or find_product_type(seg, "zh"):
                        break
                    lead = seg + lead
            if bare_number:  # a bare number names a series only right after its name: 天选3, 枪神6
                if not lead or (after and re.match(f"[{HAN}]", after)
                                and not any(a == 0 for a, _ in _type_matches(after))):
                    continue
            elif not lead and not re.search(r"\d", alnum) and not re.search(r"[a-z][A-Z]|^[A-Z]{2,}\d", alnum):
                continue  # a plain Latin word is not a model
            model = lead + alnum
            if not after:  # MagicBook X 15, 魔霸6 Plus: a suffix word or a short number after it
                for nxt in words[i + 1:i + 3]:
                    if _SUFFIX.match(nxt) or (re.fullmatch(r"\d{1,3}", nxt) and not re.search(r"\d$", model)):
                        model += " " + nxt
                    else:
                        break
            return model
    return ""


_NOUN_ENDINGS = "酒茶油粉膏霜液露片糖面米奶汁醋酱枕垫杯壶锅灯"


def _core_zh(words: list[str], brand: str, model: str) -> str:
    """The words naming the product: the first product type of the title, with the one or two
    words that lead up to it (黑芝麻糊, 原味奶糖) when no model word says what it is."""
    typed = [(i, _head_type(w)) for i, w in enumerate(words)]
    typed = [(i, h) for i, h in typed if h and not (brand and words[i][h[1]:h[2]] in brand)]  # 小米 the brand, not millet
    if not typed:
        return ""
    i, (name_start, type_start, type_end) = typed[0]
    word = words[i]
    if type_start == 0 and type_end == len(word) and len(typed) > 1:
        j, (ns2, ts2, te2) = typed[1]
        if j <= i + 2 and ts2 > 0 and te2 - ts2 >= type_end - type_start:  # 红酒 | 拉菲传奇波尔多红葡萄酒
            i, (name_start, type_start, type_end), word = j, (ns2, ts2, te2), words[j]
    if i > 0:  # 椰岛牌鹿龟酒 ...: a first word that ends like a product is its name
        first = words[0][len(brand):] if brand and words[0].startswith(brand) else words[0]
        if re.fullmatch(f"[{HAN}]{{2,8}}", first) and first[-1] in _NOUN_ENDINGS and first not in _NOT_BRAND_ZH \
                and (brand or len(first) >= 3):
            return first
    if brand and word.startswith(brand) and name_start < len(brand) <= type_start:
        name_start = len(brand)  # 立白|茶籽洗衣液: a type word across the brand (白茶) is not part of the product's name
    kind = word[type_start:type_end]
    if model:
        return kind
    if name_start < type_start:  # a run of types: 鸡肉鱼配方全犬粮, 冰糖心苹果
        run = word[name_start:type_end]
        place = word[:name_start]
        if not brand and place and _is_place(place):
            run = place + run  # 新疆阿克苏冰糖心苹果
        return run if len(run) <= 10 else kind
    before = word[:type_start]
    if brand and brand in before:
        before = before[before.index(brand) + len(brand):]
    before = re.split(r"[A-Za-z0-9.+%-]+", before)[-1]
    lead = ""
    if 2 <= len(before) <= 4 and before not in _NOT_BRAND_ZH and (not _is_place(before) or not brand):
        lead = before  # 原味奶糖, 以色列青柚 (a place leads the name when there is no brand)
        segs = _segments(before)
        if len(before) > 2 and len(segs) > 1 and segs[0] in ("春", "夏", "秋", "冬"):
            lead = before[1:]  # (2018)夏|九分|休闲裤: the season a Taobao title names (夏, 秋) is not part of the name
    elif len(before) > 4:
        lead = _lead_words(before)
    return lead + kind


def _lead_words(before: str) -> str:
    """The last words before a product type, at most four characters, cut at a word boundary and
    never leaving half of a word behind (高|单位|活化 -> 活化, not 单位活化)."""
    segs = _segments(before)
    taken: list[str] = []
    for seg in reversed(segs):
        if sum(map(len, taken)) + len(seg) > (5 if len(taken) < 2 else 4) or len(seg) < 2 or seg in _NOT_BRAND_ZH or _is_place(seg):
            break
        taken.insert(0, seg)
    while taken:
        left = segs[len(segs) - len(taken) - 1] if len(segs) > len(taken) else ""
        if len(left) == 1 and re.match(f"[{HAN}]", left):
            taken.pop(0)  # the word on the left is a lone character glued to the first taken word
        else:
            break
    lead = "".join(taken)
    return lead if len(lead) >= 2 else ""


def _join_zh(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if not part:
            continue
        if out and part in out:
            continue
        if out and re.search(r"[A-Za-z0-9]$", out) and re.match(r"[A-Za-z0-9]", part):
            out += " "
        out += part
    return out


_MEMORY_GLUED = re.compile(  # 6GB+64GB, 4GBRAM+64GBROM, 4GB32GB, 3GB内存: memory written onto the model before it
    r"(?<=[A-Za-z0-9])((?:1[26]|[1-9])\s?G(?:B)?(?:\s?RAM)?(?:\s?\+\s?|(?=\d{2,3}\s?G))\d{2,4}\s?(?:G|T)(?:B)?(?:\s?ROM)?"
    r"|(?:1[26]|[1-9])\s?G(?:B)?(?:\s?RAM|(?=内存)))")
_NETWORK_GLUED = re.compile(  # Mate9Pro4G手机, Note64G手机: the network written onto the model
    r"(?<![+/\d]\d)(?<=[A-Za-z0-9])([2-5]G)(?=手机|全网通|智能|双卡|移动|联通|电信|版|网络|全面屏|$|[\s(（,，/])")
_COLOUR_MODIFIERS = (r"香槟|玫瑰|土豪|咖啡|珍珠|象牙|太空|深空|星空|月光|陶瓷|磨砂|哑光|亮光|钢琴|曜石|幻夜|极光|午夜|星河|极夜|"
                     r"冰川|冰河|雅川|流光|珠光|皓月|银河|铂光|琥珀|樱花|薄荷|天空|海军|宝石|枫叶|流沙|星钻|雪域|"
                     r"[浅深暗亮淡纯钛碳藏宝天湖酒玫]")
_COLOUR_ZH = re.compile(  # 玫瑰金色, 香槟金, 曜石黑, 浅蓝色, 金色: a colour is what a product looks like, not its name
    rf"(?:{_COLOUR_MODIFIERS})(?:金|黑|白|灰|蓝|银|红|粉|绿|紫)色?|(?:金|黑|白|灰|蓝|银|红|粉|绿|紫|橙|棕|青|黄)色")


def unglue_specs_zh(title: str) -> str:
    """Spaces around specs a Chinese title writes onto its model name (小米66GB+64GB -> 小米6 6GB+64GB,
    Mate9Pro4G手机 -> Mate9Pro 4G手机), RAM/ROM suffixes dropped (4GBRAM -> 4GB), colour names out."""
    # AppleiPhone8, HUAWEIP10, HUAWEInova4GB, PhilipsE106: a brand's Latin form written onto its line (before
    # the memory is taken off the model, so that the line still shows where it ends)
    t = _glued_brand_re().sub(r"\1 ", _nfkc(title))
    t = _MEMORY_GLUED.sub(lambda m: " " + re.sub(r"(G(?:B)?)(?=\d)", r"\1+", m.group(1)) + " ", t)
    t = _NETWORK_GLUED.sub(r" \1 ", t)
    t = re.sub(r"(\d)\s?(GB|G|TB|T)\s?(?:RAM|ROM)\b", r"\1\2", t)
    return _COLOUR_ZH.sub(" ", t)


@lru_cache(maxsize=1)
def _glued_brand_re() -> re.Pattern:
    forms = sorted((f for f in known_brands_zh() if re.fullmatch(r"[A-Za-z][A-Za-z-]{2,}", f)), key=len, reverse=True)
    # a brand written in capitals in the lexicon is often written Philips, Huawei in a title
    upper = "|".join(re.escape(f) for f in [f for f in forms if f.isupper()] +
                     [f.capitalize() for f in forms if f.isupper() and len(f) > 3])
    mixed = "|".join(re.escape(f) for f in forms if not f.isupper())
    return re.compile(rf"(?<![A-Za-z])((?:{upper})(?=[a-z]+[A-Z0-9]|[A-Z]\d)|(?:{mixed})(?=[a-z]+[A-Z0-9]))")


def _sub_brand_zh(title: str, brand: str) -> str:
    """A known brand right after the maker's own (华为(HUAWEI)荣耀8青春版) and followed by its model is the
    name the product goes by: the line's brand (荣耀), not the maker's."""
    if not brand:
        return brand
    m = re.search(rf"{re.escape(brand)}\s*(?:[(（][^)）]*[)）])?\s*", title)
    if not m:
        return brand
    sub = _known_brand_re(False).match(title, m.end())
    if sub and sub.group() != brand and not find_product_type(sub.group(), "zh") \
            and re.match(rf"[A-Za-z0-9]|[{HAN}]{{1,3}}\d", title[sub.end():]):
        return sub.group()
    return brand


def _short_zh(title: str, brand: str, max_chars: float) -> str:
    title = unglue_specs_zh(title)
    sheet_brand = bool(brand)
    brand, other_forms = _brand_zh(title, brand)
    for form in other_forms:  # Apple苹果iPhone6, 华为HUAWEInova2, 优衣库UNIQLO: one written form of the brand is enough
        pattern = re.escape(form) if re.search(f"[{HAN}]", form) else \
            rf"(?<![A-Za-z]){re.escape(form)}(?![A-Z])" if form.isupper() else rf"(?<![A-Za-z]){re.escape(form)}(?![A-Za-z])"
        title = re.sub(pattern, " ", title, flags=0 if form.isupper() else re.IGNORECASE)
        if form.isupper() and len(form) > 3:  # 飞利浦Philips E106: the capitals' title-case spelling
            title = re.sub(rf"(?<![A-Za-z]){re.escape(form.capitalize())}(?![a-z])", " ", title)
    if brand:  # 小米（MI）小米5X, 魅族（MEIZU）魅族魅蓝: the brand said twice in a row
        title = re.sub(rf"({re.escape(brand)})(?:\s*[(（][^)）]*[)）])?\s*\1", r"\1", title)
    clean = _clean_zh(title)
    words = [w for w in clean.split(" ") if w and not _is_spec(w)]
    words = [w for w in words if w.lower() not in {f.lower() for f in other_forms}]
    model = _model_word_zh(title, brand)
    sub = _sub_brand_zh(title, brand) if not sheet_brand else brand  # the sheet's own brand column wins
    if not model and sub != brand:  # 华为(HUAWEI)荣耀8青春版: no model after the maker, the line's brand has one
        sub_model = _model_word_zh(title, sub)
        if sub_model:
            title = re.sub(rf"{re.escape(brand)}\s*(?:[(（][^)）]*[)）])?\s*(?={re.escape(sub)})", " ", title, count=1)
            brand, model = sub, sub_model
            words = [w for w in _clean_zh(title).split(" ") if w and not _is_spec(w)]
            words = [w for w in words if w.lower() not in {f.lower() for f in other_forms}]
    if brand and model.startswith(brand):
        model = model[len(brand):].strip()
    core = _core_zh(words, brand, model)
    if brand and core.startswith(brand):
        core = core[len(brand):]
    kind_m = find_product_type(core, "zh") if core else None
    kind = kind_m.group() if kind_m else core
    for parts in ([brand, model, core], [brand, model, kind], [brand, core], [brand, kind], [model, kind], [core],
                  [kind]):
        if not any(parts) or not (core or model):
            continue
        name = _join_zh(parts)
        if _width(name) <= max_chars:
            return name
    # no product type in the title: the brand and the model, or the first plain word, whole
    if brand and model and _width(_join_zh([brand, model])) <= max_chars:
        return _join_zh([brand, model])
    for word in words:
        if word != brand and re.search(f"[{HAN}]", word):
            name = _join_zh([brand, word]) if brand and brand not in word else word
            if _width(name) <= max_chars:
                return name
            break
    return brand or ""


# ---- English names ----------------------------------------------------------------------------

_CONNECTORS = {"and", "or", "to", "for", "with", "of", "in", "on", "by", "the", "a", "an", "&", "+", "from", "at", "as",
               "compatible", "suitable", "upto", "up", "-", "–", "|", "/"}
_HEAD_END = re.compile(r"\s[|–—]\s|\s-\s|\s-(?=[A-Z])|[,;:]\s?|\s(?:with|for|compatible|suitable|featuring|includes|"
                       r"including|designed|made|ideal|perfect|supports?)\b|!!|\s\||\|", re.IGNORECASE)
_UNIT_WORD_EN = re.compile(r"^(?:cm|mm|m|inch|inches|in|ft|feet|foot|meter|meters|metre|metres|m|kg|g|gm|gms|grams?|lb|lbs|"
                           r"oz|ml|l|ltr|litres?|liters?|w|watts?|v|volts?|a|amps?|mah|wh|hz|khz|mhz|ghz|mbps|gbps|gb|tb|mb|"
                           r"mp|dpi|pcs|pieces?|pack|packs|count|ct|bags?|sachets?|capsules?|tablets?|servings?|rolls?|pods?|sheets|pages|hours?|hrs?|mins?|minutes|days|star|stars|"
                           r"speed|speeds|port|ports|layer|layers|jars?|shades|colors|colours|keys|buttons?|lumens|nits|"
                           r"x|bar|psi|rpm|years?|yr|months?|gsm)$", re.IGNORECASE)


def _words_en(text: str) -> list[str]:
    return [w for w in re.split(r"[ \t\n\r]+", text) if w]


def _name_words_en(head: str, brand: str) -> list[str]:
    """The words of a title head that can be part of a name: no numbers with their units (108 cm,
    2000 W, 1.8 L, 2 in 1), no shop words; a number right after a name stays (Note 11, Rockerz 450)."""
    head = re.sub(r"(\d)\s*(?:\"|”|'')", r"\1 in ", head)  # 41" -> 41 in
    head = re.sub(r"\b([A-Za-z]{2,})\s([A-Z])(?=\s|$)",
                  lambda m: m.group() if find_product_type(m.group(1), "en") else f"{m.group(1)}\u00a0{m.group(2)}",
                  head)  # Type C, USB C: one term (but not 'Cable A')
    head = re.sub(r"[\"“”]", " ", head)  # Mug"I Am..: a quotation mark is not part of a word
    raw = [w.strip(",;:!\"'") for w in _words_en(re.sub(r"\s*/\s*", " / ", head))]
    raw = [w if re.fullmatch(r"(?:[A-Za-z]\.){2,}", w) else w.strip(".") for w in raw]  # U.S. keeps its last dot
    raw = [w for w in raw if w]
    out: list[str] = []
    i = 0
    while i < len(raw):
        w = raw[i]
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if re.fullmatch(r"\d+(?:[.,]\d+)?", w) and nxt.lower() == "in" and i + 2 < len(raw) \
                and re.fullmatch(r"\d+", raw[i + 2]):
            i += 3  # 2 in 1
            continue
        if re.fullmatch(r"\d+(?:[.,/-]\d+)*", w) and nxt and _UNIT_WORD_EN.match(nxt.rstrip(".")):
            i += 2  # 108 cm, 2000 W
            continue
        if re.fullmatch(r"\d+(?:[.,/-]\d+)*", w):
            prev = out[-1] if out else ""
            edition = re.fullmatch(r"(?:19|20)\d\d", w) and re.match(r"(?i)(?:edition|model|version|release)\b", nxt)
            if edition:
                i += 2  # 2021 Edition: a model year is not a name
                continue
            if prev and re.match(r"[A-Za-z]", prev) and len(w) <= 4 and not find_product_type(prev, "en") \
                    and prev.lower() not in _CONNECTORS and "." not in w:
                out.append(w)  # Note 11, Rockerz 450, Wonderbar 10
            i += 1
            continue
        if w in ("&", "+"):  # Sweatshirt & Pants: kept, so that a name never runs two products together
            out.append(w)
            i += 1
            continue
        if re.fullmatch(r"[|/&+–-]+", w) or SHOP_WORDS_EN.fullmatch(w):
            i += 1
            continue
        if (SPEC_TOKEN.fullmatch(w) or re.fullmatch(rf"{_NUM}-?(?:{_UNIT_WORDS})", w)) and not (out and out[-1] == brand):
            i += 1  # 36W, 15.6-inches, 4GB (a word right after the brand is its model: Redmi 10A)
            continue
        out.append(w)
        i += 1
    return out


def _short_en(title: str, brand: str, max_chars: int) -> str:
    t = _nfkc(re.sub(r"[®™©℠]", "", title))  # before NFKC, which spells ™ as "TM"
    t = re.sub(r"[’‘`´]", "'", t)  # You’re, Boys’: a typographic apostrophe is an apostrophe
    t = re.sub(r"[^\w\s'&+./|,;:!()\[\]\"%-]", " ", t)  # pictographs and symbols (60% stays a spec, not 60)
    t = _BRACKETS.sub(" ", t)
    t = SHOP_WORDS_EN.sub(" ", t)
    t = re.sub(r"^[^A-Za-z0-9]+", "", t)
    t = join_characters_en(t)
    forms = brand_forms(brand)
    brand_word = next((f for f in forms if re.search(rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])", t, re.I)), "")
    if " " in brand_word.strip():  # The Children's Place, Hope & Henry, SNOW DREAMS: a brand of several words is one word
        m = re.search(rf"(?<![A-Za-z0-9]){re.escape(brand_word)}(?![A-Za-z0-9])", t, re.I)
        brand_word = re.sub(r"\s+", "\u00a0", m.group().strip())
        t = t[:m.start()] + brand_word + t[m.end():]
    brand_word = brand_word or _title_brand_en(t)
    # the head of the title: up to the first clause mark, extended by the next clause while it names no product
    pieces = [p for p in _HEAD_END.split(t) if p and p.strip()]
    head = pieces[0] if pieces else t
    if not find_product_type(head, "en") and not ("|" in t[len(head):len(head) + 4]
                                                  and re.search(r"[A-Za-z]\d|\d[A-Za-z]|\s\d", head)):
        # no product named yet (Redmi 10A | ... is a model name on its own): the next clauses, up to one that does
        for k, nxt in enumerate(pieces[1:4], 1):
            if find_product_type(nxt, "en"):
                extended = " ".join(pieces[:k + 1])
                if len(_words_en(extended)) <= 16:
                    head = extended
                break
    words = _name_words_en(head, brand_word)
    if not words:
        return brand_word
    joined = " ".join(words)
    type_m = None
    type_m = _head_type_en(joined)
    name = _fit_en(words, brand_word, type_m, joined, max_chars).replace("\u00a0", " ")
    # the title's own apostrophes (You’re stays You’re)
    return " ".join(w.replace("'", "’") if "'" in w and w.replace("'", "’") in title and w not in title else w
                    for w in name.split(" "))


# words that join the two words around them into one name (Mickey and Friends, All in One, Primitives by Kathy)
_JOINERS = {"and", "&", "+", "or", "of", "in", "by", "n", "'n'", "'n"}

# first words of two-word terms: a name keeps both or neither (Long Sleeve, Zip Up, Button Down, Half Zip)
_COMPOUND_FIRST = {"long", "short", "half", "full", "zip", "button", "anti", "non", "crew", "v", "high"}


def _head_type_en(joined: str) -> re.Match | None:
    """The product type that names the thing: the first type word of the head, moved on to a type
    that follows it at once or up to two words later ('Tempered Glass Screen Protector', 'Battery Power
    Scrubber'), never past 'and', 'with', '&' or a second product ('Bomber Jacket and Jogger Pants'
    is a jacket); in the first twelve words when they hold one."""
    parts = joined.split(" ")
    n_words, cut = 0, len(parts)
    for k, w in enumerate(parts):  # twelve words, not counting '&' and '+'
        n_words += w not in ("&", "+")
        if n_words > 12:
            cut = k
            break
    front = " ".join(parts[:cut])
    for window in (front, joined):
        found = [m for m in _type_re("en").finditer(window)  # Long Sleeve, Half Zip: a type word as half of a term
                 if not re.search(r"(?:^|\s)(?:long|short|half|full)\s$", window[:m.start()], re.I)]
        if not found:
            continue
        head = found[0]
        for m in found[1:]:
            between = window[head.end():m.start()].split()
            if m.start() < head.end() or len(between) > 2 or any(w.lower() in _CONNECTORS for w in between):
                break
            head = m
        return head
    return None


def _fit_en(words: list[str], brand: str, type_m: re.Match | None, joined: str, max_chars: int) -> str:
    """Whole words of the head, in their order: the brand, the product type and a model word always;
    then the word before the type, then the others from the left, while the name fits. Nothing after
    the type; no 'and', 'to', 'for' left hanging."""
    spans, pos = [], 0
    for w in words:
        start = joined.index(w, pos)
        spans.append((start, start + len(w)))
        pos = start + len(w)
    must: set[int] = set()
    if brand:
        first = next((i for i, w in enumerate(words) if w.lower() == brand.lower()), None)
        if first is not None:
            must.add(first)
            line = words[first + 1] if first + 1 < len(words) else ""
            after = words[first + 2] if first + 2 < len(words) else ""
            name_like = re.search(r"[a-z][A-Z]|^[A-Z]{2,}$|\d|^[A-Z][a-z]*-[A-Z]", line) or \
                (re.search(r"\d", after) and re.search(r"[A-Za-z]", after)) or re.fullmatch(r"\d{1,4}", after)
            if name_like and len(line) > 1 and not find_product_type(line, "en") \
                    and line.lower() not in _CONNECTORS and (not type_m or joined.find(line) < type_m.start()):
                must.add(first + 1)  # the product line after the brand: Zeb-Dash, Galaxy S20, Note 11
    type_idx: list[int] = []
    if type_m:
        type_idx = [i for i, (a, b) in enumerate(spans) if a < type_m.end() and b > type_m.start()]
        must |= set(type_idx)
        last = max(type_idx)
        words = words[:last + 1]  # nothing after the product type
    models = [i for i, w in enumerate(words) if re.search(r"\d", w) and re.search(r"[A-Za-z]", w) and i not in must]
    models = models or [i for i, w in enumerate(words) if re.fullmatch(r"\d{1,4}", w) and i not in must]
    if models:
        must.add(models[0])
        if words[models[0]].isdigit() and models[0] > 0:
            must.add(models[0] - 1)  # Wonderbar 10: a bare number goes with its name
        if models[0] + 1 < len(words) and re.fullmatch(r"\d{1,4}|Pro\+?|Plus|Max|Ultra|Lite|SE", words[models[0] + 1]):
            must.add(models[0] + 1)

    brand_parts = {p.lower() for p in re.split(r"[\s\u00a0]+", brand)} if "\u00a0" in brand else set()
    blocked: set[int] = set()

    def repeats(i: int, indices: set[int]) -> bool:  # a word already said, or a word of a brand of several words
        return words[i].lower() in {words[j].lower() for j in indices} | brand_parts

    def text(indices: set[int]) -> str:
        kept = sorted(indices)
        out: list[str] = []
        for n, i in enumerate(kept):
            w = words[i]
            if w.lower() in _CONNECTORS:  # a connector only between the two words it joined
                if i == 0 and w in ("The", "A", "An") and n + 1 < len(kept) and kept[n + 1] == 1:
                    out.append(w)  # The Woman in Me: a title's own article opens the name
                    continue
                if not (n and kept[n - 1] == i - 1 and n + 1 < len(kept) and kept[n + 1] == i + 1):
                    continue
            out.append(w)
        return " ".join(out)

    everything = set(range(len(words)))
    if len(text(everything)) <= max_chars:
        return text(everything)
    chosen = set(must)
    # first the words leading up to the type, nearest first (Pressure Car Washer Machine), while they fit
    added: set[int] = set()
    for i in range(min(type_idx) - 1 if type_idx else -1, -1, -1):
        if i in chosen:
            continue
        if len(words[i]) <= 1 and words[i].lower() not in _CONNECTORS:
            break  # Type C Cable: a lone letter is half of a term
        if repeats(i, chosen):
            continue
        trial = chosen | {i}
        if words[i] in ("&", "+"):  # Thin & Light Laptop; Boil + Brewer French Press Coffee Maker
            trial |= {i - 1} if i > 0 else set()
            if i == 0 or len(text(trial)) > max_chars:
                break  # the words after '&' are a whole name already: kept, and nothing joined to them
            added |= trial - chosen
            chosen = trial
            continue
        if words[i].lower() in _CONNECTORS:  # On Ear, Charging and Sync: the connector with its left word
            trial |= {i - 1} if i > 0 else set()
            if i == 0 or len(text(trial)) > max_chars:
                chosen -= added  # a half term ('Ear Headphones') is worse than none
                break
        elif len(text(trial)) > max_chars:
            if words[i].lower() in _COMPOUND_FIRST and i + 1 in added:
                chosen.discard(i + 1)  # Long | Sleeve: half a term ('Sleeve Casual Jacket') is worse than none
                blocked.update({i, i + 1})
            break
        added |= trial - chosen
        chosen = trial
    for i in range(len(words)):  # then the others from the left
        if i in chosen or i in blocked or words[i].lower() in _CONNECTORS or len(words[i]) <= 1 or repeats(i, chosen):
            continue
        trial = chosen | {i}
        if len(text(trial)) <= max_chars:
            chosen = trial
    for i in range(1, len(words) - 1):  # Mickey and Friends: a connector between two kept words is said with them
        if words[i].lower() in _JOINERS and i not in chosen and {i - 1, i + 1} <= chosen:
            if len(text(chosen | {i})) <= max_chars:
                chosen.add(i)
            else:  # never 'Mickey Friends' nor 'All One': the words it joined go together or not at all
                chosen -= {i - 1, i + 1} - must
    name = text(chosen)
    if len(name) > max_chars and models:  # the must-have words alone are too long: the model goes first
        name = text(must - {models[0]})
    if len(name) > max_chars:
        kept: list[str] = []
        for w in name.split():
            if len(" ".join(kept + [w])) > max_chars:
                break
            kept.append(w)
        name = " ".join(kept)
    return name


def short_name(name: str, brand: str = "", language: str = "", max_chars: int | None = None) -> str:
    """A speakable short name for a long marketplace title: brand + product type + one model word,
    made of whole words of the title. `brand` (the sheet's brand column) wins over the title's own."""
    name = re.sub(r"\s+", " ", str(name or "")).strip()
    if not name:
        return ""
    language = language or ("zh" if re.search(f"[{HAN}]", name) else "en")
    if language == "zh" and re.search(f"[{HAN}]", name):
        return _short_zh(name, brand, float(max_chars or ZH_MAX_CHARS))
    return _short_en(name, brand, int(max_chars or EN_MAX_CHARS))


__all__ = ["EN_MAX_CHARS", "ZH_MAX_CHARS", "brand_forms", "find_product_type", "known_brand_zh", "known_brands_zh",
           "product_types", "short_name", "unglue_specs_zh"]
