"""PDF documents with correct Chinese text.

ReportLab's built-in CID font STSong-Light needs no font file: viewers supply a Song typeface and
text extraction works through the Unicode CMap, so notices print and can be searched.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar
from xml.sax.saxutils import escape

import qrcode
from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
# Official documents are always issued in Chinese, whatever language the reader's UI is in.
DOCUMENT_LANGUAGE = "zh-hans"

P = ParamSpec("P")
R = TypeVar("R")


def in_document_language(build: Callable[P, R]) -> Callable[P, R]:
    """Build a PDF in Chinese: choice labels (`get_*_display`), gettext strings and dates inside a notice or
    licence follow the active language, and an English-speaking applicant or clerk must still print the
    same legally valid Chinese document. Wraps every public PDF builder."""

    @functools.wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(DOCUMENT_LANGUAGE):
            return build(*args, **kwargs)

    return wrapper
_registered = False


def _ensure_font() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True


def styles() -> dict[str, ParagraphStyle]:
    _ensure_font()
    base = ParagraphStyle("base", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, alignment=TA_CENTER, textColor=colors.grey),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=4),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=14),
    }


def p(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph from plain text (escaped; newlines kept)."""
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def qr_image(url: str, size_mm: float = 28) -> Image:
    img = qrcode.make(url, box_size=4, border=1)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    buffer.seek(0)
    return Image(buffer, width=size_mm * mm, height=size_mm * mm)


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float], header: bool = True) -> Table:
    st = styles()["cell"]
    data = [[c if not isinstance(c, str | int | float) else p(c, st) for c in row] for row in rows]
    t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")))
    t.setStyle(TableStyle(commands))
    return t


def render(flowables: list[Any], title: str, footer: str = "") -> bytes:
    _ensure_font()
    buffer = io.BytesIO()

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=title, author="一窗通办", subject=title)
    doc.build(list(flowables), onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


__all__ = ["A4", "DOCUMENT_LANGUAGE", "Spacer", "in_document_language", "mm", "p", "qr_image", "render", "styles", "table"]
