from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from states.models import State

from . import selectors
from .models import Commitment


def home(request):
    today = timezone.localdate()
    states = list(selectors.states_overview(today=today))
    totals = {
        "commitments": sum(s.commitment_count for s in states),
        "milestones": sum(s.milestone_count for s in states),
        "completed": sum(s.completed_count for s in states),
        "overdue": sum(s.overdue_count for s in states),
    }
    return render(request, "public/home.html", {"states": states, "totals": totals})


def state_detail(request, slug):
    state = get_object_or_404(State.objects.active(), slug=slug)
    today = timezone.localdate()
    context = {
        "state": state,
        "action_plans": selectors.state_action_plans(state=state),
        "commitments": selectors.state_commitments(state=state, today=today),
    }
    return render(request, "public/state.html", context)


def commitment_detail(request, ogp_id):
    try:
        commitment = selectors.commitment_detail(ogp_id=ogp_id)
    except Commitment.DoesNotExist:
        raise Http404 from None
    if not commitment.action_plan.state.is_active:
        raise Http404
    context = {"commitment": commitment, "today": timezone.localdate()}
    return render(request, "public/commitment.html", context)
