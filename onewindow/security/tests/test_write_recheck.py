"""A write re-checks the actor's scope inside its transaction, after locking the row: a screen loaded while the
clerk still had the role does not let the action through once the role is gone."""

from __future__ import annotations

import pytest

from onewindow.cases import services
from onewindow.cases.tests.api_world import World
from onewindow.core.errors import ForbiddenError
from onewindow.org import services as org_services
from onewindow.org.models import StaffRole

pytestmark = pytest.mark.django_db


def test_a_clerk_whose_role_was_revoked_cannot_accept(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = World()
    case = world.case("received")
    clerk = world.user("clerk")
    client = world.client("clerk")
    assert client.get(f"/staff/cases/{case.number}/").status_code == 200  # the screen was open
    org_services.revoke_role(actor=None, staff_role=StaffRole.objects.get(user=clerk))
    with pytest.raises(ForbiddenError):
        services.accept_case(actor=clerk, case=case)
    case.refresh_from_db()
    assert case.status == "received"


def test_an_approver_moved_to_another_section_cannot_decide(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = World()
    case = world.case("in_review")
    approver = world.user("approver")
    org_services.revoke_role(actor=None, staff_role=StaffRole.objects.get(user=approver))
    with pytest.raises(ForbiddenError):
        services.decide_case(actor=approver, case=case, approve=True, opinion="准予")
