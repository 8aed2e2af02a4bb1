"""The one settings module. Every value comes from the environment; each is documented here.

Typed helpers fail loudly on a bad value rather than guessing (a misspelt boolean in
production must not silently turn DEBUG on).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str | None = None) -> str:
    """A string from the environment, or from the file named by NAME_FILE (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


# DEBUG: development mode. Off unless said otherwise; `make run` turns it on.
DEBUG = env_bool("DEBUG", False)

# SECRET_KEY: required in production (env or SECRET_KEY_FILE); a development default only with DEBUG.
if DEBUG or os.environ.get("ONEWINDOW_TESTING") == "1":
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdef")
else:
    SECRET_KEY = env_str("SECRET_KEY")

# ALLOWED_HOSTS: comma-separated host names.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# VAR_DIR: where the SQLite database, uploads and other runtime files live.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "onewindow.core",
    "onewindow.audit",
    "onewindow.security",
    "onewindow.org",
    "onewindow.workdays",
    "onewindow.catalog",
    "onewindow.outbox",
    "onewindow.messaging",
    "onewindow.cases",
    "onewindow.supervision",
    "onewindow.webhooks",
    "onewindow.hall",
    "onewindow.ratings",
    "onewindow.licences",
    "onewindow.shareddata",
    "onewindow.integrated",
    "onewindow.stats",
    "onewindow.portal",
    "onewindow.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Second factor, idle timeout and password expiry for staff (onewindow/security/middleware.py).
    "onewindow.security.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "onewindow.urls"
WSGI_APPLICATION = "onewindow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "onewindow.core.context_processors.platform",
                "onewindow.webhooks.context_processors.delivery_alerts",
                "onewindow.cases.views_staff.staff_nav",
            ],
        },
    },
]

# DATABASE_URL: postgres://user:pass@host:5432/name for production; absent means SQLite under VAR_DIR.
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "onewindow.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
                # timeout instead of one failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3") if env_bool("SQLITE_TEST_FILE", False) else None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 等保 level 3: complexity (character classes, staff accounts) and the change date used for expiry.
    {"NAME": "onewindow.security.validators.ComplexityValidator"},
    {"NAME": "onewindow.security.validators.PasswordAgeValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if os.environ.get("ONEWINDOW_TESTING") == "1" and env_bool("FAST_PASSWORD_HASHER", True):
    # Tests create many users; the production hasher costs ~0.5 s each. Never used outside tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The site stylesheet lives in the package, not in an app, so the finders must be told where.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root; files come from finders
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG and os.environ.get("ONEWINDOW_TESTING") != "1"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/staff/"
# Staff log in with a username (ModelBackend, first); applicants with phone + password through the
# pluggable applicant identity provider (see onewindow/cases/auth.py; a provincial SSO backend replaces it).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "onewindow.cases.auth.PhoneBackend",
]

