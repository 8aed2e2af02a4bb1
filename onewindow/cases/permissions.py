"""Who sees and acts on which cases. The same rules serve lists, details, exports and statistics,
and every write re-checks them inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from onewindow.org.choices import Role
from onewindow.org.models import ServiceCentre, StaffRole
from onewindow.org.roles import staff_roles


def _descendant_ids(centre_ids: set[int]) -> set[int]:
    """A centre and everything below it (the tree is small: a county has hundreds of centres)."""
    result = set(centre_ids)
    frontier = set(centre_ids)
    while frontier:
        children = set(ServiceCentre.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - result
        result |= children
        frontier = children
    return result


def case_scope_filter(user: Any) -> Q:
    """A Q object selecting the cases `user` may see. Nothing for anonymous users."""
    nothing = Q(pk__in=[])
    if user is None or not user.is_authenticated:
        return nothing
    if user.is_superuser:
        return Q()
    roles = staff_roles(user)
    if not roles:
        # An applicant: only their own cases.
        return Q(applicant__user=user)
    q = nothing
    for role in roles:
        if role.role == Role.CLERK or role.role == Role.HALL_MANAGER:
            # Clerks see what their centre received and what it handles (forwarded to it).
            q |= Q(centre_id=role.centre_id) | Q(handling_centre_id=role.centre_id)
        elif role.role in (Role.APPROVER, Role.SECTION_HEAD):
            if role.section_id:
                q |= Q(section_id=role.section_id)
            elif role.department_id:
                q |= Q(department_id=role.department_id)
        elif role.role == Role.LEADER:
            if role.centre_id:
                ids = _descendant_ids({role.centre_id})
                q |= Q(centre_id__in=ids) | Q(handling_centre_id__in=ids)
            elif role.department_id:
                q |= Q(department_id=role.department_id)
            else:
                return Q()
        elif role.role == Role.SYSTEM_ADMIN:
            return Q()
        elif role.role == Role.LIAISON and role.department_id:
            # Supervisors see every case handed to their department (审管联动), and their own department's
            # decided cases. A subquery, not a join, so that several handoffs of one case give one row.
            from onewindow.supervision.models import Handoff

            q |= Q(pk__in=Handoff.objects.filter(department_id=role.department_id).values("case_id"))
            q |= Q(department_id=role.department_id, status__in=["approved", "approved_pending", "denied", "revoked"])
    return q


def roles_of(user: Any) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(StaffRole.objects.filter(user=user).values_list("role", flat=True))


def can_intake(user: Any, centre: ServiceCentre) -> bool:
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(user=user, role=Role.CLERK, centre=centre).exists()


def can_review(user: Any, case: Any) -> bool:
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(
        Q(section_id=case.section_id) | Q(section__isnull=True, department_id=case.department_id),
        user=user, role__in=[Role.APPROVER, Role.SECTION_HEAD],
    ).exists()


def can_approve(user: Any, case: Any) -> bool:
    """The final 批准 step of staged review needs a section head; single mode an approver is enough."""
    if user.is_superuser:
        return True
    roles = [Role.SECTION_HEAD] if case.review_stage == "approve" else [Role.APPROVER, Role.SECTION_HEAD]
    return StaffRole.objects.filter(
        Q(section_id=case.section_id) | Q(section__isnull=True, department_id=case.department_id),
        user=user, role__in=roles,
    ).exists()


def is_window_staff(user: Any, case: Any) -> bool:
    """Clerks at the receiving or handling centre (results are handed out at a unified window)."""
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(
        user=user, role=Role.CLERK, centre_id__in=[case.centre_id, case.handling_centre_id]
    ).exists()


def is_owner(user: Any, case: Any) -> bool:
    return user.is_authenticated and case.applicant.user_id == user.pk
