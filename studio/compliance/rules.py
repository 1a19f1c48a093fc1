"""The rule engine: lexicon loading, text normalisation, matching, rewrites and price checks.

Rules live in YAML files next to this module (``lexicon/*.yaml``); each is a regex matched on
an NFKC-normalised copy of the text (full-width forms folded, zero-width characters dropped,
spaces next to CJK characters removed) and every span is mapped back to the original text.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..core.text import ZH_DIGITS, zh_number
from ..safeyaml import load_yaml

LEXICON_DIR = Path(__file__).with_name("lexicon")

ABSOLUTE = "absolute_term"
MEDICAL = "medical_claim"
EFFICACY = "efficacy_claim"
URGENCY = "false_urgency"
MISLEADING = "misleading_claim"  # the state's name, 驰名商标, 免检, lures, superstition (art. 9(2)/(8), 28)
PRICE_MISMATCH = "price_mismatch"
PRICE_CLAIM = "price_claim"
CATEGORIES = (ABSOLUTE, MEDICAL, EFFICACY, URGENCY, MISLEADING, PRICE_MISMATCH, PRICE_CLAIM)

PRICE_RULE_ZH = "《明码标价和禁止价格欺诈规定》"
PRICE_RULE_EN = "Provisions on Clearly Marked Prices and Prohibition of Price Fraud"


@dataclass
class Finding:
    """One problem in the ad copy, located precisely and with a rewrite."""

    category: str  # absolute_term | medical_claim | efficacy_claim | false_urgency | misleading_claim | price_mismatch | price_claim
    text: str  # the exact offending text, as written
    line: int  # index into script.lines (-1 for free text)
    start: int  # character span within that line (end exclusive)
    end: int
    reason: str  # plain words, in the text's language
    rule: str  # the law or rule
    suggestion: str  # the line rewritten without the problem(s)
    severity: str = "block"  # block | warn
    rule_id: str = ""  # which lexicon rule fired
    replacement: str = field(default="", repr=False)  # what this span becomes in the rewrite
    overlay: int = -1  # on-screen text: the index of the scene whose overlay holds it (line is then -1)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("replacement", None)
        return d

    def __str__(self) -> str:
        where = (f"line {self.line + 1}, " if self.line >= 0
                 else f"on-screen text of scene {self.overlay + 1}, " if self.overlay >= 0 else "")
        return (f"[{self.severity}] {self.category}: '{self.text}' ({where}chars {self.start}-{self.end}) — "
                f"{self.reason} [{self.rule}] → {self.suggestion}")


# ---------------------------------------------------------------- normalisation
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def normalise(text: str) -> tuple[str, list[int]]:
    """NFKC-fold `text` character by character; return (normalised, index of each char in `text`).

    Zero-width/format characters are dropped, and whitespace with a CJK neighbour is removed so
    that "第 一" or "最 好 用" match like "第一" / "最好用".
    """
    chars: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            continue
        for c in unicodedata.normalize("NFKC", ch):
            chars.append(c)
            idx.append(i)
    keep_c: list[str] = []
    keep_i: list[int] = []
    n = len(chars)
    for j, c in enumerate(chars):
        if c.isspace():
            p = j - 1
            while p >= 0 and chars[p].isspace():
                p -= 1
            q = j + 1
            while q < n and chars[q].isspace():
                q += 1
            if (p >= 0 and _is_cjk(chars[p])) or (q < n and _is_cjk(chars[q])):
                continue
            c = " "
        keep_c.append(c)
        keep_i.append(idx[j])
    return "".join(keep_c), keep_i


def _map_span(idx: list[int], s: int, e: int) -> tuple[int, int]:
    return idx[s], idx[e - 1] + 1


def _fold(text: str) -> str:
    return normalise(text)[0].lower()


# ---------------------------------------------------------------- product families
FAMILIES = {
    "beauty": ("beauty", "cosmetic", "skincare", "skin care", "makeup", "make-up", "美妆", "护肤", "化妆", "彩妆",
               "个护", "面膜", "精华", "口红", "香水", "美容"),
    "food": ("food", "snack", "drink", "beverage", "tea", "coffee", "health", "supplement", "nutrition", "grocery",
             "食品", "零食", "饮品", "饮料", "茶", "酒", "保健", "营养", "生鲜", "水果", "粮油", "滋补", "咖啡"),
    "pets": ("pet", "pets", "dog", "cat", "宠物", "猫", "狗", "犬"),
    "baby": ("baby", "infant", "kid", "child", "maternity", "母婴", "婴", "宝宝", "儿童", "孕", "童"),
}


def families(category: str) -> set[str]:
    """Product families a sheet category belongs to; an unknown or empty category gets them all."""
    c = (category or "").strip().lower()
    if not c:
        return set(FAMILIES)
    found = {fam for fam, keys in FAMILIES.items() if fam == c or any(k in c for k in keys)}
    if found:
        return found
    known_other = ("digital", "electronic", "apparel", "clothing", "fashion", "shoe", "home", "furniture", "kitchen",
                   "数码", "电子", "家电", "服装", "服饰", "鞋", "家居", "家纺", "厨具", "日用", "3c", "手机", "电脑")
    if any(k in c for k in known_other):
        return set()
    return set(FAMILIES)


# ---------------------------------------------------------------- lexicon
@dataclass
class Rule:
    id: str
    category: str
    pattern: re.Pattern
    severity: str
    reason: str
    rule: str
    scope: tuple[str, ...] = ("all",)
    replace: str = ""
    replace_map: dict[str, str] = field(default_factory=dict)

    def applies_to(self, fams: set[str]) -> bool:
        return "all" in self.scope or bool(fams & set(self.scope))

    def replacement(self, m: re.Match) -> str:
        key = m.group(0)
        for k in (key, key.lower(), re.sub(r"\s+", " ", key.lower())):
            if k in self.replace_map:
                return self.replace_map[k]
        try:
            return m.expand(self.replace)
        except (re.error, IndexError):
            return self.replace


@dataclass
class Lexicon:
    language: str
    rules: list[Rule]
    allow: list[re.Pattern]


def _expand_terms(pattern: str, terms: dict[str, str], rule_id: str) -> str:
    """Replace every <<name>> in a rule's pattern with the lexicon's term list `name` (an alternation)."""
    def term(m: re.Match) -> str:
        if m.group(1) not in terms:
            raise ValueError(f"rule {rule_id}: unknown term list <<{m.group(1)}>> (known: {', '.join(sorted(terms))})")
        return terms[m.group(1)]

    return re.sub(r"<<(\w+)>>", term, pattern)


def load_lexicon(path: Path) -> Lexicon:
    """A lexicon file: rules (regex patterns, which may name term lists as <<name>>), term lists
    under `terms` (each a list of regex alternatives) and `allow` patterns."""
    data = load_yaml(path, 5 * 1024 * 1024, encoding="utf-8") or {}
    lang = str(data.get("language", Path(path).stem))
    flags = re.IGNORECASE
    terms = {str(k): "(?:" + "|".join(str(t) for t in v) + ")" for k, v in (data.get("terms") or {}).items()}
    rules = []
    for r in data.get("rules", []):
        scope = r.get("scope", ["all"])
        pattern = _expand_terms(str(r["pattern"]), terms, str(r["id"]))
        rules.append(Rule(
            id=str(r["id"]), category=str(r["category"]), pattern=re.compile(pattern, flags),
            severity=str(r.get("severity", "block")), reason=str(r.get("reason", "")), rule=str(r.get("rule", "")),
            scope=tuple([scope] if isinstance(scope, str) else scope), replace=str(r.get("replace", "")),
            replace_map={str(k).lower() if lang == "en" else str(k): str(v) for k, v in (r.get("replace_map") or {}).items()},
        ))
    allow = [re.compile(p, flags) for p in data.get("allow", [])]
    return Lexicon(lang, rules, allow)


@functools.lru_cache(maxsize=None)
def lexicons() -> dict[str, Lexicon]:
    out: dict[str, Lexicon] = {}
    for p in sorted(LEXICON_DIR.glob("*.yaml")):
        lx = load_lexicon(p)
        if lx.language in out:
            out[lx.language].rules.extend(lx.rules)
            out[lx.language].allow.extend(lx.allow)
        else:
            out[lx.language] = lx
    return out


def _lang(language: str, text: str) -> str:
    lang = (language or "").lower()
    if lang.startswith("zh") or lang in ("cn", "chinese"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    return "zh" if _CJK.search(text) else "en"


# ---------------------------------------------------------------- rewriting
def _tidy(text: str, lang: str) -> str:
    t = text
    if lang == "zh":
        t = re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])", "", t)
        t = re.sub(r"\s{2,}", " ", t)
        t = re.sub(r"([，、,；;])\s*(?=[，、,。！？!?；;]|$)", "", t)
        t = re.sub(r"^[\s，、,。；;]+", "", t)
        t = re.sub(r"([，、,])[，、,]+", r"\1", t)
    else:
        t = re.sub(r"\s{2,}", " ", t)
        t = re.sub(r"\s+([,.!?;:])", r"\1", t)
        t = re.sub(r",\s*(?=[,.!?])", "", t)
        t = re.sub(r"^[\s,;:]+", "", t)
        t = re.sub(r"\b(a|an)\s+(a|an)\b", r"\2", t, flags=re.I)
        if t and t[0].islower() and text[:1].isupper():
            t = t[0].upper() + t[1:]
    return t.strip()


def rewrite(text: str, findings: Iterable[Finding], language: str = "") -> str:
    """`text` with every finding's span replaced by its replacement (non-overlapping, right to left)."""
    lang = _lang(language, text)
    spans = sorted({(f.start, f.end, f.replacement) for f in findings}, key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int, str]] = []
    for s in spans:
        if kept and s[0] < kept[-1][1]:
            continue
        kept.append(s)
    out = text
    for s, e, rep in reversed(kept):
        if rep and text[s:e][:1].isupper() and rep[:1].islower() and (s == 0 or text[:s].rstrip()[-1:] in ".!?"):
            rep = rep[0].upper() + rep[1:]
        out = out[:s] + rep + out[e:]
    return _tidy(out, lang)


