"""Product sheets: CSV, XLSX, JSON or YAML, with Chinese or English headers.

A bad row is reported with file, row and column and what to do; the other rows still go on.
Unknown columns are kept in `Product.extra` so templates can use them.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

# the cell parsers are shared with the app's products table (studio/core/fields.py); these names
# stay importable from here
from .core.fields import (FieldError, MediaFound, Money, check_media, currency_note, detect_language,  # noqa: F401
                          find_file, parse_language, parse_money, parse_name, parse_platform, parse_price,
                          price_problem, resolve_images, split_selling_points)
from .currency import UnknownCurrency, parse_currency
from .marketplace import attribute_points, dedupe_points
from .safeyaml import YamlLimitError, load_yaml
from .types import Problem, Product, Sheet
from .core.text import has_han
from .util import StudioError, decode_utf8_or_gbk

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

_NUMBERED_POINT = re.compile(r"^(?:卖点|亮点|sellingpoint|point|feature)(\d+)$")


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

        try:
            name = parse_name(fields.get("name", ""))
        except FieldError as exc:
            name = ""
            problem("name", exc.message, exc.hint)
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

        found = resolve_images(fields.get("images", ""), path.parent)
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
                heard = MediaFound([], [], [])
                check_media(recording, item, path.parent, heard, "recording", "voice recording")
                for message, hint in heard.errors:
                    problem("recording", message, hint)
                for message, hint in heard.warnings:
                    problem("recording", message, hint, "warning")
                recording = heard.files[0] if heard.files else None

        language = detect_language(name, *points)
        if fields.get("language", "").strip():
            try:
                language = parse_language(fields["language"])
            except FieldError as exc:
                problem("language", exc.message, f"{exc.hint}; read as {language} from the row's words", "warning")
        try:
            platform = parse_platform(fields.get("platform", ""))
        except FieldError as exc:
            platform = fields["platform"]
            problem("platform", exc.message, exc.hint, "warning")
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
                platform=platform,
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
