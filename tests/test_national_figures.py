"""The national pages' figures are kept per state (commitments.cache.per_state), under the
versions of "global" and of each state, as that state's pages are: the same figures as
computed afresh, and after a write in one state only that state's share is computed again."""

import pytest

from commitments import cache as page_cache
from commitments import selectors, services
from commitments.models import Commitment, Milestone
from states.models import Membership, Organisation, State
from tests.clock import NOW

pytestmark = pytest.mark.django_db

TODAY = NOW.date()
FIGURES = ("light", "milestone_count", "red_count", "yellow_count", "completed_count")
STATE_FIGURES = (*FIGURES, "started_count", "last_activity_at", "commitment_count")
SCORECARD_FIGURES = (*FIGURES, "commitment_count", "overdue_count", "reschedule_count")


def _states():
    return [
        (s.slug, *(getattr(s, k) for k in STATE_FIGURES))
        for s in selectors.states_overview(today=TODAY)
    ]


def _scorecard(state=None):
    return [
        (o.slug, *(getattr(o, k) for k in SCORECARD_FIGURES))
        for o in selectors.institution_scorecard(today=TODAY, state=state)
    ]


def _fresh(settings, figures, *args):
    settings.PUBLIC_FIGURES_CACHE = False
    try:
        return figures(*args)
    finally:
        settings.PUBLIC_FIGURES_CACHE = True


class Spy:
    """Records the states each computation of a share was asked for (the computation runs)."""

    def __init__(self, monkeypatch, name):
        self.calls = []
        real = getattr(selectors, name)

        def spied(pks, today):
            self.calls.append(sorted(pks))
            return real(pks, today)

        monkeypatch.setattr(selectors, name, spied)


@pytest.fixture
def shares(monkeypatch):
    return Spy(monkeypatch, "_state_rows"), Spy(monkeypatch, "_scorecard_shares")


def test_kept_figures_are_the_fresh_ones(demo, settings, shares):
    states, scorecard = shares
    gto = State.objects.get(slug="guanajuato")
    fresh = _fresh(settings, _states), _fresh(settings, _scorecard)
    fresh_gto = _fresh(settings, _scorecard, gto)
    assert len(fresh[0]) == 2 and len(fresh[1]) > 5
    states.calls.clear(), scorecard.calls.clear()
    assert (_states(), _scorecard()) == fresh  # computed, and kept
    assert (_states(), _scorecard()) == fresh  # read back
    assert _scorecard(gto) == fresh_gto  # the national page's Guanajuato share
    assert len(states.calls) == 1  # once computed, then read back
    assert len(scorecard.calls) == 1


def test_a_write_in_one_state_computes_only_its_share_again(
    demo, official_gto, settings, shares, django_capture_on_commit_callbacks
):
    states, scorecard = shares
    membership = Membership.objects.get(user=official_gto)
    milestone = (
        Milestone.objects.filter(
            commitment__action_plan__state=membership.state,
            commitment__lead_institution=membership.organisation,
        )
        .exclude(status=Milestone.Status.COMPLETED)
        .order_by("pk")
        .first()
    )
    before = _states(), _scorecard()
    states.calls.clear(), scorecard.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_status(
            milestone=milestone,
            membership=membership,
            base_version=milestone.version,
            status=Milestone.Status.IN_PROGRESS,
            progress=milestone.progress + 1 if milestone.progress < 100 else 50,
            note="Avance de la prueba de cifras por estado",
            now=NOW,
        )
    after = _states(), _scorecard()
    assert states.calls == [[membership.state.pk]]
    assert scorecard.calls == [[membership.state.pk]]
    assert after != before  # the write shows (last activity, the institution's figures)
    assert after == (_fresh(settings, _states), _fresh(settings, _scorecard))


def test_a_write_of_unknown_reach_computes_every_share_again(
    demo, shares, django_capture_on_commit_callbacks
):
    states, scorecard = shares
    _states(), _scorecard()
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.invalidate_public_pages()  # the admin, the importer, a restore
    _states(), _scorecard()
    active = sorted(State.objects.active().values_list("pk", flat=True))
    assert states.calls == [active, active]
    assert len(scorecard.calls) == 2 and scorecard.calls[0] == scorecard.calls[1]


def test_another_day_computes_every_share_again(demo, shares):
    states, _scorecard_calls = shares
    selectors.states_overview(today=TODAY)
    selectors.states_overview(today=TODAY)
    selectors.states_overview(today=TODAY.replace(year=TODAY.year + 1))
    assert len(states.calls) == 2  # days overdue differ from one day to the next


def test_an_institution_leading_in_two_states_counts_both(demo, settings):
    lead = (
        Organisation.objects.filter(state__slug="guanajuato", led_commitments__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    elsewhere = Commitment.objects.filter(action_plan__state__slug="nuevo-leon").first()
    # Test data: a federal-style institution leading a commitment of another state's plan.
    Commitment.objects.filter(pk=elsewhere.pk).update(lead_institution=lead)
    Commitment.co_lead_institutions.through.objects.filter(organisation=lead).delete()
    (row,) = [o for o in selectors.institution_scorecard(today=TODAY) if o.pk == lead.pk]
    assert row.commitment_count == Commitment.objects.filter(lead_institution=lead).count()
    assert row.commitment_count >= 2
    led = Milestone.objects.filter(commitment__lead_institution=lead)
    assert row.milestone_count == led.count()
    assert _scorecard() == _fresh(settings, _scorecard)


def test_the_semaforo_pages_by_state_as_the_whole_sorted_list(demo):
    grouped, counts = selectors.red_milestones_grouped(today=TODAY)
    whole, whole_counts = selectors.red_milestones_grouped()  # every red milestone, sorted
    everything = [m.pk for m in whole]
    assert counts == whole_counts and len(counts) == 2  # red in both states
    assert grouped.count() == len(everything) > 3
    for size in (1, 2, 3, 5, len(everything)):
        for start in range(0, len(everything) + 1, size):
            page = [m.pk for m in grouped[start : start + size]]
            assert page == everything[start : start + size], (start, size)
    gto = State.objects.get(slug="guanajuato")
    one, one_counts = selectors.red_milestones_grouped(today=TODAY, state=gto)
    only, only_counts = selectors.red_milestones_grouped(state=gto)
    assert [m.pk for m in one[0:1000]] == [m.pk for m in only] and one_counts == only_counts
