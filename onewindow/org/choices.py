from django.db import models
from django.utils.translation import gettext_lazy as _


class CentreLevel(models.TextChoices):
    COUNTY = "county", _("县级政务服务中心")
    BRANCH = "branch", _("分中心")
    TOWNSHIP = "township", _("乡镇（街道）便民服务中心")
    VILLAGE = "village", _("村（社区）便民服务站")
    BANK_OUTLET = "bank_outlet", _("银行网点")
    KIOSK = "kiosk", _("自助服务终端")


class WindowKind(models.TextChoices):
    GENERAL = "general", _("综合窗口")
    SPECIALISED = "specialised", _("专窗")


class Role(models.TextChoices):
    CLERK = "clerk", _("综合窗口受理员")
    APPROVER = "approver", _("后台审批人员")
    SECTION_HEAD = "section_head", _("科室负责人")
    LIAISON = "liaison", _("监管部门联络员")
    HALL_MANAGER = "hall_manager", _("大厅管理员")
    LEADER = "leader", _("领导")
    CATALOG_ADMIN = "catalog_admin", _("事项管理员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


# Which binding each role needs: a centre, a department, or either.
ROLE_NEEDS_CENTRE = {Role.CLERK, Role.HALL_MANAGER}
ROLE_NEEDS_DEPARTMENT = {Role.APPROVER, Role.SECTION_HEAD, Role.LIAISON}
