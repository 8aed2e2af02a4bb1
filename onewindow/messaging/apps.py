from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """The messaging interface (SMS). Backends are pluggable; delivery goes through the outbox."""

    name = "onewindow.messaging"
    label = "messaging"
    verbose_name = _("短信接口")

    def ready(self) -> None:
        from onewindow.outbox.services import register_handler

        from .sms import deliver_sms_message

        register_handler("sms", deliver_sms_message)
