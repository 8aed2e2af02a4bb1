"""The staff header shows each role the screens it works in, and the case page carries the supervision record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onewindow.testing import Role, make_county, make_department, make_user

pytestmark = pytest.mark.django_db

LINKS = {
    "一件事": "/staff/yjs/",
    "叫号": "/hall/window/",
    "监管认领": "/supervision/inbox/",
    "差评整改": "/ratings/follow-ups/",
    "对外推送": "/webhooks/",
}


@pytest.mark.parametrize(("role", "shown"), [
    (Role.CLERK, {"一件事", "叫号"}),
    (Role.LIAISON, {"监管认领"}),
    (Role.LEADER, {"差评整改"}),
    (Role.SYSTEM_ADMIN, {"对外推送", "监管认领"}),
])
def test_nav_links_follow_the_role(client, role, shown):
    county, dept = make_county(), make_department()
    scope = {"centre": county} if role == Role.CLERK else {"department": dept}
    if role in (Role.LEADER, Role.SYSTEM_ADMIN):
        scope = {"centre": county}
    user = make_user("u", role, **scope)
    user.is_staff = True
    user.save()
    client.force_login(user)
    html = client.get(reverse("cases:workbench")).content.decode()
    for label, href in LINKS.items():
        link = f'<a href="{href}">{label}</a>'
        assert (link in html) == (label in shown), (role, label)


def test_case_page_has_supervision_record_and_track_page_offers_rating(client):
    from onewindow.cases import services
    from onewindow.testing import make_item, person

    county, dept = make_county(), make_department()
    item = make_item(dept)
    clerk = make_user("clerk", Role.CLERK, centre=county)
    ids = [m["id"] for m in item.guides.get(status="published").materials]
    case = services.receive_case(actor=clerk, item=item, applicant=person(1), centre=county,
                                 received_material_ids=ids).case
    case = services.accept_case(actor=clerk, case=case)
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert 'id="supervision"' in client.get(reverse("cases:case_detail", args=[case.number])).content.decode()
    client.logout()
    html = client.get(f"/track/{case.tracking_code}/").content.decode()
    assert 'id="rate-case-link"' in html
