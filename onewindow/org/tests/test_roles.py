"""Staff roles: each role bound to the scope it needs, its permissions coming from the role's group."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.org import services
from onewindow.org.choices import Role
from onewindow.org.models import StaffRole
from onewindow.org.roles import group_for
from onewindow.testing import make_department, make_user

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user reloaded, so permission checks do not read a stale per-object cache."""
    return get_user_model().objects.get(pk=user.pk)


def nothing_written(user) -> bool:
    return (not StaffRole.objects.filter(user=user).exists() and not fresh(user).groups.exists()
            and not AuditEvent.objects.filter(action="role_assigned").exists())


@pytest.mark.parametrize("role", [Role.CLERK, Role.HALL_MANAGER])
def test_it_refuses_a_centre_role_without_a_centre(outsider, department, role):
    with pytest.raises(ValidationError) as caught:
        services.assign_role(actor=None, user=outsider, role=role, department=department)

    assert set(caught.value.message_dict) == {"centre"}
    assert nothing_written(outsider)


@pytest.mark.parametrize("role", [Role.APPROVER, Role.SECTION_HEAD, Role.LIAISON])
def test_it_refuses_a_department_role_without_a_department(outsider, county, role):
    with pytest.raises(ValidationError) as caught:
        services.assign_role(actor=None, user=outsider, role=role, centre=county)

    assert set(caught.value.message_dict) == {"department"}
    assert nothing_written(outsider)


def test_it_refuses_a_section_of_another_department(outsider, department):
    other = make_department(2, "测试县税务局")

    with pytest.raises(ValidationError) as caught:
        services.assign_role(actor=None, user=outsider, role=Role.APPROVER, department=department,
                             section=other.sections.get())

    assert set(caught.value.message_dict) == {"section"}
    assert nothing_written(outsider)


def test_it_takes_the_department_from_the_section(outsider, department):
    section = department.sections.get()

    staff_role = services.assign_role(actor=None, user=outsider, role=Role.APPROVER, section=section)

    assert (staff_role.department, staff_role.section) == (department, section)


def test_it_gives_a_role_needing_no_scope_without_one(outsider):
    staff_role = services.assign_role(actor=None, user=outsider, role=Role.CATALOG_ADMIN)

    assert (staff_role.centre, staff_role.department, staff_role.section) == (None, None, None)


def test_it_is_idempotent_for_the_same_scope(outsider, county, system_admin):
    first = services.assign_role(actor=system_admin, user=outsider, role=Role.CLERK, centre=county)
    second = services.assign_role(actor=system_admin, user=outsider, role=Role.CLERK, centre=county)

    assert first.pk == second.pk
    assert StaffRole.objects.filter(user=outsider).count() == 1
    assert AuditEvent.objects.filter(action="role_assigned", object_id=str(first.pk)).count() == 1


def test_it_gives_the_same_role_in_a_second_scope_as_a_second_row(outsider, county, township):
    services.assign_role(actor=None, user=outsider, role=Role.CLERK, centre=county)
    services.assign_role(actor=None, user=outsider, role=Role.CLERK, centre=township)

    assert StaffRole.objects.filter(user=outsider, role=Role.CLERK).count() == 2


def test_it_puts_the_user_in_the_roles_group_and_makes_them_staff(outsider, county):
    services.assign_role(actor=None, user=outsider, role=Role.CLERK, centre=county)

    user = fresh(outsider)
    assert user.is_staff
    assert list(user.groups.all()) == [group_for(Role.CLERK)]


def test_it_lets_a_catalog_admin_change_items_but_not_a_clerk(county):
    catalog_admin = fresh(make_user("catalog-admin", Role.CATALOG_ADMIN))
    clerk = fresh(make_user("clerk", Role.CLERK, centre=county))

    assert catalog_admin.has_perm("catalog.change_serviceitem")
    assert catalog_admin.has_perm("workdays.add_calendarday")
    assert not clerk.has_perm("catalog.change_serviceitem")
    assert not clerk.has_perm("workdays.add_calendarday")
    assert clerk.has_perm("catalog.view_serviceitem")


def test_it_lets_a_system_admin_add_centres_but_not_a_catalog_admin(system_admin):
    catalog_admin = fresh(make_user("catalog-admin", Role.CATALOG_ADMIN))

    assert fresh(system_admin).has_perm("org.add_servicecentre")
    assert not catalog_admin.has_perm("org.add_servicecentre")


def test_it_takes_the_group_away_with_the_last_role_of_that_kind(outsider, county, system_admin):
    staff_role = services.assign_role(actor=None, user=outsider, role=Role.CLERK, centre=county)
    staff_role_id = staff_role.pk

    services.revoke_role(actor=system_admin, staff_role=staff_role)

    user = fresh(outsider)
    assert not StaffRole.objects.filter(user=user).exists()
    assert not user.groups.exists()
    assert not user.has_perm("catalog.view_serviceitem")
    event = AuditEvent.objects.get(action="role_revoked")
    assert (event.actor, event.object_id, event.data) == (system_admin, str(staff_role_id), {"role": "clerk"})


def test_it_keeps_the_group_while_the_role_remains_in_another_scope(outsider, county, township):
    first = services.assign_role(actor=None, user=outsider, role=Role.CLERK, centre=county)
    services.assign_role(actor=None, user=outsider, role=Role.CLERK, centre=township)

    services.revoke_role(actor=None, staff_role=first)

    assert list(fresh(outsider).groups.all()) == [group_for(Role.CLERK)]


def test_it_keeps_other_roles_groups_when_one_role_is_revoked(outsider, county):
    clerk_role = services.assign_role(actor=None, user=outsider, role=Role.CLERK, centre=county)
    services.assign_role(actor=None, user=outsider, role=Role.CATALOG_ADMIN)

    services.revoke_role(actor=None, staff_role=clerk_role)

    assert list(fresh(outsider).groups.all()) == [group_for(Role.CATALOG_ADMIN)]
    assert fresh(outsider).has_perm("catalog.change_serviceitem")


def test_a_staff_page_reads_the_users_roles_once_and_a_plain_user_object_never_caches_them():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onewindow.cases.tests.api_world import World
    from onewindow.org.roles import staff_roles

    world = World()
    client = world.client("clerk")
    client.get("/staff/cases/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/staff/cases/").status_code == 200
    role_queries = [q for q in captured.captured_queries if 'FROM "org_staffrole"' in q["sql"]]
    # The header, the case scope, personal-data access and the delivery alert share one read.
    assert len(role_queries) == 1, [q["sql"][:120] for q in role_queries]

    clerk = world.user("clerk")
    assert {r.role for r in staff_roles(clerk)} == {Role.CLERK}
    services.assign_role(actor=None, user=clerk, role=Role.LEADER)
    assert {r.role for r in staff_roles(clerk)} == {Role.CLERK, Role.LEADER}  # not memoised outside a request
