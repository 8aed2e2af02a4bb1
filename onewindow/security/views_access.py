"""/staff/security/access/: who may do what — each role, its permissions, and the users holding it with their
scope. Administrators only (superusers and system administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from onewindow.org.choices import Role
from onewindow.org.models import StaffRole
from onewindow.webhooks.selectors import is_delivery_admin

# What each role may do on the screens, in words (the groups' model permissions cover the admin and API).
ROLE_ABILITIES: dict[str, str] = {
    Role.CLERK: "本中心窗口收件、受理、容缺、补正、不予受理、出件；本中心办件查询",
    Role.APPROVER: "本科室待办审查、决定；本科室办件查询",
    Role.SECTION_HEAD: "分级审批的批准环节、撤销、导出；本科室办件",
    Role.LIAISON: "本部门监管认领、反馈；移交本部门的办件",
    Role.HALL_MANAGER: "窗口、排队叫号、预约、大厅统计；本中心办件",
    Role.LEADER: "全部（或所辖范围）办件、导出、统计、好差评",
    Role.CATALOG_ADMIN: "事项、材料、办事指南、一件事、工作日历（管理后台）",
    Role.SYSTEM_ADMIN: "服务网络、人员与角色、审计日志、对外推送、解除登录锁定",
}


@login_required
def access_view(request: Any) -> Any:
    if not is_delivery_admin(request.user):
        raise PermissionDenied("仅系统管理员可以查看权限分配。")
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions__content_type")}
    holders: dict[str, list[StaffRole]] = {}
    for staff_role in StaffRole.objects.select_related("user", "centre", "department", "section").order_by(
            "role", "user__username"):
        holders.setdefault(staff_role.role, []).append(staff_role)
    rows = []
    for role in Role:
        group = groups.get(str(role.label))
        perms = sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()) if group else []
        rows.append({"role": role, "abilities": ROLE_ABILITIES.get(role, ""), "permissions": perms,
                     "holders": holders.get(role, [])})
    from django.contrib.auth import get_user_model

    superusers = list(get_user_model()._default_manager.filter(is_superuser=True, is_active=True).order_by("username"))
    return render(request, "security/access.html", {"rows": rows, "superusers": superusers})
