"""Product sheets: CSV, XLSX, JSON or YAML, with Chinese or English headers.

A bad row is reported with file, row and column and what to do; the other rows still go on.
Unknown columns are kept in `Product.extra` so templates can use them.
"""
from __future__ import annotations

import csv
import glob
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .core.text import has_han
from .currency import CURRENCIES, UnknownCurrency, currency_for, is_default, parse_currency, shown, split_marks
from .media import CLIP_EXTS, PHOTO_EXTS, media_problem
from .safeyaml import YamlLimitError, load_yaml
from .marketplace import attribute_points, dedupe_points
from .types import Problem, Product, Sheet
from .util import StudioError, decode_utf8_or_gbk, is_inside

MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell; a longer cell is refused for its row only
MAX_YAML_BYTES = 20 * 1024 * 1024  # a YAML sheet of ten thousand products is a few MB

# canonical field -> header synonyms (compared case-insensitively, spaces/underscores ignored)
FIELD_SYNONYMS: dict[str, list[str]] = {
    "name": ["name", "product", "productname", "title", "商品名称", "商品名", "品名", "名称", "标题", "产品名称", "产品"],
    "price": ["price", "saleprice", "price_cny", "price_rmb", "price_usd", "价格", "售价", "现价", "到手价", "活动价", "单价"],
    "original_price": ["originalprice", "listprice", "msrp", "原价", "划线价", "市场价"],
    "selling_points": ["sellingpoints", "sellingpoint", "features", "highlights", "卖点", "亮点", "产品卖点", "特点"],
    "images": ["images", "image", "photos", "photo", "pictures", "picture", "imageurl", "imageurls", "img", "imgurl",
               "pic", "picurl", "图片", "主图", "商品图片", "照片", "图", "主图链接", "图片链接", "图片地址"],
    # listing attributes ("全体型犬, 全年龄犬, 鱼肉"): said as selling points when the sheet has none
    "attributes": ["attributes", "商品属性", "属性", "产品属性", "规格参数", "产品参数"],
    "category": ["category", "类目", "品类", "分类", "类别"],
    "audience": ["audience", "target", "targetaudience", "人群", "目标人群", "适用人群", "受众"],
    "platform": ["platform", "平台", "投放平台"],
    "language": ["language", "lang", "语言"],
    "brand": ["brand", "品牌"],
    "offer": ["offer", "promotion", "优惠", "活动", "促销"],
    "currency": ["currency", "currencycode", "货币", "币种", "币别", "货币单位"],
    "recording": ["recording", "voiceover", "voice", "配音", "录音", "口播", "自己的配音"],
}

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
_IMAGE_SPLIT = re.compile(r"[;；|\n,，]+")
_NUMBERED_POINT = re.compile(r"^(?:卖点|亮点|sellingpoint|point|feature)(\d+)$")
_LANGS = {"zh": "zh", "中文": "zh", "cn": "zh", "zh-cn": "zh", "chinese": "zh", "en": "en", "英文": "en", "english": "en"}
_IMAGE_EXTS = PHOTO_EXTS | CLIP_EXTS  # photos and clips


def _norm_header(h: str) -> str:
    return re.sub(r"[\s_\-()（）]+", "", str(h)).lower()


_HEADER_TO_FIELD = {_norm_header(s): field for field, syns in FIELD_SYNONYMS.items() for s in syns}


def load_sheet(path: str | Path) -> Sheet:
    """Read a product sheet. Raises StudioError only when the file as a whole cannot be read."""
    path = Path(path)
    if not path.exists():
        raise StudioError(f"{path}: file not found (check the path, or pick the sheet again)")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            rows = _read_csv(path)
        elif suffix in (".xlsx", ".xlsm"):
            rows = _read_xlsx(path)
        elif suffix == ".xls":
            rows = _read_xls(path)
        elif suffix == ".json":
            rows = _read_records(json.loads(path.read_text(encoding="utf-8-sig")), path)
        elif suffix in (".jsonl", ".ndjson"):  # one product per line, as marketplace exports often are
            rows = _read_jsonl(path)
        elif suffix in (".yaml", ".yml"):
            rows = _read_records(load_yaml(path, MAX_YAML_BYTES), path)
        else:
            raise StudioError(f"{path}: unsupported sheet type '{suffix}' (use .csv, .tsv, .xlsx, .xls, .json, .jsonl or .yaml)")
    except StudioError:
        raise
    except YamlLimitError as exc:
        raise StudioError(f"{path}: the sheet was not read: {exc}") from exc
    except Exception as exc:  # a corrupt file: say which and why
        raise StudioError(f"{path}: could not read the sheet ({exc}); re-export it as UTF-8 CSV or XLSX") from exc
    return _parse_rows(rows, path)


