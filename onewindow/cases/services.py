"""The case lifecycle. Every state change is one function here: keyword-only `actor`, one transaction,
the case row locked (select_for_update) so two clerks cannot both act, an append-only CaseEvent and an
audit event written in the same transaction, side effects only after commit.

Lock order: Case row first, then its children. Nothing here calls an external system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event
from onewindow.catalog.choices import CaseKind, CorrectionClock, Necessity, ReviewMode
from onewindow.catalog.models import GuideVersion, ServiceItem
from onewindow.catalog.services import current_guide
from onewindow.core import clock
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.core.pii import blind_index
from onewindow.core.validators import validate_credit_code, validate_id_number, validate_phone
from onewindow.org.choices import CentreLevel
from onewindow.org.models import ServiceCentre, Window
from onewindow.workdays.calendar import get_calendar

from . import permissions
from .choices import (
    ON_SITE_CHANNELS,
    ONLINE_CHANNELS,
    Action,
    ApplicantKind,
    CertType,
    Channel,
    DeliveryMethod,
    MaterialStatus,
    PauseKind,
    ReviewStage,
    Status,
)
from .models import (
    Applicant,
    Case,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    CaseNumberSequence,
    CasePause,
    CaseVisit,
    CorrectionRequest,
)

# ---------------------------------------------------------------------------------------------
# Applicants


def cert_index(cert_type: str, cert_number: str) -> str:
    """Keyed hash (HMAC-SM3 blind index) of a certificate: lookups by ID number without a plain-text index."""
    return blind_index(cert_type, cert_number.strip().upper())


def reveal_personal_data(*, actor: Any, case: Case, reason: str = "") -> None:
    """Record that `actor` is shown a case's full ID numbers, phones and address (audit ``pii.reveal``).

    Only window staff of the receiving or handling centre may (they check identity in person); the check is
    repeated here so no caller can skip it. Nothing is changed but the audit log: the view shows the values
    in the same response and never stores them in the session."""
    if not permissions.is_window_staff(actor, case):
        raise ForbiddenError(_("只有收件或办理中心的窗口人员可以查看完整个人信息。"))
    with transaction.atomic():
        record_event(actor=actor, action="pii.reveal", obj=case, summary=_("查看完整个人信息"),
                     data={"case": case.number, "fields": ["cert_number", "phone", "address", "agent"],
                           "reason": reason[:200]})


@dataclass
class ApplicantData:
    kind: str
    name: str
    cert_type: str
    cert_number: str
    phone: str = ""
    address: str = ""
    legal_representative: str = ""

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.kind not in ApplicantKind.values:
            errors["kind"] = [_("申请人类型无效。")]
        if not self.name.strip():
            errors["name"] = [_("请填写申请人姓名或名称。")]
        if self.cert_type not in CertType.values:
            errors["cert_type"] = [_("证件类型无效。")]
        number = self.cert_number.strip().upper()
        try:
            if self.cert_type == CertType.ID_CARD:
                validate_id_number(number)
            elif self.cert_type == CertType.CREDIT_CODE:
                validate_credit_code(number)
            elif not number:
                raise ValidationError(_("请填写证件号码。"))
        except ValidationError as exc:
            errors["cert_number"] = list(exc.messages)
        try:
            validate_phone(self.phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
        if self.kind == ApplicantKind.ENTERPRISE and self.cert_type != CertType.CREDIT_CODE:
            errors.setdefault("cert_type", []).append(_("法人申请人应使用统一社会信用代码。"))
        if errors:
            raise ValidationError(errors)


def upsert_applicant(data: ApplicantData, user: Any = None, *, validated: bool = False) -> Applicant:
    """Find the applicant by certificate (blind index) or create them; refresh contact details.
    `validated`: the caller has already run data.validate() (intake does, before taking a case number)."""
    if not validated:
        data.validate()
    index = cert_index(data.cert_type, data.cert_number)
    applicant = Applicant.objects.filter(cert_index=index).first()
    if applicant is None:
        try:
            with transaction.atomic():
                applicant = Applicant.objects.create(
                    kind=data.kind, name=data.name.strip(), cert_type=data.cert_type,
                    cert_number=data.cert_number.strip().upper(), cert_index=index, phone=data.phone,
                    address=data.address, legal_representative=data.legal_representative, user=user,
                )
                return applicant
        except IntegrityError:
            applicant = Applicant.objects.get(cert_index=index)
    changed = []
    for field in ("phone", "address", "legal_representative"):
        value = getattr(data, field)
        if value and getattr(applicant, field) != value:
            setattr(applicant, field, value)
            changed.append(field)
    if user is not None and applicant.user_id is None:
        applicant.user = user
        changed.append("user")
    if changed:
        applicant.save(update_fields=changed)
    return applicant


# ---------------------------------------------------------------------------------------------
# Helpers


def _now() -> dt.datetime:
    return clock.now()


def _today() -> dt.date:
    return clock.today()


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _("系统")
    return actor.first_name or actor.get_username()


def _lock(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    # of=("self",): lock the case row only. A plain FOR UPDATE over the join would also lock the item, the
    # centre and the applicant, so every clerk of a centre would queue behind each other (and, with the
    # statistics fold locking cases after commit, could deadlock).
    return Case.objects.select_for_update(of=("self",)).select_related("item", "centre", "applicant").get(pk=pk)


def _require(case: Case, allowed: Iterable[str], what: str) -> None:
    if case.status not in set(allowed):
        raise ConflictError(
            _("该办件当前状态为“%(s)s”，不能%(what)s。可能已被其他人处理，请刷新后查看。")
            % {"s": case.get_status_display(), "what": what}
        )


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(_("该办件已被其他人修改（版本 %(v)d），请刷新后重试。") % {"v": case.version})


def _event(case: Case, *, actor: Any, action: str, from_status: str, opinion: str = "",
           data: dict[str, Any] | None = None, files: Iterable[CaseFile] = ()) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case, action=action, at=_now(), from_status=from_status, to_status=case.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None, actor_name=_actor_name(actor),
        opinion=opinion, data=data or {},
    )
    files = list(files)
    if files:
        event.attachments.set(files)
    record_event(actor=actor, action=f"case_{action}", obj=case, summary=f"{case.number} {case.get_status_display()}",
                 data={"from": from_status, "to": case.status})
    return event


def _save(case: Case, *fields: str) -> None:
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    case.refresh_from_db(fields=["version"])


def _notify(case: Case, topic: str, text: str) -> None:
    """An SMS to the applicant through the outbox: written now, sent after commit, retried if the gateway is down."""
    from onewindow.messaging.sms import queue_sms

    link = f"{settings.ONEWINDOW_PUBLIC_URL.rstrip('/')}/track/{case.tracking_code}/"
    queue_sms(phone=case.contact_phone, text=f"{text} 办件编号{case.number}，查询：{link}", topic=topic, obj=case,
              centre_id=case.centre_id)


def _add_visit(case: Case, purpose: str, centre: ServiceCentre | None = None) -> None:
    CaseVisit.objects.create(case=case, centre=centre or case.centre, purpose=purpose, at=_now())
    Case.objects.filter(pk=case.pk).update(visits=F("visits") + 1)
    case.refresh_from_db(fields=["visits"])


def next_case_number(centre: ServiceCentre, on: dt.date) -> str:
    """`<6-digit area code><YYYYMMDD><7-digit serial>`: 21 characters, readable and unique per installation.

    Intake calls this before opening its transaction, so outside any other transaction the increment commits
    at once and the sequence row is locked for one statement, not for the whole intake: every clerk of a
    county shares that row (bench/intake.py measured intake serialised on it). The price is a gap in the
    serials when an intake fails after taking its number, which the number format allows (it promises
    uniqueness and order, not contiguity)."""
    prefix = f"{centre.region_code[:6]}{on:%Y%m%d}"
    table = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    for _attempt in range(5):
        with connection.cursor() as cursor:
            # One statement (UPDATE … RETURNING, PostgreSQL and SQLite ≥ 3.35) instead of an UPDATE and a SELECT.
            cursor.execute(f'UPDATE {table} SET "last" = "last" + 1 WHERE "prefix" = %s RETURNING "last"',  # noqa: S608
                           [prefix])
            row = cursor.fetchone()
        if row is not None:
            return f"{prefix}{row[0]:07d}"
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(prefix=prefix, last=1)
            return f"{prefix}0000001"
        except IntegrityError:
            continue  # another transaction created the row first; increment it instead
    raise ConflictError(_("办件编号生成繁忙，请重试。"))


def _recompute_due(case: Case) -> None:
    """Due date = clock start + promised + extension working days, moved by the paused working days."""
    if case.clock_start is None:
        return
    calendar = get_calendar(case.handling_centre_id)
    pauses = [
        (p.started_on, p.ended_on) for p in case.pauses.filter(counts_for_clock=True, started_on__gte=case.clock_start)
    ]
    due = calendar.due_date(case.clock_start, case.promised_days + case.extension_days, pauses, as_of=_today())
    case.due_date = due.date
    case.due_provisional = due.provisional
    case.warn_on = _previous_working_day(calendar, due.date) if case.promised_days else due.date


def _previous_working_day(calendar: Any, day: dt.date) -> dt.date:
    probe = day - dt.timedelta(days=1)
    for _i in range(60):
        if calendar.is_workday(probe):
            return probe
        probe -= dt.timedelta(days=1)
    return day


# ---------------------------------------------------------------------------------------------
# Intake


@dataclass
class IntakeResult:
    case: Case
    created: bool
    # What a new case was created with, so a caller can show it without reading it back (the API's 201).
    materials: list[CaseMaterial] | None = None
    event: CaseEvent | None = None


def _material_rows(guide: GuideVersion, received_ids: set[int] | None) -> list[CaseMaterial]:
    rows = []
    for order, material in enumerate(guide.materials):
        received = received_ids is not None and material["id"] in received_ids
        rows.append(CaseMaterial(
            guide_material_id=material["id"], name=material["name"], kind=material.get("kind", ""),
            necessity=material["necessity"], order=order,
            status=MaterialStatus.RECEIVED if received else MaterialStatus.MISSING,
        ))
    return rows


def _channel_for(centre: ServiceCentre, channel: str | None) -> str:
    if channel:
        return channel
    by_level: dict[str, str] = {
        CentreLevel.TOWNSHIP: Channel.TOWNSHIP, CentreLevel.VILLAGE: Channel.VILLAGE,
        CentreLevel.BANK_OUTLET: Channel.BANK_OUTLET, CentreLevel.KIOSK: Channel.KIOSK,
    }
    return by_level.get(centre.level, Channel.WINDOW)


def _handling_centre(centre: ServiceCentre, item: ServiceItem) -> ServiceCentre:
    """受办分离: cases accepted below the county level for county items are handled by the county section."""
    if centre.level in (CentreLevel.COUNTY, CentreLevel.BRANCH):
        return centre
    return centre.root()


def receive_case(
    *, actor: Any, item: ServiceItem, applicant: ApplicantData, centre: ServiceCentre, window: Window | None = None,
    channel: str | None = None, received_material_ids: Iterable[int] = (), agent_name: str = "",
    agent_cert_number: str = "", agent_phone: str = "", form_data: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> IntakeResult:
    """收件: register an application at a window, a township/village/bank centre or a kiosk.

    The same idempotency key always returns the same case (a double click or a retry creates nothing).
    """
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return IntakeResult(existing, False)
    channel = _channel_for(centre, channel)
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("渠道无效。")]})
    # Any signed-in actor registering a case must be a clerk of the centre, whatever the channel: an online
    # channel does not let an applicant skip pre-review (they use submit_online). actor=None is a system import.
    if actor is not None and getattr(actor, "is_authenticated", False):
        if not permissions.can_intake(actor, centre):
            raise ForbiddenError(_("您不是该中心的窗口受理人员。"))
    if not item.is_active or not item.published_version:
        raise ValidationError({"item": [_("该事项未发布或已停用，不能受理。")]})
    if not centre.may_accept(item):
        raise ValidationError({"item": [_("本中心不能受理该事项（非全县通办事项），请到 %(c)s 办理。") % {"c": centre.root().name}]})
    if window is not None and (window.centre_id != centre.pk or not window.serves(item)):
        raise ValidationError({"window": [_("该窗口不能受理此事项。")]})
    guide = current_guide(item)
    if guide is None:
        raise ValidationError({"item": [_("该事项没有现行办事指南。")]})
    received_ids = set(received_material_ids)
    known_ids = {m["id"] for m in guide.materials}
    unknown = received_ids - known_ids
    if unknown:
        raise ValidationError({"materials": [_("材料不属于该事项的现行指南：%(ids)s") % {"ids": sorted(unknown)}]})
    applicant.validate()  # before a number is taken: bad input must not leave a gap
    number = next_case_number(centre, _today())
    try:
        with transaction.atomic():
            person = upsert_applicant(applicant, validated=True)
            case = _create_case(
                number=number, actor=actor, item=item, guide=guide, applicant=person, centre=centre, window=window,
                channel=channel, status=Status.RECEIVED, agent_name=agent_name, agent_cert_number=agent_cert_number,
                agent_phone=agent_phone, form_data=form_data, idempotency_key=idempotency_key,
                visits=1 if channel in ON_SITE_CHANNELS else 0,
            )
            materials = CaseMaterial.objects.bulk_create(
                [_with_case(m, case) for m in _material_rows(guide, received_ids)])
            event = _event(case, actor=actor, action=Action.RECEIVE, from_status="",
                           data={"channel": channel, "materials_received": sorted(received_ids)})
            if channel in ON_SITE_CHANNELS:
                # The case was created with visits=1 (one INSERT instead of an UPDATE and a re-read).
                CaseVisit.objects.create(case=case, centre=centre, purpose=Action.RECEIVE, at=case.received_at)
    except IntegrityError:
        if idempotency_key:
            existing = Case.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return IntakeResult(existing, False)
        raise
    return IntakeResult(case, True, materials, event)


def _with_case(material: CaseMaterial, case: Case) -> CaseMaterial:
    material.case = case
    return material


def _create_case(*, number: str, actor: Any, item: ServiceItem, guide: GuideVersion, applicant: Applicant,
                 centre: ServiceCentre, window: Window | None, channel: str, status: str, agent_name: str = "",
                 agent_cert_number: str = "", agent_phone: str = "", form_data: dict[str, Any] | None = None,
                 idempotency_key: str | None = None, visits: int = 0) -> Case:
    handling = _handling_centre(centre, item)
    clerk = actor if getattr(actor, "is_authenticated", False) and actor.is_staff else None
    return Case.objects.create(
        number=number, tracking_code=secrets.token_urlsafe(16),
        query_password=f"{secrets.randbelow(10**6):06d}", idempotency_key=idempotency_key, item=item, guide=guide,
        applicant=applicant, agent_name=agent_name, agent_cert_number=agent_cert_number, agent_phone=agent_phone,
        contact_phone=applicant.phone, form_data=form_data or {}, channel=channel, centre=centre, window=window,
        clerk=clerk, department=item.department, section=item.section, handling_centre=handling, status=status,
        promised_days=item.promised_days, received_at=_now(), visits=visits,
    )


def submit_online(
    *, actor: Any, item: ServiceItem, applicant: ApplicantData, form_data: dict[str, Any] | None = None,
    channel: str = Channel.ONLINE_PC, idempotency_key: str | None = None, centre: ServiceCentre | None = None,
    agent_name: str = "", agent_cert_number: str = "", agent_phone: str = "",
) -> IntakeResult:
    """网上申请: the applicant submits; a clerk pre-reviews before the case is received."""
    if not getattr(actor, "is_authenticated", False):
        raise ForbiddenError(_("请先登录再提交网上申请。"))
    if channel not in ONLINE_CHANNELS:
        raise ValidationError({"channel": [_("网上申请的渠道应为电脑或移动端。")]})
    if idempotency_key:
        key = f"u{actor.pk}:{idempotency_key}"
        existing = Case.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return IntakeResult(existing, False)
    else:
        key = None
    if not item.is_active or not item.published_version:
        raise ValidationError({"item": [_("该事项未发布或已停用。")]})
    if "2" not in item.handling_forms and "3" not in item.handling_forms:
        raise ValidationError({"item": [_("该事项暂不支持网上办理，请到窗口申请。")]})
    guide = current_guide(item)
    assert guide is not None
    centre = centre or ServiceCentre.objects.filter(level=CentreLevel.COUNTY).first()
    if centre is None:
        raise ValidationError({"centre": [_("尚未配置县级政务服务中心。")]})
    applicant.validate()
    number = next_case_number(centre, _today())
    try:
        with transaction.atomic():
            person = upsert_applicant(applicant, user=actor, validated=True)
            if person.user_id not in (None, actor.pk):
                raise ForbiddenError(_("该证件已绑定其他账号，请使用本人账号申请或到窗口办理。"))
            case = _create_case(number=number, actor=actor, item=item, guide=guide, applicant=person, centre=centre,
                                window=None, channel=channel, status=Status.SUBMITTED, form_data=form_data,
                                idempotency_key=key, agent_name=agent_name, agent_cert_number=agent_cert_number,
                                agent_phone=agent_phone)
            CaseMaterial.objects.bulk_create([_with_case(m, case) for m in _material_rows(guide, None)])
            _event(case, actor=actor, action=Action.SUBMIT, from_status="", data={"channel": channel})
    except IntegrityError:
        if key:
            existing = Case.objects.filter(idempotency_key=key).first()
            if existing is not None:
                return IntakeResult(existing, False)
        raise
    return IntakeResult(case, True)


ALLOWED_UPLOAD_TYPES = {
    "pdf": ("application/pdf", [b"%PDF-"]),
    "jpg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "jpeg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "png": ("image/png", [b"\x89PNG\r\n\x1a\n"]),
}


def upload_material(*, actor: Any, case: Case, material: CaseMaterial, upload: Any) -> CaseFile:
    """Store an uploaded material once (type checked by content, size capped); every later step reuses it."""
    name = getattr(upload, "name", "file")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_UPLOAD_TYPES:
        raise ValidationError({"file": [_("只接受 PDF、JPG、PNG 文件。")]})
    size = getattr(upload, "size", 0) or 0
    if size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_("文件过大（上限 %(mb)d MB）。") % {"mb": settings.MAX_UPLOAD_BYTES // 1048576}]})
    if size == 0:
        raise ValidationError({"file": [_("文件是空的。")]})
    head = upload.read(16)
    upload.seek(0)
    content_type, magics = ALLOWED_UPLOAD_TYPES[ext]
    if not any(head.startswith(m) for m in magics):
        raise ValidationError({"file": [_("文件内容与扩展名不符（不是有效的 %(ext)s 文件）。") % {"ext": ext.upper()}]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        locked = _lock(case)
        if material.case_id != locked.pk:
            raise ValidationError({"material": [_("材料不属于该办件。")]})
        if not (permissions.is_owner(actor, locked) or permissions.is_window_staff(actor, locked)):
            raise ForbiddenError(_("无权为该办件上传材料。"))
        _require(locked, {Status.SUBMITTED, Status.RECEIVED, Status.CORRECTION, Status.ACCEPTED, Status.IN_REVIEW},
                 _("上传材料"))
        stored = CaseFile(case=locked, material=material, original_name=name[:200], content_type=content_type,
                          size=size, sha256=digest.hexdigest(),
                          uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
        stored.file.save(name, upload, save=False)
        stored.save()
        if material.status != MaterialStatus.RECEIVED:
            material.status = MaterialStatus.RECEIVED
            material.save(update_fields=["status"])
        _event(locked, actor=actor, action=Action.UPLOAD, from_status=locked.status,
               data={"material": material.name}, files=[stored])
    return stored


@transaction.atomic
def prereview_pass(*, actor: Any, case: Case, opinion: str = "", expected_version: int | None = None) -> Case:
    """预审通过: an online application becomes a received case, ready for acceptance."""
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.SUBMITTED}, _("预审"))
    if not permissions.can_intake(actor, locked.centre):
        raise ForbiddenError(_("您不是该中心的窗口受理人员。"))
    previous = locked.status
    locked.status = Status.RECEIVED
    locked.clerk = actor
    _save(locked, "status", "clerk")
    _event(locked, actor=actor, action=Action.PREREVIEW_PASS, from_status=previous, opinion=opinion)
    return locked


def _check_intake(actor: Any, case: Case) -> None:
    if not permissions.can_intake(actor, case.centre):
        raise ForbiddenError(_("您不是该中心的窗口受理人员。"))


@transaction.atomic
def accept_case(
    *, actor: Any, case: Case, pending: dict[int, dt.date] | None = None, promise_text: str = "",
    opinion: str = "", expected_version: int | None = None,
) -> Case:
    """受理, or 容缺受理 when `pending` names deferrable materials with the dates the applicant promised.

    Sets the clock: due date = acceptance date + promised working days (acceptance day not counted).
    Routes to the owning section (and to the county section for county-wide items taken below county level).
    """
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.RECEIVED}, _("受理"))
    _check_intake(actor, locked)
    pending = pending or {}
    materials = {m.guide_material_id: m for m in locked.materials.all()}
    errors: list[str] = []
    today = _today()
    for material_id, due in pending.items():
        material = materials.get(material_id)
        if material is None:
            errors.append(_("容缺材料 %(id)s 不属于该办件。") % {"id": material_id})
        elif material.necessity != Necessity.DEFERRABLE:
            errors.append(_("“%(n)s”不是指南列明的容缺材料，不能容缺受理。") % {"n": material.name})
        elif due <= today:
            errors.append(_("“%(n)s”的承诺补齐日期应晚于今天。") % {"n": material.name})
    if pending and not promise_text.strip():
        errors.append(_("容缺受理需要申请人的书面承诺。"))
    missing_required = [m.name for mid, m in materials.items() if m.necessity == Necessity.REQUIRED
                        and m.status != MaterialStatus.RECEIVED]
    missing_deferrable = [m.name for mid, m in materials.items() if m.necessity == Necessity.DEFERRABLE
                          and m.status != MaterialStatus.RECEIVED and mid not in pending]
    if missing_required or missing_deferrable:
        errors.append(_("材料不齐，不能受理，请出具一次性补正告知：%(m)s") % {"m": "、".join(missing_required + missing_deferrable)})
    if errors:
        raise ValidationError({"materials": errors})
    for material_id, due in pending.items():
        material = materials[material_id]
        material.status = MaterialStatus.PENDING
        material.promised_by = due
        material.note = promise_text[:300]
        material.save(update_fields=["status", "promised_by", "note"])
    previous = locked.status
    now = _now()
    locked.status = Status.ACCEPTED
    locked.accepted_at = now
    locked.clock_start = timezone.localtime(now).date()
    locked.has_pending_materials = bool(pending)
    locked.review_stage = ReviewStage.UNDERTAKE if locked.item.review_mode == ReviewMode.STAGED else ""
    locked.clerk = locked.clerk or actor
    _recompute_due(locked)
    _save(locked, "status", "accepted_at", "clock_start", "has_pending_materials", "review_stage", "clerk",
          "due_date", "warn_on", "due_provisional")
    action = Action.ACCEPT_PENDING if pending else Action.ACCEPT
    _event(locked, actor=actor, action=action, from_status=previous, opinion=opinion or promise_text,
           data={"due_date": locked.due_date.isoformat() if locked.due_date else None,
                 "pending": {str(k): v.isoformat() for k, v in pending.items()}})
    _notify(locked, "case.accepted", _("您申请的“%(item)s”已受理，承诺办结日期 %(due)s。") % {
        "item": locked.item.name, "due": locked.due_date})
    if locked.handling_centre_id != locked.centre_id:
        _event(locked, actor=actor, action=Action.FORWARD, from_status=locked.status,
               data={"to_centre": locked.handling_centre.name})
    # Receivers (supervision: the 双告知 notice of a business registration) write their rows in this transaction.
    from .signals import case_accepted

    case_accepted.send(sender=Case, case=locked, actor=actor)
    return locked


@transaction.atomic
def refuse_case(*, actor: Any, case: Case, reason: str, redirect_to: str = "", expected_version: int | None = None) -> Case:
    """不予受理: a written, dated refusal with the reason and where to apply instead (行政许可法 art. 32)."""
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写不予受理的理由。")]})
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.SUBMITTED, Status.RECEIVED}, _("不予受理"))
    _check_intake(actor, locked)
    previous = locked.status
    locked.status = Status.REFUSED
    locked.refusal_reason = reason.strip()
    locked.refusal_redirect = redirect_to.strip()[:300]
    locked.completed_at = _now()
    _save(locked, "status", "refusal_reason", "refusal_redirect", "completed_at")
    _event(locked, actor=actor, action=Action.REFUSE, from_status=previous, opinion=reason,
           data={"redirect_to": redirect_to})
    _notify(locked, "case.refused", _("您申请的“%(item)s”不予受理，请查看不予受理通知书。") % {"item": locked.item.name})
    return locked


@transaction.atomic
def request_correction(
    *, actor: Any, case: Case, items: list[dict[str, str]], note: str = "", expected_version: int | None = None,
) -> CorrectionRequest:
    """一次性告知补正: one notice listing everything to correct. Before acceptance it is the intake notice;
    during review the clock pauses (or restarts on receipt) as the item says."""
    cleaned = [{"material": str(i.get("material", "")).strip()[:200], "problem": str(i.get("problem", "")).strip()[:300]}
               for i in items if str(i.get("material", "")).strip() or str(i.get("problem", "")).strip()]
    if not cleaned:
        raise ValidationError({"items": [_("一次性告知需要列明全部需补正的材料和问题。")]})
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.SUBMITTED, Status.RECEIVED, Status.IN_REVIEW, Status.ACCEPTED}, _("要求补正"))
    before_acceptance = locked.accepted_at is None
    if before_acceptance:
        _check_intake(actor, locked)
    elif not permissions.can_review(actor, locked):
        raise ForbiddenError(_("您不是该办件的审批人员。"))
    if locked.corrections.filter(received_at__isnull=True).exists():
        raise ConflictError(_("该办件已有未完成的补正告知。"))
    previous = locked.status
    correction = CorrectionRequest.objects.create(case=locked, requested_by=actor, items=cleaned, note=note,
                                                  before_acceptance=before_acceptance, requested_at=_now())
    if not before_acceptance:
        CasePause.objects.create(case=locked, kind=PauseKind.CORRECTION, started_on=_today(), reason=note,
                                 counts_for_clock=locked.item.correction_clock == CorrectionClock.PAUSE)
    locked.status = Status.CORRECTION
    _save(locked, "status")
    _event(locked, actor=actor, action=Action.REQUEST_CORRECTION, from_status=previous, opinion=note,
           data={"items": cleaned, "before_acceptance": before_acceptance})
    _notify(locked, "case.correction", _("您申请的“%(item)s”需补正材料（共%(n)d项，一次性告知）。") % {
        "item": locked.item.name, "n": len(cleaned)})
    return correction


@transaction.atomic
def receive_correction(
    *, actor: Any, case: Case, received_material_ids: Iterable[int] = (), opinion: str = "",
    expected_version: int | None = None,
) -> Case:
    """补正材料已收: the clock resumes (pause rule) or restarts from today (restart rule)."""
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.CORRECTION}, _("登记补正材料"))
    correction = locked.corrections.filter(received_at__isnull=True).last()
    if correction is None:
        raise ConflictError(_("没有待处理的补正告知。"))
    if not (permissions.is_window_staff(actor, locked) or permissions.can_review(actor, locked)
            or permissions.is_owner(actor, locked)):
        raise ForbiddenError(_("无权登记补正材料。"))
    ids = set(received_material_ids)
    if ids:
        locked.materials.filter(guide_material_id__in=ids).update(status=MaterialStatus.RECEIVED)
    correction.received_at = _now()
    correction.save(update_fields=["received_at"])
    previous = locked.status
    if correction.before_acceptance:
        locked.status = Status.RECEIVED if locked.clerk_id or locked.channel not in ONLINE_CHANNELS else Status.SUBMITTED
        _save(locked, "status")
    else:
        pause = locked.pauses.filter(kind=PauseKind.CORRECTION, ended_on__isnull=True).last()
        today = _today()
        if pause is not None:
            pause.ended_on = today
            pause.save(update_fields=["ended_on"])
        if locked.item.correction_clock == CorrectionClock.RESTART:
            locked.clock_start = today
            locked.extension_days = 0
        locked.status = Status.IN_REVIEW
        _recompute_due(locked)
        _save(locked, "status", "clock_start", "extension_days", "due_date", "warn_on", "due_provisional")
    _event(locked, actor=actor, action=Action.RECEIVE_CORRECTION, from_status=previous, opinion=opinion,
           data={"materials": sorted(ids), "due_date": locked.due_date.isoformat() if locked.due_date else None})
    if actor is not None and permissions.is_window_staff(actor, locked) and not permissions.is_owner(actor, locked):
        _add_visit(locked, Action.RECEIVE_CORRECTION)
    return locked


# ---------------------------------------------------------------------------------------------
# Back office


def _check_review(actor: Any, case: Case) -> None:
    if not permissions.can_review(actor, case):
        raise ForbiddenError(_("该办件不在您的科室，您不能办理。"))


@transaction.atomic
def start_review(*, actor: Any, case: Case, expected_version: int | None = None) -> Case:
    """开始办理: an approver takes an accepted case from the section queue."""
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.ACCEPTED}, _("开始办理"))
    _check_review(actor, locked)
    previous = locked.status
    locked.status = Status.IN_REVIEW
    locked.assignee = actor
    _save(locked, "status", "assignee")
    _event(locked, actor=actor, action=Action.START_REVIEW, from_status=previous)
    return locked


STAGE_ORDER = [ReviewStage.UNDERTAKE, ReviewStage.CHECK, ReviewStage.APPROVE]


@transaction.atomic
def review_case(*, actor: Any, case: Case, opinion: str, expected_version: int | None = None) -> Case:
    """承办 / 审核 opinion in staged review: passes the case to the next stage (批准 decides)."""
    if not opinion.strip():
        raise ValidationError({"opinion": [_("请填写审查意见。")]})
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.IN_REVIEW}, _("提交审查意见"))
    _check_review(actor, locked)
    if locked.item.review_mode != ReviewMode.STAGED or locked.review_stage not in (ReviewStage.UNDERTAKE, ReviewStage.CHECK):
        raise ConflictError(_("该办件当前环节不需要审查意见，可直接作出决定。"))
    if locked.events.filter(action=Action.REVIEW, actor=actor).exists() and locked.review_stage == ReviewStage.CHECK:
        raise ForbiddenError(_("审核应由承办人以外的人员进行。"))
    stage = locked.review_stage
    locked.review_stage = STAGE_ORDER[STAGE_ORDER.index(ReviewStage(stage)) + 1]
    _save(locked, "review_stage")
    _event(locked, actor=actor, action=Action.REVIEW, from_status=locked.status, opinion=opinion,
           data={"stage": stage, "next": locked.review_stage})
    return locked


@transaction.atomic
def start_special_procedure(
    *, actor: Any, case: Case, kind: str, reason: str, expected_version: int | None = None,
) -> CasePause:
    """特别程序 (hearing, testing, expert review, site inspection): the clock stops (行政许可法 art. 45)."""
    from .choices import SpecialProcedureKind

    if kind not in SpecialProcedureKind.values:
        raise ValidationError({"kind": [_("特别程序种类无效。")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写启动特别程序的原因（将书面告知申请人）。")]})
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.IN_REVIEW}, _("启动特别程序"))
    _check_review(actor, locked)
    pause = CasePause.objects.create(case=locked, kind=PauseKind.SPECIAL, special_kind=kind, started_on=_today(),
                                     reason=reason)
    previous = locked.status
    locked.status = Status.SPECIAL
    _save(locked, "status")
    _event(locked, actor=actor, action=Action.START_SPECIAL, from_status=previous, opinion=reason, data={"kind": kind})
    return pause


@transaction.atomic
def end_special_procedure(*, actor: Any, case: Case, result: str, expected_version: int | None = None) -> Case:
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.SPECIAL}, _("结束特别程序"))
    _check_review(actor, locked)
    pause = locked.pauses.filter(kind=PauseKind.SPECIAL, ended_on__isnull=True).last()
    if pause is not None:
        pause.ended_on = _today()
        pause.result = result
        pause.save(update_fields=["ended_on", "result"])
    previous = locked.status
    locked.status = Status.IN_REVIEW
    _recompute_due(locked)
    _save(locked, "status", "due_date", "warn_on", "due_provisional")
    _event(locked, actor=actor, action=Action.END_SPECIAL, from_status=previous, opinion=result,
           data={"due_date": locked.due_date.isoformat() if locked.due_date else None})
    return locked


@transaction.atomic
def extend_deadline(*, actor: Any, case: Case, days: int, reason: str, expected_version: int | None = None) -> Case:
    """延长审批: once, with reasons, never beyond the statutory limit's extension (art. 42: +10 days)."""
    if not reason.strip():
        raise ValidationError({"reason": [_("延长期限需要说明理由。")]})
    if not 1 <= days <= 15:
        raise ValidationError({"days": [_("延长天数应在 1 至 15 个工作日之间。")]})
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.IN_REVIEW, Status.ACCEPTED}, _("延长期限"))
    _check_review(actor, locked)
    if locked.extension_days:
        raise ConflictError(_("审批期限只能延长一次。"))
    locked.extension_days = days
    _recompute_due(locked)
    _save(locked, "extension_days", "due_date", "warn_on", "due_provisional")
    _event(locked, actor=actor, action=Action.EXTEND, from_status=locked.status, opinion=reason,
           data={"days": days, "due_date": locked.due_date.isoformat() if locked.due_date else None})
    return locked


