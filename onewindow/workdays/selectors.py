from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarYear


def _warnings_key(today: dt.date) -> str:
    return f"workdays:warnings:{today.isoformat()}"


def forget_calendar_warnings(**kwargs: object) -> None:
    """Drop today's cached warnings when a year is added or removed, so the banner goes at once."""
    cache.delete(_warnings_key(timezone.localdate()))


def calendar_warnings(today: dt.date | None = None) -> list[str]:
    """Warnings for administrators: this year or (near year-end) next year has no official schedule."""
    today = today or timezone.localdate()
    key = _warnings_key(today)
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    known = set(CalendarYear.objects.filter(year__in=[today.year, today.year + 1]).values_list("year", flat=True))
    warnings: list[str] = []
    if today.year not in known:
        warnings.append(
            _("%(y)d 年的工作日历尚未导入，期限按临时日历（周末+法定节假日，不含调休）计算，请尽快导入。") % {"y": today.year}
        )
    days_left = (dt.date(today.year + 1, 1, 1) - today).days
    if today.year + 1 not in known and days_left <= settings.ONEWINDOW_CALENDAR_WARN_DAYS:
        warnings.append(
            _("%(y)d 年的工作日历尚未导入。跨年的办理期限目前按临时日历计算，国务院办公厅公布放假安排后请导入。")
            % {"y": today.year + 1}
        )
    cache.set(key, warnings, 60)
    return warnings
