"""Applicant and public pages of cases.

* Accounts: /my/register/, /my/login/, /my/logout/ (POST) — phone + password through the pluggable
  identity provider in auth.py. A failed login never says whether the phone is registered.
* Online application: /apply/<implementation code>/ — one question per page (who applies, their details,
  agent, one upload per material), check your answers, submit, confirmation with the case number, query
  password and what happens next. Files are checked when uploaded and kept with the draft in the session,
  so each is uploaded once; the case is created and the files attached in one transaction, so a bad file
  never leaves a half-written case.
* My cases: /my/ and /my/cases/<number>/ — only the applicant's own cases (``visible_to`` and owner),
  with timeline, materials, correction upload, withdrawal and the notices they may download.
* Public tracking: /track/<code>/ (the QR code) with the masked name only, /track/ (case number + 6-digit
  query password), /track/<code>/notice/<kind>.pdf.

All pages here are private to one person: ``Cache-Control: no-store, private`` and ``X-Robots-Tag: noindex``.
Lookups and logins are rate-limited in the default cache (settings.ONEWINDOW_RATE_LIMITS).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onewindow.catalog.choices import HandlingForm, TargetGroup
from onewindow.catalog.models import GuideVersion, ServiceItem
from onewindow.catalog.services import current_guide
from onewindow.core.errors import DomainError

from . import services
from .auth import AccountExists, applicant_phone, is_applicant, normalize_phone, register_applicant
from .choices import (
    OPEN_STATUSES,
    Action,
    ApplicantKind,
    Channel,
    DueState,
    ReviewStage,
    SpecialProcedureKind,
    Status,
)
from .forms_public import (
    AgentForm,
    CorrectionUploadForm,
    EnterpriseForm,
    KindForm,
    LoginForm,
    LookupForm,
    MaterialsForm,
    PersonForm,
    RegisterForm,
    SubmitForm,
    WithdrawForm,
)
from .models import Case, CaseEvent, CaseFile, CaseMaterial
from .notices import available_notices, notice_pdf, notice_title

logger = logging.getLogger("onewindow.cases.public")

# Notices the applicant (or whoever holds the tracking code) may download. The 容缺受理承诺书 is signed at
# the window and stays there.
PUBLIC_NOTICE_KINDS = ("receipt", "acceptance", "refusal", "correction", "decision")
# Shown on the public tracking page: the outcome only.
TRACK_PAGE_NOTICE_KINDS = ("refusal", "decision")

LOGIN_FAILED = gettext_lazy("手机号码或密码不正确。请检查后重试。")
LOOKUP_FAILED = gettext_lazy("办件编号或查询密码不正确。请核对收件凭证或申请成功页面上的编号和密码。")


# ---------------------------------------------------------------------------------------------
# Page policies: private caching, rate limits, applicant login


def private_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Nothing on these pages may be kept by a shared cache or a search engine."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def applicant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("cases:applicant_login"))
        return view(request, *args, **kwargs)

    return wrapper


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it, and
    # trusting it would let anyone pick a fresh "IP" per attempt. Behind a proxy, have it set REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _rate_key(scope: str, ident: str) -> tuple[str, int, int]:
    limit, period = settings.ONEWINDOW_RATE_LIMITS[scope]
    now = time.time()
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]  # no phone numbers in cache keys
    return f"ow-rl:{scope}:{digest}:{int(now // period)}", limit, int(period - now % period) + 1


def rate_wait(scope: str, ident: str) -> int | None:
    """Seconds to wait when `ident` has used up its attempts in this window; None when it may go on."""
    key, limit, wait = _rate_key(scope, ident)
    return wait if (cache.get(key) or 0) >= limit else None


def rate_hit(scope: str, ident: str) -> None:
    """Count one attempt (fixed window; atomic increment in LocMemCache, Redis or memcached alike)."""
    key, _limit, _wait = _rate_key(scope, ident)
    period = settings.ONEWINDOW_RATE_LIMITS[scope][1]
    cache.add(key, 0, timeout=period + 1)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    minutes = max(1, (wait + 59) // 60)
    response = render(request, "cases/public/rate_limited.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


# ---------------------------------------------------------------------------------------------
# Accounts


@private_page
def applicant_register(request: HttpRequest) -> HttpResponse:
    if is_applicant(request.user):
        return redirect("cases:my_cases")
    next_url = _next_url(request)
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        ip = _client_ip(request)
        wait = rate_wait("applicant_login_ip", ip)
        if wait:
            return _too_many(request, wait)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = register_applicant(phone=data["phone"], name=data["name"], password=data["password1"])
            except AccountExists:
                # Registration has to say this (until an SMS code proves the phone); counting it against the
                # login budget stops anyone from probing many numbers this way.
                rate_hit("applicant_login_ip", ip)
                form.add_error("phone", _("该手机号码已经注册，请直接登录。"))
            else:
                login(request, user, backend="onewindow.cases.auth.PhoneBackend")
                messages.success(request, _("注册成功，您已登录。"))
                return HttpResponseRedirect(next_url or reverse("cases:my_cases"))
    return render(request, "cases/public/register.html", {"form": form, "next": next_url})


@private_page
def applicant_login(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if is_applicant(request.user) and request.method == "GET":
        return HttpResponseRedirect(next_url or reverse("cases:my_cases"))
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        ip = _client_ip(request)
        phone = normalize_phone(request.POST.get("phone", ""))
        wait = rate_wait("applicant_login_ip", ip) or rate_wait("applicant_login_phone", phone)
        if wait:
            return _too_many(request, wait)
        user = None
        if form.is_valid():
            user = authenticate(request, phone=form.cleaned_data["phone"], password=form.cleaned_data["password"])
        if user is None:
            # Only failures count, so a hall full of people behind one address can still log in.
            rate_hit("applicant_login_ip", ip)
            rate_hit("applicant_login_phone", phone)
            if form.is_bound and not form.errors:
                form.add_error(None, LOGIN_FAILED)
        else:
            login(request, user)
            return HttpResponseRedirect(next_url or reverse("cases:my_cases"))
    return render(request, "cases/public/login.html", {"form": form, "next": next_url})


@require_POST
def applicant_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("您已退出登录。"))
    return redirect("/")


# ---------------------------------------------------------------------------------------------
# Timelines: what the applicant and the public see of a case's history


def _step_label(event: CaseEvent) -> str | None:
    """The public name of a step, or None for internal steps (visits, archive, returns between stages)."""
    action = event.action
    if action == Action.REVIEW:
        stage = event.data.get("stage", "")
        stage_label = ReviewStage(stage).label if stage in ReviewStage.values else ""
        return _("审查（%(stage)s）") % {"stage": stage_label} if stage_label else _("审查")
    if action == Action.START_SPECIAL:
        kind = event.data.get("kind", "")
        kind_label = SpecialProcedureKind(kind).label if kind in SpecialProcedureKind.values else ""
        return _("特别程序开始：%(kind)s（所需时间不计入办理时限）") % {"kind": kind_label}
    labels = {
        Action.SUBMIT: _("网上提交申请"),
        Action.PREREVIEW_PASS: _("预审通过，已收件"),
        Action.RECEIVE: _("已收件"),
        Action.ACCEPT: _("已受理"),
        Action.ACCEPT_PENDING: _("已受理（容缺受理）"),
        Action.REFUSE: _("不予受理"),
        Action.REQUEST_CORRECTION: _("通知补正材料"),
        Action.RECEIVE_CORRECTION: _("补正材料已提交"),
        Action.FORWARD: _("转办理科室"),
        Action.START_REVIEW: _("开始审查"),
        Action.END_SPECIAL: _("特别程序结束"),
        Action.EXTEND: _("延长审批期限"),
        Action.APPROVE: _("办结：准予许可"),
        Action.DENY: _("办结：不予许可"),
        Action.FULFIL_PENDING: _("容缺材料已补齐"),
        Action.DELIVER: _("结果已送达"),
        Action.WITHDRAW: _("申请已撤回"),
        Action.REVOKE: _("许可已撤销"),
    }
    return labels.get(Action(action)) if action in Action.values else None


def _timeline(case: Case, events: list[CaseEvent], owner: bool) -> list[dict[str, Any]]:
    """Public step names with dates. The owner also sees what was said *to them* (decision, refusal reason,
    correction list, extension and special-procedure reasons, their uploads); review opinions stay internal."""
    rows = []
    for event in events:
        label = _step_label(event)
        if event.action == Action.UPLOAD and owner:
            label = _("上传材料：%(m)s") % {"m": event.data.get("material", "")}
        if label is None:
            continue
        row: dict[str, Any] = {"label": label, "at": event.at, "detail": "", "items": []}
        if owner:
            if event.action in (Action.APPROVE, Action.DENY, Action.EXTEND, Action.START_SPECIAL, Action.WITHDRAW):
                row["detail"] = event.opinion
            elif event.action == Action.REFUSE:
                row["detail"] = event.opinion
                if event.data.get("redirect_to"):
                    row["detail"] += "\n" + _("请向以下机关申请：%(to)s") % {"to": event.data["redirect_to"]}
            elif event.action == Action.REQUEST_CORRECTION:
                row["items"] = event.data.get("items", [])
                row["detail"] = event.opinion
        rows.append(row)
    return rows


def _notices(case: Case, kinds: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"kind": kind, "title": notice_title(case, kind),
             "url": reverse("cases:track_notice", args=[case.tracking_code, kind])}
            for kind in available_notices(case) if kind in kinds]


def _case_queryset() -> Any:
    return Case.objects.select_related("item", "applicant", "centre", "department", "handling_centre").prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
        Prefetch("materials", queryset=CaseMaterial.objects.prefetch_related(
            Prefetch("files", queryset=CaseFile.objects.order_by("uploaded_at", "id")))),
        "corrections",
    )


# ---------------------------------------------------------------------------------------------
# Public tracking


def _track_not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/public/track_not_found.html", status=404)


# The tracking page is the most-read public page (every SMS carries its link), and it changes only when the
# case does. Its body (everything below the site header) is the same for every visitor but the applicant, so
# it is cached under the case's version (bumped by every service that changes the case), its latest rating
# and today's date (the due-date badge): a change shows on the next request, and the TTL only bounds what a
# change made outside the services could leave stale. For an anonymous visitor without a session (the usual
# case: a link opened from an SMS) the whole page is cached the same way, keyed also by language and display
# cookies, with the CSRF token of the header forms put in per request; in front of that, a micro-cache by
# tracking code (settings.ONEWINDOW_TRACK_MICROCACHE_SECONDS, 5 s) spares even the version lookup.
# bench/http.py measures the effect.
TRACK_CACHE_SECONDS = 300
_CSRF_PLACEHOLDER = "csrfPLACEHOLDERcsrfPLACEHOLDERcsrfPLACEHOLDERcsrfPLACEHOLDERcsrf"


def _track_head(code: str) -> tuple[int, int, int | None, str, int | None] | None:
    """(case id, version, applicant's user id, item name, latest rating id) in one indexed lookup. Hand-written
    SQL: on a cache hit this is the page's only query, and building it through the ORM cost more than the
    rest of the request (bench/http.py)."""
    from django.db import connection

    from onewindow.ratings.models import Rating

    from .models import Applicant

    case_t, applicant_t = Case._meta.db_table, Applicant._meta.db_table
    item_t, rating_t = ServiceItem._meta.db_table, Rating._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, c.version, a.user_id, i.name, (SELECT MAX(r.id) FROM {rating_t} r WHERE r.case_id = c.id) "  # noqa: S608 - table names from model meta
            f"FROM {case_t} c JOIN {applicant_t} a ON a.id = c.applicant_id JOIN {item_t} i ON i.id = c.item_id "
            "WHERE c.tracking_code = %s", [code])
        row = cursor.fetchone()
    return tuple(row) if row else None  # type: ignore[return-value]


@private_page
def track(request: HttpRequest, code: str) -> HttpResponse:
    wait = rate_wait("track_page_ip", _client_ip(request))
    if wait:
        return _too_many(request, wait)
    rate_hit("track_page_ip", _client_ip(request))
    anonymous = settings.SESSION_COOKIE_NAME not in request.COOKIES
    micro_key = (f"track-micro:{code}:{translation.get_language()}:{request.COOKIES.get('elder', '')}:"
                 f"{request.COOKIES.get('fontscale', '')}")
    micro_seconds = settings.ONEWINDOW_TRACK_MICROCACHE_SECONDS
    if anonymous and micro_seconds and len(code) <= 32:
        page = cache.get(micro_key)
        if page is not None:
            from django.middleware.csrf import get_token

            return HttpResponse(page.replace(_CSRF_PLACEHOLDER, get_token(request)))
    head = _track_head(code) if len(code) <= 32 else None
    if head is None:
        # 一件事: a bundle's tracking code shows the whole bundle (all its child cases) on one page.
        from onewindow.integrated.views import track_bundle

        bundle_page = track_bundle(request, code)
        return bundle_page if bundle_page is not None else _track_not_found(request)
    pk, version, owner_id, item_name, rating_mark = head
    key = f"track:{pk}:{version}:{rating_mark}:{timezone.localdate()}:{translation.get_language()}"
    if anonymous:
        # Anonymous and without a session: no user, no messages; the page varies only by the display cookies.
        from django.middleware.csrf import get_token

        page_key = f"{key}:page:{request.COOKIES.get('elder', '')}:{request.COOKIES.get('fontscale', '')}"
        page = cache.get(page_key)
        if page is None:
            page = render_to_string("cases/public/track.html", {
                "body": mark_safe(_track_body(request, key, pk, is_owner=False)),  # noqa: S308 - our own template
                "item_name": item_name, "csrf_token": _CSRF_PLACEHOLDER}, request=request)
            cache.set(page_key, page, TRACK_CACHE_SECONDS)
        if micro_seconds:
            cache.set(micro_key, page, micro_seconds)
        return HttpResponse(page.replace(_CSRF_PLACEHOLDER, get_token(request)))
    is_owner = request.user.is_authenticated and owner_id == request.user.pk
    body = _track_body(request, key, pk, is_owner=is_owner)
    return render(request, "cases/public/track.html", {"body": mark_safe(body), "item_name": item_name})  # noqa: S308


def _track_body(request: HttpRequest, key: str, pk: int, *, is_owner: bool) -> str:
    body = None if is_owner else cache.get(f"{key}:body")
    if body is None:
        case = _case_queryset().get(pk=pk)
        body = render_to_string("cases/public/_track_body.html", {
            "case": case, "steps": _timeline(case, list(case.events.all()), owner=False),
            "notices": _notices(case, TRACK_PAGE_NOTICE_KINDS), "due": _due(case), "is_owner": is_owner,
        }, request=request)
        if not is_owner:
            cache.set(f"{key}:body", body, TRACK_CACHE_SECONDS)
    return body


@private_page
def track_notice(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    wait = rate_wait("track_page_ip", _client_ip(request))
    if wait:
        return _too_many(request, wait)
    rate_hit("track_page_ip", _client_ip(request))
    case = _case_queryset().filter(tracking_code=code).first() if len(code) <= 32 else None
    if case is None:
        return _track_not_found(request)
    if kind not in PUBLIC_NOTICE_KINDS or kind not in available_notices(case):
        return render(request, "cases/public/notice_not_found.html", {"case": case}, status=404)
    content = notice_pdf(case, kind, request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{case.number}.pdf"'
    return response


@private_page
def track_lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    if request.method == "POST":
        ip = _client_ip(request)
        number = "".join(request.POST.get("number", "").split()).upper()[:50]
        wait = rate_wait("track_lookup_ip", ip) or rate_wait("track_lookup_number", number)
        if wait:
            return _too_many(request, wait)
        if form.is_valid():
            case = Case.objects.filter(number=form.cleaned_data["number"]).only("tracking_code", "query_password").first()
            # Same answer, and a constant-time comparison, whether the number exists or not.
            expected = case.query_password if case is not None else secrets.token_hex(3)
            if hmac.compare_digest(expected.encode(), form.cleaned_data["password"].encode()) and case is not None:
                return redirect("cases:track", case.tracking_code)
            rate_hit("track_lookup_ip", ip)
            rate_hit("track_lookup_number", number)
            form.add_error(None, LOOKUP_FAILED)
    return render(request, "cases/public/track_lookup.html", {"form": form})


def _due(case: Case) -> dict[str, Any]:
    state = case.due_state()
    return {"state": state, "label": DueState(state).label, "date": case.due_date,
            "provisional": case.due_provisional}


# ---------------------------------------------------------------------------------------------
# My cases


def _own_cases(user: Any) -> Any:
    # visible_to is the one permission rule; the owner filter keeps staff accounts to their own applications.
    return Case.objects.visible_to(user).filter(applicant__user=user)


@private_page
@applicant_required
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = _own_cases(request.user).for_list()
    page = Paginator(cases, 20).get_page(request.GET.get("page"))
    return render(request, "cases/public/my_cases.html", {"page": page, "phone": applicant_phone(request.user)})


def _correction_materials(case: Case) -> list[dict[str, Any]]:
    """The materials named in the open correction request, each with its problem as the hint; all the case's
    materials when the request names none of them."""
    open_request = next((c for c in case.corrections.all() if c.received_at is None), None)
    if open_request is None:
        return []
    materials = list(case.materials.all())
    by_name = {m.name: m for m in materials}
    rows = []
    for entry in open_request.items:
        material = by_name.get(entry.get("material", ""))
        if material is not None and all(r["id"] != material.pk for r in rows):
            rows.append({"id": material.pk, "name": material.name, "necessity": "optional",
                         "acceptance_standard": entry.get("problem", "")})
    if not rows:
        rows = [{"id": m.pk, "name": m.name, "necessity": "optional", "acceptance_standard": ""} for m in materials]
    return rows


@private_page
@applicant_required
def my_case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = get_object_or_404(_case_queryset().filter(pk__in=_own_cases(request.user).values("pk")), number=number)
    correction_materials = _correction_materials(case) if case.status == Status.CORRECTION else []
    correction_form = CorrectionUploadForm(materials=correction_materials, uploaded={}, require=False,
                                           auto_id="corr_%s")
    withdraw_form = WithdrawForm(initial={"version": case.version}, auto_id="wd_%s")
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "withdraw" and case.status in OPEN_STATUSES:
        withdraw_form = WithdrawForm(request.POST, auto_id="wd_%s")
        if withdraw_form.is_valid():
            try:
                services.withdraw_case(actor=request.user, case=case,
                                       reason=withdraw_form.cleaned_data["reason"] or _("申请人网上撤回"),
                                       expected_version=withdraw_form.cleaned_data["version"])
            except DomainError as exc:
                withdraw_form.add_error(None, exc.message)
            else:
                messages.success(request, _("申请已撤回。"))
                return redirect("cases:my_case_detail", case.number)
    elif action == "correction" and correction_materials:
        correction_form = CorrectionUploadForm(request.POST, request.FILES, materials=correction_materials,
                                               uploaded={}, require=False, auto_id="corr_%s")
        if correction_form.is_valid():
            try:
                _submit_correction(request.user, case, correction_form.valid_uploads())
            except (ValidationError, DomainError) as exc:
                correction_form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("补正材料已提交，窗口工作人员审核后将继续办理。"))
                return redirect("cases:my_case_detail", case.number)
    elif action:
        messages.error(request, _("该办件当前状态为“%(s)s”，不能进行此操作。") % {"s": case.get_status_display()})
        return redirect("cases:my_case_detail", case.number)
    return render(request, "cases/public/my_case_detail.html", {
        "case": case, "timeline": _timeline(case, list(case.events.all()), owner=True), "due": _due(case),
        "materials": list(case.materials.all()), "notices": _notices(case, PUBLIC_NOTICE_KINDS),
        "open_correction": next((c for c in case.corrections.all() if c.received_at is None), None),
        "correction_form": correction_form, "withdraw_form": withdraw_form,
        "can_withdraw": case.status in OPEN_STATUSES,
        "track_url": request.build_absolute_uri(reverse("cases:track", args=[case.tracking_code])),
    })


def _submit_correction(user: Any, case: Case, uploads: dict[int, Any]) -> None:
    """Store the corrected files and report the correction received, all or nothing."""
    materials = {m.pk: m for m in case.materials.all()}
    stored: list[str] = []
    try:
        with transaction.atomic():
            for material_id, upload in uploads.items():
                stored.append(services.upload_material(actor=user, case=case, material=materials[material_id],
                                                       upload=upload).file.name)
            services.receive_correction(
                actor=user, case=case, opinion=_("申请人网上提交补正材料"),
                received_material_ids=[materials[mid].guide_material_id for mid in uploads
                                       if materials[mid].guide_material_id is not None])
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise


def _error_text(exc: ValidationError | DomainError) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    return " ".join(exc.messages)


# ---------------------------------------------------------------------------------------------
# Online application


SESSION_DRAFTS = "ow_apply"
SESSION_DONE = "ow_apply_done"


def _is_online(item: ServiceItem) -> bool:
    forms = set(item.handling_forms or [])
    return bool(item.is_active and item.published_version and forms & {HandlingForm.ONLINE_PC, HandlingForm.MOBILE})


def _kinds(item: ServiceItem) -> list[str]:
    groups = set(item.target_groups or [])
    kinds = []
    if TargetGroup.PERSON in groups or not groups:
        kinds.append(ApplicantKind.PERSON)
    if groups - {TargetGroup.PERSON}:
        kinds.append(ApplicantKind.ENTERPRISE)
    return kinds


def _steps(item: ServiceItem) -> list[str]:
    steps = ["details", "agent", "materials", "check"]
    return ["kind", *steps] if len(_kinds(item)) > 1 else steps


def _new_draft(guide: GuideVersion, kinds: list[str]) -> dict[str, Any]:
    return {"key": uuid.uuid4().hex, "guide": guide.pk, "kind": kinds[0] if len(kinds) == 1 else "",
            "files": {}}


def _load_draft(request: HttpRequest, item: ServiceItem, guide: GuideVersion) -> dict[str, Any]:
    drafts = request.session.get(SESSION_DRAFTS, {})
    draft = drafts.get(item.implementation_code)
    if draft is None:
        draft = _new_draft(guide, _kinds(item))
    elif draft.get("guide") != guide.pk:
        # A new guide was published meanwhile: the answers stand, the material list may have changed.
        _delete_draft_files(draft)
        draft.update(guide=guide.pk, files={}, materials_done=False)
        messages.warning(request, _("办事指南已更新，请按新的材料清单上传材料。"))
    _save_draft(request, item, draft)
    return draft


def _save_draft(request: HttpRequest, item: ServiceItem, draft: dict[str, Any]) -> None:
    drafts = request.session.get(SESSION_DRAFTS, {})
    drafts[item.implementation_code] = draft
    request.session[SESSION_DRAFTS] = drafts
    request.session.modified = True


def _delete_draft_files(draft: dict[str, Any]) -> None:
    for info in draft.get("files", {}).values():
        default_storage.delete(info["path"])


def _complete(draft: dict[str, Any], step: str) -> bool:
    return {
        "kind": bool(draft.get("kind")),
        "details": bool(draft.get("applicant")),
        "agent": "agent" in draft,
        "materials": bool(draft.get("materials_done")),
        "check": False,
    }[step]


def _step_url(item: ServiceItem, step: str) -> str:
    return f"{reverse('cases:apply', args=[item.implementation_code])}?step={step}"


@private_page
@applicant_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    item = get_object_or_404(ServiceItem.objects.select_related("department"), implementation_code=code)
    step = request.GET.get("step", "")
    if step == "done":
        return _apply_done(request, item)
    guide = current_guide(item) if _is_online(item) else None
    if guide is None:
        return render(request, "cases/public/apply_unavailable.html", {"item": item})
    if request.method == "POST" and step == "check":
        done = request.session.get(SESSION_DONE, {}).get(request.POST.get("idempotency_key", ""))
        if done:  # a second click, or back-and-resubmit after success: the same case, nothing new
            return HttpResponseRedirect(f"{_step_url(item, 'done')}&case={done}")
    steps = _steps(item)
    draft = _load_draft(request, item, guide)
    first_open = next((s for s in steps if not _complete(draft, s)), steps[-1])
    if step not in steps:
        step = steps[0]
    if steps.index(step) > steps.index(first_open):
        return HttpResponseRedirect(_step_url(item, first_open))
    context = {"item": item, "guide": guide, "draft": draft, "step": step, "steps": steps,
               "step_number": steps.index(step) + 1, "step_count": len(steps),
               "back_url": _step_url(item, steps[steps.index(step) - 1]) if steps.index(step) else
               reverse("portal:guide", args=[item.implementation_code])}
    handler = {"kind": _apply_kind, "details": _apply_details, "agent": _apply_agent,
               "materials": _apply_materials, "check": _apply_check}[step]
    return handler(request, item, guide, draft, context)


def _next_step(context: dict[str, Any]) -> str:
    steps = context["steps"]
    return steps[steps.index(context["step"]) + 1]


def _after_answer(item: ServiceItem, draft: dict[str, Any], context: dict[str, Any]) -> HttpResponse:
    """Go on, or back to the summary when the applicant came from "change" on the check page."""
    if draft.get("checking") and all(_complete(draft, s) for s in context["steps"] if s != "check"):
        return HttpResponseRedirect(_step_url(item, "check"))
    return HttpResponseRedirect(_step_url(item, _next_step(context)))


def _apply_kind(request: HttpRequest, item: ServiceItem, guide: GuideVersion, draft: dict[str, Any],
                context: dict[str, Any]) -> HttpResponse:
    form = KindForm(request.POST or None, initial={"kind": draft.get("kind")})
    if request.method == "POST" and form.is_valid():
        if draft.get("kind") != form.cleaned_data["kind"]:
            draft["kind"] = form.cleaned_data["kind"]
            draft.pop("applicant", None)  # the details asked depend on the kind
        _save_draft(request, item, draft)
        return _after_answer(item, draft, context)
    return render(request, "cases/public/apply_step.html", {**context, "form": form, "title": _("谁是申请人？"),
                                                            "legend_is_title": True})


def _applicant_initial(request: HttpRequest, kind: str) -> dict[str, Any]:
    known = request.user.applicants.filter(kind=kind).order_by("-created_at").first()
    if known is not None:
        return {"name": known.name, "cert_number": known.cert_number, "phone": known.phone,
                "legal_representative": known.legal_representative}
    if kind == ApplicantKind.PERSON:
        return {"name": request.user.first_name, "phone": applicant_phone(request.user)}
    return {"phone": applicant_phone(request.user)}


def _apply_details(request: HttpRequest, item: ServiceItem, guide: GuideVersion, draft: dict[str, Any],
                   context: dict[str, Any]) -> HttpResponse:
    kind = draft["kind"]
    form_class = EnterpriseForm if kind == ApplicantKind.ENTERPRISE else PersonForm
    initial = draft.get("applicant") or _applicant_initial(request, kind)
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.applicant_data()
        draft["applicant"] = {"kind": data.kind, "name": data.name, "cert_type": data.cert_type,
                              "cert_number": data.cert_number, "phone": data.phone,
                              "legal_representative": data.legal_representative}
        _save_draft(request, item, draft)
        return _after_answer(item, draft, context)
    title = _("企业或组织的信息") if kind == ApplicantKind.ENTERPRISE else _("申请人的信息")
    return render(request, "cases/public/apply_step.html", {**context, "form": form, "title": title})


def _apply_agent(request: HttpRequest, item: ServiceItem, guide: GuideVersion, draft: dict[str, Any],
                 context: dict[str, Any]) -> HttpResponse:
    saved = draft.get("agent") or {}
    initial = {**saved, "has_agent": "yes" if saved.get("agent_name") else ("no" if "agent" in draft else None)}
    form = AgentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft["agent"] = {k: data.get(k, "") for k in ("agent_name", "agent_cert_number", "agent_phone")}
        _save_draft(request, item, draft)
        return _after_answer(item, draft, context)
    return render(request, "cases/public/apply_step.html", {**context, "form": form, "title": _("代理人"),
                                                            "legend_is_title": True, "agent_step": True})


def _store_draft_file(draft: dict[str, Any], material_id: int, upload: Any) -> None:
    ext = upload.name.rsplit(".", 1)[-1].lower()
    # Random names under drafts/: never guessable, never carrying a personal name.
    path = default_storage.save(f"drafts/{secrets.token_hex(16)}.{ext}", upload)
    old = draft["files"].get(str(material_id))
    if old:
        default_storage.delete(old["path"])
    draft["files"][str(material_id)] = {"path": path, "name": upload.name[-200:], "size": upload.size}


def _apply_materials(request: HttpRequest, item: ServiceItem, guide: GuideVersion, draft: dict[str, Any],
                     context: dict[str, Any]) -> HttpResponse:
    materials = guide.materials
    if request.method == "POST":
        form = MaterialsForm(request.POST, request.FILES, materials=materials, uploaded=draft["files"])
        valid = form.is_valid()
        for material_id, upload in form.valid_uploads().items():
            _store_draft_file(draft, material_id, upload)  # kept even if another file failed
        if valid:
            draft["materials_done"] = True
            _save_draft(request, item, draft)
            return _after_answer(item, draft, context)
        draft["materials_done"] = False
        _save_draft(request, item, draft)
        form.show_uploaded(draft["files"])  # the kept files appear as "已上传…" next to the errors
    else:
        form = MaterialsForm(materials=materials, uploaded=draft["files"])
    return render(request, "cases/public/apply_materials.html", {
        **context, "form": form, "title": _("上传申请材料"), "max_bytes": settings.MAX_UPLOAD_BYTES})


def _check_rows(item: ServiceItem, draft: dict[str, Any], guide: GuideVersion) -> list[dict[str, Any]]:
    applicant = draft["applicant"]
    enterprise = applicant["kind"] == ApplicantKind.ENTERPRISE
    details = _step_url(item, "details")
    rows = []
    if "kind" in _steps(item):
        rows.append({"label": _("申请人类型"), "value": ApplicantKind(applicant["kind"]).label,
                     "url": _step_url(item, "kind")})
    rows += [
        {"label": _("企业或组织名称") if enterprise else _("申请人姓名"), "value": applicant["name"], "url": details},
        {"label": _("统一社会信用代码") if enterprise else _("居民身份证号码"), "value": applicant["cert_number"],
         "url": details},
    ]
    if enterprise:
        rows.append({"label": _("法定代表人"), "value": applicant["legal_representative"], "url": details})
    rows.append({"label": _("联系电话"), "value": applicant["phone"], "url": details})
    agent = draft.get("agent") or {}
    agent_value = (f"{agent['agent_name']}\n{agent['agent_cert_number']}\n{agent['agent_phone']}"
                   if agent.get("agent_name") else _("无，申请人自己办理"))
    rows.append({"label": _("代理人"), "value": agent_value, "url": _step_url(item, "agent")})
    return rows


def _material_rows(draft: dict[str, Any], guide: GuideVersion) -> list[dict[str, Any]]:
    return [{"name": m["name"], "necessity": m.get("necessity_display", ""),
             "file": draft["files"].get(str(m["id"]))} for m in guide.materials]


class _DraftFileMissing(Exception):
    pass


def _online_channel(request: HttpRequest, item: ServiceItem) -> str:
    agent = request.headers.get("User-Agent", "")
    mobile = any(word in agent for word in ("Mobile", "Android", "iPhone", "MicroMessenger"))
    if HandlingForm.MOBILE in item.handling_forms and (mobile or HandlingForm.ONLINE_PC not in item.handling_forms):
        return Channel.MOBILE
    return Channel.ONLINE_PC


def _apply_check(request: HttpRequest, item: ServiceItem, guide: GuideVersion, draft: dict[str, Any],
                 context: dict[str, Any]) -> HttpResponse:
    draft["checking"] = True
    _save_draft(request, item, draft)
    form = SubmitForm(request.POST or None, initial={"idempotency_key": draft["key"]})
    service_errors: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        if key != draft["key"]:
            messages.warning(request, _("页面已过期，请核对后重新提交。"))
            return HttpResponseRedirect(_step_url(item, "check"))
        try:
            case = _submit(request, item, guide, draft, key)
        except _DraftFileMissing as exc:
            draft["files"].pop(str(exc.args[0]), None)
            draft["materials_done"] = False
            _save_draft(request, item, draft)
            messages.error(request, _("有一个材料文件已失效，请重新上传。"))
            return HttpResponseRedirect(_step_url(item, "materials"))
        except ValidationError as exc:
            anchors = {"name": "details", "cert_number": "details", "phone": "details", "kind": "details",
                       "cert_type": "details"}
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]):
                for error in errors:
                    service_errors.append((_step_url(item, anchors.get(field, "check")), error))
        except DomainError as exc:
            service_errors.append((_step_url(item, "details"), exc.message))
        else:
            _delete_draft_files(draft)
            drafts = request.session.get(SESSION_DRAFTS, {})
            drafts.pop(item.implementation_code, None)
            request.session[SESSION_DRAFTS] = drafts
            done_map = dict(list(request.session.get(SESSION_DONE, {}).items())[-19:])
            done_map[key] = case.number
            request.session[SESSION_DONE] = done_map
            return HttpResponseRedirect(f"{_step_url(item, 'done')}&case={case.number}")
    return render(request, "cases/public/apply_check.html", {
        **context, "form": form, "title": _("核对您的申请"), "rows": _check_rows(item, draft, guide),
        "materials": _material_rows(draft, guide), "materials_url": _step_url(item, "materials"),
        "service_errors": service_errors,
    })


def _submit(request: HttpRequest, item: ServiceItem, guide: GuideVersion, draft: dict[str, Any], key: str) -> Case:
    """Create the case and attach the draft's files in one transaction: all of it, or nothing."""
    for material_id, info in draft["files"].items():
        if not default_storage.exists(info["path"]):
            raise _DraftFileMissing(material_id)
    agent = draft.get("agent") or {}
    applicant = services.ApplicantData(**draft["applicant"])
    stored: list[str] = []
    try:
        with transaction.atomic():
            result = services.submit_online(
                actor=request.user, item=item, applicant=applicant, channel=_online_channel(request, item),
                idempotency_key=key, agent_name=agent.get("agent_name", ""),
                agent_cert_number=agent.get("agent_cert_number", ""), agent_phone=agent.get("agent_phone", ""),
                form_data={"applicant_kind": applicant.kind, "has_agent": bool(agent.get("agent_name")),
                           "guide_version": guide.number},
            )
            if not result.created:
                return result.case
            by_guide_id = {m.guide_material_id: m for m in result.case.materials.all()}
            for material_id, info in draft["files"].items():
                material = by_guide_id.get(int(material_id))
                if material is None:
                    raise _DraftFileMissing(material_id)
                with default_storage.open(info["path"], "rb") as handle:
                    upload = File(handle.file, name=info["name"])
                    stored.append(services.upload_material(actor=request.user, case=result.case, material=material,
                                                           upload=upload).file.name)
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    logger.info("case_submitted_online case=%s files=%d", result.case.number, len(stored))
    return result.case


def _apply_done(request: HttpRequest, item: ServiceItem) -> HttpResponse:
    case = get_object_or_404(_own_cases(request.user).select_related("item", "centre"),
                             number=request.GET.get("case", ""))
    return render(request, "cases/public/apply_done.html", {
        "item": item, "case": case,
        "track_url": request.build_absolute_uri(reverse("cases:track", args=[case.tracking_code])),
    })

