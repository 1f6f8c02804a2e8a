from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import services
from .forms import AcceptInvitationForm, PreferencesForm


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
