"""The outbox in the admin: what waits, what the relay gave up on, and a way to retry it.

Messages are written by ops.outbox and purged by the relay: here they are read, never edited
or deleted by hand, and the only action is to give the unsent ones a new round of attempts.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .models import OutboxMessage


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("waiting", _("Waiting")), ("given_up", _("Given up")), ("sent", _("Sent"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "waiting":
            return queryset.filter(sent_at=None, attempts__lt=outbox.MAX_ATTEMPTS)
        if value == "given_up":
            return queryset.filter(sent_at=None, attempts__gte=outbox.MAX_ATTEMPTS)
        if value == "sent":
            return queryset.exclude(sent_at=None)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "state", "created_at", "sent_at", "attempts", "error")
    list_filter = (OutboxStateFilter, "task")
    search_fields = ("task", "task_id")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    fields = (
        "task",
        "args",
        "kwargs",
        "headers",
        "task_id",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
    )
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description=_("state"))
    def state(self, message):
        if message.sent_at:
            return _("Sent")
        return _("Given up") if message.attempts >= outbox.MAX_ATTEMPTS else _("Waiting")

    @admin.display(description=_("last error"))
    def error(self, message):
        text = message.last_error
        return text if len(text) <= 80 else f"{text[:79]}…"

    @admin.action(description=_("Send the selected messages again"), permissions=["change"])
    def retry(self, request, queryset):
        count = outbox.retry(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be sent again by the relay.",
                "%(count)d messages will be sent again by the relay.",
                count,
            )
            % {"count": count},
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's action needs it; a message itself is only ever viewed.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
