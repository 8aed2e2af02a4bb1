"""Every write of the service hall: tickets, calling, windows, appointments, closing the day.

Each function takes keyword-only `actor=`, runs in one transaction, writes its TicketEvent and audit row in
that transaction, and leaves SMS to the outbox (written inside, sent after commit).

Concurrency:
* Ticket numbers come from a TicketCounter row per (category, day), incremented with a conditional UPDATE in
  the transaction that inserts the ticket. On PostgreSQL the row lock serialises kiosks of one category
  until commit; on SQLite immediate transactions serialise all writers. A refused ticket rolls its
  increment back, so numbers are unique and gap-free.
* Calling claims a ticket with ``select_for_update(skip_locked=True)`` (PostgreSQL: a second window skips
  the row the first is taking) and then a conditional ``UPDATE … WHERE status='waiting'`` checked by row
  count, which is what guarantees it on SQLite too. Two windows never get the same ticket.
* A window row is locked before anything is done at it; a clerk holds one window at a time (partial unique
  index on the holder).

Lock order: hall window → ticket counter → tickets; booking person rows (sorted by key) → slot → appointment.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event
from onewindow.catalog.models import ServiceItem
from onewindow.core import clock
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.core.masking import mask_id_number
from onewindow.core.validators import validate_credit_code, validate_id_number
from onewindow.org.choices import WindowKind
from onewindow.org.models import ServiceCentre, Window

from . import permissions
from .calendar import bookable_days, slot_times
from .choices import (
    HOLDING_STATUSES,
    OPEN_STATUSES,
    TOP_RANK,
    WAITING_STATUSES,
    AppointmentSource,
    AppointmentStatus,
    Priority,
    TicketAction,
    TicketSource,
    TicketStatus,
)
from .models import (
    Appointment,
    AppointmentSlot,
    BookingPerson,
    Call,
    HallWindow,
    KeyEnterprise,
    QueueCategory,
    QueueDay,
    Ticket,
    TicketCase,
    TicketCounter,
    TicketEvent,
    WindowSession,
)

# ---------------------------------------------------------------------------------------------
# Identity: keyed hashes only


def _index(kind: str, value: str) -> str:
    from onewindow.cases.services import cert_index

    return cert_index(kind, value)


def id_key_of(cert_number: str) -> str:
    """The keyed hash of a citizen ID number (the same index cases use for applicants)."""
    from onewindow.cases.choices import CertType

    return _index(CertType.ID_CARD, cert_number)


def credit_key_of(credit_code: str) -> str:
    from onewindow.cases.choices import CertType

    return _index(CertType.CREDIT_CODE, credit_code)


def phone_key_of(phone: str) -> str:
    from onewindow.cases.auth import normalize_phone

    return _index("phone", normalize_phone(phone))


@dataclass(frozen=True)
class Identity:
    """Who took a ticket, as far as the hall needs to know: hashes and what they imply."""

    id_key: str = ""
    phone_key: str = ""
    elderly: bool = False
    key_enterprise: bool = False


def _age_on(id_number: str, today: dt.date) -> int | None:
    try:
        birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def identify(cert_number: str = "", phone: str = "", today: dt.date | None = None) -> Identity:
    """Validate what the applicant typed or the card reader gave (both optional: a ticket never needs them).

    An ID number is checked and read for the age (elderly priority from ONEWINDOW_HALL_ELDERLY_AGE);
    a unified social credit code is looked up in the key-enterprise list. Only hashes leave this function.
    """
    from onewindow.cases.auth import MOBILE_RE, normalize_phone

    number = "".join((cert_number or "").split()).upper()
    digits = normalize_phone(phone or "")
    errors: dict[str, list[str]] = {}
    id_key = ""
    elderly = key_enterprise = False
    if number:
        try:
            validate_id_number(number)
        except ValidationError as exc:
            id_error = list(exc.messages)
        else:
            id_error = []
            id_key = id_key_of(number)
            age = _age_on(number, today or clock.today())
            elderly = age is not None and age >= settings.ONEWINDOW_HALL_ELDERLY_AGE
        if id_error:
            try:
                validate_credit_code(number)
            except ValidationError:
                looks_like_id = len(number) == 18 and number[:17].isdigit()
                errors["cert_number"] = id_error if looks_like_id else [
                    _("请输入18位居民身份证号码或统一社会信用代码。")]
            else:
                id_key = credit_key_of(number)
                key_enterprise = KeyEnterprise.objects.filter(code_key=id_key, is_active=True).exists()
    if digits and not MOBILE_RE.match(digits):
        errors["phone"] = [_("手机号码应为11位数字。")]
    if errors:
        raise ValidationError(errors)
    return Identity(id_key=id_key, phone_key=phone_key_of(digits) if digits else "", elderly=elderly,
                    key_enterprise=key_enterprise)


def rank_of(priority: str) -> int:
    """Calling rank of a priority kind (1 = first) from ONEWINDOW_HALL_PRIORITY_ORDER; unknown kinds last."""
    order = [p.strip() for p in settings.ONEWINDOW_HALL_PRIORITY_ORDER]
    return order.index(priority) + 1 if priority in order else len(order) + 1


def _best_priority(candidates: Iterable[str]) -> str:
    kinds = list(dict.fromkeys(candidates)) or [Priority.NORMAL]
    return min(kinds, key=rank_of)


# ---------------------------------------------------------------------------------------------
# Helpers


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _event(ticket: Ticket, action: str, *, actor: Any, window: HallWindow | None = None, reason: str = "",
           data: dict[str, Any] | None = None, at: dt.datetime | None = None) -> None:
    TicketEvent.objects.create(ticket=ticket, action=action, at=at or clock.now(), actor=_actor(actor),
                               window=window, reason=reason[:300], data=data or {})
    record_event(actor=actor, action=f"ticket_{action}", obj=ticket, summary=f"{ticket.code} {ticket.day}",
                 data={"window": window.window.number if window else None, "reason": reason[:200], **(data or {})})


def hall_window(window: Window) -> HallWindow:
    """The hall row of a window, made on first use."""
    hw, _created = HallWindow.objects.get_or_create(window=window)
    return hw


def ensure_hall_windows(centre: ServiceCentre) -> list[HallWindow]:
    windows = list(Window.objects.filter(centre=centre, is_active=True).order_by("number"))
    existing = {hw.window_id: hw for hw in HallWindow.objects.filter(window__in=windows)}
    for window in windows:
        if window.pk not in existing:
            existing[window.pk] = hall_window(window)
    return [existing[w.pk] for w in windows]


def served_category_ids(hw: HallWindow) -> list[int]:
    """General windows serve every active category of their centre; specialised ones the mapped categories."""
    window = hw.window
    qs = QueueCategory.objects.filter(centre_id=window.centre_id, is_active=True)
    if window.kind != WindowKind.GENERAL:
        qs = qs.filter(windows=hw)
    return list(qs.values_list("pk", flat=True))


def windows_serving(category: QueueCategory) -> Any:
    return HallWindow.objects.filter(window__centre_id=category.centre_id, window__is_active=True).filter(
        Q(window__kind=WindowKind.GENERAL) | Q(categories=category)).distinct()


# ---------------------------------------------------------------------------------------------
# Tickets


def _next_number(category: QueueCategory, day: dt.date) -> int:
    """Increment the (category, day) counter in the caller's transaction and return the new value."""
    for _attempt in range(5):
        updated = TicketCounter.objects.filter(category=category, day=day).update(last=F("last") + 1)
        if updated:
            return TicketCounter.objects.filter(category=category, day=day).values_list("last", flat=True).get()
        try:
            with transaction.atomic():  # a savepoint: a concurrent creator makes this fail, then we increment
                TicketCounter.objects.create(category=category, day=day, last=1)
            return 1
        except IntegrityError:
            continue
    raise ConflictError(_("取号繁忙，请稍后再试。"))


