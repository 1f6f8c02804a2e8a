from django.contrib import admin

from .models import Follow, Notification, OptOut, ReminderSent


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("email", "state", "commitment", "language", "confirmed_at", "unsubscribed_at")
    list_filter = ("state", "language")
    search_fields = ("email", "commitment__ogp_id")
    raw_id_fields = ("commitment",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "user", "follow", "milestone", "created_at", "sent_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "follow", "milestone", "transition")


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    raw_id_fields = ("user",)


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ("milestone", "due_on", "created_at")
    raw_id_fields = ("milestone",)
