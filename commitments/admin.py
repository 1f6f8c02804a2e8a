from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from states.models import State

from . import importer, services, uploads
from .cache import InvalidatesPublicPages
from .models import (
    OGP_VALUE_FIELDS,
    ActionPlan,
    AuditRun,
    Commitment,
    Evidence,
    HistoryEntry,
    LinkArchive,
    Milestone,
    RankingSnapshot,
    StatusUpdate,
    Transition,
    Verification,
)
from .validators import DatesInRangeAdmin

# Reported status, progress and actual dates change only through the contributor panel
# (commitments.services.report_status), which writes the history and checks the evidence.
REPORTED_FIELDS = ("status", "progress", "started_on", "completed_on", "version")
# Kept by the services: the light, and what the history and the clock derive from.
DERIVED_FIELDS = (
    "original_due_on",
    "last_activity_at",
    "signal",
    "signal_since",
    "next_check_at",
)


def save_milestone(request, milestone, form):
    """The admin's one way to write a milestone: through the services, naming the staff user.

    A new milestone is assessed as it is created; a changed one is revised (a moved due date
    keeps the first one and is history, a new planned start re-assesses the light).
    """
    now = timezone.now()
    if milestone.pk is None:
        services.save_new_milestone(milestone, now=now)
        return
    changes = {
        name: form.cleaned_data[name]
        for name in ("due_on", *services.milestones.EDITABLE_FIELDS)
        if name in form.changed_data
    }
    milestone.refresh_from_db()
    services.revise_milestone(milestone=milestone, changes=changes, now=now, actor=request.user)


class AppendOnlyAdminMixin:
    """History is public and append-only: nobody edits or deletes it, not even staff."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MilestoneInline(DatesInRangeAdmin, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = (
        "number",
        "title",
        "starts_on",
        "due_on",
        "original_due_on",
        "status",
        "progress",
        "completed_on",
    )
    readonly_fields = ("original_due_on", "status", "progress", "completed_on")
    show_change_link = True
    can_delete = False


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0
    fields = ("number", "ogp_id", "title", "lead_institution")
    autocomplete_fields = ["lead_institution"]
    show_change_link = True


class ImportPlanForm(forms.Form):
    state = forms.ModelChoiceField(label=_("State"), queryset=State.objects.all())
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Our layout (see docs/ejemplo-plan-de-accion.csv) or OGP's commitment layout."),
    )
    create_institutions = forms.BooleanField(
        label=_("Create the missing institutions"),
        required=False,
        help_text=_(
            "Only if nothing else in the file is wrong: each is created as a government agency "
            "(unless the file's institution_kinds column says otherwise) and marked to be "
            "reviewed."
        ),
    )


@admin.register(ActionPlan)
class ActionPlanAdmin(DatesInRangeAdmin, InvalidatesPublicPages, admin.ModelAdmin):
    list_display = ("title", "state", "number", "starts_on", "ends_on", "status")
    list_filter = ("state", "status")
    search_fields = ("title",)
    autocomplete_fields = ["state"]
    inlines = [CommitmentInline]
    change_list_template = "admin/commitments/actionplan/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        # Another state is another stale threshold for every milestone of the plan.
        return ("state",) if obj is not None else ()

    def get_urls(self):
        extra = [
            path(
                "importar/",
                self.admin_site.admin_view(self.import_view),
                name="commitments_actionplan_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        """Validates the whole file, shows every problem, and writes only a clean file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportPlanForm(request.POST or None, request.FILES or None)
        problems = None
        if request.method == "POST" and form.is_valid():
            try:
                report = importer.import_plan(
                    form.cleaned_data["file"].read(),
                    state=form.cleaned_data["state"],
                    user=request.user,
                    now=timezone.now(),
                    create_institutions=form.cleaned_data["create_institutions"],
                )
            except importer.InvalidFile as invalid:
                problems = invalid.problems
            else:
                self.message_user(
                    request,
                    _(
                        "Imported: %(cc)s commitments created, %(cu)s updated; %(mc)s "
                        "milestones created, %(mu)s updated; nothing else changed."
                    )
                    % {
                        "cc": report.created["commitments"],
                        "cu": report.updated["commitments"],
                        "mc": report.created["milestones"],
                        "mu": report.updated["milestones"],
                    },
                    messages.SUCCESS,
                )
                for line in report.notes():
                    self.message_user(request, line, messages.WARNING)
                return redirect("admin:commitments_actionplan_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import an action plan"),
            "form": form,
            "problems": problems,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request,
            "admin/commitments/actionplan/import.html",
            context,
            status=400 if problems else 200,
        )