# Uploads: anything above this many bytes is refused with a clear message (spreadsheets, materials).
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "onewindow",
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Sessions only: a staff session is two-factor verified (onewindow.security); HTTP Basic would let a
        # password alone through to the API.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["onewindow.core.permissions.PublicReadModelWrite"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "onewindow.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"public": env_str("PUBLIC_RATE_LIMIT", "120/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OneWindow API",
    "DESCRIPTION": "一窗通办 API v1: service network, catalog, working-day calendar.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several apps have fields called status/kind/method with different choices; name each set once.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "onewindow.cases.choices.Status",
        "CaseMaterialStatusEnum": "onewindow.cases.choices.MaterialStatus",
        "ApplicantKindEnum": "onewindow.cases.choices.ApplicantKind",
        "CasePauseKindEnum": "onewindow.cases.choices.PauseKind",
        "SpecialProcedureKindEnum": "onewindow.cases.choices.SpecialProcedureKind",
        "DeliveryMethodEnum": "onewindow.cases.choices.DeliveryMethod",
        "CaseActionEnum": "onewindow.cases.choices.Action",
        "CaseChannelEnum": "onewindow.cases.choices.Channel",
        "CertTypeEnum": "onewindow.cases.choices.CertType",
        "DueStateEnum": "onewindow.cases.choices.DueState",
        "ReviewStageEnum": "onewindow.cases.choices.ReviewStage",
        "HandoffKindEnum": "onewindow.supervision.choices.HandoffKind",
        "HandoffStatusEnum": "onewindow.supervision.choices.HandoffStatus",
        "FeedbackKindEnum": "onewindow.supervision.choices.FeedbackKind",
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Database sessions whose data is encrypted with the personal-information keys (drafts hold ID numbers).
SESSION_ENGINE = "onewindow.core.sessions"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; keep default semantics
# ---- Transport (HTTPS-ready; every value from the environment) ----
# HTTPS_ONLY: the default for the values below: on in production, off under DEBUG and in tests (plain http).
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG and os.environ.get("ONEWINDOW_TESTING") != "1")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS_ONLY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)
# SECURE_SSL_REDIRECT: redirect http to https in the app (off when the proxy already does it).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# SECURE_HSTS_SECONDS: Strict-Transport-Security max-age; 1 year under HTTPS_ONLY, 0 (no header) otherwise.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# SECURE_PROXY_SSL_HEADER: trust X-Forwarded-Proto from the reverse proxy that terminates TLS (set to true
# only behind such a proxy).
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts only from our origin or with the per-response nonce; style
# elements likewise; style *attributes* stay allowed (style-src-attr) because they cannot run code. No CDN.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# ---- Staff authentication (onewindow.security; 等保 2.0 level 3) ----
# Idle minutes after which a session ends (staff and applicants alike).
ONEWINDOW_SESSION_IDLE_MINUTES = env_int("ONEWINDOW_SESSION_IDLE_MINUTES", 30)
# Days a staff password is valid; then the next login must change it (0 = never expires).
ONEWINDOW_PASSWORD_MAX_AGE_DAYS = env_int("ONEWINDOW_PASSWORD_MAX_AGE_DAYS", 90)
# Character classes (lower case, upper case, digits, symbols) a staff password must mix.
ONEWINDOW_PASSWORD_MIN_CLASSES = env_int("ONEWINDOW_PASSWORD_MIN_CLASSES", 3)
# Lockout: this many failed logins (password or second factor) of one account within the window lock it;
# this many from one IP address lock that address; a lock lasts ONEWINDOW_LOCKOUT_MINUTES unless an
# administrator lifts it earlier (admin action or `onewindow security unlock`).
ONEWINDOW_LOCKOUT_ACCOUNT_FAILURES = env_int("ONEWINDOW_LOCKOUT_ACCOUNT_FAILURES", 5)
ONEWINDOW_LOCKOUT_IP_FAILURES = env_int("ONEWINDOW_LOCKOUT_IP_FAILURES", 20)
ONEWINDOW_LOCKOUT_WINDOW_MINUTES = env_int("ONEWINDOW_LOCKOUT_WINDOW_MINUTES", 15)
ONEWINDOW_LOCKOUT_MINUTES = env_int("ONEWINDOW_LOCKOUT_MINUTES", 30)
# Minutes an SMS login code stays valid (the fallback second factor, sent through onewindow.messaging).
ONEWINDOW_SMS_CODE_MINUTES = env_int("ONEWINDOW_SMS_CODE_MINUTES", 5)
# The TOTP secret (hex, as django-otp stores it) the demo staff accounts share, so that whoever runs
# `make run` can log in: `onewindow demo totp <username>` prints the current code. Demo data only.
ONEWINDOW_DEMO_TOTP_KEY = env_str("ONEWINDOW_DEMO_TOTP_KEY", "3132333435363738393031323334353637383930")
# Issuer name shown in authenticator apps.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "一窗通办")

# ---- Audit (onewindow.audit) ----
# Months audit rows are kept at least (网络安全法 art. 21: six); `onewindow audit prune` refuses less.
ONEWINDOW_AUDIT_RETENTION_MONTHS = env_int("ONEWINDOW_AUDIT_RETENTION_MONTHS", 6)

