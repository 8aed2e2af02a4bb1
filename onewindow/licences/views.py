"""Licence screens.

* /licences/verify/<code>/ — public verification (the QR code on the licence): validity, status, whether the
  SM2 signature verifies, the holder masked. The code is random (not the identifier, whose serials can be
  counted), pages are rate-limited per IP and never cached.
* /my/licences/ — the holder's licence wallet: licences, PDFs, authorisations (grant / withdraw) and every use.
* /staff/licences/… — staff actions from the case page: check materials against licences and shared data,
  record a holder's written authorisation (the paper path), issue a licence that failed at decision time, PDFs.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.cases.models import Case
from onewindow.cases.views_public import (
    _client_ip,
    _too_many,
    applicant_required,
    private_page,
    rate_hit,
    rate_wait,
)
from onewindow.cases.views_staff import forbidden, staff_required
from onewindow.core.errors import DomainError

from . import selectors, services
from .choices import AuthorisationBasis, LicenceStatus
from .models import Licence, LicenceAuthorisation
from .pdf import licence_pdf
from .seal import seal_svg


def find_by_code(code: str) -> Licence | None:
    if not code or len(code) > 40:
        return None
    return (Licence.objects.select_related("seal_key", "previous", "licence_type", "authority")
            .filter(verify_code=code).first())


# ---------------------------------------------------------------------------------------------
# Public verification


@private_page
def verify(request: HttpRequest, code: str) -> HttpResponse:
    ip = _client_ip(request)
    wait = rate_wait("licence_verify_ip", ip)
    if wait:
        return _too_many(request, wait)
    rate_hit("licence_verify_ip", ip)
    licence = find_by_code(code)
    if licence is None:
        return render(request, "licences/verify_not_found.html", status=404)
    result = services.verify_licence(licence)
    newer = getattr(licence, "next_version", None) if licence.status == LicenceStatus.SUPERSEDED else None
    return render(request, "licences/verify.html", {
        "licence": licence, "result": result, "newer": newer,
        "seal": seal_svg(licence.authority.seal_text or licence.issuer_name, licence.authority.seal_subtitle),
    })


# ---------------------------------------------------------------------------------------------
# The holder's wallet


def _own_licence(request: HttpRequest, code: str) -> Licence:
    licence = find_by_code(code)
    if licence is None or not services.is_holder(request.user, licence):
        raise Http404(_("没有找到这个证照。"))
    return licence


@private_page
@applicant_required
def my_licences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "grant":
                licence = _own_licence(request, request.POST.get("licence", ""))
                case = Case.objects.filter(applicant__user=request.user, number=request.POST.get("case", "")).select_related(
                    "department", "item", "applicant").first()
                if case is None:
                    raise ValidationError(_("请选择要使用证照的办件。"))
                services.grant_authorisation(actor=request.user, licence=licence, unit=case.department,
                                             matter=case.item.name, case=case, basis=AuthorisationBasis.ONLINE)
                messages.success(request, _("已授权“%(u)s”在办件 %(n)s 中使用您的“%(l)s”。") % {
                    "u": case.department.name, "n": case.number, "l": licence.name})
            elif action == "withdraw":
                grant = get_object_or_404(LicenceAuthorisation.objects.select_related("licence"),
                                          pk=request.POST.get("authorisation") or 0)
                services.withdraw_authorisation(actor=request.user, authorisation=grant)
                messages.success(request, _("已撤回授权。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("licences:my_licences")
    licences = selectors.wallet(request.user)
    open_cases = list(Case.objects.filter(applicant__user=request.user,
                                          status__in=["submitted", "received", "correction"])
                      .select_related("item", "department").order_by("-received_at")[:20])
    return render(request, "licences/my_licences.html", {"licences": licences, "open_cases": open_cases})


@private_page
@applicant_required
def my_licence_pdf(request: HttpRequest, code: str) -> HttpResponse:
    licence = _own_licence(request, code)
    response = HttpResponse(licence_pdf(licence, request.build_absolute_uri("/")), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="licence-{licence.serial}-{licence.version:03d}.pdf"'
    return response


# ---------------------------------------------------------------------------------------------
# Staff


def _staff_case(request: HttpRequest, number: str) -> Case:
    return get_object_or_404(Case.objects.visible_to(request.user).select_related("applicant", "department", "item"),
                             number=number)


@staff_required
def staff_licence_pdf(request: HttpRequest, code: str) -> HttpResponse:
    licence = find_by_code(code)
    if licence is None:
        raise Http404(_("没有找到这个证照。"))
    visible = Case.objects.visible_to(request.user)
    allowed = (request.user.is_superuser or services.can_manage(request.user, licence.authority)
               or (licence.case_id and visible.filter(pk=licence.case_id).exists())
               or visible.filter(applicant__cert_index=licence.holder_index).exists())
    if not allowed:
        return forbidden(request, _("您无权查看该证照。"))
    response = HttpResponse(licence_pdf(licence, request.build_absolute_uri("/")), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="licence-{licence.serial}-{licence.version:03d}.pdf"'
    return response


@require_POST
@staff_required
def staff_case_check(request: HttpRequest, number: str) -> HttpResponse:
    """核验材料: the applicant's licences, then shared data; each failure named with the manual fallback."""
    from onewindow.shareddata.services import check_materials_against_data

    case = _staff_case(request, number)
    try:
        by_licence = services.check_materials_against_licences(actor=request.user, case=case)
        by_data = check_materials_against_data(actor=request.user, case=case)
    except DomainError as exc:
        if exc.status_code == 403:
            return forbidden(request, exc.message)
        messages.error(request, exc.message)
        return redirect("cases:case_detail", number=case.number)
    done = [m.name for m in by_licence.satisfied + by_data.satisfied]
    if done:
        messages.success(request, _("已免交材料：%(m)s。") % {"m": "、".join(done)})
    for licence in by_licence.needs_authorisation:
        messages.warning(request, _("申请人的“%(l)s”可免交材料，但需持证人授权本单位使用（网上授权或登记书面授权）。") % {
            "l": licence.name})
    for failure in by_data.failures:
        messages.error(request, f"{failure.message} {failure.fallback}")
    if not done and not by_licence.needs_authorisation and not by_data.failures:
        messages.info(request, _("没有可由电子证照或共享数据替代的材料，请按指南收取。"))
    return redirect("cases:case_detail", number=case.number)


