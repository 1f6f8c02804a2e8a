import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from states.models import Municipality, Organisation, State


class ActionPlan(models.Model):
    class Status(models.TextChoices):
        CO_CREATION = "co_creation", _("Co-creation")
        IMPLEMENTATION = "implementation", _("In implementation")
        FINISHED = "finished", _("Finished")

    state = models.ForeignKey(
        State, verbose_name=_("state"), on_delete=models.PROTECT, related_name="action_plans"
    )
    number = models.PositiveSmallIntegerField(
        _("action plan number"), help_text=_("1 for the state's first action plan, and so on.")
    )
    title = models.CharField(_("title"), max_length=300)
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CO_CREATION
    )
    source_url = models.URLField(_("source URL"), blank=True, max_length=500)

    class Meta:
        ordering = ["state", "-starts_on"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [
            models.UniqueConstraint(fields=["state", "number"], name="action_plan_number_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="action_plan_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_on.year}-{self.ends_on.year})"


# The four OGP values, each by the name of the Commitment field that marks it, with the short
# label filters show: the one list that the model, admin, filters, importer, exports and API
# read.
OGP_VALUES = [
    ("access_to_information", _("Access to information")),
    ("civic_participation", _("Civic participation")),
    ("public_accountability", _("Public accountability")),
    ("technology_and_innovation", _("Technology and innovation")),
]
OGP_VALUE_FIELDS = tuple(name for name, _label in OGP_VALUES)


class Commitment(models.Model):
    """A commitment of an action plan, with OGP's template fields and the IRM assessment."""

    class PotentialImpact(models.TextChoices):
        # IRM scale for action plans before 2020.
        NONE = "none", _("None")
        MINOR = "minor", _("Minor")
        MODERATE = "moderate", _("Moderate")
        TRANSFORMATIVE = "transformative", _("Transformative")

    class PotentialForResults(models.TextChoices):
        # IRM scale from 2020 onward.
        UNCLEAR = "unclear", _("Unclear")
        MODEST = "modest", _("Modest")
        SUBSTANTIAL = "substantial", _("Substantial")

    class Completion(models.TextChoices):
        NO_EVIDENCE = "no_evidence", _("No evidence available")
        NOT_STARTED = "not_started", pgettext_lazy("IRM completion", "Not started")
        LIMITED = "limited", _("Limited")
        SUBSTANTIAL = "substantial", _("Substantial")
        COMPLETE = "complete", _("Complete")

    class OpenGovernment(models.TextChoices):
        WORSENED = "worsened", _("Worsened")
        NO_CHANGE = "no_change", _("Did not change")
        MARGINAL = "marginal", _("Marginal")
        MAJOR = "major", _("Major")
        OUTSTANDING = "outstanding", _("Outstanding")

    action_plan = models.ForeignKey(
        ActionPlan,
        verbose_name=_("action plan"),
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    ogp_id = models.CharField(
        _("OGP identifier"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z]{2,6}[0-9]{2,5}$",
                _("Use OGP's identifier format: capital letters then digits, e.g. MXNLE0001."),
            )
        ],
    )
    number = models.PositiveSmallIntegerField(_("commitment number"))
    title = models.CharField(_("title"), max_length=300)
    short_title = models.CharField(_("short title"), max_length=120, blank=True)
    # The OGP member the commitment belongs to: its state, or a municipality of the state
    # that is a member of its own (a joint plan holds commitments of several members).
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality (OGP member)"),
        on_delete=models.PROTECT,
        related_name="commitments",
        null=True,
        blank=True,
        # No index: a few commitments per municipality, and the table is a large one to
        # index under a live site (migration 0009).
        db_index=False,
        help_text=_("Empty when the commitment is the state's own."),
    )
    # The first lead; a commitment led by several (MXNLE0001 has three co-lead secretariats)
    # names the others in co_lead_institutions. `lead_institutions` is the whole list.
    lead_institution = models.ForeignKey(
        Organisation,
        verbose_name=_("lead institution"),
        on_delete=models.PROTECT,
        related_name="led_commitments",
    )
    co_lead_institutions = models.ManyToManyField(
        Organisation,
        verbose_name=_("co-lead institutions"),
        related_name="co_led_commitments",
        blank=True,
        help_text=_("Other institutions that lead the commitment with the first one."),
    )
    supporting_institutions = models.ManyToManyField(
        Organisation,
        verbose_name=_("supporting institutions"),
        related_name="supported_commitments",
        blank=True,
    )
    problem = models.TextField(_("public problem"), blank=True)
    status_quo = models.TextField(_("status quo"), blank=True)
    objective = models.TextField(_("objective"), blank=True)
    description = models.TextField(_("what the commitment does"), blank=True)
    theme = models.CharField(_("theme"), max_length=120, blank=True)
    access_to_information = models.BooleanField(_("access to information"), default=False)
    civic_participation = models.BooleanField(_("civic participation"), default=False)
    public_accountability = models.BooleanField(_("public accountability"), default=False)
    technology_and_innovation = models.BooleanField(
        _("technology and innovation for transparency and accountability"), default=False
    )
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    # Where the commitment is published (OGP's commitment page), shown on its page.
    source_url = models.URLField(_("source URL"), blank=True, max_length=500)
    irm_potential_impact = models.CharField(
        _("IRM potential impact"), max_length=20, choices=PotentialImpact.choices, blank=True
    )
    irm_potential_for_results = models.CharField(
        _("IRM potential for results"),
        max_length=20,
        choices=PotentialForResults.choices,
        blank=True,
    )
    irm_completion = models.CharField(
        _("IRM completion"), max_length=20, choices=Completion.choices, blank=True
    )
    irm_did_it_open_government = models.CharField(
        _("IRM: did it open government?"),
        max_length=20,
        choices=OpenGovernment.choices,
        blank=True,
    )
    is_illustrative = models.BooleanField(
        _("illustrative example"),
        default=False,
        help_text=_("An invented commitment shown as an example, not a real one."),
    )
    # Loaded by `seed_demo`: the only commitments it may add to or remove (--reset). A real
    # commitment imported under an id the demo also uses is never touched by the demo.
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["action_plan", "number"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(
                fields=["action_plan", "number"], name="commitment_number_unique_in_plan"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="commitment_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.ogp_id} {self.title}"

    def get_absolute_url(self):
        return reverse("public:commitment", kwargs={"ogp_id": self.ogp_id})

    @property
    def full_text(self):
        """The commitment's whole text as OGP's sheets give it in one cell ("Full Text"): the
        problem, the objective and what it does, in that order."""
        return "\n\n".join(p for p in (self.problem, self.objective, self.description) if p)

    @property
    def member(self):
        """The OGP member the commitment belongs to: its municipality, or its plan's state."""
        return self.municipality or self.action_plan.state

    @property
    def lead_institutions(self):
        """Every lead institution, the first one first (prefetch co_lead_institutions)."""
        others = sorted(
            (o for o in self.co_lead_institutions.all() if o.pk != self.lead_institution_id),
            key=lambda o: o.name,
        )
        return [self.lead_institution, *others]

    @property
    def outside_plan_period(self):
        """Whether its dates fall outside its plan's period (published plans have some)."""
        plan = self.action_plan
        return self.starts_on < plan.starts_on or self.ends_on > plan.ends_on

    @property
    def ogp_values(self):
        """The OGP values this commitment is relevant to, as translated labels."""
        return [self._meta.get_field(n).verbose_name for n in OGP_VALUE_FIELDS if getattr(self, n)]


class Light(models.TextChoices):
    GREEN = "green", _("Green: on track")
    YELLOW = "yellow", _("Yellow: at risk")
    RED = "red", _("Red: overdue or stale")


class LightReason(models.TextChoices):
    """Why a milestone has its light (commitments.rules), beside the light's three values."""

    ON_TRACK = "on_track", _("On track")
    DUE_SOON = "due_soon", _("Due soon")
    QUIET = "quiet", _("No activity for a while")
    OVERDUE = "overdue", _("Overdue")
    STALE = "stale", _("No activity by the government")
    UNDATED = "undated", _("No due date")
    COMPLETED = "completed", _("Completed")
    COMPLETED_LATE = "completed_late", _("Completed late")


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    VERIFIED = "verified", _("Verified")
    DISPUTED = "disputed", _("Disputed")


class Milestone(models.Model):
    class Status(models.TextChoices):
        # As reported by the state government.
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("commitment"),
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    number = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=300)
    deliverable = models.TextField(_("deliverable"), blank=True)

    class DuePrecision(models.TextChoices):
        DAY = "day", _("Day")
        # Known only to the month: stored as the month's last day, when it falls due.
        MONTH = "month", _("Month")

    starts_on = models.DateField(_("planned start"))
    # None when the plan gives no date: the milestone is then yellow, "undated".
    due_on = models.DateField(_("due date"), null=True, blank=True)
    due_precision = models.CharField(
        _("due date precision"),
        max_length=10,
        choices=DuePrecision.choices,
        default=DuePrecision.DAY,
    )
    original_due_on = models.DateField(
        _("original due date"),
        null=True,
        blank=True,
        help_text=_("The due date of the plan as first published, kept when the plan is revised."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    started_on = models.DateField(_("actual start date"), null=True, blank=True)
    completed_on = models.DateField(_("completion date"), null=True, blank=True)
    # Optimistic concurrency: every status report raises it; a report based on an older
    # version is refused instead of silently overwriting the newer one.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # The light's inputs and outputs have no defaults: whoever creates a milestone passes
    # `now`, and commitments.services assesses it in the same transaction.
    # When it was added to the tracker (its activity clock starts there). Null only for rows
    # older than the field whose loading the history did not tell.
    created_at = models.DateTimeField(_("added"), null=True, blank=True, editable=False)
    # Only the government side's work resets it (commitments.rules.resets_stale_clock).
    last_activity_at = models.DateTimeField(
        _("last government activity"),
        help_text=_(
            "Last status report that changed something, or evidence added by the government; "
            "a milestone quiet for too long is stale."
        ),
    )
    # The traffic light, kept by commitments.services (rules in commitments.rules).
    signal = models.CharField(
        _("traffic light"), max_length=10, choices=Light.choices, default=Light.GREEN
    )
    signal_since = models.DateTimeField(_("light since"))
    light_reason = models.CharField(
        _("reason for the light"),
        max_length=20,
        choices=LightReason.choices,
        default=LightReason.ON_TRACK,
    )
    # Kept by commitments.services from verifications and the dispute thread.
    verification_status = models.CharField(
        _("verification"),
        max_length=20,
        choices=VerificationStatus.choices,
        default=VerificationStatus.UNVERIFIED,
    )
    # When the light may next change by itself; the stale job reads only rows due here.
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)

    class Meta:
        ordering = ["commitment", "number"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="milestone_due_for_check",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "number"], name="milestone_number_unique_in_commitment"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="milestone_progress_0_100",
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=F("starts_on")),
                name="milestone_due_not_before_start",
            ),
            # A completed milestone is fully done and says when; any other has no end date.
            models.CheckConstraint(
                condition=(
                    Q(status="completed", progress=100, completed_on__isnull=False)
                    | (~Q(status="completed") & Q(completed_on__isnull=True))
                ),
                name="milestone_completion_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.commitment.ogp_id}.{self.number} {self.title}"

    @property
    def was_rescheduled(self):
        return self.original_due_on is not None and self.original_due_on != self.due_on

    @property
    def first_due_on(self):
        """The due date of the plan as first published."""
        return self.original_due_on or self.due_on

    @property
    def is_disputed(self):
        return self.verification_status == VerificationStatus.DISPUTED


def evidence_upload_to(instance, filename):
    """A random name: the uploader's file name is never used as a path."""
    return f"evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    """A means of verification for a milestone. Never deleted, only retracted with a reason."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        LINK = "link", _("Link")
        PHOTO = "photo", _("Photo")
        DATASET = "dataset", _("Dataset")

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, blank=True, max_length=200)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    url = models.URLField(_("URL"), blank=True, max_length=1000)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    # Detected from the content when uploaded, never taken from the browser or the name.
    content_type = models.CharField(_("content type"), max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="submitted_evidence",
        null=True,
        blank=True,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    retracted_at = models.DateTimeField(_("retracted"), null=True, blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retracted by"),
        on_delete=models.PROTECT,
        related_name="retracted_evidence",
        null=True,
        blank=True,
    )
    retraction_reason = models.TextField(_("reason for retraction"), blank=True)
    # A link's archive (commitments.services.link_archive): the check holding the copy shown
    # now, the last check, the failed checks in a row since the last good one, and since when
    # the link counts as broken (FAILED_CHECKS_BEFORE_BROKEN failures, dated at the first).
    archive = models.ForeignKey(
        "LinkArchive",
        verbose_name=_("archived copy"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        # Read from the evidence only; no index to build on a live table (migration 0012).
        db_index=False,
    )
    link_checked_at = models.DateTimeField(
        _("link last checked"), null=True, blank=True, editable=False
    )
    link_failures = models.PositiveSmallIntegerField(
        _("failed checks in a row"), default=0, editable=False
    )
    link_broken_since = models.DateTimeField(
        _("link broken since"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["milestone", "submitted_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            # Exactly one of a file or a link.
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="evidence_file_xor_url",
            ),
            # A file always has its SHA-256; a link never does.
            models.CheckConstraint(
                condition=(Q(file="") & Q(sha256=""))
                | (~Q(file="") & Q(sha256__regex=r"^[0-9a-f]{64}$")),
                name="evidence_sha256_for_files",
            ),
            models.CheckConstraint(
                condition=(Q(retracted_at__isnull=True) & Q(retraction_reason=""))
                | (Q(retracted_at__isnull=False) & ~Q(retraction_reason="")),
                name="evidence_retraction_has_reason",
            ),
            models.UniqueConstraint(
                fields=["milestone", "url"], condition=~Q(url=""), name="evidence_url_once"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_retracted(self):
        return self.retracted_at is not None


def link_archive_upload_to(instance, filename):
    """A random name under the month of the check (never the page's own name or the clock)."""
    return f"link-archives/{instance.checked_at:%Y/%m}/{secrets.token_hex(16)}"


class LinkArchive(models.Model):
    """One check of a link given as evidence: fetched or not, and why. Append-only.

    A check that brings content not seen before stores it (`file`, with its SHA-256); one
    whose content has the SHA-256 of the copy already kept stores no second file.
    """

    class Outcome(models.TextChoices):
        ARCHIVED = "archived", _("Archived: a new copy")
        UNCHANGED = "unchanged", _("Unchanged since the last copy")
        HTTP_STATUS = "http_status", _("The server answered with an error")
        TIMEOUT = "timeout", _("Timed out")
        TOO_LARGE = "too_large", _("Too large")
        REFUSED_ADDRESS = "refused_address", _("Refused: not a public address")
        BAD_URL = "bad_url", _("Not a valid address")
        DNS = "dns", _("The host name does not exist")
        CONNECTION = "connection", _("Connection failed")
        TLS = "tls", _("Secure connection (TLS) failed")
        TOO_MANY_REDIRECTS = "too_many_redirects", _("Too many redirects")
        PROTOCOL = "protocol", _("Not a valid web answer")

    SUCCESSES = (Outcome.ARCHIVED, Outcome.UNCHANGED)

    evidence = models.ForeignKey(
        Evidence, verbose_name=_("evidence"), on_delete=models.PROTECT, related_name="archives"
    )
    checked_at = models.DateTimeField(_("checked"), db_index=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    final_url = models.URLField(_("final URL"), max_length=2000, blank=True)
    # As the server declared it, and as recognised from the content (what we serve it as).
    declared_type = models.CharField(_("declared content type"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to=link_archive_upload_to, blank=True, max_length=200)

    class Meta:
        ordering = ["evidence", "checked_at", "id"]
        get_latest_by = "checked_at"
        verbose_name = _("link check")
        verbose_name_plural = _("link checks")
        constraints = [
            # A success has the content's SHA-256 and size; a failure has neither.
            # (Equalities joined by OR, not IN: a restore prints the check back the same.)
            models.CheckConstraint(
                condition=(
                    (Q(outcome="archived") | Q(outcome="unchanged"))
                    & Q(sha256__regex=r"^[0-9a-f]{64}$")
                    & Q(size__isnull=False)
                )
                | (~Q(outcome="archived") & ~Q(outcome="unchanged") & Q(sha256="") & Q(file="")),
                name="link_archive_success_has_hash",
            ),
            # Only a new copy stores a file.
            models.CheckConstraint(
                condition=Q(outcome="archived", file__gt="")
                | (~Q(outcome="archived") & Q(file="")),
                name="link_archive_file_iff_archived",
            ),
        ]

    def __str__(self):
        return f"{self.evidence_id} @ {self.checked_at:%Y-%m-%d}: {self.outcome}"

    @property
    def succeeded(self):
        return self.outcome in self.SUCCESSES


class StatusUpdate(models.Model):
    """One change of a milestone's reported status, progress or dates. Append-only history."""

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.PROTECT,
        related_name="status_updates",
    )
    old_status = models.CharField(
        _("previous status"), max_length=20, choices=Milestone.Status.choices
    )
    new_status = models.CharField(_("new status"), max_length=20, choices=Milestone.Status.choices)
    old_progress = models.PositiveSmallIntegerField(_("previous progress (%)"))
    new_progress = models.PositiveSmallIntegerField(_("new progress (%)"))
    new_started_on = models.DateField(_("actual start date"), null=True, blank=True)
    new_completed_on = models.DateField(_("completion date"), null=True, blank=True)
    # The milestone version this update created.
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    old_due_on = models.DateField(_("previous due date"), null=True, blank=True)
    new_due_on = models.DateField(_("new due date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="status_updates",
        null=True,
        blank=True,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="status_updates",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["milestone", "created_at"]
        get_latest_by = "created_at"
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(old_progress__lte=100) & Q(new_progress__lte=100),
                name="status_update_progress_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.milestone}: {self.old_status} → {self.new_status}"


class Transition(models.Model):
    """A change of a milestone's traffic light: the public record of when it went red, and
    the queue of notifications (a transition is claimed by setting notified_at)."""

    class Cause(models.TextChoices):
        CLOCK = "clock", _("Time passed")
        STATUS_UPDATE = "status_update", _("Status update")
        EVIDENCE = "evidence", _("Evidence")
        PLAN_CHANGE = "plan_change", _("Plan change")
        RESCHEDULE = "reschedule", _("Due date moved")
        # A state's threshold changed.
        RULE_CHANGE = "rule_change", _("Rule change")
        # The tracker's method changed (commitments.methodology): never notified as news.
        METHODOLOGY = "methodology", _("Change of method")
        # audit_lights repaired a stored light: never notified, listed as a correction.
        AUDIT = "audit", _("Correction")

    # Causes that are not news about the milestone: nobody is notified of them.
    QUIET_CAUSES = (Cause.METHODOLOGY, Cause.AUDIT)

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.PROTECT,
        related_name="transitions",
    )
    old_signal = models.CharField(_("from"), max_length=10, choices=Light.choices)
    new_signal = models.CharField(_("to"), max_length=10, choices=Light.choices)
    happened_at = models.DateTimeField(_("happened"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    # Who caused it, if a person did: they are not notified of their own action.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caused by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        ordering = ["milestone", "happened_at", "id"]
        verbose_name = _("traffic-light change")
        verbose_name_plural = _("traffic-light changes")
        indexes = [
            models.Index(
                fields=["recorded_at"],
                condition=Q(notified_at__isnull=True),
                name="transition_to_notify",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(old_signal=F("new_signal")), name="transition_changes_the_light"
            ),
        ]

    def __str__(self):
        return f"{self.milestone}: {self.old_signal} → {self.new_signal}"


class Verification(models.Model):
    """A civil-society organisation's verdict on the status the government reported.

    Append-only: a new verdict is a new row. It names the milestone version it judged, so a
    verdict on an older report is never shown as if it applied to the current one.
    """

    class Result(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        DISPUTED = "disputed", _("Disputed")

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.PROTECT,
        related_name="verifications",
    )
    milestone_version = models.PositiveIntegerField(_("milestone version"))
    status = models.CharField(
        _("reported status judged"), max_length=20, choices=Milestone.Status.choices
    )
    progress = models.PositiveSmallIntegerField(_("reported progress judged (%)"))
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    reason = models.TextField(_("reason"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="verifications",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="verifications",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["milestone", "created_at", "id"]
        get_latest_by = "created_at"
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(result="verified") | ~Q(reason=""),
                name="verification_dispute_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.milestone}: {self.get_result_display()}"

    @property
    def is_disputed(self):
        return self.result == self.Result.DISPUTED


class HistoryEntry(models.Model):
    """One change made by a person: the public, append-only log of a milestone.

    Written by commitments.services in the same transaction as the change it records.
    """

    class Action(models.TextChoices):
        STATUS_REPORTED = "status_reported", _("Status reported")
        EVIDENCE_ADDED = "evidence_added", _("Evidence added")
        EVIDENCE_RETRACTED = "evidence_retracted", _("Evidence retracted")
        VERIFIED = "verified", _("Status verified")
        DISPUTED = "disputed", _("Status disputed")
        RESCHEDULED = "rescheduled", _("Due date moved")
        EDITED = "edited", _("Milestone edited")
        CHECKED = "checked", _("Checked, no changes")
        DISPUTE_ANSWERED = "dispute_answered", _("Dispute answered")
        DISPUTE_WITHDRAWN = "dispute_withdrawn", _("Dispute withdrawn")
        DISPUTE_MAINTAINED = "dispute_maintained", _("Dispute maintained")
        DISPUTE_SUPERSEDED = "dispute_superseded", _("Dispute closed by a new report")

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.PROTECT,
        related_name="history",
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    summary = models.TextField(_("summary"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="history_entries",
    )
    # None for staff acting in the admin on no organisation's behalf.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="history_entries",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    milestone_version = models.PositiveIntegerField(_("milestone version"))
    status_update = models.ForeignKey(
        StatusUpdate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="history"
    )
    verification = models.ForeignKey(
        Verification, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["milestone", "created_at", "id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")

    def __str__(self):
        return f"{self.milestone}: {self.get_action_display()}"


class Reschedule(models.Model):
    """One move of a milestone's due date: the public record of moved goalposts. Append-only."""

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.PROTECT,
        related_name="reschedules",
    )
    old_due_on = models.DateField(_("previous due date"), null=True, blank=True)
    new_due_on = models.DateField(_("new due date"), null=True, blank=True)
    old_precision = models.CharField(
        _("previous precision"), max_length=10, choices=Milestone.DuePrecision.choices
    )
    new_precision = models.CharField(
        _("new precision"), max_length=10, choices=Milestone.DuePrecision.choices
    )
    # Moved after the date it moves had passed ("reprogramado después de vencer").
    after_due = models.BooleanField(_("moved after falling due"), default=False)
    # The entry of the public history, when a person moved it (an imported revision has none).
    history_entry = models.OneToOneField(
        "HistoryEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reschedule",
    )
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # None when an imported revision of the plan moved it on no organisation's behalf.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="reschedules",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        ordering = ["milestone", "created_at", "id"]
        verbose_name = _("reschedule")
        verbose_name_plural = _("reschedules")

    def __str__(self):
        return f"{self.milestone}: {self.old_due_on} → {self.new_due_on}"

    @property
    def days_moved(self):
        if self.old_due_on is None or self.new_due_on is None:
            return None
        return (self.new_due_on - self.old_due_on).days


class Dispute(models.Model):
    """A civil-society organisation's dispute of a reported status, with the right of reply.

    open (awaiting the government's answer) → answered → withdrawn (the organisation is
    satisfied) or maintained (it is not; the mark stays). A new status report by the
    government closes it as superseded. Each step is a DisputeMessage and a history entry.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ANSWERED = "answered", _("Answered")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        MAINTAINED = "maintained", _("Maintained")
        SUPERSEDED = "superseded", _("Superseded by a new report")

    # While the dispute is in one of these, the milestone is marked "en disputa".
    ACTIVE = (State.OPEN, State.ANSWERED, State.MAINTAINED)

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    verification = models.OneToOneField(
        Verification,
        verbose_name=_("verification"),
        on_delete=models.PROTECT,
        related_name="dispute",
    )
    milestone_version = models.PositiveIntegerField(_("milestone version"))
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("disputed by"),
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    opened_at = models.DateTimeField(_("opened"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the lead and supporting institutions were last reminded of an unanswered dispute.
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)

    class Meta:
        ordering = ["milestone", "opened_at", "id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            # One dispute in progress per milestone at a time (in progress: not closed, i.e.
            # open, answered or maintained; closed_at is set when withdrawn or superseded).
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(closed_at__isnull=True),
                name="dispute_one_active_per_milestone",
            ),
        ]

    def __str__(self):
        return f"{self.milestone}: {self.get_state_display()}"

    @property
    def is_active(self):
        return self.state in self.ACTIVE


class DisputeMessage(models.Model):
    """One step of a dispute's thread: the reason, an answer, a rejoinder. Append-only."""

    class Kind(models.TextChoices):
        REASON = "reason", _("Reason for the dispute")
        ANSWER = "answer", _("Government's answer")
        WITHDRAWAL = "withdrawal", _("Dispute withdrawn")
        REJOINDER = "rejoinder", _("Dispute maintained")
        SUPERSEDED = "superseded", _("Closed by a new status report")

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="dispute_messages",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("time"))
    history_entry = models.OneToOneField(
        "HistoryEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute_message",
    )

    class Meta:
        ordering = ["dispute", "created_at", "id"]
        verbose_name = _("dispute message")
        verbose_name_plural = _("dispute messages")

    def __str__(self):
        return f"{self.dispute}: {self.get_kind_display()}"


class AppliedMethodology(models.Model):
    """Which version of the tracker's method (commitments.methodology) the lights follow."""

    version = models.PositiveIntegerField(_("version"), primary_key=True)
    applied_at = models.DateTimeField(_("applied"))
    changed = models.PositiveIntegerField(_("lights changed"), default=0)

    class Meta:
        ordering = ["version"]
        verbose_name = _("applied change of method")
        verbose_name_plural = _("applied changes of method")

    def __str__(self):
        return f"v{self.version}"


class AuditRun(models.Model):
    """One run of `audit_lights`: how many stored lights it read, how many differed from the
    rules, and which (the first ones, with what was stored and what the rules give); /healthz/
    reports the last one and /correcciones/ lists the repairs."""

    ran_at = models.DateTimeField(_("ran"), db_index=True)
    checked = models.PositiveIntegerField(_("milestones checked"))
    differences = models.PositiveIntegerField(_("differences found"))
    repaired = models.PositiveIntegerField(_("differences repaired"), default=0)
    # [{"milestone": id, "label": "MXGTO0001.2", "fields": {name: [stored, expected]}}]
    details = models.JSONField(_("details"), default=list, blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]
        get_latest_by = ["ran_at", "id"]
        verbose_name = _("light audit")
        verbose_name_plural = _("light audits")

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M}: {self.differences}"

    @property
    def clean(self):
        return self.differences == self.repaired


class RankingSnapshot(models.Model):
    """A state's or an institution's figures on one day, as the public pages showed them
    (selectors.states_overview, selectors.institution_scorecard): the ranking over time.

    Append-only: services.rankings writes each day's rows once and never updates or deletes
    one (a second run on the same day inserts nothing). The object is named by its id and,
    as it was that day, by its slug and name, so a row still reads after a rename.
    """

    class Kind(models.TextChoices):
        STATE = "state", _("State")
        INSTITUTION = "institution", _("Institution")

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveIntegerField(_("object id"))
    slug = models.SlugField(_("slug"), max_length=200)
    name = models.CharField(_("name"), max_length=300)
    state_name = models.CharField(_("state"), max_length=100)
    state_slug = models.SlugField(_("state slug"), max_length=100)
    rank = models.PositiveIntegerField(_("rank"))
    light = models.CharField(_("traffic light"), max_length=10, choices=Light.choices)
    milestones = models.PositiveIntegerField(_("milestones"))
    red = models.PositiveIntegerField(_("red"))
    yellow = models.PositiveIntegerField(_("yellow"))
    green = models.PositiveIntegerField(_("green"))
    overdue = models.PositiveIntegerField(_("overdue"))
    completed = models.PositiveIntegerField(_("completed"))
    share_red = models.FloatField(_("share red"))
    share_overdue = models.FloatField(_("share overdue"))
    share_completed = models.FloatField(_("share completed"))
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        ordering = ["date", "kind", "rank"]
        verbose_name = _("ranking snapshot")
        verbose_name_plural = _("ranking snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "kind", "object_id"], name="ranking_snapshot_once_a_day"
            ),
            models.CheckConstraint(
                # Not kind__in: pg_dump prints an IN list differently once restored, and a
                # restore must give the same schema (tests/test_backup_restore.py).
                condition=Q(kind="state") | Q(kind="institution"),
                name="ranking_snapshot_kind",
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id", "date"], name="ranking_by_object")]

    def __str__(self):
        return f"{self.date} {self.kind} {self.slug}: {self.red} red"
