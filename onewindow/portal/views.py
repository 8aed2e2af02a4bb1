from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from onewindow.catalog.choices import Audience, GuideStatus
from onewindow.catalog.models import GuideVersion, ServiceItem, Topic, parse_faq
from onewindow.catalog.search import search_items
from onewindow.org.models import Department

from .notice import notice_pdf_bytes


def home(request: HttpRequest) -> HttpResponse:
    published = ServiceItem.objects.published()
    topics = Topic.objects.annotate(n=Count("items", filter=Q(items__is_active=True, items__published_version__gt=0)))
    departments = Department.objects.annotate(
        n=Count("items", filter=Q(items__is_active=True, items__published_version__gt=0))
    ).filter(n__gt=0)
    return render(request, "portal/home.html", {
        "citizen_topics": [t for t in topics if t.audience == Audience.CITIZEN],
        "enterprise_topics": [t for t in topics if t.audience == Audience.ENTERPRISE],
        "departments": departments,
        "item_count": published.count(),
        "popular": published.select_related("department").filter(county_wide=True)[:8],
    })


def item_list(request: HttpRequest) -> HttpResponse:
    qs = ServiceItem.objects.published().select_related("department")
    query = request.GET.get("q", "").strip()[:50]
    audience = request.GET.get("audience", "")
    department_id = request.GET.get("department", "")
    topic_code = request.GET.get("topic", "")
    filters: dict[str, Any] = {}
    if audience in Audience.values:
        qs = qs.for_audience(audience)
        filters["audience"] = Audience(audience).label
    if department_id.isdigit():
        department = Department.objects.filter(pk=int(department_id)).first()
        if department:
            qs = qs.filter(department=department)
            filters["department"] = department.name
    if topic_code:
        topic = Topic.objects.filter(code=topic_code).first()
        if topic:
            qs = qs.filter(topics=topic)
            filters["topic"] = topic.name
    items: Any = search_items(qs, query, limit=100) if query else qs
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    template = "portal/_results.html" if partial else "portal/items.html"
    return render(request, template, {"page": page, "query": query, "filters": filters,
                                      "audience": audience, "department_id": department_id, "topic": topic_code})


def _guide_for(code: str, number: int | None) -> GuideVersion:
    item = get_object_or_404(ServiceItem, implementation_code=code)
    guides = GuideVersion.objects.filter(item=item).select_related("item")
    if number is None:
        guide = guides.filter(status=GuideStatus.PUBLISHED).first()
        if guide is None or not item.is_active:
            raise Http404("该事项暂未发布办事指南")
    else:
        guide = guides.filter(number=number).first()
        if guide is None:
            raise Http404("没有这个版本")
    return guide


@cache_control(max_age=60)
def guide(request: HttpRequest, code: str, number: int | None = None) -> HttpResponse:
    guide = _guide_for(code, number)
    versions = list(GuideVersion.objects.filter(item_id=guide.item_id).values("number", "status", "published_at"))
    data = guide.snapshot
    return render(request, "portal/guide.html", {
        "guide": guide, "item": guide.item, "g": data, "faq": parse_faq(data.get("faq", "")),
        "versions": versions, "is_current": guide.status == GuideStatus.PUBLISHED,
        "deferrable": [m for m in data.get("materials", []) if m.get("necessity") == "deferrable"],
    })


def notice_pdf(request: HttpRequest, code: str, number: int | None = None) -> HttpResponse:
    guide = _guide_for(code, number)
    url = request.build_absolute_uri(f"/guide/{code}/v{guide.number}/")
    content = notice_pdf_bytes(guide, url)
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="notice-{code}-v{guide.number}.pdf"'
    return response


@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Elder mode and font size live in cookies so they work without an account."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    year = 365 * 24 * 3600
    if "elder" in request.POST:
        response.set_cookie("elder", "1" if request.POST["elder"] == "1" else "0", max_age=year, samesite="Lax")
    if "font" in request.POST:
        try:
            current = int(request.COOKIES.get("fontscale", "100"))
        except ValueError:
            current = 100
        step = {"up": 12, "down": -12, "reset": 0}.get(request.POST["font"], 0)
        new = 100 if request.POST["font"] == "reset" else max(88, min(current + step, 160))
        response.set_cookie("fontscale", str(new), max_age=year, samesite="Lax")
    return response
