from pathlib import Path

import pytest

from studio.sheet import load_sheet, parse_price, split_selling_points
from studio.util import StudioError

from .conftest import dev_listing, make_photo, write_csv

pytestmark = pytest.mark.unit


def test_chinese_headers_relative_images_and_extra_columns(tmp_path: Path):
    make_photo(tmp_path / "a.jpg")
    make_photo(tmp_path / "pics" / "b.png")
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "售价", "卖点", "图片", "类目", "货号"],
                      [["保温杯", "¥59.9", "保温12小时、316不锈钢；轻巧", "a.jpg;pics/b.png", "杯子", "A-001"]])
    s = load_sheet(sheet)
    assert not [p for p in s.problems if p.severity == "error"]
    (p,) = s.products
    assert p.name == "保温杯" and p.price == 59.9 and p.language == "zh"
    assert p.selling_points == ["保温12小时", "316不锈钢", "轻巧"]
    assert [i.name for i in p.images] == ["a.jpg", "b.png"]
    assert p.extra == {"货号": "A-001"}
    assert p.source_row == 2


def test_english_headers_xlsx(tmp_path: Path):
    import openpyxl

    make_photo(tmp_path / "bag.jpg")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Name", "Price", "Selling points", "Images", "Category"])
    ws.append(["Canvas Tote", 24.99, "Heavy canvas; zip pocket", "bag.jpg", "bags"])
    wb.save(tmp_path / "s.xlsx")
    s = load_sheet(tmp_path / "s.xlsx")
    (p,) = s.products
    assert (p.name, p.price, p.language, p.category) == ("Canvas Tote", 24.99, "en", "bags")
    assert p.selling_points == ["Heavy canvas", "zip pocket"]


def test_workbook_with_notes_sheet_title_row_and_blank_rows(tmp_path: Path):
    """As agencies keep them: an instructions sheet first, then the products under a title and a
    blank row. The table is found, and row numbers are the spreadsheet's own."""
    import openpyxl

    make_photo(tmp_path / "a.jpg")
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["填写说明：每行一个商品，图片放在表格旁边"])
    products = wb.create_sheet("商品")
    products.append(["2026 双十一商品清单"])
    products.append([])
    products.append(["商品名称", "价格", "卖点", "图片"])
    products.append(["脐橙", 39.8, "1、甜 2、多汁", "a.jpg"])
    products.append(["", "", "", ""])
    products.append(["坏行", "九块九", "甜", "a.jpg"])
    wb.save(tmp_path / "s.xlsx")
    s = load_sheet(tmp_path / "s.xlsx")
    assert [(p.name, p.price, p.selling_points, p.source_row) for p in s.products] == [("脐橙", 39.8, ["甜", "多汁"], 4)]
    assert [(p.row, p.column) for p in s.problems if p.severity == "error"] == [(6, "价格")]


@pytest.mark.parametrize("delimiter, suffix", [(";", ".csv"), ("\t", ".csv"), ("\t", ".tsv"), (",", ".csv")])
def test_csv_with_semicolons_tabs_or_a_title_row(tmp_path: Path, delimiter, suffix):
    make_photo(tmp_path / "a.jpg")
    lines = ["Product list 2026", delimiter.join(["Name", "Price", "Selling points", "Images"]),
             delimiter.join(["Canvas Tote", "24,99" if delimiter == ";" else "24.99", "Heavy canvas", "a.jpg"])]
    (tmp_path / f"s{suffix}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (p,) = load_sheet(tmp_path / f"s{suffix}").products
    assert (p.name, p.price, p.selling_points, p.source_row) == ("Canvas Tote", 24.99, ["Heavy canvas"], 3)


def test_old_excel_xls(tmp_path: Path):
    import xlwt

    make_photo(tmp_path / "a.jpg")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("商品")
    for r, row in enumerate([["商品清单"], [], ["商品名称", "价格", "卖点", "图片"], ["脐橙", 39.8, "甜；多汁", "a.jpg"],
                             ["坏行", "九块九", "甜", "a.jpg"]]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    wb.save(str(tmp_path / "s.xls"))
    s = load_sheet(tmp_path / "s.xls")
    assert [(p.name, p.price, p.selling_points, p.source_row) for p in s.products] == [("脐橙", 39.8, ["甜", "多汁"], 4)]
    assert [(p.row, p.column) for p in s.problems if p.severity == "error"] == [(5, "价格")]
    (tmp_path / "bad.xls").write_bytes(b"not a workbook")
    with pytest.raises(StudioError, match="bad.xls: could not read the sheet"):
        load_sheet(tmp_path / "bad.xls")


def test_gbk_csv_from_excel(tmp_path: Path):
    make_photo(tmp_path / "a.jpg")
    text = "商品名称,价格,图片\n脐橙,39.8,a.jpg\n"
    (tmp_path / "gbk.csv").write_bytes(text.encode("gb18030"))
    s = load_sheet(tmp_path / "gbk.csv")
    assert s.products[0].name == "脐橙"


def test_bad_rows_are_named_and_good_rows_go_on(tmp_path: Path):
    make_photo(tmp_path / "ok.jpg")
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"], [
        ["好商品", "10", "卖点一", "ok.jpg"],
        ["缺图商品", "10", "卖点", "missing.jpg"],
        ["", "10", "卖点", "ok.jpg"],
        ["价格错", "十块", "卖点", "ok.jpg"],
    ])
    s = load_sheet(sheet)
    assert [p.name for p in s.products] == ["好商品"]
    errors = [p for p in s.problems if p.severity == "error"]
    assert {(p.row, p.column) for p in errors} == {(3, "图片"), (4, "商品名称"), (5, "价格")}
    for p in errors:
        assert str(tmp_path / "s.csv") in str(p) and p.hint, p
    assert "missing.jpg" in str(next(p for p in errors if p.row == 3))


