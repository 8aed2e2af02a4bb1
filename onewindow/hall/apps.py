from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallConfig(AppConfig):
    """The service hall (服务大厅): queue categories, tickets, calling, the display board, appointments."""

    name = "onewindow.hall"
    label = "hall"
    verbose_name = _("服务大厅")

    def ready(self) -> None:
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions

        register_role_permissions({
            Role.CLERK: ["hall.view_ticket", "hall.call_ticket", "hall.view_queuecategory", "hall.view_appointment",
                         "hall.book_for_applicant"],
            Role.HALL_MANAGER: ["hall.*"],
            Role.LEADER: ["hall.view_*", "hall.view_hall_stats"],
            Role.SYSTEM_ADMIN: ["hall.*"],
        })
