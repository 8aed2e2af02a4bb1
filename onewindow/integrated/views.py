"""Applicant pages of integrated services (一件事), mobile first and elder-friendly:

* /yjs/ — the published life and business events, by audience.
* /yjs/<code>/ — the situation questions, all on one page: with JavaScript each answer is sent with htmx and
  the follow-ups it reveals (or the message of a blocking option) appear at once; without it, "继续" does
  the same in a full round trip: new follow-ups appear (not as errors), unanswered questions that were on
  the page are errors in the summary at the top.
* /yjs/<code>/plan/ — the one-time notice (一次告知) on a page: items, merged materials, days, fees, visits,
  inspection, notes, each with its "because"; /yjs/<code>/notice.pdf — the same as a PDF. Both read the
  answers from the query string (shareable, stateless) or else from the session.
* /yjs/<code>/apply/?step=… — after login (/my/login/?next=…): who applies, the ONE merged form, the ONE set
  of materials, check your answers, submit ONCE (idempotency key) → bundles.submit_bundle → confirmation
  with the bundle's tracking link and query password and the child case numbers.
* /track/<bundle code>/ (through cases.views_public.track) and /my/yjs/ — the whole event with one code.

Files are checked when uploaded and kept with the draft in the session (as the single-item application does),
so each is uploaded once; submit_bundle stores each once more as a case file, in the one transaction.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.cases.auth import applicant_phone
from onewindow.cases.choices import ApplicantKind, Channel, DueState
from onewindow.cases.forms_public import EnterpriseForm, KindForm, MaterialsForm, PersonForm, SubmitForm
from onewindow.cases.models import Case
from onewindow.cases.services import ApplicantData
from onewindow.cases.views_public import applicant_required, private_page
from onewindow.catalog.choices import Audience
from onewindow.core.errors import DomainError

from . import bundles
from .choices import MaterialStatus, QuestionKind
from .engine import AnswerError, CompiledService, CQuestion, Plan, ServiceNotPublished, compiled_for
from .forms import MergedForm, answers_from
from .models import IntegratedCase, IntegratedService
from .notice import plan_notice_pdf

logger = logging.getLogger("onewindow.integrated.public")

SESSION_ANSWERS = "ow_yjs"
SESSION_DRAFTS = "ow_yjs_apply"
SESSION_DONE = "ow_yjs_done"


# ---------------------------------------------------------------------------------------------
# Helpers


def _compiled(code: str) -> CompiledService:
    try:
        return compiled_for(code)
    except ServiceNotPublished:
        raise Http404(_("没有这个一件事，或它尚未发布。")) from None


def _stored_answers(request: HttpRequest, code: str) -> dict[str, Any]:
    return dict(request.session.get(SESSION_ANSWERS, {}).get(code, {}))


def _remember(request: HttpRequest, code: str, answers: dict[str, Any]) -> None:
    stored = request.session.get(SESSION_ANSWERS, {})
    stored[code] = answers
    request.session[SESSION_ANSWERS] = stored
    request.session.modified = True


def _safe_plan(compiled: CompiledService, answers: dict[str, Any]) -> tuple[Plan, dict[str, list[str]]]:
    """The plan for the answers that fit; the ones that do not (a tampered option code) become errors."""
    try:
        return compiled.plan(answers), {}
    except AnswerError as exc:
        good = {k: v for k, v in answers.items() if k not in exc.errors}
        return compiled.plan(good), exc.errors


def _answers_query(answers: dict[str, Any]) -> str:
    pairs: list[tuple[str, str]] = []
    for code, value in answers.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((code, v))
    return urlencode(pairs)


def _question_rows(compiled: CompiledService, plan: Plan, errors: dict[str, list[str]],
                   shown: set[str]) -> list[dict[str, Any]]:
    """The visible questions, each followed by the follow-ups its options reveal (depth for the indent)."""
    visible = set(plan.visible)
    follow_ups: dict[str, list[CQuestion]] = {}
    for q in compiled.questions:
        if q.parent is not None:
            follow_ups.setdefault(compiled.options[q.parent].question, []).append(q)
    rows: list[dict[str, Any]] = []

    def add(q: CQuestion, depth: int) -> None:
        if q.code not in visible:
            return
        chosen = set(plan.answers.get(q.code, ()))
        options = [{"code": o, "text": compiled.options[o].text, "checked": o in chosen, "id": f"q-{q.code}-{o}",
                    "blocks": compiled.options[o].blocks} for o in q.options]
        blocks = [compiled.options[o].block_message or _("该情形不能在此申请。")
                  for o in q.options if o in chosen and compiled.options[o].blocks]
        rows.append({"q": q, "depth": depth, "options": options, "errors": errors.get(q.code, []), "blocks": blocks,
                     "multiple": q.kind == QuestionKind.MULTIPLE, "anchor": options[0]["id"] if options else "",
                     "new": bool(shown) and q.code not in shown,
                     "revealed_by": compiled.options[q.parent].text if q.parent else ""})
        for f in follow_ups.get(q.code, []):
            add(f, depth + 1)

    for q in compiled.questions:
        if q.parent is None:
            add(q, 0)
    return rows


def _service_context(compiled: CompiledService) -> dict[str, Any]:
    snapshot = compiled.snapshot
    audience = snapshot.get("audience", "")
    return {"service": {"code": compiled.code, "name": compiled.name, "description": snapshot.get("description", ""),
                        "audience": Audience(audience).label if audience in Audience.values else "",
                        "version": compiled.number}}


# ---------------------------------------------------------------------------------------------
# The list and the questions


def service_list(request: HttpRequest) -> HttpResponse:
    services = list(IntegratedService.objects.published().order_by("order", "code"))
    groups = [(label, [s for s in services if s.audience == value]) for value, label in Audience.choices]
    return render(request, "integrated/public/services.html", {"groups": [g for g in groups if g[1]]})


@private_page
def questions(request: HttpRequest, code: str) -> HttpResponse:
    compiled = _compiled(code)
    htmx = bool(getattr(request, "htmx", False))
    errors: dict[str, list[str]] = {}
    summary: list[tuple[str, str]] = []
    new_count = 0
    status = 200
    if request.method == "POST":
        answers = answers_from(request.POST, compiled)
        shown = {c for c in request.POST.get("shown", "").split(",") if c}
        plan, errors = _safe_plan(compiled, answers)
        _remember(request, code, plan.to_dict()["answers"])
        if not htmx:
            for q in plan.missing:
                if q in shown:  # a question the applicant saw and left out; new follow-ups are no error
                    errors.setdefault(q, []).append(_("请回答“%(q)s”。") % {"q": compiled.question_by_code[q].text})
            new_count = len([q for q in plan.visible if q not in shown])
            if plan.complete and not errors:
                return HttpResponseRedirect(reverse("integrated:plan", args=[code]))
            status = 400 if errors or plan.blocks else 200
    else:
        given = answers_from(request.GET, compiled) or _stored_answers(request, code)
        plan, errors = _safe_plan(compiled, given)
        shown = set()
    rows = _question_rows(compiled, plan, errors, shown if request.method == "POST" and not htmx else set())
    for row in rows:
        for message in row["errors"]:
            summary.append((f"#{row['anchor']}", message))
        for message in row["blocks"]:
            if request.method == "POST" and not htmx:
                summary.append((f"#{row['anchor']}", message))
    context = {**_service_context(compiled), "rows": rows, "shown": ",".join(r["q"].code for r in rows),
               "summary": summary, "new_count": new_count if not summary else 0, "blocked": bool(plan.blocks),
               "complete": plan.complete}
    if htmx:
        previous = {c for c in request.POST.get("shown", "").split(",") if c}
        context["announce"] = [r["q"].text for r in rows if previous and r["q"].code not in previous]
        context["fragment"] = True
        return render(request, "integrated/public/_questions.html", context)
    return render(request, "integrated/public/questions.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# The one-time notice


def _plan_from_request(request: HttpRequest, code: str) -> tuple[CompiledService, Plan, dict[str, Any]] | None:
    compiled = _compiled(code)
    given = answers_from(request.GET, compiled) or _stored_answers(request, code)
    try:
        plan = compiled.plan(given)
    except AnswerError:
        return None
    if not plan.complete:
        return None
    return compiled, plan, plan.to_dict()


@private_page
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    found = _plan_from_request(request, code)
    if found is None:
        messages.info(request, _("请先回答全部情形问题。"))
        return HttpResponseRedirect(reverse("integrated:questions", args=[code]))
    compiled, plan, plan_dict = found
    if answers_from(request.GET, compiled):
        _remember(request, code, plan_dict["answers"])
    query = _answers_query(plan_dict["answers"])
    return render(request, "integrated/public/plan.html", {
        **_service_context(compiled), "plan": plan_dict, **_material_groups(plan_dict),
        "answered": [q for q in plan_dict["questions"] if q["answer"]],
        "pdf_url": f"{reverse('integrated:notice_pdf', args=[code])}?{query}",
        "apply_url": reverse("integrated:apply", args=[code]),
        "items_online": all(i["online"] for i in plan_dict["items"]),
    })


def _material_groups(plan_dict: dict[str, Any]) -> dict[str, Any]:
    return {
        "requested": [m for m in plan_dict["materials"] if m["status"] == MaterialStatus.REQUEST],
        "produced": [m for m in plan_dict["materials"] if m["status"] == MaterialStatus.PRODUCED],
        "merged": [m for m in plan_dict["materials"] if m["status"] == MaterialStatus.MERGED_FORM],
    }


@private_page
def notice_pdf(request: HttpRequest, code: str) -> HttpResponse:
    found = _plan_from_request(request, code)
    if found is None:
        raise Http404(_("请先回答全部情形问题，再下载一次性告知单。"))
    _compiled_service, _plan, plan_dict = found
    query = _answers_query(plan_dict["answers"])
    url = request.build_absolute_uri(f"{reverse('integrated:plan', args=[code])}?{query}")
    response = HttpResponse(plan_notice_pdf(plan_dict, url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="notice-{code}-v{plan_dict["service"]["version"]}.pdf"'
    return response


# ---------------------------------------------------------------------------------------------
# The application: who applies, one form, one set of materials, check, submit once


def _kinds(compiled: CompiledService) -> list[str]:
    if compiled.snapshot.get("audience") == Audience.ENTERPRISE:
        return [ApplicantKind.PERSON, ApplicantKind.ENTERPRISE]
    return [ApplicantKind.PERSON]


def _steps(compiled: CompiledService) -> list[str]:
    steps = ["details", "form", "materials", "check"]
    return ["kind", *steps] if len(_kinds(compiled)) > 1 else steps


def _step_url(code: str, step: str) -> str:
    return f"{reverse('integrated:apply', args=[code])}?step={step}"


def _save_draft(request: HttpRequest, code: str, draft: dict[str, Any]) -> None:
    drafts = request.session.get(SESSION_DRAFTS, {})
    drafts[code] = draft
    request.session[SESSION_DRAFTS] = drafts
    request.session.modified = True


def _delete_draft_files(draft: dict[str, Any]) -> None:
    for info in draft.get("files", {}).values():
        default_storage.delete(info["path"])


def _load_draft(request: HttpRequest, compiled: CompiledService, plan_dict: dict[str, Any]) -> dict[str, Any]:
    """The draft of this application; brought in line with the current answers: form values stay, files of
    materials that are no longer asked for are dropped."""
    code = compiled.code
    draft = request.session.get(SESSION_DRAFTS, {}).get(code)
    kinds = _kinds(compiled)
    if draft is None:
        draft = {"key": uuid.uuid4().hex, "kind": kinds[0] if len(kinds) == 1 else "", "form": {}, "files": {},
                 "answers": plan_dict["answers"]}
    wanted = {m["key"] for m in bundles.requested_materials(plan_dict)}
    stale = [k for k in draft["files"] if k not in wanted]
    for key in stale:
        default_storage.delete(draft["files"].pop(key)["path"])
    if draft.get("answers") != plan_dict["answers"]:
        draft["answers"] = plan_dict["answers"]
        draft["materials_done"] = False
        draft["form_done"] = False
    _save_draft(request, code, draft)
    return draft


def _complete(draft: dict[str, Any], step: str) -> bool:
    return {"kind": bool(draft.get("kind")), "details": bool(draft.get("applicant")),
            "form": bool(draft.get("form_done")), "materials": bool(draft.get("materials_done")),
            "check": False}[step]


@private_page
@applicant_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    compiled = _compiled(code)
    step = request.GET.get("step", "")
    if step == "done":
        return _done(request, compiled)
    stored = _stored_answers(request, code)
    try:
        plan = compiled.plan(stored)
    except AnswerError:
        plan = None
    if plan is None or not plan.complete:
        messages.info(request, _("请先回答全部情形问题。"))
        return HttpResponseRedirect(reverse("integrated:questions", args=[code]))
    plan_dict = plan.to_dict()
    if request.method == "POST" and step == "check":
        done = request.session.get(SESSION_DONE, {}).get(request.POST.get("idempotency_key", ""))
        if done:  # a second click, or back-and-resubmit after success: the same bundle, nothing new
            return HttpResponseRedirect(f"{_step_url(code, 'done')}&bundle={done}")
    steps = _steps(compiled)
    draft = _load_draft(request, compiled, plan_dict)
    first_open = next((s for s in steps if not _complete(draft, s)), steps[-1])
    if step not in steps:
        step = steps[0]
    if steps.index(step) > steps.index(first_open):
        return HttpResponseRedirect(_step_url(code, first_open))
    index = steps.index(step)
    context = {**_service_context(compiled), "plan": plan_dict, "draft": draft, "step": step, "steps": steps,
               "step_number": index + 1, "step_count": len(steps),
               "back_url": _step_url(code, steps[index - 1]) if index else reverse("integrated:plan", args=[code])}
    handler = {"kind": _apply_kind, "details": _apply_details, "form": _apply_form, "materials": _apply_materials,
               "check": _apply_check}[step]
    return handler(request, compiled, plan_dict, draft, context)


def _after_answer(code: str, draft: dict[str, Any], context: dict[str, Any]) -> HttpResponse:
    steps = context["steps"]
    if draft.get("checking") and all(_complete(draft, s) for s in steps if s != "check"):
        return HttpResponseRedirect(_step_url(code, "check"))
    return HttpResponseRedirect(_step_url(code, steps[steps.index(context["step"]) + 1]))


def _apply_kind(request: HttpRequest, compiled: CompiledService, plan_dict: dict[str, Any], draft: dict[str, Any],
                context: dict[str, Any]) -> HttpResponse:
    form = KindForm(request.POST or None, initial={"kind": draft.get("kind")})
    if request.method == "POST" and form.is_valid():
        if draft.get("kind") != form.cleaned_data["kind"]:
            draft["kind"] = form.cleaned_data["kind"]
            draft.pop("applicant", None)
        _save_draft(request, compiled.code, draft)
        return _after_answer(compiled.code, draft, context)
    return render(request, "integrated/public/apply_step.html", {
        **context, "form": form, "title": _("谁是申请人？"), "legend_is_title": True,
        "hint": _("开办新企业、企业尚未成立时，由投资人或法定代表人以个人身份申请。")})


def _applicant_initial(request: HttpRequest, kind: str) -> dict[str, Any]:
    known = request.user.applicants.filter(kind=kind).order_by("-created_at").first()
    if known is not None:
        return {"name": known.name, "cert_number": known.cert_number, "phone": known.phone,
                "legal_representative": known.legal_representative}
    if kind == ApplicantKind.PERSON:
        return {"name": request.user.first_name, "phone": applicant_phone(request.user)}
    return {"phone": applicant_phone(request.user)}


def _apply_details(request: HttpRequest, compiled: CompiledService, plan_dict: dict[str, Any],
                   draft: dict[str, Any], context: dict[str, Any]) -> HttpResponse:
    kind = draft["kind"]
    form_class = EnterpriseForm if kind == ApplicantKind.ENTERPRISE else PersonForm
    form = form_class(request.POST or None, initial=draft.get("applicant") or _applicant_initial(request, kind))
    if request.method == "POST" and form.is_valid():
        data = form.applicant_data()
        draft["applicant"] = {"kind": data.kind, "name": data.name, "cert_type": data.cert_type,
                              "cert_number": data.cert_number, "phone": data.phone,
                              "legal_representative": data.legal_representative}
        _save_draft(request, compiled.code, draft)
        return _after_answer(compiled.code, draft, context)
    title = _("企业或组织的信息") if kind == ApplicantKind.ENTERPRISE else _("申请人的信息")
    return render(request, "integrated/public/apply_step.html", {**context, "form": form, "title": title})


def _form_initial(plan_dict: dict[str, Any], draft: dict[str, Any]) -> dict[str, Any]:
    """What the applicant typed before, else what is already known: the contact phone of the applicant."""
    initial = dict(draft.get("form") or {})
    applicant = draft.get("applicant") or {}
    for spec in bundles.form_fields(plan_dict):
        if spec["name"] not in initial and spec["type"] == "phone" and applicant.get("phone"):
            initial[spec["name"]] = applicant["phone"]
    return initial


def _apply_form(request: HttpRequest, compiled: CompiledService, plan_dict: dict[str, Any], draft: dict[str, Any],
                context: dict[str, Any]) -> HttpResponse:
    form = MergedForm(request.POST or None, fields=bundles.form_fields(plan_dict),
                      initial=_form_initial(plan_dict, draft))
    if request.method == "POST" and form.is_valid():
        draft["form"] = {k: v for k, v in form.cleaned_data.items() if v}
        draft["form_done"] = True
        _save_draft(request, compiled.code, draft)
        return _after_answer(compiled.code, draft, context)
    decided = [f for f in plan_dict["form"] if f["type"] == "choice" and f["prefilled"]]
    return render(request, "integrated/public/apply_form.html", {
        **context, "form": form, "title": _("填写一件事综合申请表"), "decided": decided,
        "questions_url": reverse("integrated:questions", args=[compiled.code])})


def _material_rows(plan_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Requested materials shaped for cases' MaterialsForm (an index as the id; the key travels alongside)."""
    necessity = {"required": _("必要"), "deferrable": _("容缺"), "optional": _("非必要")}
    return [{"id": i, "key": m["key"], "name": m["name"], "necessity": m["necessity"],
             "necessity_display": necessity.get(m["necessity"], m["necessity"]),
             "acceptance_standard": m["why"] + (f"。{m['notes']}" if m["notes"] else ""),
             "items": m["items"]}
            for i, m in enumerate(bundles.requested_materials(plan_dict))]


