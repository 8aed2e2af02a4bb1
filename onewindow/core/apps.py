from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Model-free shared code: validators, masking, API plumbing, health check."""

    name = "onewindow.core"
    label = "core"
    verbose_name = "核心"
