"""The engine on the demo 开办企业, 开餐饮店 and friends: merged materials, in-process results,
critical-path days, blocking, follow-ups, the prefilled form and explanations."""

from __future__ import annotations

import pytest

from onewindow.integrated.choices import MaterialStatus
from onewindow.integrated.engine import AnswerError, ServiceNotPublished, compiled_for, plan_for

pytestmark = pytest.mark.django_db

KAIBAN_LLC = {"company_type": "llc", "rep_present": "rep_yes", "premises": "own", "employees": "staff_yes",
              "invoices": "invoice_yes", "seals": ["seal_official", "seal_finance"], "bank": "bank_icbc"}
CANYIN_NEW = {"licence": "no_licence", "subject": "sub_individual", "area": "a150", "cooking": "cook_no",
              "alcohol": "alc_none", "sign": "sign_no", "premises": "own"}


# Items by 基本编码: the county file's names may be edited, its codes are stable.
LLC, IND, SEAL, TAX, INVOICE, SOCIAL, FUND, MEDICAL = ("000131127004", "000131128000", "000110701001", "000127703001",
                                                       "000127703002", "000114704001", "000119706001", "000158705002")
FOOD, SIGN, DRAIN, FIRE = "000131700007", "000119723001", "000119709005", "000126702001"
WATER, GAS = "000900724001", "000900726001"
BANK = "000900727001"


def basics(plan_dict):
    return [i["code"][-12:] for i in plan_dict["items"]]


def by_basic(plan_dict, basic):
    return next(i for i in plan_dict["items"] if i["code"].endswith(basic))


def material(plan_dict, kind):
    return next(m for m in plan_dict["materials"] if m["kind"] == kind)


def test_it_plans_kaiban_for_a_company_in_two_working_days(demo):
    plan = plan_for("kaiban-qiye", KAIBAN_LLC)
    d = plan.to_dict()
    assert basics(d) == [LLC, SEAL, TAX, INVOICE, BANK, SOCIAL, FUND, MEDICAL]
    assert plan.complete and not plan.blocked
    # Registration 1 day, then the seal 1 day; invoices (0) wait for both; the rest run in parallel.
    assert d["days"]["total"] == 2
    assert [c[-12:] for c in d["days"]["critical_path"][:2]] == [LLC, SEAL]
    assert len(d["departments"]) >= 5


def test_it_asks_for_each_material_kind_once(demo):
    d = plan_for("kaiban-qiye", KAIBAN_LLC).to_dict()
    kinds = [m["kind"] for m in d["materials"]]
    assert len(kinds) == len(set(kinds))
    legal_rep = material(d, "legal_rep_id")
    assert legal_rep["status"] == MaterialStatus.REQUEST
    # Registration, seal, bank account, social insurance and housing fund all want the legal representative's
    # ID: one copy.
    assert len(legal_rep["items"]) == 5
    assert len({v["name"] for v in legal_rep["variants"]}) > 1
    # Each item's own application form is replaced by the one merged form (一表申请).
    assert material(d, "application_form")["status"] == MaterialStatus.MERGED_FORM


def test_the_business_licence_from_registration_satisfies_the_later_items(demo):
    d = plan_for("kai-canyin", CANYIN_NEW).to_dict()
    licence = material(d, "business_licence")
    assert licence["status"] == MaterialStatus.PRODUCED
    assert licence["produced_by"].endswith(IND)
    assert by_basic(d, FOOD)["name"] in licence["why"] and "无需提交" in licence["why"]
    # The food permit therefore waits for registration: the days add up.
    assert d["days"]["total"] == 1 + 5
    assert by_basic(d, FOOD)["depends_on"] == [by_basic(d, IND)["code"]]


def test_an_existing_licence_is_asked_for_and_the_permits_run_in_parallel(demo):
    answers = dict(CANYIN_NEW, licence="has_licence", sign="sign_yes", cooking="cook_yes")
    answers.pop("subject")
    d = plan_for("kai-canyin", answers).to_dict()
    assert material(d, "business_licence")["status"] == MaterialStatus.REQUEST
    assert basics(d) == [FOOD, SIGN, DRAIN]
    # Parallel: the longest (5) wins, not 5 + 5 + 1.
    assert d["days"]["total"] == 5


