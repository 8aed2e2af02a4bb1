"""Every service-network write leaves an audit row in its own transaction; the audit log is append-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import RequestFactory

from onewindow.audit.models import AuditEvent
from onewindow.org import services
from onewindow.org.choices import CentreLevel, Role
from onewindow.org.models import Department, ServiceCentre
from onewindow.testing import credit_code

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def events(action: str):
    return AuditEvent.objects.filter(action=action)


def test_it_records_who_created_and_who_changed_a_centre(county, system_admin):
    centre = services.save_centre(actor=system_admin, centre=ServiceCentre(
        code="town-b", name="乙镇便民服务中心", level=CentreLevel.TOWNSHIP, parent=county, region_code="990001002"))
    centre.phone = "0000-1234567"
    services.save_centre(actor=system_admin, centre=centre)

    created, changed = events("centre_created").get(object_id=str(centre.pk)), events("centre_changed").get()
    assert (created.actor, created.object_type, created.summary) == (system_admin, "org.servicecentre", "乙镇便民服务中心")
    assert (changed.actor, changed.object_id) == (system_admin, str(centre.pk))


def test_it_records_a_department_being_created_and_changed(system_admin):
    department = services.save_department(actor=system_admin, department=Department(
        name="测试县税务局", credit_code=credit_code(9), region_code="990001"))
    department.phone = "12366"
    services.save_department(actor=system_admin, department=department)

    assert events("department_created").get().object_id == str(department.pk)
    assert events("department_changed").get().actor == system_admin


def test_it_records_a_role_being_assigned(outsider, county, system_admin):
    staff_role = services.assign_role(actor=system_admin, user=outsider, role=Role.CLERK, centre=county)

    event = events("role_assigned").get(object_id=str(staff_role.pk))
    assert (event.actor, event.object_type, event.object_id, event.data) == (
        system_admin, "org.staffrole", str(staff_role.pk), {"role": "clerk"})


def test_it_records_a_staff_user_being_created(system_admin):
    user = services.create_staff_user(actor=system_admin, username="wang", password="Wang-pass-2026!",
                                      full_name="王小明")

    assert user.is_staff and user.first_name == "王小明"
    assert events("staff_user_created").get().object_id == str(user.pk)


def test_it_refuses_a_taken_username_and_records_nothing(system_admin):
    with pytest.raises(ValidationError):
        services.create_staff_user(actor=system_admin, username="sysadmin", password="X-pass-2026!", full_name="重名")

    assert not events("staff_user_created").exists()


def test_it_records_no_actor_for_a_system_write(county):
    assert events("centre_created").get(object_id=str(county.pk)).actor is None


def test_it_writes_no_audit_row_when_the_write_is_refused(county):
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationError):
        services.save_centre(actor=None, centre=ServiceCentre(code="x", name="x", level=CentreLevel.TOWNSHIP,
                                                              region_code="990001"))

    assert AuditEvent.objects.count() == before


def test_it_rolls_the_audit_row_back_with_the_write_it_describes(county):
    before = AuditEvent.objects.count()

    with pytest.raises(Boom), transaction.atomic():
        services.save_centre(actor=None, centre=ServiceCentre(
            code="town-b", name="乙镇", level=CentreLevel.TOWNSHIP, parent=county, region_code="990001002"))
        raise Boom

    assert not ServiceCentre.objects.filter(code="town-b").exists()
    assert AuditEvent.objects.count() == before


# -- append-only in the admin ------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="Root-pass-2026!")


def test_it_gives_nobody_not_even_a_superuser_add_change_or_delete_in_the_admin(superuser, county):
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/admin/audit/auditevent/")
    request.user = superuser
    event = AuditEvent.objects.first()

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert model_admin.has_view_permission(request, event) is True


def test_it_refuses_to_delete_an_audit_row_through_the_admin(client, superuser, county):
    event = AuditEvent.objects.first()
    client.force_login(superuser)

    response = client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_refuses_to_change_an_audit_row_through_the_admin(client, superuser, county):
    event = AuditEvent.objects.first()
    client.force_login(superuser)

    response = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "tampered", "summary": "x"})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "centre_created"


def test_it_shows_the_audit_log_read_only_to_a_superuser(client, superuser, county):
    event = AuditEvent.objects.first()
    client.force_login(superuser)

    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
