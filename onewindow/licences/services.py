"""Every write on e-licences: keyword-only `actor`, one transaction, an audit event inside it.

Lock order: the case row (when a case is involved), then the licence rows, then the authority's serial row.
Signing happens inside the transaction so that a licence row never exists unsigned; the local signer is
in-process, and a signing device plugged in through ONEWINDOW_SIGNER must answer quickly (it sits on the
county's own network) — a `SignerUnavailable` rolls the whole step back with a clear message.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event
from onewindow.cases.choices import CertType, MaterialStatus, Status
from onewindow.cases.models import Applicant, Case, CaseMaterial
from onewindow.cases.services import cert_index
from onewindow.core import clock
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.core.validators import validate_credit_code, validate_id_number
from onewindow.org.choices import Role
from onewindow.org.models import Department, StaffRole

from . import crypto
from .choices import AuthorisationBasis, HolderCodeType, LicenceStatus, SealKeyStatus, UseBasis
from .identifiers import build_identifier
from .models import (
    IssuingAuthority,
    Licence,
    LicenceAuthorisation,
    LicenceSerial,
    LicenceType,
    LicenceUse,
    SealKey,
)
from .signing import get_signer

logger = logging.getLogger("onewindow.licences")

# Material statuses a licence or shared data may replace (a received material is left alone).
OPEN_MATERIAL_STATUSES = (MaterialStatus.MISSING, MaterialStatus.PENDING)
# Case statuses in which materials may still be completed.
MATERIAL_CASE_STATUSES = (Status.SUBMITTED, Status.RECEIVED, Status.CORRECTION)


def _actor_is_system(actor: Any) -> bool:
    return actor is None or not getattr(actor, "is_authenticated", False)


def can_manage(actor: Any, authority: IssuingAuthority) -> bool:
    """Approvers and section heads of the issuing department, system administrators and the system itself."""
    if _actor_is_system(actor) or actor.is_superuser:
        return True
    return StaffRole.objects.filter(
        Q(department_id=authority.department_id, role__in=[Role.APPROVER, Role.SECTION_HEAD]) | Q(role=Role.SYSTEM_ADMIN),
        user=actor,
    ).exists()


# ---------------------------------------------------------------------------------------------
# Types, authorities, keys


@transaction.atomic
def save_licence_type(*, actor: Any, licence_type: LicenceType) -> LicenceType:
    licence_type.full_clean()
    created = licence_type.pk is None
    licence_type.save()
    record_event(actor=actor, action="licence_type_created" if created else "licence_type_changed", obj=licence_type,
                 summary=f"{licence_type.code} {licence_type.type_code}")
    return licence_type


def save_authority(*, actor: Any, authority: IssuingAuthority) -> IssuingAuthority:
    """Create or update an issuing authority; a new one gets its first seal key."""
    authority.full_clean()
    created = authority.pk is None
    with transaction.atomic():
        authority.save()
        record_event(actor=actor, action="authority_created" if created else "authority_changed", obj=authority,
                     summary=f"{authority.name} {authority.credit_code}")
    if not authority.keys.filter(status=SealKeyStatus.ACTIVE).exists():
        rotate_seal_key(actor=actor, authority=authority)
    return authority


def authority_for_department(*, actor: Any, department: Department) -> IssuingAuthority:
    """The department's issuing authority, created (with a key) the first time the department issues."""
    authority = IssuingAuthority.objects.filter(Q(department=department) | Q(credit_code=department.credit_code)).first()
    if authority is None:
        try:
            with transaction.atomic():
                authority = save_authority(actor=actor, authority=IssuingAuthority(
                    department=department, name=department.name, credit_code=department.credit_code,
                    region_code=department.region_code))
        except IntegrityError:
            authority = IssuingAuthority.objects.get(credit_code=department.credit_code)
    elif not authority.keys.filter(status=SealKeyStatus.ACTIVE).exists():
        rotate_seal_key(actor=actor, authority=authority)
    return authority


