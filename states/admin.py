from django.contrib import admin
from django.utils import timezone

# The public pages show states and organisations (commitments.cache keeps those pages).
from commitments.cache import InvalidatesPublicPages
from commitments.validators import DatesInRangeAdmin

from .models import Membership, Municipality, Organisation, State, TransparencyBodyTerm


class TransparencyBodyTermInline(DatesInRangeAdmin, admin.TabularInline):
    model = TransparencyBodyTerm
    extra = 0
    autocomplete_fields = ["organisation"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["state", "organisation"]


@admin.register(State)
class StateAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    list_display = (
        "name", "inegi_code", "slug", "ogp_prefix", "stale_after_days",
        "any_official_may_report", "is_active",
    )  # fmt: skip
    list_filter = ("is_active", "any_official_may_report")
    search_fields = ("name", "slug", "inegi_code")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TransparencyBodyTermInline]

    def save_model(self, request, obj, form, change):
        if not (change and "stale_after_days" in form.changed_data):
            return super().save_model(request, obj, form, change)
        # The threshold is a rule input: it changes through the service that re-assesses
        # every light of the state in the same transaction.
        from commitments import services

        days = obj.stale_after_days
        obj.stale_after_days = form.initial["stale_after_days"]
        super().save_model(request, obj, form, change)
        services.set_stale_threshold(state=obj, stale_after_days=days, now=timezone.now())


@admin.register(Municipality)
class MunicipalityAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    """Municipalities that are OGP members of their own (OGP Local), within their state."""

    list_display = ("name", "state", "inegi_code", "ogp_prefix")
    list_filter = ("state",)
    search_fields = ("name", "inegi_code", "ogp_prefix")
    autocomplete_fields = ["state"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Organisation)
class OrganisationAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    list_display = ("name", "acronym", "kind", "state", "successor", "needs_review")
    list_filter = ("needs_review", "kind", "state")
    # Aliases are matched by the importer (one per line): OGP's English names, old names.
    search_fields = ("name", "acronym", "aliases")
    autocomplete_fields = ["state", "successor"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "state", "organisation", "created_at")
    list_filter = ("role", "state")
    search_fields = ("user__username", "user__email", "organisation__name")
    autocomplete_fields = ["user", "state", "organisation"]
