from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    """E-licences under the single seal (一章审批): types, seals (SM2/SM3), licences, the licence library."""

    name = "onewindow.licences"
    label = "licences"
    verbose_name = _("电子证照")

    def ready(self) -> None:
        from onewindow.cases.models import Case
        from onewindow.cases.signals import case_decided, case_revoked
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions

        from . import services

        # Both signals are sent inside the case's transaction: the licence is written (or revoked) atomically
        # with the decision.
        case_decided.connect(services.on_case_decided, sender=Case, dispatch_uid="licences.issue_on_decision")
        case_revoked.connect(services.on_case_revoked, sender=Case, dispatch_uid="licences.revoke_on_case_revoked")
        register_role_permissions({
            Role.SYSTEM_ADMIN: ["licences.*"],
            Role.CATALOG_ADMIN: ["licences.view_*", "licences.add_licencetype", "licences.change_licencetype"],
            Role.SECTION_HEAD: ["licences.view_*"],
            Role.APPROVER: ["licences.view_licence", "licences.view_licencetype"],
            Role.CLERK: ["licences.view_licence", "licences.view_licencetype"],
            Role.LEADER: ["licences.view_*"],
        })
