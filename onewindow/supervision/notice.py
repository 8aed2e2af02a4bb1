"""The 双告知书 (registration notice and promise) as a printable PDF, Chinese text through onewindow.core.pdf."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from onewindow.core import pdf
from onewindow.core.masking import mask_id_number

from .models import RegistrationNotice

TITLE = "企业登记“双告知”告知书及承诺书"
PROMISE = ("本人（本单位）已知悉上述告知内容，承诺在取得相关许可证件或者批准文件前，不从事相关经营活动；"
           "如违反承诺，愿意承担相应的法律责任。")


@pdf.in_document_language
def notice_pdf(notice: RegistrationNotice, base_url: str) -> bytes:
    case = notice.case
    applicant = case.applicant
    st = pdf.styles()
    cert = applicant.cert_number if applicant.kind == "enterprise" else mask_id_number(applicant.cert_number)
    flow: list[Any] = [
        pdf.p(case.centre.name, st["subtitle"]),
        pdf.p(TITLE, st["title"]),
        pdf.p(f"办件编号：{case.number}", st["subtitle"]),
        pdf.Spacer(1, 4 * pdf.mm),
        pdf.p(f"{applicant.name}（{applicant.get_cert_type_display()} {cert}）：", st["body"]),
        pdf.p("根据“先照后证”改革后加强事中事后监管的要求和“双告知”制度，现将你（单位）申报的经营范围所涉及的"
              "后置审批（许可）事项及其审批部门告知如下。", st["body"]),
        pdf.p("申报的经营范围", st["h2"]),
        pdf.p(notice.business_scope or "（未申报）", st["body"]),
        pdf.p("须依法取得的后置许可", st["h2"]),
    ]
    if notice.permits:
        rows: list[list[Any]] = [["序号", "经营范围类别", "后置许可事项", "审批（主管）部门", "设定依据"]]
        for i, permit in enumerate(notice.permits, start=1):
            rows.append([str(i), permit["category"], permit["permit"],
                         "、".join(d["name"] for d in permit["departments"]) or "待相关部门认领确认",
                         permit.get("legal_basis") or "—"])
        flow.append(pdf.table(rows, [12, 32, 44, 42, 44]))
    else:
        flow.append(pdf.p("经核对，你（单位）申报的经营范围暂未匹配到后置许可事项目录。如所从事的项目依法须经批准，"
                          "相关主管部门认领本登记信息后将另行告知。", st["body"]))
    flow += [
        pdf.Spacer(1, 3 * pdf.mm),
        pdf.p("登记机关将把你（单位）的登记信息推送至上述主管部门，由其依法实施监管。", st["body"]),
        pdf.p("承诺书", st["h2"]),
        pdf.p(PROMISE, st["body"]),
        pdf.Spacer(1, 6 * pdf.mm),
    ]
    if notice.promise_signed_at:
        signed = timezone.localtime(notice.promise_signed_at)
        flow.append(pdf.p(f"承诺人：{notice.promise_signer}　　签署时间：{signed:%Y年%m月%d日 %H:%M}（已记录）", st["body"]))
    else:
        flow.append(pdf.p("承诺人（签字或盖章）：____________________　　日期：______年____月____日", st["body"]))
    issued = timezone.localtime(notice.issued_at)
    flow += [
        pdf.Spacer(1, 6 * pdf.mm),
        pdf.p(f"告知机关：{case.centre.name}　　告知日期：{issued:%Y年%m月%d日}", st["body"]),
        pdf.Spacer(1, 4 * pdf.mm),
        pdf.table([[pdf.qr_image(base_url.rstrip("/") + reverse("cases:track", args=[case.tracking_code]), 24),
                    pdf.p("扫码查询办理进度。本告知书一式两份，申请人与登记机关各执一份。", st["small"])]],
                  [28, 146], header=False),
    ]
    return pdf.render(flow, title=f"双告知书 {case.number}", footer=f"{case.centre.name} · 办件编号 {case.number}")