# ---- Domain settings (DOMAIN.md marks these configurable) ----
# How a correction request affects the clock when an item does not say: "pause" or "restart".
ONEWINDOW_DEFAULT_CORRECTION_CLOCK = env_str("ONEWINDOW_DEFAULT_CORRECTION_CLOCK", "pause")
# Name shown in page headers; the county's name lives in data (the root centre), this is only a fallback.
ONEWINDOW_PLATFORM_NAME = env_str("ONEWINDOW_PLATFORM_NAME", "一窗通办")
# Warn administrators this many days before 1 January when next year's calendar is not imported.
ONEWINDOW_CALENDAR_WARN_DAYS = env_int("ONEWINDOW_CALENDAR_WARN_DAYS", 60)


# ---- Service hall (服务大厅) and ratings (好差评): DOMAIN.md "Appointments and queues", "好差评" ----
# Booking opens this many calendar days ahead at the earliest (1 = from tomorrow; 0 would allow same-day).
ONEWINDOW_HALL_BOOKING_MIN_DAYS_AHEAD = env_int("ONEWINDOW_HALL_BOOKING_MIN_DAYS_AHEAD", 1)
# ... and at most this many working days ahead (practice: the next 5–7 working days).
ONEWINDOW_HALL_BOOKING_MAX_WORKING_DAYS = env_int("ONEWINDOW_HALL_BOOKING_MAX_WORKING_DAYS", 7)
# An applicant may cancel up to this many hours before the slot starts (staff may always cancel, with a reason).
ONEWINDOW_HALL_CANCEL_MIN_HOURS = env_int("ONEWINDOW_HALL_CANCEL_MIN_HOURS", 2)
# This many no-shows (bookings neither checked in nor cancelled) suspend booking rights ...
ONEWINDOW_HALL_NO_SHOW_LIMIT = env_int("ONEWINDOW_HALL_NO_SHOW_LIMIT", 2)
# ... for this many days (3 months). Walk-in tickets are never affected.
ONEWINDOW_HALL_NO_SHOW_SUSPEND_DAYS = env_int("ONEWINDOW_HALL_NO_SHOW_SUSPEND_DAYS", 90)
# Bookings one person (ID number) may hold for the same item on the same day.
ONEWINDOW_HALL_BOOKINGS_PER_ITEM_PER_DAY = env_int("ONEWINDOW_HALL_BOOKINGS_PER_ITEM_PER_DAY", 1)
# Bookings per ID number or phone per calendar week (Monday–Sunday of the booked day); 0 = no cap.
ONEWINDOW_HALL_WEEKLY_BOOKING_CAP = env_int("ONEWINDOW_HALL_WEEKLY_BOOKING_CAP", 3)
# Bookings per ID number or phone per calendar month; 0 = no cap.
ONEWINDOW_HALL_MONTHLY_BOOKING_CAP = env_int("ONEWINDOW_HALL_MONTHLY_BOOKING_CAP", 0)
# Appointment slots of a working day (a centre may override them in its hall settings), "HH:MM-HH:MM,…".
ONEWINDOW_HALL_SLOT_TIMES = env_str(
    "ONEWINDOW_HALL_SLOT_TIMES", "09:00-10:00,10:00-11:00,11:00-12:00,14:00-15:00,15:00-16:00,16:00-17:00")
