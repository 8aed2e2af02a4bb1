from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The applicant portal: browse and search the catalog, read guides, print the one-time notice."""

    name = "onewindow.portal"
    label = "portal"
    verbose_name = "办事门户"
