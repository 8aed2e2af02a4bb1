from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import DayKind, YearSource


class CalendarYear(models.Model):
    """A year whose official schedule is known. Years without a row use the provisional calendar."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=YearSource.choices, default=YearSource.MANUAL)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"


class CalendarDay(models.Model):
    """A deviation from the Monday–Friday rule: a rest day on a weekday or a make-up working day on a weekend.

    Rows with no centre are national; a row with a centre overrides that date for that centre only.
    """

    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)
    centre = models.ForeignKey(
        "org.ServiceCentre", verbose_name=_("适用中心"), null=True, blank=True, on_delete=models.CASCADE,
        help_text=_("留空表示全国通用；填写则仅对该中心生效。"),
    )

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date"], condition=Q(centre__isnull=True), name="calendar_day_national_unique"),
            models.UniqueConstraint(
                fields=["date", "centre"], condition=Q(centre__isnull=False), name="calendar_day_centre_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