# Slots of a weekend service day (无休日) at centres that offer one.
ONEWINDOW_HALL_WEEKEND_SLOT_TIMES = env_str("ONEWINDOW_HALL_WEEKEND_SLOT_TIMES", "09:00-10:30,10:30-12:00,14:00-16:00")
# Bookings per slot and queue category when the category does not say.
ONEWINDOW_HALL_SLOT_CAPACITY = env_int("ONEWINDOW_HALL_SLOT_CAPACITY", 10)
# Check-in at the kiosk counts as on time from this many minutes before the slot until this many after its end;
# later arrivals are served as walk-ins (a booking is never a gate).
ONEWINDOW_HALL_CHECKIN_EARLY_MINUTES = env_int("ONEWINDOW_HALL_CHECKIN_EARLY_MINUTES", 60)
ONEWINDOW_HALL_CHECKIN_LATE_MINUTES = env_int("ONEWINDOW_HALL_CHECKIN_LATE_MINUTES", 30)
# From this age (read from the ID number) a ticket gets the elderly priority without asking.
ONEWINDOW_HALL_ELDERLY_AGE = env_int("ONEWINDOW_HALL_ELDERLY_AGE", 60)
# Calling order of the priority kinds, first served first; a ticket moved to the top (with a logged reason)
# comes before all of them. Local practice varies, hence a setting.
ONEWINDOW_HALL_PRIORITY_ORDER = env_list("ONEWINDOW_HALL_PRIORITY_ORDER", "elderly,disabled,appointment,key_enterprise,normal")
# Minutes per applicant for the waiting-time estimate until the hall has its own history.
ONEWINDOW_HALL_DEFAULT_SERVICE_MINUTES = env_int("ONEWINDOW_HALL_DEFAULT_SERVICE_MINUTES", 8)
# How often the display board asks for new calls (milliseconds): a call shows within a second.
ONEWINDOW_HALL_BOARD_POLL_MS = env_int("ONEWINDOW_HALL_BOARD_POLL_MS", 700)
# A bad rating (4 不满意, 5 非常不满意) must be rectified or explained within this many working days.
ONEWINDOW_RATING_RECTIFY_WORKING_DAYS = env_int("ONEWINDOW_RATING_RECTIFY_WORKING_DAYS", 15)
# An unrated completed case is invited (SMS) once, and again this many days after the first invitation.
ONEWINDOW_RATING_REINVITE_DAYS = env_int("ONEWINDOW_RATING_REINVITE_DAYS", 3)
# Some provinces record "no rating within N days" as 基本满意. Off by default: it inflates satisfaction, and the
# dashboards show such default ratings apart from real ones either way.
ONEWINDOW_RATING_DEFAULT_SATISFIED = env_bool("ONEWINDOW_RATING_DEFAULT_SATISFIED", False)
ONEWINDOW_RATING_DEFAULT_AFTER_DAYS = env_int("ONEWINDOW_RATING_DEFAULT_AFTER_DAYS", 7)


def env_rate(name: str, default: str) -> tuple[int, int]:
    raw = env_str(name, default)
    count, _sep, seconds = raw.partition("/")
    if not (count.strip().isdigit() and seconds.strip().isdigit() and int(seconds) > 0):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate (use <attempts>/<seconds>, e.g. 10/600)")
    return int(count), int(seconds)


# Rate limits of the public and applicant pages, "<attempts>/<seconds>" per client IP or per case number /
# phone, counted in the default cache (LocMemCache is enough on one server; no Redis needed). Lookup by
# case number + query password: 10 per 10 minutes per IP and 5 per case number; the tracking page
# 60 per minute per IP; applicant login and registration 10 per 10 minutes per IP and 5 per phone.
ONEWINDOW_RATE_LIMITS = {
    "track_lookup_ip": env_rate("RATE_TRACK_LOOKUP_IP", "10/600"),
    "track_lookup_number": env_rate("RATE_TRACK_LOOKUP_NUMBER", "5/600"),
    "track_page_ip": env_rate("RATE_TRACK_PAGE_IP", "60/60"),
    "applicant_login_ip": env_rate("RATE_APPLICANT_LOGIN_IP", "10/600"),
    "applicant_login_phone": env_rate("RATE_APPLICANT_LOGIN_PHONE", "5/600"),
    # Public e-licence verification (page and API, per client IP): anyone may scan a QR code, nobody may crawl.
    "licence_verify_ip": env_rate("RATE_LICENCE_VERIFY_IP", "60/60"),
    # "显示完整信息" on the staff case page, per staff member: enough for a window's day, not for harvesting.
    "pii_reveal_user": env_rate("RATE_PII_REVEAL_USER", "60/3600"),
}

# Seconds an anonymous visitor's tracking page (/track/<code>/) may be served without looking at the database
# (a micro-cache in front of the versioned page cache): a status change shows within this many seconds. The SMS
# announcing a change is sent after commit through the outbox, so it rarely arrives sooner. 0 turns it off (the
# default in tests, which look at a page right after changing the case).
ONEWINDOW_TRACK_MICROCACHE_SECONDS = env_int(
    "ONEWINDOW_TRACK_MICROCACHE_SECONDS", 0 if os.environ.get("ONEWINDOW_TESTING") == "1" else 5)

