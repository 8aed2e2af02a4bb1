"""Load a county from a data file: service network, departments, catalog, windows and demo logins.

Everything place-specific (names, codes, addresses, items, people) lives in the data file; this module
knows only the file's shape, so another county loads its own file with the same code. Loading is an
upsert keyed on stable codes (centre code, department credit code, item implementation code, …): a
second run with the same file writes nothing, creates no duplicates and publishes no new guide
versions. Nothing is deleted except materials an item no longer lists. All writes go through the
product's services, so every change is validated by `full_clean()` and leaves its audit event.

The whole load is one transaction: a bad entry halfway through leaves the database as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction

from onewindow.audit.services import record_event
from onewindow.catalog import services as catalog_services
from onewindow.catalog.choices import CaseKind, MaterialForm
from onewindow.catalog.models import Material, ServiceItem, Topic
from onewindow.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from onewindow.org import services as org_services
from onewindow.org.choices import ROLE_NEEDS_CENTRE, ROLE_NEEDS_DEPARTMENT, Role, WindowKind
from onewindow.org.models import Department, Section, ServiceCentre, StaffRole, Window
from onewindow.security import services as security_services

FORMAT = "onewindow-county/1"
DEMO_DATA = Path(__file__).resolve().parent / "data" / "demo-county.json"

# Item and material fields a data file may set: exactly what a published guide carries.
ITEM_FIELDS = [f for f in catalog_services.SNAPSHOT_FIELDS if f != "implementation_code"] + ["is_active"]
MATERIAL_FIELDS = list(catalog_services.MATERIAL_FIELDS)
CENTRE_FIELDS = ["name", "level", "region_code", "address", "phone", "opening_hours", "weekend_service",
                 "accepts_county_wide", "is_active"]
# Paper materials need at least one original or copy; the form says which when the file does not.
FORM_COUNTS = {MaterialForm.ORIGINAL: (1, 0), MaterialForm.COPY: (0, 1), MaterialForm.ORIGINAL_AND_COPY: (1, 1),
               MaterialForm.ELECTRONIC: (0, 0)}


class CountyDataError(Exception):
    """The data file is wrong. `problems` names each offending entry; nothing has been written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# ---------------------------------------------------------------- reading and checking the file