def test_the_produced_seal_impression_makes_invoices_wait_for_the_seal(demo):
    d = plan_for("kaiban-qiye", KAIBAN_LLC).to_dict()
    impression = material(d, "seal_impression")
    assert impression["status"] == MaterialStatus.PRODUCED and impression["produced_by"].endswith(SEAL)


def test_a_blocking_option_blocks_with_its_message(demo):
    plan = plan_for("kaiban-qiye", dict(KAIBAN_LLC, company_type="foreign"))
    d = plan.to_dict()
    assert d["blocked"] and not d["complete"]
    assert "市市场监督管理局" in d["block_messages"][0]["text"]  # from the demo data file, not the county
    assert d["block_messages"][0]["because"][0]["option"] == "foreign"


def test_follow_ups_appear_only_when_revealed_and_hidden_answers_are_ignored(demo):
    own = plan_for("kaiban-qiye", dict(KAIBAN_LLC, home_consent="consent_no"))
    assert "home_consent" not in own.visible and own.ignored == ["home_consent"] and not own.blocked
    home = plan_for("kaiban-qiye", dict(KAIBAN_LLC, premises="home"))
    assert "home_consent" in home.visible and home.missing == ["home_consent"] and not home.complete
    refused = plan_for("kaiban-qiye", dict(KAIBAN_LLC, premises="home", home_consent="consent_no"))
    assert refused.blocked
    agreed = plan_for("kaiban-qiye", dict(KAIBAN_LLC, premises="home", home_consent="consent_yes")).to_dict()
    consent = material(agreed, "neighbour_consent")
    assert consent["rules"] == ["premises-home"]
    assert {b["option"] for b in consent["because"]} == {"home", "consent_yes"}


def test_the_merged_form_asks_each_field_once_prefilled_from_the_answers(demo):
    d = plan_for("kaiban-qiye", dict(KAIBAN_LLC, rep_present="rep_no")).to_dict()
    fields = {f["name"]: f for f in d["form"]}
    assert len(fields) == len(d["form"])
    assert fields["company_type"]["value"] == "有限责任公司" and fields["company_type"]["prefilled"]
    assert fields["company_type"]["because"][0]["option"] == "llc"
    assert fields["bank_name"]["value"] == "中国工商银行"
    assert fields["seal_types"]["value"] == "公章、财务专用章"
    assert fields["enterprise_name"]["value"] is None
    assert "agent_name" in fields and fields["agent_name"]["rules"] == ["agent"]


def test_rules_remove_items_and_fields(demo):
    d = plan_for("kaiban-qiye", dict(KAIBAN_LLC, company_type="individual")).to_dict()
    assert IND in basics(d) and FUND not in basics(d)
    assert "registered_capital" not in {f["name"] for f in d["form"]}
    assert any("自愿" in n["text"] for n in d["notes"])


def test_every_line_says_why(demo):
    d = plan_for("kai-canyin", dict(CANYIN_NEW, area="a300plus", food_kinds=["fk_raw"])).to_dict()
    fire = by_basic(d, FIRE)
    assert fire["because"] == [{"question": "area", "option": "a300plus", "question_text": "经营场所使用面积（含就餐区）",
                                "option_text": "300平方米以上"}]
    assert fire["why"].startswith("因为")
    # One joint inspection for every reason (fire, food premises, the raw-food room).
    assert d["inspection"]["required"] is True
    assert len(d["inspection"]["reasons"]) >= 3
    assert all(r["why"] for r in d["inspection"]["reasons"])
    assert all(m["why"] for m in d["materials"]) and all(f["why"] for f in d["form"])


def test_negated_conditions_cite_the_answer_given_instead(demo):
    d = plan_for("kai-canyin", dict(CANYIN_NEW, cooking="cook_yes")).to_dict()
    drain = by_basic(d, DRAIN)
    assert {(b["question"], b["option"]) for b in drain["because"]} == {("cooking", "cook_yes"), ("area", "a150")}


