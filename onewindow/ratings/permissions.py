"""Who sees and handles ratings and follow-ups: hall managers their centre, leaders their subtree, rated staff
their own; the same filter serves lists, the dashboard and every write (re-checked after locking)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from onewindow.org.choices import Role
from onewindow.org.models import ServiceCentre, StaffRole


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def dashboard_centre_ids(user: Any) -> list[int] | None:
    """Centres whose ratings the user may read in aggregate; None means all of them."""
    if not _authenticated(user):
        return []
    if user.is_superuser:
        return None
    from onewindow.cases.permissions import _descendant_ids

    ids: set[int] = set()
    for role in StaffRole.objects.filter(user=user, role__in=[Role.HALL_MANAGER, Role.LEADER, Role.SYSTEM_ADMIN]):
        if role.role == Role.SYSTEM_ADMIN or (role.role == Role.LEADER and not role.centre_id and not role.department_id):
            return None
        if role.centre_id:
            ids |= _descendant_ids({role.centre_id}) if role.role == Role.LEADER else {role.centre_id}
    return sorted(ids)


def follow_up_filter(user: Any) -> Q:
    """Follow-ups the user may see: their centres' (managers, leaders), those they handle, those about them."""
    if not _authenticated(user):
        return Q(pk__in=[])
    centres = dashboard_centre_ids(user)
    if centres is None:
        return Q()
    return Q(centre_id__in=centres) | Q(handler=user) | Q(rating__staff=user)


def manages(user: Any, centre: ServiceCentre | int) -> bool:
    if not _authenticated(user):
        return False
    if user.is_superuser:
        return True
    centre_id = getattr(centre, "pk", centre)
    return StaffRole.objects.filter(user=user, role=Role.HALL_MANAGER, centre_id=centre_id).exists()


def can_handle(user: Any, follow_up: Any) -> bool:
    """The named handler, or a hall manager of the rating's centre."""
    if not _authenticated(user):
        return False
    return follow_up.handler_id == user.pk or manages(user, follow_up.centre_id)