def format_code(category: QueueCategory, number: int) -> str:
    return f"{category.prefix}{number:03d}"


def _waiting_ticket_of(category: QueueCategory, day: dt.date, ident: Identity) -> Ticket | None:
    keys = Q()
    if ident.id_key:
        keys |= Q(id_key=ident.id_key)
    if ident.phone_key:
        keys |= Q(phone_key=ident.phone_key)
    if not keys:
        return None
    return Ticket.objects.filter(keys, category=category, day=day, status__in=WAITING_STATUSES).first()


def _issue(*, actor: Any, category: QueueCategory, ident: Identity, priorities: list[str], source: str,
           appointment: Appointment | None = None) -> Ticket:
    """Insert a ticket; the caller holds the transaction."""
    now = clock.now()
    day = _local(now).date()
    number = _next_number(category, day)  # takes the counter row lock first: duplicates are checked under it
    existing = _waiting_ticket_of(category, day, ident)
    if existing is not None:
        raise ConflictError(
            _("您已有等候中的 %(code)s 号（%(cat)s），请留意叫号，无需重复取号。") % {"code": existing.code, "cat": category.name})
    priority = _best_priority(priorities)
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                token=secrets.token_urlsafe(16), centre_id=category.centre_id, issued_category=category,
                category=category, day=day, number=number, code=format_code(category, number), priority=priority,
                rank=rank_of(priority), source=source, id_key=ident.id_key, phone_key=ident.phone_key,
                appointment=appointment, issued_at=now, issued_hour=_local(now).hour, queued_at=now,
            )
    except IntegrityError as exc:  # the partial unique index caught a duplicate the check could not see
        raise ConflictError(_("您已有等候中的号码，请勿重复取号。")) from exc
    _event(ticket, TicketAction.ISSUE, actor=actor, at=now,
           data={"priority": priority, "source": source, "category": category.prefix})
    return ticket


def issue_ticket(
    *, actor: Any, category: QueueCategory, cert_number: str = "", phone: str = "", needs_priority: bool = False,
    priority: str | None = None, source: str = TicketSource.KIOSK,
) -> Ticket:
    """取号 at a kiosk (or the guide desk): always possible, with or without a booking or any identity.

    `needs_priority` is the kiosk's "老年人、残疾人优先" button; `priority` lets hall staff set a kind
    (e.g. key enterprise) directly. Refuses a second waiting ticket of the same person in the category.
    """
    if not category.is_active:
        raise ValidationError({"category": [_("该取号类别已停用。")]})
    if priority is not None:
        if priority not in Priority.values:
            raise ValidationError({"priority": [_("优先类型无效。")]})
        if not permissions.works_in(actor, category.centre_id):
            raise ForbiddenError(_("只有大厅工作人员可以指定优先类型。"))
    if source not in TicketSource.values or source == TicketSource.APPOINTMENT:
        raise ValidationError({"source": [_("来源无效。")]})
    ident = identify(cert_number, phone)
    kinds: list[str] = [Priority.NORMAL]
    if ident.elderly:
        kinds.append(Priority.ELDERLY)
    if needs_priority:
        kinds.append(Priority.DISABLED)
    if ident.key_enterprise:
        kinds.append(Priority.KEY_ENTERPRISE)
    if priority:
        kinds.append(priority)
    with transaction.atomic():
        return _issue(actor=actor, category=category, ident=ident, priorities=kinds, source=source)


@dataclass
class Estimate:
    ahead: int
    minutes: int
    windows: int


def average_service_minutes(category: QueueCategory, today: dt.date | None = None) -> float:
    """Recent average service time of the category (14 days), else its configured or the global default."""
    today = today or clock.today()
    avg = Ticket.objects.filter(
        centre_id=category.centre_id, category=category, status=TicketStatus.DONE,
        day__gte=today - dt.timedelta(days=14), service_seconds__isnull=False,
    ).aggregate(avg=Avg("service_seconds"))["avg"]
    if avg:
        return max(float(avg) / 60.0, 1.0)
    return float(category.service_minutes or settings.ONEWINDOW_HALL_DEFAULT_SERVICE_MINUTES)


def estimate_wait(ticket: Ticket) -> Estimate:
    """People ahead in the calling order × average service minutes ÷ windows open for the category."""
    if ticket.status != TicketStatus.WAITING:
        return Estimate(0, 0, 0)
    ahead = Ticket.objects.filter(centre_id=ticket.centre_id, day=ticket.day, category_id=ticket.category_id,
                                  status=TicketStatus.WAITING).filter(
        Q(rank__lt=ticket.rank) | Q(rank=ticket.rank, queued_at__lt=ticket.queued_at)
        | Q(rank=ticket.rank, queued_at=ticket.queued_at, id__lt=ticket.pk)).count()
    category = ticket.category
    windows = windows_serving(category).filter(holder__isnull=False).count()
    minutes = math.ceil(ahead * average_service_minutes(category, ticket.day) / max(windows, 1))
    return Estimate(ahead, minutes, windows)


# ---------------------------------------------------------------------------------------------
# Windows


def _require_hall_staff(actor: Any, centre_id: int) -> None:
    if not permissions.works_in(actor, centre_id):
        raise ForbiddenError(_("您不是该服务中心的窗口人员。"))


def _locked_window(window: HallWindow | int) -> HallWindow:
    pk = window.pk if isinstance(window, HallWindow) else int(window)
    return HallWindow.objects.select_for_update().select_related("window").get(pk=pk)


