from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Cases (办件): intake at any window, back-office decisions within working days, QR tracking."""

    name = "onewindow.cases"
    label = "cases"
    verbose_name = _("办件")

    def ready(self) -> None:
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions

        register_role_permissions({
            Role.CLERK: ["cases.view_case", "cases.intake_case", "cases.view_applicant"],
            Role.APPROVER: ["cases.view_case", "cases.review_case"],
            Role.SECTION_HEAD: ["cases.view_case", "cases.review_case", "cases.export_case"],
            Role.LEADER: ["cases.view_case", "cases.export_case"],
            Role.HALL_MANAGER: ["cases.view_case"],
            Role.LIAISON: ["cases.view_case"],
            Role.SYSTEM_ADMIN: ["cases.view_case", "cases.export_case"],
        })
