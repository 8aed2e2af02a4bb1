from django.db import models
from django.utils.translation import gettext_lazy as _


class LockKind(models.TextChoices):
    ACCOUNT = "account", _("账户")
    IP = "ip", _("IP 地址")


class LoginStage(models.TextChoices):
    PASSWORD = "password", _("密码")
    CODE = "code", _("动态码")
