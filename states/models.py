from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

# OGP asks members to update their evidence repository at least twice a year.
DEFAULT_STALE_AFTER_DAYS = 180


class StateQuerySet(models.QuerySet):
    def active(self):
        """The states the public sees: active ones with at least one action plan (all 32
        federal entities are reference data, shown once they have a plan)."""
        plans = self.model._meta.get_field("action_plans").related_model.objects
        return self.filter(is_active=True, pk__in=plans.values("state"))


class State(models.Model):
    """A Mexican state (entidad federativa) that takes part in OGP Local."""

    name = models.CharField(_("official name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    inegi_code = models.CharField(
        _("INEGI code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^\d{2}$", _("The INEGI code has exactly two digits."))],
        help_text=_("Two-digit state code of INEGI's geostatistical framework, e.g. 19."),
    )
    stale_after_days = models.PositiveIntegerField(
        _("stale after (days)"),
        default=DEFAULT_STALE_AFTER_DAYS,
        validators=[MinValueValidator(1)],
        help_text=_("A milestone with no status update and no evidence for longer is stale."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Officials write only on the milestones of commitments their institution leads or
    # supports (commitments.permissions); a small team may let any official of the state
    # report on any of them.
    any_official_may_report = models.BooleanField(
        _("any official may report on any milestone"),
        default=False,
        help_text=_(
            "For small teams: any official of the state may report the status of, and add "
            "evidence to, any of its milestones. Otherwise only the officials of the "
            "institutions that lead or support a commitment may. Answering a dispute stays "
            "with those institutions either way."
        ),
    )
    # OGP's identifier of the state's commitments begins with it (MXNLE0001, MXJL0002);
    # a municipality of its own in OGP Local has its own (Municipality.ogp_prefix).
    ogp_prefix = models.CharField(
        _("OGP identifier prefix"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2,6}$", _("Capital letters only, e.g. MXNLE."))],
        help_text=_("The letters OGP's identifiers of this state's commitments begin with."),
    )

    objects = StateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("state")
        verbose_name_plural = _("states")
        constraints = [
            models.CheckConstraint(
                condition=Q(inegi_code__regex=r"^[0-9]{2}$"), name="state_inegi_code_two_digits"
            ),
            models.CheckConstraint(
                condition=Q(stale_after_days__gte=1), name="state_stale_after_days_positive"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("public:state", kwargs={"slug": self.slug})

    kind = "state"

    @property
    def transparency_body(self):
        """The organisation that holds the state's transparency duties today, if known."""
        term = next((t for t in self.transparency_terms.all() if t.ends_on is None), None)
        return term.organisation if term else None


class Municipality(models.Model):
    """A municipality that is an OGP member of its own (OGP Local) within its state, such as
    San Pedro Garza García in Nuevo León's coalition. Created when a plan names it."""

    state = models.ForeignKey(
        State, verbose_name=_("state"), on_delete=models.PROTECT, related_name="municipalities"
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    inegi_code = models.CharField(
        _("INEGI code"),
        max_length=5,
        unique=True,
        validators=[RegexValidator(r"^\d{5}$", _("The INEGI code has exactly five digits."))],
        help_text=_("The state's two digits and the municipality's three, e.g. 19019."),
    )
    ogp_prefix = models.CharField(
        _("OGP identifier prefix"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2,6}$", _("Capital letters only, e.g. MXNLE."))],
        help_text=_("The letters OGP's identifiers of its commitments begin with, e.g. MXSPG."),
    )

    kind = "municipality"

    class Meta:
        ordering = ["state", "name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.CheckConstraint(
                condition=Q(inegi_code__regex=r"^[0-9]{5}$"),
                name="municipality_inegi_code_five_digits",
            ),
            models.UniqueConstraint(fields=["state", "name"], name="municipality_unique_in_state"),
            models.UniqueConstraint(
                fields=["ogp_prefix"], condition=~Q(ogp_prefix=""), name="municipality_ogp_prefix"
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.state.name}"

    def clean(self):
        if (
            self.state_id
            and self.inegi_code
            and not self.inegi_code.startswith(self.state.inegi_code)
        ):
            raise ValidationError(
                {"inegi_code": _("A municipality's INEGI code begins with its state's code.")}
            )


SLUG_MAX_LENGTH = 120


def organisation_slug(name, state, *, exclude_pk=None, taken=None):
    """A free slug for an organisation: its name followed by its state's slug (many states
    have a "Secretaría de Finanzas"), and a number if that is taken too.

    `taken` is a set of slugs already used, for callers that create many at once
    (bulk_create skips save()); without it the table is asked.
    """
    base = slugify(name)[: SLUG_MAX_LENGTH - 70].strip("-") or "institucion"
    if state is not None:
        base = f"{base}-{state.slug}"[: SLUG_MAX_LENGTH - 4]

    def used(slug):
        if taken is not None:
            return slug in taken
        return Organisation.objects.filter(slug=slug).exclude(pk=exclude_pk).exists()

    slug, n = base, 1
    while used(slug):
        n += 1
        slug = f"{base}-{n}"
    if taken is not None:
        taken.add(slug)
    return slug


class Organisation(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government agency")
        CSO = "cso", _("Civil society organisation")
        TRANSPARENCY_BODY = "transparency", _("Transparency body")
        ACADEMIA = "academia", _("Academia")
        PRIVATE = "private", _("Private sector")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.ForeignKey(
        State,
        verbose_name=_("state"),
        on_delete=models.PROTECT,
        related_name="organisations",
        null=True,
        blank=True,
        help_text=_("Leave empty for national or international organisations."),
    )
    website = models.URLField(_("website"), blank=True)
    # Other names the importer knows it by (OGP's pages name institutions in English), one a
    # line; matched like the name, accents and case ignored.
    aliases = models.TextField(
        _("aliases"),
        blank=True,
        help_text=_("Other names of the institution, one per line (e.g. its name in English)."),
    )
    # An institution replaced by another (Guanajuato's IACIP, extinguished in 2025, by the
    # Secretaría de la Honestidad): its commitments pass to the successor's officials.
    successor = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.PROTECT,
        related_name="predecessors",
        null=True,
        blank=True,
        help_text=_(
            "The institution that took over its duties, if it was extinguished or merged: "
            "the successor's officials answer for its commitments, and its own officials no "
            "longer write on them."
        ),
    )
    # Created by an import (import_plan --create-institutions): someone should check its
    # name, kind and state.
    needs_review = models.BooleanField(
        _("to be reviewed"),
        default=False,
        help_text=_("Created by an import: check its name, kind and state, then untick."),
    )
    # The institution's public page (/instituciones/<slug>/). Made from the name and the
    # state when left empty, then kept: a rename does not break links already shared.
    slug = models.SlugField(
        _("slug"),
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        help_text=_("Leave empty to make it from the name and the state."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="organisation_slug_not_empty"),
            models.UniqueConstraint(fields=["state", "name"], name="organisation_unique_per_state"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(state=None), name="organisation_unique_national"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def save(self, *args, **kwargs):
        self._fill_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("public:institution", kwargs={"slug": self.slug})

    @property
    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    def clean(self):
        # Before the form checks the constraints (a slug left empty in the admin).
        self._fill_slug()
        seen, current = {self.pk}, self.successor
        while current is not None:
            if current.pk in seen:
                raise ValidationError(
                    {"successor": _("An institution cannot succeed itself, even through others.")}
                )
            seen.add(current.pk)
            current = current.successor

    def _fill_slug(self):
        if not self.slug:
            self.slug = organisation_slug(self.name, self.state, exclude_pk=self.pk)


class TransparencyBodyTerm(models.Model):
    """Which organisation held a state's transparency duties, and when.

    Transparency bodies change (Guanajuato's IACIP was extinguished in 2025 and its duties
    passed to the Secretaría de la Honestidad), and old records must still name the body
    of their time, so this is a history rather than a field on State.
    """

    state = models.ForeignKey(
        State, verbose_name=_("state"), on_delete=models.CASCADE, related_name="transparency_terms"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT
    )
    starts_on = models.DateField(_("since"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["state", "starts_on"]
        verbose_name = _("transparency body term")
        verbose_name_plural = _("transparency body terms")
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=Q(ends_on=None), name="one_current_transparency_body"
            ),
            models.CheckConstraint(
                condition=Q(ends_on=None) | Q(starts_on=None) | Q(ends_on__gte=F("starts_on")),
                name="transparency_term_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.state}: {self.organisation}"


class Membership(models.Model):
    """A user's role in a state, on behalf of an organisation. Admins are Django staff."""

    class Role(models.TextChoices):
        OFFICIAL = "official", _("State official")
        CSO = "cso", _("Civil society")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    state = models.ForeignKey(
        State, verbose_name=_("state"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["state", "role", "user"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "state", "role"], name="one_membership_per_user_state_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.state}"

    def clean(self):
        if self.organisation_id is None or not self.role:
            return
        kind = self.organisation.kind
        if self.role == self.Role.OFFICIAL and kind != Organisation.Kind.GOVERNMENT:
            raise ValidationError({"organisation": _("An official acts for a government agency.")})
        if self.role == self.Role.CSO and kind == Organisation.Kind.GOVERNMENT:
            raise ValidationError(
                {"organisation": _("A civil-society member cannot act for a government agency.")}
            )
