"""Build templates/<name>/preview.png for every bundled template (360x640, no TTS, no video).

For each template: a sample product that fits its category and language (photos from
examples/photos), the script (variant 0, seed 0), line timings estimated from the text (4.5
characters a second for Chinese, 2.6 words a second for English, divided by the template's speed),
the timeline the real render would use, and one still inside the first selling-point scene. The
still also gets the caption of the line being spoken there, drawn the way the burned-in captions
look (size, colours and bottom margin from the template style), so the preview shows the caption
size too.

    PYTHONPATH=. python scripts/make_previews.py            # all bundled templates
    PYTHONPATH=. python scripts/make_previews.py zh_promo    # just these
"""
from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from studio.render import VideoStyle, build_timeline, render_still  # noqa: E402
from studio.render.compositor import wrap_text  # noqa: E402
from studio.script import generate_script, load_template  # noqa: E402
from studio.script.templates import Template  # noqa: E402
from studio.types import Captions, LineSpan, Product, Script, Voiceover  # noqa: E402
from studio.util import TEMPLATES_DIR  # noqa: E402

PHOTOS = ROOT / "examples" / "photos"
WIDTH, HEIGHT = 360, 640
MAX_BYTES = 150_000
LINE_GAP = 0.3  # seconds between narrated lines

