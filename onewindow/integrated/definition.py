"""The JSON parts of a definition — rule conditions, rule effects, form fields — and their validation.

Pure functions with no database access: the model's clean(), the publishing check, the engine's
compiler and the verifier all read definitions through here, so they agree on what is valid.

Condition grammar (a boolean expression over option codes)::

    "opt_code"                      true when that option is chosen
    {"all": [cond, ...]}            every sub-condition holds (non-empty list)
    {"any": [cond, ...]}            at least one holds (non-empty list)
    {"not": cond}                   the sub-condition does not hold

Effects (a list, applied in order when the condition holds)::

    {"op": "add_item", "item": "<实施编码>"}          {"op": "remove_item", "item": "<实施编码>"}
    {"op": "add_material", "kind": "slug", "name": "…", "item": "<实施编码>"?, "necessity"?, "form"?, "notes"?}
    {"op": "remove_material", "kind": "slug", "item": "<实施编码>"?}
    {"op": "add_field", "field": {"name", "label", "type"?, "prefill_from"?: question code, "required"?}}
    {"op": "remove_field", "name": "…"}
    {"op": "add_note", "text": "…"}
    {"op": "add_fee", "name": "…", "amount": "80.00", "basis"?: "…"}
    {"op": "require_inspection", "text"?: "…"}

A removal beats an addition of the same thing in one combination; the verifier reports every
combination where both happen, because that is almost always a definition mistake.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .choices import EffectOp, FieldType

SLUG = re.compile(r"^[A-Za-z0-9_\-]{1,60}$")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
NECESSITIES = {"required", "deferrable", "optional"}
FORMS = {"original", "copy", "both", "electronic"}
MAX_DEPTH = 12
OPS = frozenset(EffectOp.values)
FIELD_TYPES = frozenset(FieldType.values)


class DefinitionError(ValueError):
    """A malformed condition, effect or field; `.problems` lists every message (Chinese, for the admin)."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


# ---- conditions ---------------------------------------------------------------------------------------

def condition_problems(cond: Any, depth: int = 0) -> list[str]:
    """Every problem with the shape of a condition (not whether its option codes exist)."""
    if depth > MAX_DEPTH:
        return [f"条件嵌套超过 {MAX_DEPTH} 层"]
    if isinstance(cond, str):
        return [] if SLUG.match(cond) else [f"选项代码“{cond}”格式不正确（字母、数字、下划线、短横线）"]
    if isinstance(cond, dict) and len(cond) == 1:
        (key, value), = cond.items()
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                return [f"“{key}”后应为非空列表"]
            return [p for sub in value for p in condition_problems(sub, depth + 1)]
        if key == "not":
            return condition_problems(value, depth + 1)
    return [f"无法识别的条件：{_short(cond)}（应为选项代码，或 {{\"all\": […]}}、{{\"any\": […]}}、{{\"not\": …}}）"]


def condition_options(cond: Any) -> list[str]:
    """Option codes a (well-formed) condition mentions, in first-mention order."""
    seen: dict[str, None] = {}

    def walk(c: Any) -> None:
        if isinstance(c, str):
            seen.setdefault(c, None)
        elif isinstance(c, dict):
            for key, value in c.items():
                if key in ("all", "any"):
                    for sub in value:
                        walk(sub)
                else:
                    walk(value)

    walk(cond)
    return list(seen)


def evaluate(cond: Any, chosen: set[str] | frozenset[str]) -> bool:
    """Reference evaluation (the engine uses a compiled form; tests compare the two)."""
    if isinstance(cond, str):
        return cond in chosen
    (key, value), = cond.items()
    if key == "all":
        return all(evaluate(c, chosen) for c in value)
    if key == "any":
        return any(evaluate(c, chosen) for c in value)
    return not evaluate(value, chosen)


def describe(cond: Any, labels: dict[str, str]) -> str:
    """A condition in words for the admin and the notice: 选择了「有限责任公司」且未选择「…」."""
    if isinstance(cond, str):
        return f"「{labels.get(cond, cond)}」"
    (key, value), = cond.items()
    if key == "not":
        return f"未选{describe(value, labels)}"
    joiner = "且" if key == "all" else "或"
    parts = [describe(c, labels) for c in value]
    return parts[0] if len(parts) == 1 else "（" + joiner.join(parts) + "）"