def _working_days_used(case: Case) -> int | None:
    if case.clock_start is None:
        return None
    calendar = get_calendar(case.handling_centre_id)
    pauses = [(p.started_on, p.ended_on) for p in case.pauses.filter(counts_for_clock=True, started_on__gte=case.clock_start)]
    return calendar.working_days_between(case.clock_start, _today(), pauses)


@transaction.atomic
def decide_case(*, actor: Any, case: Case, approve: bool, opinion: str, expected_version: int | None = None) -> Case:
    """准予 / 不予许可: the decision completes the case (办结)."""
    if not opinion.strip():
        raise ValidationError({"opinion": [_("请填写决定意见；不予许可必须说明理由。")]})
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.IN_REVIEW, Status.ACCEPTED}, _("作出决定"))
    if not permissions.can_approve(actor, locked):
        raise ForbiddenError(_("您无权对该办件作出决定。"))
    if locked.item.review_mode == ReviewMode.STAGED and locked.review_stage != ReviewStage.APPROVE:
        raise ConflictError(_("该事项需依次经过承办、审核，才能批准。"))
    previous = locked.status
    if approve:
        locked.status = Status.APPROVED_PENDING if locked.materials.filter(status=MaterialStatus.PENDING).exists() \
            else Status.APPROVED
    else:
        locked.status = Status.DENIED
    locked.completed_at = _now()
    locked.decision_opinion = opinion.strip()
    locked.assignee = locked.assignee or actor
    locked.working_days_used = _working_days_used(locked)
    _save(locked, "status", "completed_at", "decision_opinion", "assignee", "working_days_used")
    _event(locked, actor=actor, action=Action.APPROVE if approve else Action.DENY, from_status=previous, opinion=opinion,
           data={"on_time": locked.is_on_time})
    _notify(locked, "case.decided", _("您申请的“%(item)s”已办结（%(result)s）。") % {
        "item": locked.item.name, "result": _("准予") if approve else _("不予许可")})
    from .signals import case_decided

    case_decided.send(sender=Case, case=locked, approved=approve, actor=actor)
    return locked


