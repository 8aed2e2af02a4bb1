"""Chinese catalog search: words, full pinyin and pinyin initials (yyzz → 营业执照)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pypinyin import lazy_pinyin

_NON_HAN = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")


def _latin_letters(text: str) -> Any:
    # pypinyin accepts a list here (one syllable per letter) although its stub says str.
    return list(text.lower())


def pinyin_keys(texts: Iterable[str | None]) -> tuple[str, str]:
    """Full pinyin and initials of each text, joined by "|" so matches never span two texts."""
    full, initials = [], []
    for text in texts:
        if not text:
            continue
        for part in _NON_HAN.split(text):
            if not part:
                continue
            syllables = lazy_pinyin(part, errors=_latin_letters)
            full.append("".join(syllables).lower())
            initials.append("".join(s[0] for s in syllables if s).lower())
    return "|".join(full)[:600], "|".join(initials)[:300]


def is_latin_query(query: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z ]+", query))


def search_items(queryset: Any, query: str, limit: int = 50) -> list[Any]:
    """Rank items: exact name, name prefix, name contains, result name, keywords, other text; a pinyin
    query (full or initials) is ranked on the pinyin of the same fields.

    Candidates come from one indexed-ish OR query; ranking happens in Python on that small set.
    """
    from django.db.models import Q

    query = query.strip()
    if not query:
        return []
    q_lower = query.lower().replace(" ", "")
    latin = is_latin_query(query)
    needle = q_lower if latin else query
    condition = Q(name__icontains=query) | Q(short_name__icontains=query) | Q(result_name__icontains=query) | Q(
        keywords__icontains=query) | Q(department__name__icontains=query)
    if latin:
        condition |= Q(search_initials__contains=q_lower) | Q(search_pinyin__contains=q_lower)
    else:
        condition |= Q(materials__name__icontains=query)
    candidates = list(queryset.filter(condition).select_related("department").distinct()[:500])

    def texts(value: str | None) -> list[str]:
        # A Latin query is compared with each field's own initials and full pinyin, so "yyzz" ranks
        # exactly as "营业执照" does (a result named 营业执照 before a keyword that mentions it).
        if not value:
            return []
        if not latin:
            return [value]
        full, initials = pinyin_keys([value])
        return [initials.replace("|", ""), full.replace("|", "")]

    def rank(item: Any) -> tuple[int, int, str]:
        names = texts(item.name) + texts(item.short_name)
        if needle in names:
            score = 0
        elif any(t.startswith(needle) for t in names):
            score = 1
        elif any(needle in t for t in names):
            score = 2
        elif any(needle in t for t in texts(item.result_name)):
            score = 3
        elif any(needle in t for t in texts(item.keywords)):
            score = 4
        else:
            score = 5  # department or material name
        return (score, len(item.name), item.name)

    candidates.sort(key=rank)
    return candidates[:limit]