# ---------------------------------------------------------------- matching
def _protected(norm: str, lex: Lexicon, product_names: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for pat in lex.allow:
        spans += [m.span() for m in pat.finditer(norm)]
    low = norm.lower()
    for name in product_names or ():
        n = _fold(str(name)).strip()
        if len(n) < 2:
            continue
        start = low.find(n)
        while start >= 0:
            spans.append((start, start + len(n)))
            start = low.find(n, start + 1)
    return spans


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _starts_inside(span: tuple[int, int], protected: tuple[int, int]) -> bool:
    """A match that starts inside a protected span (a name, an allowed sense) is that span's word;
    one that starts before it is a claim of its own ('全网最低9.9': 全网最低 is, 最低9.9 is not)."""
    return protected[0] <= span[0] < protected[1]


def check_text(text: str, language: str = "", *, category: str = "", product_names: Iterable[str] = (),
               line: int = -1) -> list[Finding]:
    """Findings for one line of ad copy. `category` scopes the medical/efficacy rules; spans inside
    any of `product_names` (product or brand names) are not flagged."""
    if not text or not text.strip():
        return []
    lang = _lang(language, text)
    lex = lexicons().get(lang)
    if lex is None:
        return []
    norm, idx = normalise(text)
    fams = families(category)
    protected = _protected(norm, lex, product_names)
    raw: list[tuple[int, int, Rule, re.Match]] = []
    for rule in lex.rules:
        if not rule.applies_to(fams):
            continue
        for m in rule.pattern.finditer(norm):
            s, e = m.span()
            if e <= s:
                continue
            if any(_starts_inside((s, e), p) for p in protected):
                continue
            raw.append((s, e, rule, m))
    # one finding per span per category: the longest, earliest match wins
    raw.sort(key=lambda r: (r[0], -(r[1] - r[0])))
    kept: list[tuple[int, int, Rule, re.Match]] = []
    for r in raw:
        if any(k[2].category == r[2].category and _overlaps((r[0], r[1]), (k[0], k[1])) for k in kept):
            continue
        if any(_overlaps((r[0], r[1]), (k[0], k[1])) and k[1] - k[0] >= r[1] - r[0] and
               k[2].category in (MEDICAL, EFFICACY) and r[2].category in (MEDICAL, EFFICACY) for k in kept):
            continue
        kept.append(r)
    findings = []
    for s, e, rule, m in kept:
        os_, oe = _map_span(idx, s, e)
        findings.append(Finding(category=rule.category, text=text[os_:oe], line=line, start=os_, end=oe,
                                reason=rule.reason, rule=rule.rule, suggestion="", severity=rule.severity,
                                rule_id=rule.id, replacement=rule.replacement(m)))
    fill_suggestions(text, findings, lang)
    return findings


def fill_suggestions(text: str, findings: list[Finding], language: str = "") -> None:
    """Each finding's suggestion: the line with all of its findings rewritten."""
    if not findings:
        return
    fixed = rewrite(text, findings, language)
    for f in findings:
        f.suggestion = fixed


# ---------------------------------------------------------------- prices
_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)"