@transaction.atomic
def fulfil_pending_material(*, actor: Any, case: Case, material: CaseMaterial,
                            expected_version: int | None = None) -> Case:
    """容缺材料补齐 within the promised date."""
    locked = _lock(case)
    _check_version(locked, expected_version)
    if material.case_id != locked.pk or material.status != MaterialStatus.PENDING:
        raise ConflictError(_("该材料不是待补齐的容缺材料。"))
    if not (permissions.is_window_staff(actor, locked) or permissions.can_review(actor, locked)):
        raise ForbiddenError(_("无权登记容缺材料。"))
    material.status = MaterialStatus.RECEIVED
    material.fulfilled_at = _now()
    material.save(update_fields=["status", "fulfilled_at"])
    locked.has_pending_materials = locked.materials.filter(status=MaterialStatus.PENDING).exists()
    _save(locked, "has_pending_materials")
    _event(locked, actor=actor, action=Action.FULFIL_PENDING, from_status=locked.status, data={"material": material.name})
    return locked


@transaction.atomic
def deliver_case(
    *, actor: Any, case: Case, method: str, waybill_number: str = "", recipient: str = "",
    expected_version: int | None = None,
) -> Case:
    """送达: window pickup (a visit, with a pickup record), EMS with a waybill number, or electronic."""
    if method not in DeliveryMethod.values:
        raise ValidationError({"method": [_("送达方式无效。")]})
    if method == DeliveryMethod.EMS and not waybill_number.strip():
        raise ValidationError({"waybill_number": [_("EMS 寄递需要填写运单号。")]})
    if method == DeliveryMethod.PICKUP and not recipient.strip():
        raise ValidationError({"recipient": [_("请填写领取人姓名。")]})
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.APPROVED, Status.APPROVED_PENDING, Status.DENIED}, _("送达"))
    if locked.delivered_at:
        raise ConflictError(_("该办件已经送达。"))
    if not (permissions.is_window_staff(actor, locked) or permissions.can_review(actor, locked)):
        raise ForbiddenError(_("无权登记送达。"))
    locked.delivered_at = _now()
    locked.delivery_method = method
    locked.waybill_number = waybill_number.strip()
    _save(locked, "delivered_at", "delivery_method", "waybill_number")
    _event(locked, actor=actor, action=Action.DELIVER, from_status=locked.status,
           data={"method": method, "waybill_number": waybill_number, "recipient": recipient})
    if method == DeliveryMethod.EMS:
        _notify(locked, "case.shipped", _("您的办理结果已通过EMS寄出，运单号 %(w)s。") % {"w": locked.waybill_number})
    if method == DeliveryMethod.PICKUP and not _same_sitting(locked):
        _add_visit(locked, Action.DELIVER, locked.handling_centre)
    return locked


