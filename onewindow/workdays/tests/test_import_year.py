"""Importing a year's official schedule: all lines good or nothing written, every bad line named."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.testing import make_user
from onewindow.workdays import calendar as wd
from onewindow.workdays import services
from onewindow.workdays.choices import DayKind, YearSource
from onewindow.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat

# A plausible 2027 schedule (Feb 20 2027 is a Saturday).
GOOD_2027 = """date,kind,name
2027-01-01,rest,元旦
2027-02-05,休,春节
2027-02-08,rest,春节
2027-02-09,rest,春节
2027-02-10,rest,春节
2027-02-11,rest,春节
2027-02-20,班,春节调休
"""


@pytest.fixture
def catalog_admin():
    return make_user("calendar-keeper", "catalog_admin")


def table_size() -> tuple[int, int, int]:
    return CalendarDay.objects.count(), CalendarYear.objects.count(), AuditEvent.objects.count()


def test_it_imports_a_good_csv_and_marks_the_year_imported(catalog_admin):
    year = services.import_year(actor=catalog_admin, year=2027, content=GOOD_2027.encode(), note="国办发明电〔2026〕7号")

    assert (year.year, year.source, year.note) == (2027, YearSource.IMPORTED, "国办发明电〔2026〕7号")
    rows = CalendarDay.objects.filter(centre__isnull=True, date__year=2027)
    assert rows.filter(kind=DayKind.REST).count() == 6
    assert list(rows.filter(kind=DayKind.WORK).values_list("date", "name")) == [(D("2027-02-20"), "春节调休")]
    event = AuditEvent.objects.get(action="calendar_imported")
    assert (event.actor, event.object_id, event.data) == (catalog_admin, str(year.pk), {"days": 7})


def test_it_computes_2027_deadlines_from_the_imported_schedule_not_the_provisional_one(catalog_admin):
    services.import_year(actor=catalog_admin, year=2027, content=GOOD_2027)

    assert wd.add_working_days(D("2027-02-04"), 1) == wd.DueDate(D("2027-02-12"), provisional=False)
    assert wd.add_working_days(D("2027-02-19"), 1).date == D("2027-02-20")  # the Saturday is worked
    assert wd.is_workday(D("2027-04-05")) is True  # 清明 was not in the file: the file is the truth


def test_it_reads_a_json_list(catalog_admin):
    content = json.dumps([{"date": "2027-01-01", "kind": "rest", "name": "元旦"},
                          {"date": "2027-02-20", "kind": "work", "name": "调休"}])

    services.import_year(actor=catalog_admin, year=2027, content=content)

    assert CalendarDay.objects.filter(date__year=2027).count() == 2


def test_it_reads_a_csv_saved_with_a_byte_order_mark(catalog_admin):
    services.import_year(actor=catalog_admin, year=2027, content=GOOD_2027.encode("utf-8-sig"))

    assert CalendarDay.objects.filter(date__year=2027).count() == 7


def test_it_reads_a_csv_saved_by_excel_in_gbk(catalog_admin):
    services.import_year(actor=catalog_admin, year=2027, content=GOOD_2027.encode("gbk"))

    assert CalendarDay.objects.get(date=D("2027-02-20")).name == "春节调休"


def test_it_replaces_the_national_schedule_of_the_year_but_keeps_centre_overrides(catalog_admin):
    from onewindow.testing import make_county

    county = make_county()
    services.set_day(actor=catalog_admin, date=D("2027-03-01"), kind=DayKind.REST, centre=county)
    services.import_year(actor=catalog_admin, year=2027, content=GOOD_2027)

    services.import_year(actor=catalog_admin, year=2027, content="2027-01-01,rest,元旦\n")

    assert list(CalendarDay.objects.filter(date__year=2027, centre__isnull=True).values_list("date", flat=True)) == [
        D("2027-01-01")
    ]
    assert CalendarDay.objects.filter(date=D("2027-03-01"), centre=county).exists()


def test_it_lists_every_bad_line_and_writes_nothing(catalog_admin):
    content = "\n".join([
        "date,kind,name",
        "2027-13-01,rest,月份错误",    # 2: bad date
        "2026-10-01,rest,国庆",        # 3: wrong year
        "2027-01-01,rest,元旦",        # 4: good
        "2027-01-01,rest,元旦",        # 5: duplicate
        "2027-01-04,work,周一",        # 6: work on a Monday
        "2027-01-09,holiday,未知类型",  # 7: unknown kind
    ])
    before = table_size()

    with pytest.raises(ValidationError) as caught:
        services.import_year(actor=catalog_admin, year=2027, content=content.encode())

    messages = caught.value.messages
    assert [m[:3] for m in messages] == ["第2行", "第3行", "第5行", "第6行", "第7行"]
    assert "2027-13-01" in messages[0]
    assert "不属于 2027 年" in messages[1]
    assert "重复" in messages[2]
    assert "本来就是工作日" in messages[3]
    assert "rest/休 或 work/班" in messages[4]
    assert table_size() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "没有任何日期"),
        (b"", "没有任何日期"),
        ("date,kind,name\n\n# 注释\n", "没有任何日期"),
        ("[]", "没有任何日期"),
        ('[{"date": "2027-01-01", "kind": "rest"', "JSON 格式错误"),
        ('["2027-01-01"]', "第1行"),
        (b"\xff\xfe\x00\x01binary", "编码"),
    ],
    ids=["empty", "empty-bytes", "header-only", "empty-json", "broken-json", "json-not-objects", "not-text"],
)
def test_it_rejects_a_file_without_usable_dates_and_writes_nothing(catalog_admin, content, message):
    before = table_size()

    with pytest.raises(ValidationError) as caught:
        services.import_year(actor=catalog_admin, year=2027, content=content)

    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert table_size() == before


def test_it_leaves_an_existing_year_untouched_when_its_reimport_is_broken(catalog_admin):
    rows_2026 = set(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind"))
    assert len(rows_2026) == 33 + 6

    with pytest.raises(ValidationError):
        services.import_year(actor=catalog_admin, year=2026, content="2026-01-01,rest,元旦\n2026-02-30,rest,错\n")

    assert set(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind")) == rows_2026
    assert CalendarYear.objects.get(year=2026).source == YearSource.SEED


def test_it_refuses_a_year_out_of_range(catalog_admin):
    with pytest.raises(ValidationError, match="超出范围"):
        services.import_year(actor=catalog_admin, year=1900, content="1900-01-01,rest,元旦\n")


def test_it_keeps_the_seeded_years_when_seeding_again_without_overwrite():
    assert services.seed_from_chinese_calendar(actor=None, years=[2026]) == []


def test_it_restores_a_seeded_year_when_seeding_with_overwrite(catalog_admin):
    services.import_year(actor=catalog_admin, year=2026, content="2026-01-01,rest,元旦\n")
    assert CalendarDay.objects.filter(date__year=2026).count() == 1

    assert services.seed_from_chinese_calendar(actor=catalog_admin, years=[2026], overwrite=True) == [2026]

    assert CalendarDay.objects.filter(date__year=2026).count() == 33 + 6
    assert CalendarYear.objects.get(year=2026).source == YearSource.SEED
    assert wd.add_working_days(D("2026-09-30"), 1).date == D("2026-10-08")