@admin.register(Commitment)
class CommitmentAdmin(DatesInRangeAdmin, InvalidatesPublicPages, admin.ModelAdmin):
    list_display = ("ogp_id", "title", "action_plan", "lead_institution", "starts_on", "ends_on")
    list_filter = (
        "action_plan__state",
        "action_plan",
        "theme",
        *OGP_VALUE_FIELDS,
        "irm_completion",
    )
    search_fields = ("ogp_id", "title", "short_title", "lead_institution__name", "theme")
    autocomplete_fields = [
        "action_plan", "municipality", "lead_institution", "co_lead_institutions",
        "supporting_institutions",
    ]  # fmt: skip
    list_select_related = ("action_plan__state", "lead_institution")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "action_plan",
                    "municipality",
                    "number",
                    "ogp_id",
                    "title",
                    "short_title",
                    "theme",
                    "source_url",
                )
            },
        ),  # fmt: skip
        (
            _("Institutions"),
            {"fields": ("lead_institution", "co_lead_institutions", "supporting_institutions")},
        ),
        (_("Content"), {"fields": ("problem", "status_quo", "objective", "description")}),
        (_("OGP values"), {"fields": OGP_VALUE_FIELDS}),
        (_("Dates"), {"fields": ("starts_on", "ends_on")}),
        (
            _("IRM assessment"),
            {
                "fields": (
                    "irm_potential_impact",
                    "irm_potential_for_results",
                    "irm_completion",
                    "irm_did_it_open_government",
                )
            },
        ),
        (None, {"fields": ("is_illustrative",)}),
    )
    inlines = [MilestoneInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form is not None and "action_plan" in form.changed_data:
            # Another plan may be another state, with another stale threshold.
            services.reassess(
                obj.milestones.all(), now=timezone.now(), cause=Transition.Cause.PLAN_CHANGE
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Milestone:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for milestone_form in formset.forms:
            if not milestone_form.has_changed():
                continue
            milestone = milestone_form.save(commit=False)
            # The parent may have just been created: formset.save() would set this.
            milestone.commitment = form.instance
            is_new = milestone.pk is None
            save_milestone(request, milestone, milestone_form)
            if is_new:
                formset.new_objects.append(milestone)
            else:
                formset.changed_objects.append((milestone, milestone_form.changed_data))


def evidence_download(evidence):
    """A link to the file through the site's download view: the storage's own URL is not
    served (local disk) or not public (bucket), and the view adds the safe headers."""
    if not evidence or not evidence.file:
        return "—"
    url = reverse("public:evidence-file", kwargs={"pk": evidence.pk})
    return format_html('<a href="{}">{}</a>', url, evidence.original_filename or _("Download"))


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ("title", "kind", "url", "download", "sha256", "organisation", "submitted_at")
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return evidence_download(obj)

    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Evidence is added from its own form, which checks the file and hashes it.
        return False


class StatusUpdateInline(AppendOnlyAdminMixin, admin.TabularInline):
    model = StatusUpdate
    extra = 0
    fields = ("created_at", "old_status", "new_status", "new_progress", "note", "author")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Milestone)
class MilestoneAdmin(DatesInRangeAdmin, InvalidatesPublicPages, admin.ModelAdmin):
    list_display = ("__str__", "due_on", "status", "progress", "signal", "last_activity_at")
    list_filter = ("signal", "status", "commitment__action_plan__state")
    readonly_fields = (*DERIVED_FIELDS, *REPORTED_FIELDS)
    search_fields = ("title", "commitment__ogp_id", "commitment__title")
    autocomplete_fields = ["commitment"]
    list_select_related = ("commitment",)
    date_hierarchy = "due_on"
    inlines = [EvidenceInline, StatusUpdateInline]

    def get_readonly_fields(self, request, obj=None):
        # A milestone stays in its commitment: moving it would rewrite another's history.
        fixed = ("commitment",) if obj is not None else ()
        return (*fixed, *super().get_readonly_fields(request, obj))

    def save_model(self, request, obj, form, change):
        save_milestone(request, obj, form)

    def has_delete_permission(self, request, obj=None):
        return False


class EvidenceAdminForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = [
            "milestone",
            "kind",
            "title",
            "description",
            "file",
            "url",
            "organisation",
            "submitted_by",
        ]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload and hasattr(upload, "chunks"):
            # The same checks as the contributor panel: type from the content, size limit.
            try:
                file_type = services.check_upload(upload)
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["file"]) from None
            self.instance.content_type = file_type.content_type
            self.instance.sha256, self.instance.size = uploads.digest(upload)
            self.instance.original_filename = upload.name[:255]
        # Once recorded, the file or link is fixed (read-only): only new evidence chooses one.
        if self.instance.pk is None and bool(cleaned.get("url")) == bool(upload):
            raise forms.ValidationError(_("Give a file or a link: one of the two."))
        return cleaned


