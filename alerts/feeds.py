"""Atom feeds per state and per commitment: light changes, new evidence, status updates.

Contributors' words (titles, notes, descriptions) are text, never HTML a reader would render
(`<summary type="text">`). The feed names its author (the site) and each entry the
organisation behind it, never a person. Feed and entry ids are built from SITE_URL alone,
so they stay the same whatever host a request came through. Each entry links to its element
on the commitment's page (`#transition-N`, `#evidence-N`, `#status-N`, `#reschedule-N`,
`#dispute-N`), on the page of it that lists the milestone (`?pagina=`).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from commitments import demo_marks, rules
from commitments import selectors as commitment_selectors
from commitments.models import Commitment, DisputeMessage, Light, Milestone, Transition
from states.models import State

from . import describe, selectors


def _milestone_name(milestone):
    name = f"{milestone.commitment.ogp_id}.{milestone.number} {milestone.title}"
    return demo_marks.marked(name, milestone.commitment)


def _site_url():
    return settings.SITE_URL.rstrip("/")


class TextAtom1Feed(Atom1Feed):
    """Atom with the entry's summary as plain text: Django writes it as `type="html"`."""

    def add_item_elements(self, handler, item):
        summary = item["description"]
        super().add_item_elements(handler, {**item, "description": None})
        if summary is not None:
            handler.addQuickElement("summary", summary, {"type": "text"})


class _TrackerFeed(Feed):
    feed_type = TextAtom1Feed
    # RFC 4287: a feed whose entries may have no author of their own names one.
    author_name = "OGP Tracker"

    def feed_guid(self, obj):
        return _site_url() + self.feed_url(obj)

    def author_link(self, obj):
        return _site_url() + "/"

    def items(self, obj):
        entries = selectors.feed_entries(**{self.subject: obj})
        pages = commitment_selectors.commitment_pages({e.obj.milestone.pk for e in entries})
        for entry in entries:
            entry.obj.milestone.commitment_page = pages.get(entry.obj.milestone.pk, 1)
        return entries

    def item_title(self, entry):
        obj = entry.obj
        name = _milestone_name(obj.milestone)
        if entry.kind == "light":
            if obj.cause in Transition.QUIET_CAUSES:
                # Not news about the milestone: said as what it is, with the light it shows.
                return _("%(cause)s: the traffic light of %(milestone)s is now %(new)s") % {
                    "cause": obj.get_cause_display(),
                    "milestone": name,
                    "new": describe.colour(obj.new_signal),
                }
            if obj.new_signal == Light.RED:
                return _("Milestone turned red: %(milestone)s") % {"milestone": name}
            new = describe.colour(obj.new_signal)
            if entry.latest and obj.new_signal == obj.milestone.signal:
                new = describe.current_light(obj.milestone, today=timezone.localdate())
            return _("Traffic light of %(milestone)s: %(old)s → %(new)s") % {
                "milestone": name,
                "old": describe.colour(obj.old_signal),
                "new": new,
            }
        if entry.kind == "reschedule":
            return _("%(milestone)s: %(move)s") % {
                "milestone": name,
                "move": describe.moved(obj.old_due_on, obj.new_due_on, after_due=obj.after_due),
            }
        if entry.kind == "dispute":
            return self._dispute_title(obj, name)
        if entry.kind == "evidence":
            return _("New evidence for %(milestone)s: %(title)s") % {
                "milestone": name,
                "title": obj.title,
            }
        return _("Status update of %(milestone)s: %(old)s → %(new)s (%(progress)d%%)") % {
            "milestone": name,
            "old": Milestone.Status(obj.old_status).label,
            "new": Milestone.Status(obj.new_status).label,
            "progress": obj.new_progress,
        }

    @staticmethod
    def _dispute_title(message, name):
        # Organisations only: a person's name never appears on public pages or feeds.
        values = {"milestone": name, "organisation": message.organisation}
        kind = DisputeMessage.Kind
        if message.kind == kind.REASON:
            return _("%(organisation)s disputes the reported status of %(milestone)s") % values
        if message.kind == kind.ANSWER:
            return _("%(organisation)s answered the dispute of %(milestone)s") % values
        if message.kind == kind.REJOINDER:
            return _("%(organisation)s maintains its dispute of %(milestone)s") % values
        if message.kind == kind.WITHDRAWAL:
            return _("%(organisation)s withdrew its dispute of %(milestone)s") % values
        return _("Dispute of %(milestone)s closed by a new status report") % values

    def item_description(self, entry):
        obj = entry.obj
        commitment = obj.milestone.commitment
        parts = [f"{commitment.ogp_id} {commitment.title}"]
        if entry.kind == "reschedule":
            if obj.organisation:
                parts.append(str(obj.organisation))
            if entry.transition is not None:
                parts.append(
                    _("traffic light: %(old)s → %(new)s")
                    % {
                        "old": describe.colour(entry.transition.old_signal),
                        "new": describe.colour(entry.transition.new_signal),
                    }
                )
        elif entry.kind == "dispute":
            if obj.text:
                parts.append(obj.text)
        elif entry.kind == "light":
            parts.append(obj.get_cause_display())
        elif entry.kind == "evidence":
            parts.append(str(obj.organisation))
            if obj.description:
                parts.append(obj.description)
        elif obj.note:
            parts.append(obj.note)
        return " · ".join(parts)

    def item_link(self, entry):
        # Entries share their commitment's page; the fragment keeps each link distinct.
        milestone = entry.obj.milestone
        return commitment_selectors.on_its_page(milestone, entry.guid, milestone.commitment_page)

    def item_guid(self, entry):
        return f"{_site_url()}/{entry.guid}"

    def item_author_name(self, entry):
        # The organisation that reported or added it; a light change is the site's.
        organisation = getattr(entry.obj, "organisation", None) if entry.kind != "light" else None
        return organisation.name if organisation is not None else None

    item_guid_is_permalink = False

    def item_pubdate(self, entry):
        return entry.at

    def item_updateddate(self, entry):
        return entry.at


