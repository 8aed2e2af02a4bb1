"""The licence as a PDF: Chinese text (CID Song font), the face fields of its template, the seal over the issuer,
the identifier, and a QR code to the public verification page."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.urls import reverse
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Table, TableStyle

from onewindow.core.pdf import FONT, _ensure_font, in_document_language, p, qr_image, styles

from .models import Licence
from .seal import draw_seal


def verify_url(licence: Licence, base_url: str | None = None) -> str:
    base = (base_url or settings.ONEWINDOW_PUBLIC_URL).rstrip("/")
    return f"{base}{reverse('licences:verify', args=[licence.verify_code])}"


def _date(value: Any) -> str:
    return f"{value:%Y年%m月%d日}" if value else "长期"


@in_document_language
def licence_pdf(licence: Licence, base_url: str | None = None) -> bytes:
    _ensure_font()
    st = styles()
    layout = licence.licence_type.layout or {}
    width, height = A4
    buffer = io.BytesIO()
    c = pdfcanvas.Canvas(buffer, pagesize=A4)
    title = str(layout.get("title") or licence.name)
    c.setTitle(f"{title} {licence.serial}")
    c.setAuthor(licence.issuer_name)
    c.setSubject(licence.identifier)

    # Frame
    c.setStrokeColor(colors.HexColor("#8a6d3b"))
    c.setLineWidth(2.2)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setLineWidth(0.6)
    c.rect(14.5 * mm, 14.5 * mm, width - 29 * mm, height - 29 * mm)

    c.setFillColor(colors.black)
    c.setFont(FONT, 30)
    c.drawCentredString(width / 2, height - 42 * mm, title)
    if layout.get("subtitle"):
        c.setFont(FONT, 13)
        c.drawCentredString(width / 2, height - 51 * mm, str(layout["subtitle"]))
    c.setFont(FONT, 10.5)
    c.drawString(24 * mm, height - 60 * mm, f"证照编号：{licence.serial}")
    c.drawRightString(width - 24 * mm, height - 60 * mm, f"版本：{licence.version:03d}")

    holder_label = "统一社会信用代码" if licence.holder_code_type == "001" else "公民身份号码"
    rows = [["持证主体", licence.holder_name], [holder_label, licence.holder_code]]
    rows += [[label, value] for label, value in licence.face_rows()]
    rows += [["有效期", f"{_date(licence.valid_from)} 至 {_date(licence.valid_to)}"],
             ["颁发机构", licence.issuer_name], ["颁发日期", _date(licence.issued_on)]]
    if licence.status != "valid":
        rows.append(["状态", f"{licence.get_status_display()}（{licence.status_reason}）"])
    body = st["body"].clone("lic", fontSize=12, leading=19)
    label_style = body.clone("lic-label", textColor=colors.HexColor("#444444"))
    data = [[p(label, label_style), p(value, body)] for label, value in rows]
    table = Table(data, colWidths=[38 * mm, width - 48 * mm - 38 * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#bbbbbb")),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    _w, h = table.wrapOn(c, width - 48 * mm, height)
    table.drawOn(c, 24 * mm, height - 68 * mm - h)

    # QR code to the verification page, bottom left
    url = verify_url(licence, base_url)
    qr = qr_image(url, size_mm=32)
    qr.drawOn(c, 24 * mm, 40 * mm)
    c.setFont(FONT, 9)
    c.drawString(24 * mm, 35 * mm, "扫码核验真伪、状态和有效期")

    # Issuer, date and the seal over them, bottom right
    c.setFont(FONT, 12)
    c.drawRightString(width - 30 * mm, 62 * mm, licence.issuer_name)
    c.drawRightString(width - 30 * mm, 54 * mm, _date(licence.issued_on))
    authority = licence.authority
    draw_seal(c, width - 58 * mm, 62 * mm, 21 * mm, authority.seal_text or licence.issuer_name,
              authority.seal_subtitle, FONT)

    # Identifier and signature facts
    c.setFillColor(colors.HexColor("#333333"))
    c.setFont(FONT, 8)
    c.drawString(24 * mm, 26 * mm, f"证照标识：{licence.identifier}")
    c.drawString(24 * mm, 22 * mm, f"电子签章：SM2/SM3　密钥指纹 {licence.seal_key.fingerprint}　SM3 摘要 {licence.digest[:32]}…")
    c.drawString(24 * mm, 18 * mm, f"核验地址：{url}")
    c.showPage()
    c.save()
    return buffer.getvalue()