def test_unreadable_file_raises_clear_error(tmp_path: Path):
    with pytest.raises(StudioError, match="file not found"):
        load_sheet(tmp_path / "nope.csv")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(StudioError, match="unsupported sheet type"):
        load_sheet(tmp_path / "x.txt")


@pytest.mark.parametrize("text,value", [
    ("59.9", 59.9), ("¥59.9", 59.9), ("59.9元", 59.9), ("$1,299", 1299.0), ("十块", None), ("abc", None),
    ("¥59.90", 59.9), ("１２９", 129.0), ("￥ 88", 88.0), ("RMB 99", 99.0), ("1,299.00", 1299.0),
    ("1.299,00 €", 1299.0), ("12,50", 12.5), ("到手价69", 69.0), ("券后¥39", 39.0), ("99.00起", 99.0),
    ("59.9 元/件", 59.9), ("Now $9.99", 9.99), ("29.9包邮", 29.9), ("0", 0.0),
    ("59.9-79.9", None), ("面议", None), ("1.2.3", None), ("2 for $10", None), ("12.5k", None), ("", None),
])
def test_parse_price(text, value):
    assert parse_price(text) == value


@pytest.mark.parametrize("cell, points", [
    ("1、保温12小时 2、316不锈钢 3、轻巧便携", ["保温12小时", "316不锈钢", "轻巧便携"]),
    ("①保温12小时②316不锈钢③轻巧", ["保温12小时", "316不锈钢", "轻巧"]),
    ("1.保温12小时\n2.316不锈钢", ["保温12小时", "316不锈钢"]),
    ("(1)保温 (2)轻巧", ["保温", "轻巧"]),
    ("1) Keeps cold 2) BPA free", ["Keeps cold", "BPA free"]),
    ("1. Keeps cold\n2. 24h\n3. BPA free", ["Keeps cold", "24h", "BPA free"]),
    ("【保温】12小时长效保温【材质】316不锈钢", ["保温：12小时长效保温", "材质：316不锈钢"]),
    ("- Keeps drinks cold 24h\n- BPA free", ["Keeps drinks cold 24h", "BPA free"]),
    ("1、保温", ["保温"]),
    ("保温；轻巧|好看", ["保温", "轻巧", "好看"]),
    # numbers that are not list markers stay
    ("2.5L大容量\n3.5mm耳机孔", ["2.5L大容量", "3.5mm耳机孔"]),
    ("1:1还原设计；轻巧", ["1:1还原设计", "轻巧"]),
    ("5G全网通 6.7英寸大屏", ["5G全网通 6.7英寸大屏"]),
    ("【爆款】保温杯", ["【爆款】保温杯"]),
    ("保温12小时，316不锈钢内胆", ["保温12小时，316不锈钢内胆"]),
])
def test_selling_points_as_sheets_write_them(cell, points):
    assert split_selling_points(cell) == points


