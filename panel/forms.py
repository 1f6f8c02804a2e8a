"""Forms of the contributor panel: they validate input; commitments.services enforces the rules.

The write API validates with the same forms (api/write.py), so a request gets the same answer
through either door.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.models import Milestone, Verification
from commitments.validators import validate_date_in_range


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class StatusForm(forms.Form):
    # The version the official saw: a report based on an older one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=Milestone.Status.choices)
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        help_text=_("A completed milestone is always at 100 %."),
    )
    started_on = forms.DateField(
        label=_("Actual start date"),
        required=False,
        widget=DateInput,
        validators=[validate_date_in_range],
    )
    completed_on = forms.DateField(
        label=_("Completion date"),
        required=False,
        widget=DateInput,
        validators=[validate_date_in_range],
        help_text=_("Only for a completed milestone; today if left empty."),
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("What was done, or why it is late. Public."),
    )

    def service_arguments(self):
        """The cleaned data as services.report_status takes it."""
        data = self.cleaned_data
        fields = ("status", "progress", "started_on", "completed_on", "note")
        return {"base_version": data["version"], **{f: data[f] for f in fields}}

    @classmethod
    def for_milestone(cls, milestone, prefix="status"):
        return cls(
            initial={
                "version": milestone.version,
                "status": milestone.status,
                "progress": milestone.progress,
                "started_on": milestone.started_on,
                "completed_on": milestone.completed_on,
            },
            prefix=prefix,
        )


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        # Our own words: Django's es_MX catalogue misspells this one ("vació").
        error_messages={"empty": _("The file is empty.")},
    )
    url = forms.CharField(
        label=_("Or a link"),
        required=False,
        max_length=1000,
        help_text=_("An http:// or https:// address, for evidence published on the web."),
        widget=forms.URLInput,
    )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise forms.ValidationError(_("Give a file or a link: one of the two."))
        return cleaned


class VerificationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    result = forms.ChoiceField(
        label=_("The reported status is"),
        choices=Verification.Result.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Required to dispute. Public."),
    )

    # A dispute needs a reason: services.record_verification says so, in the reason field.

    def service_arguments(self):
        """The cleaned data as services.record_verification takes it."""
        data = self.cleaned_data
        return {"base_version": data["version"], "result": data["result"], "reason": data["reason"]}


class RetractForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for retraction"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        help_text=_("The evidence stays listed, struck through, with this reason."),
    )


class DisputeAnswerForm(forms.Form):
    """The government's answer to a dispute (officials of the lead or supporting institutions)."""

    # The milestone version the person saw: a new status report closes the dispute meanwhile.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(
        label=_("Your institution's answer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Public, under your institution's name, on the milestone's page."),
    )

    def service_arguments(self):
        """The cleaned data as services.answer_dispute takes it."""
        return {"base_version": self.cleaned_data["version"], "text": self.cleaned_data["text"]}


class DisputeCloseForm(forms.Form):
    """The disputing organisation's reply to the answer: withdraw, or maintain with a rejoinder.

    Which of the two is the URL's (one button each); the rejoinder is required to maintain,
    which services.close_dispute says in the text field.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(
        label=_("Your reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_(
            "Required to maintain the dispute: why the answer does not settle it. Optional to "
            "withdraw it. Public, under your organisation's name."
        ),
    )

    def service_arguments(self):
        """The cleaned data as services.close_dispute takes it."""
        return {"base_version": self.cleaned_data["version"], "text": self.cleaned_data["text"]}
