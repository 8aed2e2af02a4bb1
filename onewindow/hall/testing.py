"""Builders for hall tests, browser tests and the benchmark: a centre with queue categories, windows and
clerks, made through the same services the product uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onewindow.catalog.models import ServiceItem
from onewindow.org.choices import Role, WindowKind
from onewindow.org.models import ServiceCentre, Window
from onewindow.testing import make_county, make_department, make_item, make_user

from . import services
from .models import HallWindow, QueueCategory


@dataclass
class Hall:
    centre: ServiceCentre
    items: dict[str, ServiceItem]
    categories: dict[str, QueueCategory]
    windows: dict[str, HallWindow]
    clerks: dict[str, Any] = field(default_factory=dict)
    manager: Any = None


def make_window(centre: ServiceCentre, number: str, kind: str = WindowKind.GENERAL, name: str = "") -> HallWindow:
    window = Window.objects.create(centre=centre, number=number, name=name or f"{number}号综合窗口", kind=kind)
    return services.hall_window(window)


def make_hall(*, centre: ServiceCentre | None = None, windows: int = 2, clerks: int = 2, specialised: bool = True,
              weekend_service: bool = False) -> Hall:
    """A county centre with categories A 综合业务 (two items) and B 不动产登记 (one item, weekend service),
    `windows` general windows (1号, 2号 …) plus an optional specialised window 9号 serving B only, clerks
    clerk1… and a hall manager."""
    centre = centre or make_county()
    if weekend_service and not centre.weekend_service:
        centre.weekend_service = True
        centre.save(update_fields=["weekend_service"])
    dept = make_department(seed=7, name="测试县行政审批局")
    food = make_item(dept, basic_code="000123456000", name="食品经营许可", promised_days=5, statutory_days=20,
                     county_wide=True)
    licence = make_item(dept, basic_code="000201001000", name="企业设立登记", promised_days=1, statutory_days=15,
                        county_wide=True)
    estate = make_item(dept, basic_code="000301001000", name="不动产登记", promised_days=5, statutory_days=30,
                       weekend_service=True)
    a = services.save_category(actor=None, category=QueueCategory(centre=centre, prefix="A", name="综合业务", order=1),
                               items=[food, licence])
    b = services.save_category(actor=None, category=QueueCategory(centre=centre, prefix="B", name="不动产登记", order=2),
                               items=[estate])
    hall_windows = {str(n): make_window(centre, str(n)) for n in range(1, windows + 1)}
    if specialised:
        nine = make_window(centre, "9", kind=WindowKind.SPECIALISED, name="不动产专窗")
        services.set_window_categories(actor=None, window=nine.window, categories=[b])
        hall_windows["9"] = nine
    hall = Hall(centre=centre, items={"food": food, "licence": licence, "estate": estate},
                categories={"A": a, "B": b}, windows=hall_windows)
    for n in range(1, clerks + 1):
        hall.clerks[f"clerk{n}"] = make_user(f"clerk{n}", Role.CLERK, centre=centre)
    hall.manager = make_user("hallmgr", Role.HALL_MANAGER, centre=centre)
    return hall