def read_data(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise CountyDataError([f"找不到数据文件 {path}"])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CountyDataError([f"{path}: 不是 UTF-8 编码的文本（{exc.reason}）"]) from exc
    except json.JSONDecodeError as exc:
        raise CountyDataError([f"{path}: 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）"]) from exc
    if not isinstance(data, dict):
        raise CountyDataError([f"{path}: 顶层应为对象"])
    return data


# A field's expected JSON shape: "str", "str?" (string or null), "int", "bool", "strs" (list of strings),
# "list" (list of objects), "object".
_SHAPE_NAMES = {"str": "字符串", "str?": "字符串或 null", "int": "非负整数", "bool": "true/false",
                "strs": "字符串列表", "list": "对象列表", "object": "对象"}


def _has_shape(value: Any, shape: str) -> bool:
    if shape == "str":
        return isinstance(value, str)
    if shape == "str?":
        return value is None or isinstance(value, str)
    if shape == "int":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if shape == "bool":
        return isinstance(value, bool)
    if shape == "strs":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if shape == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    f = model._meta.get_field(name)
    assert isinstance(f, models.Field)
    return f


def _default(model: type[models.Model], name: str) -> Any:
    return _field(model, name).get_default()


def _model_shape(model: type[models.Model], name: str) -> str:
    kind = _field(model, name).get_internal_type()
    if kind == "BooleanField":
        return "bool"
    if kind.endswith("IntegerField"):
        return "int"
    if kind == "JSONField":
        return "strs"
    return "str"


def _model_spec(model: type[models.Model], names: list[str], required: tuple[str, ...] = ()) -> dict[str, tuple[str, bool]]:
    return {name: (_model_shape(model, name), name in required) for name in names}


COUNTY_SPEC = {"name": ("str", True), "region_code": ("str", True), "city": ("str", False)}
DEPARTMENT_SPEC = {"key": ("str", True), "name": ("str", True), "short_name": ("str", False),
                   "credit_code": ("str", True), "region_code": ("str", False), "phone": ("str", False),
                   "order": ("int", False), "sections": ("list", False)}
SECTION_SPEC = {"code": ("str", True), "name": ("str", True)}
CENTRE_SPEC = {"code": ("str", True), "parent": ("str?", False), "accepted_items": ("strs", False),
               **_model_spec(ServiceCentre, CENTRE_FIELDS, required=("name", "level", "region_code"))}
TOPIC_SPEC = {"code": ("str", True), "name": ("str", True), "audience": ("str", True), "order": ("int", False)}
ITEM_SPEC = {"department": ("str", True), "section": ("str?", False), "topics": ("strs", False),
             "materials": ("list", False),
             **_model_spec(ServiceItem, ITEM_FIELDS + ["case_kind"],
                           required=("basic_code", "name", "item_type", "target_groups", "statutory_days",
                                     "promised_days"))}
ITEM_DEFAULTS_SPEC = _model_spec(ServiceItem, ITEM_FIELDS)
MATERIAL_SPEC = _model_spec(Material, MATERIAL_FIELDS, required=("name",))
WINDOW_SPEC = {"centre": ("str", True), "number": ("str", True), "name": ("str", True), "kind": ("str", False),
               "items": ("strs", False), "is_active": ("bool", False)}
LOGINS_SPEC = {"password": ("str", True), "superuser": ("object", False), "staff": ("list", False)}
SUPERUSER_SPEC = {"username": ("str", True), "name": ("str", True), "does": ("str", False)}
STAFF_SPEC = {"username": ("str", True), "name": ("str", True), "role": ("str", True), "centre": ("str", False),
              "department": ("str", False), "section": ("str", False), "does": ("str", False)}
TOP_SPEC = {"format": ("str", True), "about": ("str", False), "county": ("object", True),
            "departments": ("list", True), "centres": ("list", True), "topics": ("list", False),
            "item_defaults": ("object", False), "items": ("list", False), "windows": ("list", False),
            "logins": ("object", False)}

# Fields whose values must come from a code list, checked before anything is written.
_CHOICE_FIELDS: dict[str, list[tuple[type[models.Model], str]]] = {
    "centre": [(ServiceCentre, "level")],
    "item": [(ServiceItem, f) for f in ("item_type", "exercise_level", "case_kind", "correction_clock", "review_mode")],
    "material": [(Material, f) for f in ("necessity", "form", "source")],
    "topic": [(Topic, "audience")],
    "window": [(Window, "kind")],
}


def _check(where: str, entry: Any, spec: dict[str, tuple[str, bool]], problems: list[str]) -> bool:
    """Check one entry's keys and value shapes; report unknown keys too (they are usually typos)."""
    if not isinstance(entry, dict):
        problems.append(f"{where}: 应为对象，收到 {entry!r}")
        return False
    ok = True
    for key, (shape, required) in spec.items():
        if key not in entry:
            if required:
                problems.append(f"{where}: 缺少字段“{key}”")
                ok = False
        elif not _has_shape(entry[key], shape):
            problems.append(f"{where}: 字段“{key}”应为{_SHAPE_NAMES[shape]}，收到 {entry[key]!r}")
            ok = False
    for key in sorted(set(entry) - set(spec)):
        problems.append(f"{where}: 未知字段“{key}”")
        ok = False
    return ok


def _check_choices(where: str, entry: dict[str, Any], kind: str, problems: list[str]) -> None:
    for model, name in _CHOICE_FIELDS[kind]:
        if name in entry:
            allowed = [str(value) for value, _label in _field(model, name).choices or []]
            if entry[name] not in allowed:
                problems.append(f"{where}: 字段“{name}”的值 {entry[name]!r} 无效，可选：{', '.join(allowed)}")


def _label(section: str, index: int, entry: Any, *keys: str) -> str:
    if isinstance(entry, dict):
        parts = [str(entry[k]) for k in keys if isinstance(entry.get(k), str | int) and not isinstance(entry.get(k), bool)]
        if parts:
            return f"{section}[{index}]（{' '.join(parts)}）"
    return f"{section}[{index}]"


def full_credit_code(code: str) -> str:
    """A file may give the first 17 characters of a credit code; the 18th is the GB 32100 check character."""
    if len(code) == 17 and all(ch in CREDIT_CODE_ALPHABET for ch in code):
        return code + credit_code_check_char(code)
    return code


def _duplicates(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    dup = []
    for value in values:
        if value in seen and value not in dup:
            dup.append(value)
        seen.add(value)
    return dup


def validate(data: dict[str, Any]) -> None:
    """Check the whole file's shape and cross-references; raise CountyDataError listing every problem.

    Field-level rules (code patterns, time limits, fee basis, …) are the models' own `clean()`, run
    when each entry is saved, so a file cannot pass here and then break a model invariant.
    """
    problems: list[str] = []
    if not _check("文件顶层", data, TOP_SPEC, problems):
        raise CountyDataError(problems)
    if data["format"] != FORMAT:
        problems.append(f"文件顶层: format 应为 {FORMAT!r}，收到 {data['format']!r}")
    _check("county", data["county"], COUNTY_SPEC, problems)

    dept_sections: dict[str, set[str]] = {}
    for i, dept in enumerate(data["departments"]):
        where = _label("departments", i, dept, "key", "name")
        if not _check(where, dept, DEPARTMENT_SPEC, problems):
            continue
        codes = []
        for j, sec in enumerate(dept.get("sections", [])):
            if _check(f"{where}.sections[{j}]", sec, SECTION_SPEC, problems):
                codes.append(sec["code"])
        for dup in _duplicates(codes):
            problems.append(f"{where}: 科室编码 {dup!r} 重复")
        if dept["key"] in dept_sections:
            problems.append(f"{where}: 部门 key {dept['key']!r} 重复")
        dept_sections[dept["key"]] = set(codes)
    depts = [d for d in data["departments"] if isinstance(d, dict)]
    for label, key in (("名称", "name"), ("统一社会信用代码", "credit_code")):
        for dup in _duplicates([full_credit_code(d[key]) if key == "credit_code" else d[key]
                                for d in depts if isinstance(d.get(key), str)]):
            problems.append(f"departments: {label} {dup!r} 重复")

    topic_codes = set()
    for i, topic in enumerate(data.get("topics", [])):
        where = _label("topics", i, topic, "code", "name")
        if _check(where, topic, TOPIC_SPEC, problems):
            _check_choices(where, topic, "topic", problems)
            if topic["code"] in topic_codes:
                problems.append(f"{where}: 主题编码重复")
            topic_codes.add(topic["code"])

    if "item_defaults" in data:
        _check("item_defaults", data["item_defaults"], ITEM_DEFAULTS_SPEC, problems)
    item_codes: set[str] = set()
    for i, item in enumerate(data.get("items", [])):
        where = _label("items", i, item, "basic_code", "name")
        if not _check(where, item, ITEM_SPEC, problems):
            continue
        _check_choices(where, item, "item", problems)
        if item["basic_code"] in item_codes:
            problems.append(f"{where}: 基本编码重复")
        item_codes.add(item["basic_code"])
        if item["department"] not in dept_sections:
            problems.append(f"{where}: 未知部门 {item['department']!r}")
        elif item.get("section") and item["section"] not in dept_sections[item["department"]]:
            problems.append(f"{where}: 部门 {item['department']!r} 没有科室 {item['section']!r}")
        for code in item.get("topics", []):
            if code not in topic_codes:
                problems.append(f"{where}: 未知主题 {code!r}")
        for j, material in enumerate(item.get("materials", [])):
            mwhere = f"{where}.materials[{j}]"
            if _check(mwhere, material, MATERIAL_SPEC, problems):
                _check_choices(mwhere, material, "material", problems)

    centre_codes = {c["code"] for c in data["centres"] if isinstance(c, dict) and isinstance(c.get("code"), str)}
    seen_centres: set[str] = set()
    for i, centre in enumerate(data["centres"]):
        where = _label("centres", i, centre, "code", "name")
        if not _check(where, centre, CENTRE_SPEC, problems):
            continue
        _check_choices(where, centre, "centre", problems)
        if centre["code"] in seen_centres:
            problems.append(f"{where}: 中心编码重复")
        seen_centres.add(centre["code"])
        if centre.get("parent") and centre["parent"] not in centre_codes:
            problems.append(f"{where}: 未知上级中心 {centre['parent']!r}")
        for code in centre.get("accepted_items", []):
            if code not in item_codes:
                problems.append(f"{where}: accepted_items 中的事项 {code!r} 不在 items 中")

    windows_seen: set[tuple[str, str]] = set()
    for i, window in enumerate(data.get("windows", [])):
        where = _label("windows", i, window, "centre", "number", "name")
        if not _check(where, window, WINDOW_SPEC, problems):
            continue
        _check_choices(where, window, "window", problems)
        if window["centre"] not in centre_codes:
            problems.append(f"{where}: 未知服务中心 {window['centre']!r}")
        if (window["centre"], window["number"]) in windows_seen:
            problems.append(f"{where}: 同一中心的窗口号重复")
        windows_seen.add((window["centre"], window["number"]))
        for code in window.get("items", []):
            if code not in item_codes:
                problems.append(f"{where}: 事项 {code!r} 不在 items 中")

    if "logins" in data:
        _validate_logins(data["logins"], centre_codes, dept_sections, problems)
    if problems:
        raise CountyDataError(problems)


def _validate_logins(logins: Any, centre_codes: set[str], dept_sections: dict[str, set[str]], problems: list[str]) -> None:
    if not _check("logins", logins, LOGINS_SPEC, problems):
        return
    if not logins["password"]:
        problems.append("logins: password 不能为空")
    usernames = []
    if "superuser" in logins and _check("logins.superuser", logins["superuser"], SUPERUSER_SPEC, problems):
        usernames.append(logins["superuser"]["username"])
    for i, staff in enumerate(logins.get("staff", [])):
        where = _label("logins.staff", i, staff, "username")
        if not _check(where, staff, STAFF_SPEC, problems):
            continue
        usernames.append(staff["username"])
        if staff["role"] not in Role.values:
            problems.append(f"{where}: 未知角色 {staff['role']!r}，可选：{', '.join(Role.values)}")
            continue
        if staff.get("centre") and staff["centre"] not in centre_codes:
            problems.append(f"{where}: 未知服务中心 {staff['centre']!r}")
        if staff.get("department") and staff["department"] not in dept_sections:
            problems.append(f"{where}: 未知部门 {staff['department']!r}")
        elif staff.get("section") and staff["section"] not in dept_sections.get(staff.get("department", ""), set()):
            problems.append(f"{where}: 科室 {staff['section']!r} 需与所属部门一起给出且属于该部门")
        if staff["role"] in ROLE_NEEDS_CENTRE and not staff.get("centre"):
            problems.append(f"{where}: 角色 {staff['role']} 必须指定 centre")
        if staff["role"] in ROLE_NEEDS_DEPARTMENT and not staff.get("department"):
            problems.append(f"{where}: 角色 {staff['role']} 必须指定 department")
    for dup in _duplicates(usernames):
        problems.append(f"logins: 用户名 {dup!r} 重复")


# ---------------------------------------------------------------- loading

@dataclass
class Tally:
    created: int = 0
    changed: int = 0
    unchanged: int = 0

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.changed += 1
        else:
            self.unchanged += 1

    @property
    def total(self) -> int:
        return self.created + self.changed + self.unchanged


TALLY_LABELS = {"centres": "服务中心", "departments": "部门", "sections": "科室", "topics": "主题",
                "items": "事项", "materials": "申请材料", "windows": "窗口", "users": "账号", "roles": "人员角色"}


@dataclass
class Summary:
    county: str
    tallies: dict[str, Tally] = field(default_factory=lambda: {key: Tally() for key in TALLY_LABELS})
    guides_published: int = 0

    @property
    def changed_anything(self) -> bool:
        return self.guides_published > 0 or any(t.created or t.changed for t in self.tallies.values())

    def lines(self) -> list[str]:
        rows = [f"{TALLY_LABELS[key]} {t.total}（新建 {t.created}，更新 {t.changed}，未变 {t.unchanged}）"
                for key, t in self.tallies.items() if t.total]
        rows.append(f"发布办事指南新版本 {self.guides_published} 个")
        return rows


def _error(where: str, exc: ValidationError) -> CountyDataError:
    if hasattr(exc, "error_dict"):
        detail = "；".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    else:
        detail = "；".join(exc.messages)
    return CountyDataError([f"{where}: {detail}"])


def _assign(obj: models.Model, values: dict[str, Any]) -> bool:
    """Set the values that differ; say whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def load_county(*, actor: Any, data: dict[str, Any]) -> Summary:
    """Load (or bring up to date) a county from its data, in one transaction. Idempotent."""
    validate(data)
    with transaction.atomic():
        return _Loader(actor, data).run()


class _Loader:
    def __init__(self, actor: Any, data: dict[str, Any]) -> None:
        self.actor = actor
        self.data = data
        self.summary = Summary(county=data["county"]["name"])
        self.departments: dict[str, Department] = {}
        self.sections: dict[tuple[str, str], Section] = {}
        self.centres: dict[str, ServiceCentre] = {}
        self.topics: dict[str, Topic] = {}
        self.items: dict[str, ServiceItem] = {}

    def run(self) -> Summary:
        self.load_departments()
        self.load_centres()
        self.load_topics()
        self.load_items()
        self.link_centres_and_windows()
        self.load_logins()
        return self.summary

    def tally(self, key: str) -> Tally:
        return self.summary.tallies[key]

    # -- departments and sections
    def load_departments(self) -> None:
        county_region = self.data["county"]["region_code"]
        for i, entry in enumerate(self.data["departments"]):
            where = _label("departments", i, entry, "key", "name")
            credit = full_credit_code(entry["credit_code"])
            dept = (Department.objects.filter(credit_code=credit).first()
                    or Department.objects.filter(name=entry["name"]).first())
            created = dept is None
            if dept is None:
                dept = Department()
            changed = _assign(dept, {
                "name": entry["name"], "short_name": entry.get("short_name", ""), "credit_code": credit,
                "region_code": entry.get("region_code", county_region), "phone": entry.get("phone", ""),
                "order": entry.get("order", i + 1),
            })
            if created or changed:
                try:
                    org_services.save_department(actor=self.actor, department=dept)
                except ValidationError as exc:
                    raise _error(where, exc) from exc
            self.tally("departments").count(created, changed)
            self.departments[entry["key"]] = dept
            existing = {s.code: s for s in dept.sections.all()}
            for sec in entry.get("sections", []):
                section = existing.get(sec["code"])
                if section is None or section.name != sec["name"]:
                    section, _ = Section.objects.update_or_create(
                        department=dept, code=sec["code"], defaults={"name": sec["name"]})
                    self.tally("sections").count(sec["code"] not in existing, True)
                else:
                    self.tally("sections").count(False, False)
                self.sections[(entry["key"], sec["code"])] = section

    # -- centres, parents first
    def load_centres(self) -> None:
        pending = list(enumerate(self.data["centres"]))
        while pending:
            ready = [(i, c) for i, c in pending if not c.get("parent") or c["parent"] in self.centres]
            if not ready:
                names = ", ".join(c["code"] for _, c in pending)
                raise CountyDataError([f"centres: 上级关系形成了环或指向自身：{names}"])
            for i, entry in ready:
                self.load_centre(i, entry)
            pending = [(i, c) for i, c in pending if c["code"] not in self.centres]

    def load_centre(self, index: int, entry: dict[str, Any]) -> None:
        where = _label("centres", index, entry, "code", "name")
        centre = ServiceCentre.objects.filter(code=entry["code"]).first()
        created = centre is None
        if centre is None:
            centre = ServiceCentre(code=entry["code"])
        values = {name: entry.get(name, _default(ServiceCentre, name)) for name in CENTRE_FIELDS}
        parent = self.centres[entry["parent"]] if entry.get("parent") else None
        values["parent_id"] = parent.pk if parent else None
        changed = _assign(centre, values)
        if created or changed:
            try:
                org_services.save_centre(actor=self.actor, centre=centre)
            except ValidationError as exc:
                raise _error(where, exc) from exc
        self.tally("centres").count(created, changed)
        self.centres[entry["code"]] = centre

    # -- topics
    def load_topics(self) -> None:
        existing = {t.code: t for t in Topic.objects.all()}
        for i, entry in enumerate(self.data.get("topics", [])):
            values = {"name": entry["name"], "audience": entry["audience"], "order": entry.get("order", i + 1)}
            topic = existing.get(entry["code"])
            if topic is None or any(getattr(topic, k) != v for k, v in values.items()):
                topic, _ = Topic.objects.update_or_create(code=entry["code"], defaults=values)
                self.tally("topics").count(entry["code"] not in existing, True)
            else:
                self.tally("topics").count(False, False)
            self.topics[entry["code"]] = topic

    # -- items, their materials, topics and guide
    def load_items(self) -> None:
        defaults = self.data.get("item_defaults", {})
        entries = self.data.get("items", [])
        codes = [self.implementation_code(e, defaults) for e in entries]
        existing = {
            item.implementation_code: item
            for item in ServiceItem.objects.filter(implementation_code__in=codes).prefetch_related("materials", "topics")
        }
        for i, (entry, code) in enumerate(zip(entries, codes, strict=True)):
            self.load_item(i, entry, code, defaults, existing.get(code))

    def implementation_code(self, entry: dict[str, Any], defaults: dict[str, Any]) -> str:
        credit = full_credit_code(next(d["credit_code"] for d in self.data["departments"] if d["key"] == entry["department"]))
        level = entry.get("exercise_level", defaults.get("exercise_level", _default(ServiceItem, "exercise_level")))
        return f"{credit}{level}{entry['basic_code']}"

    def load_item(self, index: int, entry: dict[str, Any], code: str, defaults: dict[str, Any],
                  item: ServiceItem | None) -> None:
        where = _label("items", index, entry, "basic_code", "name")
        dept = self.departments[entry["department"]]
        values: dict[str, Any] = {}
        for name in ITEM_FIELDS:
            if name in entry:
                values[name] = entry[name]
            elif name in defaults:
                values[name] = defaults[name]
            elif name == "consult_phone":
                values[name] = dept.phone  # the owning department answers questions unless told otherwise
            else:
                values[name] = _default(ServiceItem, name)
        values["case_kind"] = entry.get("case_kind", CaseKind.INSTANT if entry["promised_days"] == 0 else CaseKind.PROMISED)
        values["implementation_code"] = code
        values["department_id"] = dept.pk
        section = self.sections[(entry["department"], entry["section"])] if entry.get("section") else None
        values["section_id"] = section.pk if section else None
        created = item is None
        if item is None:
            item = ServiceItem()
        changed = _assign(item, values)
        if created or changed:
            try:
                catalog_services.save_item(actor=self.actor, item=item)
            except ValidationError as exc:
                raise _error(where, exc) from exc
        self.tally("items").count(created, changed)
        self.sync_materials(where, item, entry.get("materials", []), fresh=created)
        wanted_topics = {self.topics[c].pk for c in entry.get("topics", [])}
        if created or {t.pk for t in item.topics.all()} != wanted_topics:
            item.topics.set(wanted_topics)
        before = item.published_version
        try:
            catalog_services.publish_guide(actor=self.actor, item=item, change_note="由县数据文件导入")
        except ValidationError as exc:
            raise _error(where, exc) from exc
        if item.published_version != before:
            self.summary.guides_published += 1
        self.items[entry["basic_code"]] = item

    def sync_materials(self, where: str, item: ServiceItem, entries: list[dict[str, Any]], fresh: bool) -> None:
        """Bring the item's materials in line with the file, position by position (ids are kept where possible)."""
        existing = [] if fresh else sorted(item.materials.all(), key=lambda m: (m.order, m.pk))
        for j, entry in enumerate(entries):
            form = entry.get("form", _default(Material, "form"))
            originals, copies = FORM_COUNTS.get(form, (1, 0))
            values = {name: entry.get(name, _default(Material, name)) for name in MATERIAL_FIELDS}
            values.update(order=j + 1, originals=entry.get("originals", originals), copies=entry.get("copies", copies))
            material = existing[j] if j < len(existing) else None
            created = material is None
            if material is None:
                material = Material(item=item)
            changed = _assign(material, values)
            if created or changed:
                try:
                    catalog_services.save_material(actor=self.actor, material=material)
                except ValidationError as exc:
                    raise _error(f"{where}.materials[{j}]（{entry['name']}）", exc) from exc
            self.tally("materials").count(created, changed)
        for material in existing[len(entries):]:
            record_event(actor=self.actor, action="material_deleted", obj=material,
                         summary=f"{item.pk}: {material.name}")
            material.delete()

    # -- what each centre accepts beyond county-wide items, and the windows
    def link_centres_and_windows(self) -> None:
        for entry in self.data["centres"]:
            if "accepted_items" in entry:
                centre = self.centres[entry["code"]]
                wanted = {self.items[c].pk for c in entry["accepted_items"]}
                if set(centre.accepted_items.values_list("pk", flat=True)) != wanted:
                    centre.accepted_items.set(wanted)
        for i, entry in enumerate(self.data.get("windows", [])):
            where = _label("windows", i, entry, "centre", "number", "name")
            centre = self.centres[entry["centre"]]
            window = Window.objects.filter(centre=centre, number=entry["number"]).first()
            created = window is None
            if window is None:
                window = Window(centre=centre, number=entry["number"])
            changed = _assign(window, {"name": entry["name"], "kind": entry.get("kind", WindowKind.GENERAL),
                                       "is_active": entry.get("is_active", True)})
            if created or changed:
                try:
                    window.full_clean()
                except ValidationError as exc:
                    raise _error(where, exc) from exc
                window.save()
                record_event(actor=self.actor, action="window_created" if created else "window_changed", obj=window,
                             summary=str(window))
            self.tally("windows").count(created, changed)
            wanted = {self.items[c].pk for c in entry.get("items", [])}
            if created or set(window.items.values_list("pk", flat=True)) != wanted:
                window.items.set(wanted)

    # -- demo logins: created only when missing, so a changed password is never reset
    def load_logins(self) -> None:
        logins = self.data.get("logins")
        if not logins:
            return
        User = get_user_model()
        hashed: list[str] = []

        def set_password(user: Any) -> None:
            # One deliberately slow hash, shared by every demo login (they share the password anyway).
            if not hashed:
                hashed.append(make_password(logins["password"]))
            user.password = hashed[0]
            user.save(update_fields=["password"])

        if "superuser" in logins:
            su = logins["superuser"]
            created = not User.objects.filter(username=su["username"]).exists()
            if created:
                admin = User.objects.create_superuser(username=su["username"], email="", password=None,
                                                      first_name=su["name"])
                set_password(admin)
                record_event(actor=self.actor, action="staff_user_created", obj=admin, summary=admin.username)
            superuser = User.objects.get(username=su["username"])
            security_services.ensure_demo_totp(user=superuser, key=settings.ONEWINDOW_DEMO_TOTP_KEY)
            self.tally("users").count(created, False)
        for entry in logins.get("staff", []):
            found = User.objects.filter(username=entry["username"]).first()
            self.tally("users").count(found is None, False)
            if found is not None:
                user = found
            else:
                user = User.objects.create_user(username=entry["username"], password=None, first_name=entry["name"],
                                                is_staff=True)
                set_password(user)
                record_event(actor=self.actor, action="staff_user_created", obj=user, summary=user.username)
            # Demo staff share the fixed demo TOTP secret: `onewindow demo totp <username>` prints the code.
            security_services.ensure_demo_totp(user=user, key=settings.ONEWINDOW_DEMO_TOTP_KEY)
            scope = self.role_scope(entry)
            had = StaffRole.objects.filter(user=user, role=entry["role"], **scope).exists()
            try:
                org_services.assign_role(actor=self.actor, user=user, role=entry["role"], **scope)
            except ValidationError as exc:
                raise _error(f"logins.staff（{entry['username']}）", exc) from exc
            self.tally("roles").count(not had, False)

    def role_scope(self, entry: dict[str, Any]) -> dict[str, Any]:
        section = self.sections[(entry["department"], entry["section"])] if entry.get("section") else None
        return {
            "centre": self.centres[entry["centre"]] if entry.get("centre") else None,
            "department": self.departments[entry["department"]] if entry.get("department") else None,
            "section": section,
        }


# ---------------------------------------------------------------- the logins table (from the file, no database)

def login_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    """One row per demo login: username, password, role, scope and what they may do."""
    logins = data.get("logins") or {}
    if not logins:
        return []
    centres = {c["code"]: c["name"] for c in data["centres"]}
    depts = {d["key"]: d for d in data["departments"]}
    rows = []
    if "superuser" in logins:
        su = logins["superuser"]
        rows.append({"username": su["username"], "password": logins["password"], "name": su["name"],
                     "role": "超级管理员", "scope": "全部", "does": su.get("does", "")})
    for entry in logins.get("staff", []):
        if entry.get("section"):
            dept = depts[entry["department"]]
            sec = next(s["name"] for s in dept["sections"] if s["code"] == entry["section"])
            scope = f"{dept.get('short_name') or dept['name']} {sec}"
        elif entry.get("department"):
            scope = depts[entry["department"]]["name"]
        elif entry.get("centre"):
            scope = centres[entry["centre"]]
        else:
            scope = f"全{data['county']['name'][-1]}"
        if entry.get("centre") and entry.get("department"):
            scope = f"{centres[entry['centre']]} / {scope}"
        rows.append({"username": entry["username"], "password": logins["password"], "name": entry["name"],
                     "role": str(Role(entry["role"]).label), "scope": scope, "does": entry.get("does", "")})
    return rows
