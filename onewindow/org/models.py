from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.core.validators import validate_credit_code, validate_region_code

from .choices import ROLE_NEEDS_CENTRE, ROLE_NEEDS_DEPARTMENT, CentreLevel, Role, WindowKind


class ServiceCentreQuerySet(models.QuerySet["ServiceCentre"]):
    def active(self) -> ServiceCentreQuerySet:
        return self.filter(is_active=True)


class ServiceCentre(models.Model):
    """A place where applications are received: county centre down to village stations, bank outlets, kiosks."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=CentreLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级中心"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region_code = models.CharField(_("行政区划代码"), max_length=12, validators=[validate_region_code])
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    opening_hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    weekend_service = models.BooleanField(_("提供无休日服务"), default=False)
    accepts_county_wide = models.BooleanField(
        _("受理全县通办事项"), default=True, help_text=_("县级中心始终受理全部事项。")
    )
    accepted_items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("本中心可受理事项"), blank=True, related_name="extra_centres"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ServiceCentreQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务中心")
        verbose_name_plural = _("服务中心")
        ordering = ["region_code", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("上级中心不能是自己。")})
        if self.level == CentreLevel.COUNTY and self.parent_id:
            raise ValidationError({"parent": _("县级中心是网络的根，不能有上级。")})
        if self.level != CentreLevel.COUNTY and not self.parent_id:
            raise ValidationError({"parent": _("除县级中心外，每个中心都需要上级中心。")})
        # A cycle would make every tree walk loop forever.
        seen = {self.pk}
        node = self.parent
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("上级关系形成了环。")})
            seen.add(node.pk)
            node = node.parent

    def may_accept(self, item) -> bool:  # type: ignore[no-untyped-def]
        """全县通办: the county centre takes everything; others take county-wide items and their own list."""
        if self.level == CentreLevel.COUNTY:
            return True
        if item.county_wide and self.accepts_county_wide:
            return True
        return self.accepted_items.filter(pk=item.pk).exists()

    def root(self) -> ServiceCentre:
        node = self
        while node.parent is not None:
            node = node.parent
        return node


class Department(models.Model):
    """A government department (实施主体), identified by its 18-character unified social credit code."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    region_code = models.CharField(_("行政区划代码"), max_length=12, validators=[validate_region_code])
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Section(models.Model):
    """A section (科室) of a department: the back-office queue that owns items."""

    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="sections")
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("科室")
        verbose_name_plural = _("科室")
        ordering = ["department__order", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="section_code_unique_in_department")]

    def __str__(self) -> str:
        return f"{self.department} · {self.name}"


class Window(models.Model):
    """A hall window. General windows accept every item; specialised ones serve the items named."""

    centre = models.ForeignKey(ServiceCentre, verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="windows")
    number = models.CharField(_("窗口号"), max_length=10)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=WindowKind.choices, default=WindowKind.GENERAL)
    items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("专窗事项"), blank=True, related_name="special_windows"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["centre", "number"]
        constraints = [models.UniqueConstraint(fields=["centre", "number"], name="window_number_unique_in_centre")]

    def __str__(self) -> str:
        return f"{self.centre} {self.number}号 {self.name}"

    def serves(self, item) -> bool:  # type: ignore[no-untyped-def]
        if self.kind == WindowKind.GENERAL:
            return self.centre.may_accept(item)
        return self.items.filter(pk=item.pk).exists()


class StaffRoleQuerySet(models.QuerySet["StaffRole"]):
    def for_user(self, user) -> StaffRoleQuerySet:  # type: ignore[no-untyped-def]
        return self.filter(user=user).select_related("centre", "department", "section")


class StaffRole(models.Model):
    """A role a staff member holds, bound to a centre and/or a department (the role's scope).

    Permissions come from the Django group of the same role; this row says *where* they apply.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    centre = models.ForeignKey(ServiceCentre, verbose_name=_("服务中心"), null=True, blank=True, on_delete=models.PROTECT)
    department = models.ForeignKey(Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT)
    section = models.ForeignKey(Section, verbose_name=_("科室"), null=True, blank=True, on_delete=models.PROTECT)

    objects = StaffRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员角色")
        verbose_name_plural = _("人员角色")
        # Uniqueness of (user, role, scope) is checked by assign_role: NULL scopes make a
        # portable unique constraint impossible on SQLite.

    def __str__(self) -> str:
        scope = self.section or self.department or self.centre or _("全县")
        return f"{self.user} · {self.get_role_display()} · {scope}"

    def clean(self) -> None:
        if self.role in ROLE_NEEDS_CENTRE and not self.centre_id:
            raise ValidationError({"centre": _("该角色必须绑定服务中心。")})
        if self.role in ROLE_NEEDS_DEPARTMENT and not self.department_id:
            raise ValidationError({"department": _("该角色必须绑定部门。")})
        if self.section is not None and self.department_id and self.section.department_id != self.department_id:
            raise ValidationError({"section": _("科室不属于所选部门。")})
