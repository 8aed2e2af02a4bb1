from django.contrib import admin, messages

from .models import OutboxMessage, OutboxStatus
from .services import retry_dead


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "topic", "status", "attempts", "available_at", "sent_at", "last_error")
    list_filter = ("status", "channel", "topic")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description="重新发送所选的重试耗尽消息")
    def retry(self, request, queryset):  # type: ignore[no-untyped-def]
        n = 0
        for message in queryset.filter(status=OutboxStatus.DEAD):
            retry_dead(actor=request.user, message=message)
            n += 1
        messages.success(request, f"已重新排队 {n} 条消息。")
