import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from commitments import rules, services
from commitments.cache import invalidate_public_pages
from commitments.files import sha256_and_size
from commitments.models import (
    OGP_VALUE_FIELDS,
    ActionPlan,
    Commitment,
    Dispute,
    DisputeMessage,
    Evidence,
    HistoryEntry,
    LinkArchive,
    Milestone,
    Reschedule,
    StatusUpdate,
    Transition,
    Verification,
)
from demo import data as demo
from ops.models import OutboxMessage
from states.models import Membership, Municipality, Organisation, State, TransparencyBodyTerm

# An ISO date given to --now means this time of that day, in the site's zone.
DEMO_HOUR = dt.time(9, 0)


def parse_now(value):
    """`--now`: an ISO date (09:00 that day, Mexico City) or an aware ISO datetime."""
    day = parse_date(value) if len(value) == 10 else None
    if day is not None:
        return timezone.make_aware(dt.datetime.combine(day, DEMO_HOUR))
    moment = parse_datetime(value)
    if moment is None or timezone.is_naive(moment):
        raise CommandError(
            f"--now {value!r}: give a date (2026-11-29) or a datetime with its offset "
            "(2026-11-29T09:00:00-06:00)."
        )
    return moment


def _aware(value):
    if isinstance(value, dt.datetime):
        return timezone.make_aware(value)
    return timezone.make_aware(dt.datetime.combine(value, dt.time(10, 0)))


class Seeder:
    """Adds what the demo has and the database lacks; never changes a row that exists."""

    def __init__(self, now):
        self.now = now
        self.days = demo.moving_days(now)
        self.created = 0
        self.skipped = []

    def add(self, model, lookup, defaults=None):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **(defaults or {}))
            self.created += 1
        return obj

    def dates(self, moving, *values):
        """The demo's dates, moved to the day it is loaded when they belong to a moving plan."""
        days = self.days if moving else 0
        return [demo.shift(v, days) for v in values]


