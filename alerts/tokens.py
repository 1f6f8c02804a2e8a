"""Signed links in emails: no login, no token table. Changing SECRET_KEY voids them all."""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "alerts.follow.confirm"
UNSUBSCRIBE_SALT = "alerts.unsubscribe"
SUBSCRIPTIONS_SALT = "alerts.subscriptions"
REPORT_SALT = "alerts.report"


def confirm_token(follow):
    return signing.dumps({"f": follow.pk}, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token):
    """The follow id of a confirmation link; raises signing.BadSignature (or its subclass
    SignatureExpired) for a forged or expired link."""
    return signing.loads(token, salt=CONFIRM_SALT, max_age=settings.FOLLOW_CONFIRM_MAX_AGE)["f"]


def unsubscribe_token(*, user=None, follow=None, email=None):
    """A link that stops a user's alerts, one follow, or every follow of an address.

    It never expires: an old digest's link must still work.
    """
    if user is not None:
        payload = {"u": user.pk}
    elif follow is not None:
        payload = {"f": follow.pk}
    else:
        payload = {"e": email}
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def subscriptions_token(email):
    """A link to the page of what an address follows. It never expires either: any email's
    link must lead there."""
    return signing.dumps({"e": email.lower()}, salt=SUBSCRIPTIONS_SALT, compress=True)


def read_subscriptions_token(token):
    return signing.loads(token, salt=SUBSCRIPTIONS_SALT)["e"]


def report_token(*, user, milestone):
    """A reminder's link to a prefilled report of `milestone`, for `user` alone: it opens the
    form (sign-in still required) and says if the milestone changed since the email."""
    payload = {"u": user.pk, "m": milestone.pk, "v": milestone.version}
    return signing.dumps(payload, salt=REPORT_SALT, compress=True)


def read_report_token(token):
    """(user id, milestone id, version) of a report link; raises signing.BadSignature (or
    SignatureExpired, past settings.REPORT_LINK_MAX_AGE) for a forged or expired one."""
    data = signing.loads(token, salt=REPORT_SALT, max_age=settings.REPORT_LINK_MAX_AGE)
    return data["u"], data["m"], data["v"]
