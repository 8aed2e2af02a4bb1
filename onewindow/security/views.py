"""Staff login in two steps: /accounts/login/ (password) → /accounts/login/verify/ (TOTP code, or an SMS
code as the fallback) — or /accounts/login/enrol/ for a staff member without an authenticator yet.

Between the steps the session holds only the pending user's id and the time the password was checked; the
user is logged in (django.contrib.auth.login) only after the second factor.
"""

from __future__ import annotations

import base64
import time
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .choices import LoginStage
from .middleware import PASSWORD_EXPIRED

PENDING = "sec_pending"
ENROL_DEVICE = "sec_enrol_device"
# The password step is valid this long for the second step.
PENDING_SECONDS = 300


class PasswordForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    password = forms.CharField(label=gettext_lazy("密码"), widget=forms.PasswordInput, max_length=256)


class CodeForm(forms.Form):
    code = forms.RegexField(label=gettext_lazy("动态口令"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": gettext_lazy("请输入6位数字。")})


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only (X-Forwarded-For is the client's to choose unless a trusted proxy rewrites it).
    return request.META.get("REMOTE_ADDR") or None


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return settings.LOGIN_REDIRECT_URL


def _locked_message(lock: Any) -> str:
    minutes = max(1, int((lock.until - timezone.now()).total_seconds() // 60) + 1)
    return _("登录失败次数过多，已锁定，请 %(minutes)s 分钟后再试，或联系系统管理员解锁。") % {"minutes": minutes}


def _pending_user(request: HttpRequest) -> Any:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return get_user_model()._default_manager.filter(pk=pending.get("user"), is_active=True).first()


def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1: user name and password. Wrong password and unknown user get the same answer."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = PasswordForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        ip = client_ip(request)
        lock = services.active_lock(username=username, ip=ip)
        if lock is not None:
            error, status = _locked_message(lock), 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                lock = services.record_login_failure(username=username, ip=ip, stage=LoginStage.PASSWORD)
                error = _locked_message(lock) if lock else _("用户名或密码不正确。")
                status = 429 if lock else 200
            elif not services.needs_second_factor(user):
                # Accounts without a staff role (none exist in production) log in with the password alone.
                login(request, user)
                return redirect(_safe_next(request, next_url))
            else:
                request.session.cycle_key()
                request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": next_url,
                                            "backend": user.backend}
                if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    return redirect("security:enrol")
                return redirect("security:verify")
    elif request.method == "POST":
        error = _("请填写用户名和密码。")
    return render(request, "registration/login.html",
                  {"form": form, "error": error, "next": next_url}, status=status)


def complete_login(request: HttpRequest, user: Any, device: Any) -> HttpResponse:
    pending = request.session.get(PENDING) or {}
    login(request, user, backend=pending.get("backend") or settings.AUTHENTICATION_BACKENDS[0])
    otp_login(request, device)
    request.session.pop(PENDING, None)
    request.session.pop(ENROL_DEVICE, None)
    services.start_session(request=request, user=user, device=device)
    if services.password_expired(user):
        request.session[PASSWORD_EXPIRED] = True
        messages.warning(request, _("密码已过期，请先修改密码。"))
        return redirect("security:password_change")
    return redirect(_safe_next(request, pending.get("next", "")))


def _code_failed(request: HttpRequest, user: Any) -> str:
    lock = services.record_login_failure(username=user.get_username(), ip=client_ip(request),
                                         stage=LoginStage.CODE, user=user)
    if lock is not None:
        request.session.pop(PENDING, None)
        return _locked_message(lock)
    return _("动态口令不正确或已过期。")


def verify_view(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the authenticator app, or one sent by SMS."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("请先输入用户名和密码。"))
        return redirect("login")
    lock = services.active_lock(username=user.get_username(), ip=client_ip(request))
    if lock is not None:
        request.session.pop(PENDING, None)
        return render(request, "registration/login.html", {"form": PasswordForm(), "error": _locked_message(lock)},
                      status=429)
    form = CodeForm(request.POST or None)
    error = ""
    sms_sent = False
    if request.method == "POST" and "send_sms" in request.POST:
        form = CodeForm()
        device = services.send_sms_code(user=user)
        if device is None:
            error = _("您没有登记手机号码，无法发送短信验证码，请联系系统管理员。")
        else:
            sms_sent = True
    elif request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        for device in [*TOTPDevice.objects.filter(user=user, confirmed=True),
                       *services.SMSDevice.objects.filter(user=user, confirmed=True)]:
            if device.verify_token(code):
                return complete_login(request, user, device)
        error = _code_failed(request, user)
        if PENDING not in request.session:
            return render(request, "registration/login.html", {"form": PasswordForm(), "error": error}, status=429)
    return render(request, "security/verify.html", {
        "form": form, "error": error, "sms_sent": sms_sent, "has_mobile": bool(services.staff_mobile(user)),
        "username": user.get_username()})


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")


def enrol_view(request: HttpRequest) -> HttpResponse:
    """First login of a staff member without an authenticator: scan the QR code, type the first code."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("请先输入用户名和密码。"))
        return redirect("login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("security:verify")
    device = TOTPDevice.objects.filter(pk=request.session.get(ENROL_DEVICE), user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("手机动态口令"), confirmed=False)
        request.session[ENROL_DEVICE] = device.pk
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            services.enrol_totp(user=user, device=device)
            return complete_login(request, user, device)
        error = _code_failed(request, user)
        if PENDING not in request.session:
            return render(request, "registration/login.html", {"form": PasswordForm(), "error": error}, status=429)
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return render(request, "security/enrol.html", {
        "form": form, "error": error, "qr_svg": _qr_svg(device.config_url), "secret": secret,
        "username": user.get_username()})


class StaffPasswordChangeView(PasswordChangeView):
    template_name = "security/password_change.html"
    success_url = reverse_lazy("security:password_done")
    form_class = PasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        from django.db import transaction

        from onewindow.audit.services import record_event

        with transaction.atomic():
            response = super().form_valid(form)
            record_event(actor=self.request.user, action="password_changed", obj=self.request.user,
                         summary=_("修改密码"))
        self.request.session.pop(PASSWORD_EXPIRED, None)
        messages.success(self.request, _("密码已修改。"))
        return response


def password_done_view(request: HttpRequest) -> HttpResponse:
    return redirect(settings.LOGIN_REDIRECT_URL)


def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    from urllib.parse import urlencode

    return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.GET.get('next') or '/admin/'})}")
