"""`onewindow calendar …`: the command-line face of the calendar."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onewindow.testing import make_county
from onewindow.workdays import services
from onewindow.workdays.choices import DayKind
from onewindow.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_it_prints_the_first_working_day_after_the_national_day():
    out, err = run("due", "2026-09-30", "1")

    assert out == "2026-10-08"
    assert err == ""


@pytest.mark.usefixtures("without_2027_schedule")
def test_it_warns_on_stderr_when_the_due_date_is_provisional():
    out, err = run("due", "2026-12-30", "3")

    assert out == "2027-01-05"
    assert "临时日历" in err


def test_it_uses_a_centres_own_days_when_asked():
    county = make_county()
    services.set_day(actor=None, date=dt.date(2026, 10, 8), kind=DayKind.REST, centre=county)

    assert run("due", "2026-09-30", "1", "--centre", county.code)[0] == "2026-10-09"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("due", "2026-02-30", "1"), "无效"),
        (("due", "30/09/2026", "1"), "无效"),
        (("due", "2026-09-30", "-1"), "非负"),
        (("due", "2026-09-30", "1", "--centre", "nowhere"), "nowhere"),
        (("due", "9999-12-30", "1"), "outside the supported range"),
    ],
    ids=["impossible-date", "wrong-format", "negative", "unknown-centre", "beyond-year-9998"],
)
def test_it_answers_bad_input_to_due_with_a_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_it_counts_working_days_between_two_dates():
    assert run("between", "2026-09-30", "2026-10-12")[0] == "4"


def test_it_imports_a_year_from_a_file(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,rest,元旦\n2027-02-20,work,调休\n", encoding="utf-8")

    assert run("import", str(path), "--year", "2027", "--note", "国办发明电")[0] == "imported 2027"
    assert CalendarYear.objects.get(year=2027).note == "国办发明电"
    assert run("due", "2027-02-19", "1")[0] == "2027-02-20"


def test_it_refuses_a_broken_file_and_writes_nothing(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("2027-01-01,rest,元旦\n2027-02-30,rest,不存在的日期\n2027-01-04,work,周一\n", encoding="utf-8")
    before = (CalendarDay.objects.count(), CalendarYear.objects.count())

    with pytest.raises(CommandError) as caught:
        run("import", str(path), "--year", "2027")

    assert "未写入任何数据" in str(caught.value)
    assert "第2行" in str(caught.value) and "第3行" in str(caught.value)
    assert (CalendarDay.objects.count(), CalendarYear.objects.count()) == before


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run("import", str(tmp_path / "absent.csv"), "--year", "2027")


def test_it_shows_an_official_year_from_the_table():
    out, _ = run("show", "2026")

    assert "2026-10-01 rest" in out
    assert "2026-10-10 work" in out


@pytest.mark.usefixtures("without_2027_schedule")
def test_it_shows_a_provisional_year_as_the_statutory_days():
    out, _ = run("show", "2027")
    lines = out.splitlines()

    assert "临时日历" in lines[0]
    assert len(lines) == 1 + 13
    assert "2027-02-05 rest 春节" in lines


def test_it_seeds_nothing_new_when_every_package_year_is_in_the_table():
    assert run("seed")[0] == "seeded 0 years"
