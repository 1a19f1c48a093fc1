"""One parser per product field, shared by the sheet loader (studio/sheet.py) and the app's products
table, so a cell means the same wherever it is typed.

Each `parse_*` function takes the text of a cell and returns the field's typed value, or raises
`FieldError` (a StudioError) whose message says what is wrong and whose hint says what to do. The
sheet turns a FieldError into a Problem for its file, row and column; the table refuses the edit
and shows the message.
"""
from __future__ import annotations

import glob
import re
import unicodedata
from pathlib import Path

from .errors import StudioError
from .vocab import LANGUAGES, PLATFORMS, VISUAL_EXTS, language_id, media_kind, platform_id


class FieldError(StudioError):
    """A cell a field cannot take: `message` says what is wrong, `hint` what to do. `severity` is
    'error' when the product cannot be made from it, 'warning' when a usable value was still read."""

    def __init__(self, field: str, message: str, hint: str = "", severity: str = "error") -> None:
        super().__init__(f"{message} ({hint})" if hint else message)
        self.field, self.message, self.hint, self.severity = field, message, hint, severity


# ---------------------------------------------------------------- selling points

_POINT_SPLIT = re.compile(r"[、；;|\n]+|(?<!\d)/(?!\d)")
# an enumeration marker: 1、 2. 3) (4) ① ❷ ⑶ ("2.5L" and "1:1" are not one)
_NUMBERED = r"(?:\d{1,2}(?:[、)）]|[:：.．](?!\d))|[（(]\d{1,2}[)）])\s*"
_CIRCLED = r"[\u2460-\u2473\u2776-\u277f\u2474-\u2487]\s*"
# a numbered marker at the start or after a space or separator; a circled number anywhere
_POINT_MARKER = re.compile(r"(?:^|(?<=[\s;；、,，。|]))" + _NUMBERED + "|" + _CIRCLED)
_LABEL_POINT = re.compile(r"【([^】]{1,12})】\s*([^【]*)")
_LINE_NUMBER = re.compile(r"(?m)^[ \t]*(\d{1,2})([.．、)）:：])[ \t]*(?=(.?))")
_LEADING_MARKER = re.compile(f"^(?:{_NUMBERED}|{_CIRCLED})")


def split_selling_points(text: str) -> list[str]:
    """A selling-points cell -> the points: split on 、 ； ; | / and new lines, on enumeration markers
    ('1、保温 2、轻巧', '①保温②轻巧', '1) … 2) …'), and on 【label】 heads ('【保温】12小时' ->
    '保温：12小时'); bullets and markers are dropped, so the voice never reads '1' as a point."""
    labelled = _LABEL_POINT.findall(text)
    if len(labelled) >= 2:
        text = "\n".join(f"{label.strip()}：{body.strip(' ，,；;')}" if body.strip(" ，,；;") else label.strip()
                         for label, body in labelled)
    marks = _LINE_NUMBER.findall(text)  # (number, mark, next character)
    if (len(marks) >= 2 and [int(n) for n, _, _ in marks] == list(range(1, len(marks) + 1))
            and any(mark not in ".．" or not nxt.isdigit() for _, mark, nxt in marks)):
        text = _LINE_NUMBER.sub("", text)  # "1.保温\n2.316不锈钢": numbered lines, even before a digit
    if len(_POINT_MARKER.findall(text)) >= 2:
        text = _POINT_MARKER.sub("\n", text)
    points = [_LEADING_MARKER.sub("", p.strip(" \t-•·*●▪■◆◇★☆✔✓")).strip(" ，,。")
              for p in _POINT_SPLIT.split(text)]
    return [p for p in points if p and not re.fullmatch(r"[\d\s.、)）(（]+", p)]


# ---------------------------------------------------------------- prices

_PRICE_LABEL = re.compile(r"^(?:到手价?|券后价?|活动价|现价|售价|秒杀价|直播价|特价|价格|单价|优惠价|团购价|拼团价|会员价"
                          r"|折后价?|price|now|only|sale|from)[:：]?", re.I)
