"""Bundles (一件事办件): one application for one integrated service, submitted once online or accepted once
at the general window, becoming one linked child case per item of the plan.

    submit_bundle(*, actor, service_code, answers, applicant, form_data, uploads, channel, centre=None,
                  idempotency_key, agent_name="", agent_cert_number="", agent_phone="") -> BundleResult
    accept_bundle(*, actor, service_code, answers, applicant, received, centre, window=None, form_data=None,
                  idempotency_key, agent_name="", agent_cert_number="", agent_phone="") -> BundleResult
    bundle_status(cases) -> BundleStatus            the parent's status, summed up from its children

Both services recompute the plan from the answers (a plan sent by a browser is never trusted), refuse bad
answers, a blocking option, a missing required answer, a bad form value or a bad file with a ValidationError
whose keys are "answers", "form", "materials", "items" or an applicant field — before anything is written —
and then do everything in ONE transaction: the bundle row, every child case through `cases.services`
(which routes each to its item's department and section and writes the child's own history), the files and
the audit event. Either the whole event exists afterwards or nothing does.

Lock order: the bundle row is inserted first; its unique idempotency key makes a double click or a retry
return the first bundle (a concurrent twin waits on the key and then finds it). The child cases are new rows
that nobody else can see before commit, so they are not locked again here; `cases.services` locks them
where it transitions them (accept_case, request_correction).

Materials that the bundle itself supplies are never asked for: each item's application form is replaced by
the one merged form, and a material an earlier item produces (the business licence for the seal, the tax
and the bank account) travels inside the event. On the child cases such materials are registered as received
with a note saying why, so the clerk's checklist and `accept_case` see them as present.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event
from onewindow.cases import permissions
from onewindow.cases import services as case_services
from onewindow.cases.choices import (
    ONLINE_CHANNELS,
    Action,
    Channel,
    Status,
)
from onewindow.cases.choices import MaterialStatus as CaseMaterialStatus
from onewindow.cases.forms_public import validate_upload
from onewindow.cases.models import Case, CaseFile, CaseVisit, case_upload_path
from onewindow.catalog.choices import Necessity
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.services import current_guide
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.core.validators import validate_id_number, validate_phone
from onewindow.org.choices import CentreLevel
from onewindow.org.models import ServiceCentre, Window

from .choices import BundleState, FieldType, MaterialStatus, VersionStatus
from .engine import AnswerError, Plan, compiled_for
from .models import IntegratedCase, IntegratedCaseChild, IntegratedServiceVersion

logger = logging.getLogger("onewindow.integrated")

ONLINE_FORMS = {"2", "3"}
TEXT_LIMITS = {FieldType.TEXTAREA: 2000}
TEXT_LIMIT = 200
MERGED_FORM_NOTE = "由一件事综合申请表替代"


@dataclass
class BundleResult:
    bundle: IntegratedCase
    created: bool
    accepted: list[Case] = field(default_factory=list)
    corrected: list[Case] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Checks shared by the views (before any file is kept) and the services (before anything is written)


def checked_plan(service_code: str, answers: Mapping[str, Any] | None) -> Plan:
    """The plan of the published version for `answers`, or a ValidationError({"answers": [...]}) that says
    in words which answer is wrong: an unknown option, a blocking option (with its message), a required
    question left unanswered. ServiceNotPublished (404) passes through."""
    compiled = compiled_for(service_code)
    try:
        plan = compiled.plan(answers)
    except AnswerError as exc:
        messages = []
        for code, errors in exc.errors.items():
            question = compiled.question_by_code.get(code)
            label = question.text if question else code
            messages += [f"{label}：{e}" for e in errors]
        raise ValidationError({"answers": messages}) from exc
    if plan.blocks:
        raise ValidationError({"answers": [b.text for b in plan.blocks]})
    if plan.missing:
        raise ValidationError({"answers": [_("请回答“%(q)s”。") % {"q": compiled.question_by_code[q].text}
                                           for q in plan.missing]})
    if not plan.items:
        raise ValidationError({"answers": [_("根据您的回答，没有需要办理的事项。")]})
    return plan


def clean_field_value(spec: Mapping[str, Any], raw: Any) -> str:
    """One merged-form value, checked for its type; returned as text ("" when empty). Raises ValidationError
    with a message that names the field."""
    label = spec.get("label") or spec.get("name")
    value = "" if raw is None else str(raw).strip()
    if not value:
        return ""
    kind = spec.get("type", FieldType.TEXT)
    if kind == FieldType.NUMBER:
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number < 0:
            raise ValidationError(_("“%(f)s”应填写不小于 0 的数字。") % {"f": label})
        return str(int(number)) if number == number.to_integral_value() else format(number, "f")
    if kind == FieldType.DATE:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError(_("“%(f)s”应为日期，例如 2026-01-05。") % {"f": label}) from None
    if kind == FieldType.PHONE:
        try:
            validate_phone(value)
        except ValidationError:
            raise ValidationError(_("“%(f)s”的格式不正确（手机11位，或区号-号码）。") % {"f": label}) from None
        return value
    if kind == FieldType.ID_NUMBER:
        value = value.upper()
        try:
            validate_id_number(value)
        except ValidationError:
            raise ValidationError(_("“%(f)s”不是有效的居民身份证号码（18位，最后一位可以是 X）。") % {"f": label}) from None
        return value
    limit = TEXT_LIMITS.get(kind, TEXT_LIMIT)
    if len(value) > limit:
        raise ValidationError(_("“%(f)s”最多 %(n)d 个字。") % {"f": label, "n": limit})
    return value


def form_fields(plan_dict: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The merged form's fields the applicant fills in: everything except choice fields the answers already
    decided (those are shown, not asked again)."""
    return [f for f in plan_dict["form"] if not (f["type"] == FieldType.CHOICE and f["prefilled"])]