def _store_draft_file(draft: dict[str, Any], key: str, upload: Any) -> None:
    import secrets

    ext = upload.name.rsplit(".", 1)[-1].lower()
    path = default_storage.save(f"drafts/{secrets.token_hex(16)}.{ext}", upload)  # random, never a name
    old = draft["files"].get(key)
    if old:
        default_storage.delete(old["path"])
    draft["files"][key] = {"path": path, "name": upload.name[-200:], "size": upload.size}


def _apply_materials(request: HttpRequest, compiled: CompiledService, plan_dict: dict[str, Any],
                     draft: dict[str, Any], context: dict[str, Any]) -> HttpResponse:
    rows = _material_rows(plan_dict)
    uploaded = {str(r["id"]): draft["files"][r["key"]] for r in rows if r["key"] in draft["files"]}
    if request.method == "POST":
        form = MaterialsForm(request.POST, request.FILES, materials=rows, uploaded=uploaded)
        valid = form.is_valid()
        for index, upload in form.valid_uploads().items():
            _store_draft_file(draft, rows[index]["key"], upload)  # kept even if another file failed
        draft["materials_done"] = valid
        _save_draft(request, compiled.code, draft)
        if valid:
            return _after_answer(compiled.code, draft, context)
        form.show_uploaded({str(r["id"]): draft["files"][r["key"]] for r in rows if r["key"] in draft["files"]})
    else:
        form = MaterialsForm(materials=rows, uploaded=uploaded)
    from django.conf import settings

    return render(request, "integrated/public/apply_materials.html", {
        **context, "form": form, "title": _("上传一套申请材料"), **_material_groups(plan_dict),
        "max_bytes": settings.MAX_UPLOAD_BYTES})