_PRICE_TAIL = re.compile(r"(?:包邮|起售?|/[^\d/]{1,4}|每[件个盒瓶袋只斤套份]|each|ea\.?)$", re.I)
_CURRENCY = re.compile(r"^(?:[¥￥$€£]|rmb|cny|usd|us\$)|(?:[¥￥$€£]|元|圆|块钱?|rmb|cny|usd|dollars?)$", re.I)
_PRICE_RANGE = re.compile(r"^[¥￥$]?\d[\d.,]*(?:元)?[-~～—至到][¥￥$]?\d[\d.,]*(?:元)?$")


def _compact(text: str) -> str:
    """Full-width forms folded (NFKC), white space dropped."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_price(text: str) -> float | None:
    """A price cell -> float; None when it is not one price. Takes what sheets really hold: '¥59.9',
    '59.9元', '$1,299.00', '1.299,00 €', full-width digits, a label ('到手价69', '券后¥39', 'Now $9'),
    a unit or a from-price ('59.9元/件', '99起', '包邮'). A range ('59.9-79.9') is not one price."""
    cleaned = _compact(text)
    for _ in range(3):  # labels, units and currency marks, in any order around the number
        before = cleaned
        cleaned = _PRICE_LABEL.sub("", cleaned)
        cleaned = _PRICE_TAIL.sub("", cleaned)
        cleaned = _CURRENCY.sub("", cleaned)
        if cleaned == before:
            break
    if not re.fullmatch(r"\d[\d.,]*", cleaned) or re.search(r"[.,]{2}", cleaned):
        return None
    if "," in cleaned and "." in cleaned:  # both: the last one is the decimal mark
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in cleaned:  # 1,299 or 12,50
        cleaned = cleaned.replace(",", "." if re.fullmatch(r"\d+,\d{1,2}", cleaned) else "")
    if cleaned.count(".") > 1:
        return None
    return float(cleaned)


def price_problem(text: str) -> tuple[str, str] | None:
    """What is wrong with a price cell that parse_price refused, and what to do: (message, hint)."""
    if _PRICE_RANGE.match(_compact(text)):
        return (f"price '{text}' is a range, not one price",
                "write the one price the video should show (e.g. the low end, and say 起 / 'from' in the offer)")
    return f"price '{text}' is not a number", "write the price as a number, e.g. 59.9"



# ---------------------------------------------------------------- photos, clips, recordings

_IMAGE_SPLIT = re.compile(r"[;；|\n,，]+")
_IMAGE_EXTS = VISUAL_EXTS  # photos and clips
_WEB = re.compile(r"^(?:https?:)?//|^www\.", re.I)


def find_file(item: str, base: Path) -> tuple[Path | None, str]:
    """A file named in a sheet cell -> (path, note). Relative names are looked up next to the sheet.
    A sheet made on another PC still works when the file sits next to it: a Windows path
    ('C:\\Users\\me\\a.jpg') or a name in other letter case ('A.JPG') is found there, and the note
    says where it was found. (None, reason) when it is not there; a web address gets its own reason."""
    if _WEB.match(item):
        return None, "is a web address; the studio works offline: save the file next to the sheet and write its name"
    windows = "\\" in item or re.match(r"^[A-Za-z]:", item)
    candidate = Path(item.replace("\\", "/") if windows else item).expanduser()
    if not candidate.is_absolute() and not re.match(r"^[A-Za-z]:", item):
        candidate = base / candidate
    if candidate.is_file():
        return candidate, ""
    for folder, name in ((candidate.parent, candidate.name), (base, candidate.name)):
        if folder.is_dir():
            same = next((p for p in sorted(folder.iterdir()) if p.name.lower() == name.lower() and p.is_file()), None)
            if same is not None:
                return same, f"'{item}' was not there; used {same.name} found in {folder}"
    return None, f"not found (looked in {base})"


def resolve_images(cell: str, base: Path) -> tuple[list[Path], list[tuple[str, str]], list[str]]:
    """The photos and clips of an images cell: (found, [(item, why not found)], notes)."""
    images: list[Path] = []
    missing: list[tuple[str, str]] = []
    notes: list[str] = []
    for item in (s.strip() for s in _IMAGE_SPLIT.split(cell)):
        if not item:
            continue
        candidate = Path(item).expanduser()
        if not candidate.is_absolute():
            candidate = base / candidate
        if candidate.is_dir():
            found = sorted(p for p in candidate.iterdir() if p.suffix.lower() in _IMAGE_EXTS)
            images.extend(found) if found else missing.append((item, f"holds no photos or clips ({candidate})"))
        elif any(ch in item for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(str(candidate)) if Path(p).suffix.lower() in _IMAGE_EXTS)
            images.extend(found) if found else missing.append((item, f"matches no photos or clips (in {base})"))
        else:
            path, note = find_file(item, base)
            if path is None:
                missing.append((item, note))
            else:
                images.append(path)
                if note:
                    notes.append(note)
    return images, missing, notes


# ---------------------------------------------------------------- one parser per field


def parse_name(text: str) -> str:
    """The product's name: any text but none."""
    name = str(text or "").strip()
    if not name:
        raise FieldError("name", "the product has no name", "fill in the product name (商品名称)")
    return name