def _held(actor: Any, window: HallWindow | int) -> HallWindow:
    """Lock the window and check the actor holds it."""
    hw = _locked_window(window)
    if hw.holder_id != getattr(actor, "pk", None):
        if hw.holder_id is None:
            raise ConflictError(_("请先登录 %(w)s（使用此窗口）。") % {"w": hw.label})
        raise ForbiddenError(_("%(w)s 正由其他人员使用。") % {"w": hw.label})
    return hw


def _holder_name(hw: HallWindow) -> str:
    user = hw.holder
    return (user.first_name or user.get_username()) if user else ""


@transaction.atomic
def take_window(*, actor: Any, window: HallWindow) -> HallWindow:
    """A clerk sits at a window. One clerk per window, one window per clerk; taking a new window leaves the
    old one (unless a ticket is still open there)."""
    hw = _locked_window(window)
    _require_hall_staff(actor, hw.window.centre_id)
    if not hw.window.is_active:
        raise ConflictError(_("该窗口已停用。"))
    if hw.holder_id == actor.pk:
        return hw
    if hw.holder_id is not None:
        raise ConflictError(_("%(w)s 正由 %(name)s 使用，请选择其他窗口，或请大厅管理员释放。") % {
            "w": hw.label, "name": _holder_name(hw)})
    other = HallWindow.objects.select_for_update().filter(holder=actor).exclude(pk=hw.pk).first()
    if other is not None:
        _release(other, actor=actor, note=_("转到%(w)s") % {"w": hw.label})
    now = clock.now()
    try:
        with transaction.atomic():
            updated = HallWindow.objects.filter(pk=hw.pk, holder__isnull=True).update(holder=actor, held_since=now)
    except IntegrityError as exc:  # the same clerk took another window at the same instant
        raise ConflictError(_("您已在其他窗口登录。")) from exc
    if not updated:
        raise ConflictError(_("%(w)s 刚被其他人员使用。") % {"w": hw.label})
    WindowSession.objects.create(window=hw, clerk=actor, started_at=now)
    hw.refresh_from_db()
    record_event(actor=actor, action="window_taken", obj=hw, summary=hw.label)
    return hw


def _release(hw: HallWindow, *, actor: Any, note: str = "") -> None:
    current = hw.current_ticket
    if current is not None and current.status in OPEN_STATUSES:
        raise ConflictError(_("%(w)s 还有未处理完的 %(code)s 号，请先办结、过号或转移。") % {
            "w": hw.label, "code": current.code})
    now = clock.now()
    WindowSession.objects.filter(window=hw, ended_at__isnull=True).update(ended_at=now, end_note=note[:200])
    HallWindow.objects.filter(pk=hw.pk).update(holder=None, held_since=None, current_ticket=None)
    record_event(actor=actor, action="window_left", obj=hw, summary=hw.label, data={"note": note[:200]})


@transaction.atomic
def leave_window(*, actor: Any, window: HallWindow) -> None:
    hw = _held(actor, window)
    _release(hw, actor=actor)


@transaction.atomic
def release_window(*, actor: Any, window: HallWindow, reason: str) -> None:
    """A hall manager frees a window someone forgot to leave (their open ticket goes back to the queue)."""
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写释放窗口的理由。")]})
    hw = _locked_window(window)
    if not permissions.manages(actor, hw.window.centre_id):
        raise ForbiddenError(_("只有大厅管理员可以释放窗口。"))
    current = hw.current_ticket
    if current is not None and current.status in OPEN_STATUSES:
        Ticket.objects.filter(pk=current.pk).update(status=TicketStatus.WAITING, window=None, called_at=None)
        _event(current, TicketAction.TRANSFER, actor=actor, window=hw, reason=reason, data={"released": True})
        HallWindow.objects.filter(pk=hw.pk).update(current_ticket=None)
        hw.refresh_from_db()
    _release(hw, actor=actor, note=reason)


# ---------------------------------------------------------------------------------------------
# Calling


def _announcement(ticket: Ticket, hw: HallWindow) -> str:
    return _("请%(code)s号到%(n)s号窗口办理") % {"code": ticket.code, "n": hw.window.number}


def _pool(hw: HallWindow, day: dt.date) -> Any:
    """Waiting tickets this window may call: its categories (not reserved for another window), plus tickets
    transferred to it."""
    return Ticket.objects.filter(centre_id=hw.window.centre_id, day=day, status=TicketStatus.WAITING).filter(
        Q(category_id__in=served_category_ids(hw), target_window__isnull=True) | Q(target_window=hw))


def _no_open_ticket(hw: HallWindow) -> None:
    current = hw.current_ticket
    if current is not None and current.status in (TicketStatus.CALLED, TicketStatus.SERVING):
        raise ConflictError(_("请先处理当前的 %(code)s 号（开始办理、办结、过号或转移）。") % {"code": current.code})


def _claim(ticket_id: int, hw: HallWindow, actor: Any, now: dt.datetime,
           from_statuses: Iterable[str] = (TicketStatus.WAITING,)) -> Ticket | None:
    """Conditional UPDATE: only one caller can move the ticket out of its waiting state."""
    updated = Ticket.objects.filter(pk=ticket_id, status__in=list(from_statuses)).filter(
        Q(target_window__isnull=True) | Q(target_window=hw)
    ).update(status=TicketStatus.CALLED, window=hw, called_at=now, clerk=actor, target_window=None)
    if not updated:
        return None
    ticket = Ticket.objects.select_related("category").get(pk=ticket_id)
    if ticket.first_called_at is None:
        ticket.first_called_at = now
        ticket.wait_seconds = max(int((now - ticket.issued_at).total_seconds()), 0)
        ticket.save(update_fields=["first_called_at", "wait_seconds"])
    return ticket


def _after_call(ticket: Ticket, hw: HallWindow, *, actor: Any, action: str, reason: str = "",
                now: dt.datetime) -> Ticket:
    HallWindow.objects.filter(pk=hw.pk).update(current_ticket=ticket)
    hw.current_ticket = ticket
    Call.objects.create(centre_id=ticket.centre_id, ticket=ticket, window=hw, at=now, text=_announcement(ticket, hw))
    _event(ticket, action, actor=actor, window=hw, reason=reason, at=now)
    return ticket


