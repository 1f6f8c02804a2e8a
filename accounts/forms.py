from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ops import budgets, outbox

from . import signin
from .models import User


class AcceptInvitationForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, digits and . @ + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language", "show_name_publicly"]


class SlowedDownSignIn:
    """For a sign-in form (the site's and the admin's): the per-account slow-down and the
    budget per client (accounts.signin) come before the password is checked."""

    slowed_down = None

    def clean(self):
        username = self.cleaned_data.get("username")
        if self.request is None or not username or not self.cleaned_data.get("password"):
            return super().clean()
        now = timezone.now()
        refusal = signin.before_attempt(self.request, username, now=now)
        if refusal is not None:
            self.slowed_down = refusal
            raise ValidationError(self._wait_message(refusal), code="slowed_down")
        try:
            cleaned = super().clean()
        except ValidationError:
            # Refused by django-axes (a locked pair) before the password was checked: no guess.
            if not getattr(self.request, "axes_locked_out", False):
                signin.after_failure(self.request, username, now=now)
            raise
        signin.after_success(self.request, username)
        return cleaned

    @staticmethod
    def _wait_message(refusal):
        if refusal.scope == "signin.client":
            return ngettext(
                "Too many sign-in attempts have come from your connection. Wait %(minutes)d "
                "minute and try again.",
                "Too many sign-in attempts have come from your connection. Wait %(minutes)d "
                "minutes and try again.",
                refusal.minutes,
            ) % {"minutes": refusal.minutes}
        return ngettext(
            "Too many failed sign-ins for this user name, from different places. For your "
            "security, wait %(minutes)d minute before trying again. You can also reset your "
            "password by email, which signs you in at once; and on a browser where you have "
            "signed in before, you can sign in now.",
            "Too many failed sign-ins for this user name, from different places. For your "
            "security, wait %(minutes)d minutes before trying again. You can also reset your "
            "password by email, which signs you in at once; and on a browser where you have "
            "signed in before, you can sign in now.",
            refusal.minutes,
        ) % {"minutes": refusal.minutes}


class SignInForm(SlowedDownSignIn, AuthenticationForm):
    pass


class AdminSignInForm(SlowedDownSignIn, AdminAuthenticationForm):
    pass


class BudgetedPasswordResetForm(PasswordResetForm):
    """Django's reset form within budgets (ops.budgets): requests per client network and for
    the whole site, refused with a message; emails per address, held back in silence (the
    page says the same whether or not an email went out)."""

    limited = None

    def __init__(self, *args, request=None, pending=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        # In the worker: the ids of the accounts whose address budget is taken and whose
        # email is still to send; given on a retry, which sends to those alone.
        self.pending = None if pending is None else set(pending)

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.request is None:
            return cleaned
        refusal = budgets.take(
            [
                (budgets.budget("reset.client"), budgets.client_network(self.request)),
                (budgets.budget("reset.site"), "site"),
            ],
            now=timezone.now(),
        )
        if refusal is not None:
            self.limited = refusal
            if refusal.scope == "reset.site":
                message = ngettext(
                    "We are receiving too many password-reset requests right now. Try again "
                    "in %(minutes)d minute.",
                    "We are receiving too many password-reset requests right now. Try again "
                    "in %(minutes)d minutes.",
                    refusal.minutes,
                )
            else:
                message = ngettext(
                    "Too many password-reset requests have come from your connection. Try "
                    "again in %(minutes)d minute.",
                    "Too many password-reset requests have come from your connection. Try "
                    "again in %(minutes)d minutes.",
                    refusal.minutes,
                )
            raise ValidationError(message % {"minutes": refusal.minutes}, code="limited")
        return cleaned

    def save(self, domain_override=None, *, request=None, use_https=False, **templates):
        """From the page (with its request): queues the email (accounts.tasks), so that
        answering costs the same whether or not the address has an account; a reply that
        took longer when an email went out would tell which addresses have one. In the
        worker (no request): finds the accounts and sends."""
        templates.pop("token_generator", None)  # the default's, in the worker too
        if request is None:
            return super().save(domain_override, use_https=use_https, **templates)
        outbox.enqueue_private(
            "accounts.send_password_reset",
            self.cleaned_data["email"],
            domain=domain_override or get_current_site(request).domain,
            use_https=use_https,
            language=translation.get_language(),
            templates=templates,
        )
        return None

    def get_users(self, email):
        if self.pending is not None:  # a retry: the budget of these is taken already
            return [u for u in super().get_users(email) if u.pk in self.pending]
        now = timezone.now()
        users = []
        for user in super().get_users(email):
            address = budgets.mailbox(user.email)
            spent = budgets.take(
                [
                    (budgets.budget("reset.address"), address),
                    (budgets.budget("reset.address_day"), address),
                ],
                now=now,
            )
            if spent is None:
                users.append(user)
        self.pending = {u.pk for u in users}
        return users

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Django's, except that a failure to send is raised (Django's logs it and goes on):
        the task tries again later, for the accounts not yet sent to."""
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            message.attach_alternative(
                render_to_string(html_email_template_name, context), "text/html"
            )
        message.send()
        self.pending.discard(context["user"].pk)
