"""The written notices of a case (收件凭证, 受理通知书, 不予受理通知书, 补正材料通知书, 容缺受理承诺书,
准予 / 不予许可决定书) as printable PDFs.

They are printed for the applicant, so they carry what the applicant needs (their name, the case number,
the query password on the receipt, the tracking QR code) and nothing about anybody else. Natural persons'
ID numbers are still shown masked (first 6 + last 4): the applicant knows their own number, and a lost
paper or a forwarded PDF should not publish it. Credit codes of enterprises are public and shown in full.

`notice_pdf(case, kind, base_url)` and `available_notices(case)` are the public interface: the staff case
page and the applicant's tracking page (views_public) both use them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from onewindow.core import pdf
from onewindow.core.masking import mask_id_number, mask_phone

from .choices import DONE_STATUSES, Action, ApplicantKind, MaterialStatus, Status
from .models import Case, CaseEvent, CaseMaterial, CorrectionRequest

RECEIPT = "receipt"
ACCEPTANCE = "acceptance"
REFUSAL = "refusal"
CORRECTION = "correction"
PENDING_PROMISE = "pending_promise"
DECISION = "decision"

# Order in which the notices are offered (the order they arise in a case's life).
NOTICE_KINDS = [RECEIPT, ACCEPTANCE, REFUSAL, CORRECTION, PENDING_PROMISE, DECISION]

NOTICE_TITLES = {
    RECEIPT: "收件凭证",
    ACCEPTANCE: "受理通知书",
    REFUSAL: "不予受理通知书",
    CORRECTION: "补正材料通知书",
    PENDING_PROMISE: "容缺受理承诺书",
    DECISION: "行政许可决定书",
}

DECIDED_STATUSES = {*DONE_STATUSES, Status.REVOKED}
REMEDY = ("如不服本决定，可以自收到本文书之日起六十日内依法申请行政复议，"
          "或者在六个月内依法向人民法院提起行政诉讼。")


# ---------------------------------------------------------------------------------------------
# Which notices exist for a case


def _materials(case: Case) -> list[CaseMaterial]:
    cache = getattr(case, "_prefetched_objects_cache", {})
    if "materials" in cache:
        return list(cache["materials"])
    return list(case.materials.all())


def _corrections(case: Case) -> list[CorrectionRequest]:
    cache = getattr(case, "_prefetched_objects_cache", {})
    if "corrections" in cache:
        return list(cache["corrections"])
    return list(case.corrections.all())


def available_notices(case: Case) -> list[str]:
    """The notice kinds that exist for `case` in its current state, in the order they arise.

    Uses the case's prefetched `materials` and `corrections` when present (no extra queries on a detail page).
    """
    kinds = []
    if case.status != Status.SUBMITTED:
        kinds.append(RECEIPT)  # every case a window (or a pre-review) has received
    if case.accepted_at is not None:
        kinds.append(ACCEPTANCE)
    if case.status == Status.REFUSED:
        kinds.append(REFUSAL)
    if _corrections(case):
        kinds.append(CORRECTION)
    if any(m.promised_by for m in _materials(case)):
        kinds.append(PENDING_PROMISE)
    if case.status in DECIDED_STATUSES and case.completed_at is not None:
        kinds.append(DECISION)
    return kinds


def notice_title(case: Case, kind: str) -> str:
    if kind == DECISION:
        return "不予行政许可决定书" if _decision_event_action(case) == Action.DENY else "准予行政许可决定书"
    return NOTICE_TITLES[kind]


# ---------------------------------------------------------------------------------------------
# Building blocks


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _datetime(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{_date(local)} {local:%H:%M}"


def tracking_url(case: Case, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("cases:track", args=[case.tracking_code])


def _cert(case: Case) -> str:
    applicant = case.applicant
    if applicant.kind == ApplicantKind.ENTERPRISE:
        return applicant.cert_number
    return mask_id_number(applicant.cert_number)


def _applicant_rows(case: Case) -> list[list[Any]]:
    applicant = case.applicant
    rows: list[list[Any]] = [
        ["申请人", applicant.name, applicant.get_cert_type_display(), _cert(case)],
    ]
    if applicant.kind == ApplicantKind.ENTERPRISE and applicant.legal_representative:
        rows.append(["法定代表人", applicant.legal_representative, "联系电话", mask_phone(case.contact_phone)])
    else:
        rows.append(["联系电话", mask_phone(case.contact_phone), "申请渠道", case.get_channel_display()])
    if case.agent_name:
        rows.append(["代理人", case.agent_name, "代理人证件", mask_id_number(case.agent_cert_number)])
    return rows


def _header(case: Case, title: str) -> list[Any]:
    st = pdf.styles()
    return [
        pdf.p(case.centre.name, st["subtitle"]),
        pdf.p(title, st["title"]),
        pdf.p(f"办件编号：{case.number}", st["subtitle"]),
        pdf.Spacer(1, 4 * pdf.mm),
    ]


def _qr_block(case: Case, base_url: str, extra: str = "") -> Any:
    st = pdf.styles()
    url = tracking_url(case, base_url)
    text = f"扫码查询办理进度：\n{url}"
    if extra:
        text += "\n" + extra
    return pdf.table([[pdf.qr_image(url, 26), pdf.p(text, st["small"])]], [30, 144], header=False)


def _salutation(case: Case) -> str:
    return f"{case.applicant.name}："


def _time_limit(case: Case) -> str:
    snapshot = case.guide.snapshot if case.guide_id else {}
    if case.item.is_instant:
        return "即办件（当场办结）"
    statutory = snapshot.get("statutory_days", case.item.statutory_days)
    return f"承诺 {case.promised_days} 个工作日（法定 {statutory} 个工作日）"


def _signature(issuer: str, on: dt.date | dt.datetime | None) -> list[Any]:
    right = ParagraphStyle("right", parent=pdf.styles()["body"], alignment=TA_RIGHT)
    return [pdf.Spacer(1, 8 * pdf.mm), pdf.p(f"{issuer}（盖章）", right), pdf.p(_date(on), right),
            pdf.Spacer(1, 4 * pdf.mm)]


def _footer(case: Case) -> str:
    return f"{case.centre.name} · 办件编号 {case.number} · 打印于 {timezone.localtime():%Y-%m-%d %H:%M}"


def _event(case: Case, actions: set[str]) -> CaseEvent | None:
    return case.events.filter(action__in=actions).order_by("-at", "-id").first()


def _decision_event_action(case: Case) -> str | None:
    if case.status == Status.DENIED:
        return Action.DENY
    if case.status in (Status.APPROVED, Status.APPROVED_PENDING, Status.REVOKED):
        return Action.APPROVE
    return None


# ---------------------------------------------------------------------------------------------
# The notices


def _receipt(case: Case, base_url: str) -> list[Any]:
    st = pdf.styles()
    flow = _header(case, NOTICE_TITLES[RECEIPT])
    facts = [
        ["申请事项", case.item.name, "收件时间", _datetime(case.received_at)],
        *_applicant_rows(case),
        ["办理时限", _time_limit(case), "收件人", case.clerk.first_name if case.clerk_id and case.clerk else "—"],
        ["查询密码", case.query_password, "办理部门", case.department.name],
    ]
    flow.append(pdf.table(facts, [22, 62, 24, 66], header=False))
    flow.append(pdf.p("收取材料", st["h2"]))
    rows = [["序号", "材料名称", "收取情况", "说明"]]
    for i, material in enumerate(_materials(case), start=1):
        note = f"承诺 {_date(material.promised_by)} 前补齐" if material.promised_by else ""
        rows.append([str(i), material.name, material.get_status_display(), note])
    if len(rows) == 1:
        rows.append(["—", "无需提交材料", "", ""])
    flow.append(pdf.table(rows, [12, 86, 26, 50]))
    flow += [
        pdf.Spacer(1, 4 * pdf.mm),
        pdf.p("本凭证仅证明已收到上述申请材料，是否受理以受理通知书或不予受理通知书为准。"
              "请妥善保管本凭证，凭办件编号和查询密码可查询办理进度。", st["small"]),
        pdf.Spacer(1, 3 * pdf.mm),
        _qr_block(case, base_url, f"办件编号：{case.number}\n查询密码：{case.query_password}"),
    ]
    return flow


def _acceptance(case: Case, base_url: str) -> list[Any]:
    st = pdf.styles()
    flow = _header(case, NOTICE_TITLES[ACCEPTANCE])
    pending = [m for m in _materials(case) if m.promised_by]
    basis = "申请材料齐全、符合法定形式" if not pending else "申请材料基本齐全，部分材料经申请人书面承诺容缺补齐"
    text = (f"你（单位）于{_date(case.received_at)}提交的《{case.item.name}》申请，经审查，{basis}，"
            f"根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。")
    flow += [pdf.p(_salutation(case), st["body"]), pdf.p(text, st["body"]), pdf.Spacer(1, 3 * pdf.mm)]
    facts = [
        ["受理日期", _date(case.accepted_at), "办理时限", _time_limit(case)],
        ["承诺办结日期", _date(case.due_date), "办理部门", case.department.name],
    ]
    flow.append(pdf.table(facts, [26, 58, 24, 66], header=False))
    if case.due_provisional:
        flow.append(pdf.p("注：办结日期跨入尚未公布放假安排的年度，暂按临时工作日历计算，"
                          "如遇调休，以国务院办公厅公布的安排为准。", st["small"]))
    if pending:
        flow.append(pdf.p("容缺材料（请在承诺日期前补齐）", st["h2"]))
        rows = [["序号", "材料名称", "承诺补齐日期"]]
        rows += [[str(i), m.name, _date(m.promised_by)] for i, m in enumerate(pending, start=1)]
        flow.append(pdf.table(rows, [12, 110, 52]))
    flow.append(pdf.p("办理期间因补正材料、听证、检验检测、专家评审等特别程序所需时间不计入办理时限，届时将书面告知。",
                      st["small"]))
    flow += _signature(case.centre.name, case.accepted_at)
    flow.append(_qr_block(case, base_url))
    return flow


def _refusal(case: Case, base_url: str) -> list[Any]:
    st = pdf.styles()
    flow = _header(case, NOTICE_TITLES[REFUSAL])
    text = (f"你（单位）于{_date(case.received_at)}提交的《{case.item.name}》申请，经审查，"
            f"根据《中华人民共和国行政许可法》第三十二条的规定，决定不予受理。")
    flow += [pdf.p(_salutation(case), st["body"]), pdf.p(text, st["body"]),
             pdf.p("不予受理的理由", st["h2"]), pdf.p(case.refusal_reason or "—", st["body"])]
    if case.refusal_redirect:
        flow += [pdf.p("可以向以下机关或途径申请", st["h2"]), pdf.p(case.refusal_redirect, st["body"])]
    flow += [pdf.Spacer(1, 3 * pdf.mm), pdf.p(REMEDY, st["small"])]
    flow += _signature(case.centre.name, case.completed_at)
    flow.append(_qr_block(case, base_url))
    return flow


def _correction(case: Case, base_url: str) -> list[Any]:
    st = pdf.styles()
    corrections = _corrections(case)
    if not corrections:
        raise Http404(_("该办件没有补正告知。"))
    correction = corrections[-1]
    flow = _header(case, NOTICE_TITLES[CORRECTION] + "（一次性告知）")
    text = (f"你（单位）于{_date(case.received_at)}提交的《{case.item.name}》申请，经审查，申请材料不齐全或者不符合法定形式。"
            f"根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部内容如下：")
    flow += [pdf.p(_salutation(case), st["body"]), pdf.p(text, st["body"]), pdf.Spacer(1, 2 * pdf.mm)]
    rows = [["序号", "材料名称", "存在问题及补正要求"]]
    rows += [[str(i), entry.get("material", ""), entry.get("problem", "")]
             for i, entry in enumerate(correction.items, start=1)]
    flow.append(pdf.table(rows, [12, 72, 90]))
    if correction.note:
        flow += [pdf.p("其他说明", st["h2"]), pdf.p(correction.note, st["body"])]
    if correction.before_acceptance:
        after = "请补齐上述全部材料后再次提交，材料齐全、符合法定形式的，予以受理。"
    else:
        after = "补正期间不计入办理时限。请补齐上述全部材料后提交，收到补正材料后继续办理。"
    flow += [pdf.Spacer(1, 2 * pdf.mm), pdf.p(after + "除上述内容外，不再要求补正其他材料。", st["body"]),
             pdf.p(f"告知日期：{_date(correction.requested_at)}", st["body"])]
    flow += _signature(case.centre.name, correction.requested_at)
    flow.append(_qr_block(case, base_url))
    return flow


def _pending_promise(case: Case, base_url: str) -> list[Any]:
    st = pdf.styles()
    pending = [m for m in _materials(case) if m.promised_by]
    if not pending:
        raise Http404(_("该办件没有容缺材料。"))
    flow = _header(case, NOTICE_TITLES[PENDING_PROMISE])
    flow.append(pdf.table(_applicant_rows(case), [22, 62, 24, 66], header=False))
    text = (f"本人（单位）申请办理《{case.item.name}》，因下列材料暂时缺少，申请容缺受理，"
            f"并郑重承诺在承诺日期前补齐：")
    flow += [pdf.Spacer(1, 3 * pdf.mm), pdf.p(text, st["body"]), pdf.Spacer(1, 2 * pdf.mm)]
    rows = [["序号", "材料名称", "承诺补齐日期", "补齐情况"]]
    for i, material in enumerate(pending, start=1):
        done = _date(material.fulfilled_at) + " 已补齐" if material.status == MaterialStatus.RECEIVED else "待补齐"
        rows.append([str(i), material.name, _date(material.promised_by), done])
    flow.append(pdf.table(rows, [12, 80, 40, 42]))
    promise = next((m.note for m in pending if m.note), "")
    if promise:
        flow += [pdf.p("申请人承诺", st["h2"]), pdf.p(promise, st["body"])]
    flow.append(pdf.p("本人（单位）知悉：逾期未补齐的，审批机关可以依法作出不予许可的决定或撤销已作出的许可决定，"
                      "由此产生的后果由本人（单位）承担。", st["body"]))
    flow += [
        pdf.Spacer(1, 10 * pdf.mm),
        pdf.table([["承诺人（签字或盖章）：", "", "日期：", ""], ["受理人（签字）：", "", "日期：", ""]],
                  [44, 60, 16, 54], header=False),
        pdf.Spacer(1, 4 * pdf.mm),
        _qr_block(case, base_url),
    ]
    return flow


def _decision(case: Case, base_url: str) -> list[Any]:
    st = pdf.styles()
    action = _decision_event_action(case)
    if action is None:
        raise Http404(_("该办件尚未作出决定。"))
    event = _event(case, {Action.APPROVE, Action.DENY})
    opinion = (event.opinion if event and event.opinion else case.decision_opinion) or "—"
    decided_at = event.at if event else case.completed_at
    approve = action == Action.APPROVE
    flow = _header(case, notice_title(case, DECISION))
    snapshot = case.guide.snapshot if case.guide_id else {}
    issuer = snapshot.get("department", {}).get("name") or case.department.name
    if approve:
        text = (f"你（单位）于{_date(case.received_at)}提出的《{case.item.name}》申请，经审查，符合法定条件、标准，"
                f"根据《中华人民共和国行政许可法》第三十八条第一款的规定，决定准予行政许可。")
    else:
        text = (f"你（单位）于{_date(case.received_at)}提出的《{case.item.name}》申请，经审查，不符合法定条件、标准，"
                f"根据《中华人民共和国行政许可法》第三十八条第二款的规定，决定不予行政许可。")
    flow += [pdf.p(_salutation(case), st["body"]), pdf.p(text, st["body"]), pdf.Spacer(1, 2 * pdf.mm)]
    flow.append(pdf.table(_applicant_rows(case), [22, 62, 24, 66], header=False))
    flow += [pdf.p("审查意见" if approve else "不予许可的理由", st["h2"]), pdf.p(opinion, st["body"])]
    result = snapshot.get("result_name") or case.item.result_name
    if approve and result:
        flow.append(pdf.p(f"许可结果：{result}。请凭本决定书及收件凭证领取，或按约定方式送达。", st["body"]))
    if case.status == Status.APPROVED_PENDING:
        flow.append(pdf.p("本许可为容缺受理后作出，请在承诺日期前补齐容缺材料。", st["body"]))
    if case.status == Status.REVOKED:
        flow.append(pdf.p("注：本许可已被依法撤销。", st["body"]))
    flow += [pdf.Spacer(1, 2 * pdf.mm), pdf.p(REMEDY, st["small"])]
    flow += _signature(issuer, decided_at)
    flow.append(_qr_block(case, base_url))
    return flow


BUILDERS = {
    RECEIPT: _receipt,
    ACCEPTANCE: _acceptance,
    REFUSAL: _refusal,
    CORRECTION: _correction,
    PENDING_PROMISE: _pending_promise,
    DECISION: _decision,
}


@pdf.in_document_language
def notice_pdf(case: Case, kind: str, base_url: str) -> bytes:
    """The PDF of one notice. `base_url` (scheme + host, e.g. "https://ywt.example.gov.cn") makes the
    tracking QR code an absolute URL. Raises Http404 for a kind the case does not have."""
    if kind not in BUILDERS or kind not in available_notices(case):
        raise Http404(_("该办件没有此类文书。"))
    flow = BUILDERS[kind](case, base_url)
    title = notice_title(case, kind)
    return pdf.render(flow, title=f"{title} {case.number}", footer=_footer(case))


__all__ = ["NOTICE_KINDS", "NOTICE_TITLES", "available_notices", "notice_pdf", "notice_title", "tracking_url"]
