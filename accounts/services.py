"""Writes about people: invitations and their acceptance."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from commitments.cache import invalidate_public_pages
from states.models import Membership

from .models import Invitation


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token):
    """The invitation a link's token opens, or None."""
    return (
        Invitation.objects.select_related("state", "organisation")
        .filter(token_hash=_hash(token))
        .first()
    )


def invite(*, email, state, organisation, role, invited_by, now, language=None):
    """Create an invitation and email its one-time link. Returns (invitation, link).

    The membership rule (an official acts for a government agency) is checked now, so an admin
    learns of a mistake before the invitee does.
    """
    Membership(state=state, organisation=organisation, role=role).clean()
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email.strip().lower(),
        state=state,
        organisation=organisation,
        role=role,
        token_hash=_hash(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        link = settings.SITE_URL + reverse("accounts:invitation", kwargs={"token": token})
        context = {"invitation": invitation, "link": link, "days": settings.INVITATION_VALID_DAYS}
        subject = _("Invitation to OGP Tracker")
        body = render_to_string("accounts/invitation_email.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    )
    return invitation, link


def accept_invitation(*, invitation, username, password, first_name="", last_name="", now):
    """Create the invitee's account with their password and their role; the link dies."""
    User = get_user_model()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable(now=now):
            raise ValidationError(_("This invitation has already been used or has expired."))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("An account with this email address already exists: sign in with it.")
            )
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This user name is taken.")})
        user = User(
            username=username,
            email=invitation.email,
            first_name=first_name,
            last_name=last_name,
        )
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password1": error.messages}) from None
        user.set_password(password)
        user.save()
        Membership.objects.create(
            user=user,
            state=invitation.state,
            organisation=invitation.organisation,
            role=invitation.role,
        )
        invitation.accepted_at = now
        invitation.user = user
        invitation.save(update_fields=["accepted_at", "user"])
    return user


def add_role_to_existing_account(*, invitation, user, now):
    """An invitation opened by someone already signed in, with the invited address."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable(now=now):
            raise ValidationError(_("This invitation has already been used or has expired."))
        if user.email.lower() != invitation.email.lower():
            raise ValidationError(_("This invitation was sent to another email address."))
        Membership.objects.get_or_create(
            user=user,
            state=invitation.state,
            role=invitation.role,
            defaults={"organisation": invitation.organisation},
        )
        invitation.accepted_at = now
        invitation.user = user
        invitation.save(update_fields=["accepted_at", "user"])
    return user


def save_preferences(form):
    """Saves a person's preferences; public pages that name (or no longer name) them are
    rendered afresh."""
    with transaction.atomic():
        user = form.save()
        if "show_name_publicly" in form.changed_data:
            invalidate_public_pages()
    return user
