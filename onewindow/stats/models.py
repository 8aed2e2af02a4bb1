"""Aggregates for leaders' statistics.

DailyCounter is the only table the dashboard reads: one row per day × receiving centre × department × item ×
channel × staff member, one additive column per Metric. Any period and any slice is a SUM over these rows;
the cases table is never scanned at query time.

StatFact remembers, per source object (a case, a rating, a handoff, a shared-data call), what it currently
contributes to the counters. When the object changes, the new contribution is computed and only the
difference is added, so a later change (a pickup visit after completion, a follow-up closed weeks after the
rating) corrects the row of the day it belongs to.

StatBacklog is the queue between the two: a row written in the business transaction (so a committed change
is never forgotten), drained after commit by `services.flush`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import FactKind


class Metrics(models.Model):
    """The additive columns every counter table carries, one per choices.METRICS entry."""

    received = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    instant = models.IntegerField(default=0)
    timed = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    wd_count = models.IntegerField(default=0)
    wd_sum = models.IntegerField(default=0)
    at_most_once = models.IntegerField(default=0)
    zero_visit = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    ems = models.IntegerField(default=0)
    weekend = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    bad = models.IntegerField(default=0)
    bad_followed = models.IntegerField(default=0)
    handoffs = models.IntegerField(default=0)
    claimed = models.IntegerField(default=0)
    integrated = models.IntegerField(default=0)
    data_calls = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DailyCounter(Metrics):
    # Plain integer ids, 0 meaning "none", instead of nullable foreign keys: NULLs never collide in a unique
    # index, and the upsert (INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n) needs a key that does.
    day = models.DateField(_("日期"))
    centre_id = models.PositiveIntegerField(_("收件中心"), default=0)
    department_id = models.PositiveIntegerField(_("部门"), default=0)
    item_id = models.PositiveIntegerField(_("事项"), default=0)
    channel = models.CharField(_("渠道"), max_length=12, blank=True, default="")
    staff_id = models.PositiveIntegerField(_("工作人员"), default=0)

    class Meta:
        verbose_name = _("日统计")
        verbose_name_plural = _("日统计")
        constraints = [
            # Leading `day` also serves every period query (a range scan on day).
            models.UniqueConstraint(fields=["day", "centre_id", "department_id", "item_id", "channel", "staff_id"],
                                    name="stats_daily_key"),
        ]
        indexes = [models.Index(fields=["centre_id", "day"], name="stats_daily_centre_idx")]

    def __str__(self) -> str:
        return f"{self.day} c{self.centre_id} i{self.item_id} {self.channel}"


class MonthlyCounter(Metrics):
    """The same sums rolled up to month × centre × department × item × channel (no staff, no day).

    A county-year is hundreds of thousands of daily rows (every clerk × item × channel × day that saw a case)
    but only tens of thousands of monthly ones, so a month or year view that is not split by staff or by day
    reads this table. It is kept by the same upsert as DailyCounter, in the same transaction, and rebuilt with it.
    """

    month = models.DateField(_("月份"))  # the first day of the month
    centre_id = models.PositiveIntegerField(_("收件中心"), default=0)
    department_id = models.PositiveIntegerField(_("部门"), default=0)
    item_id = models.PositiveIntegerField(_("事项"), default=0)
    channel = models.CharField(_("渠道"), max_length=12, blank=True, default="")

    class Meta:
        verbose_name = _("月统计")
        verbose_name_plural = _("月统计")
        constraints = [
            models.UniqueConstraint(fields=["month", "centre_id", "department_id", "item_id", "channel"],
                                    name="stats_monthly_key"),
        ]
        indexes = [models.Index(fields=["centre_id", "month"], name="stats_monthly_centre_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} c{self.centre_id} i{self.item_id} {self.channel}"


class CentreMonthCounter(Metrics):
    """The coarsest roll-up: month × centre × department. The county's year page (headline, by centre, by centre
    level, by department, the trend by month) reads a few thousand rows here instead of a county-year's monthly
    item rows. Kept by the same upsert as the others."""

    month = models.DateField(_("月份"))
    centre_id = models.PositiveIntegerField(_("收件中心"), default=0)
    department_id = models.PositiveIntegerField(_("部门"), default=0)

    class Meta:
        verbose_name = _("中心月统计")
        verbose_name_plural = _("中心月统计")
        constraints = [
            models.UniqueConstraint(fields=["month", "centre_id", "department_id"], name="stats_centre_month_key"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} c{self.centre_id} d{self.department_id}"


class StatFact(models.Model):
    """What one source object contributes now: a list of [day, centre, department, item, channel, staff,
    {metric: n}] rows."""

    kind = models.CharField(max_length=12, choices=FactKind.choices)
    object_id = models.PositiveBigIntegerField()
    rows = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="stats_fact_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class StatBacklog(models.Model):
    """A source object changed and its contribution must be recomputed. Not unique on purpose: a change that
    lands while a flush is running adds its own row, so the flush cannot swallow it."""

    kind = models.CharField(max_length=12, choices=FactKind.choices)
    object_id = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