cn_number = zh_number  # '九十九' -> 99 (studio/core/text.py)


@dataclass
class PriceMention:
    value: float
    start: int  # span of the number in the original line
    end: int
    kind: str  # "current" | "original" | "unit" (per-day/per-piece, not compared)
    text: str


_ORIGINAL_CUES = re.compile(r"(原价|划线价|专柜价|日常价|原来|平时|市场价|吊牌价|门店价|官方价|originally|regular(?:ly)?(?: price)?|"
                            r"list price|rrp|usually|retail(?: price)?|was)\s*(?:要|是|卖|为|:)?\s*[¥$]?\s*$", re.I)
_UNIT_CUES = re.compile(r"(每天|一天|每片|每包|每次|每顿|平均|相当于|单价|每件|每斤|每瓶|per|a day|each|省|立减|减|优惠|券|满|返|"
                        r"off|save|saving)\s*(?:只要|仅需|才|下来|约)?\s*[¥$]?\s*$", re.I)
_ZH_PRICE = re.compile(rf"[¥￥€£]\s*(?P<a>\d+(?:\.\d+)?)|(?P<b>{_NUM})\s*(?:块|元|圆)(?P<c>[一二三四五六七八九\d](?![\d十百千万件个天月年盒瓶片包斤次]))?(?:钱)?|"
                       rf"(?P<d>\d+(?:\.\d+)?)\s*(?:rmb|RMB)|"
                       rf"(?:原价|现价|到手价|售价|只要|仅需|仅售|只需|秒杀价|活动价|日常价|划线价|专柜价|市场价|吊牌价|门店价|官方价|"
                       rf"券后价|直播价|直播间价)\s*(?:是|为|:)?\s*"
                       rf"(?P<e>{_NUM})(?!\s*(?:块|元|圆|[\d.零〇一二两三四五六七八九十百千万]))(?![件个天月年盒瓶片包斤次折%])")