def rotate_seal_key(*, actor: Any, authority: IssuingAuthority, compromised: bool = False) -> SealKey:
    """A new SM2 key signs from now on; the old one is kept (public key only needed) to verify what it signed.

    `compromised=True` marks the old key as leaked: licences it signed then fail verification with that reason
    and should be re-signed (`resign_licences`) after checking them.
    """
    if not can_manage(actor, authority):
        raise ForbiddenError(_("您无权管理该机构的签章密钥。"))
    signer = get_signer()
    new = signer.new_key(authority)  # before the transaction: key generation may take a device round trip
    public_key = crypto.normalise_public_key(new.public_key)
    with transaction.atomic():
        locked = IssuingAuthority.objects.select_for_update().get(pk=authority.pk)
        now = clock.now()
        old = list(SealKey.objects.filter(authority=locked, status=SealKeyStatus.ACTIVE))
        for key in old:
            key.status = SealKeyStatus.COMPROMISED if compromised else SealKeyStatus.RETIRED
            key.retired_at = now
            key.save(update_fields=["status", "retired_at"])
        key = SealKey.objects.create(
            authority=locked, public_key=public_key, fingerprint=crypto.fingerprint(public_key),
            private_blob=new.private_blob, external_ref=new.external_ref, signer=signer.name, created_at=now,
        )
        record_event(actor=actor, action="seal_key_rotated", obj=locked,
                     summary=f"{locked.name} {key.fingerprint}",
                     data={"new": key.fingerprint, "old": [k.fingerprint for k in old], "compromised": compromised})
    return key


# ---------------------------------------------------------------------------------------------
# Issuing and signing


def _sign(licence: Licence) -> None:
    """Hash (SM3) and sign (SM2) the licence's canonical data with its authority's active key."""
    key = SealKey.objects.filter(authority_id=licence.authority_id, status=SealKeyStatus.ACTIVE).first()
    if key is None:
        raise ConflictError(_("发证机构“%(a)s”没有在用的签章密钥，请先生成密钥。") % {"a": licence.issuer_name})
    licence.seal_key = key
    licence.signed_at = clock.now()
    data = licence.canonical_bytes()
    licence.digest = crypto.sm3_hex(data)
    licence.signature = get_signer().sign(key, data)


def _next_serial(licence_type: LicenceType, authority: IssuingAuthority, year: int) -> str:
    """`<year><6-digit counter>`, counted per type and authority with a conditional UPDATE."""
    for _attempt in range(5):
        updated = LicenceSerial.objects.filter(licence_type=licence_type, authority=authority, year=year).update(
            last=F("last") + 1)
        if updated:
            last = LicenceSerial.objects.get(licence_type=licence_type, authority=authority, year=year).last
            return f"{year}{last:06d}"
        try:
            with transaction.atomic():
                LicenceSerial.objects.create(licence_type=licence_type, authority=authority, year=year, last=1)
            return f"{year}000001"
        except IntegrityError:
            continue
    raise ConflictError(_("证照编号生成繁忙，请重试。"))


def _validate_holder(code: str, code_type: str) -> str:
    code = (code or "").strip().upper()
    if code_type == HolderCodeType.ID_NUMBER:
        validate_id_number(code)
    elif code_type == HolderCodeType.CREDIT_CODE:
        validate_credit_code(code)
    else:
        raise ValidationError({"holder_code_type": [_("持证主体代码类型应为 111（公民身份号码）或 001（统一社会信用代码）。")]})
    return code


def _default_valid_to(licence_type: LicenceType, valid_from: dt.date) -> dt.date | None:
    if not licence_type.validity_years:
        return None
    try:
        end = valid_from.replace(year=valid_from.year + licence_type.validity_years)
    except ValueError:  # 29 February
        end = valid_from.replace(year=valid_from.year + licence_type.validity_years, day=28)
    return end - dt.timedelta(days=1)


