import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from commitments import demo
from commitments.cache import invalidate_public_pages
from commitments.files import sha256_and_size
from commitments.models import (
    OGP_VALUE_FIELDS,
    ActionPlan,
    Commitment,
    Evidence,
    Milestone,
    StatusUpdate,
)
from states.models import Membership, Organisation, State, TransparencyBodyTerm


def _aware(value):
    if isinstance(value, dt.datetime):
        return timezone.make_aware(value)
    return timezone.make_aware(dt.datetime.combine(value, dt.time(10, 0)))


class Seeder:
    """Creates or updates rows so that they match the demo data, touching nothing that does."""

    def __init__(self):
        self.created = 0
        self.updated = 0

    def upsert(self, model, lookup, defaults=None):
        defaults = defaults or {}
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **defaults)
            self.created += 1
            return obj
        changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, defaults[name])
            obj.save(update_fields=changed)
            self.updated += 1
        return obj


class Command(BaseCommand):
    help = "Loads the Guanajuato and Nuevo León demo data. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo users (well-known passwords) even with DEBUG off.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo users with published passwords while DEBUG is off. "
                "Use --force on a demo server."
            )
        seeder = Seeder()
        with transaction.atomic():
            self.seed(seeder)
            invalidate_public_pages()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {seeder.created} rows created, {seeder.updated} updated."
            )
        )

    def seed(self, s):
        states = {
            row["inegi_code"]: s.upsert(
                State,
                {"inegi_code": row["inegi_code"]},
                {"name": row["name"], "slug": row["slug"]},
            )
            for row in demo.STATES
        }
        orgs = {}
        for code, name, acronym, kind, website in demo.ORGANISATIONS:
            orgs[name] = s.upsert(
                Organisation,
                {"name": name, "state": states.get(code)},
                {"acronym": acronym, "kind": kind, "website": website},
            )
        for code, org_name, since, until in demo.TRANSPARENCY_TERMS:
            s.upsert(
                TransparencyBodyTerm,
                {"state": states[code], "organisation": orgs[org_name]},
                {"starts_on": since, "ends_on": until},
            )
        plans = {}
        for row in demo.ACTION_PLANS:
            row = dict(row)
            key = (row.pop("state"), row.pop("number"))
            plans[key] = s.upsert(ActionPlan, {"state": states[key[0]], "number": key[1]}, row)
        for row in demo.COMMITMENTS:
            self.seed_commitment(s, row, plans, orgs)
        self.seed_users(s, states, orgs)

    def seed_commitment(self, s, row, plans, orgs):
        values = set(row["values"])
        defaults = {
            "action_plan": plans[row["plan"]],
            "number": row["number"],
            "title": row["title"],
            "short_title": row["short_title"],
            "lead_institution": orgs[row["lead"]],
            "theme": row["theme"],
            "problem": row["problem"],
            "objective": row["objective"],
            "starts_on": row["starts_on"],
            "ends_on": row["ends_on"],
            "is_illustrative": demo.is_illustrative(row["ogp_id"]),
            **{name: name in values for name in OGP_VALUE_FIELDS},
            "irm_potential_impact": "",
            "irm_potential_for_results": "",
            "irm_completion": "",
            "irm_did_it_open_government": "",
            **row["irm"],
        }
        if row.get("illustrative_milestones"):
            defaults["description"] = (
                "Título real del plan de acción; los hitos, avances y evidencias que se "
                "muestran aquí son ejemplos para la demostración."
            )
        commitment = s.upsert(Commitment, {"ogp_id": row["ogp_id"]}, defaults)
        supporting = {orgs[name] for name in row["supporting"]}
        if set(commitment.supporting_institutions.all()) != supporting:
            commitment.supporting_institutions.set(supporting)
            s.updated += 1
        for ms in row["milestones"]:
            self.seed_milestone(s, commitment, dict(ms), orgs)

    def seed_milestone(self, s, commitment, ms, orgs):
        key = (commitment.ogp_id, ms["number"])
        explicit_activity = ms.pop("last_activity", None) or demo.IN_PROGRESS_UPDATED_AT.get(key)
        milestone = s.upsert(
            Milestone,
            {"commitment": commitment, "number": ms.pop("number")},
            {"original_due_on": None, "completed_on": None, **ms},
        )
        # History: when work started, when the plan was revised, when it was completed.
        events = []
        lead = commitment.lead_institution
        if milestone.status != Milestone.Status.NOT_STARTED:
            started_at = _aware(explicit_activity or milestone.starts_on + dt.timedelta(days=30))
            progress = milestone.progress if milestone.status == "in_progress" else 50
            events.append((started_at, "not_started", "in_progress", 0, progress, None, None))
        if key in demo.RESCHEDULED_AT:
            progress = events[0][4] if events else 0
            status = "in_progress" if events else "not_started"
            events.append(
                (
                    _aware(demo.RESCHEDULED_AT[key]),
                    status,
                    status,
                    progress,
                    progress,
                    milestone.original_due_on,
                    milestone.due_on,
                )
            )
        if milestone.status == Milestone.Status.COMPLETED:
            done_at = _aware(milestone.completed_on)
            events.append((done_at, "in_progress", "completed", 50, 100, None, None))
        for at, old, new, old_p, new_p, old_due, new_due in events:
            s.upsert(
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
                    "organisation": lead,
                },
            )
        activity = [at for at, *_ in events]
        for kind, title, url, org_name in demo.EVIDENCE_LINKS.get(key, []):
            submitted_at = _aware(milestone.completed_on or milestone.starts_on)
            s.upsert(
                Evidence,
                {"milestone": milestone, "url": url},
                {
                    "kind": kind,
                    "title": title,
                    "organisation": orgs[org_name],
                    "submitted_at": submitted_at,
                },
            )
            activity.append(submitted_at)
        if key in demo.EVIDENCE_FILES:
            kind, title, filename, content, org_name = demo.EVIDENCE_FILES[key]
            data = content.encode()
            submitted_at = _aware(milestone.completed_on or milestone.starts_on)
            evidence = Evidence.objects.filter(milestone=milestone, title=title).first()
            if evidence is None:
                evidence = Evidence(
                    milestone=milestone,
                    kind=kind,
                    title=title,
                    organisation=orgs[org_name],
                    submitted_at=submitted_at,
                    original_filename=filename,
                    sha256=sha256_and_size([data])[0],
                )
                evidence.file.save(filename, ContentFile(data), save=False)
                evidence.save()
                s.created += 1
            activity.append(submitted_at)
        last_activity = max(activity) if activity else _aware(commitment.starts_on)
        s.upsert(Milestone, {"pk": milestone.pk}, {"last_activity_at": last_activity})

    def seed_users(self, s, states, orgs):
        User = get_user_model()
        admin = User.objects.filter(username="admin").first()
        if admin is None:
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
            s.upsert(
                Membership,
                {"user": user, "state": states[code], "role": role},
                {"organisation": orgs[org_name]},
            )
