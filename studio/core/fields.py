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
from dataclasses import dataclass
from pathlib import Path

from ..currency import CURRENCIES, currency_for, is_default, shown, split_marks
from ..media import media_problem
from ..util import is_inside
from .errors import StudioError
from .text import has_han
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
_RANGE_MARK = re.compile(r"(?<=[\d元$¥€£])[-~～—至到](?=\D{0,4}\d)")
_MINUS = re.compile(r"^[-−–]")


@dataclass(frozen=True)
class Money:
    """One price as a cell writes it: the amount and the currency the cell names ("" when none)."""

    amount: float
    currency: str  # ISO 4217 code, "" when the cell has only a number


def _compact(text: str) -> str:
    """Full-width forms folded (NFKC), white space dropped."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _strip_price(text: str) -> tuple[str, set[str]]:
    """A price cell with its labels, units and currency marks taken off (in any order around the
    number), and the currency codes those marks named."""
    cleaned = _compact(text)
    codes: set[str] = set()
    for _ in range(3):
        before = cleaned
        cleaned = _PRICE_LABEL.sub("", cleaned)
        cleaned = _PRICE_TAIL.sub("", cleaned)
        cleaned, found = split_marks(cleaned)
        codes |= found
        if cleaned == before:
            break
    return cleaned, codes


def parse_money(text: str) -> Money | None:
    """A price cell -> Money; None when it is not one price in one currency. Takes what sheets really
    hold: '¥59.9', '59.9元', '$1,299.00', '1.299,00 €', '5 EUR', 'HK$88', full-width digits, a label
    ('到手价69', '券后¥39', 'Now $9'), a unit or a from-price ('59.9元/件', '99起', '包邮'). A range
    ('59.9-79.9'), a negative number or two currencies ('$5元') are not one price (price_problem says why)."""
    cleaned, codes = _strip_price(text)
    if len(codes) > 1 or not re.fullmatch(r"\d[\d.,]*", cleaned) or re.search(r"[.,]{2}", cleaned):
        return None
    if "," in cleaned and "." in cleaned:  # both: the last one is the decimal mark
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in cleaned:  # 1,299 or 12,50
        cleaned = cleaned.replace(",", "." if re.fullmatch(r"\d+,\d{1,2}", cleaned) else "")
    if cleaned.count(".") > 1:
        return None
    return Money(float(cleaned), codes.pop() if codes else "")


def parse_price(text: str) -> float | None:
    """A price cell -> its amount (see parse_money); None when it is not one price."""
    money = parse_money(text)
    return money.amount if money else None


def price_problem(text: str) -> tuple[str, str]:
    """What is wrong with a price cell that parse_money refused, and what to do: (message, hint)."""
    compact = _compact(text)
    if _MINUS.match(compact) and parse_money(_MINUS.sub("", compact)):
        return (f"price '{text}' is below zero", "write the price the buyer pays, e.g. 59.9")
    parts = _RANGE_MARK.split(compact)
    if len(parts) == 2 and all(parse_money(p) for p in parts):
        return (f"price '{text}' is a range, not one price",
                "write the one price the video should show (e.g. the low end, and say 起 / 'from' in the offer)")
    codes = _strip_price(text)[1]
    if len(codes) > 1:
        return (f"price '{text}' names {len(codes)} currencies ({', '.join(sorted(codes))})",
                "write one currency, e.g. ¥59.9 or 59.9元")
    return f"price '{text}' is not a number", "write the price as a number, e.g. 59.9"


_LANGUAGE_NAMES = {"zh": "Chinese", "en": "English"}


def currency_note(price_text: str, amount: float, code: str, language: str) -> tuple[str, str] | None:
    """A warning (message, hint) when a row's price is not in its language's own currency: a '$19.9'
    typed on a Chinese row by habit is shown and said in dollars, so the merchant should know."""
    if is_default(code, language):
        return None
    money, default = CURRENCIES[code], currency_for("", language)
    said = money.zh if language == "zh" else money.en_many
    return (f"price '{price_text}' is in {money.en_many} ({code}) on a {_LANGUAGE_NAMES.get(language, language)} row: "
            f"the video shows {shown(amount, code, language)} and the voice says {said}",
            f"if the shop sells in {default.en_many}, write the price as {default.symbol}{amount:g}")


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


@dataclass
class MediaFound:
    """What an images or recording cell named: the usable files, the errors and the warnings (message, hint)."""

    files: list[Path]
    errors: list[tuple[str, str]]
    warnings: list[tuple[str, str]]


_OUTSIDE_HINT = "it is used (and copied into a project), so check it is the file you meant; keep media next to the sheet"


def check_media(path: Path, item: str, base: Path, found: MediaFound, want: str, what: str) -> None:
    """Add `path` (named `item` in the cell) to `found` if it really is a photo/clip (or a recording);
    a file outside the sheet's folder is used with a warning."""
    if not is_inside(path, base):
        found.warnings.append((f"{what} '{item}' is outside the sheet's folder ({path.resolve()})", _OUTSIDE_HINT))
    why = media_problem(path, want)
    if why:
        hint = ("name a photo or video clip (JPG, PNG, MP4...)" if want == "visual"
                else "name a recording (WAV, MP3, M4A), or clear the cell to use the built-in voice")
        found.errors.append((f"{what} '{item}' {why}", hint))
    else:
        found.files.append(path)


def resolve_images(cell: str, base: Path) -> MediaFound:
    """The photos and clips of an images cell, each checked to be one (see _checked)."""
    found = MediaFound([], [], [])
    missing_hint = "fix the file name, or put the photo next to the sheet"
    for item in (s.strip() for s in _IMAGE_SPLIT.split(cell)):
        if not item:
            continue
        candidate = Path(item).expanduser()
        if not candidate.is_absolute():
            candidate = base / candidate
        if candidate.is_dir() or any(ch in item for ch in "*?["):
            listed = (sorted(candidate.iterdir()) if candidate.is_dir()
                      else sorted(Path(p) for p in glob.glob(str(candidate))))
            listed = [p for p in listed if p.suffix.lower() in _IMAGE_EXTS and p.is_file()]
            if not listed:
                what = f"holds no photos or clips ({candidate})" if candidate.is_dir() else \
                    f"matches no photos or clips (in {base})"
                found.errors.append((f"photo '{item}' {what}", missing_hint))
            for path in listed:
                check_media(path, f"{item}: {path.name}", base, found, "visual", "photo")
            continue
        path, note = find_file(item, base)
        if path is None:
            found.errors.append((f"photo '{item}' {note}", missing_hint))
            continue
        if note:
            found.warnings.append((f"photo {note}", "write the file name as it is, to be sure"))
        check_media(path, item, base, found, "visual", "photo")
    return found


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
    return "zh" if has_han("".join(texts)) else "en"


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
    found = resolve_images(str(cell or ""), Path(base))
    if found.errors:
        raise FieldError("images", *found.errors[0])
    return found.files


# the fields a person types into the products table, by Product attribute
TABLE_PARSERS = {
    "name": parse_name,
    "price": parse_price_field,
    "original_price": parse_original_price,
    "selling_points": parse_selling_points,
    "language": parse_language,
    "platform": parse_platform,
}
