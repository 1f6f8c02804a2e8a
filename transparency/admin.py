"""Information requests in the admin: read only. Organisations write them in the panel, through
transparency.services; staff read them (a correction is asked of the organisation)."""

from django.contrib import admin

from .models import InformationRequest


@admin.register(InformationRequest)
class InformationRequestAdmin(admin.ModelAdmin):
    list_display = ("milestone", "organisation", "folio", "filed_on", "answered_on", "created_at")
    list_filter = ("milestone__commitment__action_plan__state", "organisation")
    search_fields = ("folio", "milestone__title", "milestone__commitment__ogp_id", "addressee")
    list_select_related = ("milestone__commitment", "organisation")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
