"""A contributor's own API tokens, in the panel: create (shown once) and revoke."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import ApiToken

from .decorators import contributor_required


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. the system that will use it."),
    )


# The page shows a new token once, in clear: no browser, proxy or back button may keep it.
@never_cache
@contributor_required
def tokens(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        _token, created = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.filter(user=request.user),
    }
    return render(request, "panel/tokens.html", context)


@require_POST
@contributor_required
def revoke_token(request, pk):
    token = get_object_or_404(ApiToken.objects.active(), pk=pk, user=request.user)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    messages.success(request, _("Token revoked: it no longer works."))
    return redirect("panel:tokens")