@transaction.atomic
def issue_licence(
    *, actor: Any, licence_type: LicenceType, authority: IssuingAuthority, holder_name: str, holder_code: str,
    holder_code_type: str, face_data: dict[str, Any] | None = None, valid_from: dt.date | None = None,
    valid_to: dt.date | None = None, case: Case | None = None, holder: Applicant | None = None,
) -> Licence:
    """Issue version 001 of a new licence: identifier with its MOD 37,36 check character, SM3 digest, SM2 seal."""
    if not can_manage(actor, authority):
        raise ForbiddenError(_("您无权以该机构名义发证。"))
    return _issue(actor=actor, licence_type=licence_type, authority=authority, holder_name=holder_name,
                  holder_code=holder_code, holder_code_type=holder_code_type, face_data=face_data,
                  valid_from=valid_from, valid_to=valid_to, case=case, holder=holder)


def _issue(
    *, actor: Any, licence_type: LicenceType, authority: IssuingAuthority, holder_name: str, holder_code: str,
    holder_code_type: str, face_data: dict[str, Any] | None, valid_from: dt.date | None, valid_to: dt.date | None,
    case: Case | None, holder: Applicant | None,
) -> Licence:
    if not licence_type.is_active:
        raise ValidationError({"licence_type": [_("该证照类型已停用。")]})
    if not holder_name.strip():
        raise ValidationError({"holder_name": [_("请填写持证主体名称。")]})
    code = _validate_holder(holder_code, holder_code_type)
    today = clock.today()
    valid_from = valid_from or today
    if valid_to is None:
        valid_to = _default_valid_to(licence_type, valid_from)
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": [_("有效期截止日期不能早于起始日期。")]})
    serial = _next_serial(licence_type, authority, today.year)
    licence = Licence(
        identifier=build_identifier(licence_type.type_code, authority.credit_code, serial, 1),
        verify_code=secrets.token_urlsafe(18), licence_type=licence_type, type_code=licence_type.type_code,
        name=licence_type.name, serial=serial, version=1, authority=authority, issuer_name=authority.name,
        issuer_code=authority.credit_code, jurisdiction=authority.region_code, issued_on=today,
        holder_name=holder_name.strip(), holder_code=code, holder_code_type=holder_code_type,
        holder_index=cert_index(holder_code_type, code), holder=holder, valid_from=valid_from, valid_to=valid_to,
        face_data=dict(face_data or {}), case=case,
    )
    _sign(licence)
    licence.save()
    record_event(actor=actor, action="licence_issued", obj=licence, summary=f"{licence.name} {licence.identifier}",
                 data={"identifier": licence.identifier, "digest": licence.digest, "key": licence.seal_key.fingerprint,
                       "case": case.number if case else ""})
    return licence


def _face_value(source: str, case: Case) -> Any:
    if source.startswith("const:"):
        return source[len("const:"):]
    if source.startswith("form."):
        return (case.form_data or {}).get(source[len("form."):], "")
    obj_name, _dot, attr = source.partition(".")
    obj = {"applicant": case.applicant, "case": case, "item": case.item, "department": case.department}.get(obj_name)
    return getattr(obj, attr, "") if obj is not None else ""


def face_data_for_case(licence_type: LicenceType, case: Case) -> dict[str, Any]:
    """The face fields filled from the case: each field's `source`, else the form field with the same key."""
    data: dict[str, Any] = {}
    for spec in licence_type.face_fields:
        key = str(spec["key"])
        value = _face_value(str(spec.get("source") or f"form.{key}"), case)
        data[key] = "" if value is None else str(value)
    return data


