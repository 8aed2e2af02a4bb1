from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharedDataConfig(AppConfig):
    """Shared data by ID (数据跑): declared data sources, an audited gateway, adapters, prefill."""

    name = "onewindow.shareddata"
    label = "shareddata"
    verbose_name = _("共享数据")

    def ready(self) -> None:
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions

        register_role_permissions({
            Role.SYSTEM_ADMIN: ["shareddata.*"],
            Role.LEADER: ["shareddata.view_*"],
            Role.CLERK: ["shareddata.view_datasource"],
            Role.APPROVER: ["shareddata.view_datasource"],
        })
