from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegratedConfig(AppConfig):
    """Integrated services (一件事): situation questions, rules over items, one plan, verification."""

    name = "onewindow.integrated"
    label = "integrated"
    verbose_name = _("一件事")

    def ready(self) -> None:
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions

        register_role_permissions({
            Role.CATALOG_ADMIN: ["integrated.*"],
            Role.SYSTEM_ADMIN: ["integrated.*"],
            Role.CLERK: ["integrated.view_*"],
            Role.APPROVER: ["integrated.view_*"],
            Role.SECTION_HEAD: ["integrated.view_*"],
            Role.LEADER: ["integrated.view_*"],
        })