# SMS: the backend class (LogBackend for trials, HttpGatewayBackend for the county's SMS platform).
ONEWINDOW_SMS_BACKEND = env_str(
    "ONEWINDOW_SMS_BACKEND",
    "onewindow.messaging.sms.MemoryBackend" if os.environ.get("ONEWINDOW_TESTING") == "1" else "onewindow.messaging.sms.LogBackend",
)
ONEWINDOW_SMS_GATEWAY_URL = env_str("ONEWINDOW_SMS_GATEWAY_URL", "")
ONEWINDOW_SMS_SIGN = env_str("ONEWINDOW_SMS_SIGN", "【政务服务】")
# Public base URL used in SMS and PDF QR codes when there is no request (workers, commands).
ONEWINDOW_PUBLIC_URL = env_str("ONEWINDOW_PUBLIC_URL", "http://127.0.0.1:8000")

# ---- Outbox, webhooks and supervision handoffs (onewindow.outbox, .webhooks, .supervision) ----
# How long a worker's claim on an outbox message lasts (seconds); a killed worker's messages wait this long.
ONEWINDOW_OUTBOX_LEASE_SECONDS = env_int("ONEWINDOW_OUTBOX_LEASE_SECONDS", 120)
# Seconds to wait for a webhook receiver; always kept below half the lease so two workers never overlap.
ONEWINDOW_WEBHOOK_TIMEOUT = env_int("ONEWINDOW_WEBHOOK_TIMEOUT", 10)
# Attempts per webhook before it is dead and administrators are alerted: with the outbox's backoff (30 s
# doubling, capped at 6 h) the 16th attempt comes 38.5 hours after the first, so a receiver may be down that long.
ONEWINDOW_WEBHOOK_MAX_ATTEMPTS = env_int("ONEWINDOW_WEBHOOK_MAX_ATTEMPTS", 16)
# Working days a supervising department has to claim (认领) a handoff (DOMAIN.md: configurable, default 2).
ONEWINDOW_HANDOFF_CLAIM_DAYS = env_int("ONEWINDOW_HANDOFF_CLAIM_DAYS", 2)
# Escalation of an unclaimed handoff: a reminder to the liaisons on the deadline day, the department head
# this many working days after it, the approval bureau this many working days after it.
ONEWINDOW_HANDOFF_ESCALATE_HEAD_DAYS = env_int("ONEWINDOW_HANDOFF_ESCALATE_HEAD_DAYS", 1)
ONEWINDOW_HANDOFF_ESCALATE_BUREAU_DAYS = env_int("ONEWINDOW_HANDOFF_ESCALATE_BUREAU_DAYS", 3)

# ---- E-licences and seals (onewindow.licences) ----
# ONEWINDOW_SEAL_KEY: the master secret that encrypts seal private keys at rest (SM4-CBC + HMAC-SM3, keys derived
# with SM3). Required in production (env or ONEWINDOW_SEAL_KEY_FILE); a development default only under DEBUG or
# tests. Changing it makes the stored private keys unreadable: rotate the seal keys instead.
if DEBUG or os.environ.get("ONEWINDOW_TESTING") == "1":
    ONEWINDOW_SEAL_KEY = env_str("ONEWINDOW_SEAL_KEY", "dev-only-seal-key-never-use-in-production")
else:
    ONEWINDOW_SEAL_KEY = env_str("ONEWINDOW_SEAL_KEY")
# ONEWINDOW_SIGNER: the class that signs licences. The default keeps SM2 keys in the database (encrypted); a
# certified signing device or service (签章服务/密码机) plugs in by class path (see onewindow/licences/signing.py).
ONEWINDOW_SIGNER = env_str("ONEWINDOW_SIGNER", "onewindow.licences.signing.LocalSM2Signer")

