from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Service items (事项), their materials and their published guides (办事指南)."""

    name = "onewindow.catalog"
    label = "catalog"
    verbose_name = "事项目录"
