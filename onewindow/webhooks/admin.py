from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from onewindow.outbox.models import OutboxStatus

from . import selectors, services
from .models import DeliveryAttempt, Message, StaffContact, Subscriber


class AttemptInline(admin.TabularInline):
    """The delivery log of the subscriber, newest first (read-only)."""

    model = DeliveryAttempt
    extra = 0
    can_delete = False
    ordering = ["-at"]
    readonly_fields = ("at", "message", "attempt", "outcome", "status_code", "duration_ms", "error")
    fields = readonly_fields
    max_num = 0

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("message")


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "is_active", "events", "dead_count", "log_link")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    filter_horizontal = ("items", "departments")
    inlines = [AttemptInline]
    actions = ["resend_dead"]

    @admin.display(description=_("事件"))
    def events(self, obj):  # type: ignore[no-untyped-def]
        return ", ".join(obj.event_types) or str(_("全部"))

    @admin.display(description=_("重试耗尽"))
    def dead_count(self, obj):  # type: ignore[no-untyped-def]
        return selectors.subscriber_messages(obj).filter(status=OutboxStatus.DEAD).count()

    @admin.display(description=_("投递记录"))
    def log_link(self, obj):  # type: ignore[no-untyped-def]
        return format_html('<a href="/webhooks/{}/">{}</a>', obj.uuid, _("查看"))

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.save_subscriber(actor=request.user, subscriber=obj)

    @admin.action(description=_("重新发送所选订阅的全部重试耗尽消息"))
    def resend_dead(self, request, queryset):  # type: ignore[no-untyped-def]
        n = 0
        for subscriber in queryset:
            for message in selectors.subscriber_messages(subscriber).filter(status=OutboxStatus.DEAD):
                services.resend(actor=request.user, message=message)
                n += 1
        messages.success(request, _("已重新排队 %(n)d 条消息。") % {"n": n})


@admin.register(StaffContact)
class StaffContactAdmin(admin.ModelAdmin):
    list_display = ("user", "masked")
    search_fields = ("user__username", "user__first_name")
    autocomplete_fields = ("user",)

    @admin.display(description=_("手机号码"))
    def masked(self, obj):  # type: ignore[no-untyped-def]
        from onewindow.core.masking import mask_phone

        return mask_phone(obj.mobile)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "level", "subject", "read_at")
    list_filter = ("level", "topic")
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
