"""The shared-data gateway: every query is for a stated purpose and a case, is logged (ID numbers only as a keyed
hash), and is cached for the case. Satisfying materials and prefilling forms build on it.

The external call happens outside any transaction (a slow register must not hold a database lock); the log
row, the cache row and the audit event are then written together in one transaction. A register that is
slow, down or answering nonsense never raises to the caller: the result says what happened and what the
clerk can do instead (the paper path).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.audit.services import record_event
from onewindow.cases import permissions
from onewindow.cases.choices import MaterialStatus
from onewindow.cases.models import Case, CaseMaterial
from onewindow.cases.services import cert_index
from onewindow.core import clock
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.core.masking import mask_id_number
from onewindow.core.validators import validate_id_number
from onewindow.licences.services import MATERIAL_CASE_STATUSES, OPEN_MATERIAL_STATUSES

from .adapters import BaseAdapter, SourceError
from .choices import Outcome, SubjectType
from .models import CachedResult, DataCall, DataSource, allowed_adapters

logger = logging.getLogger("onewindow.shareddata")

MANUAL_FALLBACK = gettext_lazy("请申请人提供纸质材料（或由窗口人员核对原件后登记），不影响受理；数据源恢复后可再核验。")


@dataclass
class QueryResult:
    source: DataSource
    outcome: str
    data: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    from_cache: bool = False
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK

    @property
    def failed(self) -> bool:
        """The source could not answer (as opposed to answering "no record")."""
        return self.outcome not in (Outcome.OK, Outcome.NOT_FOUND)

    @property
    def sandbox(self) -> bool:
        return self.source.is_sandbox

    @property
    def fallback(self) -> str:
        return str(MANUAL_FALLBACK) if self.outcome != Outcome.OK else ""


def adapter_for(source: DataSource) -> BaseAdapter:
    if source.adapter not in allowed_adapters():
        raise SourceError(Outcome.ERROR, _("数据源配置了不允许的适配器。"))
    adapter: BaseAdapter = import_string(source.adapter)(source)
    return adapter


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _("系统")
    return actor.first_name or actor.get_username()


def _check_actor(actor: Any, case: Case) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ForbiddenError(_("查询共享数据需要登录的工作人员。"))
    if not (permissions.is_window_staff(actor, case) or permissions.can_review(actor, case)):
        raise ForbiddenError(_("您不是该办件的窗口或审批人员，不能为它查询共享数据。"))


def _log(*, actor: Any, source: DataSource, case: Case, purpose: str, subject_type: str, subject_hash: str,
         subject_code: str, fields: list[str], result: QueryResult, duration_ms: int) -> None:
    """The call log row and the audit event, in the caller's transaction."""
    DataCall.objects.create(
        at=clock.now(), actor=actor if getattr(actor, "is_authenticated", False) else None, actor_name=_actor_name(actor),
        source=source, case=case, purpose=purpose[:200], subject_type=subject_type, subject_hash=subject_hash,
        subject_masked=mask_id_number(subject_code), fields=fields, outcome=result.outcome,
        from_cache=result.from_cache, message=result.message[:300], duration_ms=duration_ms, attempts=result.attempts,
    )
    record_event(actor=actor, action="shareddata_query", obj=source, summary=f"{source.code} {case.number} {result.outcome}",
                 data={"case": case.number, "purpose": purpose[:200], "subject": subject_hash, "fields": fields,
                       "outcome": result.outcome, "cached": result.from_cache})


def query(*, actor: Any, source: DataSource, subject_code: str, purpose: str, case: Case,
          subject_type: str | None = None, fields: list[str] | None = None, refresh: bool = False) -> QueryResult:
    """Ask `source` about `subject_code` (ID number or credit code) for `purpose` in `case`.

    Never raises for a source that is slow, unreachable or broken: the result's outcome and message say so and
    `fallback` tells the clerk the manual path. Raises ForbiddenError/ValidationError only for a caller that
    may not ask or asks without a purpose.
    """
    if not purpose or not purpose.strip():
        raise ValidationError({"purpose": [_("查询共享数据必须说明用途。")]})
    if case is None:
        raise ValidationError({"case": [_("查询共享数据必须关联办件。")]})
    _check_actor(actor, case)
    subject_code = (subject_code or "").strip().upper()
    subject_type = subject_type or _subject_type_of(subject_code)
    wanted = [f for f in (fields or source.field_keys()) if f in source.field_keys()] or source.field_keys()
    subject_hash = cert_index(subject_type, subject_code)
    started = time.perf_counter()

    def finish(result: QueryResult) -> QueryResult:
        duration = int((time.perf_counter() - started) * 1000)
        with transaction.atomic():
            _log(actor=actor, source=source, case=case, purpose=purpose, subject_type=subject_type,
                 subject_hash=subject_hash, subject_code=subject_code, fields=wanted, result=result,
                 duration_ms=duration)
            if not result.from_cache and result.outcome in (Outcome.OK, Outcome.NOT_FOUND):
                try:
                    with transaction.atomic():
                        CachedResult.objects.update_or_create(
                            case=case, source=source, subject_hash=subject_hash,
                            defaults={"outcome": result.outcome, "data": result.data, "fetched_at": clock.now()})
                except IntegrityError:  # a parallel call cached it first: same answer
                    pass
        if result.failed:
            logger.warning("shareddata_failed source=%s case=%s outcome=%s", source.code, case.number, result.outcome)
        return result

    if not source.is_active:
        return finish(QueryResult(source, Outcome.REFUSED, message=_("数据源“%(s)s”已停用。") % {"s": source.name}))
    if subject_type not in source.subject_types:
        return finish(QueryResult(source, Outcome.REFUSED, message=_("数据源“%(s)s”不能按%(t)s查询。") % {
            "s": source.name, "t": SubjectType(subject_type).label if subject_type in SubjectType.values else subject_type}))
    if not refresh:
        cached = CachedResult.objects.filter(case=case, source=source, subject_hash=subject_hash).first()
        if cached is not None:
            return finish(QueryResult(source, cached.outcome, data=_only(cached.data, wanted), from_cache=True,
                                      message=_("本办件已查询过（%(t)s），使用当时的结果。") % {
                                          "t": f"{timezone.localtime(cached.fetched_at):%Y-%m-%d %H:%M}"}))
    try:
        fetched = adapter_for(source).fetch(subject_type, subject_code, wanted)
    except SourceError as exc:
        return finish(QueryResult(source, exc.outcome, attempts=exc.attempts, message=_(
            "数据源“%(s)s”：%(m)s") % {"s": source.name, "m": exc.message}))
    except Exception:  # a broken adapter must not turn into a 500 at the window
        logger.exception("shareddata_adapter_crashed source=%s", source.code)
        return finish(QueryResult(source, Outcome.ERROR, attempts=1,
                                  message=_("数据源“%(s)s”的接口出错。") % {"s": source.name}))
    if fetched.data is None:
        return finish(QueryResult(source, Outcome.NOT_FOUND, attempts=fetched.attempts,
                                  message=_("数据源“%(s)s”中没有该证件号码的记录。") % {"s": source.name}))
    return finish(QueryResult(source, Outcome.OK, data=_only(fetched.data, wanted), attempts=fetched.attempts,
                              message=_("已从“%(s)s”取得数据。") % {"s": source.name}))


