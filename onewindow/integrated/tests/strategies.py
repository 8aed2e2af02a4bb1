"""Random small integrated services as snapshot dicts, for property tests (no database)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

KINDS = ["id_card", "business_licence", "premises_proof", "application_form", "seal_impression"]


def step_row(code: str, *, base: bool, days: int, depends_on: list[str], materials: list[str],
             produces: str | None, online: bool, visits: int) -> dict[str, Any]:
    return {
        "item": code, "name": f"事项{code}", "base": base, "days": days, "promised_days": days,
        "depends_on": depends_on, "inspection": False, "produces": [],
        "result_licence_type": produces or "", "result_name": "", "guide_version": 1,
        "handling_forms": ["1", "2"] if online else ["1"], "supports_express": online, "max_visits": visits,
        "fee_required": False, "department": {"id": 1, "name": f"部门{code[-1]}"}, "section": None,
        "materials": [{"name": f"材料{k}", "kind": k, "necessity": "required", "form": "copy",
                       "originals": 0, "copies": 1} for k in materials],
    }


@st.composite
def conditions(draw: Any, options: list[str], depth: int = 0) -> Any:
    if depth >= 2 or draw(st.booleans()):
        return draw(st.sampled_from(options))
    key = draw(st.sampled_from(["all", "any", "not"]))
    if key == "not":
        return {"not": draw(conditions(options, depth + 1))}
    return {key: draw(st.lists(conditions(options, depth + 1), min_size=1, max_size=3))}


@st.composite
def snapshots(draw: Any, max_questions: int = 5) -> dict[str, Any]:
    questions: list[dict[str, Any]] = []
    all_options: list[str] = []
    n_questions = draw(st.integers(1, max_questions))
    for qi in range(n_questions):
        parent = None
        if questions and all_options and draw(st.integers(0, 2)) == 0:
            parent = draw(st.sampled_from(all_options))
        n_opts = draw(st.integers(0, 3)) if draw(st.integers(0, 9)) == 0 else draw(st.integers(1, 3))
        opts = []
        for oi in range(n_opts):
            code = f"q{qi}o{oi}"
            blocks = draw(st.integers(0, 7)) == 0
            opts.append({"code": code, "text": f"选项{code}", "blocks": blocks, "block_message": "不能申请" if blocks else ""})
        questions.append({"code": f"q{qi}", "text": f"问题{qi}", "kind": draw(st.sampled_from(["single", "multiple"])),
                          "required": draw(st.booleans()), "show_on_notice": True, "revealed_by": parent,
                          "options": opts})
        all_options += [o["code"] for o in opts]
    n_steps = draw(st.integers(1, 4))
    steps = []
    for si in range(n_steps):
        code = f"ITEM{si}"
        steps.append(step_row(
            code, base=draw(st.booleans()), days=draw(st.integers(0, 5)),
            depends_on=draw(st.lists(st.sampled_from([f"ITEM{j}" for j in range(si)]), unique=True)) if si else [],
            materials=draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True)),
            produces=draw(st.sampled_from([None, "business_licence", "seal_impression"])),
            online=draw(st.booleans()), visits=draw(st.integers(0, 2)),
        ))
    items = [s["item"] for s in steps]
    rules = []
    if all_options:
        for ri in range(draw(st.integers(0, 5))):
            effects = []
            for _ in range(draw(st.integers(1, 2))):
                op = draw(st.sampled_from(["add_item", "remove_item", "add_material", "remove_material", "add_note",
                                           "require_inspection", "add_fee", "add_field"]))
                if op in ("add_item", "remove_item"):
                    effects.append({"op": op, "item": draw(st.sampled_from(items))})
                elif op == "add_material":
                    effects.append({"op": op, "kind": draw(st.sampled_from(KINDS)), "name": "附加材料",
                                    "item": draw(st.sampled_from(items))})
                elif op == "remove_material":
                    effects.append({"op": op, "kind": draw(st.sampled_from(KINDS))})
                elif op == "add_note":
                    effects.append({"op": op, "text": f"注意{ri}"})
                elif op == "add_fee":
                    effects.append({"op": op, "name": f"费用{ri}", "amount": "10.50"})
                elif op == "add_field":
                    effects.append({"op": op, "field": {"name": f"f{ri}", "label": "字段",
                                                        "prefill_from": draw(st.sampled_from([q["code"] for q in questions]))}})
                else:
                    effects.append({"op": op})
            rules.append({"code": f"r{ri}", "description": "", "condition": draw(conditions(all_options)),
                          "effects": effects})
    return {"format": 1, "code": "random", "name": "随机一件事", "number": 1, "questions": questions, "rules": rules,
            "steps": steps, "form_fields": [{"name": "applicant", "label": "申请人"}],
            "merged_form_kinds": ["application_form"]}
