"""The one-time notice (一次告知单): everything an applicant must bring, on one printable page."""

from __future__ import annotations

from django.utils import timezone

from onewindow.catalog.models import GuideVersion, parse_faq
from onewindow.core import pdf


@pdf.in_document_language
def notice_pdf_bytes(guide: GuideVersion, url: str) -> bytes:
    g = guide.snapshot
    st = pdf.styles()
    flow: list = [
        pdf.p("一次性告知单", st["title"]),
        pdf.p(f"{g['name']}（办事指南第 {guide.number} 版）", st["subtitle"]),
        pdf.Spacer(1, 4 * pdf.mm),
    ]
    limit = "即办件（当场办结）" if g["case_kind"] == "1" else f"承诺 {g['promised_days']} 个工作日（法定 {g['statutory_days']} 个工作日）"
    facts = [
        ["实施主体", g["department"]["name"], "事项类型", g.get("item_type_display", "")],
        ["办理时限", limit, "到现场次数", f"最多 {g['max_visits']} 次"],
        ["是否收费", (g["fee_description"] or "收费") if g["fee_required"] else "不收费", "办理形式", "、".join(g.get("handling_forms_display", []))],
        ["办理地点", g["place"], "办理时间", g["hours"]],
        ["咨询电话", g["consult_phone"], "监督电话", g["supervise_phone"]],
    ]
    flow.append(pdf.table(facts, [24, 62, 24, 64], header=False))
    if g.get("conditions"):
        flow += [pdf.p("一、受理条件", st["h2"]), pdf.p(g["conditions"], st["body"])]
    flow.append(pdf.p("二、申请材料（请一次备齐）", st["h2"]))
    rows = [["序号", "材料名称", "必要性", "形式及份数", "受理标准"]]
    for i, m in enumerate(g.get("materials", []), start=1):
        counts = []
        if m["originals"]:
            counts.append(f"原件{m['originals']}份")
        if m["copies"]:
            counts.append(f"复印件{m['copies']}份")
        rows.append([str(i), m["name"], m["necessity_display"], m["form_display"] + ("，" + "，".join(counts) if counts else ""),
                     m["acceptance_standard"]])
    if len(rows) == 1:
        rows.append(["—", "无需提交材料", "", "", ""])
    flow.append(pdf.table(rows, [10, 62, 16, 36, 50]))
    deferrable = [m["name"] for m in g.get("materials", []) if m["necessity"] == "deferrable"]
    if deferrable:
        flow.append(pdf.p("容缺受理：以下材料暂缺时，签署《容缺受理承诺书》后可先行受理，并在承诺期限内补齐：" + "、".join(deferrable), st["small"]))
    if g.get("process"):
        flow += [pdf.p("三、办理流程", st["h2"]), pdf.p(g["process"], st["body"])]
    if g.get("legal_basis"):
        flow += [pdf.p("四、设定依据", st["h2"]), pdf.p(g["legal_basis"], st["small"])]
    faq = parse_faq(g.get("faq", ""))
    if faq:
        flow.append(pdf.p("五、常见问题", st["h2"]))
        for q, a in faq:
            flow.append(pdf.p(f"问：{q}\n答：{a}", st["small"]))
    flow += [
        pdf.Spacer(1, 5 * pdf.mm),
        pdf.table([[pdf.qr_image(url), pdf.p("扫码查看最新办事指南、在线申请或预约取号。\n本告知单列明了办理本事项所需的全部材料；"
                                             "窗口工作人员不得要求提交清单以外的材料。", st["small"])]], [32, 142], header=False),
    ]
    footer = f"{g['department']['name']} · 实施编码 {g['implementation_code']} · 打印于 {timezone.localtime():%Y-%m-%d %H:%M}"
    return pdf.render(flow, title=f"一次性告知单 {g['name']}", footer=footer)