def _known_headers(cells: list[Any]) -> int:
    """How many cells of a row are column names the studio knows."""
    return sum(1 for c in cells if c is not None and str(c).strip()
               and (_norm_header(str(c)) in _HEADER_TO_FIELD or _NUMBERED_POINT.match(_norm_header(str(c)))))


def _table(path: Path, grid: list[list[Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a grid under its header row, with their spreadsheet row numbers. The header row is
    the first of the top ten with two or more known column names (a title or notes above the table
    are skipped); the first row when none is."""
    header_at = next((i for i, cells in enumerate(grid[:10]) if _known_headers(cells) >= 2), 0)
    if not grid or not any(str(c).strip() for c in grid[header_at] if c is not None):
        raise StudioError(f"{path}: the sheet is empty (the first row must hold column names)")
    names = [str(h).strip() if h is not None else "" for h in grid[header_at]]
    rows = []
    for i, values in enumerate(grid[header_at + 1:], start=header_at + 2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append((i, {n: v for n, v in zip(names, values) if n}))
    return rows


def _table_sheet(tops: list[list[list[Any]]]) -> int | None:
    """Which worksheet holds the products, from the top rows of each: the first with a known header
    row (a notes or instructions sheet may come first), else the first non-empty one."""
    found = next((i for i, top in enumerate(tops) if any(_known_headers(cells) >= 2 for cells in top)), None)
    return found if found is not None else next((i for i, top in enumerate(tops) if top), None)


def _workbook_table(path: Path, tops: list[list[list[Any]]], read) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a workbook's product worksheet (see _table_sheet), from the top rows of every
    worksheet and `read(i)`, which gives worksheet i whole."""
    pick = _table_sheet(tops)
    if pick is None:
        raise StudioError(f"{path}: the workbook is empty (the first row must hold column names)")
    return _table(path, read(pick))


def _read_csv(path: Path) -> list[tuple[int, dict[str, Any]]]:
    text = decode_utf8_or_gbk(path.read_bytes())
    if text is None:
        raise StudioError(f"{path}: the text encoding is neither UTF-8 nor GBK; save it as 'CSV UTF-8' in Excel")
    lines = text.splitlines()[:10]
    # Excel saves ';' where the decimal mark is ',' and tabs for "Text (Tab delimited)"
    delimiter = max(",;\t|", key=lambda d: max((_known_headers(line.split(d)) for line in lines), default=0)
                    * 100 + sum(line.count(d) for line in lines[:1]))
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    # the csv module stops at 128 KB a field and refuses the whole file; an oversized cell is
    # refused for its own row instead (MAX_CELL_CHARS, in _parse_rows)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    grid = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return _table(path, grid)


def _read_xlsx(path: Path) -> list[tuple[int, dict[str, Any]]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:  # look at the top of every worksheet, then read only the one holding the products
        tops = [[list(r) for r in ws.iter_rows(max_row=10, values_only=True)] for ws in wb.worksheets]
        return _workbook_table(path, tops, lambda i: [list(r) for r in wb.worksheets[i].iter_rows(values_only=True)])
    finally:
        wb.close()


def _read_xls(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """An Excel 97-2003 workbook (xlrd); read like an .xlsx."""
    import xlrd

    book = xlrd.open_workbook(str(path))
    grids = []
    for sheet in book.sheets():
        grid = []
        for r in range(sheet.nrows):
            row = []
            for cell in sheet.row(r):
                if cell.ctype == xlrd.XL_CELL_EMPTY:
                    row.append(None)
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                else:
                    row.append(cell.value)
            grid.append(row)
        grids.append(grid)
    return _workbook_table(path, [g[:10] for g in grids], grids.__getitem__)


def _read_records(data: Any, path: Path) -> list[tuple[int, dict[str, Any]]]:
    if isinstance(data, dict):
        data = data.get("products", data.get("商品", [data]))
    if not isinstance(data, list):
        raise StudioError(f"{path}: expected a list of products (or a 'products' list)")
    rows = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise StudioError(f"{path}: product #{i + 1} is not a mapping of field names to values")
        rows.append((i + 1, item))
    return rows


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StudioError(f"{path}, line {n}: not valid JSON ({exc.msg}); each line must be one product") from exc
        if not isinstance(item, dict):
            raise StudioError(f"{path}, line {n}: expected a product (a JSON object), not {type(item).__name__}")
        rows.append((n, item))
    return rows


def _flatten(row: dict[str, Any]) -> dict[str, Any]:
    """Nested mappings (a listing's {"attributes": {"商品属性": ...}}) become their own columns."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for k2, v2 in _flatten(value).items():
                out.setdefault(str(k2), v2)
        else:
            out[key] = value
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "\n".join(_cell(v) for v in value)
    return str(value).strip()


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
class _Found:
    """What an images or recording cell named: the usable files, the errors and the warnings (message, hint)."""

    files: list[Path]
    errors: list[tuple[str, str]]
    warnings: list[tuple[str, str]]


_OUTSIDE_HINT = "it is used (and copied into a project), so check it is the file you meant; keep media next to the sheet"


def _checked(path: Path, item: str, base: Path, found: _Found, want: str, what: str) -> None:
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


def _resolve_images(cell: str, base: Path) -> _Found:
    """The photos and clips of an images cell, each checked to be one (see _checked)."""
    found = _Found([], [], [])
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
                _checked(path, f"{item}: {path.name}", base, found, "visual", "photo")
            continue
        path, note = find_file(item, base)
        if path is None:
            found.errors.append((f"photo '{item}' {note}", missing_hint))
            continue
        if note:
            found.warnings.append((f"photo {note}", "write the file name as it is, to be sure"))
        _checked(path, item, base, found, "visual", "photo")
    return found


def _parse_rows(rows: list[tuple[int, dict[str, Any]]], path: Path) -> Sheet:
    file = str(path)
    products: list[Product] = []
    problems: list[Problem] = []
    for row_no, row in rows:
        row = _flatten(row)
        fields: dict[str, str] = {}
        headers: dict[str, str] = {}
        numbered_points: list[tuple[int, str]] = []
        extra: dict[str, str] = {}
        for header, value in row.items():
            if header is None:
                continue
            key = _norm_header(header)
            text = _cell(value)
            field = _HEADER_TO_FIELD.get(key)
            m = _NUMBERED_POINT.match(key)
            if m:
                if text:
                    numbered_points.append((int(m.group(1)), text))
                headers.setdefault("selling_points", str(header))
            elif field and field not in fields:
                fields[field] = text
                headers[field] = str(header)
                if field == "attributes":  # templates still see the column itself
                    extra[str(header)] = text
            else:
                extra[str(header)] = text
        if not any(fields.values()) and not numbered_points and not any(extra.values()):
            continue  # blank row

        row_problems: list[Problem] = []
        for header, value in row.items():
            text = _cell(value) if header is not None else ""
            if len(text) > MAX_CELL_CHARS:
                field = _HEADER_TO_FIELD.get(_norm_header(header))
                row_problems.append(Problem(
                    file, f"the cell holds {len(text):,} characters; a cell may hold at most {MAX_CELL_CHARS:,} "
                    "(Excel's own limit)", "shorten it to what the video should say; the other rows are read",
                    row=row_no, column=headers.get(field, str(header)) if field else str(header)))

        def problem(field: str, message: str, hint: str, severity: str = "error") -> None:
            row_problems.append(
                Problem(file, message, hint, row=row_no, column=headers.get(field, field), severity=severity)
            )

        name = fields.get("name", "")
        if not name:
            problem("name", "the product has no name", "fill in the product name (商品名称)")
        price_text = fields.get("price", "")
        money = parse_money(price_text) if price_text else None
        price = money.amount if money else None
        if price_text and money is None:
            problem("price", *price_problem(price_text))
        elif price == 0:
            problem("price", f"price '{price_text}' is 0: the video would say the product is free",
                    "write the price the buyer pays, or clear the cell to show no price")
        elif price is not None and re.search(r"起|from", price_text, re.I):
            problem("price", f"price '{price_text}' is a starting price; the video shows {price:g}",
                    "make sure the script says 起 / 'from', or write the exact price", "warning")
        elif not price_text:
            problem("price", "no price given", "the video will not show a price tag", severity="warning")
        try:
            column_currency = parse_currency(fields.get("currency", ""))
        except UnknownCurrency as exc:
            problem("currency", str(exc), "write the currency's code, or clear the cell for the language's own")
            column_currency = ""
        currency = money.currency if money else ""
        if money and money.currency and column_currency and money.currency != column_currency:
            problem("currency", f"the price '{price_text}' is in {money.currency} but the currency column says "
                    f"{column_currency}", "make them agree, or clear the currency cell")
        currency = currency or column_currency
        original_text = fields.get("original_price", "")
        original = parse_money(original_text) if original_text else None
        original_price = original.amount if original else None
        if original_text and original is None:
            problem("original_price", f"original {price_problem(original_text)[0]}; the video shows no original price",
                    "write the original price as a number, e.g. 79.9", "warning")
        elif original and original.currency and currency and original.currency != currency:
            problem("original_price", f"the original price '{original_text}' is in {original.currency} but the price "
                    f"'{price_text}' is in {currency}", "write both prices in the same currency")

        points = split_selling_points(fields.get("selling_points", ""))
        points += [text for _, text in sorted(numbered_points)]
        points = dedupe_points([p for p in points if p])  # a bullet listed twice is said once
        if not points and fields.get("attributes"):
            tags = split_selling_points(re.sub(r"[,，]\s*", "；", fields["attributes"]))
            # short tags ("全体型犬, 全年龄犬, 鱼肉") read as one point, not three one-word points; a tag
            # inside another ("感冒, 感冒药") is said once
            is_zh = has_han(name + fields["attributes"])
            points = attribute_points(tags, "zh" if is_zh else "en")
        if not points:
            problem("selling_points", "no selling points", "add 2-4 selling points separated by 、 or ;", "warning")

        found = _resolve_images(fields.get("images", ""), path.parent)
        images = found.files
        for message, hint in found.errors:
            problem("images", message, hint)
        for message, hint in found.warnings:
            problem("images", message, hint, "warning")
        if not images and not found.errors:
            problem("images", "no product photo", "add at least one photo path (图片)")

        recording = None
        if fields.get("recording"):
            item = fields["recording"]
            recording, note = find_file(item, path.parent)
            if recording is None:
                problem("recording", f"voice recording '{item}' {note}",
                        "fix the file name, or clear the cell to use the built-in voice")
            else:
                if note:
                    problem("recording", f"voice recording {note}", "write the file name as it is, to be sure",
                            "warning")
                heard = _Found([], [], [])
                _checked(recording, item, path.parent, heard, "recording", "voice recording")
                for message, hint in heard.errors:
                    problem("recording", message, hint)
                for message, hint in heard.warnings:
                    problem("recording", message, hint, "warning")
                recording = heard.files[0] if heard.files else None

        language = _LANGS.get(fields.get("language", "").strip().lower(), "")
        if not language:
            language = "zh" if has_han(name + "".join(points)) else "en"
        if price and currency:
            note = currency_note(price_text, price, currency, language)
            if note:
                problem("price", *note, severity="warning")

        problems.extend(row_problems)
        if any(p.severity == "error" for p in row_problems):
            continue
        products.append(
            Product(
                name=name,
                price=price,
                original_price=original_price,
                selling_points=points,
                images=images,
                category=fields.get("category", ""),
                audience=fields.get("audience", ""),
                platform=fields.get("platform", "") or "douyin",
                language=language,
                brand=fields.get("brand", ""),
                offer=fields.get("offer", ""),
                currency=currency,
                recording=recording,
                extra=extra,
                source_file=file,
                source_row=row_no,
            )
        )
    if not rows:
        problems.append(Problem(file, "the sheet has no product rows", "add one product per row under the header"))
    problems += give_clashing_names_their_own_files(products, file)
    return Sheet(path=path, products=products, problems=problems)


def give_clashing_names_their_own_files(products: list[Product], file: str) -> list[Problem]:
    """Rows whose videos would get the same file name (the same product name, or names equal once
    made safe for a file system that ignores case) get their row number in it, so no video
    overwrites another's; each is reported as a warning."""
    from .util import safe_filename

    first_row: dict[str, int | None] = {}
    problems: list[Problem] = []
    for position, product in enumerate(products, 1):
        key = product.slug.casefold()
        if key not in first_row:
            first_row[key] = product.source_row if product.source_row is not None else position
            continue
        suffix = f"_row{product.source_row if product.source_row is not None else position}"
        product.output_name = (safe_filename(product.name)[:60 - len(suffix)] or "product") + suffix
        problems.append(Problem(
            file, f"'{product.name}' would share its video file name with row {first_row[key]}",
            f"its videos are named {product.output_name}.mp4 so neither overwrites the other; give the rows "
            "different names to choose the file names yourself", row=product.source_row, column="name",
            severity="warning"))
    return problems