class _DraftFileMissing(Exception):
    pass


def _online_channel(request: HttpRequest) -> str:
    agent = request.headers.get("User-Agent", "")
    return Channel.MOBILE if any(w in agent for w in ("Mobile", "Android", "iPhone", "MicroMessenger")) \
        else Channel.ONLINE_PC


ERROR_STEPS = {"answers": "questions", "items": "plan", "form": "form", "materials": "materials",
               "name": "details", "cert_number": "details", "phone": "details", "kind": "details",
               "cert_type": "details"}


def _error_url(code: str, key: str) -> str:
    step = ERROR_STEPS.get(key, "check")
    if step == "questions":
        return reverse("integrated:questions", args=[code])
    if step == "plan":
        return reverse("integrated:plan", args=[code])
    return _step_url(code, step)


def _check_rows(compiled: CompiledService, plan_dict: dict[str, Any], draft: dict[str, Any]) -> dict[str, Any]:
    code = compiled.code
    applicant = draft["applicant"]
    enterprise = applicant["kind"] == ApplicantKind.ENTERPRISE
    details = _step_url(code, "details")
    people = []
    if "kind" in _steps(compiled):
        people.append({"label": _("申请人类型"), "value": ApplicantKind(applicant["kind"]).label,
                       "url": _step_url(code, "kind")})
    people += [
        {"label": _("企业或组织名称") if enterprise else _("申请人姓名"), "value": applicant["name"], "url": details},
        {"label": _("统一社会信用代码") if enterprise else _("居民身份证号码"), "value": applicant["cert_number"],
         "url": details},
        {"label": _("联系电话"), "value": applicant["phone"], "url": details},
    ]
    questions_url = reverse("integrated:questions", args=[code])
    situation = [{"label": q["text"], "value": "、".join(a["text"] for a in q["answer"]), "url": questions_url}
                 for q in plan_dict["questions"] if q["answer"]]
    form_url = _step_url(code, "form")
    values = draft.get("form") or {}
    fields = [{"label": f["label"], "value": f["value"] if f["type"] == "choice" and f["prefilled"]
               else values.get(f["name"], ""),
               "url": questions_url if f["type"] == "choice" and f["prefilled"] else form_url}
              for f in plan_dict["form"]]
    files = [{"name": m["name"], "necessity": m["necessity"], "file": draft["files"].get(m["key"])}
             for m in bundles.requested_materials(plan_dict)]
    return {"people": people, "situation": situation, "fields": [f for f in fields if f["value"]], "files": files}


