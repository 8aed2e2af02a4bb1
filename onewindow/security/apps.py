from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "onewindow.security"
    label = "security"
    verbose_name = "安全"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (login / logout audit and the single active session)
