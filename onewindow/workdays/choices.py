from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    REST = "rest", _("休息日（法定节假日）")
    WORK = "work", _("工作日（调休上班）")


class YearSource(models.TextChoices):
    SEED = "seed", _("chinese_calendar 初始数据")
    IMPORTED = "imported", _("导入（国务院办公厅通知）")
    MANUAL = "manual", _("手工维护")
