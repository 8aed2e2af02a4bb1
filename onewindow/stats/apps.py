from django.apps import AppConfig


class StatsConfig(AppConfig):
    """Leaders' statistics: daily counters kept incrementally from audited events, dashboards, exports."""

    name = "onewindow.stats"
    label = "stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions

        from . import receivers  # noqa: F401  (connects the event hooks)

        register_role_permissions({
            Role.LEADER: ["stats.view_dailycounter"],
            Role.SYSTEM_ADMIN: ["stats.view_dailycounter"],
        })