_EN_PRICE = re.compile(r"[$¥€£]\s*(?P<a>\d+(?:,\d{3})*(?:\.\d+)?)|(?P<b>\d+(?:\.\d+)?)\s*(?:dollars|usd|bucks|yuan|rmb|euros?|eur|pounds|gbp)\b|"
                       r"\b(?:only|just|now|priced\s+at|originally|was)\s+(?P<e>\d+\.\d{2})\b", re.I)


def find_prices(text: str, language: str = "") -> list[PriceMention]:
    lang = _lang(language, text)
    norm, idx = normalise(text)
    out = []
    for m in (_ZH_PRICE if lang == "zh" else _EN_PRICE).finditer(norm):
        gname = next((g for g in "abde" if m.groupdict().get(g)), "b")
        raw = m.group(gname)
        if raw is None:
            continue
        val = cn_number(raw.replace(",", ""))
        if val is None:
            continue
        if lang == "zh" and m.groupdict().get("c"):
            frac = cn_number(m.group("c"))
            if frac is not None and frac < 10:
                val = val + frac / 10
        before = norm[max(0, m.start(gname) - 12):m.start(gname)]
        kind = "current"
        if _ORIGINAL_CUES.search(before):
            kind = "original"
        elif _UNIT_CUES.search(before):
            kind = "unit"
        end = m.end("c") if lang == "zh" and m.groupdict().get("c") else m.end(gname)
        s, e = _map_span(idx, m.start(gname), end)
        out.append(PriceMention(round(val, 2), s, e, kind, text[s:e]))
    return out


_PROMO = re.compile(rf"(?<!最高)(?:立减|直降|立省|优惠|减)(?P<cut>{_NUM})\s*(?:元|块)|买[一二两三四五\d]送[一二两三四五\d]|第二件(?:半价|\d+元|[一二三四五六七八九]折)|满\d+减\d+|"
                    r"(?P<zhe>[一二三四五六七八九\d](?:\.\d|[一二三四五六七八九])?)折|半价|"
                    r"buy\s+(?:one|1)\s+get\s+(?:one|1)(?:\s+free)?|bogo|(?P<pct>\d{1,2})\s*%\s*off|half[- ]price", re.I)


def _num_in(s: str) -> float | None:
    if not s:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if len(s) == 2 and all(c in ZH_DIGITS for c in s):  # 八五折
        return ZH_DIGITS[s[0]] + ZH_DIGITS[s[1]] / 10
    return cn_number(s)


def _fmt_price(v: float) -> str:
    return str(int(v)) if abs(v - round(v)) < 1e-9 else f"{v:.2f}".rstrip("0").rstrip(".")


def _offer_numbers(offer: str) -> set[float]:
    return {round(float(x), 2) for x in re.findall(r"\d+(?:\.\d+)?", normalise(offer)[0])}