def _apply_check(request: HttpRequest, compiled: CompiledService, plan_dict: dict[str, Any],
                 draft: dict[str, Any], context: dict[str, Any]) -> HttpResponse:
    code = compiled.code
    draft["checking"] = True
    _save_draft(request, code, draft)
    form = SubmitForm(request.POST or None, initial={"idempotency_key": draft["key"]})
    service_errors: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        if key != draft["key"]:
            messages.warning(request, _("页面已过期，请核对后重新提交。"))
            return HttpResponseRedirect(_step_url(code, "check"))
        try:
            bundle = _submit(request, compiled, draft, key)
        except _DraftFileMissing as exc:
            draft["files"].pop(str(exc.args[0]), None)
            draft["materials_done"] = False
            _save_draft(request, code, draft)
            messages.error(request, _("有一个材料文件已失效，请重新上传。"))
            return HttpResponseRedirect(_step_url(code, "materials"))
        except ValidationError as exc:
            pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            for field, errors in pairs:
                service_errors += [(_error_url(code, field), e) for e in errors]
        except DomainError as exc:
            service_errors.append((_step_url(code, "check"), exc.message))
        else:
            _delete_draft_files(draft)
            drafts = request.session.get(SESSION_DRAFTS, {})
            drafts.pop(code, None)
            request.session[SESSION_DRAFTS] = drafts
            done_map = dict(list(request.session.get(SESSION_DONE, {}).items())[-19:])
            done_map[key] = bundle.tracking_code
            request.session[SESSION_DONE] = done_map
            return HttpResponseRedirect(f"{_step_url(code, 'done')}&bundle={bundle.tracking_code}")
        status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "integrated/public/apply_check.html", {
        **context, "form": form, "title": _("核对您的申请"), **_check_rows(compiled, plan_dict, draft),
        "service_errors": service_errors, "materials_url": _step_url(code, "materials"),
    }, status=status)


