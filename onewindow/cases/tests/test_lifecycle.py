"""The lifecycle through the services, as a clerk and an approver would drive it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onewindow.cases import services
from onewindow.cases.choices import Action, DueState, MaterialStatus, Status
from onewindow.catalog.choices import CaseKind, ReviewMode
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.org.choices import CentreLevel, Role
from onewindow.testing import make_centre, make_county, make_department, make_item, make_user, person
from onewindow.workdays.calendar import get_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return make_county()


@pytest.fixture
def dept():
    return make_department()


@pytest.fixture
def item(dept):
    return make_item(dept, promised_days=5, statutory_days=20)


@pytest.fixture
def clerk(county):
    return make_user("clerk", Role.CLERK, centre=county)


@pytest.fixture
def approver(dept):
    return make_user("approver", Role.APPROVER, department=dept, section=dept.sections.first())


def _material_ids(item, deferrable=True):
    guide = item.guides.get(status="published")
    return [m["id"] for m in guide.materials if deferrable or m["necessity"] != "deferrable"]


def test_it_accepts_a_promised_case_with_one_deferred_material_and_approves_it(county, item, clerk, approver):
    ids = _material_ids(item, deferrable=False)
    deferrable_id = next(m["id"] for m in item.guides.get().materials if m["necessity"] == "deferrable")
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=ids).case
    assert case.status == Status.RECEIVED
    assert len(case.number) == 21 and case.number.startswith("990001")
    assert len(case.tracking_code) >= 22  # 128 bits, url-safe
    case = services.accept_case(actor=clerk, case=case, pending={deferrable_id: dt.date.today() + dt.timedelta(days=10)},
                                promise_text="本人承诺10日内补齐")
    assert case.status == Status.ACCEPTED and case.has_pending_materials
    expected_due = get_calendar().add_working_days(case.clock_start, 5).date
    assert case.due_date == expected_due
    case = services.start_review(actor=approver, case=case)
    case = services.decide_case(actor=approver, case=case, approve=True, opinion="符合条件，准予许可")
    assert case.status == Status.APPROVED_PENDING
    assert case.visits == 1
    actions = list(case.events.values_list("action", flat=True))
    assert actions == [Action.RECEIVE, Action.ACCEPT_PENDING, Action.START_REVIEW, Action.APPROVE]


def test_it_refuses_to_accept_when_a_required_material_is_missing(county, item, clerk):
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county).case
    with pytest.raises(ValidationError) as exc:
        services.accept_case(actor=clerk, case=case)
    assert "一次性补正告知" in str(exc.value)
    case.refresh_from_db()
    assert case.status == Status.RECEIVED and case.accepted_at is None


def test_a_correction_moves_the_due_date_by_exactly_the_paused_working_days(county, item, clerk, approver, monkeypatch):
    ids = _material_ids(item)
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county, received_material_ids=ids).case
    monday = dt.date(2026, 3, 2)
    monkeypatch.setattr(services, "_today", lambda: monday)
    from django.utils import timezone
    monkeypatch.setattr(services, "_now", lambda: timezone.make_aware(dt.datetime(2026, 3, 2, 10)))
    case = services.accept_case(actor=clerk, case=case)
    before = case.due_date
    assert before == dt.date(2026, 3, 9)
    case = services.start_review(actor=approver, case=case)
    services.request_correction(actor=approver, case=case, items=[{"material": "申请书", "problem": "缺少签字"}])
    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 3, 4))  # Wednesday: Tue+Wed paused
    case = services.receive_correction(actor=approver, case=case)
    assert case.status == Status.IN_REVIEW
    assert case.due_date == get_calendar().add_working_days(before, 2).date == dt.date(2026, 3, 11)


def test_an_instant_case_completes_in_one_sitting_with_one_visit(county, dept, clerk):
    instant = make_item(dept, basic_code="000123456001", name="个体户名称变更", promised_days=0, statutory_days=5,
                        case_kind=CaseKind.INSTANT)
    case = services.complete_instant(actor=clerk, item=instant, applicant=person(), centre=county,
                                     received_material_ids=_material_ids(instant))
    assert case.status == Status.APPROVED and case.delivered_at is not None
    assert case.visits == 1 and case.working_days_used == 0
    assert case.due_state() == DueState.DONE


def test_the_same_idempotency_key_gives_the_same_case(county, item, clerk):
    first = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county, idempotency_key="k-1")
    second = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county, idempotency_key="k-1")
    assert first.created and not second.created
    assert first.case.pk == second.case.pk


def test_a_second_clerk_acting_on_a_handled_case_gets_a_conflict(county, item, clerk):
    other = make_user("clerk2", Role.CLERK, centre=county)
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=_material_ids(item)).case
    stale_version = case.version
    services.accept_case(actor=clerk, case=case)
    with pytest.raises(ConflictError):
        services.refuse_case(actor=other, case=case, reason="材料不全", expected_version=stale_version)
    with pytest.raises(ConflictError):
        services.accept_case(actor=other, case=case)


def test_a_township_accepts_a_county_wide_item_and_forwards_it_to_the_county(county, dept):
    township = make_centre(county, "t1", CentreLevel.TOWNSHIP)
    item = make_item(dept, basic_code="000123456002", name="城乡居民养老保险参保登记", county_wide=True)
    clerk = make_user("tclerk", Role.CLERK, centre=township)
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=township,
                                 received_material_ids=_material_ids(item)).case
    assert case.channel == "township"
    case = services.accept_case(actor=clerk, case=case)
    assert case.handling_centre == county
    assert case.events.filter(action=Action.FORWARD).exists()


def test_a_township_cannot_take_an_item_that_is_not_county_wide(county, item):
    township = make_centre(county, "t2", CentreLevel.TOWNSHIP)
    clerk = make_user("tclerk2", Role.CLERK, centre=township)
    with pytest.raises(ValidationError):
        services.receive_case(actor=clerk, item=item, applicant=person(), centre=township)


def test_a_clerk_of_another_centre_cannot_accept(county, item, clerk):
    township = make_centre(county, "t3", CentreLevel.TOWNSHIP)
    outsider = make_user("outsider", Role.CLERK, centre=township)
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=_material_ids(item)).case
    with pytest.raises(ForbiddenError):
        services.accept_case(actor=outsider, case=case)


def test_staged_review_goes_undertake_check_approve(county, dept, clerk, approver):
    item = make_item(dept, basic_code="000123456003", name="建筑工程施工许可", review_mode=ReviewMode.STAGED)
    head = make_user("head", Role.SECTION_HEAD, department=dept, section=dept.sections.first())
    checker = make_user("checker", Role.APPROVER, department=dept, section=dept.sections.first())
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=_material_ids(item)).case
    case = services.accept_case(actor=clerk, case=case)
    case = services.start_review(actor=approver, case=case)
    with pytest.raises(ConflictError):
        services.decide_case(actor=head, case=case, approve=True, opinion="同意")
    case = services.review_case(actor=approver, case=case, opinion="材料齐全，建议准予")
    case = services.review_case(actor=checker, case=case, opinion="审核无误")
    with pytest.raises(ForbiddenError):
        services.decide_case(actor=approver, case=case, approve=True, opinion="同意")
    case = services.decide_case(actor=head, case=case, approve=True, opinion="批准")
    assert case.status == Status.APPROVED


def test_pending_materials_are_marked_and_can_be_fulfilled(county, item, clerk):
    deferrable_id = next(m["id"] for m in item.guides.get().materials if m["necessity"] == "deferrable")
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=_material_ids(item, deferrable=False)).case
    case = services.accept_case(actor=clerk, case=case, pending={deferrable_id: dt.date.today() + dt.timedelta(days=5)},
                                promise_text="承诺补齐")
    material = case.materials.get(guide_material_id=deferrable_id)
    assert material.status == MaterialStatus.PENDING
    case = services.fulfil_pending_material(actor=clerk, case=case, material=material)
    assert not case.has_pending_materials


def test_case_numbers_are_unique_and_ordered_and_bad_input_takes_none(county, item, clerk):
    """The serial is taken before the intake transaction (so clerks do not queue on it): a rejected
    applicant takes no number; one that fails later leaves a gap, never a duplicate."""
    first = services.receive_case(actor=clerk, item=item, applicant=person(1), centre=county).case
    bad = person(2)
    bad.cert_number = "123"
    with pytest.raises(ValidationError):
        services.receive_case(actor=clerk, item=item, applicant=bad, centre=county)
    second = services.receive_case(actor=clerk, item=item, applicant=person(3), centre=county).case
    assert len(first.number) == len(second.number) == 21
    assert int(second.number[-7:]) == int(first.number[-7:]) + 1  # the bad one took nothing
    day = dt.datetime.strptime(first.number[6:14], "%Y%m%d").date()
    numbers = {services.next_case_number(county, day) for _ in range(5)}
    assert len(numbers) == 5 and min(numbers) > second.number  # a gap after them, then later ones