# ---- Personal information at rest (onewindow.core.pii; docs/privacy.md) ----
# ONEWINDOW_PII_KEYS: JSON {"<key id>": "<base64 of 16 random bytes>", ...}: the SM4 keys that encrypt ID numbers,
# phone numbers and addresses field by field. Keep every id that rows may still use (`onewindow pii status`).
# ONEWINDOW_PII_KEY_ID: the id new values are written with; `onewindow pii rotate` moves old rows to it.
# ONEWINDOW_PII_INDEX_KEY: the separate HMAC-SM3 key of the blind index (lookups by ID number or phone). Changing
# it orphans every index: it is not rotated like the SM4 keys.
# All three are required in production (env or *_FILE); development defaults only under DEBUG or tests.
_DEV_PII_KEYS = '{"dev1": "ZGV2LW9ubHktcGlpLWtleQ=="}'
if DEBUG or os.environ.get("ONEWINDOW_TESTING") == "1":
    _pii_keys_raw = env_str("ONEWINDOW_PII_KEYS", _DEV_PII_KEYS)
    ONEWINDOW_PII_KEY_ID = env_str("ONEWINDOW_PII_KEY_ID", "dev1")
    ONEWINDOW_PII_INDEX_KEY = env_str("ONEWINDOW_PII_INDEX_KEY", "dev-only-pii-index-key-never-in-production")
else:
    _pii_keys_raw = env_str("ONEWINDOW_PII_KEYS")
    ONEWINDOW_PII_KEY_ID = env_str("ONEWINDOW_PII_KEY_ID")
    ONEWINDOW_PII_INDEX_KEY = env_str("ONEWINDOW_PII_INDEX_KEY")
try:
    ONEWINDOW_PII_KEYS: dict[str, str] = json.loads(_pii_keys_raw)
except ValueError as _exc:
    raise ImproperlyConfigured("ONEWINDOW_PII_KEYS is not JSON ({\"<id>\": \"<base64 key>\"})") from _exc
if not isinstance(ONEWINDOW_PII_KEYS, dict) or ONEWINDOW_PII_KEY_ID not in ONEWINDOW_PII_KEYS:
    raise ImproperlyConfigured("ONEWINDOW_PII_KEY_ID must name one of the ONEWINDOW_PII_KEYS")
# ONEWINDOW_PII_ENCRYPT: off only for the benchmark's plaintext baseline (bench/crypto.py). Never in production:
# values written while it is off are plain until `onewindow pii rotate` runs.
ONEWINDOW_PII_ENCRYPT = env_bool("ONEWINDOW_PII_ENCRYPT", True)

# ---- Shared data (onewindow.shareddata) ----
# Adapter classes a data source may name besides the built-in ones (HTTP JSON, licence library, demo sandbox):
# comma-separated class paths. The admin cannot point a data source at any other code.
ONEWINDOW_SHAREDDATA_EXTRA_ADAPTERS = env_list("ONEWINDOW_SHAREDDATA_EXTRA_ADAPTERS", "")

# ---- Background bookkeeping (docs/scaling.md) ----
# What a business transaction leaves for later: the statistics backlog (onewindow.stats) and the audit rows'
# hash-chain links (onewindow.audit.chain). By default `onewindow worker` folds and seals them on every pass
# (and the dashboard folds before reading, `onewindow audit verify` seals before checking), which keeps two
# extra transactions and ~17 queries out of each clerk's request. True: do it right after each commit instead,
# in the request (for an installation without a worker process).
ONEWINDOW_STATS_FOLD_AFTER_COMMIT = env_bool("ONEWINDOW_STATS_FOLD_AFTER_COMMIT", False)
ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT = env_bool("ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT", False)

# ---- Benchmarks (bench/) ----
# ONEWINDOW_BENCH: turns on the bench-only baseline views under /_bench/ (a no-op page and a one-INSERT write) that
# `make bench` measures the real pages against. Off everywhere else: with it off those URLs answer 404.
ONEWINDOW_BENCH = env_bool("ONEWINDOW_BENCH", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every record is masked before any handler writes it: no full ID or mobile number reaches a log.
    "filters": {"mask_pii": {"()": "onewindow.core.masking.MaskingLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pii"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