def _submit(request: HttpRequest, compiled: CompiledService, draft: dict[str, Any], key: str) -> IntegratedCase:
    """Open the draft's kept files and hand everything to submit_bundle (one transaction there)."""
    for material_key, info in draft["files"].items():
        if not default_storage.exists(info["path"]):
            raise _DraftFileMissing(material_key)
    handles = []
    try:
        uploads = {}
        for material_key, info in draft["files"].items():
            handle = default_storage.open(info["path"], "rb")
            handles.append(handle)
            uploads[material_key] = File(handle.file, name=info["name"])
        result = bundles.submit_bundle(
            actor=request.user, service_code=compiled.code, answers=draft["answers"],
            applicant=ApplicantData(**draft["applicant"]), form_data=draft.get("form") or {}, uploads=uploads,
            channel=_online_channel(request), idempotency_key=key,
        )
    finally:
        for handle in handles:
            handle.close()
    return result.bundle


def _own_bundles(user: Any) -> Any:
    return IntegratedCase.objects.filter(applicant__user=user)


def _done(request: HttpRequest, compiled: CompiledService) -> HttpResponse:
    bundle = get_object_or_404(_own_bundles(request.user).with_children(), tracking_code=request.GET.get("bundle", ""),
                               service__code=compiled.code)
    return render(request, "integrated/public/apply_done.html", {
        **_service_context(compiled), "bundle": bundle, "cases": bundle.cases,
        "track_url": request.build_absolute_uri(reverse("cases:track", args=[bundle.tracking_code])),
    })


# ---------------------------------------------------------------------------------------------
# Tracking: the whole event with one code, and the applicant's own bundles


def _due(case: Case) -> dict[str, Any]:
    state = case.due_state()
    return {"state": state, "label": DueState(state).label, "date": case.due_date, "provisional": case.due_provisional}


def track_bundle(request: HttpRequest, code: str) -> HttpResponse | None:
    """The public page of a bundle's tracking code, or None when `code` is no bundle's (cases.views_public.track
    calls this after its own lookup failed; its rate limit and private-page headers apply). Names are masked."""
    bundle = IntegratedCase.objects.with_children().filter(tracking_code=code).first() if len(code) <= 32 else None
    if bundle is None:
        return None
    owner = request.user.is_authenticated and bundle.applicant.user_id == request.user.pk
    rows = [{"case": c, "due": _due(c)} for c in bundle.cases]
    return render(request, "integrated/public/track_bundle.html", {
        "bundle": bundle, "rows": rows, "status": bundle.status, "is_owner": owner,
    })


@private_page
@applicant_required
def my_bundles(request: HttpRequest) -> HttpResponse:
    bundles_ = list(_own_bundles(request.user).with_children()[:50])
    return render(request, "integrated/public/my_bundles.html", {"bundles": bundles_})