def clean_form_data(plan_dict: Mapping[str, Any], data: Mapping[str, Any], *, require: bool = True) -> dict[str, Any]:
    """The merged form's values, each field once: choice fields the answers decided come from the answers
    (whatever the browser sent), the others are checked by type; required ones must be there when `require`."""
    out: dict[str, Any] = {}
    errors: list[str] = []
    for spec in plan_dict["form"]:
        name = spec["name"]
        if spec["type"] == FieldType.CHOICE and spec["prefilled"]:
            out[name] = spec["value"]
            continue
        try:
            value = clean_field_value(spec, data.get(name))
        except ValidationError as exc:
            errors += exc.messages
            continue
        if value:
            out[name] = value
        elif require and spec["required"]:
            errors.append(_("请填写“%(f)s”。") % {"f": spec["label"]})
    if errors:
        raise ValidationError({"form": errors})
    return out


def requested_materials(plan_dict: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The merged materials the applicant hands in (each kind once)."""
    return [m for m in plan_dict["materials"] if m["status"] == MaterialStatus.REQUEST]


def check_uploads(plan_dict: Mapping[str, Any], uploads: Mapping[str, Any], *, require: bool = True) -> dict[str, Any]:
    """Each upload belongs to a requested material of the plan and passes the same type/size/content checks as
    cases.services.upload_material; required materials are all there (deferrable and optional ones may
    follow later, as in the single-item application)."""
    wanted = {m["key"]: m for m in requested_materials(plan_dict)}
    errors: list[str] = []
    for key in uploads:
        if key not in wanted:
            errors.append(_("材料“%(k)s”不在本次一次性告知的材料清单中。") % {"k": key})
    for key, material in wanted.items():
        upload = uploads.get(key)
        if upload is None:
            if require and material["necessity"] == Necessity.REQUIRED:
                errors.append(_("请上传“%(m)s”。") % {"m": material["name"]})
            continue
        try:
            validate_upload(upload, material["name"])
        except ValidationError as exc:
            errors += exc.messages
    if errors:
        raise ValidationError({"materials": errors})
    return {k: v for k, v in uploads.items() if k in wanted}


def plan_items(plan_dict: Mapping[str, Any], *, online: bool = False,
               centre: ServiceCentre | None = None) -> list[ServiceItem]:
    """The catalog items of the plan, in plan order; a ValidationError({"items": [...]}) names every item that
    cannot be applied for here (stopped, not online, not accepted by this centre)."""
    codes = [i["code"] for i in plan_dict["items"]]
    rows = {i.implementation_code: i for i in
            ServiceItem.objects.filter(implementation_code__in=codes).select_related("department", "section")}
    errors: list[str] = []
    items: list[ServiceItem] = []
    for entry in plan_dict["items"]:
        item = rows.get(entry["code"])
        name = entry["name"]
        if item is None or not item.is_active or not item.published_version:
            errors.append(_("「%(n)s」已停用或尚未发布，暂不能申请，请咨询窗口。") % {"n": name})
        elif online and not set(item.handling_forms or []) & ONLINE_FORMS:
            errors.append(_("「%(n)s」暂不支持网上办理，请到综合窗口一次办理整件一件事。") % {"n": name})
        elif centre is not None and not centre.may_accept(item):
            errors.append(_("本中心不能受理「%(n)s」，请到 %(c)s 办理整件一件事。") % {"n": name, "c": centre.root().name})
        else:
            items.append(item)
    if errors:
        raise ValidationError({"items": errors})
    return items


def _published_version(service_code: str, plan_dict: Mapping[str, Any]) -> IntegratedServiceVersion:
    version = (IntegratedServiceVersion.objects.select_related("service")
               .filter(service__code=service_code, status=VersionStatus.PUBLISHED).first())
    if version is None or version.number != plan_dict["service"]["version"]:
        raise ConflictError(_("该一件事的办理规则刚刚更新，请重新核对一次性告知后再提交。"))
    return version


def _existing(key: str) -> IntegratedCase | None:
    return IntegratedCase.objects.filter(idempotency_key=key).first()


def _child_form(plan_dict: Mapping[str, Any], fields: dict[str, Any], bundle: IntegratedCase,
                applicant_kind: str) -> dict[str, Any]:
    # The merged form's fields at the top level, as a single-item application has them (supervision's
    # 双告知 reads business_scope there), plus where the case came from.
    return {**fields, "applicant_kind": applicant_kind,
            "integrated": {"service": plan_dict["service"]["code"], "version": plan_dict["service"]["version"],
                           "bundle": bundle.pk}}


def _material_key(kind: str, name: str) -> str:
    # The engine's merge key: the material kind, or the name for materials without one.
    return kind or f"name:{name}"


def _supplied(plan_dict: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(item code, material key) → why the bundle supplies it itself: the merged form, an earlier item's
    result, or a rule that waives it for this situation."""
    out: dict[tuple[str, str], str] = {}
    for m in plan_dict["materials"]:
        for variant in m["variants"]:
            if variant["status"] == MaterialStatus.MERGED_FORM:
                out[(variant["item"], m["key"])] = MERGED_FORM_NOTE
            elif variant["status"] == MaterialStatus.PRODUCED:
                producer = m["produced_by_name"] or _("前序事项")
                out[(variant["item"], m["key"])] = f"由「{producer}」办理结果提供，一件事内流转，无需提交"
    for w in plan_dict.get("waived_materials", []):
        if w["item"]:
            out[(w["item"], w["kind"])] = f"依一件事情形规则 {w['rule']} 免交"
    return out


def _mark_supplied(case: Case, notes: dict[str, str]) -> None:
    """Register the materials the bundle supplies itself as received, with the reason as the material's note.
    The case is new in this transaction (nobody else sees it yet), so no lock is taken."""
    for material in case.materials.all():
        note = notes.get(_material_key(material.kind, material.name))
        if note:
            material.status = CaseMaterialStatus.RECEIVED
            material.note = note[:300]
            material.save(update_fields=["status", "note"])


def _notes_for(supplied: dict[tuple[str, str], str], item_code: str) -> dict[str, str]:
    return {key: note for (code, key), note in supplied.items() if code == item_code}


def _hash(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store_shared_files(*, actor: Any, plan_dict: Mapping[str, Any], children: list[Case],
                        files: Mapping[str, Any], stored: list[str]) -> int:
    """Store each upload ONCE and give every child that needs its material kind a CaseFile row pointing at the
    same stored name. Appends each stored name to `stored` at once, so the caller can delete the files if
    the transaction fails. Returns the number of CaseFile rows written."""
    by_item = {c.item.implementation_code: c for c in children}
    rows = 0
    for material in requested_materials(plan_dict):
        upload = files.get(material["key"])
        if upload is None:
            continue
        name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        content_type = case_services.ALLOWED_UPLOAD_TYPES[ext][0]
        sha256 = _hash(upload)
        size = upload.size
        stored_name = default_storage.save(case_upload_path(None, name), upload)  # type: ignore[arg-type]
        stored.append(stored_name)
        # Children whose item asks the applicant for this kind; a material a rule adds without naming an item
        # belongs to the event as a whole and is kept with the first child.
        needing = [by_item[v["item"]] for v in material["variants"]
                   if v["status"] == MaterialStatus.REQUEST and v["item"] in by_item]
        targets = list(dict.fromkeys(needing)) or children[:1]
        for case in targets:
            case_material = next((m for m in case.materials.all()
                                  if _material_key(m.kind, m.name) == material["key"]), None)
            case_file = CaseFile.objects.create(
                case=case, material=case_material, file=stored_name, original_name=name[-200:],
                content_type=content_type, size=size, sha256=sha256,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            if case_material is not None and case_material.status != CaseMaterialStatus.RECEIVED:
                case_material.status = CaseMaterialStatus.RECEIVED
                case_material.save(update_fields=["status"])
            # The child's own history says what was uploaded, as cases.services.upload_material would; the file
            # is shared, so it is written here once instead of once per child.
            case_services._event(case, actor=actor, action=Action.UPLOAD, from_status=case.status,
                                 data={"material": material["name"], "integrated": True, "shared_with": len(targets)},
                                 files=[case_file])
            rows += 1
    return rows


def _new_bundle(*, key: str, plan_dict: dict[str, Any], version: IntegratedServiceVersion, answers: dict[str, Any],
                fields: dict[str, Any], applicant: Any, channel: str, centre: ServiceCentre, window: Window | None,
                actor: Any) -> IntegratedCase:
    return IntegratedCase.objects.create(
        service=version.service, version=version, answers=answers, plan=plan_dict, form_data=fields,
        applicant=applicant, channel=channel, centre=centre, window=window,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        tracking_code=secrets.token_urlsafe(16), query_password=f"{secrets.randbelow(10**6):06d}",
        idempotency_key=key,
    )


def _county_centre() -> ServiceCentre:
    centre = ServiceCentre.objects.filter(level=CentreLevel.COUNTY).first()
    if centre is None:
        raise ValidationError({"centre": [_("尚未配置县级政务服务中心。")]})
    return centre


# ---------------------------------------------------------------------------------------------
# Online: the applicant submits the whole event once


def submit_bundle(
    *, actor: Any, service_code: str, answers: Mapping[str, Any], applicant: case_services.ApplicantData,
    form_data: Mapping[str, Any], uploads: Mapping[str, Any], channel: str = Channel.ONLINE_PC,
    centre: ServiceCentre | None = None, idempotency_key: str, agent_name: str = "", agent_cert_number: str = "",
    agent_phone: str = "",
) -> BundleResult:
    """网上一次提交一件事: the bundle and one child case per plan item (each `submitted`, waiting for the window's
    pre-review in its own section), each shared file stored once. The same idempotency key returns the first
    bundle and writes nothing."""
    if not getattr(actor, "is_authenticated", False):
        raise ForbiddenError(_("请先登录再提交网上申请。"))
    if channel not in ONLINE_CHANNELS:
        raise ValidationError({"channel": [_("网上申请的渠道应为电脑或移动端。")]})
    if not idempotency_key:
        raise ValidationError({"idempotency_key": [_("页面已过期，请刷新后重新提交。")]})
    key = f"u{actor.pk}:{idempotency_key}"[:100]
    existing = _existing(key)
    if existing is not None:
        return BundleResult(existing, False)

    plan = checked_plan(service_code, answers)
    plan_dict = plan.to_dict()
    items = plan_items(plan_dict, online=True)
    fields = clean_form_data(plan_dict, form_data)
    files = check_uploads(plan_dict, uploads)
    applicant.validate()
    version = _published_version(service_code, plan_dict)
    centre = centre or _county_centre()
    supplied = _supplied(plan_dict)
    stored: list[str] = []
    try:
        with transaction.atomic():
            person = case_services.upsert_applicant(applicant, user=actor)
            if person.user_id not in (None, actor.pk):
                raise ForbiddenError(_("该证件已绑定其他账号，请使用本人账号申请或到窗口办理。"))
            bundle = _new_bundle(key=key, plan_dict=plan_dict, version=version, answers=plan_dict["answers"],
                                 fields=fields, applicant=person, channel=channel, centre=centre, window=None,
                                 actor=actor)
            children: list[Case] = []
            for order, item in enumerate(items):
                result = case_services.submit_online(
                    actor=actor, item=item, applicant=applicant, channel=channel, centre=centre,
                    form_data=_child_form(plan_dict, fields, bundle, applicant.kind),
                    idempotency_key=f"yjs{bundle.pk}:{order}", agent_name=agent_name,
                    agent_cert_number=agent_cert_number, agent_phone=agent_phone,
                )
                IntegratedCaseChild.objects.create(bundle=bundle, case=result.case, order=order)
                _mark_supplied(result.case, _notes_for(supplied, item.implementation_code))
                children.append(result.case)
            file_rows = _store_shared_files(actor=actor, plan_dict=plan_dict, children=children, files=files,
                                            stored=stored)
            record_event(actor=actor, action="integrated_submitted", obj=bundle,
                         summary=f"{plan_dict['service']['name']}：{len(children)} 个事项",
                         data={"service": service_code, "version": version.number,
                               "cases": [c.number for c in children], "files": len(stored), "file_rows": file_rows})
    except IntegrityError:
        for name in stored:
            default_storage.delete(name)
        existing = _existing(key)
        if existing is not None:  # a concurrent twin with the same key committed first
            return BundleResult(existing, False)
        raise
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    logger.info("integrated_submitted bundle=%s service=%s cases=%d files=%d", bundle.pk, service_code,
                len(children), len(stored))
    return BundleResult(bundle, True)


# ---------------------------------------------------------------------------------------------
# At the general window: the clerk accepts the whole event at once


def accept_bundle(
    *, actor: Any, service_code: str, answers: Mapping[str, Any], applicant: case_services.ApplicantData,
    received: Iterable[str], centre: ServiceCentre, window: Window | None = None,
    form_data: Mapping[str, Any] | None = None, idempotency_key: str, agent_name: str = "",
    agent_cert_number: str = "", agent_phone: str = "",
) -> BundleResult:
    """综合窗口整件受理: the clerk has run the situation questions with the applicant and ticked the merged
    material checklist. In one transaction every item becomes a received child case in its own section;
    each child whose materials are complete is accepted (its clock starts), and the children that miss
    materials get one combined correction notice (一次性告知, every missing material once) instead."""
    if not getattr(actor, "is_authenticated", False) or not permissions.can_intake(actor, centre):
        raise ForbiddenError(_("您不是该中心的窗口受理人员。"))
    if not idempotency_key:
        raise ValidationError({"idempotency_key": [_("页面已过期，请刷新后重新提交。")]})
    key = f"staff:{actor.pk}:yjs:{idempotency_key}"[:100]
    existing = _existing(key)
    if existing is not None:
        return BundleResult(existing, False)

    plan = checked_plan(service_code, answers)
    plan_dict = plan.to_dict()
    items = plan_items(plan_dict, centre=centre)
    # The merged form is signed on paper at the window; what the clerk typed is kept, nothing more is required.
    fields = clean_form_data(plan_dict, form_data or {}, require=False)
    requested = {m["key"]: m for m in requested_materials(plan_dict)}
    received_keys = set(received)
    unknown = sorted(received_keys - set(requested))
    if unknown:
        raise ValidationError({"materials": [_("材料“%(k)s”不在本次一次性告知的材料清单中。") % {"k": k} for k in unknown]})
    applicant.validate()
    version = _published_version(service_code, plan_dict)
    if window is not None and window.centre_id != centre.pk:
        raise ValidationError({"window": [_("该窗口不属于本中心。")]})
    supplied = _supplied(plan_dict)
    channel = case_services._channel_for(centre, None)  # the centre's level decides: window, township, bank …

    try:
        bundle, accepted, corrected = _accept_in_one_transaction(
            actor=actor, key=key, plan_dict=plan_dict, version=version, items=items, fields=fields,
            applicant=applicant, received_keys=received_keys, supplied=supplied, centre=centre, window=window,
            channel=channel, agent={"agent_name": agent_name, "agent_cert_number": agent_cert_number,
                                    "agent_phone": agent_phone})
    except IntegrityError:
        existing = _existing(key)
        if existing is not None:  # a concurrent twin with the same key committed first
            return BundleResult(existing, False)
        raise
    logger.info("integrated_accepted bundle=%s service=%s accepted=%d corrected=%d", bundle.pk, service_code,
                len(accepted), len(corrected))
    return BundleResult(bundle, True, accepted=accepted, corrected=corrected)


def _accept_in_one_transaction(
    *, actor: Any, key: str, plan_dict: dict[str, Any], version: IntegratedServiceVersion, items: list[ServiceItem],
    fields: dict[str, Any], applicant: case_services.ApplicantData, received_keys: set[str],
    supplied: dict[tuple[str, str], str], centre: ServiceCentre, window: Window | None, channel: str,
    agent: dict[str, str],
) -> tuple[IntegratedCase, list[Case], list[Case]]:
    with transaction.atomic():
        person = case_services.upsert_applicant(applicant)
        bundle = _new_bundle(key=key, plan_dict=plan_dict, version=version, answers=plan_dict["answers"],
                             fields=fields, applicant=person, channel=channel, centre=centre, window=window,
                             actor=actor)
        children: list[Case] = []
        for order, item in enumerate(items):
            notes = _notes_for(supplied, item.implementation_code)
            guide = current_guide(item)
            present = received_keys | set(notes)
            ids = [m["id"] for m in (guide.materials if guide else [])
                   if _material_key(m.get("kind", ""), m["name"]) in present]
            result = case_services.receive_case(
                actor=actor, item=item, applicant=applicant, centre=centre, window=None, channel=channel,
                received_material_ids=ids, form_data=_child_form(plan_dict, fields, bundle, applicant.kind), **agent,
                idempotency_key=f"{key}:{order}"[:100],
            )
            case = result.case
            if order > 0:
                # 最多跑一次 is counted per case: receive_case records one visit (a CaseVisit row and
                # Case.visits + 1) on every case taken at an on-site channel. The applicant stood at the
                # window ONCE for the whole event, so the visit stays on the first child only and the ones
                # receive_case just recorded on the other children are removed again in this same
                # transaction (never committed, so no history is rewritten). Counting it on every child
                # would report one trip as N trips in the 最多跑一次 statistics; counting it nowhere would hide it.
                CaseVisit.objects.filter(case=case).delete()
                Case.objects.filter(pk=case.pk).update(visits=0)
                case.visits = 0
            IntegratedCaseChild.objects.create(bundle=bundle, case=case, order=order)
            _mark_supplied(case, notes)
            children.append(case)

        accepted: list[Case] = []
        missing = _missing_materials(plan_dict, children, received_keys)
        for case in children:
            if case.pk not in missing:
                accepted.append(case_services.accept_case(actor=actor, case=case))
        corrected: list[Case] = []
        if missing:
            # One combined notice: every missing material named once for the whole event (by its merged
            # name), and each child waiting on it carries the same note, so the applicant brings everything
            # back in one trip. Each child's own list uses the names its guide uses.
            merged_names = {m["key"]: m["name"] for m in plan_dict["materials"]}
            names = list(dict.fromkeys(merged_names.get(key, name) for rows in missing.values() for key, name in rows))
            note = (f"一件事「{plan_dict['service']['name']}」合并一次性告知：共需补正 {len(names)} 项材料"
                    f"（{'、'.join(names)}），涉及 {len(missing)} 个事项；同一材料只需提交一份，补齐后一次提交。")[:500]
            for case in children:
                if case.pk in missing:
                    case_services.request_correction(
                        actor=actor, case=case, note=note,
                        items=[{"material": name, "problem": _("未提交（一件事合并告知）")} for _key, name in missing[case.pk]],
                    )
                    corrected.append(case)
        record_event(actor=actor, action="integrated_accepted", obj=bundle,
                     summary=f"{plan_dict['service']['name']}：受理 {len(accepted)}，补正 {len(corrected)}",
                     data={"service": plan_dict["service"]["code"], "version": version.number,
                           "cases": [c.number for c in children], "accepted": len(accepted),
                           "corrected": len(corrected), "centre": centre.pk})
    return bundle, accepted, corrected


def _missing_materials(plan_dict: Mapping[str, Any], children: list[Case],
                       received_keys: set[str]) -> dict[int, list[tuple[str, str]]]:
    """case pk → [(material key, name)] still missing: the child's own required or deferrable materials not
    received, plus the plan's requested materials that a rule adds (not in any guide) and were not handed in —
    those belong to the item the rule names, or to the event as a whole (kept with the first child)."""
    out: dict[int, dict[str, str]] = {}
    by_item = {c.item.implementation_code: c for c in children}
    for case in children:
        for row in case.materials.all():
            if row.necessity in (Necessity.REQUIRED, Necessity.DEFERRABLE) and row.status != CaseMaterialStatus.RECEIVED:
                out.setdefault(case.pk, {})[_material_key(row.kind, row.name)] = row.name
    for m in requested_materials(plan_dict):
        if m["key"] in received_keys or m["necessity"] not in (Necessity.REQUIRED, Necessity.DEFERRABLE):
            continue
        needing = [by_item[v["item"]] for v in m["variants"]
                   if v["status"] == MaterialStatus.REQUEST and v["item"] in by_item] or children[:1]
        for case in needing:
            out.setdefault(case.pk, {}).setdefault(m["key"], m["name"])
    return {pk: list(rows.items()) for pk, rows in out.items()}


# ---------------------------------------------------------------------------------------------
# The parent's status


DONE_OK = {Status.APPROVED, Status.APPROVED_PENDING}
FAILED = {Status.REFUSED, Status.DENIED, Status.REVOKED}


@dataclass
class BundleStatus:
    """What the bundle's children add up to. `state` is a BundleState; `counts` is [(status label, n)]."""

    state: str
    label: str
    total: int
    done: int
    failed: list[Case]
    correction: list[Case]
    counts: list[tuple[str, int]]

    @property
    def detail(self) -> str:
        return "，".join(f"{label} {n}" for label, n in self.counts)


def bundle_status(cases: list[Case]) -> BundleStatus:
    """All done → done; any refused or denied → said (and which); otherwise in progress, with counts. A child
    waiting for corrected materials is said too, because the applicant has to act."""
    total = len(cases)
    done = [c for c in cases if c.status in DONE_OK]
    failed = [c for c in cases if c.status in FAILED]
    withdrawn = [c for c in cases if c.status == Status.WITHDRAWN]
    correction = [c for c in cases if c.status == Status.CORRECTION]
    tally: dict[str, int] = {}
    for case in cases:
        tally[case.status] = tally.get(case.status, 0) + 1
    counts = [(str(Status(s).label), n) for s, n in sorted(tally.items(), key=lambda kv: list(Status.values).index(kv[0]))]
    if total and len(withdrawn) == total:
        state, label = BundleState.WITHDRAWN, str(BundleState.WITHDRAWN.label)
    elif failed:
        state = BundleState.ATTENTION
        label = _("有 %(n)d 个事项不予受理或不予许可（共 %(t)d 个）") % {"n": len(failed), "t": total}
    elif total and done and len(done) + len(withdrawn) == total:
        state, label = BundleState.DONE, _("全部办结（%(n)d 个事项）") % {"n": len(done)}
    elif correction:
        state = BundleState.CORRECTION
        label = _("有 %(n)d 个事项需要补正材料（已办结 %(d)d / %(t)d）") % {"n": len(correction), "d": len(done), "t": total}
    else:
        state = BundleState.IN_PROGRESS
        label = _("办理中：已办结 %(d)d 个事项，共 %(t)d 个") % {"d": len(done), "t": total}
    return BundleStatus(state, label, total, len(done), failed, correction, counts)
