"""Writes to the service network. Each is one transaction with its audit event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event

from .models import Department, Section, ServiceCentre, StaffRole
from .roles import group_for, sync_role_groups


@transaction.atomic
def assign_role(
    *, actor: Any, user: Any, role: str, centre: ServiceCentre | None = None,
    department: Department | None = None, section: Section | None = None,
) -> StaffRole:
    """Give `user` a role in a scope and the matching group; idempotent for the same scope."""
    if section is not None and department is None:
        department = section.department
    existing = StaffRole.objects.filter(user=user, role=role, centre=centre, department=department, section=section).first()
    if existing:
        return existing
    staff_role = StaffRole(user=user, role=role, centre=centre, department=department, section=section)
    staff_role.full_clean()
    staff_role.save()
    group = group_for(role)
    if not group.permissions.exists():
        sync_role_groups()
    user.groups.add(group)
    if not user.is_staff:
        # Every role holder is staff; what they may see in the admin is decided by group permissions.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    record_event(actor=actor, action="role_assigned", obj=staff_role, summary=str(staff_role), data={"role": role})
    return staff_role


@transaction.atomic
def revoke_role(*, actor: Any, staff_role: StaffRole) -> None:
    user = staff_role.user
    role = staff_role.role
    record_event(actor=actor, action="role_revoked", obj=staff_role, summary=str(staff_role), data={"role": role})
    staff_role.delete()
    if not StaffRole.objects.filter(user=user, role=role).exists():
        user.groups.remove(group_for(role))


@transaction.atomic
def save_centre(*, actor: Any, centre: ServiceCentre) -> ServiceCentre:
    centre.full_clean()
    created = centre.pk is None
    centre.save()
    record_event(actor=actor, action="centre_created" if created else "centre_changed", obj=centre, summary=centre.name)
    return centre


@transaction.atomic
def save_department(*, actor: Any, department: Department) -> Department:
    department.full_clean()
    created = department.pk is None
    department.save()
    record_event(
        actor=actor, action="department_created" if created else "department_changed", obj=department,
        summary=department.name,
    )
    return department


def create_staff_user(*, actor: Any, username: str, password: str, full_name: str) -> Any:
    """A staff account (the display name goes into first_name: Chinese names are not split)."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名已存在。")})
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, first_name=full_name, is_staff=True)
        record_event(actor=actor, action="staff_user_created", obj=user, summary=username)
    return user
