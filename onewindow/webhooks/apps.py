from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound delivery (对外推送): webhooks of external systems (signed, idempotent, at-least-once through the
    outbox), in-app messages to staff, and the alert administrators see when a message's retries run out."""

    name = "onewindow.webhooks"
    label = "webhooks"
    verbose_name = _("对外推送与消息")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from onewindow.cases.models import CaseEvent
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions
        from onewindow.outbox.services import register_handler
        from onewindow.outbox.signals import message_dead

        from . import receivers
        from .services import deliver_webhook

        register_handler("webhook", deliver_webhook)
        post_save.connect(receivers.publish_case_event, sender=CaseEvent, dispatch_uid="webhooks_case_event")
        message_dead.connect(receivers.alert_dead_message, dispatch_uid="webhooks_dead_alert")
        register_role_permissions({
            Role.SYSTEM_ADMIN: ["webhooks.*", "outbox.view_outboxmessage"],
        })
