"""Share cards: a state's, a commitment's or an institution's light and counts as a picture
of 1200×630 (the size Open Graph and X preview at), drawn on the server in the page's
language, and the same figures as a small widget for other sites' iframes.

One Card per page, built from what the page already read, so the page's og:image:alt, its
card and its widget say the same thing. The picture is an SVG of ours drawn by resvg
(charts.to_png, the chart's code): the site's font only, nothing fetched.
"""

import hashlib
import textwrap
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments import demo_marks, rules
from commitments.models import Light

from . import charts

WIDTH, HEIGHT = 1200, 630
# Colours of the light (static/css/tokens.css: the text colour and the mark), repeated here
# because the picture is drawn without the stylesheet.
COLOURS = {
    "green": ("#1d6b2a", "#e3f4e6"),
    "yellow": ("#6b4e00", "#fff4cc"),
    "red": ("#a3001b", "#fde8eb"),
}
# The shape repeats the colour's meaning (templatetags/tracker.LIGHTS), drawn at 72 px.
SHAPES = {"green": "circle", "yellow": "triangle", "red": "square"}
TITLE_LINES = 3
ADDRESS_CHARS = 50
TITLE_CHARS = 38  # what fits in a line of the title (50 px) across the card, with a margin


@dataclass
class Card:
    kicker: str  # what the name is: "Estado", "Compromiso MXNLE0001 · Nuevo León"
    name: str
    light: str
    red: int
    yellow: int
    green: int
    overdue: int
    completed: int
    total: int
    today: object
    demo: bool
    page_url: str = ""  # absolute, set by the view
    extra: list = field(default_factory=list)

    @property
    def light_label(self):
        return Light(self.light).label

    @property
    def colour(self):
        return COLOURS[self.light][0]

    @property
    def tint(self):
        return COLOURS[self.light][1]

    @property
    def shape(self):
        return SHAPES[self.light]

    @property
    def date_line(self):
        return _("data as of %(date)s") % {"date": formats.date_format(self.today, "DATE_FORMAT")}

    @property
    def counts(self):
        """The milestones by light, in words beside their number (never colour alone), the
        number written as the pages write it (12,345)."""
        return [
            ("red", intcomma(self.red), ngettext("milestone red", "milestones red", self.red)),
            (
                "yellow",
                intcomma(self.yellow),
                ngettext("milestone yellow", "milestones yellow", self.yellow),
            ),
            (
                "green",
                intcomma(self.green),
                ngettext("milestone green", "milestones green", self.green),
            ),
        ]

    @property
    def progress_line(self):
        overdue = ngettext("%(n)s overdue", "%(n)s overdue", self.overdue) % {
            "n": intcomma(self.overdue)
        }
        completed = ngettext(
            "%(done)s of %(total)s milestone completed",
            "%(done)s of %(total)s milestones completed",
            self.total,
        ) % {"done": intcomma(self.completed), "total": intcomma(self.total)}
        return f"{overdue} · {completed}"

    @property
    def title_lines(self):
        lines = textwrap.wrap(self.name, TITLE_CHARS) or [""]
        if len(lines) > TITLE_LINES:
            lines = lines[:TITLE_LINES]
            lines[-1] = lines[-1][: TITLE_CHARS - 1].rstrip() + "…"
        return lines

    @property
    def address(self):
        """The page's address without its scheme, as a reader would type it; only the host
        when the whole would not fit beside the date."""
        address = self.page_url.split("://", 1)[-1]
        return address if len(address) <= ADDRESS_CHARS else address.split("/", 1)[0]

    @property
    def alt(self):
        """The card in words (og:image:alt)."""
        counts = ", ".join(f"{n} {words}" for _key, n, words in self.counts)
        text = f"{self.name}. {self.light_label}. {counts}. {self.progress_line}. {self.date_line}."
        if self.demo:
            text = f"{_('Illustrative example')}: {text}"
        return text


def _card(kicker, name, group, *, today, demo):
    green = getattr(
        group, "green_count", group.milestone_count - group.red_count - group.yellow_count
    )
    light = getattr(group, "light", None) or rules.aggregate_light(
        red=group.red_count, yellow=group.yellow_count, total=group.milestone_count
    )
    return Card(
        kicker=kicker,
        name=name,
        light=light,
        red=group.red_count,
        yellow=group.yellow_count,
        green=green,
        overdue=group.overdue_count,
        completed=group.completed_count,
        total=group.milestone_count,
        today=today,
        demo=demo,
    )


def national(states, *, today):
    """The home page's card: every active state (selectors.states_overview) together."""
    keys = ("milestone_count", "red_count", "yellow_count", "overdue_count", "completed_count")
    total = SimpleNamespace(**{k: sum(getattr(s, k) for s in states) for k in keys})
    name = _("Open government commitments of Mexican states")
    kicker = ngettext("%(n)s state", "%(n)s states", len(states)) % {"n": len(states)}
    return _card(kicker, name, total, today=today, demo=demo_marks.includes_demo(states))


def state(state, summary, *, today):
    """A state's card, from its page's summary (selectors.state_summary)."""
    return _card(
        _("State"), state.name, summary, today=today, demo=demo_marks.includes_demo([summary])
    )


def commitment(commitment, *, today):
    """A commitment's card (annotated by selectors.commitments_with_counts)."""
    kicker = _("Commitment %(id)s · %(state)s") % {
        "id": commitment.ogp_id,
        "state": commitment.action_plan.state.name,
    }
    return _card(
        kicker, commitment.title, commitment, today=today, demo=demo_marks.is_demo(commitment)
    )


def institution(page, *, today):
    """An institution's card (selectors.institution_page): what it leads, or when it leads
    nothing, what it supports."""
    led = bool(page.led)
    rows = page.led if led else page.supported
    summary = page.led_summary if led else page.supported_summary
    words = (
        ngettext("Leads %(n)s commitment", "Leads %(n)s commitments", len(rows))
        if led
        else ngettext("Supports %(n)s commitment", "Supports %(n)s commitments", len(rows))
    )
    kicker = words % {"n": len(rows)}
    if page.organisation.state:
        kicker = f"{kicker} · {page.organisation.state.name}"
    return _card(
        kicker,
        page.organisation.name,
        summary,
        today=today,
        demo=demo_marks.includes_demo(page.led, page.supported),
    )


def svg(card):
    return render_to_string("public/card.svg", {"card": card, "width": WIDTH, "height": HEIGHT})


def png(card):
    """The card as a PNG of exactly WIDTH×HEIGHT pixels."""
    return charts.to_png(svg(card), scale=1)


def etag(content):
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