# category -> (photos, zh sample, en sample); the photos are the bundled thermos, earbuds, oranges, tote
SAMPLES: dict[str, tuple[str, dict, dict]] = {
    "beauty": ("thermos_2 thermos_1", dict(
        name="花语水润保湿乳液 100ml", price=89.0, original_price=129.0, category="乳液", audience="上班族",
        selling_points=["质地清爽不黏腻", "上妆前用不搓泥", "按压泵头用量好控制"], offer="买就送旅行装小样"), dict(
        name="Dewy Daily Lotion 100ml", price=19.99, original_price=26.0, category="lotion", audience="busy mornings",
        selling_points=["Light texture that sinks in fast", "Sits well under makeup", "Pump top for easy dosing"],
        offer="Free mini with every order")),
    "apparel": ("tote_1 tote_2", dict(
        name="帆布通勤托特包", price=79.0, original_price=119.0, category="托特包", audience="通勤族",
        selling_points=["加厚帆布挺括耐用", "内置拉链暗袋", "能放下15寸笔记本"], offer="下单送同色挂饰"), dict(
        name="Everyday Canvas Tote", price=24.99, original_price=34.99, category="tote bag", audience="commuters",
        selling_points=["Heavy cotton canvas that lasts", "Inner zip pocket for your keys", "Fits a 15-inch laptop"],
        offer="Free shipping over $30")),
    "food": ("oranges_1 oranges_2", dict(
        name="赣南脐橙 5斤装", price=39.8, original_price=None, category="脐橙", audience="一家老小",
        selling_points=["果园现摘现发", "酸甜多汁", "产地直发48小时到家"], offer="", extra={"产地": "江西赣南"}), dict(
        name="Navel Oranges 5 lb Box", price=18.5, original_price=None, category="oranges", audience="families",
        selling_points=["Picked to order at the grove", "Sweet and juicy", "Ships within 48 hours"],
        offer="Free shipping this week")),
    "appliance": ("thermos_1 thermos_2", dict(
        name="小熊迷你电热水壶 0.8L", price=99.0, original_price=139.0, category="电热水壶", audience="宿舍和出差党",
        selling_points=["一体无缝内胆好清洗", "烧开自动断电", "0.8升小巧不占地"], offer=""), dict(
        name="Mini Electric Kettle 0.8L", price=29.99, original_price=39.99, category="kettle", audience="small kitchens",
        selling_points=["Seamless inner pot, easy to clean", "Switches off when it boils", "Small enough for any counter"],
        offer="")),
    "baby": ("thermos_2 thermos_1", dict(
        name="宝宝保温吸管杯 300ml", price=69.0, original_price=99.0, category="儿童水杯", audience="一岁以上宝宝",
        selling_points=["吸管防呛设计", "杯身轻巧好抓握", "零件拆开好清洗"], offer="送一个替换吸管"), dict(
        name="Kids Straw Cup 300ml", price=16.99, original_price=None, category="kids cup", audience="toddlers",
        selling_points=["Soft straw with a flip lid", "Light and easy to hold", "Comes apart for cleaning"],
        offer="")),
    "digital": ("earbuds_2 earbuds_1", dict(
        name="声悦真无线蓝牙耳机", price=129.0, original_price=199.0, category="蓝牙耳机", audience="学生",
        selling_points=["主动降噪", "单次续航8小时", "佩戴轻盈不压耳"], offer="今天下单送收纳包"), dict(
        name="SoundJoy Wireless Earbuds", price=39.99, original_price=59.99, category="earbuds", audience="students",
        selling_points=["Active noise cancelling", "Eight hours per charge", "Light, secure fit"],
        offer="Free case with every order today")),
    "pets": ("tote_2 tote_1", dict(
        name="宠物外出便携包", price=89.0, original_price=129.0, category="宠物背包", audience="新手铲屎官",
        selling_points=["三面透气网窗", "底部加厚不塌", "可折叠好收纳"], offer=""), dict(
        name="PawGo Pet Carrier Bag", price=32.0, original_price=45.0, category="pet carrier", audience="small dogs and cats",
        selling_points=["Mesh windows on three sides", "Firm base that keeps its shape", "Folds flat to store"],
        offer="")),
    "local": ("oranges_2 oranges_1", dict(
        name="果然鲜果切店 双人果切套餐", price=29.9, original_price=45.0, category="果切", audience="逛街的朋友",
        selling_points=["当天现切现卖", "六种应季水果", "店里有座位可以歇脚"], offer="周一到周五可用",
        extra={"地址": "人民路88号"}), dict(
        name="Fresh Cut Fruit Bar Duo Box", price=9.9, original_price=14.0, category="fruit bar", audience="shoppers",
        selling_points=["Cut fresh every morning", "Six seasonal fruits", "Seats to rest inside"],
        offer="Valid Monday to Friday", extra={"address": "88 Main Street"})),
    "general": ("thermos_1 thermos_2", dict(
        name="小熊不锈钢保温杯 500ml", price=59.9, original_price=89.0, category="保温杯", audience="上班族",
        selling_points=["316不锈钢内胆", "保温12小时", "一键开盖单手喝"], offer="前100名下单送杯套"), dict(
        name="Everyday Steel Bottle 500ml", price=19.99, original_price=24.99, category="water bottle",
        audience="commuters",
        selling_points=["Keeps drinks hot for 12 hours", "One-button flip lid", "Light at 260 grams"],
        offer="Free sleeve with every order")),
}


def sample_product(template: Template) -> Product:
    """A product that fits the template's category and language, with the two nearest photos."""
    photos, zh, en = SAMPLES.get(template.category, SAMPLES["general"])
    fields = dict(zh if template.language == "zh" else en)
    images = [PHOTOS / f"{p}.jpg" for p in photos.split()]
    images = [p for p in images if p.exists()] or sorted(PHOTOS.glob("*.jpg"))
    platform = "tiktok" if template.language == "en" else "douyin"
    return Product(language=template.language, images=images, platform=platform, **fields)


def estimate_line(text: str, language: str, speed: float) -> float:
    """Seconds to speak one line: 4.5 Chinese characters or 2.6 English words a second."""
    if language == "zh":
        units = len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z]+|\d", text)) / 4.5
    else:
        units = len(text.split()) / 2.6
    return max(0.6, units / max(speed, 0.1))


def fake_voiceover(script: Script, speed: float, audio_path: Path) -> Voiceover:
    """Line spans from the text length; the audio file is never read for a still."""
    spans, t = [], 0.2
    for index, scene in enumerate(script.scenes):
        for line in scene.lines:
            d = estimate_line(line, script.language, speed)
            spans.append(LineSpan(text=line, start=round(t, 3), end=round(t + d, 3), scene=index))
            t += d + LINE_GAP
    return Voiceover(audio_path=audio_path, sample_rate=24000, duration=round(t + 0.3, 3), lines=spans,
                     voice="preview", synthetic=True)