def test_photos_named_the_way_another_pc_wrote_them_are_found_next_to_the_sheet(tmp_path: Path):
    """A sheet made on a Windows PC (absolute paths, other letter case) with the photos copied next to
    it still renders, with a warning that says which file was used; a web address is explained."""
    (tmp_path / "photos").mkdir()
    make_photo(tmp_path / "Cup.PNG")
    make_photo(tmp_path / "photos" / "lid.jpg")
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片", "配音"], [
        ["A", "9", "x", "C:\\Users\\me\\Desktop\\cup.png", ""],
        ["B", "9", "x", "cup.png;photos\\lid.jpg", ""],
        ["C", "9", "x", "https://img.example.com/cup.jpg", ""],
        ["D", "9", "x", "cup.png", "D:\\rec\\me.m4a"],
    ])
    result = load_sheet(sheet)
    by_name = {p.name: p for p in result.products}
    assert [i.name for i in by_name["A"].images] == ["Cup.PNG"]
    assert [i.name for i in by_name["B"].images] == ["Cup.PNG", "lid.jpg"]
    assert "C" not in by_name and "D" not in by_name
    errors = {p.row: p.message for p in result.problems if p.severity == "error"}
    assert "web address" in errors[4] and "offline" in errors[4]
    assert "me.m4a" in errors[5] and "not found" in errors[5]
    warnings = [p.message for p in result.problems if p.severity == "warning" and p.row == 2]
    assert warnings and "used Cup.PNG" in warnings[0]


def test_a_marketplace_listing_with_attributes_and_an_image_url(tmp_path: Path):
    """As shops export them: a title, price_cny, nested attributes, an image_url. The attributes become
    the selling points when there are none; the web address is explained; a local photo works."""
    import json

    make_photo(tmp_path / "a.jpg")
    rows = [{"title": "谷登GOLDEN 益生菌 5g*20袋", "price_cny": 62.0, "attributes": {"商品属性": "粉剂, 益生菌"},
             "image_url": "https://img.example.com/x.jpg"},
            {"title": "猫抓板", "price_cny": 19.0, "attributes": {"商品属性": "瓦楞纸，耐抓"}, "image_url": "a.jpg"}]
    (tmp_path / "s.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    s = load_sheet(tmp_path / "s.jsonl")
    (p,) = s.products
    assert (p.name, p.price, p.selling_points) == ("猫抓板", 19.0, ["瓦楞纸、耐抓"])
    assert p.extra["商品属性"] == "瓦楞纸，耐抓"
    (err,) = [x for x in s.problems if x.severity == "error"]
    assert err.row == 1 and "web address" in err.message


def test_price_range_and_from_price_are_explained(tmp_path: Path):
    make_photo(tmp_path / "a.png")
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"],
                      [["保温杯", "59.9-79.9", "保温", "a.png"], ["水杯", "19.9元起", "轻巧", "a.png"]])
    result = load_sheet(sheet)
    assert [p.name for p in result.products] == ["水杯"] and result.products[0].price == 19.9
    (rng,) = [p for p in result.problems if p.severity == "error"]
    assert rng.row == 2 and "range" in rng.message and "起" in rng.hint
    (start,) = [p for p in result.problems if p.severity == "warning" and p.column == "价格"]
    assert start.row == 3 and "starting price" in start.message


def test_bundled_example_sheet_is_valid():
    s = load_sheet(Path(__file__).resolve().parent.parent / "examples" / "products.csv")
    assert not s.problems
    langs = [p.language for p in s.products]
    assert langs.count("zh") >= 3 and langs.count("en") >= 1


def test_jsonl_marketplace_export(tmp_path: Path):
    """One listing per line, as exported from a marketplace: nested attributes become columns."""
    import json

    make_photo(tmp_path / "a.jpg")
    rows = [
        {"id": "epet_1", "title": "加拿大原装进口 爱肯拿Acana 无谷深海鱼配方全犬粮 6kg", "price_cny": 550.0,
         "attributes": {"商品属性": "全体型犬, 全年龄犬, 鱼肉"}, "images": "a.jpg"},
        {"id": "epet_2", "title": "谷登GOLDEN 益生菌 5g*20袋", "price_cny": "abc", "images": "a.jpg"},
    ]
    path = tmp_path / "listings.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    s = load_sheet(path)
    (p,) = s.products
    assert p.name.startswith("加拿大原装进口") and p.price == 550.0 and p.language == "zh"
    assert p.extra["商品属性"] == "全体型犬, 全年龄犬, 鱼肉" and p.extra["id"] == "epet_1"
    (bad,) = [x for x in s.problems if x.severity == "error"]
    assert bad.row == 2 and bad.column == "price_cny"


