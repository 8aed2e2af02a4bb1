"""The demo county is the county the issue promised. One load serves every test here (they only read);
it is rolled back when the module ends, so other tests never see it."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction

from onewindow.catalog.choices import CaseKind, Necessity
from onewindow.catalog.models import Material, ServiceItem, Topic
from onewindow.catalog.search import search_items
from onewindow.catalog.services import current_guide
from onewindow.demo.loader import DEMO_DATA, load_county, read_data
from onewindow.org.choices import CentreLevel, Role, WindowKind
from onewindow.org.models import Department, ServiceCentre, StaffRole

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def data():
    return read_data(DEMO_DATA)


@pytest.fixture(scope="module")
def loaded(data, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_county(actor=None, data=data)
        transaction.set_rollback(True)


def test_it_loads_the_network_the_issue_describes(loaded):
    by_level = Counter(ServiceCentre.objects.values_list("level", flat=True))
    assert by_level == {CentreLevel.COUNTY: 1, CentreLevel.BRANCH: 2, CentreLevel.TOWNSHIP: 15,
                        CentreLevel.VILLAGE: 10, CentreLevel.BANK_OUTLET: 2, CentreLevel.KIOSK: 1}
    assert Department.objects.count() >= 24
    assert all(d.sections.exists() for d in Department.objects.all())
    county = ServiceCentre.objects.get(level=CentreLevel.COUNTY)
    general = county.windows.filter(kind=WindowKind.GENERAL)
    special = county.windows.filter(kind=WindowKind.SPECIALISED)
    assert general.count() == 5
    assert special.count() >= 4 and all(w.items.exists() for w in special)
    for centre in ServiceCentre.objects.filter(level__in=[CentreLevel.BRANCH, CentreLevel.TOWNSHIP]):
        assert 1 <= centre.windows.filter(kind=WindowKind.GENERAL).count() <= 2, centre
    assert Topic.objects.filter(audience="citizen").exists() and Topic.objects.filter(audience="enterprise").exists()


def test_it_publishes_a_realistic_catalog(loaded):
    published = ServiceItem.objects.published()
    assert published.count() >= 60
    assert published.filter(county_wide=True).count() >= 20
    assert published.filter(weekend_service=True).exists()
    assert published.filter(fee_required=True).exclude(fee_basis="").exists()
    assert published.filter(case_kind=CaseKind.INSTANT, promised_days=0).exists()
    assert published.filter(case_kind=CaseKind.PROMISED, promised_days__gt=0).exists()
    assert published.exclude(result_licence_type="").exists()
    assert Material.objects.filter(necessity=Necessity.DEFERRABLE).exists()
    kinds = Counter(Material.objects.exclude(kind="").values_list("kind", "item").distinct().values_list("kind", flat=True))
    assert kinds["id_card"] >= 10 and kinds["business_licence"] >= 10  # kinds are shared across items
    # Some townships take items beyond the county-wide list.
    extra = ServiceItem.objects.filter(extra_centres__level=CentreLevel.TOWNSHIP, county_wide=False)
    assert extra.exists()
    for name in ["公司设立登记", "公司变更登记", "食品经营许可（新办）", "公共场所卫生许可", "建筑工程施工许可证核发",
                 "公章刻制备案", "发票领用", "供水过户", "居民用电更名过户", "管道燃气过户"]:
        assert published.filter(name=name).exists(), name


def test_every_item_and_material_passes_full_clean_and_has_a_current_guide(loaded):
    for item in ServiceItem.objects.select_related("department", "section"):
        item.full_clean()
        assert item.implementation_code == item.department.credit_code + item.exercise_level + item.basic_code
        guide = current_guide(item)
        assert guide is not None and guide.number == item.published_version == 1
        assert len(guide.materials) == item.materials.count() > 0
    for material in Material.objects.all():
        material.full_clean()
    for centre in ServiceCentre.objects.all():
        centre.full_clean()
    for dept in Department.objects.all():
        dept.full_clean()


def test_every_role_has_a_demo_login_with_the_documented_password(loaded, data):
    User = get_user_model()
    password = data["logins"]["password"]
    assert set(StaffRole.objects.values_list("role", flat=True)) == set(Role.values)
    admin = authenticate(username="admin", password=password)
    assert admin is not None and admin.is_superuser
    for staff in data["logins"]["staff"]:
        user = User.objects.get(username=staff["username"])
        assert user.is_staff and user.first_name == staff["name"]
        assert user.password == admin.password  # the same documented password (one hash, checked above)
        assert user.groups.filter(name=Role(staff["role"]).label).exists()


def test_yyzz_finds_the_business_licence_items_first(loaded):
    results = search_items(ServiceItem.objects.published(), "yyzz")
    licence_items = ServiceItem.objects.filter(result_name__startswith="营业执照").count()
    top = results[:licence_items]
    assert licence_items >= 4 and all(item.result_name.startswith("营业执照") for item in top)
    assert "公司设立登记" in [item.name for item in top[:3]]