@admin.register(Evidence)
class EvidenceAdmin(InvalidatesPublicPages, admin.ModelAdmin):
    form = EvidenceAdminForm
    list_display = ("title", "kind", "milestone", "organisation", "submitted_at", "retracted_at")
    list_filter = ("kind", "milestone__commitment__action_plan__state", "retracted_at")
    search_fields = ("title", "description", "url", "sha256", "milestone__commitment__ogp_id")
    autocomplete_fields = ["milestone", "organisation", "submitted_by", "retracted_by"]
    readonly_fields = ("sha256", "download")
    list_select_related = ("milestone__commitment", "organisation")
    # What the rules and the public record read: set once, by the service, when added.
    # Retraction goes through the panel (services.retract_evidence), which keeps the last
    # evidence of a completed milestone.
    RECORDED_FIELDS = (
        "milestone",
        "file",
        "url",
        "submitted_by",
        "submitted_at",
        "retracted_at",
        "retracted_by",
        "retraction_reason",
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, *self.RECORDED_FIELDS)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.record_staff_evidence(
                evidence=obj, staff_user=request.user, now=timezone.now()
            )

    @admin.display(description=_("file"))
    def download(self, obj):
        return evidence_download(obj)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "download"]
        if obj is not None and obj.file:
            # A stored file is shown through the download view and not replaced: its
            # SHA-256 is the public proof of what was submitted.
            return [("download" if f == "file" else f) for f in fields]
        return fields

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusUpdate)
class StatusUpdateAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("milestone", "old_status", "new_status", "new_progress", "author", "created_at")
    list_filter = ("new_status", "milestone__commitment__action_plan__state")
    search_fields = ("note", "milestone__title", "milestone__commitment__ogp_id")
    list_select_related = ("milestone__commitment", "author")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False


@admin.register(AuditRun)
class AuditRunAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    """The nightly audits (manage.py audit_lights): read only, as the record they are."""

    list_display = ("ran_at", "checked", "differences", "repaired")
    readonly_fields = ("ran_at", "checked", "differences", "repaired", "details")
    date_hierarchy = "ran_at"

    def has_add_permission(self, request):
        return False


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    """The daily figures of the ranking over time (manage.py snapshot_rankings): read only,
    as the record they are."""

    list_display = ("date", "kind", "rank", "name", "state_name", "light", "red", "milestones")
    list_filter = ("kind", "light", "state_slug")
    search_fields = ("name", "slug")
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False


@admin.register(LinkArchive)
class LinkArchiveAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    """Each check of a link given as evidence (commitments.services.link_archive): read only,
    as the record they are. The copy itself is served on the evidence's public page."""

    list_display = ("evidence", "checked_at", "outcome", "http_status", "size", "content_type")
    list_filter = ("outcome", "evidence__milestone__commitment__action_plan__state")
    search_fields = ("evidence__url", "final_url", "sha256", "evidence__title")
    list_select_related = ("evidence",)
    date_hierarchy = "checked_at"

    def has_add_permission(self, request):
        return False


@admin.register(Transition)
class TransitionAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("milestone", "old_signal", "new_signal", "happened_at", "cause", "notified_at")
    list_filter = ("new_signal", "cause", "milestone__commitment__action_plan__state")
    search_fields = ("milestone__title", "milestone__commitment__ogp_id")
    list_select_related = ("milestone__commitment",)
    date_hierarchy = "happened_at"

    def has_add_permission(self, request):
        return False


@admin.register(Verification)
class VerificationAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("milestone", "result", "organisation", "author", "created_at")
    list_filter = ("result", "milestone__commitment__action_plan__state")
    search_fields = ("reason", "milestone__title", "milestone__commitment__ogp_id")
    list_select_related = ("milestone__commitment", "organisation", "author")

    def has_add_permission(self, request):
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("milestone", "action", "organisation", "author", "created_at")
    list_filter = ("action", "milestone__commitment__action_plan__state")
    search_fields = ("summary", "milestone__title", "milestone__commitment__ogp_id")
    list_select_related = ("milestone__commitment", "organisation", "author")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False