def _close(a: float | None, b: float | None, tol: float = 0.011) -> bool:
    return a is not None and b is not None and abs(a - b) <= tol


def check_prices(text: str, language: str, product: Any, line: int = -1) -> list[Finding]:
    """Prices, discounts and promotions spoken in `text` against the sheet's price/original_price/offer."""
    lang = _lang(language, text)
    zh = lang == "zh"
    price = getattr(product, "price", None)
    orig = getattr(product, "original_price", None)
    offer = getattr(product, "offer", "") or ""
    offer_fold = _fold(offer).replace(" ", "")
    offer_nums = _offer_numbers(offer)
    rule = PRICE_RULE_ZH if zh else PRICE_RULE_EN
    out: list[Finding] = []

    def add(cat, s, e, reason, rep, sev="block"):
        out.append(Finding(category=cat, text=text[s:e], line=line, start=s, end=e, reason=reason, rule=rule,
                           suggestion="", severity=sev, rule_id=f"price-{cat}", replacement=rep))

    for pm in find_prices(text, lang):
        if pm.kind == "unit":
            continue
        if pm.kind == "original":
            if orig is None:
                add(PRICE_CLAIM, pm.start, pm.end,
                    "商品表中没有原价，口播中的原价无法证实，虚构原价属于价格欺诈" if zh
                    else "The sheet has no original price, so a spoken original price cannot be backed (fictitious reference price)",
                    _fmt_price(price) if price is not None else pm.text)
            elif not _close(pm.value, orig):
                add(PRICE_MISMATCH, pm.start, pm.end,
                    f"口播原价 {_fmt_price(pm.value)} 与商品表原价 {_fmt_price(orig)} 不一致" if zh
                    else f"Spoken original price {_fmt_price(pm.value)} differs from the sheet's {_fmt_price(orig)}",
                    _fmt_price(orig) + ("元" if re.search("[块元]", pm.text) else ""))
            continue
        if price is None:
            continue
        if _close(pm.value, price) or _close(pm.value, orig) or round(pm.value, 2) in offer_nums:
            continue
        add(PRICE_MISMATCH, pm.start, pm.end,
            f"口播价格 {_fmt_price(pm.value)} 与商品表售价 {_fmt_price(price)} 不一致" if zh
            else f"Spoken price {_fmt_price(pm.value)} differs from the sheet price {_fmt_price(price)}",
            _fmt_price(price) + ("元" if re.search("[块元]", pm.text) else ""))

    norm, idx = normalise(text)
    ratio = price / orig if price and orig else None
    for m in _PROMO.finditer(norm):
        token = m.group(0).lower().replace(" ", "")
        if token in offer_fold:
            continue
        ok = False
        if m.group("zhe"):
            z = _num_in(m.group("zhe"))
            if z is not None and z >= 10 and z < 100:
                z = z / 10
            ok = z is not None and ratio is not None and abs(ratio * 10 - z) <= 0.15
            ok = ok or (z is not None and any(_close(z, n, 0.01) or _close(z * 10, n, 0.01) for n in offer_nums) and "折" in offer_fold)
        elif m.group("pct"):
            pct = float(m.group("pct"))
            ok = ratio is not None and abs((1 - ratio) * 100 - pct) <= 1.5
            ok = ok or (pct in offer_nums and ("%" in offer_fold or "off" in offer_fold))
        elif m.group("cut"):
            cut = cn_number(m.group("cut"))
            ok = cut is not None and (round(cut, 2) in offer_nums or
                                      (price is not None and orig is not None and _close(orig - price, cut, 0.05)))
        elif "半价" in token or "half" in token:
            ok = ratio is not None and abs(ratio - 0.5) <= 0.02
        if ok:
            continue
        s, e = _map_span(idx, *m.span())
        add(PRICE_CLAIM, s, e,
            f"“{text[s:e]}”不在商品表的优惠信息中，未兑现的优惠承诺属于价格欺诈" if zh
            else f'"{text[s:e]}" is not in the sheet\'s offer; promising an offer that does not exist is price fraud',
            "")
    return out


_BACKING = re.compile(r"限时|限量|今[天日晚]|截止|仅剩|只剩|最后|活动|秒杀|涨价|\d+\s*[件份单台]|limited|today|tonight|until|ends|"
                      r"only|last|left|price(?:s)? go up", re.I)


def offer_backs_urgency(offer: str) -> bool:
    return bool(offer and _BACKING.search(normalise(offer)[0]))