@transaction.atomic
def issue_licence_for_case(*, actor: Any, case: Case) -> Licence | None:
    """The licence a decided case yields (idempotent: the first licence issued for the case is returned).

    None when the item yields no licence or its licence type is not configured (logged, never an error: the
    decision itself must not depend on the licence catalogue being complete). Called by the decision itself
    (the approval authorised it) or by the case's approvers to retry after a failure.
    """
    from onewindow.cases import permissions

    if case.status not in (Status.APPROVED, Status.APPROVED_PENDING):
        raise ConflictError(_("只有准予许可的办件才能发证。"))
    if not _actor_is_system(actor) and not (permissions.can_approve(actor, case) or permissions.is_window_staff(actor, case)):
        raise ForbiddenError(_("您无权为该办件发证。"))
    code = case.item.result_licence_type
    if not code:
        return None
    existing = Licence.objects.filter(case=case, version=1).first()
    if existing is not None:
        return existing
    licence_type = LicenceType.objects.filter(code=code, is_active=True).first()
    if licence_type is None:
        logger.warning("licence_type_missing code=%s case=%s", code, case.number)
        return None
    applicant = case.applicant
    if applicant.cert_type not in (CertType.CREDIT_CODE, CertType.ID_CARD):
        logger.warning("licence_holder_unsupported cert_type=%s case=%s", applicant.cert_type, case.number)
        return None
    code_type = holder_code_type_for(applicant.cert_type)
    authority = authority_for_department(actor=None, department=case.department)
    return _issue(
        actor=actor, licence_type=licence_type, authority=authority, holder_name=applicant.name,
        holder_code=applicant.cert_number, holder_code_type=code_type, face_data=face_data_for_case(licence_type, case),
        case=case, holder=applicant, valid_from=None, valid_to=None,
    )


def _lock_licence(licence: Licence) -> Licence:
    # No select_related of the nullable `previous`: PostgreSQL refuses FOR UPDATE on the nullable side of a join.
    return Licence.objects.select_for_update().select_related("seal_key", "licence_type", "authority").get(pk=licence.pk)


def _set_status(licence: Licence, status: str, reason: str) -> None:
    licence.status = status
    licence.status_reason = reason[:300]
    licence.status_changed_at = clock.now()
    _sign(licence)  # the status is part of the signed data: re-sign with the authority's current key
    licence.save(update_fields=["status", "status_reason", "status_changed_at", "seal_key", "signed_at", "digest",
                                "signature"])


def _end_licence(*, actor: Any, licence: Licence, status: str, reason: str, action: str, check: bool = True) -> Licence:
    if not reason.strip():
        raise ValidationError({"reason": [_("请说明理由和依据。")]})
    locked = _lock_licence(licence)
    if check and not can_manage(actor, locked.authority):
        raise ForbiddenError(_("您无权变更该证照。"))
    if locked.status != LicenceStatus.VALID:
        raise ConflictError(_("该证照当前状态为“%(s)s”，不能再%(a)s。") % {"s": locked.get_status_display(),
                                                                        "a": LicenceStatus(status).label})
    _set_status(locked, status, reason.strip())
    record_event(actor=actor, action=action, obj=locked, summary=f"{locked.identifier}",
                 data={"reason": reason.strip(), "digest": locked.digest})
    if check:  # a revocation that follows the case's own revocation is already handed off by the case
        _hand_off(actor, locked, f"{LicenceStatus(status).label}：{reason.strip()}", step=status)
    return locked


def _hand_off(actor: Any, licence: Licence, description: str, step: str = "issued") -> None:
    """审管联动: a change to a licence the bureau issued goes to the supervising departments of its case, in
    this transaction, like the decision that created it."""
    if licence.case_id is None:
        return
    from onewindow.supervision.services import handoff_licence_change

    # The reference names the version and the step, so a change and a later cancellation are two handoffs.
    handoff_licence_change(actor=actor, case=licence.case, licence_reference=f"{licence.identifier}:{step}",
                           description=description)


@transaction.atomic
def revoke_licence(*, actor: Any, licence: Licence, reason: str) -> Licence:
    """撤销: the permit behind the licence was revoked (e.g. obtained by fraud)."""
    return _end_licence(actor=actor, licence=licence, status=LicenceStatus.REVOKED, reason=reason,
                        action="licence_revoked")


