from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from states.admin import MembershipInline
from states.models import Membership

from . import services
from .forms import AdminSignInForm
from .models import Invitation, User

# The admin's sign-in has the same per-account slow-down as the site's (accounts.signin).
admin.site.login_form = AdminSignInForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("language",)}),
    )
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    inlines = [MembershipInline]


class InvitationForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("language of the email"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )

    class Meta:
        model = Invitation
        fields = ["email", "state", "organisation", "role"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("state") and cleaned.get("organisation") and cleaned.get("role"):
            try:
                Membership(
                    state=cleaned["state"],
                    organisation=cleaned["organisation"],
                    role=cleaned["role"],
                ).clean()
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return cleaned


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Admins invite people here; the service creates the one-time link and emails it."""

    form = InvitationForm
    list_display = (
        "email",
        "role",
        "state",
        "organisation",
        "created_at",
        "expires_at",
        "accepted_at",
    )
    list_filter = ("role", "state")
    search_fields = ("email",)
    autocomplete_fields = ["state", "organisation"]
    readonly_fields = ("created_at", "expires_at", "accepted_at", "user", "invited_by")

    def has_change_permission(self, request, obj=None):
        # An invitation is sent as it was written; send a new one to change it.
        return False

    def save_model(self, request, obj, form, change):
        invitation, _link = services.invite(
            email=obj.email,
            state=obj.state,
            organisation=obj.organisation,
            role=obj.role,
            invited_by=request.user,
            now=timezone.now(),
            language=form.cleaned_data["language"],
        )
        # The admin logs and redirects using the object it passed in.
        obj.pk = invitation.pk
        obj.__dict__.update({k: v for k, v in invitation.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False
        self.message_user(request, _("Invitation emailed to %(email)s.") % {"email": obj.email})
