"""Public views for citizens' follows and the unsubscribe links of every email. No login."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from commitments.models import Commitment
from ops import budgets, outbox
from ops.budgets import mailbox
from ops.cross_site import refuse_cross_site
from states.models import State

from . import services, tasks, tokens
from .forms import FollowForm
from .models import Follow


class _Unsent(Exception):
    """The address's budget allows no confirmation now: the follow is not recorded either."""


def _follow(request, *, state=None, commitment=None):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    subject = state or commitment
    form = FollowForm(request.POST)
    if not form.is_valid():
        return render(request, "alerts/follow.html", {"form": form, "subject": subject}, status=400)
    email, now = form.cleaned_data["email"], timezone.now()
    # Budgets of requests, whatever the address: what the client is told depends on them
    # alone, never on whether the address follows the subject or was emailed recently.
    refusal = budgets.take(
        [
            (budgets.budget("follow.client"), budgets.client_network(request)),
            (budgets.budget("follow.site"), "site"),
        ],
        now=now,
    )
    if refusal is not None:
        return _limited(request, subject, refusal)
    try:
        # The follow, the budgets of its address and the task that emails its confirmation
        # commit together.
        with transaction.atomic():
            follow = services.request_follow(
                email=email,
                state=state,
                commitment=commitment,
                language=translation.get_language(),
                now=now,
            )
            if follow is not None:
                subject_key = f"{mailbox(email)} {'state' if state else 'commitment'} {subject.pk}"
                spent = budgets.take(
                    [
                        (budgets.budget("follow.subject"), subject_key),
                        (budgets.budget("follow.address"), mailbox(email)),
                    ],
                    now=now,
                )
                if spent is not None:
                    raise _Unsent
                outbox.enqueue(tasks.send_follow_confirmation, follow.pk)
    except _Unsent:
        pass
    # The same answer whatever happened: the page never tells who follows what, nor whether
    # an email went out.
    return render(
        request,
        "alerts/follow_sent.html",
        {
            "subject": subject,
            "email": email,
            "hours": settings.BUDGETS["follow.subject"][1] // 3600,
        },
    )


def _limited(request, subject, refusal):
    site_wide = refusal.scope == "follow.site"
    response = render(
        request,
        "alerts/follow_limited.html",
        {"subject": subject, "site_wide": site_wide, "minutes": refusal.minutes},
        status=503 if site_wide else 429,
    )
    response["Retry-After"] = str(refusal.seconds)
    return response


# No CSRF token: the form sits on cached public pages, whose HTML is shared by every visitor,
# so a per-visitor token cannot be embedded. Cross-site POSTs are refused by what the browser
# says of their origin instead (ops.cross_site), and budgets bound what any client may ask.
@csrf_exempt
@refuse_cross_site
def follow_state(request, slug):
    state = get_object_or_404(State.objects.active(), slug=slug)
    return _follow(request, state=state)


@csrf_exempt
@refuse_cross_site
def follow_commitment(request, ogp_id):
    commitment = get_object_or_404(Commitment, ogp_id=ogp_id, action_plan__state__is_active=True)
    return _follow(request, commitment=commitment)


def confirm(request, token):
    """GET shows a button, POST confirms: a mail scanner opening the link confirms nothing."""
    try:
        follow_id = tokens.read_confirm_token(token)
    except signing.SignatureExpired:
        return render(request, "alerts/confirm.html", {"expired": True}, status=410)
    except signing.BadSignature:
        raise Http404 from None
    follow = Follow.objects.select_related("state", "commitment").filter(pk=follow_id).first()
    if follow is None:
        raise Http404
    if request.method == "POST":
        follow = services.confirm_follow(follow_id=follow_id, now=timezone.now())
        if follow is None:
            raise Http404
        manage = reverse("alerts:subscriptions", args=[tokens.subscriptions_token(follow.email)])
        return render(
            request, "alerts/confirmed.html", {"follow": follow, "subscriptions_url": manage}
        )
    return render(request, "alerts/confirm.html", {"follow": follow})


# No CSRF token on the POST: mail clients send it for one-click unsubscribe (RFC 8058) with
# no cookie. The signed token in the URL is what authorises it.
@csrf_exempt
@never_cache
def unsubscribe(request, token):
    """GET (a person, or a mail scanner opening the link) shows what would stop and a button;
    only the POST, the button's or the mail client's one-click, unsubscribes."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        payload = tokens.read_unsubscribe_token(token)
    except signing.BadSignature:
        raise Http404 from None
    if request.method == "POST":
        stopped = services.unsubscribe(payload=payload, now=timezone.now())
        if stopped is None:
            raise Http404
        return render(request, "alerts/unsubscribed.html", stopped)
    target = services.describe_unsubscribe(payload=payload)
    if target is None:
        raise Http404
    return render(request, "alerts/unsubscribe.html", target)


@never_cache
@require_safe
def subscriptions(request, token):
    """What an address follows, reached from any of its emails by a signed link: each
    subject with its own button to stop it, and one to stop them all. Showing changes
    nothing; the buttons post to the unsubscribe links."""
    try:
        email = tokens.read_subscriptions_token(token)
    except signing.BadSignature:
        raise Http404 from None
    context = {
        "email": email,
        "items": services.subscriptions(email=email),
        "stop_all_url": reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(email=email)]),
    }
    response = render(request, "alerts/subscriptions.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
