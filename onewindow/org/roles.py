"""Role → Django group → permissions. Permissions come from groups, never from ad-hoc flags.

Each app lists the permissions its screens and API need per role; `sync_role_groups` runs after
every migrate so a new model's permissions reach the right groups without a manual step.
"""

from __future__ import annotations

from typing import Any

from .choices import Role

# "app_label.codename" or "app_label.*" (every permission of the app) or "app_label.view_*".
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CLERK: ["catalog.view_*", "org.view_*", "workdays.view_*"],
    Role.APPROVER: ["catalog.view_*", "org.view_*", "workdays.view_*"],
    Role.SECTION_HEAD: ["catalog.view_*", "org.view_*", "workdays.view_*"],
    Role.LIAISON: ["catalog.view_*", "org.view_*"],
    Role.HALL_MANAGER: ["org.view_*", "org.change_window", "org.add_window", "catalog.view_*", "workdays.view_*"],
    Role.LEADER: ["catalog.view_*", "org.view_*", "workdays.view_*", "audit.view_auditevent"],
    Role.CATALOG_ADMIN: ["catalog.*", "workdays.*", "org.view_*"],
    Role.SYSTEM_ADMIN: ["org.*", "catalog.*", "workdays.*", "audit.view_auditevent", "auth.view_user",
                        "auth.add_user", "auth.change_user"],
}


_ROLES_MEMO = "_onewindow_staff_roles"


def remember_roles_for_request(user: Any) -> None:
    """Mark request.user so that staff_roles() reads its roles once for the whole request (called by the staff
    session middleware). A staff page asked for them three or four times — the header, the case scope,
    personal-data access, the delivery alert — each a query. A user object that did not come from a request
    is never memoised, so code that changes roles and reads them back (tests, commands) sees the change."""
    setattr(user, _ROLES_MEMO, None)


def staff_roles(user: Any) -> list[Any]:
    """The user's StaffRole rows (an empty list for anonymous users)."""
    from .models import StaffRole

    if not getattr(user, "is_authenticated", False):
        return []
    memo: list[Any] | None | bool = getattr(user, _ROLES_MEMO, False)
    if isinstance(memo, list):
        return memo
    roles = list(StaffRole.objects.filter(user=user))
    if memo is None:  # request.user, marked by the middleware
        setattr(user, _ROLES_MEMO, roles)
    return roles


def register_role_permissions(extra: dict[str, list[str]]) -> None:
    """Later apps (cases, hall, …) add their permissions here from their AppConfig.ready()."""
    for role, perms in extra.items():
        ROLE_PERMISSIONS.setdefault(role, [])
        for perm in perms:
            if perm not in ROLE_PERMISSIONS[role]:
                ROLE_PERMISSIONS[role].append(perm)


def _resolve(pattern: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Permission

    app_label, codename = pattern.split(".", 1)
    qs = Permission.objects.filter(content_type__app_label=app_label)
    if codename == "*":
        return qs
    if codename.endswith("*"):
        return qs.filter(codename__startswith=codename[:-1])
    return qs.filter(codename=codename)


def sync_role_groups(**kwargs: Any) -> None:
    """Create one group per role and give it exactly the listed permissions (idempotent)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group
    from django.db import DEFAULT_DB_ALIAS

    # post_migrate reaches org before the apps listed after it (workdays, catalog, …) have had their
    # permissions created, so on a fresh database their groups came out empty. Create them all first.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", DEFAULT_DB_ALIAS))
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.label)
        perms = set()
        for pattern in ROLE_PERMISSIONS.get(role, []):
            perms.update(_resolve(pattern))
        group.permissions.set(perms)


def group_for(role: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=Role(role).label)
    return group