# ---- effects ------------------------------------------------------------------------------------------

def effect_problems(effects: Any) -> list[str]:
    if not isinstance(effects, list):
        return ["效果应为列表"]
    if not effects:
        return ["规则至少需要一个效果"]
    problems: list[str] = []
    for i, effect in enumerate(effects, start=1):
        where = f"第 {i} 个效果"
        if not isinstance(effect, dict) or "op" not in effect:
            problems.append(f"{where}应为含“op”的对象")
            continue
        op = effect["op"]
        if op not in OPS:
            problems.append(f"{where}的 op“{op}”无效，可用：{'、'.join(EffectOp.values)}")
            continue
        if op in (EffectOp.ADD_ITEM, EffectOp.REMOVE_ITEM):
            if not _nonempty_str(effect.get("item")):
                problems.append(f"{where}（{op}）缺少 item（实施编码）")
        elif op in (EffectOp.ADD_MATERIAL, EffectOp.REMOVE_MATERIAL):
            if not (isinstance(effect.get("kind"), str) and SLUG.match(effect["kind"])):
                problems.append(f"{where}（{op}）缺少有效的 kind（材料种类代码）")
            if op == EffectOp.ADD_MATERIAL and not _nonempty_str(effect.get("name")):
                problems.append(f"{where}（add_material）缺少 name（材料名称）")
            if "item" in effect and effect["item"] is not None and not _nonempty_str(effect["item"]):
                problems.append(f"{where}的 item 应为实施编码")
            if effect.get("necessity", "required") not in NECESSITIES:
                problems.append(f"{where}的 necessity 应为 {'/'.join(sorted(NECESSITIES))}")
            if effect.get("form", "original") not in FORMS:
                problems.append(f"{where}的 form 应为 {'/'.join(sorted(FORMS))}")
        elif op == EffectOp.ADD_FIELD:
            problems += [f"{where}：{p}" for p in field_problems(effect.get("field"))]
        elif op == EffectOp.REMOVE_FIELD:
            if not (isinstance(effect.get("name"), str) and FIELD_NAME.match(effect["name"])):
                problems.append(f"{where}（remove_field）缺少有效的 name")
        elif op == EffectOp.ADD_NOTE:
            if not _nonempty_str(effect.get("text")):
                problems.append(f"{where}（add_note）缺少 text")
        elif op == EffectOp.ADD_FEE:
            if not _nonempty_str(effect.get("name")):
                problems.append(f"{where}（add_fee）缺少 name")
            if parse_amount(effect.get("amount")) is None:
                problems.append(f"{where}（add_fee）的 amount 应为不小于 0 的金额（元），如 \"80.00\"")
    return problems


def field_problems(spec: Any) -> list[str]:
    if not isinstance(spec, dict):
        return ["表单字段应为对象 {name, label, type}"]
    problems = []
    if not (isinstance(spec.get("name"), str) and FIELD_NAME.match(spec["name"])):
        problems.append("表单字段缺少有效的 name（字母开头，字母数字下划线）")
    if not _nonempty_str(spec.get("label")):
        problems.append(f"表单字段 {spec.get('name', '?')} 缺少 label")
    if spec.get("type", FieldType.TEXT) not in FIELD_TYPES:
        problems.append(f"表单字段 {spec.get('name', '?')} 的 type 应为 {'/'.join(FieldType.values)}")
    prefill = spec.get("prefill_from")
    if prefill is not None and not (isinstance(prefill, str) and SLUG.match(prefill)):
        problems.append(f"表单字段 {spec.get('name', '?')} 的 prefill_from 应为问题代码")
    return problems


def effect_items(effects: list[dict[str, Any]]) -> list[str]:
    """Item codes an effect list refers to (add/remove item, material for an item)."""
    return [e["item"] for e in effects if isinstance(e, dict) and e.get("item")]


def parse_amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return amount.quantize(Decimal("0.01"))


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
