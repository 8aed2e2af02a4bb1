"""Property tests (no database): the symbolic verifier agrees with brute force on random small
services, and plans are deterministic and independent of answer order."""

from __future__ import annotations

import random
import time
from dataclasses import asdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.integrated.brute import brute_verify, enumerate_answers
from onewindow.integrated.definition import evaluate
from onewindow.integrated.engine import CompiledService
from onewindow.integrated.verify import verify_snapshot

from .strategies import snapshots, step_row

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(snapshots())
def test_the_symbolic_verifier_agrees_with_brute_force(snapshot):
    fast = verify_snapshot(snapshot)
    slow = brute_verify(snapshot)
    assert (fast.counts is None) == (slow.counts is None)
    if fast.counts is not None:
        assert asdict(fast.counts) == asdict(slow.counts)
    assert [(f.level, f.check, f.message) for f in fast.findings] == [(f.level, f.check, f.message) for f in slow.findings]


@SETTINGS
@given(snapshots(), st.data())
def test_plans_are_deterministic_and_ignore_answer_order(snapshot, data):
    compiled = CompiledService(snapshot)
    combos = list(enumerate_answers(compiled))
    answers = data.draw(st.sampled_from(combos))
    first = compiled.plan(answers).to_dict()
    rng = random.Random(data.draw(st.integers(0, 10**6)))
    shuffled_items = list(answers.items())
    rng.shuffle(shuffled_items)
    shuffled = {q: rng.sample(v, len(v)) for q, v in shuffled_items}
    assert compiled.plan(shuffled).to_dict() == first
    assert CompiledService(snapshot).plan(answers).to_dict() == first  # a fresh compile too
    # Answers to hidden questions change nothing but the list of ignored answers.
    hidden = [q for q in compiled.questions if q.code not in answers and q.options
              and q.code not in compiled.plan(answers).visible]
    if hidden:
        extra = dict(answers, **{hidden[0].code: hidden[0].options[0]})
        again = compiled.plan(extra).to_dict()
        assert again["ignored"] == [hidden[0].code]
        assert dict(again, ignored=first["ignored"]) == first


@SETTINGS
@given(snapshots(), st.data())
def test_compiled_conditions_match_the_reference_evaluation(snapshot, data):
    compiled = CompiledService(snapshot)
    chosen = frozenset(data.draw(st.sets(st.sampled_from(sorted(compiled.options) or ["none"]))))
    for rule in compiled.rules:
        assert rule.test(chosen) == evaluate(rule.condition, chosen)


@SETTINGS
@given(snapshots(), st.data())
def test_days_lie_between_the_longest_item_and_the_sum(snapshot, data):
    compiled = CompiledService(snapshot)
    plan = compiled.plan(data.draw(st.sampled_from(list(enumerate_answers(compiled)))))
    days = [i.step.days for i in plan.items]
    assert max(days, default=0) <= plan.days <= sum(days)


def huge_snapshot(questions: int = 20, options: int = 5) -> dict:
    """20 independent multiple-choice questions of 5 options: 32^20 ≈ 1.3·10^30 combinations."""
    qs = [{"code": f"q{i}", "text": f"问题{i}", "kind": "multiple", "required": False,
           "options": [{"code": f"q{i}o{j}", "text": f"选项{j}"} for j in range(options)]} for i in range(questions)]
    qs.append({"code": "follow", "text": "追问", "kind": "single", "required": True, "revealed_by": "q0o0",
               "options": [{"code": "fa", "text": "甲"}, {"code": "fb", "text": "乙", "blocks": True, "block_message": "不能"}]})
    steps = [step_row(f"ITEM{i}", base=i == 0, days=i, depends_on=[f"ITEM{i - 1}"] if i else [], materials=["id_card"],
                      produces=None, online=True, visits=0) for i in range(6)]
    rules = [{"code": f"r{i}", "condition": {"all": [f"q{i}o1", {"any": [f"q{i + 1}o2", {"not": f"q{(i * 7) % questions}o{options - 1}"}]}]},
              "effects": [{"op": "add_item", "item": f"ITEM{1 + i % 5}"}]} for i in range(questions - 1)]
    rules.append({"code": "drop", "condition": {"all": [f"q{questions // 2}o{options - 1}", f"q{questions - 1}o1", "fa"]},
                  "effects": [{"op": "remove_item", "item": "ITEM2"}]})
    rules.append({"code": "dead", "condition": {"all": ["fb", "q1o1"]}, "effects": [{"op": "add_note", "text": "x"}]})
    return {"code": "huge", "name": "巨型一件事", "questions": qs, "rules": rules, "steps": steps}


def test_it_verifies_a_service_with_10_to_the_30_combinations_in_seconds():
    started = time.perf_counter()
    report = verify_snapshot(huge_snapshot())
    elapsed = time.perf_counter() - started
    # q0 with its follow-up: 16 subsets without o0, 16 with o0 × 2 follow-up answers.
    assert report.counts.combinations == 32**19 * (16 + 16 * 2)
    assert report.counts.blocked == 32**19 * 16
    assert report.counts.combinations > 10**30
    assert report.counts.conflicts["ITEM2"] > 0 and any(f.check == "conflict" for f in report.errors)
    assert any(f.check == "dead_rule" and f.subject == "dead" for f in report.warnings)
    print(f"\n10^30-combination service verified in {elapsed:.3f} s")
    assert elapsed < 10


def test_brute_force_agrees_on_a_smaller_cut_of_the_huge_service():
    snapshot = huge_snapshot(questions=4, options=3)
    fast, slow = verify_snapshot(snapshot), brute_verify(snapshot)
    assert fast.counts.combinations == 8**3 * (4 + 4 * 2)
    assert asdict(fast.counts) == asdict(slow.counts)
