from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Loads a county's data (the demo county by default) from a data file: no place names in code."""

    name = "onewindow.demo"
    label = "demo"
    verbose_name = _("演示数据")
