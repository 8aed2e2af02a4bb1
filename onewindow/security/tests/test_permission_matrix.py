"""The permission matrix: every URL pattern of the project has a row saying what each role gets.

`test_every_url_pattern_has_a_row` walks the URL resolver and fails on a pattern without a row, so a new screen
or endpoint cannot land unassessed. `test_the_matrix` requests every row's URL as every persona (GET, the way a
screen, an export or a statistic is reached) and compares the status codes; the write actions of the case API
are exercised in detail, state by state, by onewindow/cases/tests/test_permissions_api.py.

Adding a row: one `Row(pattern, url, expected)` line. `pattern` is the resolver's route text (as printed by the
failing test); `url` builds a concrete path from the world `w` (or is a plain string); `expected` maps a persona
or a group (ANON, APPLICANTS, STAFF, ALL) to a status; later keys override earlier ones. Statuses: 200 shown;
302 sent to a login page; 403 refused; 404 outside the persona's scope (indistinguishable from missing) or no
such object; 405 the URL only takes POST (the check behind it is in the view or service).

Scope: the world has one case received at the county centre for an item of the owning section; `clerk_other`
sits at another township, `approver_other` in another department, `other_applicant` is another citizen.

Run with MATRIX_DISCOVER=1 to print the observed table (to review a change, never to paste blindly).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from onewindow.cases.tests.api_world import World
from onewindow.org.choices import Role
from onewindow.testing import make_user

PERSONAS = ["anonymous", "owner", "other_applicant", "clerk", "clerk_other", "approver", "approver_other", "head",
            "leader", "liaison", "hall_manager", "catalog_admin", "sysadmin"]
GROUPS: dict[str, list[str]] = {
    "ALL": PERSONAS,
    "ANON": ["anonymous"],
    "APPLICANTS": ["owner", "other_applicant"],
    "STAFF": ["clerk", "clerk_other", "approver", "approver_other", "head", "leader", "liaison", "hall_manager",
              "catalog_admin", "sysadmin"],
    "CASE_STAFF": ["clerk", "approver", "head", "leader", "sysadmin"],  # staff whose scope holds the world's case
}


@dataclass
class Row:
    pattern: str
    url: str | Callable[[Any], str]
    expected: dict[str, int] = field(default_factory=dict)
    prefix: bool = False  # the row covers every pattern under `pattern` (the admin site)

    def statuses(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for key, status in self.expected.items():
            for persona in GROUPS.get(key, [key]):
                result[persona] = status
        missing = set(PERSONAS) - set(result)
        assert not missing, f"row {self.pattern} says nothing about {sorted(missing)}"
        return result


def E(**kwargs: int) -> dict[str, int]:  # noqa: N802 - reads as a table column
    return kwargs


PUBLIC = E(ALL=200)
STAFF_ONLY = E(ANON=302, APPLICANTS=403, STAFF=200)
NOPE = "nonexistent0"
UUID0 = "00000000-0000-0000-0000-000000000000"

ROWS: list[Row] = [
    # --- platform -------------------------------------------------------------------------------------------
    Row("healthz", "/healthz", PUBLIC),
    # the benchmarks' baselines exist only when settings.ONEWINDOW_BENCH is on (never in production)
    Row("_bench/noop/", "/_bench/noop/", E(ALL=404)),
    Row("_bench/insert/", "/_bench/insert/", E(ALL=405)),  # POST only; a POST is 404 when off (core/tests)
    Row("healthz/", "/healthz/", PUBLIC),
    Row("admin/login/", "/admin/login/", E(ALL=302)),
    Row("admin/", "/admin/", E(ANON=302, APPLICANTS=302, STAFF=200), prefix=True),
    Row("accounts/login/", "/accounts/login/", PUBLIC),
    Row("accounts/logout/", "/accounts/logout/", E(ALL=405)),
    Row("accounts/login/verify/", "/accounts/login/verify/", E(ALL=302)),
    Row("accounts/login/enrol/", "/accounts/login/enrol/", E(ALL=302)),
    Row("accounts/password/", "/accounts/password/", E(ANON=302, APPLICANTS=200, STAFF=200)),
    Row("accounts/password/done/", "/accounts/password/done/", E(ALL=302)),
    # statistics: leaders (scoped by their binding) and system administrators; the figures' scope is tested in stats/tests
    Row("staff/stats/", "/staff/stats/", E(ANON=302, APPLICANTS=403, STAFF=403, leader=200, sysadmin=200)),
    Row("staff/stats/export.xlsx", "/staff/stats/export.xlsx", E(ANON=302, APPLICANTS=403, STAFF=403, leader=200, sysadmin=200)),
    Row("staff/stats/report/", "/staff/stats/report/", E(ANON=302, APPLICANTS=403, STAFF=403, leader=200, sysadmin=200)),
    Row("staff/security/access/", "/staff/security/access/", E(ANON=302, APPLICANTS=403, STAFF=403, sysadmin=200)),
    Row("i18n/setlang/", "/i18n/setlang/", E(ALL=302)),
    Row("prefs/", "/prefs/", E(ALL=405)),
    Row("", "/", PUBLIC),
    Row('api/v1/schema/', '/api/v1/schema/', E(ALL=200)),
    Row('api/v1/docs/', '/api/v1/docs/', E(ALL=200)),
    Row('api/v1/calendar/due/', '/api/v1/calendar/due/', E(ALL=400)),
    Row('api/v1/licences/verify/<str:code>/', '/api/v1/licences/verify/nonexistent0/', E(ALL=404)),
    Row('api/v1/shareddata/query/', '/api/v1/shareddata/query/', E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/hall/centres/<slug:code>/queue/', lambda w: f"/api/v1/hall/centres/{w.county.code}/queue/", E(ALL=200)),
    Row('api/v1/hall/centres/<slug:code>/tickets/', lambda w: f"/api/v1/hall/centres/{w.county.code}/tickets/", E(ALL=405)),
    Row('api/v1/hall/centres/<slug:code>/slots/', lambda w: f"/api/v1/hall/centres/{w.county.code}/slots/", E(ALL=400)),
    Row('api/v1/hall/tickets/<str:token>/', '/api/v1/hall/tickets/nonexistent0/', E(ALL=404)),
    Row('api/v1/hall/appointments/', '/api/v1/hall/appointments/', E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/hall/appointments/<str:code>/cancel/', '/api/v1/hall/appointments/nonexistent0/cancel/', E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/ratings/', '/api/v1/ratings/', E(ALL=405)),
    Row('api/v1/ratings/summary/', '/api/v1/ratings/summary/', E(ANON=403, APPLICANTS=403, STAFF=403, leader=200, hall_manager=200, sysadmin=200)),
    Row('api/v1/^centres/$', '/api/v1/centres/', E(ALL=200)),
    Row('api/v1/^centres/(?P<code>[^/.]+)/$', lambda w: f"/api/v1/centres/{w.county.code}/", E(ALL=200)),
    Row('api/v1/^departments/$', '/api/v1/departments/', E(ALL=200)),
    Row('api/v1/^departments/(?P<pk>[^/.]+)/$', lambda w: f"/api/v1/departments/{w.dept.pk}/", E(ALL=200)),
    Row('api/v1/^windows/$', '/api/v1/windows/', E(ALL=200)),
    Row('api/v1/^windows/(?P<pk>[^/.]+)/$', '/api/v1/windows/999999/', E(ALL=404)),
    Row('api/v1/^items/$', '/api/v1/items/', E(ALL=200)),
    Row('api/v1/^items/(?P<pk>[^/.]+)/$', lambda w: f"/api/v1/items/{w.item.pk}/", E(ALL=200)),
    Row('api/v1/^items/(?P<pk>[^/.]+)/guides/$', lambda w: f"/api/v1/items/{w.item.pk}/guides/", E(ALL=200)),
    Row('api/v1/^items/(?P<pk>[^/.]+)/publish/$', lambda w: f"/api/v1/items/{w.item.pk}/publish/", E(ALL=405)),
    Row('api/v1/^topics/$', '/api/v1/topics/', E(ALL=200)),
    Row('api/v1/^topics/(?P<code>[^/.]+)/$', '/api/v1/topics/nonexistent0/', E(ALL=404)),
    Row('api/v1/^integrated/$', '/api/v1/integrated/', E(ALL=200)),
    Row('api/v1/^integrated/(?P<code>[^/.]+)/$', '/api/v1/integrated/nonexistent0/', E(ALL=404)),
    Row('api/v1/^integrated/(?P<code>[^/.]+)/plan/$', '/api/v1/integrated/nonexistent0/plan/', E(ALL=405)),
    Row('api/v1/^cases/$', '/api/v1/cases/', E(ANON=403, APPLICANTS=200, STAFF=200)),
    Row('api/v1/^cases/export/$', '/api/v1/cases/export/', E(ANON=403, APPLICANTS=403, STAFF=403, head=200, leader=200, sysadmin=200)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/$', lambda w: f"/api/v1/cases/{w.the_case.number}/", E(ANON=403, APPLICANTS=200, STAFF=200, other_applicant=404, clerk_other=404, approver_other=404, liaison=404, catalog_admin=404)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/accept/$', lambda w: f"/api/v1/cases/{w.the_case.number}/accept/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/archive/$', lambda w: f"/api/v1/cases/{w.the_case.number}/archive/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/decide/$', lambda w: f"/api/v1/cases/{w.the_case.number}/decide/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/deliver/$', lambda w: f"/api/v1/cases/{w.the_case.number}/deliver/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/end-special/$', lambda w: f"/api/v1/cases/{w.the_case.number}/end-special/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/extend/$', lambda w: f"/api/v1/cases/{w.the_case.number}/extend/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/fulfil-pending/$', lambda w: f"/api/v1/cases/{w.the_case.number}/fulfil-pending/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/prereview-pass/$', lambda w: f"/api/v1/cases/{w.the_case.number}/prereview-pass/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/receive-correction/$', lambda w: f"/api/v1/cases/{w.the_case.number}/receive-correction/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/refuse/$', lambda w: f"/api/v1/cases/{w.the_case.number}/refuse/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/request-correction/$', lambda w: f"/api/v1/cases/{w.the_case.number}/request-correction/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/review/$', lambda w: f"/api/v1/cases/{w.the_case.number}/review/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/revoke/$', lambda w: f"/api/v1/cases/{w.the_case.number}/revoke/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/start-review/$', lambda w: f"/api/v1/cases/{w.the_case.number}/start-review/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/start-special/$', lambda w: f"/api/v1/cases/{w.the_case.number}/start-special/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^cases/(?P<number>[0-9A-Za-z]+)/withdraw/$', lambda w: f"/api/v1/cases/{w.the_case.number}/withdraw/", E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^handoffs/$', '/api/v1/handoffs/', E(ANON=403, APPLICANTS=200, STAFF=200)),
    Row('api/v1/^handoffs/(?P<uuid>[^/.]+)/$', '/api/v1/handoffs/00000000-0000-0000-0000-000000000000/', E(ANON=403, APPLICANTS=404, STAFF=404)),
    Row('api/v1/^handoffs/(?P<uuid>[^/.]+)/claim/$', '/api/v1/handoffs/00000000-0000-0000-0000-000000000000/claim/', E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/^handoffs/(?P<uuid>[^/.]+)/feedback/$', '/api/v1/handoffs/00000000-0000-0000-0000-000000000000/feedback/', E(ANON=403, APPLICANTS=405, STAFF=405)),
    Row('api/v1/', '/api/v1/', E(ALL=200)),
    Row('licences/verify/<str:code>/', '/licences/verify/nonexistent0/', E(ALL=404)),
    Row('my/licences/', '/my/licences/', E(ANON=302, APPLICANTS=200, STAFF=200)),
    Row('my/licences/<str:code>.pdf', '/my/licences/nonexistent0.pdf', E(ANON=302, APPLICANTS=404, STAFF=404)),
    Row('staff/licences/<str:code>.pdf', '/staff/licences/nonexistent0.pdf', E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('staff/licences/cases/<str:number>/check/', lambda w: f"/staff/licences/cases/{w.the_case.number}/check/", E(ALL=405)),
    Row('staff/licences/cases/<str:number>/authorise/', lambda w: f"/staff/licences/cases/{w.the_case.number}/authorise/", E(ALL=405)),
    Row('staff/licences/cases/<str:number>/issue/', lambda w: f"/staff/licences/cases/{w.the_case.number}/issue/", E(ALL=405)),
    Row('supervision/inbox/', '/supervision/inbox/', E(ANON=302, APPLICANTS=403, STAFF=200)),
    Row('supervision/stats/', '/supervision/stats/', E(ANON=302, APPLICANTS=403, STAFF=200)),
    Row('supervision/handoffs/<uuid:uuid>/', '/supervision/handoffs/00000000-0000-0000-0000-000000000000/', E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('supervision/handoffs/<uuid:uuid>/claim/', '/supervision/handoffs/00000000-0000-0000-0000-000000000000/claim/', E(ALL=405)),
    Row('supervision/handoffs/<uuid:uuid>/feedback/', '/supervision/handoffs/00000000-0000-0000-0000-000000000000/feedback/', E(ALL=405)),
    Row('supervision/handoffs/<uuid:uuid>/assign/', '/supervision/handoffs/00000000-0000-0000-0000-000000000000/assign/', E(ALL=405)),
    Row('supervision/cases/<str:number>/', lambda w: f"/supervision/cases/{w.the_case.number}/", E(ANON=302, APPLICANTS=403, STAFF=200, clerk_other=404, approver_other=404, liaison=404, catalog_admin=404)),
    Row('supervision/registrations/<str:number>/', lambda w: f"/supervision/registrations/{w.the_case.number}/", E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('supervision/registrations/<str:number>/notice.pdf', lambda w: f"/supervision/registrations/{w.the_case.number}/notice.pdf", E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('supervision/notice/<str:code>.pdf', '/supervision/notice/nonexistent0.pdf', E(ALL=404)),
    Row('messages/', '/messages/', E(ANON=302, APPLICANTS=403, STAFF=200)),
    Row('messages/read/', '/messages/read/', E(ALL=405)),
    Row('webhooks/', '/webhooks/', E(ANON=302, APPLICANTS=403, STAFF=403, sysadmin=200)),
    Row('webhooks/dead/', '/webhooks/dead/', E(ANON=302, APPLICANTS=403, STAFF=403, sysadmin=200)),
    Row('webhooks/dead/<int:pk>/resend/', '/webhooks/dead/999999/resend/', E(ALL=405)),
    Row('webhooks/<uuid:uuid>/', '/webhooks/00000000-0000-0000-0000-000000000000/', E(ANON=302, APPLICANTS=403, STAFF=403, sysadmin=404)),
    Row('hall/', '/hall/', E(ALL=200)),
    Row('hall/weekend/', '/hall/weekend/', E(ALL=200)),
    Row('hall/t/<str:token>/', '/hall/t/nonexistent0/', E(ALL=404)),
    Row('hall/t/<str:token>/status/', '/hall/t/nonexistent0/status/', E(ALL=404)),
    Row('hall/book/', '/hall/book/', E(ALL=200)),
    Row('hall/book/<slug:centre>/<int:item>/', lambda w: f"/hall/book/{w.county.code}/{w.item.pk}/", E(ANON=302, APPLICANTS=302, STAFF=302, clerk=404, hall_manager=404)),
    Row('hall/appointments/<str:code>/', '/hall/appointments/nonexistent0/', E(ALL=404)),
    Row('hall/appointments/<str:code>/cancel/', '/hall/appointments/nonexistent0/cancel/', E(ALL=405)),
    Row('hall/my/appointments/', '/hall/my/appointments/', E(ANON=302, APPLICANTS=200, STAFF=200)),
    Row('hall/window/', '/hall/window/', E(ANON=302, APPLICANTS=403, STAFF=200)),
    Row('hall/window/<int:pk>/take/', '/hall/window/999999/take/', E(ANON=302, APPLICANTS=403, STAFF=405)),
    Row('hall/window/<int:pk>/release/', '/hall/window/999999/release/', E(ANON=302, APPLICANTS=403, STAFF=405)),
    Row('hall/window/<int:pk>/queue/', '/hall/window/999999/queue/', E(ANON=302, APPLICANTS=403, STAFF=204)),
    Row('hall/window/<int:pk>/act/<str:action>/', '/hall/window/999999/act/call/', E(ANON=302, APPLICANTS=403, STAFF=405)),
    Row('hall/window/<int:pk>/tablet/', '/hall/window/999999/tablet/', E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('hall/window/<int:pk>/tablet/state/', '/hall/window/999999/tablet/state/', E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('hall/stats/', '/hall/stats/', E(ANON=302, APPLICANTS=403, STAFF=403, leader=200, hall_manager=200, sysadmin=200)),
    Row('hall/<slug:centre>/kiosk/', lambda w: f"/hall/{w.county.code}/kiosk/", E(ALL=200)),
    Row('hall/<slug:centre>/kiosk/checkin/', lambda w: f"/hall/{w.county.code}/kiosk/checkin/", E(ALL=200)),
    Row('hall/<slug:centre>/kiosk/ticket/<str:token>/', lambda w: f"/hall/{w.county.code}/kiosk/ticket/nonexistent0/", E(ALL=404)),
    Row('hall/<slug:centre>/board/', lambda w: f"/hall/{w.county.code}/board/", E(ALL=200)),
    Row('hall/<slug:centre>/board/feed/', lambda w: f"/hall/{w.county.code}/board/feed/", E(ALL=204)),
    Row('hall/<slug:centre>/weekend/', lambda w: f"/hall/{w.county.code}/weekend/", E(ALL=200)),
    Row('ratings/case/<str:tracking_code>/', lambda w: f"/ratings/case/{w.the_case.tracking_code}/", E(ALL=200)),
    Row('ratings/ticket/<str:token>/', '/ratings/ticket/nonexistent0/', E(ALL=405)),
    Row('ratings/dashboard/', '/ratings/dashboard/', E(ANON=302, APPLICANTS=403, STAFF=403, leader=200, hall_manager=200, sysadmin=200)),
    Row('ratings/follow-ups/', '/ratings/follow-ups/', E(ANON=302, APPLICANTS=403, STAFF=200)),
    Row('ratings/follow-ups/<int:pk>/', '/ratings/follow-ups/999999/', E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('ratings/follow-ups/<int:pk>/act/<str:action>/', '/ratings/follow-ups/999999/act/call/', E(ANON=302, APPLICANTS=403, STAFF=405)),
    Row('yjs/', '/yjs/', E(ALL=200)),
    Row('yjs/<slug:code>/', '/yjs/nonexistent0/', E(ALL=404)),
    Row('yjs/<slug:code>/plan/', '/yjs/nonexistent0/plan/', E(ALL=404)),
    Row('yjs/<slug:code>/notice.pdf', '/yjs/nonexistent0/notice.pdf', E(ALL=404)),
    Row('yjs/<slug:code>/apply/', '/yjs/nonexistent0/apply/', E(ANON=302, APPLICANTS=404, STAFF=404)),
    Row('my/yjs/', '/my/yjs/', E(ANON=302, APPLICANTS=200, STAFF=200)),
    Row('staff/yjs/', '/staff/yjs/', E(ANON=302, APPLICANTS=403, STAFF=403, clerk=200, clerk_other=200)),
    Row('staff/yjs/bundle/<int:pk>/', '/staff/yjs/bundle/999999/', E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('staff/yjs/bundle/<int:pk>/<str:kind>.pdf', '/staff/yjs/bundle/999999/receipt.pdf', E(ANON=302, APPLICANTS=403, STAFF=404)),
    Row('staff/yjs/<slug:code>/', '/staff/yjs/nonexistent0/', E(ANON=302, APPLICANTS=403, STAFF=403, clerk=404, clerk_other=404)),
    Row('staff/yjs/<slug:code>/plan/', '/staff/yjs/nonexistent0/plan/', E(ANON=302, APPLICANTS=403, STAFF=403, clerk=404, clerk_other=404)),
    Row('staff/', '/staff/', E(ANON=302, APPLICANTS=403, STAFF=200)),
    Row('staff/intake/', '/staff/intake/', E(ANON=302, APPLICANTS=403, STAFF=403, clerk=200, clerk_other=200)),
    Row('staff/intake/items/', '/staff/intake/items/', E(ANON=302, APPLICANTS=403, STAFF=403, clerk=200, clerk_other=200)),
    Row('staff/intake/materials/', '/staff/intake/materials/', E(ANON=302, APPLICANTS=403, STAFF=403, clerk=200, clerk_other=200)),
    Row('staff/intake/applicant/', '/staff/intake/applicant/', E(ANON=302, APPLICANTS=403, STAFF=403, clerk=200, clerk_other=200)),
    Row('staff/inbox/', '/staff/inbox/', E(ANON=302, APPLICANTS=403, STAFF=200)),
    Row('staff/cases/', '/staff/cases/', E(ANON=302, APPLICANTS=403, STAFF=200)),
    Row('staff/cases/export.xlsx', '/staff/cases/export.xlsx', E(ANON=302, APPLICANTS=403, STAFF=403, head=200, leader=200, sysadmin=200)),
    Row('staff/cases/<str:number>/', lambda w: f"/staff/cases/{w.the_case.number}/", E(ANON=302, APPLICANTS=403, STAFF=200, clerk_other=404, approver_other=404, liaison=404, catalog_admin=404)),
    # POST only; who may reveal (and the audit of it) is tested in cases/tests/test_pii_masking.py
    Row('staff/cases/<str:number>/reveal/', lambda w: f"/staff/cases/{w.the_case.number}/reveal/", E(ALL=405)),
    Row('staff/cases/<str:number>/act/<str:action>/', lambda w: f"/staff/cases/{w.the_case.number}/act/call/", E(ALL=405)),
    Row('staff/cases/<str:number>/notice/<str:kind>.pdf', lambda w: f"/staff/cases/{w.the_case.number}/notice/receipt.pdf", E(ANON=302, APPLICANTS=403, STAFF=200, clerk_other=404, approver_other=404, liaison=404, catalog_admin=404)),
    Row('track/', '/track/', E(ALL=200)),
    Row('track/<str:code>/', lambda w: f"/track/{w.the_case.tracking_code}/", E(ALL=200)),
    Row('track/<str:code>/notice/<str:kind>.pdf', lambda w: f"/track/{w.the_case.tracking_code}/notice/receipt.pdf", E(ALL=200)),
    Row('my/', '/my/', E(ANON=302, APPLICANTS=200, STAFF=200)),
    Row('my/login/', '/my/login/', E(ALL=200)),
    Row('my/register/', '/my/register/', E(ALL=200)),
    Row('my/logout/', '/my/logout/', E(ALL=405)),
    Row('apply/<str:code>/', lambda w: f"/apply/{w.item_code}/", E(ANON=302, APPLICANTS=200, STAFF=200)),
    Row('my/cases/<str:number>/', lambda w: f"/my/cases/{w.the_case.number}/", E(ANON=302, APPLICANTS=200, STAFF=404, other_applicant=404)),
    Row('items/', '/items/', E(ALL=200)),
    Row('guide/<str:code>/', lambda w: f"/guide/{w.item_code}/", E(ALL=200)),
    Row('guide/<str:code>/v<int:number>/', lambda w: f"/guide/{w.item_code}/v1/", E(ALL=200)),
    Row('guide/<str:code>/notice.pdf', lambda w: f"/guide/{w.item_code}/notice.pdf", E(ALL=200)),
    Row('guide/<str:code>/v<int:number>/notice.pdf', lambda w: f"/guide/{w.item_code}/v1/notice.pdf", E(ALL=200)),
]


def _walk(patterns: list[Any], prefix: str = "") -> list[str]:
    routes: list[str] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            routes += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            routes.append(prefix + str(entry.pattern))
    return routes


FORMAT_SUFFIX = r"\.(?P<format>[a-z0-9]+)/?$"


def _covered(route: str) -> bool:
    # DRF's format-suffix twin (…\.(?P<format>…)) is the same view as its base route.
    base = route.replace(FORMAT_SUFFIX, "/$") if route.endswith(FORMAT_SUFFIX) else route
    base = base.replace("<drf_format_suffix:format>", "")
    for row in ROWS:
        if row.pattern in (route, base) or (row.prefix and route.startswith(row.pattern)):
            return True
    return False


def test_every_url_pattern_has_a_row():
    missing = [route for route in _walk(get_resolver().url_patterns) if not _covered(route)]
    assert not missing, "URL patterns without a permission-matrix row:\n" + "\n".join(missing)


def test_rows_name_real_patterns():
    routes = set(_walk(get_resolver().url_patterns))
    stale = [row.pattern for row in ROWS if not (row.pattern in routes or (row.prefix and any(
        r.startswith(row.pattern) for r in routes)))]
    assert not stale, f"rows for patterns that no longer exist: {stale}"


class MatrixWorld(World):
    """The case API world plus the roles it lacks; one received case at the county centre."""

    def _make(self, persona: str) -> Any:
        if persona == "hall_manager":
            return make_user("hall-manager", Role.HALL_MANAGER, centre=self.county)
        if persona == "catalog_admin":
            return make_user("catalog-admin", Role.CATALOG_ADMIN)
        if persona == "sysadmin":
            return make_user("sysadmin", Role.SYSTEM_ADMIN)
        return super()._make(persona)


@pytest.mark.django_db
def test_the_matrix(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = MatrixWorld()
    w.the_case = w.case("received")
    w.item_code = w.item.implementation_code
    clients = {persona: w.client(persona) if persona != "anonymous" else Client() for persona in PERSONAS}
    problems: list[str] = []
    discovered: list[str] = []
    for row in ROWS:
        url = row.url(w) if callable(row.url) else row.url
        expected = row.statuses()
        observed = {}
        for persona in PERSONAS:
            client = clients[persona]
            response = client.get(url, REMOTE_ADDR=f"10.77.{PERSONAS.index(persona)}.1")
            observed[persona] = response.status_code
            if response.status_code != expected[persona]:
                problems.append(f"{row.pattern} {url} as {persona}: expected {expected[persona]}, got "
                                f"{response.status_code}")
            if getattr(response, "wsgi_request", None) is not None and persona != "anonymous" and \
                    not response.wsgi_request.user.is_authenticated and persona != "anonymous":
                # A request that logged the persona out (logout URL, idle) would poison the next rows.
                clients[persona] = w.client(persona)
        discovered.append(f"    Row({row.pattern!r}, {url!r}, E(" + ", ".join(
            f"{p}={s}" for p, s in observed.items()) + ")),")
    if os.environ.get("MATRIX_DISCOVER"):
        print("\n".join(discovered))
    assert not problems, "\n".join(problems)
