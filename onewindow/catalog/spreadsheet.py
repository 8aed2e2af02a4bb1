"""Excel import and export of items and materials, the way bureaus keep their lists.

An import is all or nothing: every row is validated, every error is reported with its sheet and
row number, and nothing is written unless the whole file is good.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from onewindow.audit.services import record_event
from onewindow.org.models import Department, Section

from . import choices
from .models import Material, ServiceItem, Topic
from .services import publish_guide

ITEM_SHEET = "事项"
MATERIAL_SHEET = "材料"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(value: Any) -> int:
    text = _text(value)
    if text == "":
        return 0
    try:
        return int(float(text))
    except ValueError as exc:
        raise ValueError(_("“%(v)s”不是整数") % {"v": text}) from exc


def _bool(value: Any) -> bool:
    text = _text(value).lower()
    if text in {"是", "y", "yes", "true", "1", "√"}:
        return True
    if text in {"否", "n", "no", "false", "0", ""}:
        return False
    raise ValueError(_("“%(v)s”应为“是”或“否”") % {"v": text})


def _codes(value: Any) -> list[str]:
    return [part.strip() for part in _text(value).replace("，", ",").split(",") if part.strip()]


def _choice(enum: type[Any]) -> Callable[[Any], str]:
    by_label = {str(label): value for value, label in enum.choices}

    def convert(value: Any) -> str:
        text = _text(value)
        if text in enum.values:
            return text
        if text in by_label:
            return by_label[text]
        raise ValueError(_("“%(v)s”不是有效取值（可用：%(opts)s）") % {"v": text, "opts": "、".join(enum.values)})

    return convert


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parse: Callable[[Any], Any] = _text
    dump: Callable[[Any], Any] = lambda v: v  # noqa: E731


def _yes(v: Any) -> str:
    return "是" if v else "否"


def _join(v: Any) -> str:
    return ",".join(v or [])


ITEM_COLUMNS = [
    Column("实施编码", "implementation_code"),
    Column("基本编码", "basic_code"),
    Column("事项名称", "name"),
    Column("简称", "short_name"),
    Column("事项类型", "item_type", _choice(choices.ItemType)),
    Column("行使层级", "exercise_level", _choice(choices.ExerciseLevel)),
    Column("实施主体信用代码", "department"),
    Column("承办科室编码", "section"),
    Column("服务对象", "target_groups", _codes, _join),
    Column("办件类型", "case_kind", _choice(choices.CaseKind)),
    Column("法定时限", "statutory_days", _int),
    Column("法定时限说明", "statutory_note"),
    Column("承诺时限", "promised_days", _int),
    Column("承诺时限说明", "promised_note"),
    Column("补正计时", "correction_clock", _choice(choices.CorrectionClock)),
    Column("审批方式", "review_mode", _choice(choices.ReviewMode)),
    Column("是否收费", "fee_required", _bool, _yes),
    Column("收费标准", "fee_description"),
    Column("收费依据", "fee_basis"),
    Column("办理形式", "handling_forms", _codes, _join),
    Column("到现场次数", "max_visits", _int),
    Column("支持预约", "supports_appointment", _bool, _yes),
    Column("网上支付", "supports_online_payment", _bool, _yes),
    Column("物流快递", "supports_express", _bool, _yes),
    Column("无休日办理", "weekend_service", _bool, _yes),
    Column("全县通办", "county_wide", _bool, _yes),
    Column("设定依据", "legal_basis"),
    Column("受理条件", "conditions"),
    Column("办理流程", "process"),
    Column("特别程序", "special_procedures"),
    Column("办理地点", "place"),
    Column("办理时间", "hours"),
    Column("咨询电话", "consult_phone"),
    Column("监督电话", "supervise_phone"),
    Column("常见问题", "faq"),
    Column("结果名称", "result_name"),
    Column("结果证照类型", "result_licence_type"),
    Column("关键词", "keywords"),
    Column("主题", "topics", _codes, _join),
]

MATERIAL_COLUMNS = [
    Column("实施编码", "item"),
    Column("序号", "order", _int),
    Column("材料名称", "name"),
    Column("种类代码", "kind"),
    Column("出具机构", "issuer"),
    Column("原件份数", "originals", _int),
    Column("复印件份数", "copies", _int),
    Column("是否必备", "necessity", _choice(choices.Necessity)),
    Column("材料形式", "form", _choice(choices.MaterialForm)),
    Column("来源渠道", "source", _choice(choices.MaterialSource)),
    Column("受理标准", "acceptance_standard"),
    Column("填报须知", "notes"),
]


def export_workbook(items: Any) -> bytes:
    """Items and their materials as an .xlsx (two sheets); the same layout the import reads."""
    wb = Workbook()
    ws = wb.active
    ws.title = ITEM_SHEET
    ws.append([c.header for c in ITEM_COLUMNS])
    ms = wb.create_sheet(MATERIAL_SHEET)
    ms.append([c.header for c in MATERIAL_COLUMNS])
    items = items.select_related("department", "section").prefetch_related("topics", "materials")
    for item in items:
        row = []
        for column in ITEM_COLUMNS:
            if column.field == "department":
                row.append(item.department.credit_code)
            elif column.field == "section":
                row.append(item.section.code if item.section else "")
            elif column.field == "topics":
                row.append(",".join(t.code for t in item.topics.all()))
            else:
                row.append(column.dump(getattr(item, column.field)))
        ws.append(row)
        for material in item.materials.all():
            ms.append([
                item.implementation_code if c.field == "item" else c.dump(getattr(material, c.field))
                for c in MATERIAL_COLUMNS
            ])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class ImportResult:
    created: int
    updated: int
    materials: int
    published: int


def _read_sheet(
    wb: Any, title: str, columns: list[Column], errors: list[str]
) -> tuple[list[tuple[int, dict[str, Any]]], set[str]] | None:
    """The parsed rows and the keys (first column) of rows that could not be parsed; None when the
    sheet itself is unusable. Row errors are appended to `errors` and reading goes on, so that one
    upload reports every problem of the file at once."""
    if title not in wb.sheetnames:
        errors.append(_("缺少工作表“%(t)s”。") % {"t": title})
        return None
    ws = wb[title]
    rows = ws.iter_rows(values_only=True)
    header = [(_text(h)) for h in next(rows, ())]
    missing = [c.header for c in columns if c.header not in header]
    if missing:
        errors.append(_("工作表“%(t)s”缺少列：%(cols)s") % {"t": title, "cols": "、".join(missing)})
        return None
    index = {c.header: header.index(c.header) for c in columns}
    out = []
    unreadable: set[str] = set()
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or _text(v) == "" for v in values):
            continue
        record: dict[str, Any] = {}
        row_errors = []
        for column in columns:
            raw = values[index[column.header]] if index[column.header] < len(values) else None
            try:
                record[column.field] = column.parse(raw)
            except ValueError as exc:
                row_errors.append(f"{column.header}: {exc}")
        if row_errors:
            errors.append(_("工作表“%(t)s”第%(n)d行：") % {"t": title, "n": number} + "；".join(row_errors))
            unreadable.add(_text(values[index[columns[0].header]]) if index[columns[0].header] < len(values) else "")
        else:
            out.append((number, record))
        if number > 20000:
            errors.append(_("工作表“%(t)s”行数超过上限 20000。") % {"t": title})
            return None
    return out, unreadable


def _messages(exc: ValidationError, columns: list[Column]) -> str:
    """The errors of one row, each under the column header the administrator sees in the file."""
    if hasattr(exc, "error_dict"):
        headers = {c.field: c.header for c in columns}
        return "；".join(f"{headers.get(field, field)}: {' '.join(str(m) for e in errs for m in e.messages)}"
                        for field, errs in exc.error_dict.items())
    return "；".join(exc.messages)


class _Rollback(Exception):
    pass


def import_workbook(*, actor: Any, content: bytes, publish: bool = True) -> ImportResult:
    """Create or update items (by 实施编码) and replace their materials; all or nothing."""
    if len(content) > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(_("文件过大（上限 %(mb)d MB）。") % {"mb": settings.MAX_UPLOAD_BYTES // 1048576})
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, Exception) as exc:  # noqa: BLE001 - any unreadable file
        raise ValidationError(_("无法读取 Excel 文件（请上传 .xlsx）：%(err)s") % {"err": type(exc).__name__}) from exc
    errors: list[str] = []
    item_sheet = _read_sheet(wb, ITEM_SHEET, ITEM_COLUMNS, errors)
    material_sheet = _read_sheet(wb, MATERIAL_SHEET, MATERIAL_COLUMNS, errors)
    if item_sheet is None or material_sheet is None:
        raise ValidationError(errors)
    # Rows that failed to parse are already in `errors`; the others are still checked against the
    # database below so the administrator gets the whole list from one upload.
    item_rows, unreadable_items = item_sheet
    material_rows, _unreadable_materials = material_sheet
    departments = {d.credit_code: d for d in Department.objects.all()}
    sections = {(s.department_id, s.code): s for s in Section.objects.all()}
    topics = {t.code: t for t in Topic.objects.all()}
    result = ImportResult(0, 0, 0, 0)
    try:
        with transaction.atomic():
            seen_codes: dict[str, int] = {}
            saved: dict[str, ServiceItem] = {}
            for number, record in item_rows:
                where = _("工作表“%(t)s”第%(n)d行：") % {"t": ITEM_SHEET, "n": number}
                code = record["implementation_code"]
                if code in seen_codes:
                    errors.append(where + _("实施编码 %(c)s 与第%(m)d行重复。") % {"c": code, "m": seen_codes[code]})
                    continue
                seen_codes[code] = number
                department = departments.get(record.pop("department"))
                if department is None:
                    errors.append(where + _("找不到该统一社会信用代码的部门。"))
                    continue
                section_code = record.pop("section")
                section = sections.get((department.pk, section_code)) if section_code else None
                if section_code and section is None:
                    errors.append(where + _("部门下没有编码为 %(c)s 的科室。") % {"c": section_code})
                    continue
                topic_codes = record.pop("topics")
                unknown = [c for c in topic_codes if c not in topics]
                if unknown:
                    errors.append(where + _("未知主题：%(c)s") % {"c": ", ".join(unknown)})
                    continue
                item = ServiceItem.objects.filter(implementation_code=code).first()
                created = item is None
                item = item or ServiceItem()
                for field, value in record.items():
                    setattr(item, field, value)
                item.department = department
                item.section = section
                try:
                    item.full_clean()
                except ValidationError as exc:
                    errors.append(where + _messages(exc, ITEM_COLUMNS))
                    continue
                item.save()
                item.topics.set([topics[c] for c in topic_codes])
                saved[code] = item
                if created:
                    result.created += 1
                else:
                    result.updated += 1
            # Items whose own row was refused: their materials are not blamed a second time.
            rejected = (set(seen_codes) | unreadable_items) - set(saved)
            # Existing materials of each item named in the sheet, reused by name so that unchanged
            # materials keep their ids (cases and guide snapshots refer to them) and their uploaded
            # blank forms and samples; the ones not in the sheet any more are deleted below.
            leftovers: dict[int, list[Material]] = {}
            for number, record in material_rows:
                where = _("工作表“%(t)s”第%(n)d行：") % {"t": MATERIAL_SHEET, "n": number}
                code = record.pop("item")
                if code in rejected:
                    continue
                item = saved.get(code) or ServiceItem.objects.filter(implementation_code=code).first()
                if item is None:
                    errors.append(where + _("实施编码 %(c)s 不在事项表中，也不在目录里。") % {"c": code})
                    continue
                if item.pk not in leftovers:
                    leftovers[item.pk] = list(item.materials.all())
                material = next((m for m in leftovers[item.pk] if m.name == record["name"]), None)
                if material is None:
                    material = Material(item=item)
                else:
                    leftovers[item.pk].remove(material)
                for field, value in record.items():
                    setattr(material, field, value)
                try:
                    material.full_clean()
                except ValidationError as exc:
                    errors.append(where + _messages(exc, MATERIAL_COLUMNS))
                    continue
                material.save()
                result.materials += 1
            if errors:
                raise _Rollback
            Material.objects.filter(pk__in=[m.pk for ms in leftovers.values() for m in ms]).delete()
            record_event(
                actor=actor, action="catalog_imported", object_type="catalog.serviceitem", object_id="import",
                summary=f"+{result.created} ~{result.updated} materials {result.materials}",
                data={"created": result.created, "updated": result.updated, "materials": result.materials},
            )
            if publish:
                for item in saved.values():
                    publish_guide(actor=actor, item=item, change_note=_("Excel 导入"))
                    result.published += 1
    except _Rollback:
        raise ValidationError(errors) from None
    return result