@transaction.atomic
def call_next(*, actor: Any, window: HallWindow) -> Ticket | None:
    """叫号: the next ticket by the rules (rank, then time in the queue). None when nobody is waiting."""
    hw = _held(actor, window)
    _no_open_ticket(hw)
    now = clock.now()
    pool = _pool(hw, _local(now).date()).in_call_order()
    for _attempt in range(20):
        # PostgreSQL: skip rows another window is claiming right now; SQLite ignores FOR UPDATE and
        # serialises writers instead. The conditional UPDATE in _claim decides either way.
        candidate = pool.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True).first()
        if candidate is None:
            return None
        ticket = _claim(candidate, hw, actor, now)
        if ticket is not None:
            return _after_call(ticket, hw, actor=actor, action=TicketAction.CALL, now=now)
    raise ConflictError(_("叫号繁忙，请重试。"))


@transaction.atomic
def call_ticket(*, actor: Any, window: HallWindow, ticket: Ticket, reason: str = "") -> Ticket:
    """Call one ticket by its number. Passing over others ahead of it (or calling a no-show again) is
    a skip of the queue: it needs a reason, which is logged."""
    hw = _held(actor, window)
    _no_open_ticket(hw)
    now = clock.now()
    today = _local(now).date()
    ticket = Ticket.objects.select_related("category").get(pk=ticket.pk)
    if ticket.centre_id != hw.window.centre_id or ticket.day != today:
        raise ValidationError({"ticket": [_("该号码不是本中心今天的号。")]})
    if ticket.status not in (TicketStatus.WAITING, TicketStatus.NO_SHOW):
        raise ConflictError(_("%(code)s 号当前为“%(s)s”，不能呼叫。") % {"code": ticket.code, "s": ticket.get_status_display()})
    served = ticket.target_window_id == hw.pk or (
        ticket.target_window_id is None and ticket.category_id in served_category_ids(hw))
    if not served:
        raise ConflictError(_("%(code)s 号不属于本窗口的服务类别，请先转移到本窗口。") % {"code": ticket.code})
    head = _pool(hw, today).in_call_order().values_list("pk", flat=True).first()
    out_of_order = ticket.status == TicketStatus.NO_SHOW or head != ticket.pk
    if out_of_order and not reason.strip():
        raise ValidationError({"reason": [_("越过前面等候的号码（或重新呼叫过号的号码）需要填写理由，理由会被记录。")]})
    claimed = _claim(ticket.pk, hw, actor, now, from_statuses=[TicketStatus.WAITING, TicketStatus.NO_SHOW])
    if claimed is None:
        raise ConflictError(_("%(code)s 号刚被其他窗口呼叫。") % {"code": ticket.code})
    action = TicketAction.CALL_OUT_OF_ORDER if out_of_order else TicketAction.CALL
    return _after_call(claimed, hw, actor=actor, action=action, reason=reason.strip(), now=now)


def _current(hw: HallWindow, statuses: Iterable[str], what: str) -> Ticket:
    ticket = hw.current_ticket
    if ticket is None:
        raise ConflictError(_("本窗口当前没有号，不能%(what)s。") % {"what": what})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status not in set(statuses):
        raise ConflictError(_("%(code)s 号当前为“%(s)s”，不能%(what)s。") % {
            "code": ticket.code, "s": ticket.get_status_display(), "what": what})
    return ticket


@transaction.atomic
def recall(*, actor: Any, window: HallWindow) -> Ticket:
    """重呼: announce the current ticket again."""
    hw = _held(actor, window)
    ticket = _current(hw, [TicketStatus.CALLED], _("重呼"))
    now = clock.now()
    ticket.recalls += 1
    ticket.save(update_fields=["recalls"])
    Call.objects.create(centre_id=ticket.centre_id, ticket=ticket, window=hw, at=now, is_recall=True,
                        text=_announcement(ticket, hw))
    _event(ticket, TicketAction.RECALL, actor=actor, window=hw, at=now, data={"recalls": ticket.recalls})
    return ticket


@transaction.atomic
def mark_no_show(*, actor: Any, window: HallWindow) -> Ticket:
    """过号: the applicant did not come after the calls. The ticket can be called again (with a reason)."""
    hw = _held(actor, window)
    ticket = _current(hw, [TicketStatus.CALLED], _("过号"))
    ticket.status = TicketStatus.NO_SHOW
    ticket.save(update_fields=["status"])
    HallWindow.objects.filter(pk=hw.pk).update(current_ticket=None)
    _event(ticket, TicketAction.NO_SHOW, actor=actor, window=hw)
    return ticket


@transaction.atomic
def start_service(*, actor: Any, window: HallWindow) -> Ticket:
    hw = _held(actor, window)
    ticket = _current(hw, [TicketStatus.CALLED], _("开始办理"))
    ticket.status = TicketStatus.SERVING
    ticket.serve_started_at = clock.now()
    ticket.save(update_fields=["status", "serve_started_at"])
    _event(ticket, TicketAction.START, actor=actor, window=hw, at=ticket.serve_started_at)
    return ticket


