"""Administrators see who may do what: each role, its permissions and its holders with their scope."""

from __future__ import annotations

from django.urls import reverse


def test_the_system_administrator_sees_roles_permissions_and_people(client, clerk, sysadmin):
    client.force_login(sysadmin)
    page = client.get(reverse("security:access")).content.decode()
    assert 'data-role="clerk"' in page and "clerk" in page and "测试县" in page  # the clerk and their centre
    assert "audit.view_auditevent" in page  # a permission of the system administrator's group


def test_a_clerk_may_not_see_it(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("security:access")).status_code == 403
