"""The seal's picture: a red circular seal (outer ring, star, the authority's name along the upper arc, the
subtitle below the star). One geometry, drawn as vectors into PDFs (reportlab, with the CID Song font, so no
font file is needed) and as inline SVG for web pages. It illustrates the seal; the proof is the SM2 signature."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

RED = "#c8161d"


@dataclass(frozen=True)
class Glyph:
    char: str
    x: float
    y: float
    rotate: float  # degrees, counter-clockwise, reportlab convention


def _arc_glyphs(text: str, radius: float) -> list[Glyph]:
    """Characters spread over the upper arc from 215° to -35°, each upright along the tangent."""
    chars = list(text)[:24]
    if not chars:
        return []
    start, end = 205.0, -25.0
    span = start - end
    step = span / max(len(chars) - 1, 1) if len(chars) > 1 else 0
    if len(chars) <= 6:  # short names: keep them together at the top instead of spreading thinly
        step = min(step, 30.0)
        start = 90 + step * (len(chars) - 1) / 2
    glyphs = []
    for i, char in enumerate(chars):
        angle = math.radians(start - i * step)
        glyphs.append(Glyph(char, radius * math.cos(angle), radius * math.sin(angle), math.degrees(angle) - 90))
    return glyphs


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.382
        a = math.radians(90 + i * 36)
        points.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return points


def draw_seal(canvas: Any, cx: float, cy: float, radius: float, title: str, subtitle: str, font: str) -> None:
    """Draw the seal centred at (cx, cy) on a reportlab canvas (points)."""
    from reportlab.lib import colors

    red = colors.HexColor(RED)
    canvas.saveState()
    canvas.setStrokeColor(red)
    canvas.setFillColor(red)
    canvas.setLineWidth(radius * 0.045)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    path = canvas.beginPath()
    star = _star(cx, cy, radius * 0.26)
    path.moveTo(*star[0])
    for point in star[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    size = radius * (0.30 if len(title) <= 14 else 0.22)
    for glyph in _arc_glyphs(title, radius * 0.74):
        canvas.saveState()
        canvas.translate(cx + glyph.x, cy + glyph.y)
        canvas.rotate(glyph.rotate)
        canvas.setFont(font, size)
        canvas.drawCentredString(0, -size * 0.35, glyph.char)
        canvas.restoreState()
    if subtitle:
        sub = radius * 0.17
        canvas.setFont(font, sub)
        canvas.drawCentredString(cx, cy - radius * 0.62, subtitle)
    canvas.restoreState()


def seal_svg(title: str, subtitle: str, size: int = 140) -> str:
    """The same seal as an inline SVG (y grows downwards in SVG, so angles are mirrored)."""
    r = 46.0
    c = 50.0
    star = " ".join(f"{c + x - c:.2f},{2 * c - y:.2f}" for x, y in _star(c, c, r * 0.26))
    font_size = r * (0.30 if len(title) <= 14 else 0.22)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="{size}" height="{size}" role="img" '
        f'aria-label="{escape(title)} {escape(subtitle)}" class="seal">',
        f'<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="{RED}" stroke-width="{r * 0.045:.2f}"/>',
        f'<polygon points="{star}" fill="{RED}"/>',
    ]
    for g in _arc_glyphs(title, r * 0.74):
        x, y = c + g.x, c - g.y
        parts.append(f'<text x="{x:.2f}" y="{y:.2f}" font-size="{font_size:.2f}" fill="{RED}" text-anchor="middle" '
                     f'dominant-baseline="central" transform="rotate({-g.rotate:.2f} {x:.2f} {y:.2f})">{escape(g.char)}</text>')
    if subtitle:
        parts.append(f'<text x="{c}" y="{c + r * 0.6:.2f}" font-size="{r * 0.17:.2f}" fill="{RED}" '
                     f'text-anchor="middle" dominant-baseline="central">{escape(subtitle)}</text>')
    parts.append("</svg>")
    return "".join(parts)