def preview_frame(script: Script, voiceover: Voiceover, fps: int) -> tuple[int, LineSpan]:
    """A frame a little into the first selling-point scene (after the overlay fades in)."""
    kinds = [s.kind for s in script.scenes]
    target = kinds.index("point") if "point" in kinds else 0
    # the longest line of the scene: the one that carries the selling point
    span = max((s for s in voiceover.lines if s.scene == target), key=lambda s: s.end - s.start)
    t = span.start + min(0.6, 0.5 * (span.end - span.start))
    return int(round(t * fps)), span


def draw_caption(img: Image.Image, text: str, style: VideoStyle, language: str) -> None:
    """The caption page as the burned-in subtitles show it: up to two lines, centred above the
    bottom safe zone, outlined, the first words in the highlight colour (karaoke)."""
    cs = style.caption_style()
    font = ImageFont.truetype(str(style.font_path), style.caption_size)
    text = text.strip().rstrip("。.!！,，;；")
    lines = wrap_text(text, font, style.caption_max_width, max_lines=2)
    if not lines:
        return
    d = ImageDraw.Draw(img)
    stroke = max(1, cs.outline)
    line_h = int(style.caption_size * 1.25)
    y0 = style.height - cs.margin_v - line_h * len(lines)
    sung = max(1, len(text) // 3)  # the part already spoken, in the highlight colour
    done = 0
    for i, line in enumerate(lines):
        w = font.getlength(line)
        x = cs.margin_l + (style.width - cs.margin_l - cs.margin_r - w) / 2
        y = y0 + i * line_h
        d.text((x, y), line, font=font, fill=style.text, stroke_width=stroke, stroke_fill=(0, 0, 0))
        k = max(0, min(len(line), sung - done))
        if k:
            d.text((x, y), line[:k], font=font, fill=style.highlight, stroke_width=stroke, stroke_fill=(0, 0, 0))
        done += len(line) + (0 if language == "zh" else 1)


def save_small(img: Image.Image, path: Path, max_bytes: int = MAX_BYTES) -> int:
    """PNG under max_bytes: full colour if it fits, else an adaptive palette with fewer colours."""
    for colors in (None, 256, 128, 64):
        im = img if colors is None else img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        buf = io.BytesIO()
        im.save(buf, "PNG", optimize=True)
        if buf.tell() <= max_bytes or colors == 64:
            path.write_bytes(buf.getvalue())
            return buf.tell()
    raise AssertionError("unreachable")


def make_preview(template: Template, out: Path | None = None) -> Path:
    product = sample_product(template)
    script = generate_script(product, template, variant=0, seed=0)
    speed = float(template.style.get("speed") or 1.0)
    voiceover = fake_voiceover(script, speed, audio_path=product.images[0])
    captions = Captions(pages=[], language=script.language, source="script-aligned")
    style = VideoStyle.from_template(template.style, width=WIDTH, height=HEIGHT, platform=product.platform)
    timeline = build_timeline(product, script, voiceover, captions, style)
    frame, span = preview_frame(script, voiceover, timeline.fps)
    img = render_still(timeline, frame).convert("RGB")
    draw_caption(img, span.text, style, script.language)
    path = out or (template.folder / "preview.png")
    save_small(img, path)
    return path


def bundled_templates(names: list[str]) -> list[Template]:
    folders = sorted(p for p in TEMPLATES_DIR.iterdir() if (p / "template.yaml").exists())
    if names:
        folders = [f for f in folders if f.name in names]
    return [load_template(f) for f in folders]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="template names (default: every bundled template)")
    args = ap.parse_args(argv)
    for template in bundled_templates(args.names):
        path = make_preview(template)
        print(f"{template.name:<22} {path.stat().st_size / 1024:6.1f} KB  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
