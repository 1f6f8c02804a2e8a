"""Access-to-information requests a civil-society organisation files about a milestone.

A request is drafted here (its text generated, then edited), filed by the organisation on the
transparency platform outside this site, and recorded back: the folio the platform gave and
the date it was filed, later the date of the answer. Only filed requests are public.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from commitments.models import Milestone
from states.models import Organisation


class InformationRequest(models.Model):
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.CASCADE,
        related_name="information_requests",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="information_requests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="information_requests",
    )
    addressee = models.CharField(_("addressee"), max_length=300)
    text = models.TextField(_("text of the request"))
    folio = models.CharField(_("folio"), max_length=60, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    # The day the institution notified an extension of the answer deadline ("ampliación del
    # plazo"); it counts only when notified within the ordinary deadline (rules.standing).
    extended_on = models.DateField(_("extension notified on"), null=True, blank=True)
    # The day the organisation withdrew the request ("desistimiento"): the count stops there.
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    answer_url = models.URLField(_("link to the answer"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        constraints = [
            # Filed means both: the platform's folio and the day it was filed.
            models.CheckConstraint(
                condition=(Q(folio="") & Q(filed_on__isnull=True))
                | (~Q(folio="") & Q(filed_on__isnull=False)),
                name="information_request_filed_has_folio_and_date",
            ),
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True)
                | (Q(filed_on__isnull=False) & Q(answered_on__gte=F("filed_on"))),
                name="information_request_answered_after_filed",
            ),
            models.CheckConstraint(
                condition=Q(extended_on__isnull=True)
                | (Q(filed_on__isnull=False) & Q(extended_on__gte=F("filed_on"))),
                name="information_request_extended_after_filed",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | (
                    Q(filed_on__isnull=False)
                    & Q(answered_on__isnull=True)
                    & Q(withdrawn_on__gte=F("filed_on"))
                ),
                name="information_request_withdrawn_after_filed_unanswered",
            ),
            # A folio names one request of the platform: an organisation records it once.
            models.UniqueConstraint(
                fields=["organisation", "folio"],
                condition=~Q(folio=""),
                name="information_request_one_folio_per_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.folio or _('draft')} · {self.milestone}"

    @property
    def is_filed(self):
        return self.filed_on is not None

    @property
    def is_answered(self):
        return self.answered_on is not None

    @property
    def is_withdrawn(self):
        return self.withdrawn_on is not None
