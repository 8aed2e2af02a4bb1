from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The applicant portal: browse and search the catalog, read guides, print the one-time notice."""

    name = "onewindow.portal"
    label = "portal"
    verbose_name = _("办事门户")