def test_jsonl_bad_line_names_the_line(tmp_path: Path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"name": "a"}\n{oops\n', encoding="utf-8")
    with pytest.raises(StudioError, match="line 2"):
        load_sheet(path)


def test_rows_with_the_same_name_get_their_own_video_files(tmp_path: Path):
    """Two rows of one product (say two prices for two platforms) must not overwrite each other's video."""
    make_photo(tmp_path / "a.png")
    long = "超长名字" * 20
    sheet = load_sheet(write_csv(tmp_path / "s.csv", ["商品名称", "价格", "图片"], [
        ["保温杯", "59.9", "a.png"], ["保温杯", "49.9", "a.png"], ["Tote", "9", "a.png"], ["tote", "8", "a.png"],
        [long, "1", "a.png"], [long + "乙", "2", "a.png"]]))
    stems = [p.slug for p in sheet.products]
    assert len({s.casefold() for s in stems}) == 6, stems
    assert stems[:4] == ["保温杯", "保温杯_row3", "Tote", "tote_row5"] and stems[5].endswith("_row7") and len(stems[5]) <= 60
    warnings = [p for p in sheet.problems if p.severity == "warning" and "file name" in p.message]
    assert [(p.row, p.column) for p in warnings] == [(3, "name"), (5, "name"), (7, "name")]
    assert "row 2" in warnings[0].message and "保温杯_row3.mp4" in warnings[0].hint
    assert all(p.severity != "error" for p in sheet.problems)


@pytest.mark.parametrize("text,amount,currency", [
    ("€5", 5.0, "EUR"), ("5 EUR", 5.0, "EUR"), ("¥19.9", 19.9, "CNY"), ("19.9元", 19.9, "CNY"), ("$19.9", 19.9, "USD"),
    ("HK$88", 88.0, "HKD"), ("US$5", 5.0, "USD"), ("1.299,00 €", 1299.0, "EUR"), ("£3.50", 3.5, "GBP"),
    ("5港元", 5.0, "HKD"), ("RMB 99", 99.0, "CNY"), ("券后¥39", 39.0, "CNY"), ("59.9", 59.9, ""), ("99起", 99.0, ""),
])
def test_a_price_keeps_the_currency_its_cell_names(text, amount, currency):
    from studio.sheet import parse_money

    money = parse_money(text)
    assert (money.amount, money.currency) == (amount, currency)


@pytest.mark.parametrize("text,reason", [
    ("-5", "below zero"), ("−5", "below zero"), ("$5元", "2 currencies"), ("¥59.9-¥79.9", "range"), ("abc", "not a number"),
])
def test_a_price_that_is_not_one_price_says_why(text, reason):
    from studio.sheet import parse_money, price_problem

    assert parse_money(text) is None and reason in price_problem(text)[0]


def test_attributes_inside_another_are_said_once(tmp_path: Path):
    """epet_110288 (美贝 宠物用感冒药): 商品属性 '感冒,感冒药' said '感冒药', once; other attribute sets are
    one natural point of several tags, never one-word points."""
    import json

    make_photo(tmp_path / "a.jpg")
    rows = []
    for listing_id in ("epet_110288", "epet_167781", "epet_250502"):
        row = dev_listing(listing_id)
        rows.append({"title": row["title"], "price": row["price"], "attributes": row["attributes"], "images": "a.jpg"})
    (tmp_path / "s.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    points = [p.selling_points for p in load_sheet(tmp_path / "s.jsonl").products]
    assert points == [["感冒药"], ["膏状、化毛膏、麦芽"], ["片剂、牛磺酸"]]


def test_a_bullet_listed_twice_is_said_once(tmp_path: Path):
    """amzin-B08VB57558 (Samsung Galaxy S20 FE) lists bullets twice over; the sheet keeps each once."""
    row = dev_listing("amzin-B08VB57558")
    make_photo(tmp_path / "a.jpg")
    sheet = write_csv(tmp_path / "s.csv", ["name", "price", "features", "images"],
                      [[row["title"], row["price"], "\n".join(row["bullets"]), "a.jpg"]])
    (p,) = load_sheet(sheet).products
    twice = [b for b in row["bullets"] if row["bullets"].count(b) > 1]
    assert twice
    assert len(p.selling_points) == len(set(p.selling_points))
    assert sum(point == twice[0] for point in p.selling_points) == 1
