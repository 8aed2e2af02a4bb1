"""Forms of the applicant and public pages: registration, login, the online application's steps,
corrections, withdrawal and lookup by case number + query password.

Every form renders the GOV.UK way (templates cases/public/_field.html and _errors.html): an error summary
at the top whose entries link to the fields, and each field's message next to it, tied to the input with
``aria-describedby`` so screen readers read it. Messages say what to do, in plain words.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .auth import MOBILE_RE, normalize_phone
from .choices import ApplicantKind, CertType
from .services import ALLOWED_UPLOAD_TYPES, ApplicantData

ACCEPT_UPLOADS = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
UUID_RE = re.compile(r"^[0-9a-f]{32}$")


class GovForm(forms.Form):
    """Ties hints and errors to inputs (aria-describedby, aria-invalid) and lists errors for the summary."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._describe()

    def _describe(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}-hint")
            if self.is_bound and self._errors is not None and name in self._errors:
                ids.append(f"{bound.auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self) -> None:
        super().full_clean()
        self._describe()

    def _anchor(self, name: str) -> str:
        field = self.fields[name]
        if isinstance(field.widget, forms.HiddenInput):
            visible = [n for n, f in self.fields.items() if not isinstance(f.widget, forms.HiddenInput)]
            return self._anchor(visible[0]) if visible else "#main"
        suffix = "_0" if isinstance(field.widget, forms.RadioSelect) else ""  # the first radio takes focus
        return f"#{self[name].auto_id}{suffix}"

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs in field order; form-wide errors link to the first field."""
        if not self.is_bound or not self.errors:
            return []
        first = next(iter(self.fields), "")
        anchor = self._anchor(first) if first else "#main"
        rows = [(anchor, str(e)) for e in self.non_field_errors()]
        for name in self.fields:
            for error in self.errors.get(name, []):
                rows.append((self._anchor(name), str(error)))
        return rows


def _tel(autocomplete: str = "tel") -> forms.TextInput:
    return forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": autocomplete,
                                  "maxlength": 20, "spellcheck": "false"})


def clean_mobile(value: str) -> str:
    phone = normalize_phone(value)
    if not MOBILE_RE.match(phone):
        raise ValidationError(_("请输入11位手机号码，例如 13812345678。"))
    return phone


# ---------------------------------------------------------------------------------------------
# Accounts


class RegisterForm(GovForm):
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20, widget=_tel(),
                            help_text=gettext_lazy("用于登录和接收办理进度通知。"))
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password1 = forms.CharField(label=gettext_lazy("设置密码"), strip=False,
                                help_text=gettext_lazy("至少10位，不能全是数字，不要与手机号或姓名相近。"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=gettext_lazy("再次输入密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_phone(self) -> str:
        return clean_mobile(self.cleaned_data["phone"])

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("请输入姓名。"))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致，请重新输入。"))
        elif p1:
            User = get_user_model()
            probe = User(username=data.get("phone", ""), first_name=data.get("name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class LoginForm(GovForm):
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20, widget=_tel("username"))
    password = forms.CharField(label=gettext_lazy("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_phone(self) -> str:
        # Format only: whether the phone has an account is never said (same message as a wrong password).
        return normalize_phone(self.cleaned_data["phone"])


# ---------------------------------------------------------------------------------------------
# Online application steps


class KindForm(GovForm):
    kind = forms.ChoiceField(label=gettext_lazy("谁是申请人？"), choices=[
        (ApplicantKind.PERSON, gettext_lazy("个人（以本人或他人名义申请）")),
        (ApplicantKind.ENTERPRISE, gettext_lazy("企业或其他组织")),
    ], widget=forms.RadioSelect, error_messages={"required": gettext_lazy("请选择申请人类型。")})


class PersonForm(GovForm):
    name = forms.CharField(label=gettext_lazy("申请人姓名"), max_length=50,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}),
                           error_messages={"required": gettext_lazy("请输入申请人姓名。")})
    cert_number = forms.CharField(label=gettext_lazy("居民身份证号码"), max_length=18,
                                  help_text=gettext_lazy("18位，最后一位可以是 X。"),
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                                "autocapitalize": "characters"}),
                                  error_messages={"required": gettext_lazy("请输入居民身份证号码。")})
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, widget=_tel(),
                            help_text=gettext_lazy("窗口工作人员预审时可能会联系您。"),
                            error_messages={"required": gettext_lazy("请输入联系电话。")})

    kind = ApplicantKind.PERSON
    cert_type = CertType.ID_CARD

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        applicant = self.applicant_data(data)
        try:
            applicant.validate()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.add_error(key if key in self.fields else None, messages)
        return data

    def applicant_data(self, data: dict[str, Any] | None = None) -> ApplicantData:
        data = data if data is not None else self.cleaned_data
        return ApplicantData(
            kind=self.kind, name=data.get("name", "").strip(), cert_type=self.cert_type,
            cert_number=data.get("cert_number", "").strip().upper(), phone=normalize_phone(data.get("phone", "")),
            legal_representative=data.get("legal_representative", "").strip(),
        )


class EnterpriseForm(PersonForm):
    name = forms.CharField(label=gettext_lazy("企业或组织名称"), max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "organization"}),
                           help_text=gettext_lazy("与营业执照上的名称一致。"),
                           error_messages={"required": gettext_lazy("请输入企业或组织名称。")})
    cert_number = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=18,
                                  help_text=gettext_lazy("18位，印在营业执照上。"),
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                                "autocapitalize": "characters"}),
                                  error_messages={"required": gettext_lazy("请输入统一社会信用代码。")})
    legal_representative = forms.CharField(label=gettext_lazy("法定代表人"), max_length=100,
                                           error_messages={"required": gettext_lazy("请输入法定代表人姓名。")})
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, widget=_tel(),
                            help_text=gettext_lazy("窗口工作人员预审时可能会联系您。"),
                            error_messages={"required": gettext_lazy("请输入联系电话。")})

    field_order = ["name", "cert_number", "legal_representative", "phone"]
    kind = ApplicantKind.ENTERPRISE
    cert_type = CertType.CREDIT_CODE


class AgentForm(GovForm):
    has_agent = forms.ChoiceField(
        label=gettext_lazy("是否委托他人代为办理？"), widget=forms.RadioSelect,
        choices=[("no", gettext_lazy("否，申请人自己办理")), ("yes", gettext_lazy("是，委托代理人办理"))],
        error_messages={"required": gettext_lazy("请选择是否委托代理人。")})
    agent_name = forms.CharField(label=gettext_lazy("代理人姓名"), max_length=50, required=False)
    agent_cert_number = forms.CharField(label=gettext_lazy("代理人居民身份证号码"), max_length=18, required=False,
                                        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    agent_phone = forms.CharField(label=gettext_lazy("代理人手机号码"), max_length=20, required=False, widget=_tel())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("has_agent") != "yes":
            return {"has_agent": data.get("has_agent", ""), "agent_name": "", "agent_cert_number": "", "agent_phone": ""}
        if not data.get("agent_name", "").strip():
            self.add_error("agent_name", _("请输入代理人姓名。"))
        number = data.get("agent_cert_number", "").strip().upper()
        data["agent_cert_number"] = number
        if not number:
            self.add_error("agent_cert_number", _("请输入代理人居民身份证号码。"))
        else:
            from onewindow.core.validators import validate_id_number

            try:
                validate_id_number(number)
            except ValidationError as exc:
                self.add_error("agent_cert_number", exc)
        try:
            data["agent_phone"] = clean_mobile(data.get("agent_phone", ""))
        except ValidationError as exc:
            self.add_error("agent_phone", exc)
        return data


def validate_upload(upload: Any, label: str) -> None:
    """The checks `services.upload_material` makes, run before any case exists (so a bad file never leaves
    a half-written application): type by extension *and* content, size within MAX_UPLOAD_BYTES, not empty."""
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_UPLOAD_TYPES:
        raise ValidationError(_("“%(m)s”只能上传 PDF、JPG 或 PNG 文件。") % {"m": label})
    size = getattr(upload, "size", 0) or 0
    if size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(_("“%(m)s”的文件太大（%(size)s），每个文件不能超过 %(max)s。请压缩或分页扫描后重新上传。") % {
            "m": label, "size": filesizeformat(size), "max": filesizeformat(settings.MAX_UPLOAD_BYTES)})
    if size == 0:
        raise ValidationError(_("“%(m)s”的文件是空的，请重新选择。") % {"m": label})
    head = upload.read(16)
    upload.seek(0)
    _content_type, magics = ALLOWED_UPLOAD_TYPES[ext]
    if not any(head.startswith(magic) for magic in magics):
        raise ValidationError(_("“%(m)s”不是有效的 %(ext)s 文件（文件内容与扩展名不符），请重新选择。") % {
            "m": label, "ext": ext.upper()})


class MaterialsForm(GovForm):
    """One file input per material of the guide. A material already uploaded in this application is kept
    (not asked again); required materials must be there before the application can go on."""

    def __init__(self, *args: Any, materials: list[dict[str, Any]], uploaded: dict[str, Any],
                 require: bool = True, **kwargs: Any) -> None:
        self.materials = materials
        self.uploaded = uploaded
        self.require = require
        super().__init__(*args, **kwargs)
        for material in materials:
            self.fields[f"m{material['id']}"] = forms.FileField(
                label=material["name"], required=False, widget=forms.FileInput(attrs={"accept": ACCEPT_UPLOADS}),
            )
        self.show_uploaded(uploaded)

    def material_fields(self) -> list[tuple[Any, dict[str, Any]]]:
        return [(self[f"m{m['id']}"], m) for m in self.materials]

    def show_uploaded(self, uploaded: dict[str, Any]) -> None:
        """Hints: the acceptance standard, or the file already kept for the material."""
        for material in self.materials:
            done = uploaded.get(str(material["id"]))
            hint = material.get("acceptance_standard") or ""
            if done:
                hint = _("已上传：%(name)s。如需更换，请重新选择文件。") % {"name": done["name"]}
            self.fields[f"m{material['id']}"].help_text = hint
        self._bound_fields_cache.clear()  # bound fields copy help_text when first made
        self._describe()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for material in self.materials:
            key = f"m{material['id']}"
            upload = data.get(key)
            if upload:
                try:
                    validate_upload(upload, material["name"])
                except ValidationError as exc:
                    self.add_error(key, exc)
            elif (self.require and material.get("necessity") == "required"
                  and not self.uploaded.get(str(material["id"])) and key not in self.errors):
                self.add_error(key, _("请上传“%(m)s”。") % {"m": material["name"]})
        return data

    def valid_uploads(self) -> dict[int, Any]:
        """Files that passed their checks, even when another field failed: they are kept, not asked again."""
        files = {}
        for material in self.materials:
            key = f"m{material['id']}"
            upload = self.files.get(key) if self.files else None
            if upload and key not in self.errors:
                files[material["id"]] = upload
        return files


class SubmitForm(GovForm):
    idempotency_key = forms.CharField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=gettext_lazy("我承诺所填信息和上传的材料真实、有效，并同意工作人员核查。"),
        error_messages={"required": gettext_lazy("请勾选承诺后再提交申请。")})

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"].strip().lower()
        if not UUID_RE.match(key):
            raise ValidationError(_("页面已过期，请刷新后重新提交。"))
        return key


# ---------------------------------------------------------------------------------------------
# After submission


class CorrectionUploadForm(MaterialsForm):
    """Corrected materials for an open correction request: at least one file."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not any(data.get(f"m{m['id']}") for m in self.materials):
            raise ValidationError(_("请至少选择一个需要补正的材料文件。"))
        return data


class WithdrawForm(GovForm):
    reason = forms.CharField(label=gettext_lazy("撤回原因（选填）"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class LookupForm(GovForm):
    # The example is a case number (not an ID number) under the fictional area code 990001 of the test county
    # (no real division code starts with 99): 6-digit area + date + 7-digit serial.
    number = forms.CharField(label=gettext_lazy("办件编号"), max_length=50,
                             help_text=gettext_lazy("印在收件凭证上，例如 990001202601050000001。"),
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                           "spellcheck": "false"}),
                             error_messages={"required": gettext_lazy("请输入办件编号。")})
    password = forms.CharField(label=gettext_lazy("查询密码"), max_length=6, min_length=6, strip=True,
                               help_text=gettext_lazy("6位数字，印在收件凭证上。"),
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                             "pattern": "[0-9]*"}),
                               error_messages={"required": gettext_lazy("请输入6位数字的查询密码。"),
                                               "min_length": gettext_lazy("查询密码是6位数字。"),
                                               "max_length": gettext_lazy("查询密码是6位数字。")})

    def clean_number(self) -> str:
        return re.sub(r"\s", "", self.cleaned_data["number"]).upper()

    def clean_password(self) -> str:
        value = self.cleaned_data["password"]
        if not value.isdigit():
            raise ValidationError(_("查询密码是6位数字。"))
        return value
