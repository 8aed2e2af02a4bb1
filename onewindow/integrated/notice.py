"""Printed documents of integrated services (Chinese PDFs through onewindow.core.pdf):

* `plan_notice_pdf(plan_dict, url)` — the one-time notice (一次告知单) of a plan: the situation as answered,
  every item with its department and days, the merged materials (each kind once), what is produced in the
  process, the working days, fees, visits, the joint inspection and notes — each line with its "because".
* `correction_notice_pdf(bundle, url)` — the combined correction notice (合并一次性告知) the window hands over
  when some items of a bundle miss materials: every missing material once, with the items waiting on it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from onewindow.cases.choices import Status
from onewindow.core import pdf

from .choices import MaterialStatus

NECESSITY = {"required": "必要", "deferrable": "容缺", "optional": "非必要"}
FORMS = {"original": "原件", "copy": "复印件", "both": "原件和复印件", "electronic": "电子材料"}


def _counts(m: dict[str, Any]) -> str:
    parts = [FORMS.get(m["form"], m["form"])]
    if m.get("originals"):
        parts.append(f"原件{m['originals']}份")
    if m.get("copies"):
        parts.append(f"复印件{m['copies']}份")
    return "，".join(parts)


@pdf.in_document_language
def plan_notice_pdf(plan: dict[str, Any], url: str) -> bytes:
    st = pdf.styles()
    service = plan["service"]
    item_names = {i["code"]: i["name"] for i in plan["items"]}
    flow: list[Any] = [
        pdf.p("一次性告知单（一件事）", st["title"]),
        pdf.p(f"{service['name']}（第 {service['version']} 版办理规则）", st["subtitle"]),
        pdf.Spacer(1, 4 * pdf.mm),
    ]
    fee_total = plan["fees"]["total"]
    fees = "不收费" if not plan["fees"]["lines"] else (
        f"合计 {fee_total} 元" + ("，另有按指南收取的费用" if plan["fees"]["has_unpriced"] else ""))
    visits = plan["visits"]["count"]
    flow.append(pdf.table([
        ["办理事项", f"{len(plan['items'])} 项，涉及 {len(plan['departments'])} 个部门（单位）", "承诺时限",
         f"{plan['days']['total']} 个工作日"],
        ["到现场次数", "无需到现场" if visits == 0 else f"最多 {visits} 次", "收费", fees],
        ["联合踏勘", "需要，一次联合踏勘" if plan["inspection"]["required"] else "不需要", "申请方式", "一次告知、一表申请、一套材料、一次提交"],
    ], [24, 62, 24, 64], header=False))

    answered = [q for q in plan["questions"] if q["show_on_notice"] and q["answer"]]
    if answered:
        flow.append(pdf.p("一、您的情形", st["h2"]))
        flow.append(pdf.table([["情形", "您的选择"]] + [[q["text"], "、".join(a["text"] for a in q["answer"])]
                                                         for q in answered], [90, 84]))

    flow.append(pdf.p("二、需要办理的事项", st["h2"]))
    rows = [["序号", "事项", "办理部门（科室）", "时限", "为什么要办"]]
    for n, item in enumerate(plan["items"], start=1):
        dept = item["department"] + (f"（{item['section']}）" if item["section"] else "")
        rows.append([str(n), item["name"], dept, f"{item['days']} 个工作日" if item["days"] else "即办", item["why"]])
    flow.append(pdf.table(rows, [10, 44, 44, 20, 56]))
    flow.append(pdf.p(f"办理时限：{plan['days']['total']} 个工作日。{plan['days']['why']}。并联办理的事项取最长时限，"
                      "前后衔接的事项时限相加。", st["small"]))

    flow.append(pdf.p("三、需要提交的材料（同一种材料只交一份）", st["h2"]))
    requested = [m for m in plan["materials"] if m["status"] == MaterialStatus.REQUEST]
    rows = [["序号", "材料名称", "必要性", "形式及份数", "为什么要交"]]
    for n, m in enumerate(requested, start=1):
        why = m["why"] + (f"。{m['notes']}" if m["notes"] else "")
        rows.append([str(n), m["name"], NECESSITY.get(m["necessity"], m["necessity"]), _counts(m), why])
    if len(rows) == 1:
        rows.append(["—", "无需提交材料", "", "", ""])
    flow.append(pdf.table(rows, [10, 56, 14, 34, 60]))
    deferrable = [m["name"] for m in requested if m["necessity"] == "deferrable"]
    if deferrable:
        flow.append(pdf.p("容缺受理：以下材料暂缺时，签署承诺书后可先行受理，并在承诺期限内补齐：" + "、".join(deferrable), st["small"]))

    supplied = [m for m in plan["materials"] if m["status"] != MaterialStatus.REQUEST]
    if supplied:
        flow.append(pdf.p("四、无需提交的材料", st["h2"]))
        rows = [["材料名称", "原因"]]
        for m in supplied:
            reason = (f"办理过程中产生，无需提交：由「{m['produced_by_name']}」办理结果提供"
                      if m["status"] == MaterialStatus.PRODUCED else "由一件事综合申请表替代，只需填写一张表")
            rows.append([m["name"], reason])
        flow.append(pdf.table(rows, [74, 100]))

    flow.append(pdf.p("五、收费、到现场次数和踏勘", st["h2"]))
    lines = [[f["name"], f"{f['amount']} 元" if f["amount"] is not None else (f["description"] or "按指南收取"), f["why"]]
             for f in plan["fees"]["lines"]]
    lines.append(["到现场次数", "无需到现场" if visits == 0 else f"最多 {visits} 次", plan["visits"]["why"] or "—"])
    if plan["inspection"]["required"]:
        reasons = "；".join(f"{r['text']}（{r['why']}）" for r in plan["inspection"]["reasons"])
        lines.append(["联合踏勘", "一次联合踏勘", reasons])
    if not plan["fees"]["lines"]:
        lines.insert(0, ["收费", "不收费", "—"])
    flow.append(pdf.table([["项目", "内容", "原因"]] + lines, [40, 40, 94]))

    if plan["notes"]:
        flow.append(pdf.p("六、注意事项", st["h2"]))
        for note in plan["notes"]:
            flow.append(pdf.p(f"· {note['text']}" + (f"（{note['why']}）" if note["why"] else ""), st["small"]))

    flow += [
        pdf.Spacer(1, 5 * pdf.mm),
        pdf.table([[pdf.qr_image(url), pdf.p(
            "扫码查看本告知单、在线申请。\n本告知单根据您选择的情形一次性列明了办理本一件事需要的全部事项和材料；"
            "窗口工作人员不得要求提交清单以外的材料。本一件事包含：" + "、".join(item_names.values()) + "。", st["small"])]],
            [32, 142], header=False),
    ]
    footer = f"一件事 {service['name']} · 第 {service['version']} 版 · 打印于 {timezone.localtime():%Y-%m-%d %H:%M}"
    return pdf.render(flow, title=f"一次性告知单 {service['name']}", footer=footer)


@pdf.in_document_language
def correction_notice_pdf(bundle: Any, url: str) -> bytes:
    """The combined correction notice of a bundle (the children under correction, merged by material)."""
    st = pdf.styles()
    plan = bundle.plan
    merged_names = {m["key"]: m["name"] for m in plan.get("materials", [])}
    rows: dict[str, list[str]] = {}
    note = ""
    for case in bundle.cases:
        if case.status != Status.CORRECTION:
            continue
        request = next((c for c in case.corrections.all() if c.received_at is None), None)
        if request is None:
            continue
        note = note or request.note
        for entry in request.items:
            material = next((m for m in case.materials.all() if m.name == entry.get("material")), None)
            key = (material.kind or f"name:{material.name}") if material else f"name:{entry.get('material')}"
            rows.setdefault(merged_names.get(key, entry.get("material", "")), []).append(case.item.name)
    flow: list[Any] = [
        pdf.p("一次性补正告知书（一件事合并告知）", st["title"]),
        pdf.p(bundle.name, st["subtitle"]),
        pdf.Spacer(1, 4 * pdf.mm),
        pdf.p(f"申请人：{bundle.applicant.masked_name}　　收件时间：{timezone.localtime(bundle.created_at):%Y-%m-%d %H:%M}"
              f"　　收件中心：{bundle.centre.name}", st["body"]),
        pdf.p("您申请的一件事中，以下材料尚需补正。同一材料只需提交一份，补齐后一次提交，各事项一并办理。", st["body"]),
    ]
    table = [["序号", "需补正的材料", "等待该材料的事项"]]
    for n, (name, items) in enumerate(rows.items(), start=1):
        table.append([str(n), name, "、".join(dict.fromkeys(items))])
    if len(table) == 1:
        table.append(["—", "无需补正", ""])
    flow.append(pdf.table(table, [12, 90, 72]))
    if note:
        flow.append(pdf.p(note, st["small"]))
    flow.append(pdf.p("各事项办件编号：" + "；".join(f"{c.item.name} {c.number}" for c in bundle.cases), st["small"]))
    flow += [pdf.Spacer(1, 4 * pdf.mm),
             pdf.table([[pdf.qr_image(url), pdf.p("扫码查看整件办理进度（查询密码见收件凭证）。", st["small"])]],
                       [32, 142], header=False)]
    footer = f"{bundle.centre.name} · 打印于 {timezone.localtime():%Y-%m-%d %H:%M}"
    return pdf.render(flow, title=f"一次性补正告知书 {bundle.name}", footer=footer)
