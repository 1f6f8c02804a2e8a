"""Views of the open-data downloads and the "Datos abiertos" page."""

from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from commitments import cache, plan_file
from commitments.cache import cached_public_page
from commitments.models import ActionPlan
from states.models import State

from . import datapackage, exports

DATASETS = {
    "compromisos": (exports.commitment_rows, exports.COMMITMENT_COLUMNS),
    "hitos": (exports.milestone_rows, exports.MILESTONE_COLUMNS),
    "compromisos-ogp": (exports.ogp_rows, exports.OGP_COLUMNS),
    "reprogramaciones": (exports.reschedule_rows, exports.RESCHEDULE_COLUMNS),
    "disputas": (exports.dispute_rows, exports.DISPUTE_COLUMNS),
    "clasificaciones": (exports.ranking_rows, exports.RANKING_COLUMNS),
}
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def download(request, dataset, fmt, state=None):
    ogp_json = dataset == "compromisos-ogp" and fmt != "csv"
    if dataset not in DATASETS or fmt not in FORMATS or ogp_json:
        raise Http404
    state_obj = get_object_or_404(State.objects.active(), slug=state) if state else None
    rows_of, columns = DATASETS[dataset]
    rows = rows_of(
        base_url=_base_url(request),
        today=timezone.localdate(),
        state=state_obj,
    )
    body = exports.stream_csv(rows, columns) if fmt == "csv" else exports.stream_json(rows)
    response = StreamingHttpResponse(body, content_type=FORMATS[fmt])
    name = f"{dataset}-{state}" if state else dataset
    response["Content-Disposition"] = f'attachment; filename="ogp-tracker-{name}.{fmt}"'
    return response


def plan_download(request, state, number):
    """An action plan as the importer's own file (commitments.plan_file): what
    `manage.py export_plan` writes, byte for byte."""
    state_obj = get_object_or_404(State.objects.active(), slug=state)
    plan = get_object_or_404(
        ActionPlan.objects.select_related("state"), state=state_obj, number=number
    )
    response = StreamingHttpResponse(plan_file.lines(plan), content_type=FORMATS["csv"])
    name = f"plan-{state}-{number}"
    response["Content-Disposition"] = f'attachment; filename="ogp-tracker-{name}.csv"'
    return response


@cached_public_page(scopes=cache.national)
def open_data(request):
    context = {
        "states": State.objects.active().order_by("name"),
        "plans": ActionPlan.objects.filter(state__in=State.objects.active())
        .select_related("state")
        .order_by("state__name", "number"),
        "commitment_columns": exports.dictionary(exports.COMMITMENT_COLUMNS),
        "milestone_columns": exports.dictionary(exports.MILESTONE_COLUMNS),
        "reschedule_columns": exports.dictionary(
            exports.RESCHEDULE_COLUMNS, exports.RESCHEDULE_DESCRIPTIONS
        ),
        "dispute_columns": exports.dictionary(
            exports.DISPUTE_COLUMNS, exports.DISPUTE_DESCRIPTIONS
        ),
        "ogp_columns": exports.OGP_COLUMNS,
        "ranking_columns": exports.dictionary(
            exports.RANKING_COLUMNS, exports.RANKING_DESCRIPTIONS
        ),
    }
    return render(request, "public/open_data.html", context)


def _base_url(request):
    return request.build_absolute_uri("/").rstrip("/")


def data_package(request, state=None):
    """The Frictionless Data Package of the CSV downloads, national or of one state (texts in
    the URL's language)."""
    state_obj = get_object_or_404(State.objects.active(), slug=state) if state else None
    return JsonResponse(
        datapackage.datapackage(_base_url(request), state_obj),
        json_dumps_params={"ensure_ascii": False},
    )


def dcat_catalogue(request):
    """The DCAT catalogue of the downloads, as JSON-LD (texts in the URL's language)."""
    return JsonResponse(
        datapackage.catalogue(_base_url(request)),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )
