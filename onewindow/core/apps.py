from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Model-free shared code: validators, masking, API plumbing, health check."""

    name = "onewindow.core"
    label = "core"
    verbose_name = _("核心")
