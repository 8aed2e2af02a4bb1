"""Chinese catalog search: words, full pinyin and pinyin initials (yyzz → 营业执照)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pypinyin import lazy_pinyin

_NON_HAN = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")


def pinyin_keys(texts: Iterable[str | None]) -> tuple[str, str]:
    """Full pinyin and initials of each text, joined by "|" so matches never span two texts."""
    full, initials = [], []
    for text in texts:
        if not text:
            continue
        for part in _NON_HAN.split(text):
            if not part:
                continue
            syllables = lazy_pinyin(part, errors=lambda s: list(s.lower()))
            full.append("".join(syllables).lower())
            initials.append("".join(s[0] for s in syllables if s).lower())
    return "|".join(full)[:600], "|".join(initials)[:300]


def is_latin_query(query: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z ]+", query))


def search_items(queryset: Any, query: str, limit: int = 50) -> list[Any]:
    """Rank items: exact name, name prefix, name contains, initials, full pinyin, other text.

    Candidates come from one indexed-ish OR query; ranking happens in Python on that small set.
    """
    from django.db.models import Q

    query = query.strip()
    if not query:
        return []
    q_lower = query.lower().replace(" ", "")
    condition = Q(name__icontains=query) | Q(short_name__icontains=query) | Q(result_name__icontains=query) | Q(
        keywords__icontains=query) | Q(department__name__icontains=query)
    if is_latin_query(query):
        condition |= Q(search_initials__contains=q_lower) | Q(search_pinyin__contains=q_lower)
    else:
        condition |= Q(materials__name__icontains=query)
    candidates = list(queryset.filter(condition).select_related("department").distinct()[:500])

    def rank(item: Any) -> tuple[int, int, str]:
        name = item.name
        initials = item.search_initials.split("|")
        full = item.search_pinyin.split("|")
        if name == query or item.short_name == query:
            score = 0
        elif name.startswith(query):
            score = 1
        elif query in name or query in (item.short_name or ""):
            score = 2
        elif query in (item.result_name or ""):
            score = 3
        elif any(i.startswith(q_lower) for i in initials[:1]):
            score = 4
        elif any(q_lower in i for i in initials):
            score = 5
        elif any(q_lower in f for f in full):
            score = 6
        elif query in (item.keywords or ""):
            score = 7
        else:
            score = 8
        return (score, len(name), name)

    candidates.sort(key=rank)
    return candidates[:limit]
