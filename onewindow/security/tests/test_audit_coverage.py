"""Security-relevant acts outside the services are audited too: logout, admin changes, permission changes."""

from __future__ import annotations

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from onewindow.audit.models import AuditEvent


def test_logout_is_audited(client, clerk):
    client.force_login(clerk)
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="logout", actor=clerk).exists()


def test_a_django_admin_change_is_audited(clerk, sysadmin):
    LogEntry.objects.create(user=sysadmin, content_type=ContentType.objects.get_for_model(clerk),
                            object_id=str(clerk.pk), object_repr="clerk", action_flag=CHANGE,
                            change_message="[]")
    event = AuditEvent.objects.get(action="admin_change")
    assert event.actor == sysadmin and event.object_id == str(clerk.pk)


def test_a_permission_change_is_audited(db):
    group = Group.objects.create(name="临时组")
    group.permissions.add(Permission.objects.get(codename="view_auditevent"))
    event = AuditEvent.objects.get(action="permission_changed", object_id=str(group.pk))
    assert event.data["relation"] == "group_permissions"