def _same_sitting(case: Case) -> bool:
    """An instant case handed over in the sitting it was received in is one visit, not two."""
    last_visit = case.visit_records.order_by("-at").first()
    return bool(last_visit and abs(_now() - last_visit.at) < dt.timedelta(hours=2)
                and case.item.case_kind == CaseKind.INSTANT)


@transaction.atomic
def archive_case(*, actor: Any, case: Case, expected_version: int | None = None) -> Case:
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.APPROVED, Status.APPROVED_PENDING, Status.DENIED, Status.REFUSED, Status.WITHDRAWN,
                      Status.REVOKED}, _("归档"))
    if locked.archived_at:
        return locked
    if locked.status in (Status.APPROVED, Status.APPROVED_PENDING, Status.DENIED) and not locked.delivered_at:
        raise ConflictError(_("结果尚未送达，不能归档。"))
    if not (permissions.can_review(actor, locked) or permissions.is_window_staff(actor, locked)):
        raise ForbiddenError(_("无权归档。"))
    locked.archived_at = _now()
    _save(locked, "archived_at")
    _event(locked, actor=actor, action=Action.ARCHIVE, from_status=locked.status)
    return locked


@transaction.atomic
def withdraw_case(*, actor: Any, case: Case, reason: str, expected_version: int | None = None) -> Case:
    """撤回: the applicant (or a clerk on their written request) withdraws before a decision."""
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.SUBMITTED, Status.RECEIVED, Status.ACCEPTED, Status.CORRECTION, Status.IN_REVIEW,
                      Status.SPECIAL}, _("撤回"))
    if not (permissions.is_owner(actor, locked) or permissions.is_window_staff(actor, locked)):
        raise ForbiddenError(_("只有申请人本人或窗口人员可以撤回申请。"))
    previous = locked.status
    locked.status = Status.WITHDRAWN
    locked.completed_at = _now()
    _save(locked, "status", "completed_at")
    locked.pauses.filter(ended_on__isnull=True).update(ended_on=_today())
    _event(locked, actor=actor, action=Action.WITHDRAW, from_status=previous, opinion=reason)
    return locked