def _resolve_cases(actor: Any, cases: Iterable[Any]) -> list[Any]:
    """Cases by object or number, each visible to the actor (the same rule as every case list)."""
    from onewindow.cases.models import Case

    wanted = [c for c in cases if c not in (None, "")]
    if not wanted:
        return []
    numbers = [str(c).strip() for c in wanted if not isinstance(c, Case)]
    objects = [c for c in wanted if isinstance(c, Case)]
    visible = Case.objects.visible_to(actor)
    found = {c.number: c for c in visible.filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ValidationError({"cases": [_("找不到办件 %(n)s，或您无权查看。") % {"n": "、".join(missing)}]})
    ids = {c.pk for c in objects}
    if ids and visible.filter(pk__in=ids).count() != len(ids):
        raise ValidationError({"cases": [_("有办件您无权关联。")]})
    return objects + list(found.values())


def _link(ticket: Ticket, cases: list[Any], *, actor: Any, hw: HallWindow | None, now: dt.datetime) -> list[str]:
    linked = []
    for case in cases:
        _obj, created = TicketCase.objects.get_or_create(ticket=ticket, case=case,
                                                         defaults={"linked_at": now, "linked_by": _actor(actor)})
        if created:
            linked.append(case.number)
    if linked:
        _event(ticket, TicketAction.LINK_CASE, actor=actor, window=hw, at=now, data={"cases": linked})
    return linked


@transaction.atomic
def link_cases(*, actor: Any, ticket: Ticket, cases: Iterable[Any]) -> list[str]:
    """Link the case(s) handled to a ticket (while serving, or after it is done, the same day)."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _require_hall_staff(actor, ticket.centre_id)
    if ticket.status not in (TicketStatus.SERVING, TicketStatus.CALLED, TicketStatus.DONE):
        raise ConflictError(_("只有正在办理或已办结的号可以关联办件。"))
    resolved = _resolve_cases(actor, cases)
    return _link(ticket, resolved, actor=actor, hw=ticket.window, now=clock.now())


@transaction.atomic
def finish_service(*, actor: Any, window: HallWindow, cases: Iterable[Any] = ()) -> Ticket:
    """办结 the current ticket, linking the case(s) handled. From 'called' directly is allowed (the service
    then counts from the call)."""
    hw = _held(actor, window)
    ticket = _current(hw, [TicketStatus.CALLED, TicketStatus.SERVING], _("办结"))
    resolved = _resolve_cases(actor, cases)
    now = clock.now()
    started = ticket.serve_started_at or ticket.called_at or now
    ticket.serve_started_at = started
    ticket.status = TicketStatus.DONE
    ticket.finished_at = now
    ticket.service_seconds = max(int((now - started).total_seconds()), 0)
    ticket.clerk = actor
    ticket.save(update_fields=["status", "finished_at", "service_seconds", "serve_started_at", "clerk"])
    HallWindow.objects.filter(pk=hw.pk).update(current_ticket=None)
    _link(ticket, resolved, actor=actor, hw=hw, now=now)
    _event(ticket, TicketAction.FINISH, actor=actor, window=hw, at=now,
           data={"cases": [c.number for c in resolved], "service_seconds": ticket.service_seconds})
    return ticket


@transaction.atomic
def transfer_ticket(
    *, actor: Any, window: HallWindow, ticket: Ticket | None = None, to_window: HallWindow | None = None,
    to_category: QueueCategory | None = None, reason: str = "",
) -> Ticket:
    """转移 to another window or category. The ticket keeps its number, rank and place in time
    (`queued_at`), so the applicant does not wait again from the start."""
    hw = _held(actor, window)
    if (to_window is None) == (to_category is None):
        raise ValidationError({"target": [_("请选择转往的窗口或类别（二选一）。")]})
    if ticket is None:
        ticket = _current(hw, [TicketStatus.CALLED, TicketStatus.SERVING], _("转移"))
    else:
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status not in (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING):
            raise ConflictError(_("%(code)s 号当前为“%(s)s”，不能转移。") % {"code": ticket.code, "s": ticket.get_status_display()})
        if ticket.status != TicketStatus.WAITING and ticket.window_id != hw.pk:
            raise ConflictError(_("%(code)s 号正在其他窗口办理。") % {"code": ticket.code})
    centre_id = hw.window.centre_id
    data: dict[str, Any] = {"from_category": ticket.category.prefix}
    if to_window is not None:
        to_window = HallWindow.objects.select_related("window").get(pk=to_window.pk)
        if to_window.window.centre_id != centre_id or not to_window.window.is_active:
            raise ValidationError({"to_window": [_("只能转往本中心启用的窗口。")]})
        if to_window.pk == hw.pk:
            raise ValidationError({"to_window": [_("不能转往本窗口。")]})
        ticket.target_window = to_window
        data["to_window"] = to_window.window.number
    else:
        assert to_category is not None
        if to_category.centre_id != centre_id or not to_category.is_active:
            raise ValidationError({"to_category": [_("只能转往本中心启用的类别。")]})
        if to_category.pk == ticket.category_id:
            raise ValidationError({"to_category": [_("该号已在此类别。")]})
        duplicate = Ticket.objects.filter(category=to_category, day=ticket.day, status__in=WAITING_STATUSES).exclude(
            pk=ticket.pk).filter((Q(id_key=ticket.id_key) & ~Q(id_key="")) | (Q(phone_key=ticket.phone_key) & ~Q(phone_key="")))
        if duplicate.exists():
            raise ConflictError(_("该申请人在“%(c)s”已有等候中的号。") % {"c": to_category.name})
        ticket.category = to_category
        ticket.target_window = None
        data["to_category"] = to_category.prefix
    was_here = hw.current_ticket_id == ticket.pk
    ticket.status = TicketStatus.WAITING
    ticket.window = None
    ticket.called_at = None
    ticket.transfers += 1
    ticket.save(update_fields=["category", "target_window", "status", "window", "called_at", "transfers"])
    if was_here:
        HallWindow.objects.filter(pk=hw.pk).update(current_ticket=None)
    _event(ticket, TicketAction.TRANSFER, actor=actor, window=hw, reason=reason.strip(), data=data)
    return ticket


def _reason_required(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": [_("%(what)s必须填写理由，理由会被记录。") % {"what": what}]})
    return text


@transaction.atomic
def skip_ticket(*, actor: Any, ticket: Ticket, reason: str, window: HallWindow | None = None) -> Ticket:
    """顺延: put a ticket (waiting, or the one just called) back to the end of its rank group, with a reason."""
    text = _reason_required(reason, _("顺延"))
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _require_hall_staff(actor, ticket.centre_id)
    hw = _held(actor, window) if window is not None else None
    if ticket.status == TicketStatus.CALLED:
        if hw is None or ticket.window_id != hw.pk:
            raise ConflictError(_("%(code)s 号已被其他窗口呼叫。") % {"code": ticket.code})
        HallWindow.objects.filter(pk=hw.pk).update(current_ticket=None)
    elif ticket.status != TicketStatus.WAITING:
        raise ConflictError(_("%(code)s 号当前为“%(s)s”，不能顺延。") % {"code": ticket.code, "s": ticket.get_status_display()})
    # Behind everyone of its rank now waiting in its category, even if they took their tickets "now" too.
    last = Ticket.objects.filter(centre_id=ticket.centre_id, day=ticket.day, category_id=ticket.category_id,
                                 rank=ticket.rank, status=TicketStatus.WAITING).exclude(pk=ticket.pk).aggregate(
        m=Max("queued_at"))["m"]
    now = clock.now()
    ticket.status = TicketStatus.WAITING
    ticket.window = None
    ticket.called_at = None
    ticket.queued_at = max(now, last + dt.timedelta(microseconds=1)) if last else now
    ticket.save(update_fields=["status", "window", "called_at", "queued_at"])
    _event(ticket, TicketAction.SKIP, actor=actor, window=hw, reason=text)
    return ticket


@transaction.atomic
def move_to_top(*, actor: Any, ticket: Ticket, reason: str, window: HallWindow | None = None) -> Ticket:
    """置顶: the ticket is called before every priority kind. Needs a reason, which is logged."""
    text = _reason_required(reason, _("置顶"))
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _require_hall_staff(actor, ticket.centre_id)
    if ticket.status != TicketStatus.WAITING:
        raise ConflictError(_("只能置顶等候中的号。"))
    ticket.rank = TOP_RANK
    ticket.save(update_fields=["rank"])
    _event(ticket, TicketAction.MOVE_TOP, actor=actor, window=window, reason=text)
    return ticket


# ---------------------------------------------------------------------------------------------
# Closing the day


def day_summary(centre: ServiceCentre, day: dt.date) -> dict[str, Any]:
    from .selectors import hall_stats

    stats = hall_stats([centre.pk], day, day)
    return {"totals": stats["totals"], "categories": stats["categories"], "appointments": stats["appointments"]}


@transaction.atomic
def close_day(*, actor: Any, centre: ServiceCentre, day: dt.date | None = None) -> QueueDay:
    """日终: close every unserved ticket of the day (and any earlier day left open), free the windows, void
    unused bookings as no-shows (and suspend repeat no-shows), archive the day's figures. Idempotent."""
    now = clock.now()
    day = day or _local(now).date()
    open_tickets = list(Ticket.objects.select_for_update().filter(centre=centre, day__lte=day,
                                                                  status__in=OPEN_STATUSES))
    for ticket in open_tickets:
        TicketEvent.objects.create(ticket=ticket, action=TicketAction.CLOSE, at=now, actor=_actor(actor),
                                   data={"from": ticket.status})
    Ticket.objects.filter(pk__in=[t.pk for t in open_tickets]).update(status=TicketStatus.CLOSED, closed_at=now)
    held = HallWindow.objects.filter(window__centre=centre).filter(Q(holder__isnull=False) | Q(current_ticket__isnull=False))
    WindowSession.objects.filter(window__window__centre=centre, ended_at__isnull=True).update(
        ended_at=now, end_note=_("日终关闭"))
    held.update(holder=None, held_since=None, current_ticket=None)
    unused = list(Appointment.objects.select_for_update().filter(centre=centre, day__lte=day,
                                                                 status=AppointmentStatus.BOOKED))
    Appointment.objects.filter(pk__in=[a.pk for a in unused]).update(status=AppointmentStatus.NO_SHOW)
    keys = sorted({a.id_key for a in unused} | {a.phone_key for a in unused})
    suspended = _apply_no_show_rule(keys, day, actor=actor)
    summary = day_summary(centre, day)
    summary["closed_tickets"] = len(open_tickets)
    summary["no_show_bookings"] = len(unused)
    summary["suspensions"] = suspended
    archive, _created = QueueDay.objects.update_or_create(centre=centre, day=day,
                                                          defaults={"closed_at": now, "summary": summary})
    record_event(actor=actor, action="hall_day_closed", obj=archive, summary=f"{centre.code} {day}",
                 data={"closed_tickets": len(open_tickets), "no_show_bookings": len(unused), "suspensions": suspended})
    return archive


def _lock_people(keys: Iterable[str]) -> list[BookingPerson]:
    people = []
    for key in sorted(set(k for k in keys if k)):  # sorted: every transaction locks in the same order
        BookingPerson.objects.get_or_create(key=key)
        people.append(BookingPerson.objects.select_for_update().get(key=key))
    return people


def _apply_no_show_rule(keys: list[str], day: dt.date, *, actor: Any) -> int:
    """N no-shows (ONEWINDOW_HALL_NO_SHOW_LIMIT) since the last suspension suspend booking for
    ONEWINDOW_HALL_NO_SHOW_SUSPEND_DAYS days. Walk-in tickets are never affected."""
    limit = settings.ONEWINDOW_HALL_NO_SHOW_LIMIT
    if limit <= 0:
        return 0
    count = 0
    for person in _lock_people(keys):
        no_shows = Appointment.objects.filter(Q(id_key=person.key) | Q(phone_key=person.key),
                                              status=AppointmentStatus.NO_SHOW, day__lte=day)
        if person.counted_until:
            no_shows = no_shows.filter(day__gt=person.counted_until)
        if no_shows.count() >= limit:
            person.suspended_until = day + dt.timedelta(days=settings.ONEWINDOW_HALL_NO_SHOW_SUSPEND_DAYS)
            person.counted_until = day
            person.save(update_fields=["suspended_until", "counted_until"])
            record_event(actor=actor, action="booking_suspended", obj=person, summary=str(person.suspended_until))
            count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Appointments


def ensure_slots(category: QueueCategory, day: dt.date) -> list[AppointmentSlot]:
    """The day's slots of a category, made on first use from the slot times (idempotent; capacity changed
    later by a hall manager is kept)."""
    existing = {s.start: s for s in AppointmentSlot.objects.filter(category=category, day=day)}
    for start, end in slot_times(category.centre, day):
        if start not in existing:
            slot, _created = AppointmentSlot.objects.get_or_create(
                category=category, day=day, start=start,
                defaults={"centre_id": category.centre_id, "end": end, "capacity": category.capacity})
            existing[start] = slot
    return sorted(existing.values(), key=lambda s: s.start)


def slot_start(slot: AppointmentSlot) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(slot.day, slot.start))