def _subject_type_of(code: str) -> str:
    try:
        validate_id_number(code)
    except ValidationError:
        return SubjectType.CREDIT_CODE
    return SubjectType.ID_NUMBER


def _only(data: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    """Keep only the declared fields that were asked for (data minimisation)."""
    return {k: v for k, v in data.items() if k in wanted}


@dataclass
class DataCheck:
    satisfied: list[CaseMaterial]
    results: list[QueryResult]

    @property
    def failures(self) -> list[QueryResult]:
        return [r for r in self.results if r.failed]


def _sources_for(case: Case, kinds: set[str]) -> list[DataSource]:
    cert_type = case.applicant.cert_type
    return [s for s in DataSource.objects.filter(is_active=True).order_by("order", "code")
            if cert_type in s.subject_types and kinds & set(s.satisfies_material_kinds)]


def check_materials_against_data(*, actor: Any, case: Case) -> DataCheck:
    """Query each source that can satisfy one of the case's open materials; mark those materials received with
    a note naming the source (and "演示数据" for the sandbox). Failed sources are reported, never raised."""
    _check_actor(actor, case)
    if case.status not in MATERIAL_CASE_STATUSES:
        raise ConflictError(_("该办件当前状态为“%(s)s”，不能再补充材料。") % {"s": case.get_status_display()})
    open_kinds = {m.kind for m in case.materials.all() if m.status in OPEN_MATERIAL_STATUSES and m.kind}
    results = []
    for source in _sources_for(case, open_kinds):
        results.append(query(actor=actor, source=source, subject_code=case.applicant.cert_number,
                             subject_type=case.applicant.cert_type, case=case,
                             purpose=_("办件 %(n)s 材料核验") % {"n": case.number}))
    good = [r for r in results if r.ok]
    satisfied: list[CaseMaterial] = []
    if good:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)  # lock order: case, then its materials
            if locked.status not in MATERIAL_CASE_STATUSES:
                raise ConflictError(_("该办件状态已变化，请刷新后重试。"))
            for material in locked.materials.all():
                if material.status not in OPEN_MATERIAL_STATUSES or not material.kind:
                    continue
                result = next((r for r in good if material.kind in r.source.satisfies_material_kinds), None)
                if result is None:
                    continue
                label = _("演示沙箱数据，非真实核验") if result.sandbox else _("已核验")
                material.status = MaterialStatus.RECEIVED
                material.fulfilled_at = clock.now()
                material.note = f"共享数据（{result.source.name}）：{label} {clock.today():%Y-%m-%d}"[:300]
                material.save(update_fields=["status", "fulfilled_at", "note"])
                satisfied.append(material)
            if satisfied:
                record_event(actor=actor, action="materials_satisfied_by_data", obj=locked, summary=locked.number,
                             data={"materials": [m.name for m in satisfied],
                                   "sources": sorted({r.source.code for r in good})})
    return DataCheck(satisfied, results)


def satisfy_materials_from_data(*, actor: Any, case: Case) -> list[CaseMaterial]:
    """The materials of `case` now satisfied by shared data (see check_materials_against_data)."""
    return check_materials_against_data(actor=actor, case=case).satisfied


def prefill_for_case(case: Case) -> dict[str, Any]:
    """Application-form values from the shared data already fetched for this case (each field a source declares
    with a `form_field`). Reads only the per-case cache — every fetch was made and logged through `query` — so
    building a form never calls a register."""
    values: dict[str, Any] = {}
    subject = cert_index(case.applicant.cert_type, case.applicant.cert_number)
    for cached in CachedResult.objects.filter(case=case, subject_hash=subject, outcome=Outcome.OK).select_related(
            "source").order_by("source__order", "source__code"):
        for spec in cached.source.fields:
            if isinstance(spec, dict) and spec.get("form_field") and spec.get("key") in cached.data:
                values.setdefault(str(spec["form_field"]), cached.data[spec["key"]])
    return values
