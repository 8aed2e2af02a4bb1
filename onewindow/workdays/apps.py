from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """The working-day calendar every deadline uses."""

    name = "onewindow.workdays"
    label = "workdays"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .calendar import invalidate_calendars
        from .models import CalendarDay, CalendarYear
        from .selectors import forget_calendar_warnings

        for model in (CalendarDay, CalendarYear):
            post_save.connect(invalidate_calendars, sender=model, dispatch_uid=f"wd-save-{model.__name__}")
            post_delete.connect(invalidate_calendars, sender=model, dispatch_uid=f"wd-del-{model.__name__}")
        post_save.connect(forget_calendar_warnings, sender=CalendarYear, dispatch_uid="wd-warn-save")
        post_delete.connect(forget_calendar_warnings, sender=CalendarYear, dispatch_uid="wd-warn-del")
