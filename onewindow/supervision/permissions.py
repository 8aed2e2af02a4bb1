"""Who sees and acts on which handoffs. One rule for the inbox, the API, statistics and the case pages;
every write re-checks it inside its transaction after locking the handoff row.

- Liaisons (联络员) of a department: that department's handoffs, and the pool (records whose department is
  unclear), which they may claim for their department.
- Department heads (section head / leader bound to the department): the same, to follow up escalations.
- The approval bureau: the handoffs of every case it can see (Case.objects.visible_to), read-only.
- System administrators, county leaders and superusers: everything.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from onewindow.org.choices import Role
from onewindow.org.models import StaffRole

SUPERVISING_ROLES = (Role.LIAISON, Role.SECTION_HEAD, Role.LEADER)
HEAD_ROLES = (Role.SECTION_HEAD, Role.LEADER)


def _roles(user: Any) -> list[StaffRole]:
    return list(StaffRole.objects.filter(user=user))


def sees_everything(user: Any) -> bool:
    if user.is_superuser:
        return True
    return any(r.role == Role.SYSTEM_ADMIN or (r.role == Role.LEADER and not r.department_id) for r in _roles(user))


def liaison_departments(user: Any) -> set[int]:
    return {r.department_id for r in _roles(user) if r.role == Role.LIAISON and r.department_id}


def acting_departments(user: Any) -> set[int]:
    """Departments for which the user claims and answers handoffs: liaisons and department heads."""
    return {r.department_id for r in _roles(user) if r.role in SUPERVISING_ROLES and r.department_id}


def handoff_scope_filter(user: Any) -> Q:
    nothing = Q(pk__in=[])
    if user is None or not user.is_authenticated:
        return nothing
    roles = _roles(user)
    if any(r.role == Role.SYSTEM_ADMIN or (r.role == Role.LEADER and not r.department_id) for r in roles):
        return Q()
    q = nothing
    departments = {r.department_id for r in roles if r.role in SUPERVISING_ROLES and r.department_id}
    if departments:
        q |= Q(department_id__in=departments) | Q(department__isnull=True)
    if roles:
        from onewindow.cases.models import Case

        q |= Q(case_id__in=Case.objects.visible_to(user).values("pk"))
    return q


def can_claim(user: Any, handoff: Any, department_id: int | None) -> bool:
    if user.is_superuser:
        return True
    target = handoff.department_id or department_id
    return target is not None and target in acting_departments(user)


def can_answer(user: Any, handoff: Any) -> bool:
    if user.is_superuser:
        return True
    return handoff.department_id is not None and handoff.department_id in acting_departments(user)


def can_assign(user: Any) -> bool:
    """Routing a pool record to a department is the bureau's call: administrators and county leaders."""
    return sees_everything(user)


def is_supervision_user(user: Any) -> bool:
    return user.is_authenticated and (sees_everything(user) or bool(acting_departments(user)) or bool(_roles(user)))
