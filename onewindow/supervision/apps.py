from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Supervision handoffs (审管联动) and registration notices (双告知): every decision reaches its supervising
    departments in the decision's own transaction, is claimed within working days, escalates when it is not,
    and comes back with feedback the bureau sees on the case."""

    name = "onewindow.supervision"
    label = "supervision"
    verbose_name = _("审管联动")

    def ready(self) -> None:
        from onewindow.cases.signals import case_accepted, case_decided, case_revoked
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions

        from . import receivers

        case_decided.connect(receivers.on_case_decided, dispatch_uid="supervision_case_decided")
        case_revoked.connect(receivers.on_case_revoked, dispatch_uid="supervision_case_revoked")
        case_accepted.connect(receivers.on_case_accepted, dispatch_uid="supervision_case_accepted")
        view = ["supervision.view_handoff", "supervision.view_handofffeedback"]
        register_role_permissions({
            Role.LIAISON: [*view, "supervision.claim_handoff"],
            Role.SECTION_HEAD: [*view, "supervision.claim_handoff"],
            Role.LEADER: view,
            Role.APPROVER: view,
            Role.CLERK: ["supervision.view_registrationnotice"],
            Role.CATALOG_ADMIN: ["supervision.*"],
            Role.SYSTEM_ADMIN: ["supervision.*"],
        })
