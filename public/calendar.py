"""The calendar of due dates (iCalendar, RFC 5545): one all-day event per dated milestone,
on its due date in force, so a calendar application shows every deadline of a state (or of
every state) and follows it when it moves.

Each event keeps its UID for good (the milestone's id and the site's address); SEQUENCE is
the number of times its date moved, so a client that subscribed replaces the event with the
new date instead of keeping both. Undated milestones have no place in a calendar.
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from commitments import demo_marks
from commitments.models import Light


def calendar(milestones, *, base_url, name, now):
    """The iCalendar bytes of `milestones` (annotated with reschedule_count)."""
    host = urlsplit(settings.SITE_URL).hostname or "ogptracker"
    cal = Calendar()
    cal.add("prodid", "-//OGP Tracker//vencimientos//ES")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = now.astimezone(dt.UTC)
    for m in milestones:
        commitment = m.commitment
        url = base_url + reverse("public:milestone", args=[commitment.ogp_id, m.number])
        event = Event()
        event.add("uid", f"milestone-{m.pk}@{host}")
        event.add("sequence", getattr(m, "reschedule_count", 0) or 0)
        event.add("dtstamp", stamp)
        event.add("dtstart", m.due_on)
        event.add("dtend", m.due_on + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        summary = f"{commitment.ogp_id}.{m.number} {m.title}"
        event.add("summary", demo_marks.marked(summary, commitment))
        lines = [
            commitment.title,
            f"{_('State')}: {commitment.action_plan.state.name}",
            f"{_('Lead institution')}: {commitment.lead_institution}",
            f"{_('Traffic light')}: {Light(m.signal).label}",
            url,
        ]
        event.add("description", "\n".join(lines))
        event.add("url", url)
        event.add("categories", [commitment.action_plan.state.name])
        cal.add_component(event)
    return cal.to_ical()
