from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """The service network: centres, departments, sections, windows, staff roles."""

    name = "onewindow.org"
    label = "org"
    verbose_name = _("服务网络")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self)
