from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Transactional outbox: messages are written with the change that causes them and delivered after
    commit by workers, with retries and backoff, so nothing is lost when a receiver or worker is down."""

    name = "onewindow.outbox"
    label = "outbox"
    verbose_name = _("消息发件箱")
