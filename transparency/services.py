"""Every write of information requests: the panel and the admin come through here.

A draft is private to its organisation; filing it (folio and date) and recording the answer
change what the commitment's public page shows, so those drop its cached pages.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from commitments.cache import invalidate_commitment_pages
from commitments.models import Milestone
from commitments.validators import date_out_of_range
from states.models import Membership

from . import rules
from .models import InformationRequest

SPANISH = "es-mx"


def _holder(organisation):
    """The institution that answers today for `organisation`: itself, or the end of its chain
    of successors (an extinguished body's duties pass on; see Organisation.successor)."""
    seen = set()
    while organisation.successor_id and organisation.pk not in seen:
        seen.add(organisation.pk)
        organisation = organisation.successor
    return organisation


# The first word of an institution's name gives the article Spanish puts before it.
FEMININE = {
    "secretaría", "coordinación", "comisión", "dirección", "fiscalía", "procuraduría",
    "unidad", "oficina", "universidad", "contraloría", "junta", "defensoría", "agencia",
    "auditoría", "consejería", "jefatura", "tesorería", "subsecretaría", "autoridad",
}  # fmt: skip
MASCULINE = {
    "instituto", "consejo", "sistema", "gobierno", "poder", "congreso", "tribunal",
    "organismo", "municipio", "ayuntamiento", "centro", "comité", "servicio", "fideicomiso",
    "despacho", "órgano",
}  # fmt: skip


def of(name):
    """ "de" and the name, with its article: "de la Secretaría ...", "del Instituto ...",
    "de Kybernus"."""
    first = name.split(maxsplit=1)[0].lower() if name.strip() else ""
    if first in FEMININE:
        return f"de la {name}"
    if first in MASCULINE:
        return f"del {name}"
    return f"de {name}"


def default_addressee(milestone):
    lead = _holder(milestone.commitment.lead_institution)
    # The letter is in Spanish whatever the language of the page it was drafted from.
    return f"Unidad de Transparencia {of(lead.name)}"


def _spanish_date(value):
    with translation.override(SPANISH):
        return formats.date_format(value, "DATE_FORMAT")


def _due_phrase(milestone):
    if milestone.due_on is None:
        return "que no tiene fecha de cumplimiento publicada"
    if milestone.due_precision == Milestone.DuePrecision.MONTH:
        with translation.override(SPANISH):
            month = formats.date_format(milestone.due_on, "YEAR_MONTH_FORMAT")
        return f"cuya fecha de cumplimiento era {month}"
    return f"cuya fecha de cumplimiento era el {_spanish_date(milestone.due_on)}"


def commitment_url(commitment):
    with translation.override(SPANISH):
        path = reverse("public:commitment", kwargs={"ogp_id": commitment.ogp_id})
    return f"{settings.SITE_URL}{path}"


def request_text(milestone, *, organisation, addressee):
    """The text of the request, in Spanish, ready to paste into a transparency platform.

    Generic on purpose: it cites the Constitution's article 6 and "the applicable law", not
    article numbers, because the general law was replaced in 2025 and each state's law is
    being harmonised with it; and it names no platform, which changed the same year.
    """
    commitment = milestone.commitment
    plan = commitment.action_plan
    lead = _holder(commitment.lead_institution)
    deliverable = (
        f" El entregable comprometido es: {milestone.deliverable.strip()}."
        if milestone.deliverable.strip()
        else ""
    )
    return "\n".join(
        [
            addressee,
            "Presente",
            "",
            "Con fundamento en el artículo 6o. de la Constitución Política de los Estados "
            "Unidos Mexicanos y en la ley de transparencia y acceso a la información pública "
            "aplicable, solicito la siguiente información pública.",
            "",
            f"El plan de acción de gobierno abierto «{plan.title}» de {plan.state.name}, "
            "presentado ante la Alianza para el Gobierno Abierto (Open Government "
            f"Partnership), incluye el compromiso {commitment.ogp_id} «{commitment.title}», "
            f"a cargo {of(lead.name)}. Ese compromiso contiene el hito "
            f"{commitment.ogp_id}.{milestone.number} «{milestone.title}», "
            f"{_due_phrase(milestone)}.{deliverable} A la fecha de esta solicitud no se ha "
            "publicado evidencia de su cumplimiento por parte del gobierno "
            f"(seguimiento público: {commitment_url(commitment)}).",
            "",
            "Solicito:",
            "1. Los documentos que den cuenta del avance o del cumplimiento de ese hito "
            "(entregables, informes, actas, minutas, oficios u otros), con su fecha.",
            "2. Si el hito no se ha cumplido, los documentos en que consten las razones del "
            "retraso y, en su caso, la nueva fecha prevista para cumplirlo.",
            "3. El nombre del área administrativa responsable de su ejecución.",
            "",
            "Solicito que la información se entregue en formato electrónico, por el mismo "
            "medio por el que se presenta esta solicitud.",
            "",
            "Atentamente,",
            organisation.name,
            "",
        ]
    )


def _check_membership(membership, organisation=None):
    if membership.role != Membership.Role.CSO:
        raise ValidationError(_("Only civil-society organisations file information requests."))
    if organisation is not None and membership.organisation_id != organisation.pk:
        raise ValidationError(_("This request belongs to another organisation."))


def _clean_texts(addressee, text):
    errors = {}
    addressee, text = (addressee or "").strip(), (text or "").strip()
    if not addressee:
        errors["addressee"] = _("Say to whom the request is addressed.")
    if not text:
        errors["text"] = _("The request needs a text.")
    if errors:
        raise ValidationError(errors)
    return addressee, text + "\n"


def draft(*, milestone, membership, addressee=None, text=None, now):
    """A new draft for `milestone` by `membership`'s organisation, with the generated text
    unless one is given. Refused (ValidationError) when the milestone is not eligible."""
    _check_membership(membership)
    with transaction.atomic():
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        reason = rules.refusal(locked)
        if reason:
            raise ValidationError(reason)
        addressee = addressee if addressee is not None else default_addressee(milestone)
        if text is None:
            text = request_text(
                milestone, organisation=membership.organisation, addressee=addressee
            )
        addressee, text = _clean_texts(addressee, text)
        return InformationRequest.objects.create(
            milestone=locked,
            organisation=membership.organisation,
            created_by=membership.user,
            addressee=addressee,
            text=text,
            created_at=now,
            updated_at=now,
        )


def _locked(information_request):
    return InformationRequest.objects.select_for_update().get(pk=information_request.pk)


def edit_draft(*, information_request, membership, addressee, text, now):
    """Change the addressee and text of a request not filed yet."""
    _check_membership(membership, information_request.organisation)
    addressee, text = _clean_texts(addressee, text)
    with transaction.atomic():
        locked = _locked(information_request)
        if locked.is_filed:
            raise ValidationError(_("A filed request is no longer edited: it is what was sent."))
        locked.addressee, locked.text, locked.updated_at = addressee, text, now
        locked.save(update_fields=["addressee", "text", "updated_at"])
        return locked


def discard_draft(*, information_request, membership):
    """Delete a request never filed (nothing public ever showed it)."""
    _check_membership(membership, information_request.organisation)
    with transaction.atomic():
        locked = _locked(information_request)
        if locked.is_filed:
            raise ValidationError(_("A filed request cannot be deleted."))
        locked.delete()


def _check_date(value, *, field, now, not_before=None, before_message=""):
    today = timezone.localdate(now)
    message = date_out_of_range(value)
    if message:
        raise ValidationError({field: message})
    if value > today:
        raise ValidationError({field: _("The date cannot be in the future.")})
    if not_before is not None and value < not_before:
        raise ValidationError({field: before_message})


def record_filing(*, information_request, membership, folio, filed_on, now):
    """Record that the request was filed: the platform's folio and the day (a correction of
    both while no answer is recorded)."""
    _check_membership(membership, information_request.organisation)
    folio = (folio or "").strip()
    if not folio:
        raise ValidationError({"folio": _("Give the folio the platform assigned.")})
    if filed_on is None:
        raise ValidationError({"filed_on": _("Give the date the request was filed.")})
    _check_date(filed_on, field="filed_on", now=now)
    with transaction.atomic():
        locked = _locked(information_request)
        if locked.is_answered:
            raise ValidationError(_("The answer is already recorded: the filing stays as it is."))
        if locked.is_withdrawn:
            raise ValidationError(_("The request was withdrawn: the filing stays as it is."))
        if locked.extended_on is not None and filed_on > locked.extended_on:
            raise ValidationError(
                {
                    "filed_on": _(
                        "The request cannot be filed after the extension was notified (%(date)s)."
                    )
                    % {"date": formats.date_format(locked.extended_on, "DATE_FORMAT")}
                }
            )
        if (
            InformationRequest.objects.filter(organisation=locked.organisation, folio=folio)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise ValidationError(
                {"folio": _("Your organisation already recorded a request with this folio.")}
            )
        locked.folio, locked.filed_on, locked.updated_at = folio, filed_on, now
        try:
            with transaction.atomic():
                locked.save(update_fields=["folio", "filed_on", "updated_at"])
        except IntegrityError:  # the same folio recorded at the same moment
            raise ValidationError(
                {"folio": _("Your organisation already recorded a request with this folio.")}
            ) from None
        invalidate_commitment_pages(locked.milestone.commitment_id)
        return locked


def record_answer(*, information_request, membership, answered_on, answer_url="", now):
    """Record the day the answer came (and where it can be read, if public)."""
    _check_membership(membership, information_request.organisation)
    if answered_on is None:
        raise ValidationError({"answered_on": _("Give the date of the answer.")})
    with transaction.atomic():
        locked = _locked(information_request)
        if not locked.is_filed:
            raise ValidationError(_("Record the folio and filing date first."))
        if locked.is_withdrawn:
            raise ValidationError(_("The request was withdrawn: no answer is recorded for it."))
        _check_date(
            answered_on,
            field="answered_on",
            now=now,
            not_before=locked.filed_on,
            before_message=_("The answer cannot come before the request was filed (%(date)s).")
            % {"date": formats.date_format(locked.filed_on, "DATE_FORMAT")},
        )
        if locked.extended_on is not None and answered_on < locked.extended_on:
            raise ValidationError(
                {
                    "answered_on": _(
                        "The answer cannot come before the extension was notified (%(date)s)."
                    )
                    % {"date": formats.date_format(locked.extended_on, "DATE_FORMAT")}
                }
            )
        locked.answered_on, locked.answer_url = answered_on, (answer_url or "").strip()
        locked.updated_at = now
        locked.save(update_fields=["answered_on", "answer_url", "updated_at"])
        invalidate_commitment_pages(locked.milestone.commitment_id)
        return locked


def record_extension(*, information_request, membership, extended_on, now):
    """Record the day the institution notified an extension of the answer deadline (a
    correction replaces it). Whether it extends the deadline is the rule's (rules.standing):
    only when notified within the ordinary deadline; a later one is shown as not counting."""
    _check_membership(membership, information_request.organisation)
    if extended_on is None:
        raise ValidationError({"extended_on": _("Give the date the extension was notified.")})
    with transaction.atomic():
        locked = _locked(information_request)
        if not locked.is_filed:
            raise ValidationError(_("Record the folio and filing date first."))
        _check_date(
            extended_on,
            field="extended_on",
            now=now,
            not_before=locked.filed_on,
            before_message=_(
                "The extension cannot be notified before the request was filed (%(date)s)."
            )
            % {"date": formats.date_format(locked.filed_on, "DATE_FORMAT")},
        )
        if locked.is_withdrawn:
            raise ValidationError(
                _(
                    "The request was withdrawn: remove the withdrawal first if the extension "
                    "came before it."
                )
            )
        if locked.answered_on is not None and extended_on > locked.answered_on:
            raise ValidationError(
                {
                    "extended_on": _("The extension cannot come after the answer (%(date)s).")
                    % {"date": formats.date_format(locked.answered_on, "DATE_FORMAT")}
                }
            )
        locked.extended_on, locked.updated_at = extended_on, now
        locked.save(update_fields=["extended_on", "updated_at"])
        invalidate_commitment_pages(locked.milestone.commitment_id)
        return locked


def withdraw(*, information_request, membership, withdrawn_on, now):
    """Record that the organisation withdrew a filed request it had no answer to
    ("desistimiento"): the business days stop counting on that day (a correction replaces
    it)."""
    _check_membership(membership, information_request.organisation)
    if withdrawn_on is None:
        raise ValidationError({"withdrawn_on": _("Give the date the request was withdrawn.")})
    with transaction.atomic():
        locked = _locked(information_request)
        if not locked.is_filed:
            raise ValidationError(_("A draft is deleted, not withdrawn."))
        if locked.is_answered:
            raise ValidationError(_("The request was answered: it can no longer be withdrawn."))
        earliest = max(locked.filed_on, locked.extended_on or locked.filed_on)
        _check_date(
            withdrawn_on,
            field="withdrawn_on",
            now=now,
            not_before=earliest,
            before_message=_(
                "The withdrawal cannot come before the filing or a recorded extension (%(date)s)."
            )
            % {"date": formats.date_format(earliest, "DATE_FORMAT")},
        )
        locked.withdrawn_on, locked.updated_at = withdrawn_on, now
        locked.save(update_fields=["withdrawn_on", "updated_at"])
        invalidate_commitment_pages(locked.milestone.commitment_id)
        return locked


def _clear(information_request, membership, field, *, now, refuse=None):
    """Set `field` back to None (a record made by mistake), unless `refuse` (the locked
    request -> a message or None) says why not."""
    _check_membership(membership, information_request.organisation)
    with transaction.atomic():
        locked = _locked(information_request)
        reason = refuse and refuse(locked)
        if reason:
            raise ValidationError(reason)
        setattr(locked, field, None)
        locked.updated_at = now
        locked.save(update_fields=[field, "updated_at"])
        invalidate_commitment_pages(locked.milestone.commitment_id)
        return locked


def remove_extension(*, information_request, membership, now):
    """Remove an extension recorded by mistake (the institution notified none)."""

    def refuse(locked):
        if locked.is_withdrawn:
            return _("The request was withdrawn: remove the withdrawal first.")
        return None

    return _clear(information_request, membership, "extended_on", now=now, refuse=refuse)


def remove_withdrawal(*, information_request, membership, now):
    """Remove a withdrawal recorded by mistake: the request counts again as waiting."""
    return _clear(information_request, membership, "withdrawn_on", now=now)
