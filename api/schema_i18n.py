"""The API's documentation in Spanish: texts of its schema (docstrings of the views and
serializers, help texts written in English, our error answers) translated when the schema is
made in Spanish (`/api/schema/`, the default, or `?lang=es-mx`), by the postprocessing hook
`translate_descriptions` (settings.SPECTACULAR_SETTINGS).

The English texts are listed here for makemessages; `tests/test_api_docs_spanish.py` fails when
a description of the Spanish schema is still in English, so a new or changed text is added
here (and to the catalogue) with it. Codes (enum values, field names) are never translated.
"""

# ruff: noqa: E501  (each text must be exactly the one the schema holds)
import copy
import re

from django.utils.translation import gettext, gettext_noop

TEXTS = [
    gettext_noop(
        'Demo data (loaded by the demo, or an invented example): shown on the site as "Ejemplo ilustrativo"; never publish it as real.'
    ),
    gettext_noop("The item's milestone id, as sent."),
    gettext_noop("The milestone's version after the write."),
    gettext_noop(
        "Up to 200 items in one request, each written on its own, as its single endpoint would: in its own transaction, with its own version, so one item's conflict or error leaves the others written. 200 when every item was written; 207 (Multi-Status) when at least one was not, each item's `outcome` and `status` saying which and why; 400 only when the request itself is malformed, and then nothing is written."
    ),
    gettext_noop("Items not written."),
    gettext_noop("Items written (a check included)."),
    gettext_noop("Messages by field, for an item not written."),
    gettext_noop("The HTTP status this item alone would have had."),
    gettext_noop(
        "applied: written; checked: a report that changed nothing, recorded as a check; conflict: based on an older version; invalid: refused by the rules (see errors); forbidden: not yours to write; not_found: no such milestone."
    ),
    gettext_noop("Officials report the status of many milestones in one request."),
    gettext_noop(
        "Civil society verifies or disputes the reported status of many milestones at once."
    ),
    gettext_noop("A write based on an older version of the milestone: nothing was saved."),
    gettext_noop(
        "Adds a file to a milestone (PDF, image, office document...), checked by its content."
    ),
    gettext_noop("Adds a link to evidence published on the web (http or https) to a milestone."),
    gettext_noop(
        "Based on an older version of the milestone: nothing was saved. The body gives the current version and what changed since the one sent."
    ),
    gettext_noop("Page number, from 1 (a page past the last is a 404)."),
    gettext_noop("Results per page: 50 by default, at most 100 (more is read as 100)."),
    gettext_noop("The OGP member a commitment belongs to: its state, or a municipality of it."),
    gettext_noop("The milestone's version now: read what changed, then resend with it."),
    gettext_noop("The same as `state`."),
    gettext_noop("What changed since the version sent, oldest first."),
    gettext_noop("A civil-society member verifies or disputes the status the government reported."),
    gettext_noop("A dispute and its thread; a person's name never appears, only organisations."),
    gettext_noop(
        "A dispute of a reported status with the government's right of reply, as a milestone\nlists it (api.disputes.DisputeSerializer adds the milestone, for the write API's answers)."
    ),
    gettext_noop("Active states, with their current transparency body."),
    gettext_noop(
        "Adds evidence to a milestone: a link (JSON) or a file (multipart), checked by content."
    ),
    gettext_noop(
        "An official of the commitment's lead or supporting institution answers the dispute (open, or maintained after an earlier answer). Acts on the milestone's dispute in progress; 404 if it was never disputed, 400 if its dispute cannot take this step now (its `state` says why), 409 if a newer status report has closed it."
    ),
    gettext_noop("An official reports the status, progress and actual dates of a milestone."),
    gettext_noop("Based on an older version of the milestone: nothing was saved."),
    gettext_noop(
        "Commitments with their milestone counts and light; the public pages' filters and\naccent-insensitive search (`search`)."
    ),
    gettext_noop(
        "Days between the first published due date and the one in force (negative: earlier); null when either is missing."
    ),
    gettext_noop(
        "Days late against the due date as first published: a moved date does not erase it. Null when not late against it."
    ),
    gettext_noop(
        "Days late against the due date in force: for a completed milestone, from that date to its completion; for an open one, days since it fell due while it is shown overdue (red). Null when not late or undated."
    ),
    gettext_noop("Days this move added (negative: brought forward); null if either is undated."),
    gettext_noop("Due date in force; null when the plan gives none."),
    gettext_noop(
        "Evidence metadata; files are downloaded from `download_url` (check the SHA-256)."
    ),
    gettext_noop("For people, in the Accept-Language."),
    gettext_noop("When the archived copy of a link was fetched; null without a copy."),
    gettext_noop("The archived copy of a link, as it was fetched; null without a copy."),
    gettext_noop("SHA-256 of the archived copy of a link; null without a copy."),
    gettext_noop("When the link was last checked (fetched again); null if never."),
    gettext_noop(
        "Since when the link is broken: set after two failed checks in a row, at the first of them; null while it works."
    ),
    gettext_noop("How many times the due date was moved."),
    gettext_noop("Invalid filter, ordering or page parameter."),
    gettext_noop("Invalid input: `fields` says what is wrong with each field."),
    gettext_noop("Machine-readable, e.g. invalid, not_found."),
    gettext_noop(
        "Milestones with their traffic light and its reason, every change of it, their\nlateness, the moves of their due date and their disputes with the government's answers.\nOrganisations are named, never people."
    ),
    gettext_noop("Moved after the date it moves had passed (reprogramado después de vencer)."),
    gettext_noop("No role for this action in the milestone's state."),
    gettext_noop("No such milestone."),
    gettext_noop("No such object, or no such page."),
    gettext_noop("No valid token."),
    gettext_noop("One move of the due date. Organisations are named, people never."),
    gettext_noop(
        "Open data on the Open Government Partnership commitments of Mexican states: action plans, commitments, milestones with their traffic light, evidence and history. Licence: CC BY 4.0."
    ),
    gettext_noop("Organisation that disputed."),
    gettext_noop("Organisation that moved it; null for a revision of the imported plan."),
    gettext_noop("Raised by every status report; send it with each write (a stale one is a 409)."),
    gettext_noop("Rate limit reached: retry after the seconds in the Retry-After header."),
    gettext_noop("The append-only history of reported statuses, progress and due dates."),
    gettext_noop(
        "The civil-society organisation that disputed maintains its dispute after the government's answer, with its rejoinder (`text`, required): the mark stays. Acts on the milestone's dispute in progress; 404 if it was never disputed, 400 if its dispute cannot take this step now (its `state` says why), 409 if a newer status report has closed it."
    ),
    gettext_noop(
        "The civil-society organisation that disputed withdraws its dispute (open or answered): the status is no longer marked disputed. Acts on the milestone's dispute in progress; 404 if it was never disputed, 400 if its dispute cannot take this step now (its `state` says why), 409 if a newer status report has closed it."
    ),
    gettext_noop("The milestone version you saw."),
    gettext_noop("The milestone's version now: send it with the next write."),
    gettext_noop("Unsupported media type: send JSON, or multipart for files."),
    gettext_noop("`Token ogpt_...`: a personal token created in the contributor panel."),
    gettext_noop("verified"),
    gettext_noop("disputed"),
    # Information requests (api.serializers.InformationRequestSerializer).
    gettext_noop(
        "An access-to-information request a civil-society organisation filed about the milestone,\ncounted against the legal answer deadline in business days (Mexico's rest days excluded)."
    ),
    gettext_noop("Folio the transparency platform gave the request."),
    gettext_noop("Date the request was filed."),
    gettext_noop("Date of the answer; null while unanswered."),
    gettext_noop(
        "Business days from the day after filing to today, or to the answer once answered."
    ),
    gettext_noop("The legal answer deadline, in business days (a setting)."),
    gettext_noop("Last day of the legal answer deadline."),
    gettext_noop(
        "Date the institution notified an extension of the deadline; null if none recorded."
    ),
    gettext_noop(
        "True when the extension counts (notified within the ordinary deadline): deadline_business_days and deadline_on include it."
    ),
    gettext_noop(
        "Unanswered past the deadline (up to its withdrawal, if withdrawn), or answered after it."
    ),
    gettext_noop(
        "Date the organisation withdrew the request; the business days stop counting on it. Null if not withdrawn."
    ),
    gettext_noop(
        "Access-to-information requests civil society filed about the milestone, oldest first (drafts are never shown)."
    ),
]

# "* `code` - label", the enum hook's lines: the label is translated, the code never.
ENUM_LINE = re.compile(r"^(\* `[^`]+` - )(.+)$", re.M)


def _translated(text):
    text = gettext(text)
    return ENUM_LINE.sub(lambda m: m.group(1) + gettext(m.group(2)), text)


def _walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str) and value:
                node[key] = _translated(value)
            else:
                _walk(value)
    elif isinstance(node, list):
        for item in node:
            _walk(item)


def translate_descriptions(result, generator, request, public):
    """drf-spectacular postprocessing hook: every description and summary in the active
    language (English texts stay as they are in English)."""
    # A copy: parts of the schema are module constants (api/schema.py's ERROR), which must
    # stay in English for the next schema made.
    result = copy.deepcopy(result)
    _walk(result)
    return result
