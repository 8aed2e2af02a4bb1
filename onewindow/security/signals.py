"""Audit rows for logout and for permission changes made anywhere (admin, shell, services), and for every
Django-admin change (LogEntry)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event


@receiver(user_logged_in)
def start_idle_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # The idle clock starts at login, so the first requests after it need not write the session.
    from .middleware import LAST_SEEN

    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = time.time()


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    with transaction.atomic():
        record_event(actor=user, action="logout", obj=user, summary=_("退出登录"))


@receiver(post_save, sender=LogEntry)
def audit_admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    with transaction.atomic():
        record_event(actor=instance.user, action="admin_change", object_type=str(instance.content_type or ""),
                     object_id=str(instance.object_id or ""), summary=str(instance.object_repr)[:200],
                     data={"flag": instance.action_flag, "message": instance.get_change_message()[:500]})


def _audit_m2m(kind: str) -> Any:
    def handler(sender: Any, instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any) -> None:
        if action not in {"post_add", "post_remove", "post_clear"}:
            return
        with transaction.atomic():
            record_event(actor=None, action="permission_changed", obj=instance, summary=getattr(kwargs.get("model"), "__name__", ""),
                         data={"relation": kind, "change": action, "ids": sorted(pk_set or [])})

    return handler


User = get_user_model()
m2m_changed.connect(_audit_m2m("group_permissions"), sender=Group.permissions.through, weak=False,
                    dispatch_uid="audit_group_permissions")
m2m_changed.connect(_audit_m2m("user_groups"), sender=User.groups.through, weak=False,
                    dispatch_uid="audit_user_groups")
m2m_changed.connect(_audit_m2m("user_permissions"), sender=User.user_permissions.through, weak=False,
                    dispatch_uid="audit_user_permissions")