@transaction.atomic
def cancel_licence(*, actor: Any, licence: Licence, reason: str) -> Licence:
    """注销: the holder gave the licence up, the business closed, or the licence expired and is closed."""
    return _end_licence(actor=actor, licence=licence, status=LicenceStatus.CANCELLED, reason=reason,
                        action="licence_cancelled")


@transaction.atomic
def change_licence(
    *, actor: Any, licence: Licence, reason: str, face_data: dict[str, Any] | None = None,
    holder_name: str | None = None, valid_to: dt.date | None = None, case: Case | None = None,
) -> Licence:
    """变更: a new version (same serial, version + 1, new check character) linked to the previous one, which
    becomes `superseded`. Only the given parts change; the rest is carried over."""
    if not reason.strip():
        raise ValidationError({"reason": [_("请说明变更事项。")]})
    locked = _lock_licence(licence)
    if not can_manage(actor, locked.authority):
        raise ForbiddenError(_("您无权变更该证照。"))
    if locked.status != LicenceStatus.VALID:
        raise ConflictError(_("只有有效的证照可以变更（当前：%(s)s）。") % {"s": locked.get_status_display()})
    if locked.version >= 999:
        raise ConflictError(_("该证照版本号已用尽。"))
    new_face = dict(locked.face_data)
    new_face.update(face_data or {})
    new = Licence(
        identifier=build_identifier(locked.type_code, locked.issuer_code, locked.serial, locked.version + 1),
        verify_code=secrets.token_urlsafe(18), licence_type=locked.licence_type, type_code=locked.type_code,
        name=locked.name, serial=locked.serial, version=locked.version + 1, authority=locked.authority,
        issuer_name=locked.issuer_name, issuer_code=locked.issuer_code, jurisdiction=locked.jurisdiction,
        issued_on=clock.today(), holder_name=(holder_name or locked.holder_name).strip(),
        holder_code=locked.holder_code, holder_code_type=locked.holder_code_type, holder_index=locked.holder_index,
        holder=locked.holder, valid_from=clock.today(), valid_to=valid_to if valid_to is not None else locked.valid_to,
        face_data=new_face, previous=locked, case=case or locked.case,
    )
    if new.valid_to is not None and new.valid_to < new.valid_from:
        raise ValidationError({"valid_to": [_("有效期截止日期不能早于起始日期。")]})
    _set_status(locked, LicenceStatus.SUPERSEDED, _("已变更为第 %(v)03d 版：%(r)s") % {"v": new.version, "r": reason.strip()})
    _sign(new)
    new.save()
    record_event(actor=actor, action="licence_changed", obj=new, summary=f"{locked.identifier} → {new.identifier}",
                 data={"previous": locked.identifier, "identifier": new.identifier, "reason": reason.strip(),
                       "digest": new.digest})
    _hand_off(actor, new, _("变更为第 %(v)03d 版：%(r)s") % {"v": new.version, "r": reason.strip()})
    return new


@transaction.atomic
def resign_licences(*, actor: Any, authority: IssuingAuthority, key: SealKey) -> int:
    """Re-sign every licence signed by `key` (after a key was marked compromised and the licences checked)."""
    if not can_manage(actor, authority):
        raise ForbiddenError(_("您无权管理该机构的签章密钥。"))
    count = 0
    for licence in Licence.objects.select_for_update().filter(authority=authority, seal_key=key):
        _sign(licence)
        licence.save(update_fields=["seal_key", "signed_at", "digest", "signature"])
        count += 1
    record_event(actor=actor, action="licences_resigned", obj=authority, summary=f"{key.fingerprint}: {count}",
                 data={"key": key.fingerprint, "count": count})
    return count


# ---------------------------------------------------------------------------------------------
# Case signals (connected in apps.py; they run inside the case decision's transaction)