def test_visits_are_zero_only_when_everything_is_online_and_posted(demo):
    kaiban = plan_for("kaiban-qiye", KAIBAN_LLC)
    assert kaiban.visits == 0
    newborn = plan_for("xinshenger-chusheng", {"birth_place": "born_local", "married": "married_yes",
                                               "settle_with": "with_father", "hukou": "hukou_local", "card": "card_no"})
    # 出生医学证明 is signed at the window only.
    assert newborn.visits == 1 and newborn.to_dict()["visits"]["items"]


def test_newborn_days_follow_the_chain_and_waivers_apply(demo):
    answers = {"birth_place": "born_local", "married": "married_yes", "settle_with": "with_father",
               "hukou": "hukou_local", "card": "card_yes"}
    d = plan_for("xinshenger-chusheng", answers).to_dict()
    assert d["days"]["total"] == 10  # the card (10) after the insurance after the household registration
    kinds = {m["kind"]: m for m in d["materials"]}
    assert "paternity_docs" not in kinds and "residence_permit" not in kinds
    assert kinds["birth_certificate"]["status"] == MaterialStatus.PRODUCED
    # The parents' household register is still asked for by 落户 itself (it is its input); the
    # insurance and vaccination items get the new entry that 落户 produces.
    register = kinds["household_register"]
    assert register["status"] == MaterialStatus.REQUEST
    statuses = {v["item"][-12:]: v["status"] for v in register["variants"]}
    assert statuses["000110701003"] == MaterialStatus.REQUEST
    assert statuses["000158705001"] == MaterialStatus.PRODUCED
    assert {w["kind"] for w in d["waived_materials"]} >= {"paternity_docs", "residence_permit"}


def test_fees_from_rules_and_items(demo):
    answers = {"property_use": "residential", "seller_home": "five_only", "old_mortgage": "mortgage_none",
               "loan": "pay_full", "withdraw": "withdraw_no", "buyer_marital": "buyer_single",
               "utilities": ["u_water", "u_gas"]}
    d = plan_for("ershoufang-guohu", answers).to_dict()
    assert d["fees"]["total"] == "80.00"
    assert d["fees"]["has_unpriced"]  # the items' own fee descriptions, to be charged per the guide
    assert {WATER, GAS} <= set(basics(d))
    assert material(d, "property_certificate")["status"] == MaterialStatus.REQUEST  # the seller's old certificate
    assert material(d, "marital_statement")["status"] == MaterialStatus.REQUEST


def test_plans_are_deterministic_and_ignore_answer_order(demo):
    first = plan_for("kaiban-qiye", KAIBAN_LLC).to_dict()
    shuffled = dict(reversed(list(KAIBAN_LLC.items())), seals=["seal_finance", "seal_official"])
    assert plan_for("kaiban-qiye", shuffled).to_dict() == first
    assert plan_for("kaiban-qiye", KAIBAN_LLC).to_dict() == first


def test_missing_required_answers_are_reported(demo):
    plan = plan_for("kaiban-qiye", {"company_type": "llc"})
    assert plan.missing == ["rep_present", "premises", "employees", "invoices"]
    assert not plan.complete
    assert plan.to_dict()["missing"][0] == {"question": "rep_present",
                                            "text": compiled_for("kaiban-qiye").question_by_code["rep_present"].text}


def test_it_refuses_unknown_questions_and_options(demo):
    with pytest.raises(AnswerError) as exc:
        plan_for("kaiban-qiye", {"nope": "x", "company_type": "bogus", "premises": ["own", "lease"]})
    assert set(exc.value.errors) == {"nope", "company_type", "premises"}
    assert exc.value.errors["premises"] == ["单选题只能选择一个选项"]


def test_an_unpublished_code_is_not_found(demo):
    with pytest.raises(ServiceNotPublished):
        plan_for("no-such-thing", {})


def test_the_demo_services_verify_clean_and_missing_items_are_listed(demo):
    assert demo.missing_items == []
    from onewindow.integrated.models import IntegratedService

    assert IntegratedService.objects.published().count() == 6
