"""Ratings in the admin are read-only: a rating is evidence; follow-ups are worked on /ratings/follow-ups/."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import FollowUp, Rating


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "level", "stage", "channel", "centre", "case", "ticket", "is_default", "excluded"]
    list_filter = ["level", "stage", "channel", "centre", "is_default", "excluded"]
    date_hierarchy = "created_at"


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["pk", "centre", "status", "handler", "deadline", "on_time", "appeal_status"]
    list_filter = ["status", "centre", "appeal_status"]