def parse_price_field(text: str, field: str = "price") -> float | None:
    """A price cell (see parse_price for what it takes); None when the cell is empty."""
    text = str(text or "").strip()
    if not text:
        return None
    value = parse_price(text)
    if value is None:
        raise FieldError(field, *price_problem(text))
    return value


def parse_original_price(text: str) -> float | None:
    """The original (crossed-out) price, read like the price."""
    return parse_price_field(text, "original_price")


def parse_selling_points(text: str) -> list[str]:
    """A selling-points cell -> the points (see split_selling_points); [] for an empty cell."""
    return split_selling_points(str(text or ""))


def parse_language(text: str) -> str:
    """'zh' or 'en' for a language as sheets and people write it (zh, 中文, Chinese, zh-CN, en, English…)."""
    text = str(text or "").strip()
    lang = language_id(text)
    if lang is None:
        what = f"language '{text}' is not one the studio speaks" if text else "no language given"
        raise FieldError("language", what, f"write {' or '.join(LANGUAGES)} (中文 or English)")
    return lang


def detect_language(*texts: str) -> str:
    """'zh' when the texts hold Chinese characters, else 'en' (for a row that names no language)."""
    return "zh" if re.search(r"[\u4e00-\u9fff]", "".join(texts)) else "en"


def parse_platform(text: str) -> str:
    """The platform as written (templates may say it; 抖音 stays 抖音), or 'douyin' for an empty cell;
    a platform the studio does not know is a warning (the video gets the default safe zones)."""
    text = str(text or "").strip()
    if not text:
        return "douyin"
    if platform_id(text) is None:
        raise FieldError("platform", f"platform '{text}' is not one the studio knows; the video uses "
                         f"{PLATFORMS['douyin'].name_en}'s safe zones", f"write one of {', '.join(PLATFORMS)}",
                         "warning")
    return text


def check_visual(path: str | Path) -> Path:
    """A file added as a product photo or clip must be one (by its extension)."""
    path = Path(path)
    if media_kind(path) not in ("photo", "clip"):
        raise FieldError("images", f"{path.name}: not a photo or clip",
                         "use .jpg, .png, .webp, .mp4, .mov…")
    return path


def parse_images(cell: str, base: Path) -> list[Path]:
    """An images cell -> the photos and clips it names (looked up next to `base`); a name that is not
    found is an error naming it."""
    images, missing, _notes = resolve_images(str(cell or ""), Path(base))
    if missing:
        item, why = missing[0]
        raise FieldError("images", f"photo '{item}' {why}", "fix the file name, or put the photo next to the sheet")
    return images


# the fields a person types into the products table, by Product attribute
TABLE_PARSERS = {
    "name": parse_name,
    "price": parse_price_field,
    "original_price": parse_original_price,
    "selling_points": parse_selling_points,
    "language": parse_language,
    "platform": parse_platform,
}