class Command(BaseCommand):
    help = (
        "Loads the Guanajuato and Nuevo León demo data as of --now. It only adds what is "
        "missing: a second run changes nothing and keeps what people changed since."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo users (well-known passwords) even with DEBUG off.",
        )
        parser.add_argument(
            "--now",
            type=parse_now,
            help="The day the demo's story is told for: an ISO date (09:00 that day in Mexico "
            "City) or an aware datetime. Default: the current time.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Replace the demo's own commitments (with their milestones, evidence and "
            "history) by the demo as written now.",
        )

    def handle(self, *args, force=False, now=None, reset=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo users with published passwords while DEBUG is off. "
                "Use --force on a demo server."
            )
        now = now or timezone.now()
        seeder = Seeder(now)
        with transaction.atomic():
            # What is already stored follows the current method before anything is added.
            services.apply_methodology(now=now)
            removed = remove_demo_commitments() if reset else 0
            self.seed(seeder, reset=reset)
            # Lights of what already existed, brought to `now` (new rows were assessed as
            # they were created).
            services.flag_stale_milestones(now=now)
            invalidate_public_pages()
        when = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data as of {when}: {seeder.created} rows added"
                + (f", {removed} demo commitments replaced." if reset else ".")
            )
        )
        if seeder.skipped:
            self.stdout.write(
                "Left alone, imported under the same OGP id: " + ", ".join(seeder.skipped)
            )

    def seed(self, s, *, reset):
        states = {
            row["inegi_code"]: s.add(
                State, {"inegi_code": row["inegi_code"]}, {"name": row["name"], "slug": row["slug"]}
            )
            for row in demo.STATES
        }
        orgs = {}
        for code, name, acronym, kind, website in demo.ORGANISATIONS:
            orgs[name] = s.add(
                Organisation,
                {"name": name, "state": states.get(code)},
                {
                    "acronym": acronym, "kind": kind, "website": website,
                    "aliases": "\n".join(demo.ALIASES.get(name, [])),
                    "successor": orgs.get(demo.SUCCESSORS.get(name)),
                },
            )  # fmt: skip
        self.municipalities = {
            name: s.add(
                Municipality,
                {"inegi_code": inegi_code},
                {
                    "state": states[code],
                    "name": name,
                    "ogp_prefix": prefix,
                    "slug": slugify(f"{name}-{states[code].slug}"),
                },
            )  # fmt: skip
            for code, name, inegi_code, prefix in demo.MUNICIPALITIES
        }
        for code, org_name, since, until in demo.TRANSPARENCY_TERMS:
            s.add(
                TransparencyBodyTerm,
                {"state": states[code], "organisation": orgs[org_name]},
                {"starts_on": since, "ends_on": until},
            )
        plans = {}
        for row in demo.ACTION_PLANS:
            row = dict(row)
            key = (row.pop("state"), row.pop("number"))
            row["starts_on"], row["ends_on"] = s.dates(
                key in demo.MOVING_PLANS, row["starts_on"], row["ends_on"]
            )
            row["title"] = row["title"].format(
                starts=row["starts_on"].year, ends=row["ends_on"].year
            )
            plan = s.add(ActionPlan, {"state": states[key[0]], "number": key[1]}, row)
            if reset:
                ActionPlan.objects.filter(pk=plan.pk).update(**row)
            plans[key] = plan
        # Users first: the demo's disputes are opened and answered through their memberships.
        self.seed_users(s, states, orgs)
        for row in demo.COMMITMENTS:
            self.seed_commitment(s, row, plans, orgs)

    def seed_commitment(self, s, row, plans, orgs):
        moving = row["plan"] in demo.MOVING_PLANS
        values = set(row["values"])
        starts_on, ends_on = s.dates(moving, row["starts_on"], row["ends_on"])
        defaults = {
            "action_plan": plans[row["plan"]],
            "number": row["number"],
            "title": row["title"],
            "short_title": row["short_title"],
            "lead_institution": orgs[row["lead"]],
            "theme": row["theme"],
            "problem": row["problem"],
            "objective": row["objective"],
            "starts_on": starts_on,
            "ends_on": ends_on,
            "is_illustrative": demo.is_illustrative(row["ogp_id"]),
            "municipality": self.municipalities.get(row.get("member")),
            "source_url": row.get("source_url", ""),
            "is_demo": True,
            **{name: name in values for name in OGP_VALUE_FIELDS},
            **row["irm"],
        }
        if row.get("illustrative_milestones"):
            defaults["description"] = (
                "Título real del plan de acción; los hitos, avances y evidencias que se "
                "muestran aquí son ejemplos para la demostración."
            )
        commitment = Commitment.objects.filter(ogp_id=row["ogp_id"]).first()
        if commitment is None:
            commitment = s.add(Commitment, {"ogp_id": row["ogp_id"]}, defaults)
            commitment.supporting_institutions.set(orgs[name] for name in row["supporting"])
            commitment.co_lead_institutions.set(orgs[name] for name in row.get("co_leads", []))
        elif not commitment.is_demo:
            # A real commitment was imported under this id: the demo's invented milestones
            # never go into it.
            s.skipped.append(row["ogp_id"])
            return
        existing = set(commitment.milestones.values_list("number", flat=True))
        for ms in row["milestones"]:
            if ms["number"] not in existing:
                self.seed_milestone(s, commitment, dict(ms), orgs, moving=moving)

    def seed_milestone(self, s, commitment, ms, orgs, *, moving):
        """One milestone the database lacks, with its past: status updates and evidence."""
        key = (commitment.ogp_id, ms["number"])
        for name in ("starts_on", "due_on", "original_due_on", "completed_on"):
            (ms[name],) = s.dates(moving, ms.get(name))
        (explicit,) = s.dates(
            moving, ms.pop("last_activity", None) or demo.IN_PROGRESS_UPDATED_AT.get(key)
        )
        ms["due_on"] = rules.normalise_due(ms["due_on"], ms.get("due_precision", "day"))
        moves = [
            (_aware(at), old, new)
            for at, old, new in (s.dates(moving, *move) for move in demo.RESCHEDULES.get(key, []))
        ]
        if moves:
            ms["original_due_on"] = moves[0][1]
        # History: when work started, when it was completed; the plan's revisions apart.
        events = []
        if ms["status"] != Milestone.Status.NOT_STARTED:
            started_at = _aware(explicit or ms["starts_on"] + dt.timedelta(days=30))
            progress = ms["progress"] if ms["status"] == "in_progress" else 50
            events.append((started_at, "not_started", "in_progress", 0, progress, None, None))
        if ms["status"] == Milestone.Status.COMPLETED:
            events.append(
                (_aware(ms["completed_on"]), "in_progress", "completed", 50, 100, *[None] * 2)
            )
        evidence_at = _aware(ms["completed_on"] or ms["starts_on"])
        links = []
        for kind, title, url, org_name, *when in demo.EVIDENCE_LINKS.get(key, []):
            (at,) = s.dates(moving, when[0] if when else None)
            links.append((kind, title, url, orgs[org_name], _aware(at) if at else evidence_at))
        added = [(org, at) for *_, org, at in links]
        if key in demo.EVIDENCE_FILES:
            added.append((orgs[demo.EVIDENCE_FILES[key][4]], evidence_at))
        # Only the government's work resets the activity clock (rules.resets_stale_clock):
        # its reports and its evidence, not a civil-society organisation's.
        government_evidence = [at for org, at in added if org.kind == Organisation.Kind.GOVERNMENT]
        activity = [at for at, *_ in events] + government_evidence
        for at, old, new in moves:
            # A move is recorded in the status history beside the reports; it is no activity.
            status = "in_progress" if events and at >= events[0][0] else "not_started"
            progress = events[0][4] if status == "in_progress" else 0
            events.append((at, status, status, progress, progress, old, new))
        milestone = services.create_milestone(
            commitment=commitment,
            now=s.now,
            last_activity_at=max(activity) if activity else _aware(commitment.starts_on),
            **ms,
        )
        s.created += 1
        for at, old, new, old_p, new_p, old_due, new_due in events:
            s.add(
                StatusUpdate,
                {"milestone": milestone, "created_at": at},
                {
                    "old_status": old,
                    "new_status": new,
                    "old_progress": old_p,
                    "new_progress": new_p,
                    "old_due_on": old_due,
                    "new_due_on": new_due,
                    "note": "Actualización de ejemplo reportada por la dependencia.",
                    "organisation": commitment.lead_institution,
                },
            )
        for at, old, new in moves:
            s.add(
                Reschedule,
                {"milestone": milestone, "created_at": at},
                {
                    "old_due_on": old,
                    "new_due_on": new,
                    "old_precision": milestone.due_precision,
                    "new_precision": milestone.due_precision,
                    "after_due": old is not None and old < timezone.localdate(at),
                    "note": "Fecha reprogramada por la dependencia (ejemplo).",
                    "organisation": commitment.lead_institution,
                },
            )
        for kind, title, url, organisation, at in links:
            s.add(
                Evidence,
                {"milestone": milestone, "url": url},
                {
                    "kind": kind,
                    "title": title,
                    "organisation": organisation,
                    "submitted_at": at,
                },
            )
        if key in demo.EVIDENCE_FILES:
            kind, title, filename, content, org_name = demo.EVIDENCE_FILES[key]
            data = content.encode()
            evidence = Evidence(
                milestone=milestone,
                kind=kind,
                title=title,
                organisation=orgs[org_name],
                submitted_at=evidence_at,
                original_filename=filename,
                sha256=sha256_and_size([data])[0],
            )
            evidence.file.save(filename, ContentFile(data), save=False)
            evidence.save()
            s.created += 1
        if key in demo.DISPUTES:
            self.seed_dispute(s, milestone, demo.DISPUTES[key], orgs, moving=moving)

    def seed_dispute(self, s, milestone, row, orgs, *, moving):
        """A disputed status with the government's answer, through the services' own doors
        (the demo users' memberships), at the times the demo gives."""
        cso_name, opened_at, reason, answering_name, answered_at, answer = row
        opened_at, answered_at = (_aware(at) for at in s.dates(moving, opened_at, answered_at))
        state = milestone.commitment.action_plan.state

        def membership(org_name):
            return Membership.objects.get(state=state, organisation=orgs[org_name])

        services.record_verification(
            milestone=milestone, membership=membership(cso_name), base_version=milestone.version,
            result=Verification.Result.DISPUTED, reason=reason, now=opened_at,
        )  # fmt: skip
        dispute = Dispute.objects.get(milestone=milestone)
        services.answer_dispute(
            dispute=dispute, membership=membership(answering_name), text=answer, now=answered_at,
        )  # fmt: skip
        # The demo's past is loaded, not announced: the notices of a dispute opened and
        # answered weeks before the load are not sent now (the services queued them in this
        # transaction; they are dropped before it commits).
        queued = OutboxMessage.objects.filter(task="alerts.notify_dispute", sent_at=None)
        OutboxMessage.objects.filter(
            pk__in=[m.pk for m in queued if m.args[:1] == [dispute.pk]]
        ).delete()
        s.created += 1

    def seed_users(self, s, states, orgs):
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser(
                "admin", "admin@example.org", demo.DEMO_PASSWORD, first_name="Admin"
            )
            s.created += 1
        for username, email, first_name, code, org_name, role in demo.DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username, email, demo.DEMO_PASSWORD, first_name=first_name
                )
                s.created += 1
            s.add(
                Membership,
                {"user": user, "state": states[code], "role": role},
                {"organisation": orgs[org_name]},
            )


