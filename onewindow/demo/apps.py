from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Loads a county's data (the demo county by default) from a data file: no place names in code."""

    name = "onewindow.demo"
    label = "demo"
    verbose_name = "演示数据"
