"""The per-account slow-down of sign-in, and the browsers an account signed in from.

django-axes locks one user name from one address after AXES_FAILURE_LIMIT failures (the pair,
so that a stranger cannot lock an official out), which leaves guesses spread over many
addresses unslowed. On top of it, for one user name from anywhere, a progressive delay
(ops.budgets.Backoff): SIGNIN_FREE_FAILURES attempts, then a wait before each next one, a
minute doubling up to SIGNIN_LONGEST_WAIT. An attempt made during the wait is refused before
the password is looked at (it tests no guess), with a message saying how long to wait. Each
client network also has a budget of attempts (`signin.client`), which bounds what a flood of
attempts stores.

The owner cannot be locked out by it:
- a browser the account signed in from keeps a signed cookie (OWASP's "device cookie") and is
  not slowed down by anyone else's failures; only its own count against it (`signin.device`,
  after which it is an unknown browser again);
- a password reset by email signs the owner in (marking the browser) and forgets the
  slow-down, and no sign-in failure slows a reset down;
- the wait is at most SIGNIN_LONGEST_WAIT after the last attempt; then the password works.

The slow-down is kept per user name as typed (NFKC, case-folded), whether or not an account
has it, so it tells nothing of which accounts exist.
"""

import datetime as dt
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.dispatch import receiver

from ops import budgets

DEVICE_SALT = "accounts.signin.device"


def username_key(username):
    return unicodedata.normalize("NFKC", username or "").casefold()


def slowdown():
    return budgets.Backoff(
        "signin.account",
        free=settings.SIGNIN_FREE_FAILURES,
        first_wait=dt.timedelta(seconds=settings.SIGNIN_FIRST_WAIT),
        longest_wait=dt.timedelta(seconds=settings.SIGNIN_LONGEST_WAIT),
        forget_after=dt.timedelta(seconds=settings.SIGNIN_FORGET_AFTER),
    )


def device_nonce(request, username, *, now):
    """The nonce of this browser's cookie when it is trusted for `username`, else None."""
    value = request.COOKIES.get(settings.SIGNIN_DEVICE_COOKIE)
    if not value:
        return None
    try:
        device = signing.loads(value, salt=DEVICE_SALT, max_age=settings.SIGNIN_DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(device, dict) or device.get("u") != username_key(username):
        return None
    nonce = device.get("n")
    if not isinstance(nonce, str) or budgets.spent(budgets.budget("signin.device"), nonce, now=now):
        return None
    return nonce


def before_attempt(request, username, *, now):
    """Called before the password is checked: None when it may be, or the Refusal that says
    how long to wait (the attempt is then not made)."""
    request.signin_device = device_nonce(request, username, now=now)
    request.signin_claimed = False
    if request.signin_device is not None:
        return None
    refusal = budgets.take(
        [(budgets.budget("signin.client"), budgets.client_network(request))], now=now
    )
    if refusal is not None:
        return refusal
    refusal = budgets.attempt(slowdown(), username_key(username), now=now)
    request.signin_claimed = refusal is None
    return refusal


def after_failure(request, username, *, now):
    """The password (or the account) was wrong: a trusted browser's failures count on it."""
    nonce = getattr(request, "signin_device", None)
    if nonce is not None:
        budgets.take([(budgets.budget("signin.device"), nonce)], now=now)


def after_success(request, username):
    """The attempt claimed from the slow-down was the owner's, not a guess: taken back."""
    if getattr(request, "signin_claimed", False):
        budgets.forgive(slowdown(), username_key(username))


def forget(username):
    """The owner proved who they are (a password reset): the slow-down starts over."""
    budgets.clear(slowdown().scope, username_key(username))


@receiver(user_logged_in, dispatch_uid="accounts.signin.trust_device")
def _trust_this_browser(sender, request, user, **kwargs):
    # Whatever signed the person in (the sign-in page, the admin's, a password reset, an
    # invitation): the response marks the browser (SignInDeviceMiddleware).
    if request is not None:
        request.signin_trust = user.get_username()


def device_cookie(username):
    return signing.dumps(
        {"u": username_key(username), "n": secrets.token_urlsafe(16)}, salt=DEVICE_SALT
    )


class SignInDeviceMiddleware:
    """Sets the device cookie on the response of a request that signed someone in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        username = getattr(request, "signin_trust", None)
        if username is not None:
            response.set_cookie(
                settings.SIGNIN_DEVICE_COOKIE,
                device_cookie(username),
                max_age=settings.SIGNIN_DEVICE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
