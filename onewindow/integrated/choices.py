"""Code lists of the integrated-services app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")


class VersionStatus(models.TextChoices):
    PUBLISHED = "published", _("现行")
    SUPERSEDED = "superseded", _("已被新版本替代")


class EffectOp(models.TextChoices):
    ADD_ITEM = "add_item", _("增加事项")
    REMOVE_ITEM = "remove_item", _("去掉事项")
    ADD_MATERIAL = "add_material", _("增加材料")
    REMOVE_MATERIAL = "remove_material", _("免交材料")
    ADD_FIELD = "add_field", _("增加表单字段")
    REMOVE_FIELD = "remove_field", _("去掉表单字段")
    ADD_NOTE = "add_note", _("增加告知事项")
    ADD_FEE = "add_fee", _("增加收费")
    REQUIRE_INSPECTION = "require_inspection", _("需要联合踏勘")


class FieldType(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    DATE = "date", _("日期")
    CHOICE = "choice", _("选项")
    PHONE = "phone", _("电话")
    ID_NUMBER = "id_number", _("证件号码")
    TEXTAREA = "textarea", _("多行文本")


class MaterialStatus(models.TextChoices):
    """How a merged material reaches the case: asked from the applicant, produced by an earlier item
    of the same bundle, or replaced by the one merged application form."""

    REQUEST = "request", _("申请人提交")
    PRODUCED = "produced", _("办理过程中产生，无需提交")
    MERGED_FORM = "merged_form", _("由一件事综合申请表替代")


class BundleState(models.TextChoices):
    """The summed-up status of a bundle (一件事办件), computed from its child cases, never stored."""

    DONE = "done", _("全部办结")
    ATTENTION = "attention", _("部分事项未通过")
    CORRECTION = "correction", _("需要补正材料")
    IN_PROGRESS = "in_progress", _("办理中")
    WITHDRAWN = "withdrawn", _("已撤回")
