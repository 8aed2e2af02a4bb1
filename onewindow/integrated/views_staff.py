"""The general window's integrated intake (综合窗口一件事受理), in the staff look: dense, keyboard-first.

* /staff/yjs/ — pick the integrated service.
* /staff/yjs/<code>/ — one screen: ① the situation questions, run with the applicant (each answer updates the
  plan through htmx; "刷新方案" does it without JavaScript), ② the plan and the merged material checklist to
  tick, ③ the applicant, entered once, and the one button that accepts the whole bundle
  (bundles.accept_bundle: complete items accepted, the others under one combined correction notice).
* /staff/yjs/bundle/<id>/ — the bundle: its child cases with their sections and statuses, the query
  password to hand over, the combined correction notice and the one-time notice as PDFs.

Only clerks (the centres of `cases.views_staff._intake_centres`) may take bundles; the bundle page is shown to
a clerk of the receiving centre or to anyone who may see one of its child cases.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.cases import permissions
from onewindow.cases.models import Case
from onewindow.cases.views_staff import _intake_centres, _nav, forbidden, staff_required
from onewindow.catalog.choices import Necessity
from onewindow.core.errors import DomainError, ForbiddenError
from onewindow.org.models import ServiceCentre

from . import bundles
from .choices import VersionStatus
from .engine import CompiledService, Plan
from .forms import WindowForm, answers_from
from .models import IntegratedCase, IntegratedServiceVersion
from .notice import correction_notice_pdf, plan_notice_pdf
from .views import _answers_query, _compiled, _material_groups, _question_rows, _safe_plan


@staff_required
def window_services(request: HttpRequest) -> HttpResponse:
    if not _intake_centres(request.user):
        return forbidden(request, _("您不是综合窗口受理人员，不能受理一件事。"))
    versions = (IntegratedServiceVersion.objects.filter(status=VersionStatus.PUBLISHED, service__is_active=True)
                .select_related("service").order_by("service__order", "service__code"))
    rows = [{"code": v.service.code, "name": v.service.name, "number": v.number,
             "steps": len(v.snapshot.get("steps", [])), "questions": len(v.snapshot.get("questions", [])),
             "departments": v.snapshot.get("departments", [])} for v in versions]
    return render(request, "integrated/staff/window_services.html", _nav(request) | {"rows": rows})


def _centre(request: HttpRequest, centres: list[ServiceCentre]) -> ServiceCentre:
    wanted = request.POST.get("centre") or request.GET.get("centre")
    return next((c for c in centres if str(c.pk) == wanted), centres[0])


def _work_context(compiled: CompiledService, plan: Plan, errors: dict[str, list[str]], ticked: set[str]) -> dict[str, Any]:
    """The questions and the plan with its material checklist, as the window screen and its htmx update show them."""
    plan_dict = plan.to_dict()
    groups = _material_groups(plan_dict)
    items = {i["code"]: i["name"] for i in plan_dict["items"]}
    checklist = []
    for m in groups["requested"]:
        checklist.append({**m, "checked": m["key"] in ticked, "item_names": [items[c] for c in m["items"] if c in items]})
    # What pressing "accept" will do: the items waiting on an unticked required (or deferrable) material get
    # the combined correction notice, the others are accepted.
    waiting: dict[str, list[str]] = {}
    for m in checklist:
        if not m["checked"] and m["necessity"] in (Necessity.REQUIRED, Necessity.DEFERRABLE):
            needing = [v["item"] for v in m["variants"] if v["status"] == "request" and v["item"] in items]
            for code in needing or [next(iter(items), "")]:
                if code:
                    waiting.setdefault(code, []).append(m["name"])
    return {"rows": _question_rows(compiled, plan, errors, set()), "plan": plan_dict, "checklist": checklist,
            "produced": groups["produced"], "merged": groups["merged"], "complete": plan.complete,
            "blocked": bool(plan.blocks), "missing": [compiled.question_by_code[q].text for q in plan.missing],
            "waiting": [{"name": items[c], "materials": names} for c, names in waiting.items()],
            "accepting": len(items) - len(waiting), "service_code": compiled.code,
            "pdf_query": _answers_query(plan_dict["answers"])}


@staff_required
def window(request: HttpRequest, code: str) -> HttpResponse:
    centres = _intake_centres(request.user)
    if not centres:
        return forbidden(request, _("您不是综合窗口受理人员，不能受理一件事。"))
    compiled = _compiled(code)
    status = 200
    if request.method == "POST":
        answers = answers_from(request.POST, compiled)
        plan, answer_errors = _safe_plan(compiled, answers)
        ticked = set(request.POST.getlist("materials"))
        form = WindowForm(request.POST)
        if request.POST.get("action") == "accept":
            form.is_valid()
            for q in plan.missing:
                form.add_error(None, _("请回答“%(q)s”。") % {"q": compiled.question_by_code[q].text})
            for block in plan.blocks:
                form.add_error(None, block.text)
            for qcode, errs in answer_errors.items():
                for e in errs:
                    form.add_error(None, f"{qcode}：{e}")
            if not form.errors:
                centre = _centre(request, centres)
                try:
                    result = bundles.accept_bundle(
                        actor=request.user, service_code=code, answers=answers, applicant=form.applicant_data(),
                        received=sorted(ticked), centre=centre, idempotency_key=form.cleaned_data["idempotency_key"],
                        **form.agent(),
                    )
                except ValidationError as exc:
                    form.add_service_errors(exc)
                except ForbiddenError as exc:
                    return forbidden(request, exc.message)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    if result.created:
                        messages.success(request, _("已整件受理：%(n)d 个事项已受理") % {"n": len(result.accepted)}
                                         + (_("，%(n)d 个事项已出具合并一次性补正告知") % {"n": len(result.corrected)} if result.corrected else "")
                                         + _("。请把查询密码和文书交给申请人。"))
                    else:
                        messages.info(request, _("该一件事已经受理过，没有重复生成办件。"))
                    return redirect("integrated:window_bundle", pk=result.bundle.pk)
            status = 400
        else:  # "刷新方案" without JavaScript: show the new plan, check nothing yet
            form = WindowForm(initial={name: request.POST.get(name, "") for name in WindowForm.base_fields})
    else:
        plan, answer_errors, ticked = compiled.plan({}), {}, set()
        form = WindowForm(initial={"idempotency_key": uuid.uuid4().hex})
    return render(request, "integrated/staff/window.html", _nav(request) | {
        "form": form, "centres": centres, "service": {"code": compiled.code, "name": compiled.name,
                                                      "version": compiled.number},
        "selected_centre": _centre(request, centres), **_work_context(compiled, plan, answer_errors, ticked),
    }, status=status)


@staff_required
def window_plan(request: HttpRequest, code: str) -> HttpResponse:
    """htmx: the questions and the plan for the answers so far (follow-ups appear, the checklist follows)."""
    if not _intake_centres(request.user):
        return forbidden(request, _("您不是综合窗口受理人员。"))
    compiled = _compiled(code)
    answers = answers_from(request.POST, compiled)
    plan, answer_errors = _safe_plan(compiled, answers)
    return render(request, "integrated/staff/_work.html",
                  _work_context(compiled, plan, answer_errors, set(request.POST.getlist("materials"))))


def _visible_bundle(request: HttpRequest, pk: int) -> IntegratedCase:
    bundle = IntegratedCase.objects.with_children().filter(pk=pk).first()
    if bundle is None:
        raise Http404
    user = request.user
    if permissions.can_intake(user, bundle.centre):
        return bundle
    if Case.objects.visible_to(user).filter(bundle_link__bundle=bundle).exists():
        return bundle
    raise Http404  # like a case outside the user's scope: not found, so ids cannot be probed


@staff_required
def window_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = _visible_bundle(request, pk)
    window_staff = permissions.can_intake(request.user, bundle.centre)
    visible = set(Case.objects.visible_to(request.user).filter(bundle_link__bundle=bundle).values_list("pk", flat=True))
    return render(request, "integrated/staff/bundle.html", _nav(request) | {
        "bundle": bundle, "status": bundle.status, "window_staff": window_staff,
        "rows": [{"case": c, "visible": c.pk in visible} for c in bundle.cases],
        "applicant_name": bundle.applicant.name if window_staff else bundle.applicant.masked_name,
        "track_url": request.build_absolute_uri(reverse("cases:track", args=[bundle.tracking_code])),
        "has_corrections": bool(bundle.status.correction),
    })


@staff_required
def window_bundle_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    bundle = _visible_bundle(request, pk)
    url = request.build_absolute_uri(reverse("cases:track", args=[bundle.tracking_code]))
    if kind == "correction":
        content = correction_notice_pdf(bundle, url)
    elif kind == "notice":
        content = plan_notice_pdf(bundle.plan, url)
    else:
        raise Http404
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-yjs-{bundle.pk}.pdf"'
    return response