def slot_end(slot: AppointmentSlot) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(slot.day, slot.end))


def open_slots(category: QueueCategory, today: dt.date | None = None) -> list[tuple[dt.date, list[AppointmentSlot]]]:
    """Bookable days of a category with their slots (past slots of today left out)."""
    today = today or clock.today()
    now = clock.now()
    result = []
    for day in bookable_days(category, today):
        slots = [s for s in ensure_slots(category, day) if slot_start(s) > now]
        if slots:
            result.append((day, slots))
    return result


def categories_for_item(centre: ServiceCentre, item: ServiceItem) -> list[QueueCategory]:
    return list(QueueCategory.objects.filter(centre=centre, is_active=True, items=item).order_by("order", "prefix"))


def _new_code() -> str:
    for _attempt in range(20):
        code = f"{secrets.randbelow(10**8):08d}"
        if not Appointment.objects.filter(code=code).exists():
            return code
    raise ConflictError(_("预约码生成繁忙，请重试。"))


def _week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def book_appointment(
    *, actor: Any, slot: AppointmentSlot, item: ServiceItem, name: str, cert_number: str, phone: str,
    source: str | None = None,
) -> Appointment:
    """预约: an applicant books online (logged in), or hall staff book for them. Checks, in order: who may
    book, the item and slot, the booking window, a suspension, one booking per item and day, the weekly and
    monthly caps, and finally the slot's capacity with a conditional UPDATE. An SMS confirms it (outbox)."""
    from onewindow.cases.auth import MOBILE_RE, is_applicant, normalize_phone
    from onewindow.messaging.sms import queue_sms

    slot = AppointmentSlot.objects.select_related("category", "category__centre").get(pk=slot.pk)
    category = slot.category
    centre = category.centre
    staff = permissions.works_in(actor, centre.pk)
    if not staff and not is_applicant(actor):
        raise ForbiddenError(_("请先登录后预约；也可以直接到大厅取号办理。"))
    if source is None:
        source = AppointmentSource.STAFF if staff else AppointmentSource.WEB
    if source not in AppointmentSource.values:
        raise ValidationError({"source": [_("来源无效。")]})
    errors: dict[str, list[str]] = {}
    number = "".join((cert_number or "").split()).upper()
    digits = normalize_phone(phone or "")
    if not (name or "").strip():
        errors["name"] = [_("请填写姓名。")]
    try:
        validate_id_number(number)
    except ValidationError as exc:
        errors["cert_number"] = list(exc.messages)
    if not MOBILE_RE.match(digits):
        errors["phone"] = [_("请填写11位手机号码，用于接收预约提醒。")]
    if not item.is_active or not item.published_version:
        errors["item"] = [_("该事项未发布或已停用。")]
    elif not item.supports_appointment:
        errors["item"] = [_("该事项不支持预约，请直接到大厅取号办理。")]
    elif not category.items.filter(pk=item.pk).exists():
        errors["item"] = [_("该事项不在所选类别中。")]
    if errors:
        raise ValidationError(errors)
    today = clock.today()
    now = clock.now()
    if slot.day not in bookable_days(category, today) or slot_start(slot) <= now:
        days = bookable_days(category, today)
        window = f"{days[0]:%m月%d日}–{days[-1]:%m月%d日}" if days else "—"
        raise ValidationError({"slot": [_("只能预约 %(w)s 之间的办理日（至少提前 %(n)d 天，节假日除外）。") % {
            "w": window, "n": settings.ONEWINDOW_HALL_BOOKING_MIN_DAYS_AHEAD}]})
    id_key = id_key_of(number)
    phone_key = phone_key_of(digits)
    with transaction.atomic():
        people = _lock_people([id_key, phone_key])
        for person in people:
            if person.suspended_until and person.suspended_until >= today:
                raise ConflictError(_("因预约后多次未到（爽约），预约权限暂停至 %(d)s。现场取号办理不受影响。") % {
                    "d": f"{person.suspended_until:%Y-%m-%d}"})
        same_item = Appointment.objects.filter(id_key=id_key, item=item, day=slot.day, status__in=HOLDING_STATUSES)
        if same_item.count() >= settings.ONEWINDOW_HALL_BOOKINGS_PER_ITEM_PER_DAY:
            raise ConflictError(_("您已预约 %(d)s 办理“%(i)s”，同一事项同一天只能预约 %(n)d 次。") % {
                "d": f"{slot.day:%m月%d日}", "i": item.name, "n": settings.ONEWINDOW_HALL_BOOKINGS_PER_ITEM_PER_DAY})
        counted = Appointment.objects.filter(Q(id_key=id_key) | Q(phone_key=phone_key),
                                             status__in=[*HOLDING_STATUSES, AppointmentStatus.NO_SHOW])
        for cap, bounds, label in (
            (settings.ONEWINDOW_HALL_WEEKLY_BOOKING_CAP, _week_bounds(slot.day), _("每周")),
            (settings.ONEWINDOW_HALL_MONTHLY_BOOKING_CAP, _month_bounds(slot.day), _("每月")),
        ):
            if cap > 0 and counted.filter(day__gte=bounds[0], day__lte=bounds[1]).count() >= cap:
                raise ConflictError(_("%(label)s最多预约 %(n)d 次，您已达到上限。可直接到大厅取号办理。") % {
                    "label": label, "n": cap})
        taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
        if not taken:
            raise ConflictError(_("%(d)s %(t)s 已约满，请选择其他时段。") % {"d": f"{slot.day:%m月%d日}", "t": slot.label})
        appointment = Appointment.objects.create(
            code=_new_code(), centre=centre, category=category, slot=slot, item=item, day=slot.day,
            user=actor if not staff and _actor(actor) else None, name=name.strip()[:100], id_key=id_key,
            phone_key=phone_key, phone=digits, source=source, created_at=now, created_by=_actor(actor),
        )
        queue_sms(phone=digits, topic="hall.booked", obj=appointment, centre_id=centre.pk, text=_(
            "您已预约%(c)s %(d)s %(t)s办理“%(i)s”，预约码%(code)s。请按时到大厅取号机签到；如不能前往，"
            "请至少提前%(h)d小时取消。") % {"c": centre.name, "d": f"{slot.day:%m月%d日}", "t": slot.label,
                                         "i": item.name, "code": appointment.code,
                                         "h": settings.ONEWINDOW_HALL_CANCEL_MIN_HOURS})
        record_event(actor=actor, action="appointment_booked", obj=appointment,
                     summary=f"{appointment.code} {slot.day} {slot.label}",
                     data={"source": source, "item": item.pk, "cert": mask_id_number(number)})
    return appointment


