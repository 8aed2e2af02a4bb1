"""Who works in which hall. Clerks and hall managers act in the centres of their roles; superusers anywhere."""

from __future__ import annotations

from typing import Any

from onewindow.org.choices import Role
from onewindow.org.models import ServiceCentre, StaffRole

HALL_ROLES = (Role.CLERK, Role.HALL_MANAGER)


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def works_in(user: Any, centre: ServiceCentre | int) -> bool:
    """A clerk or hall manager of the centre (may call tickets, book for applicants, check people in)."""
    if not _authenticated(user):
        return False
    if user.is_superuser:
        return True
    centre_id = getattr(centre, "pk", centre)
    return StaffRole.objects.filter(user=user, role__in=HALL_ROLES, centre_id=centre_id).exists()


def manages(user: Any, centre: ServiceCentre | int) -> bool:
    """A hall manager of the centre (releases windows, sees statistics)."""
    if not _authenticated(user):
        return False
    if user.is_superuser:
        return True
    centre_id = getattr(centre, "pk", centre)
    return StaffRole.objects.filter(user=user, role=Role.HALL_MANAGER, centre_id=centre_id).exists()


def hall_centres(user: Any) -> list[ServiceCentre]:
    """Centres whose hall the user works in, for pickers."""
    if not _authenticated(user):
        return []
    if user.is_superuser:
        return list(ServiceCentre.objects.active())
    ids = StaffRole.objects.filter(user=user, role__in=HALL_ROLES).values_list("centre_id", flat=True)
    return list(ServiceCentre.objects.active().filter(pk__in=ids))


def stats_centres(user: Any) -> list[ServiceCentre]:
    """Centres whose hall statistics the user may read: hall managers their centre, leaders their subtree."""
    if not _authenticated(user):
        return []
    if user.is_superuser:
        return list(ServiceCentre.objects.active())
    from onewindow.cases.permissions import _descendant_ids

    roles = StaffRole.objects.filter(user=user, role__in=[Role.HALL_MANAGER, Role.LEADER, Role.SYSTEM_ADMIN])
    ids: set[int] = set()
    for role in roles:
        if role.role == Role.SYSTEM_ADMIN or (role.role == Role.LEADER and role.centre_id is None
                                              and role.department_id is None):
            return list(ServiceCentre.objects.active())
        if role.centre_id:
            ids |= _descendant_ids({role.centre_id}) if role.role == Role.LEADER else {role.centre_id}
    return list(ServiceCentre.objects.active().filter(pk__in=ids))