def on_case_decided(sender: Any, case: Case, approved: bool, actor: Any, **kwargs: Any) -> None:
    if not approved or not case.item.result_licence_type:
        return
    try:
        # A savepoint: if the licence cannot be issued (no active key and a device down, bad holder data), the
        # decision still stands; the failure is logged and audited and staff can issue from the case page.
        with transaction.atomic():
            issue_licence_for_case(actor=actor, case=case)
    except Exception as exc:
        logger.exception("licence_issue_failed case=%s", case.number)
        record_event(actor=actor, action="licence_issue_failed", obj=case, summary=case.number,
                     data={"error": type(exc).__name__})


def on_case_revoked(sender: Any, case: Case, actor: Any, **kwargs: Any) -> None:
    # The case revocation was authorised by revoke_case (can_approve); the licences follow it in its transaction.
    for licence in Licence.objects.filter(case=case, status=LicenceStatus.VALID):
        _end_licence(actor=actor, licence=licence, status=LicenceStatus.REVOKED, action="licence_revoked",
                     reason=_("办件 %(n)s 的许可已撤销。") % {"n": case.number}, check=False)


# ---------------------------------------------------------------------------------------------
# Verification (read-only)


@dataclass
class Verification:
    licence: Licence
    digest_matches: bool
    signature_valid: bool
    key_status: str
    status: str
    in_validity: bool
    identifier_valid: bool
    checked_at: dt.datetime
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Authentic, current and in force: what a reader wants to know."""
        return self.signature_valid and self.status == LicenceStatus.VALID and self.in_validity

    @property
    def status_label(self) -> str:
        return str(LicenceStatus(self.status).label) if self.status in LicenceStatus.values else self.status


def verify_licence(licence: Licence) -> Verification:
    """Check the licence as stored (or as given, in memory): identifier, SM3 digest, SM2 signature, key, status
    and validity. Any changed field changes the canonical bytes, so the digest and the signature fail."""
    from .identifiers import parse_identifier

    problems: list[str] = []
    try:
        parsed = parse_identifier(licence.identifier)
        identifier_valid = (parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version) == (
            licence.type_code, licence.issuer_code, licence.serial, licence.version)
    except ValueError:
        identifier_valid = False
    if not identifier_valid:
        problems.append(_("证照标识格式或校验位不正确。"))
    data = licence.canonical_bytes()
    digest_matches = crypto.sm3_hex(data) == licence.digest
    key = licence.seal_key
    signature_valid = digest_matches and crypto.verify(key.public_key, data, licence.signature)
    if not signature_valid:
        problems.append(_("签名验证失败：证照内容与签章不符，可能被篡改。"))
    if key.status == SealKeyStatus.COMPROMISED:
        signature_valid = False
        problems.append(_("签章密钥已被宣布泄露，该签名不再可信。"))
    signature_valid = signature_valid and identifier_valid
    in_validity = licence.in_validity(clock.today())
    if licence.status != LicenceStatus.VALID:
        problems.append(_("证照状态：%(s)s。") % {"s": licence.get_status_display()})
    elif not in_validity:
        problems.append(_("不在有效期内。"))
    return Verification(licence=licence, digest_matches=digest_matches, signature_valid=signature_valid,
                        key_status=key.status, status=licence.status, in_validity=in_validity,
                        identifier_valid=identifier_valid, checked_at=clock.now(), problems=problems)


# ---------------------------------------------------------------------------------------------
# The licence library: authorisations and uses


def _holder_indexes(user: Any) -> set[str]:
    if user is None or not user.is_authenticated:
        return set()
    return set(Applicant.objects.filter(user=user).values_list("cert_index", flat=True))


def is_holder(user: Any, licence: Licence) -> bool:
    return licence.holder_index in _holder_indexes(user)


def _is_unit_staff(actor: Any, unit: Department, case: Case | None) -> bool:
    if actor.is_superuser:
        return True
    q = Q(department=unit)
    if case is not None:
        q |= Q(role=Role.CLERK, centre_id__in=[case.centre_id, case.handling_centre_id])
    return StaffRole.objects.filter(q, user=actor).exists()


@transaction.atomic
def grant_authorisation(
    *, actor: Any, licence: Licence, unit: Department, matter: str, case: Case | None = None,
    valid_until: dt.date | None = None, basis: str = AuthorisationBasis.ONLINE, note: str = "",
) -> LicenceAuthorisation:
    """The holder authorises `unit` to use `licence` for `matter` (and `case`, when given).

    Online: the holder does it from the licence wallet. Written (the paper path for those who cannot use the
    digital one): a clerk of the unit records the holder's signed consent, naming it in `note`.
    """
    if not matter.strip():
        raise ValidationError({"matter": [_("请写明用证事项。")]})
    if basis == AuthorisationBasis.ONLINE:
        if not is_holder(actor, licence):
            raise ForbiddenError(_("只有持证人本人可以在网上授权用证。"))
    elif basis == AuthorisationBasis.WRITTEN:
        if _actor_is_system(actor) or not _is_unit_staff(actor, unit, case):
            raise ForbiddenError(_("只有用证单位的工作人员可以登记书面授权。"))
        if not note.strip():
            raise ValidationError({"note": [_("请登记书面授权书的编号或说明。")]})
    else:
        raise ValidationError({"basis": [_("授权方式无效。")]})
    if case is not None and case.applicant.cert_index != licence.holder_index:
        raise ValidationError({"case": [_("该办件的申请人不是持证人。")]})
    if licence.status != LicenceStatus.VALID:
        raise ConflictError(_("该证照不是有效状态，不能授权使用。"))
    if valid_until is not None and valid_until < clock.today():
        raise ValidationError({"valid_until": [_("授权截止日期不能早于今天。")]})
    grant = LicenceAuthorisation.objects.create(
        licence=licence, unit=unit, matter=matter.strip()[:200], case=case, basis=basis, note=note.strip()[:300],
        granted_by=None if _actor_is_system(actor) else actor, granted_at=clock.now(), valid_until=valid_until,
    )
    record_event(actor=actor, action="licence_authorised", obj=grant, summary=f"{licence.identifier} → {unit.name}",
                 data={"licence": licence.identifier, "unit": unit.credit_code, "matter": grant.matter,
                       "case": case.number if case else "", "basis": basis})
    return grant


@transaction.atomic
def withdraw_authorisation(*, actor: Any, authorisation: LicenceAuthorisation) -> LicenceAuthorisation:
    locked = LicenceAuthorisation.objects.select_for_update().select_related("licence").get(pk=authorisation.pk)
    if not (is_holder(actor, locked.licence) or (not _actor_is_system(actor) and actor.is_superuser)):
        raise ForbiddenError(_("只有持证人本人可以撤回授权。"))
    if locked.withdrawn_at is None:
        locked.withdrawn_at = clock.now()
        locked.save(update_fields=["withdrawn_at"])
        record_event(actor=actor, action="licence_authorisation_withdrawn", obj=locked,
                     summary=f"{locked.licence.identifier} → {locked.unit_id}")
    return locked


def find_authorisation(licence: Licence, unit: Department, case: Case | None) -> LicenceAuthorisation | None:
    """An active authorisation for this unit: one for this very case, or one for the matter without a case."""
    today = clock.today()
    grants = LicenceAuthorisation.objects.filter(licence=licence, unit=unit, withdrawn_at__isnull=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    if case is not None:
        grants = grants.filter(Q(case=case) | Q(case__isnull=True))
    else:
        grants = grants.filter(case__isnull=True)
    return grants.order_by(F("case").desc(nulls_last=True), "-granted_at").first()


def _use(*, actor: Any, licence: Licence, unit: Department, purpose: str, case: Case | None) -> LicenceUse:
    if not purpose.strip():
        raise ValidationError({"purpose": [_("请写明用证目的。")]})
    grant = None
    if licence.authority.department_id == unit.pk:
        basis = UseBasis.ISSUER
    else:
        grant = find_authorisation(licence, unit, case)
        if grant is None:
            raise ForbiddenError(_("使用他人的电子证照需要持证人授权（本人网上授权或窗口登记书面授权）。"))
        basis = UseBasis.AUTHORISED
    use = LicenceUse.objects.create(
        licence=licence, unit=unit, unit_name=unit.name, actor=None if _actor_is_system(actor) else actor, case=case,
        purpose=purpose.strip()[:200], basis=basis, authorisation=grant, at=clock.now(),
    )
    record_event(actor=actor, action="licence_used", obj=licence, summary=f"{licence.identifier} {unit.name}",
                 data={"unit": unit.credit_code, "case": case.number if case else "", "basis": basis,
                       "purpose": use.purpose})
    return use


@transaction.atomic
def use_licence(*, actor: Any, licence: Licence, unit: Department, purpose: str, case: Case | None = None) -> LicenceUse:
    """A unit pulls a holder's licence: allowed for the issuer, otherwise only under an active authorisation.
    Every use is logged (the holder sees it in the wallet)."""
    if _actor_is_system(actor) or not _is_unit_staff(actor, unit, case):
        raise ForbiddenError(_("您不是该用证单位的工作人员。"))
    return _use(actor=actor, licence=licence, unit=unit, purpose=purpose, case=case)


@dataclass
class SatisfyResult:
    satisfied: list[CaseMaterial]
    needs_authorisation: list[Licence]


def _lock_case_for_materials(actor: Any, case: Case) -> Case:
    from onewindow.cases import permissions

    locked = Case.objects.select_for_update().select_related("applicant", "department", "item").get(pk=case.pk)
    if locked.status not in MATERIAL_CASE_STATUSES:
        raise ConflictError(_("该办件当前状态为“%(s)s”，不能再补充材料。") % {"s": locked.get_status_display()})
    if _actor_is_system(actor) or not (permissions.is_window_staff(actor, locked) or permissions.can_review(actor, locked)):
        raise ForbiddenError(_("您不是该办件的窗口或审批人员。"))
    return locked


@transaction.atomic
def check_materials_against_licences(*, actor: Any, case: Case) -> SatisfyResult:
    """Mark the case's open materials that a valid licence of the applicant satisfies as received (trust level A),
    logging each use; licences another unit may only use with an authorisation it does not have are reported."""
    locked = _lock_case_for_materials(actor, case)
    materials = [m for m in locked.materials.all() if m.status in OPEN_MATERIAL_STATUSES and m.kind]
    result = SatisfyResult([], [])
    if not materials:
        return result
    licences = list(Licence.objects.current().filter(holder_index=locked.applicant.cert_index)
                    .select_related("licence_type", "authority").order_by("-issued_on", "-id"))
    for material in materials:
        licence = next((lic for lic in licences if material.kind in lic.licence_type.satisfies_material_kinds), None)
        if licence is None:
            continue
        try:
            _use(actor=actor, licence=licence, unit=locked.department, case=locked,
                 purpose=_("办件 %(n)s 免交材料“%(m)s”") % {"n": locked.number, "m": material.name})
        except ForbiddenError:
            if licence not in result.needs_authorisation:
                result.needs_authorisation.append(licence)
            continue
        material.status = MaterialStatus.RECEIVED
        material.fulfilled_at = clock.now()
        material.note = f"电子证照（A级）: {licence.identifier}"[:300]
        material.save(update_fields=["status", "fulfilled_at", "note"])
        result.satisfied.append(material)
    if result.satisfied:
        record_event(actor=actor, action="materials_satisfied_by_licences", obj=locked, summary=locked.number,
                     data={"materials": [m.name for m in result.satisfied]})
    return result


def satisfy_materials_from_licences(*, actor: Any, case: Case) -> list[CaseMaterial]:
    """The materials of `case` now satisfied by the applicant's valid e-licences (see check_materials_against_licences)."""
    return check_materials_against_licences(actor=actor, case=case).satisfied


def holder_code_type_for(cert_type: str) -> str:
    return HolderCodeType.CREDIT_CODE if cert_type == CertType.CREDIT_CODE else HolderCodeType.ID_NUMBER

