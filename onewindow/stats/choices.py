"""Statistics enums: the counted metrics (columns of DailyCounter), the indicators derived from them, periods
and the slices a table can be broken down by."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """Additive counts. Every indicator on the dashboard is one of these or a ratio of two of them, so any
    period and any slice is a SUM over daily rows."""

    RECEIVED = "received", _("收件量")
    ACCEPTED = "accepted", _("受理量")
    REFUSED = "refused", _("不予受理")
    COMPLETED = "completed", _("办结量")
    INSTANT = "instant", _("即办件办结")
    TIMED = "timed", _("计时办结")
    ON_TIME = "on_time", _("按期办结")
    OVERDUE = "overdue", _("超期办结")
    WD_COUNT = "wd_count", _("计用时办结")
    WD_SUM = "wd_sum", _("用时合计（工作日）")
    AT_MOST_ONCE = "at_most_once", _("最多跑一次")
    ZERO_VISIT = "zero_visit", _("零跑动")
    ONLINE = "online", _("网上收件")
    EMS = "ems", _("EMS 寄递")
    WEEKEND = "weekend", _("周末收件")
    RATINGS = "ratings", _("评价数")
    SATISFIED = "satisfied", _("满意评价")
    BAD = "bad", _("差评")
    BAD_FOLLOWED = "bad_followed", _("差评已整改")
    HANDOFFS = "handoffs", _("推送监管")
    CLAIMED = "claimed", _("监管已认领")
    INTEGRATED = "integrated", _("一件事办件")
    DATA_CALLS = "data_calls", _("共享数据调用")


METRICS: tuple[str, ...] = tuple(Metric.values)


class Indicator(models.TextChoices):
    """What leaders read: counts and rates (BRIEF §1)."""

    RECEIVED = "received", _("收件量")
    ACCEPTED = "accepted", _("受理量")
    REFUSED = "refused", _("不予受理")
    COMPLETED = "completed", _("办结量")
    INSTANT_SHARE = "instant_share", _("即办件占比")
    ON_TIME_RATE = "on_time_rate", _("按期办结率")
    OVERDUE = "overdue", _("超期办结")
    AVG_DAYS = "avg_days", _("平均用时（工作日）")
    AT_MOST_ONCE_RATE = "at_most_once_rate", _("最多跑一次实现率")
    ZERO_VISIT_RATE = "zero_visit_rate", _("零跑动率")
    ONLINE_SHARE = "online_share", _("网办率")
    EMS = "ems", _("EMS 寄递")
    WEEKEND = "weekend", _("周末收件")
    SATISFACTION = "satisfaction", _("满意率")
    FOLLOW_UP_RATE = "follow_up_rate", _("差评整改率")
    CLAIM_RATE = "claim_rate", _("监管认领率")
    INTEGRATED = "integrated", _("一件事办件")
    DATA_CALLS = "data_calls", _("共享数据调用")


# Ratio indicators: (numerator metric, denominator metric). The rest are plain counts.
RATIOS: dict[str, tuple[str, str]] = {
    Indicator.INSTANT_SHARE: (Metric.INSTANT, Metric.COMPLETED),
    Indicator.ON_TIME_RATE: (Metric.ON_TIME, Metric.TIMED),
    Indicator.AT_MOST_ONCE_RATE: (Metric.AT_MOST_ONCE, Metric.COMPLETED),
    Indicator.ZERO_VISIT_RATE: (Metric.ZERO_VISIT, Metric.COMPLETED),
    Indicator.ONLINE_SHARE: (Metric.ONLINE, Metric.RECEIVED),
    Indicator.SATISFACTION: (Metric.SATISFIED, Metric.RATINGS),
    Indicator.FOLLOW_UP_RATE: (Metric.BAD_FOLLOWED, Metric.BAD),
    Indicator.CLAIM_RATE: (Metric.CLAIMED, Metric.HANDOFFS),
}
AVERAGES: dict[str, tuple[str, str]] = {Indicator.AVG_DAYS: (Metric.WD_SUM, Metric.WD_COUNT)}


class Period(models.TextChoices):
    DAY = "day", _("日")
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    YEAR = "year", _("年")


class Dimension(models.TextChoices):
    """Slices a table can be broken down by. `level` rolls centres up to their level."""

    LEVEL = "level", _("中心层级")
    CENTRE = "centre", _("服务中心")
    DEPARTMENT = "department", _("部门")
    ITEM = "item", _("事项")
    CHANNEL = "channel", _("渠道")
    STAFF = "staff", _("工作人员")


class FactKind(models.TextChoices):
    """Source objects whose contributions are tracked (one StatFact per object)."""

    CASE = "case", _("办件")
    RATING = "rating", _("评价")
    HANDOFF = "handoff", _("监管推送")
    DATA_CALL = "data_call", _("共享数据调用")
