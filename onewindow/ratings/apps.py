from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    """好差评: five-level ratings of halls, windows and cases; follow-up and rectification of bad ratings."""

    name = "onewindow.ratings"
    label = "ratings"
    verbose_name = _("好差评")

    def ready(self) -> None:
        from onewindow.org.choices import Role
        from onewindow.org.roles import register_role_permissions

        register_role_permissions({
            Role.CLERK: ["ratings.view_rating"],
            Role.HALL_MANAGER: ["ratings.*"],
            Role.LEADER: ["ratings.view_*", "ratings.view_rating_dashboard"],
            Role.SECTION_HEAD: ["ratings.view_rating"],
            Role.SYSTEM_ADMIN: ["ratings.*"],
        })