@transaction.atomic
def revoke_case(*, actor: Any, case: Case, reason: str, expected_version: int | None = None) -> Case:
    """撤销: a granted permit is revoked (e.g. obtained by fraud); the supervising departments are told."""
    if not reason.strip():
        raise ValidationError({"reason": [_("撤销需要说明理由和依据。")]})
    locked = _lock(case)
    _check_version(locked, expected_version)
    _require(locked, {Status.APPROVED, Status.APPROVED_PENDING}, _("撤销"))
    if not permissions.can_approve(actor, locked):
        raise ForbiddenError(_("您无权撤销该许可。"))
    previous = locked.status
    locked.status = Status.REVOKED
    _save(locked, "status")
    _event(locked, actor=actor, action=Action.REVOKE, from_status=previous, opinion=reason)
    from .signals import case_revoked

    case_revoked.send(sender=Case, case=locked, actor=actor)
    return locked


def complete_instant(
    *, actor: Any, item: ServiceItem, applicant: ApplicantData, centre: ServiceCentre, window: Window | None = None,
    received_material_ids: Iterable[int] = (), opinion: str = "", idempotency_key: str | None = None,
) -> Case:
    """即办件: received, accepted, decided and handed over at the window in one sitting (one visit)."""
    if item.case_kind != CaseKind.INSTANT:
        raise ValidationError({"item": [_("该事项不是即办件。")]})
    with transaction.atomic():
        result = receive_case(actor=actor, item=item, applicant=applicant, centre=centre, window=window,
                              received_material_ids=received_material_ids, idempotency_key=idempotency_key)
        case = result.case
        if not result.created:
            return case
        case = accept_case(actor=actor, case=case)
        previous = case.status
        locked = _lock(case)
        locked.status = Status.APPROVED
        locked.completed_at = _now()
        locked.decision_opinion = opinion or _("材料齐全，当场办结。")
        locked.assignee = actor
        locked.working_days_used = 0
        _save(locked, "status", "completed_at", "decision_opinion", "assignee", "working_days_used")
        _event(locked, actor=actor, action=Action.APPROVE, from_status=previous, opinion=locked.decision_opinion,
               data={"instant": True, "on_time": True})
        locked.delivered_at = _now()
        locked.delivery_method = DeliveryMethod.PICKUP
        _save(locked, "delivered_at", "delivery_method")
        _event(locked, actor=actor, action=Action.DELIVER, from_status=locked.status,
               data={"method": DeliveryMethod.PICKUP, "instant": True})
        from .signals import case_decided

        case_decided.send(sender=Case, case=locked, approved=True, actor=actor)
        return locked


@transaction.atomic
def record_visit(*, actor: Any, case: Case, purpose: str = Action.VISIT) -> Case:
    """An extra on-site interaction (each one counts against 最多跑一次)."""
    locked = _lock(case)
    if not permissions.is_window_staff(actor, locked):
        raise ForbiddenError(_("只有窗口人员可以登记到现场。"))
    _add_visit(locked, purpose)
    _event(locked, actor=actor, action=Action.VISIT, from_status=locked.status, data={"purpose": purpose})
    return locked
