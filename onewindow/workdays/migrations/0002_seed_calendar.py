"""Seed the working-day table from chinese_calendar so every installation has deadlines from day one."""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    years = sorted({d.year for d in chinese_calendar.holidays})
    existing = set(CalendarYear.objects.values_list("year", flat=True))
    rows = []
    for day, name in chinese_calendar.holidays.items():
        if day.year not in existing:
            rows.append(CalendarDay(date=day, kind="rest", name=NAMES.get(str(name), str(name or ""))))
    for day, name in chinese_calendar.workdays.items():
        if day.year not in existing and day.weekday() >= 5:
            rows.append(CalendarDay(date=day, kind="work", name=NAMES.get(str(name), str(name or "")) + "调休"))
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source="seed", note="chinese_calendar") for y in years if y not in existing]
    )


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
