"""Static export of a Plotly figure with a Chinese title, rendered through kaleido and the system chromium."""
from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import plotly.graph_objects as go

from shiwu_lib import charts

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def test_cjk_font_is_installed():
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert out.strip(), "no font with Chinese glyphs: install fonts-noto-cjk (make test does)"
    assert "Noto Sans CJK SC" in out, "charts name Noto Sans CJK SC first; it is missing"


def test_png_export_with_chinese_title():
    from PIL import Image  # pillow comes with the stack (matplotlib-free check of the pixels)

    fig = go.Figure(go.Bar(x=["扩投资", "先进制造", "科技创新"], y=[12, 7, 9], marker_color="#2e6fd6"))
    charts.style(fig, "十项重大工程 目标数（静态导出测试）")
    out = ARTIFACTS / "static-export" / "chinese-title.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    charts.write_png(fig, out, width=800, height=450, scale=1)
    assert out.exists() and out.stat().st_size > 5_000
    assert png_size(out) == (800, 450)
    img = Image.open(out).convert("L")
    # not blank: many distinct grey levels, and dark text/bar pixels present
    hist = img.histogram()
    assert sum(1 for h in hist if h) > 20
    dark = sum(hist[:100])
    assert dark > 500, "image looks blank"
    # the title strip holds dark glyph pixels (CJK characters rendered, not an empty band)
    title = img.crop((0, 0, 800, 60))
    assert sum(title.histogram()[:120]) > 300, "no title glyphs rendered"
