"""The panel's pages of information requests (/panel/solicitudes/): thin views over
transparency.services; transparency.rules decides which milestones a request fits.

A civil-society member drafts a request from a milestone, downloads its text to paste into the
transparency platform, then records the folio and date it was filed and, later, the answer.
Requests are their organisation's: another organisation's are a 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from commitments.permissions import CSO, memberships_of
from commitments.validators import validate_date_in_range
from transparency import rules, services
from transparency.models import InformationRequest

from .decorators import contributor_required, require
from .forms import DateInput

PERMISSION = "information_request:write"


class DraftForm(forms.Form):
    addressee = forms.CharField(
        label=gettext_lazy("Addressed to"),
        max_length=300,
        help_text=gettext_lazy(
            "The transparency unit of the institution that must answer; change it if its name "
            "or the institution changed."
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Text of the request"),
        widget=forms.Textarea(attrs={"rows": 22}),
        max_length=8000,
        help_text=gettext_lazy("Edit it freely: it is yours to file."),
    )


class FilingForm(forms.Form):
    folio = forms.CharField(
        label=gettext_lazy("Folio"),
        max_length=60,
        help_text=gettext_lazy("The number the transparency platform gave the request."),
    )
    filed_on = forms.DateField(
        label=gettext_lazy("Filed on"), widget=DateInput, validators=[validate_date_in_range]
    )


class AnswerForm(forms.Form):
    answered_on = forms.DateField(
        label=gettext_lazy("Answered on"), widget=DateInput, validators=[validate_date_in_range]
    )
    answer_url = forms.URLField(
        label=gettext_lazy("Link to the answer"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=gettext_lazy("Optional: where the answer can be read, if it is public."),
    )


class ExtensionForm(forms.Form):
    extended_on = forms.DateField(
        label=gettext_lazy("Extension notified on"),
        widget=DateInput,
        validators=[validate_date_in_range],
        help_text=gettext_lazy(
            "The day the institution notified that it extends the answer deadline. It counts "
            "only when notified within the legal deadline."
        ),
    )


class WithdrawalForm(forms.Form):
    withdrawn_on = forms.DateField(
        label=gettext_lazy("Withdrawn on"),
        widget=DateInput,
        validators=[validate_date_in_range],
        help_text=gettext_lazy(
            "The day your organisation withdrew the request on the platform: the business days "
            "stop counting on it."
        ),
    )


def _error_items(*forms_):
    items = []
    for form in forms_:
        for name, errors in form.errors.items():
            field = form[name] if name in form.fields else None
            anchor = field.auto_id if field is not None else f"form-{form.prefix or 'main'}"
            label = f"{field.label}: " if field is not None else ""
            items.extend({"anchor": anchor, "text": f"{label}{m}"} for m in errors)
    return items


def _apply(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _cso_memberships(user):
    return [m for m in memberships_of(user) if m.role == CSO]


def _own_request(request, pk):
    """(the information request, the membership that may act on it) or Http404."""
    item = (
        InformationRequest.objects.select_related(
            "milestone__commitment__action_plan__state",
            "milestone__commitment__lead_institution",
            "organisation",
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    state_id = item.milestone.commitment.action_plan.state_id
    membership = next(
        (
            m
            for m in _cso_memberships(request.user)
            if m.organisation_id == item.organisation_id and m.state_id == state_id
        ),
        None,
    )
    if membership is None:
        raise Http404
    return item, membership


def _signed_in(view):
    def wrapper(request, pk, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        item, membership = _own_request(request, pk)
        return view(request, item, membership, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@contributor_required
def request_list(request):
    orgs = {m.organisation_id for m in _cso_memberships(request.user)}
    items = list(
        InformationRequest.objects.filter(organisation_id__in=orgs).select_related(
            "milestone__commitment__action_plan__state", "organisation"
        )
    )
    today = timezone.localdate()
    for item in items:
        item.public_line = rules.public_line(item, today=today)
    return render(
        request,
        "panel/information_requests/list.html",
        {"items": items, "is_cso": bool(orgs)},
    )


@require(PERMISSION)
def draft(request, *, milestone, membership):
    refusal = rules.refusal(milestone)
    if request.method == "POST":
        form = DraftForm(request.POST)
        if form.is_valid():
            try:
                item = services.draft(
                    milestone=milestone,
                    membership=membership,
                    addressee=form.cleaned_data["addressee"],
                    text=form.cleaned_data["text"],
                    now=timezone.now(),
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Draft saved. Download its text, file it on the platform, then record "
                        "the folio."
                    ),
                )
                return redirect(reverse("panel:information-request", kwargs={"pk": item.pk}))
        status = 400
    else:
        addressee = services.default_addressee(milestone)
        form = DraftForm(
            initial={
                "addressee": addressee,
                "text": services.request_text(
                    milestone, organisation=membership.organisation, addressee=addressee
                ),
            }
        )
        status = 200
    context = {
        "milestone": milestone,
        "commitment": milestone.commitment,
        "form": form,
        "refusal": refusal,
        "error_items": _error_items(form),
        "membership": membership,
    }
    return render(request, "panel/information_requests/draft.html", context, status=status)


def _detail_page(request, item, membership, *, status=200, **forms_):
    today = timezone.localdate()
    context = {
        "item": item,
        "milestone": item.milestone,
        "commitment": item.milestone.commitment,
        "edit_form": forms_.get("edit")
        or DraftForm(initial={"addressee": item.addressee, "text": item.text}, prefix="edit"),
        "filing_form": forms_.get("filing")
        or FilingForm(initial={"folio": item.folio, "filed_on": item.filed_on}, prefix="filing"),
        "answer_form": forms_.get("answer")
        or AnswerForm(
            initial={"answered_on": item.answered_on, "answer_url": item.answer_url},
            prefix="answer",
        ),
        "extension_form": forms_.get("extension")
        or ExtensionForm(initial={"extended_on": item.extended_on}, prefix="extension"),
        "withdrawal_form": forms_.get("withdrawal")
        or WithdrawalForm(initial={"withdrawn_on": item.withdrawn_on}, prefix="withdrawal"),
        "standing": rules.standing(item, today=today),
        "extension_days": rules.extension_business_days(),
        "public_line": rules.public_line(item, today=today),
        "error_items": _error_items(*forms_.values()),
    }
    return render(request, "panel/information_requests/detail.html", context, status=status)


@_signed_in
def detail(request, item, membership):
    if request.method == "POST":
        form = DraftForm(request.POST, prefix="edit")
        if form.is_valid():
            try:
                services.edit_draft(
                    information_request=item,
                    membership=membership,
                    addressee=form.cleaned_data["addressee"],
                    text=form.cleaned_data["text"],
                    now=timezone.now(),
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Draft saved."))
                return redirect(reverse("panel:information-request", kwargs={"pk": item.pk}))
        return _detail_page(request, item, membership, status=400, edit=form)
    return _detail_page(request, item, membership)


@_signed_in
def text_download(request, item, membership):
    """The text as a UTF-8 plain-text file, to paste into the transparency platform."""
    body = f"{item.text.rstrip()}\n"
    response = HttpResponse(body.encode("utf-8"), content_type="text/plain; charset=utf-8")
    name = f"solicitud-{item.milestone.commitment.ogp_id}-{item.milestone.number}.txt"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _record(request, item, membership, *, form_class, prefix, service, success, remove=None):
    """A POST of one of the detail page's forms: `service` called with the form's cleaned
    data, then back to the page with `success`; the page again with the errors (400)
    otherwise, nothing written. With `remove`, a (service, message) pair, the form's remove
    button (`<prefix>-remove`) calls that service instead."""
    back = redirect(reverse("panel:information-request", kwargs={"pk": item.pk}))
    if remove is not None and f"{prefix}-remove" in request.POST:
        service, success = remove
        try:
            service(information_request=item, membership=membership, now=timezone.now())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
        return back
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(
                information_request=item,
                membership=membership,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, success)
            return back
    return _detail_page(request, item, membership, status=400, **{prefix: form})


def _recording(*, form_class, prefix, service, success, remove=None):
    """The POST view of one of the detail page's forms (_record); messages are lazy texts,
    translated in the request's language."""

    @require_POST
    @_signed_in
    def view(request, item, membership):
        return _record(
            request,
            item,
            membership,
            form_class=form_class,
            prefix=prefix,
            service=service,
            success=str(success),
            remove=remove and (remove[0], str(remove[1])),
        )

    view.__name__ = f"record_{prefix}"
    return view


record_filing = _recording(
    form_class=FilingForm,
    prefix="filing",
    service=services.record_filing,
    success=gettext_lazy("Filing recorded: the commitment's page now shows it."),
)
record_answer = _recording(
    form_class=AnswerForm,
    prefix="answer",
    service=services.record_answer,
    success=gettext_lazy("Answer recorded."),
)
record_extension = _recording(
    form_class=ExtensionForm,
    prefix="extension",
    service=services.record_extension,
    success=gettext_lazy("Extension recorded: the deadline on the commitment's page counts it."),
    remove=(services.remove_extension, gettext_lazy("Extension removed.")),
)
withdraw = _recording(
    form_class=WithdrawalForm,
    prefix="withdrawal",
    service=services.withdraw,
    success=gettext_lazy("Withdrawal recorded: the commitment's page shows it."),
    remove=(
        services.remove_withdrawal,
        gettext_lazy("Withdrawal removed: the request counts again."),
    ),
)


@require_POST
@_signed_in
def discard(request, item, membership):
    try:
        services.discard_draft(information_request=item, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("panel:information-request", kwargs={"pk": item.pk}))
    messages.success(request, _("Draft deleted."))
    return redirect(reverse("panel:information-requests"))
