"""A state's press kit: one ZIP with what a journalist needs to publish about it (the one-page
PDF report on both papers, the state's CSV downloads, its plan charts as PNG, and a README
saying what each file is, where it comes from, its date and its licence).

Every file is made by the code that serves it on its own (public.report_pdf, api.exports
through api.downloads.DATASETS, public.charts), so the kit says what the site says.
"""

import io
import zipfile

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from api import exports
from api.downloads import DATASETS
from commitments import selectors

from . import cards, charts, report_pdf

# The state's downloads the kit carries (api.downloads.DATASETS names).
KIT_DATASETS = ("hitos", "compromisos")


def _csv(dataset, *, base_url, state, today):
    rows_of, columns = DATASETS[dataset]
    rows = rows_of(base_url=base_url, today=today, state=state)
    return "".join(exports.stream_csv(rows, columns)).encode("utf-8")


def files(request, state, *, today):
    """The kit's files, in order: a list of (name in the ZIP, bytes, what it is).

    The one place that says what the kit holds: a new file is one more entry of this list,
    and the README describes it from its third element.
    """
    from . import views  # the view module builds the report's data and the charts' SVG

    base_url = request.build_absolute_uri("/").rstrip("/")
    report = views.report_data(request, state, today=today)
    entries = []
    for paper, words in (("carta", _("Letter")), ("a4", _("A4"))):
        entries.append(
            (
                f"reporte-{state.slug}-{paper}.pdf",
                report_pdf.render(report, paper=paper),
                _("The one-page report of the state, on %(paper)s paper.") % {"paper": words},
            )
        )
    descriptions = {
        "hitos": _("Every milestone of the state with its traffic light (CSV, UTF-8)."),
        "compromisos": _("Every commitment of the state with its counts (CSV, UTF-8)."),
    }
    for dataset in KIT_DATASETS:
        entries.append(
            (
                f"{dataset}-{state.slug}.csv",
                _csv(dataset, base_url=base_url, state=state, today=today),
                descriptions[dataset],
            )
        )
    plans = selectors.state_action_plans(state=state)
    for timeline in selectors.plan_timelines(plans=plans, today=today):
        entries.append(
            (
                f"grafica-plan-{timeline.plan.number}.png",
                charts.to_png(views._chart_svg(request, timeline, today=today)),
                _("Chart of the action plan “%(plan)s”: milestones completed against planned.")
                % {"plan": timeline.plan.title},
            )
        )
    card = cards.state(state, selectors.state_summary(state=state, today=today), today=today)
    card.page_url = request.build_absolute_uri(state.get_absolute_url())
    entries.append(
        (
            f"tarjeta-{state.slug}.png",
            cards.png(card),
            _("The state's share card (PNG, 1200×630), as its page shows it on social networks."),
        )
    )
    return entries


def readme(request, state, entries, *, today):
    """README.txt: source, date, licence, and what each file is."""
    lines = [
        _("Press kit: open government commitments of %(name)s") % {"name": state.name},
        "",
        _("Source: OGP Tracker, %(url)s")
        % {"url": request.build_absolute_uri(state.get_absolute_url())},
        _("Data as of %(date)s (generated on %(moment)s).")
        % {
            "date": formats.date_format(today, "DATE_FORMAT"),
            "moment": formats.date_format(timezone.localtime(), "DATETIME_FORMAT"),
        },
        _(
            "Licence: Creative Commons Attribution 4.0 (CC BY 4.0), "
            "https://creativecommons.org/licenses/by/4.0/ : cite OGP Tracker and the address "
            "above."
        ),
        _("The traffic lights are computed from due dates and evidence, not declared: %(url)s")
        % {"url": request.build_absolute_uri(reverse("public:methodology"))},
        "",
        _("Files:"),
    ]
    lines += [f"- {name}: {what}" for name, _body, what in entries]
    lines += ["- README.txt: " + _("this file."), ""]
    return "\r\n".join(lines).encode("utf-8")


def build_zip(request, state, *, today):
    entries = files(request, state, today=today)
    stamp = timezone.localtime().timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body, _what in [
            *entries,
            ("README.txt", readme(request, state, entries, today=today), ""),
        ]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
    return out.getvalue()
