from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Service items (事项), their materials and their published guides (办事指南)."""

    name = "onewindow.catalog"
    label = "catalog"
    verbose_name = _("事项目录")