class StateFeed(_TrackerFeed):
    subject = "state"

    def get_object(self, request, slug):
        return get_object_or_404(State.objects.active(), slug=slug)

    def title(self, state):
        return _("%(state)s: traffic lights, evidence and status updates") % {"state": state.name}

    def subtitle(self, state):
        return _("Open Government Partnership commitments of %(state)s, on OGP Tracker.") % {
            "state": state.name
        }

    def link(self, state):
        return state.get_absolute_url()

    def feed_url(self, state):
        return reverse("alerts:state_feed", kwargs={"slug": state.slug})


class CommitmentFeed(_TrackerFeed):
    subject = "commitment"

    def get_object(self, request, ogp_id):
        commitment = get_object_or_404(
            Commitment.objects.select_related("action_plan__state"), ogp_id=ogp_id
        )
        if not commitment.action_plan.state.is_active:
            raise Http404
        return commitment

    def title(self, commitment):
        return _("%(commitment)s: traffic lights, evidence and status updates") % {
            "commitment": f"{commitment.ogp_id} {commitment.short_title or commitment.title}"
        }

    def subtitle(self, commitment):
        return commitment.title

    def link(self, commitment):
        return commitment.get_absolute_url()

    def feed_url(self, commitment):
        return reverse("alerts:commitment_feed", kwargs={"ogp_id": commitment.ogp_id})


class RecentlyOverdueFeed(Feed):
    """Deadline watch as Atom: one entry per milestone whose due date passed in the last 30
    days unfinished, dated when it fell due (the midnight after its date), all states or one.
    A milestone moved and overdue again is a new entry (its id names the date it missed)."""

    feed_type = TextAtom1Feed
    author_name = "OGP Tracker"
    DAYS = 30

    def get_object(self, request, slug=None):
        if slug is None:
            return None
        return get_object_or_404(State.objects.active(), slug=slug)

    def feed_url(self, state):
        if state is None:
            return reverse("alerts:recently_overdue_feed")
        return reverse("alerts:state_recently_overdue_feed", kwargs={"slug": state.slug})

    def feed_guid(self, state):
        return _site_url() + self.feed_url(state)

    def author_link(self, state):
        return _site_url() + "/"

    def title(self, state):
        if state is None:
            return _("Recently overdue milestones · OGP Tracker")
        return _("Recently overdue milestones of %(state)s · OGP Tracker") % {"state": state.name}

    def subtitle(self, state):
        return _("Milestones whose due date passed in the last 30 days and that are not completed.")

    def link(self, state):
        url = reverse("public:recently_overdue")
        return f"{url}?estado={state.slug}" if state else url

    def items(self, state):
        # The newest entries (selectors.FEED_LENGTH, as the other feeds), not every milestone
        # overdue in 30 days: a state that let a whole plan fall due would make a feed of
        # thousands. The page /recien-vencidos/ lists them all, a page at a time.
        today = timezone.localdate()
        overdue, _stale = commitment_selectors.recently_overdue_querysets(
            today=today, days=self.DAYS, state=state
        )
        newest = list(commitment_selectors.with_commitment_page(overdue)[: selectors.FEED_LENGTH])
        return commitment_selectors.with_lateness(newest, today=today)

    def item_title(self, m):
        return _("Overdue: %(milestone)s (due %(date)s)") % {
            "milestone": _milestone_name(m),
            "date": describe.day(m.due_on),
        }

    def item_description(self, m):
        commitment = m.commitment
        return " · ".join(
            [
                f"{commitment.ogp_id} {commitment.title}",
                commitment.action_plan.state.name,
                str(commitment.lead_institution),
            ]
        )

    def item_link(self, m):
        return commitment_selectors.on_its_page(
            m, f"hito-{m.number}", commitment_selectors.commitment_page(m)
        )

    def item_guid(self, m):
        return f"{_site_url()}/hitos/{m.pk}/vencido/{m.due_on.isoformat()}"

    item_guid_is_permalink = False

    def item_author_name(self, m):
        return str(m.commitment.lead_institution)

    def item_pubdate(self, m):
        return rules.overdue_onset(m.due_on)

    def item_updateddate(self, m):
        return rules.overdue_onset(m.due_on)