@transaction.atomic
def cancel_appointment(*, actor: Any, appointment: Appointment, reason: str = "") -> Appointment:
    """取消: the slot goes back to the pool at once. Applicants up to ONEWINDOW_HALL_CANCEL_MIN_HOURS before
    the slot; hall staff at any time, with a reason."""
    from onewindow.messaging.sms import queue_sms

    appt = Appointment.objects.select_for_update().select_related("slot", "centre", "item").get(pk=appointment.pk)
    staff = permissions.works_in(actor, appt.centre_id)
    owner = _actor(actor) is not None and appt.user_id == actor.pk
    if not (staff or owner):
        raise ForbiddenError(_("只有预约人本人或大厅工作人员可以取消预约。"))
    if appt.status != AppointmentStatus.BOOKED:
        raise ConflictError(_("该预约当前为“%(s)s”，不能取消。") % {"s": appt.get_status_display()})
    now = clock.now()
    if not staff:
        limit = slot_start(appt.slot) - dt.timedelta(hours=settings.ONEWINDOW_HALL_CANCEL_MIN_HOURS)
        if now > limit:
            raise ConflictError(_("距预约时段开始已不足 %(h)d 小时，不能在线取消。如不能前往，请致电服务中心。") % {
                "h": settings.ONEWINDOW_HALL_CANCEL_MIN_HOURS})
    elif not reason.strip() and not owner:
        raise ValidationError({"reason": [_("工作人员代为取消需要填写原因。")]})
    appt.status = AppointmentStatus.CANCELLED
    appt.cancelled_at = now
    appt.cancel_reason = reason.strip()[:200]
    appt.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    AppointmentSlot.objects.filter(pk=appt.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    queue_sms(phone=appt.phone, topic="hall.cancelled", obj=appt, centre_id=appt.centre_id, text=_(
        "您预约的%(c)s %(d)s %(t)s已取消。") % {"c": appt.centre.name, "d": f"{appt.day:%m月%d日}", "t": appt.slot.label})
    record_event(actor=actor, action="appointment_cancelled", obj=appt, summary=appt.code,
                 data={"by_staff": staff and not owner, "reason": reason[:200]})
    return appt


@transaction.atomic
def check_in(*, actor: Any, centre: ServiceCentre, code: str) -> Ticket:
    """签到 at the kiosk with the appointment code: a ticket with the appointment priority. A person already
    holding a walk-in ticket in the category gets that ticket upgraded instead of a second one."""
    code = "".join((code or "").split())
    appt = Appointment.objects.select_for_update().select_related("slot", "category").filter(code=code).first()
    if appt is None or appt.centre_id != centre.pk:
        raise ValidationError({"code": [_("没有找到该预约码，请核对；也可以直接取号，我们同样为您办理。")]})
    if appt.status == AppointmentStatus.CHECKED_IN:
        ticket = Ticket.objects.filter(appointment=appt).first()
        if ticket is not None:
            return ticket
    if appt.status != AppointmentStatus.BOOKED:
        raise ConflictError(_("该预约%(s)s，请直接取号，我们同样为您办理。") % {"s": appt.get_status_display()})
    now = clock.now()
    if appt.day != _local(now).date():
        raise ConflictError(_("您预约的是 %(d)s，今天不是预约日。可以直接取号办理。") % {"d": f"{appt.day:%m月%d日}"})
    opens = slot_start(appt.slot) - dt.timedelta(minutes=settings.ONEWINDOW_HALL_CHECKIN_EARLY_MINUTES)
    closes = slot_end(appt.slot) + dt.timedelta(minutes=settings.ONEWINDOW_HALL_CHECKIN_LATE_MINUTES)
    if now < opens:
        raise ConflictError(_("请于 %(t)s 后签到；现在也可以直接取号。") % {"t": f"{_local(opens):%H:%M}"})
    if now > closes:
        raise ConflictError(_("已超过预约时段，请直接取号，按现场排队办理。"))
    ident = Identity(id_key=appt.id_key, phone_key=appt.phone_key)
    existing = _waiting_ticket_of(appt.category, appt.day, ident)
    if existing is not None:
        existing = Ticket.objects.select_for_update().get(pk=existing.pk)
        priority = _best_priority([existing.priority, Priority.APPOINTMENT])
        existing.priority = priority
        existing.rank = min(existing.rank, rank_of(priority))
        existing.appointment = appt
        existing.save(update_fields=["priority", "rank", "appointment"])
        _event(existing, TicketAction.ISSUE, actor=actor, data={"checked_in": appt.code, "upgraded": True})
        ticket = existing
    else:
        ticket = _issue(actor=actor, category=appt.category, ident=ident,
                        priorities=[Priority.APPOINTMENT], source=TicketSource.APPOINTMENT, appointment=appt)
    appt.status = AppointmentStatus.CHECKED_IN
    appt.checked_in_at = now
    appt.save(update_fields=["status", "checked_in_at"])
    record_event(actor=actor, action="appointment_checked_in", obj=appt, summary=f"{appt.code} → {ticket.code}")
    return ticket


def send_reminders(*, actor: Any, day: dt.date) -> int:
    """SMS reminders for the bookings of `day` (run the evening before: `onewindow hall remind`)."""
    from onewindow.messaging.sms import queue_sms

    sent = 0
    ids = list(Appointment.objects.filter(day=day, status=AppointmentStatus.BOOKED, reminded_at__isnull=True)
               .values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            appt = Appointment.objects.select_for_update().select_related("slot", "centre", "item").get(pk=pk)
            if appt.reminded_at or appt.status != AppointmentStatus.BOOKED:
                continue
            queue_sms(phone=appt.phone, topic="hall.reminder", obj=appt, centre_id=appt.centre_id, text=_(
                "提醒：您预约了%(c)s %(d)s %(t)s办理“%(i)s”，预约码%(code)s，请按时到取号机签到。") % {
                "c": appt.centre.name, "d": f"{appt.day:%m月%d日}", "t": appt.slot.label, "i": appt.item.name,
                "code": appt.code})
            appt.reminded_at = clock.now()
            appt.save(update_fields=["reminded_at"])
            record_event(actor=actor, action="appointment_reminded", obj=appt, summary=appt.code)
            sent += 1
    return sent


# ---------------------------------------------------------------------------------------------
# Setup (admin and demo)


@transaction.atomic
def save_category(*, actor: Any, category: QueueCategory, items: Iterable[ServiceItem] | None = None) -> QueueCategory:
    category.prefix = (category.prefix or "").upper()
    category.full_clean()
    created = category.pk is None
    category.save()
    if items is not None:
        category.items.set(list(items))
    record_event(actor=actor, action="queue_category_created" if created else "queue_category_changed",
                 obj=category, summary=str(category))
    return category


@transaction.atomic
def setup_centre(*, actor: Any, centre: ServiceCentre) -> list[QueueCategory]:
    """A first queue for a centre without one: "A 综合业务" serving every published item the centre may accept
    (全县通办 and its own list), the general windows serving it. Idempotent: a centre with categories is kept."""
    existing = list(QueueCategory.objects.filter(centre=centre))
    if existing:
        return existing
    from onewindow.org.choices import CentreLevel

    items = ServiceItem.objects.published()
    if centre.level != CentreLevel.COUNTY:
        accepted = Q(pk__in=centre.accepted_items.values("pk"))
        items = items.filter(Q(county_wide=True) | accepted) if centre.accepts_county_wide else items.filter(accepted)
    category = save_category(actor=actor, category=QueueCategory(centre=centre, prefix="A", name=_("综合业务"), order=1),
                             items=list(items))
    ensure_hall_windows(centre)
    return [category]


@transaction.atomic
def set_window_categories(*, actor: Any, window: Window, categories: Iterable[QueueCategory]) -> HallWindow:
    hw = hall_window(window)
    cats = list(categories)
    if any(c.centre_id != window.centre_id for c in cats):
        raise ValidationError({"categories": [_("只能选择本中心的类别。")]})
    hw.categories.set(cats)
    record_event(actor=actor, action="window_categories_set", obj=hw, summary=hw.label,
                 data={"categories": [c.prefix for c in cats]})
    return hw


@transaction.atomic
def add_key_enterprise(*, actor: Any, name: str, credit_code: str) -> KeyEnterprise:
    code = "".join((credit_code or "").split()).upper()
    validate_credit_code(code)
    enterprise, _created = KeyEnterprise.objects.update_or_create(
        code_key=credit_key_of(code), defaults={"name": name.strip(), "masked_code": code[:4] + "*" * 10 + code[-4:],
                                                "is_active": True})
    record_event(actor=actor, action="key_enterprise_saved", obj=enterprise, summary=enterprise.name)
    return enterprise