def remove_demo_commitments():
    """Deletes the demo's own commitments and everything recorded about them.

    Only the commitments the demo loaded (marked `is_demo`), so nothing imported or created
    by people is touched, even under an id the demo uses; stored evidence files go with
    their rows.
    """
    ids = [row["ogp_id"] for row in demo.COMMITMENTS]
    milestones = Milestone.objects.filter(commitment__ogp_id__in=ids, commitment__is_demo=True)
    files = list(
        Evidence.objects.filter(milestone__in=milestones)
        .exclude(file="")
        .values_list("file", flat=True)
    )
    archives = LinkArchive.objects.filter(evidence__milestone__in=milestones)
    files += archives.exclude(file="").values_list("file", flat=True)
    # The append-only history protects itself against deletion: children first.
    Evidence.objects.filter(milestone__in=milestones).update(archive=None)
    archives.delete()
    DisputeMessage.objects.filter(dispute__milestone__in=milestones).delete()
    for model in (Dispute, Reschedule, HistoryEntry, Verification, Transition, StatusUpdate):
        model.objects.filter(milestone__in=milestones).delete()
    Evidence.objects.filter(milestone__in=milestones).delete()
    milestones.delete()
    commitments = Commitment.objects.filter(ogp_id__in=ids, is_demo=True)
    removed = commitments.count()
    commitments.delete()
    storage = Evidence._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return removed