@require_POST
@staff_required
def staff_written_authorisation(request: HttpRequest, number: str) -> HttpResponse:
    """The paper path: the holder signed a consent form at the window; the clerk records it."""
    case = _staff_case(request, number)
    licence = find_by_code(request.POST.get("licence", ""))
    try:
        if licence is None:
            raise ValidationError(_("请选择证照。"))
        services.grant_authorisation(actor=request.user, licence=licence, unit=case.department, matter=case.item.name,
                                     case=case, basis=AuthorisationBasis.WRITTEN,
                                     note=request.POST.get("note", ""))
        messages.success(request, _("已登记持证人的书面授权。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cases:case_detail", number=case.number)


@require_POST
@staff_required
def staff_case_issue(request: HttpRequest, number: str) -> HttpResponse:
    case = _staff_case(request, number)
    try:
        licence = services.issue_licence_for_case(actor=request.user, case=case)
    except DomainError as exc:
        if exc.status_code == 403:
            return forbidden(request, exc.message)
        messages.error(request, exc.message)
    else:
        if licence is None:
            messages.error(request, _("该事项的结果证照类型尚未配置，请联系管理员在“证照类型”中添加。"))
        else:
            messages.success(request, _("已签发电子证照：%(i)s") % {"i": licence.identifier})
    return redirect("cases:case_detail", number=case.number)
