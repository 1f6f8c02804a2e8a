"""Share cards and embeds: the pictures a shared link previews with, and the widgets other
sites may frame (public/cards.py draws both from one Card).

The widgets are the only pages another site may put in a frame: everything else is sent
with X-Frame-Options: DENY and frame-ancestors 'none' (settings). Cards and widgets are
public pages like the others, cached until the data they show changes (commitments.cache),
and a card carries an ETag of its bytes, so a crawler asking again gets a 304.
"""

from csp.decorators import csp_replace
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt

from commitments import cache, selectors
from commitments.cache import cached_public_page
from commitments.models import Commitment
from states.models import Organisation, State

from . import cards

# Browsers and crawlers may keep a card this long before asking again (with its ETag);
# the server's copy is renewed as soon as the data changes.
CARD_MAX_AGE = 300


def _with_address(request, card, page_url):
    card.page_url = request.build_absolute_uri(page_url)
    return card


def home_card_data(request):
    today = timezone.localdate()
    states = selectors.states_overview(today=today)
    return _with_address(request, cards.national(states, today=today), "/")


def _state_card(request, slug):
    state = get_object_or_404(State.objects.active(), slug=slug)
    today = timezone.localdate()
    summary = selectors.state_summary(state=state, today=today)
    card = cards.state(state, summary, today=today)
    return state, _with_address(request, card, state.get_absolute_url())


def _commitment_card(request, ogp_id):
    try:
        commitment = (
            selectors.commitments_with_counts(today=timezone.localdate())
            .select_related("action_plan__state")
            .get(ogp_id=ogp_id, action_plan__state__is_active=True)
        )
    except Commitment.DoesNotExist:
        raise Http404 from None
    card = cards.commitment(commitment, today=timezone.localdate())
    return commitment, _with_address(request, card, commitment.get_absolute_url())


def _institution_card(request, slug):
    today = timezone.localdate()
    try:
        page = selectors.institution_page(slug=slug, today=today)
    except Organisation.DoesNotExist:
        raise Http404 from None
    card = cards.institution(page, today=today)
    return page, _with_address(request, card, reverse("public:institution", args=[slug]))


def _png(card):
    content = cards.png(card)
    response = HttpResponse(content, content_type="image/png")
    response["ETag"] = cards.etag(content)
    response["Cache-Control"] = f"public, max-age={CARD_MAX_AGE}"
    return response


@cached_public_page(scopes=cache.national)
def home_card(request):
    """The national card (every active state), for the home page's preview."""
    return _png(home_card_data(request))


@cached_public_page(scopes=cache.state_of_url)
def state_card(request, slug):
    return _png(_state_card(request, slug)[1])


@cached_public_page(scopes=cache.commitment_of_url)
def commitment_card(request, ogp_id):
    return _png(_commitment_card(request, ogp_id)[1])


@cached_public_page(scopes=cache.institution_of_url)
def institution_card(request, slug):
    return _png(_institution_card(request, slug)[1])


def framable(view):
    """A page other sites may frame: no X-Frame-Options, frame-ancestors * (the cached copy
    keeps the override: commitments.cache.KEPT_ATTRIBUTES)."""
    return xframe_options_exempt(csp_replace({"frame-ancestors": ["*"]})(view))


def _widget(request, card):
    return render(request, "public/widget.html", {"card": card})


@cached_public_page(scopes=cache.state_of_url)
@framable
def state_widget(request, slug):
    """A state's light and counts for an iframe on another site."""
    return _widget(request, _state_card(request, slug)[1])


@cached_public_page(scopes=cache.commitment_of_url)
@framable
def commitment_widget(request, ogp_id):
    """A commitment's light and counts for an iframe on another site."""
    return _widget(request, _commitment_card(request, ogp_id)[1])
