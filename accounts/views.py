from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import services, signin
from .forms import AcceptInvitationForm, BudgetedPasswordResetForm, PreferencesForm, SignInForm


@login_required
@never_cache
def preferences(request):
    """A person's own settings: the language of their emails, and whether public pages name
    them beside their organisation."""
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(form)
        messages.success(request, _("Your preferences were saved."))
        return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})


class SignInView(auth_views.LoginView):
    """Django's sign-in, with the per-account slow-down (accounts.signin): a refused attempt
    answers 429 with Retry-After and says how long to wait."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.slowed_down is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.slowed_down.seconds)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request within budgets (accounts.forms.BudgetedPasswordResetForm)."""

    form_class = BudgetedPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.limited is not None:
            response.status_code = 503 if form.limited.scope == "reset.site" else 429
            response["Retry-After"] = str(form.limited.seconds)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password chosen from the emailed link signs its owner in, and forgets the
    sign-in slow-down of the account: whoever was guessing cannot keep the owner out."""

    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form):
        response = super().form_valid(form)
        signin.forget(form.user.get_username())
        return response


@never_cache
@sensitive_post_parameters("password1", "password2")
def accept_invitation(request, token):
    now = timezone.now()
    invitation = services.invitation_for_token(token)
    if invitation is None or not invitation.is_usable(now=now):
        return render(request, "accounts/invitation_invalid.html", status=410)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.add_role_to_existing_account(
                    invitation=invitation, user=request.user, now=now
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The new role was added to your account."))
                return redirect("panel:dashboard")
        return render(request, "accounts/invitation_signed_in.html", {"invitation": invitation})
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.accept_invitation(
                invitation=invitation,
                username=data["username"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                now=now,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("panel:dashboard")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )
