"""The people and the dispute of the right-of-reply tests, on the demo's Guanajuato milestone
MXGTO9004.2 (led by the Secretaría de la Honestidad, supported by Kybernus Guanajuato).

Besides the demo's people: an official of a government agency that supports the commitment
(the Municipio de Apaseo el Alto, made a supporter here), an official of an agency that
neither leads nor supports it, and a member of another civil-society organisation.
"""

from django.contrib.auth import get_user_model

from commitments import services
from commitments.models import Dispute, Milestone
from states.models import Membership, Organisation, State

SUPPORTER = "Municipio de Apaseo el Alto"
UNRELATED_AGENCY = "Secretaría de Desarrollo Social y Humano"
OTHER_CSO = "Kybernus Guanajuato"


def milestone(ogp_id="MXGTO9004", number=2):
    return Milestone.objects.select_related("commitment__action_plan__state").get(
        commitment__ogp_id=ogp_id, number=number
    )


def membership(username, role=None):
    found = Membership.objects.select_related("organisation", "state", "user").filter(
        user__username=username
    )
    return found.get(role=role) if role else found.get()


def member(username, organisation, role, *, first_name="", language="es"):
    """A person acting in Guanajuato for `organisation` (by name)."""
    state = State.objects.get(slug="guanajuato")
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.org", first_name=first_name, language=language
    )
    Membership.objects.create(
        user=user,
        state=state,
        organisation=Organisation.objects.get(name=organisation, state=state),
        role=role,
    )
    return user


def people(m):
    """The extra people, with the supporting agency added to `m`'s commitment."""
    m.commitment.supporting_institutions.add(Organisation.objects.get(name=SUPPORTER))
    official, cso = Membership.Role.OFFICIAL, Membership.Role.CSO
    return {
        "supporter": member("oficial.apaseo", SUPPORTER, official, first_name="Rosa"),
        "unrelated": member("oficial.desarrollo", UNRELATED_AGENCY, official, first_name="Iván"),
        "other_cso": member("osc.kybernus", OTHER_CSO, cso, first_name="Lucía"),
    }


def open_dispute(m, *, now, reason="No hay evidencia del 60 % reportado"):
    """The lead official reports progress; Colores del Rincón disputes it. Returns the dispute."""
    m.refresh_from_db()
    services.report_status(
        milestone=m,
        membership=membership("oficial.guanajuato"),
        base_version=m.version,
        status="in_progress",
        progress=60,
        note="Avance del 60 %",
        now=now,
    )
    m.refresh_from_db()
    services.record_verification(
        milestone=m,
        membership=membership("osc.guanajuato"),
        base_version=m.version,
        result="disputed",
        reason=reason,
        now=now,
    )
    return Dispute.objects.get(milestone=m, state=Dispute.State.OPEN)


def answer(dispute, *, now, username="oficial.guanajuato", text="El padrón está en el anexo 3"):
    m = Milestone.objects.get(pk=dispute.milestone_id)
    services.answer_dispute(
        dispute=dispute, membership=membership(username), text=text, now=now,
        base_version=m.version,
    )  # fmt: skip
    dispute.refresh_from_db()
    return dispute


def close(dispute, outcome, *, now, text=""):
    m = Milestone.objects.get(pk=dispute.milestone_id)
    services.close_dispute(
        dispute=dispute, membership=membership("osc.guanajuato"), outcome=outcome, text=text,
        now=now, base_version=m.version,
    )  # fmt: skip
    dispute.refresh_from_db()
    return dispute
