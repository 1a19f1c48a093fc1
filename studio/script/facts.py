"""Structured facts from a raw marketplace title (and the sheet's own columns), by rules.

Marketplace titles pack brand, origin, weight, pack size and packaging into one line:

    加拿大原装进口 爱肯拿Acana 无谷深海鱼配方全犬粮 6kg
    谷登GOLDEN 益生菌 5g*20袋
    Anker PowerCore 10000mAh Portable Charger, 2-Pack

`extract_facts(title)` returns a `Facts` with brand, origin, weight, volume, count, pack, size,
flavour, power, capacity, model, spec (every spec span as written) and total (unit × count when both
are known). Unknown facts are "". A sheet column (品牌/brand, 产地/origin, 净含量/weight, 规格/spec,
口味/flavour ...) wins over what the title says. Templates see them as `facts.weight`, `facts.origin` ...

The rules are general (units, pack words, a gazetteer of countries, provinces and well-known produce
regions), not a list of known products; what they cannot tell apart (a brand that is a plain word, a
flavour without 味/配方/flavour) is left empty rather than guessed.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

from ..core.text import HAN, has_han

_NUM = r"\d+(?:\.\d+)?"
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "单": 1, "双": 2}

_WEIGHT_UNITS = r"(?:kg|千克|公斤|mg|毫克|g|克|斤|磅|lbs?|oz)"
_VOLUME_UNITS = r"(?:ml|mL|ML|毫升|fl\.?\s?oz|cl|l|L|升|gal|加仑)"
_COUNT_UNITS = (r"(?:袋|片|支|粒|包|盒|瓶|罐|件|只|个|条|颗|双|块|卷|抽|张|枚|套|组|听|箱|桶|杯|贴|本|把|台|"
                r"pcs|pieces|piece|packs|pack|bags|bag|count|ct|tablets|capsules|sachets|bottles|cans|rolls|"
                r"pods|sheets|pairs|servings)")
_LATIN_AFTER = r"(?![A-Za-z])"

# grams are a small g: a capital G (6G, 16GB) is memory, never weight (净含量6G was once said of a graphics card)
WEIGHT_RE = re.compile(rf"({_NUM})\s*((?i:kg|千克|公斤|mg|毫克|斤|磅|lbs?|oz)|g|克){_LATIN_AFTER}")
VOLUME_RE = re.compile(rf"({_NUM})\s*({_VOLUME_UNITS}){_LATIN_AFTER}")
POWER_RE = re.compile(rf"({_NUM})\s*(kW|W|瓦|千瓦){_LATIN_AFTER}")
CAPACITY_RE = re.compile(rf"({_NUM})\s*(mAh|毫安时?|Wh){_LATIN_AFTER}", re.IGNORECASE)
# "5g*20袋", "500ml×2瓶", "12 x 330ml": a unit amount times a count
TIMES_RE = re.compile(
    rf"(?:({_NUM})\s*({_WEIGHT_UNITS}|{_VOLUME_UNITS})\s*[*x×]\s*(\d+)\s*({_COUNT_UNITS})?"
    rf"|(\d+)\s*[x×]\s*({_NUM})\s*({_WEIGHT_UNITS}|{_VOLUME_UNITS})){_LATIN_AFTER}", re.IGNORECASE)
COUNT_RE = re.compile(  # 支持, 个性, 只要 are words, not counts
    rf"(?<![\d.*x×])(\d+)\s*({_COUNT_UNITS})(?!持|撑|付|性|要|刻|力)(装)?(?:\s*/\s*([盒袋瓶罐箱包桶组套]))?{_LATIN_AFTER}", re.IGNORECASE)
# 两瓶装, 单支: a Chinese numeral counts only when 装 follows or the word ends there (三只松鼠 is a name)
COUNT_CN_RE = re.compile(rf"(?<![{HAN}])([一二两三四五六七八九十单双])\s*(袋|片|支|粒|包|盒|瓶|罐|件|只|个|条|颗|块|卷|套|组|听|箱|桶)"
                         rf"(?:(装)|(?![{HAN}]))")
PACK_OF_RE = re.compile(r"\b(?:pack|set|box|case) of (\d+)\b|\b(\d+)[- ]?(?:pack|pk|count|ct)\b", re.IGNORECASE)
DIMENSION_RE = re.compile(
    rf"({_NUM}\s*[*x×]\s*{_NUM}(?:\s*[*x×]\s*{_NUM})?\s*(?:cm|mm|m|厘米|毫米|米|in|inch|inches|\"))"
    rf"|({_NUM}\s*-?\s*(?:英寸|寸|inch|inches|\"))(?![A-Za-z])", re.IGNORECASE)
CLOTHING_SIZE_RE = re.compile(r"(?<![A-Za-z])((?:[2-5]?X{0,3}[SML]|XXS|XS|均码|大号|中号|小号)号|\d{2,3}码)"
                              r"|(?i:\bsize\s+([2-5]?X{0,3}[SML]|\d{1,2})\b)")
MODEL_RE = re.compile(r"(?<![A-Za-z0-9.-])([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)(?![A-Za-z0-9.-])")
FLAVOUR_ZH_RE = re.compile(rf"([{HAN}]{{1,8}}?)(?:口味|风味|香型|味|配方)")
FLAVOUR_EN_RE = re.compile(r"([A-Za-z][A-Za-z&' ]{1,30}?)\s+(?:flavou?red|flavou?r|scented|scent)\b", re.IGNORECASE)
FLAVOUR_EN_PREFIX_RE = re.compile(r"\b(?:flavou?r|scent)\s*[:：]\s*([A-Za-z][A-Za-z&' ]{1,30})", re.IGNORECASE)

# places: countries (zh and en), provinces, and regions known for their produce
PLACES_ZH = sorted(set("""
美国 加拿大 英国 法国 德国 意大利 西班牙 葡萄牙 荷兰 比利时 瑞士 瑞典 挪威 芬兰 丹麦 冰岛 爱尔兰 奥地利 波兰 捷克
匈牙利 希腊 俄罗斯 乌克兰 土耳其 以色列 埃及 南非 肯尼亚 埃塞俄比亚 日本 韩国 朝鲜 泰国 越南 老挝 柬埔寨 缅甸 马来西亚
新加坡 印尼 印度尼西亚 菲律宾 印度 斯里兰卡 巴基斯坦 澳大利亚 澳洲 新西兰 巴西 智利 阿根廷 秘鲁 墨西哥 哥伦比亚 古巴
厄瓜多尔 苏格兰 中国 台湾 香港 澳门 北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南
湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 内蒙古 广西 西藏 宁夏 新疆 东北 西北 江南 五常 阿克苏 赣南 赣州 烟台
库尔勒 吐鲁番 哈密 和田 若羌 丹东 大连 舟山 千岛湖 眉山 蒲江 砀山 洛川 静宁 攀枝花 会理 琯溪 平和 临安 章丘 金华 宜宾
绍兴 长白山 阳澄湖 盱眙 潜江 普洱 西湖 安溪 武夷山 福鼎 信阳 六安 黄山 庐山 峨眉山 恩施 宁波 温州 厦门 青岛 寿光 莱阳
昭通 蒙自 三亚 南美 北美 欧洲 东南亚 中东 非洲 南极 北极 文昌 湛江 茂名 增城 从化 潮汕 汕头 泰州 高邮 盐城 杭州 苏州 无锡 南京 成都 广州 深圳 西安
""".split()), key=len, reverse=True)
PLACES_EN = sorted(set("""
USA|U.S.A.|US|America|United States|Canada|UK|United Kingdom|England|Scotland|Wales|Ireland|France|Germany|Italy|Spain|
Portugal|Netherlands|Holland|Belgium|Switzerland|Sweden|Norway|Finland|Denmark|Iceland|Austria|Poland|Greece|Turkey|Israel|
Egypt|South Africa|Kenya|Ethiopia|Japan|Korea|South Korea|Thailand|Vietnam|Malaysia|Singapore|Indonesia|Philippines|India|
Sri Lanka|Australia|New Zealand|Brazil|Chile|Argentina|Peru|Mexico|Colombia|Ecuador|Guatemala|Costa Rica|Jamaica|China|
Taiwan|Hong Kong|California|Florida|Hawaii|Washington State|Oregon|Vermont|Kona|Darjeeling|Assam|Yunnan|Sicily|Tuscany|
Provence|Normandy|Bordeaux|Champagne|Bavaria|Kyoto|Hokkaido
""".replace("\n", "").split("|")), key=len, reverse=True)

_ORIGIN_ZH_RE = re.compile(
    rf"(?:产自|产地[:：]?|原产(?:地[:：]?)?|来自)((?:{'|'.join(PLACES_ZH)})+)"
    rf"|((?:{'|'.join(PLACES_ZH)})+)(?:原装进口|原装|进口|直发|产地直发|直采|产|特产|原产)")
_LEADING_PLACE_ZH_RE = re.compile(rf"^((?:{'|'.join(PLACES_ZH)})+)(?=[{HAN}A-Za-z])")
_ORIGIN_EN_RE = re.compile(
    rf"\b(?:made in|product of|imported from|grown in|from|origin[:：]?)\s+(?:the\s+)?({'|'.join(re.escape(p) for p in PLACES_EN)})\b",
    re.IGNORECASE)

_SHOP_WORDS = re.compile(r"产地直发|原装进口|进口|包邮|正品|官方|旗舰店|专营店|自营|新款|爆款|现货|特价|直发|顺丰")
_GENERIC_ZH = set("""新款 爆款 网红 家用 夏季 冬季 春季 秋季 夏天 冬天 男士 女士 男款 女款 儿童 宝宝 婴儿 加厚 加大 大码
迷你 便携 正品 官方 包邮 现货 特价 升级 升级版 同款 经典 热卖 明星 抖音 一次性 多功能 全自动 智能 无谷 纯棉 纯色 大容量
宠物 猫咪 狗狗 成人 学生 老人 中老年 孕妇 通用 犬猫""".split())
# last characters of common product nouns (苹果, 犬粮, 大米, 面膜, 电饭煲 ...): a 4+ character first word
# ending in one is the product itself, not a brand
_PRODUCT_NOUN_ENDINGS = set("果粮米面油茶奶水酒肉鱼虾蟹蛋糖粉膏霜乳液露丸机器仪灯锅壶杯碗盘刀衣裤裙鞋袜帽包箱绳垫枕被巾纸笔膜线球架柜桌椅床煲菜瓜枣梨桃橙橘柚莓蕉")
_GENERIC_EN = {w.lower() for w in """New Organic Premium Natural Fresh Pure Original Classic Stainless Steel Portable Wireless
Mini Large Small Extra Super Ultra Heavy Soft Smart Electric Digital Professional Men's Women's Mens Womens Kids Baby Pet Dog
Cat Unisex Vintage Handmade Cotton Leather Wooden Glass Plastic Reusable Disposable Waterproof Adjustable Automatic Hot
Cold Dark Light Red Blue Green Black White Gold Silver Pink Best Top The A An Set Pack Gift Home Kitchen Outdoor Indoor
Travel Everyday Daily Rechargeable Bluetooth USB LED Non-Stick Nonstick Gluten-Free Sugar-Free Raw Whole Wild""".split()}


@dataclass
class Facts:
    """What a title (and the sheet) says about the product; "" when not stated."""

    brand: str = ""
    origin: str = ""  # country or region: 加拿大, 新疆阿克苏, Italy
    weight: str = ""  # as written, metric preferred: "6kg", "10.2kg" (from "22.5磅(10.2kg)"), "5g" per unit
    volume: str = ""  # "500ml", "1.5L"
    count: str = ""  # how many in the pack: "20袋", "200片", "2只", "6 pack"
    pack: str = ""  # what the count comes in: "盒" (from "10包/盒"), "装" (from "2只装")
    size: str = ""  # dimensions or garment size: "2.0*120cm", "M号", "15.6英寸"
    flavour: str = ""  # flavour, recipe or scent: "深海鱼", "草莓", "Vanilla"
    power: str = ""  # "1500W"
    capacity: str = ""  # battery: "10000mAh"
    memory: str = ""  # RAM: "16G" (from "16G+512G", "16G内存", "8GB RAM")
    video_memory: str = ""  # graphics memory: "6G" (from "RTX3060 6G独显", "8G显存")
    storage: str = ""  # "512G", "1TB" (from "16G+512G", "512G固态", "128GB Storage")
    processor: str = ""  # "i7-12700H", "R7-5800H", "骁龙870"
    graphics: str = ""  # "RTX3060", "RTX 3070 Ti"
    resolution: str = ""  # "2.5K", "4K", "1920*1080"
    refresh_rate: str = ""  # "165Hz"
    network: str = ""  # "5G", "4G" (a phone's network, not memory)
    model: str = ""  # model number: "KFR-35GW", "Y9000P" (never a processor or a graphics chip)
    spec: str = ""  # every spec span as written in the title, space-separated
    total: str = ""  # unit × count when both are known: "100g" from "5g*20袋"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def _num(text: str) -> float | None:
    if text in _CN_DIGITS:
        return float(_CN_DIGITS[text])
    try:
        return float(text)
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _metric_weight(matches: list[re.Match]) -> str:
    metric = [m for m in matches if m.group(2).lower() in ("kg", "千克", "公斤", "g", "克", "mg", "毫克")]
    chosen = (metric or matches)[0]
    return f"{chosen.group(1)}{chosen.group(2)}"


def _origin(title: str, language: str) -> tuple[str, tuple[int, int] | None]:
    if language == "en" or not has_han(title):
        m = _ORIGIN_EN_RE.search(title)
        return (m.group(1), m.span()) if m else ("", None)
    m = _ORIGIN_ZH_RE.search(title)
    if m:
        place = m.group(1) or m.group(2)
        return place, m.span()
    for token in re.split(r"\s+", title):  # "美国麦德氏 ...": a place glued to the front of the first word
        if re.fullmatch(rf"(?:{'|'.join(PLACES_ZH)})+", token):  # 云南普洱
            start = title.find(token)
            return token, (start, start + len(token))
        lead = _LEADING_PLACE_ZH_RE.match(token)
        if lead and len(token) > len(lead.group(1)) + 1:
            start = title.find(token)
            return lead.group(1), (start, start + len(lead.group(1)))
        break
    return "", None


def _brand_zh(title: str, origin_span: tuple[int, int] | None) -> str:
    m = re.search(r"(?:品牌[:：]\s*)([^\s,，]+)|([^\s,，]{1,12})[®™]", title)
    if m:
        return (m.group(1) or m.group(2)).strip()
    text = title
    if origin_span:
        text = text[: origin_span[0]] + " " + text[origin_span[1]:]
    text = _SHOP_WORDS.sub(" ", text)
    text = re.sub(r"【[^】]*】|\[[^\]]*\]|（[^）]*）|\([^)]*\)", " ", text)
    tokens = [t for t in re.split(r"\s+", text) if t]
    # a Chinese name glued to a Latin one: 爱肯拿Acana, 谷登GOLDEN, Instinct生鲜本能, 小宠EHD, 小青鲨super shark
    for i, tok in enumerate(tokens[:3]):
        m = re.fullmatch(rf"([{HAN}]{{1,6}})([A-Za-z][A-Za-z'&.]*)|([A-Za-z][A-Za-z'&.]*)([{HAN}]{{1,6}})", tok)
        if m and not WEIGHT_RE.search(tok) and not VOLUME_RE.search(tok):
            brand = tok
            # a lower-case Latin word right after continues the name (小青鲨super shark)
            if m.group(2) and m.group(2).islower() and i + 1 < len(tokens) and re.fullmatch(r"[a-z]+", tokens[i + 1]):
                brand += " " + tokens[i + 1]
            return brand
    # words with Chinese left once specs are taken out ("5斤装" is a spec, not a word)
    cjk_tokens = [t for t in tokens if re.search(rf"[{HAN}]{{2}}", _SPEC_LOOSE.sub("", t))]
    if len(cjk_tokens) >= 2:
        first = tokens[0]
        if re.fullmatch(rf"[{HAN}]{{2,6}}", first) and first not in _GENERIC_ZH and not any(
                first.startswith(g) for g in _GENERIC_ZH if len(g) >= 2) and not FLAVOUR_ZH_RE.search(first) \
                and not (len(first) >= 4 and first[-1] in _PRODUCT_NOUN_ENDINGS):  # 冰糖心苹果 is the product
            return first
    return ""


def _brand_en(title: str) -> str:
    m = re.search(r"\bby\s+([A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*)?)", title) or re.search(r"([A-Z][\w&'.-]*)\s*[®™]", title)
    if m:
        return m.group(1)
    words = title.replace(",", " ").split()
    if len(words) >= 3:
        first = words[0]
        if first[:1].isupper() and not re.search(r"\d", first) and first.lower().strip(".,") not in _GENERIC_EN:
            return first
    return ""


def _flavour(title: str, language: str) -> str:
    if language == "en" or not has_han(title):
        m = FLAVOUR_EN_PREFIX_RE.search(title) or FLAVOUR_EN_RE.search(title)
        if not m:
            return ""
        words = m.group(1).strip().split()
        words = [w for w in words if w.lower() not in {"with", "and", "natural", "artificial", "the", "a"}]
        return " ".join(words[-2:])  # the word(s) right before "flavour"
    for token in re.split(r"\s+", title):
        m = re.search(rf"([{HAN}&+＋]{{1,12}})(?:口味|风味|香型|味|配方)", token)
        if m:
            run = m.group(1)
            run = re.sub(r"^(?:无谷|低敏|全价|天然|经典|新|原装|专用|全期|系列)+", "", run)
            run = re.split(r"[+＋&]", run)[-1]
            if run and run not in ("无谷", "专用", "口", "风", "原"):
                return run
            if m.group(0).endswith("原味"):
                return "原味"
    m = re.search(r"原味", title)
    return "原味" if m else ""


def extract_facts(title: str, extra: dict | None = None, brand: str = "", language: str = "") -> Facts:
    """Facts from a product title; `extra` (the sheet's other columns) and `brand` win over the title."""
    title = re.sub(r"\s+", " ", str(title or "")).strip()
    language = language or ("zh" if has_han(title) else "en")
    facts = Facts()
    spec_spans: list[tuple[int, int]] = []

    # unit × count first, so "5g*20袋" is one fact, not a weight and a separate count
    times = TIMES_RE.search(title)
    unit_amount = None
    if times:
        spec_spans.append(times.span())
        if times.group(1):
            amount, unit, n, count_unit = times.group(1), times.group(2), times.group(3), times.group(4) or ""
        else:
            n, amount, unit, count_unit = times.group(5), times.group(6), times.group(7), ""
        (facts.__setattr__("volume" if VOLUME_RE.fullmatch(amount + unit) else "weight", f"{amount}{unit}"))
        facts.count = f"{n}{count_unit}" if count_unit else n
        unit_amount = (float(amount), unit, int(n))

    rest = title
    for a, b in spec_spans:
        rest = rest[:a] + " " * (b - a) + rest[b:]

    weights = list(WEIGHT_RE.finditer(rest))
    if weights and not facts.weight:
        facts.weight = _metric_weight(weights)
    volumes = [m for m in VOLUME_RE.finditer(rest) if not re.fullmatch(r"[lL]", m.group(2)) or "." in m.group(1)
               or not re.search(r"[A-Za-z]", rest[m.end():m.end() + 1] or " ")]
    if volumes and not facts.volume:
        facts.volume = f"{volumes[0].group(1)}{volumes[0].group(2)}"
    spec_spans += [m.span() for m in weights] + [m.span() for m in volumes]

    if not facts.count:
        m = COUNT_RE.search(rest) or COUNT_CN_RE.search(rest)
        if m:
            n = _num(m.group(1))
            unit = m.group(2)
            facts.count = f"{_fmt(n) if n is not None else m.group(1)}{unit}" if re.match(rf"[{HAN}]", unit) \
                else f"{m.group(1)} {unit}"
            facts.pack = (m.group(4) if m.re is COUNT_RE else "") or (m.group(3) or "")
            spec_spans.append(m.span())
        else:
            m = PACK_OF_RE.search(rest)
            if m:
                facts.count = f"{m.group(1) or m.group(2)} pack"
                spec_spans.append(m.span())
    elif re.search(r"/\s*([盒袋瓶罐箱包桶组套])", title):
        facts.pack = re.search(r"/\s*([盒袋瓶罐箱包桶组套])", title).group(1)

    dims = DIMENSION_RE.search(rest)
    garment = CLOTHING_SIZE_RE.search(rest)
    sizes = [s for s in ((garment.group(1) or f"Size {garment.group(2)}") if garment else "",
                         (dims.group(1) or dims.group(2)) if dims else "") if s]
    facts.size = " ".join(re.sub(r"\s+", "", s) if re.search(rf"[{HAN}*×]", s) else s for s in sizes)
    spec_spans += [m.span() for m in (dims, garment) if m]

    power = POWER_RE.search(rest)
    if power:
        facts.power = f"{power.group(1)}{power.group(2)}"
        spec_spans.append(power.span())
    cap = CAPACITY_RE.search(rest)
    if cap:
        facts.capacity = f"{cap.group(1)}{cap.group(2)}"
        spec_spans.append(cap.span())
    spec_spans += _digital_specs(title, facts, language)
    for m in MODEL_RE.finditer(rest):  # upper-case letters and digits, both: KFR-35GW, MB-FB40, V8, QN55Q60C
        token = m.group(1)
        if not re.search(r"\d", token) or any(r.fullmatch(token) for r in (WEIGHT_RE, VOLUME_RE, POWER_RE, CAPACITY_RE)):
            continue
        if token in (facts.processor, facts.graphics.replace(" ", "")) or _COMPONENT.fullmatch(token) \
                or re.fullmatch(r"\d+(?:\.\d+)?(?:G|GB|T|TB|K|P|HZ|Hz)", token):
            continue
        facts.model = token
        break

    if unit_amount:
        amount, unit, n = unit_amount
        facts.total = f"{_fmt(amount * n)}{unit}"

    facts.origin, origin_span = _origin(title, language)
    facts.brand = brand or (_brand_zh(title, origin_span) if language == "zh" else _brand_en(title))
    facts.flavour = _flavour(title, language)
    spec_spans = sorted(set(spec_spans))
    merged: list[tuple[int, int]] = []
    for a, b in spec_spans:  # overlapping spans once ("16G+512G", not "16G+512G 16G"); "16G/512G" as written
        if merged and (a < merged[-1][1] or re.fullmatch(r"\s*[+/]\s*", title[merged[-1][1]:a])):  # 4GB +64GB
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    facts.spec = " ".join(title[a:b].strip() for a, b in merged if title[a:b].strip())

    for key, value in (extra or {}).items():  # the merchant's own columns win
        field = _EXTRA_FIELDS.get(re.sub(r"[\s_\-]+", "", str(key)).lower())
        if field and str(value or "").strip():
            setattr(facts, field, str(value).strip())
    return facts


_DIGITAL_CONTEXT = re.compile(r"手机|电脑|笔记本|游戏本|平板|显卡|内存|硬盘|固态|U盘|存储卡|内存卡|路由器|主板|显示器|电视|投影|"
                              r"屏|摄像|相机|laptop|notebook|phone|tablet|SSD|RAM|GPU|CPU|(?:RTX|GTX)\s?\d|\bTV\b|HDMI|"
                              r"display|projector|monitor|camera|screen|television|smartphone|Galaxy|iPhone|unlocked|OLED|QLED|"
                              r"双卡双待|全网通|移动联通", re.IGNORECASE)
_COMPONENT = re.compile(
    r"[iI][3579]-?\d{4,5}[A-Z]{0,3}|[Rr][3579]-\d{4}[A-Z]{0,3}|(?:RTX|GTX|MX|RX)\s?\d{3,4}(?:\s?(?:Ti|TI|XT|M))?|"
    r"DDR\d|LPDDR\d[Xx]?")
_PROCESSOR_RE = re.compile(r"(?<![A-Za-z0-9])((?:[iI][3579]|[Rr][3579])-\d{4,5}[A-Z]{0,3}|(?:骁龙|天玑|麒麟)\d{3,4}\+?|"
                           r"(?:Helio|Snapdragon)\s?[A-Z]?\d{2,4}|M[1-4](?:\s?(?:Pro|Max|Ultra))?(?=芯片))(?![A-Za-z0-9])")
_GRAPHICS_RE = re.compile(r"(?<![A-Za-z0-9])((?:RTX|GTX|MX|RX)\s?\d{3,4}(?:\s?(?:Ti|TI|ti|XT|M|SUPER))?)(?![A-Za-z0-9])")
_MEMORY_RE = re.compile(r"(?<![\d.])(\d{1,4})\s*(G|GB|T|TB|g|gb|t|tb)(?:(?![A-Za-z])|(?=DDR))")
_RESOLUTION_RE = re.compile(r"(?<![\d.A-Za-z])(\d(?:\.\d)?[Kk]|\d{3,4}\s*[*x×]\s*\d{3,4}|\d{3,4}[Pp])(?![A-Za-z0-9])")
_REFRESH_RE = re.compile(r"(?<![\d.])(\d{2,3})\s*(?:Hz|HZ|hz|赫兹)")


def _digital_specs(title: str, facts: Facts, language: str) -> list[tuple[int, int]]:
    """Processor, graphics, memory, storage, resolution and refresh rate, as the title writes them.
    A G next to 显存/独显 or right after a graphics chip is graphics memory; next to 内存/运行/RAM, or
    the first of '16G+512G', memory; next to 固态/硬盘/SSD/存储/ROM, a T, or the second of a pair,
    storage. A small g counts only where the title is about a device (else it is grams)."""
    spans: list[tuple[int, int]] = []
    digital = bool(_DIGITAL_CONTEXT.search(title))
    for regex, field in ((_PROCESSOR_RE, "processor"), (_GRAPHICS_RE, "graphics")):
        m = regex.search(title)
        if m:
            setattr(facts, field, m.group(1))
            spans.append(m.span(1))
    if digital or facts.processor or facts.graphics:
        m = _RESOLUTION_RE.search(title)
        if m:
            facts.resolution = m.group(1)
            spans.append(m.span(1))
        m = _REFRESH_RE.search(title)
        if m:
            facts.refresh_rate = title[m.start(1):m.end()]
            spans.append((m.start(1), m.end()))
    sizes = []
    for m in _MEMORY_RE.finditer(title):
        if m.group(2) in ("g", "t") and not digital:
            continue  # 500g is weight
        after = title[m.end():m.end() + 4]
        before = title[max(0, m.start() - 8):m.start()]
        if m.group(2) == "G" and m.group(1) in ("3", "4", "5") and (
                re.match(r"\s*(?:全网通|网通|网络|手机|双模|双卡|信号|通信|LTE|版|\(|,)", after)
                or re.search(r"(?:移动|联通|电信|支持)\s*$", before) or not digital):
            if not facts.network and (digital or re.match(r"\s*(?:全网通|网通|手机)", after)):
                facts.network = m.group(1) + m.group(2)
                spans.append(m.span())
            continue  # 4G全网通, 5G手机: the network, not memory

        if re.match(r"\s*(?:显存|独显|独立显存|GDDR)", after) or (re.search(r"(?:RTX|GTX|MX|RX)\s?\d{3,4}(?:\s?Ti)?\s*[-\s]?$", before)):
            kind = "video_memory"
        elif re.match(r"\s*(?:内存|运行|RAM|运存|DDR)", after, re.IGNORECASE):
            kind = "memory"
        elif re.match(r"\s*(?:固态|硬盘|SSD|存储|ROM|机身|闪存|PCIe|NVMe)", after, re.IGNORECASE) or m.group(2).upper().startswith("T"):
            kind = "storage"
        else:
            kind = ""
        sizes.append((m, kind))
    for i, (m, kind) in enumerate(sizes):  # a pair without labels: 16G+512G, 8GB 256GB -> memory, storage
        if kind:
            continue
        value = int(m.group(1))
        if value >= 64 or m.group(2).upper().startswith("T"):
            sizes[i] = (m, "storage")
        elif value <= 64 and any(not k or k == "storage" for mm, k in sizes[i + 1:i + 3]):
            sizes[i] = (m, "memory")
        else:
            sizes[i] = (m, "memory")
    for m, kind in sizes:
        if not getattr(facts, kind):
            setattr(facts, kind, m.group(1) + m.group(2))
        spans.append(m.span())
    if (facts.memory or facts.video_memory or facts.storage) and re.fullmatch(rf"{_NUM}\s*[gG]", facts.weight or "-"):
        facts.weight = ""  # the g was memory, not grams
    return spans


_EXTRA_FIELDS = {
    **{k: "origin" for k in ("产地", "原产地", "origin", "madein", "countryoforigin", "发货地")},
    **{k: "weight" for k in ("净含量", "重量", "净重", "weight", "netweight")},
    **{k: "volume" for k in ("容量", "体积", "volume")},
    **{k: "count" for k in ("数量", "件数", "包装数量", "count", "quantity", "packsize")},
    **{k: "size" for k in ("尺寸", "尺码", "size", "dimensions")},
    **{k: "flavour" for k in ("口味", "味道", "香型", "flavour", "flavor", "scent")},
    **{k: "spec" for k in ("规格", "spec", "specification")},
    **{k: "model" for k in ("型号", "model")},
    **{k: "power" for k in ("功率", "power", "wattage")},
    **{k: "brand" for k in ("品牌", "brand")},
}

__all__ = ["Facts", "extract_facts"]


_SPEC_LOOSE = re.compile(
    rf"{_NUM}(?:\s*-\s*{_NUM})?\s*(?:{_WEIGHT_UNITS}|{_VOLUME_UNITS}|{_COUNT_UNITS}|cm|mm|寸|英寸|W|mAh|匹)(?:\s*[*x×/]\s*\d*\s*{_COUNT_UNITS}?)?(?:装)?"
    rf"|[一二两三四五六七八九十单双](?:{_COUNT_UNITS})装?(?![{HAN}])|\b(?:pack|set) of \d+\b|\b\d+[- ]?(?:pack|count|ct)\b",
    re.IGNORECASE)


from .names import short_name  # noqa: E402  (a short name is made from the facts' own spec rules)

__all__ = ["Facts", "extract_facts", "short_name"]
