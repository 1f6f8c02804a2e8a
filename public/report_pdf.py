"""A state's report as a one-page PDF (Letter or A4), drawn on the server with reportlab.

One page whatever the data: the layout is fixed (header, totals, the bar of lights, the plan
chart and the QR code, then the red milestones, then the footer), each text is cut to the
width it has, and the table takes only the rows that fit the space left, ending with "y N
más" and the live page's address when there are more. The site's own TrueType font is
embedded (public/fonts), so accents print as written; the QR code is reportlab's own widget.
"""

import io
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from commitments.models import Light

from .charts import PICTURE_FONT
from .templatetags.tracker import reason_words

# ?papel= names the paper; Mexico uses Letter ("carta"), the default.
PAPERS = {"carta": LETTER, "a4": A4}
DEFAULT_PAPER = "carta"
FONT = "AtkinsonHyperlegibleNext"
MARGIN = 15 * mm
# The design system's colours (static/css/tokens.css): text on tints passes 4.5:1.
TEXT = HexColor("#0b0c0c")
MUTED = HexColor("#505a5f")
BORDER = HexColor("#c8ccd2")
LIGHT_COLOURS = {
    "red": (HexColor("#a3001b"), HexColor("#fde8eb")),
    "yellow": (HexColor("#6b4e00"), HexColor("#fff4cc")),
    "green": (HexColor("#1d6b2a"), HexColor("#e3f4e6")),
}
# The bar's fills: brighter, each segment also labelled in words (colour only repeats it).
BAR_FILLS = {
    "red": HexColor("#d4351c"),
    "yellow": HexColor("#ffc933"),
    "green": HexColor("#3ccf7e"),
}
ROW = 12.5  # height of a table row, points
QR_NAME = "live-report-qr"  # the form XObject that holds the QR code (tests find it by name)


@dataclass
class Report:
    """What the PDF shows, gathered by the view from the selectors."""

    state_name: str
    light: str
    summary: object  # selectors.state_summary
    milestones: list  # selectors.red_milestones, with lateness (the first ones, or all)
    today: object
    now: object
    report_url: str  # the live report page, the QR code's address
    state_url: str  # the state's page: the source of these figures
    data_url: str  # the state's milestones CSV
    is_demo: bool = False
    chart_png: bytes | None = None  # the latest plan's chart (charts.to_png)
    chart_title: str = ""
    red_total: int | None = None  # how many are red, when `milestones` holds only the first


def _register_font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(PICTURE_FONT)))


def fit(text, size, width):
    """`text` cut with an ellipsis to fit `width` points at `size`."""
    text = " ".join(str(text).split())
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def worst_first(milestones):
    """The most overdue first (days past the due date), then the longest red."""
    return sorted(
        milestones,
        key=lambda m: (-(m.days_overdue or 0), m.signal_since, m.commitment.ogp_id, m.number),
    )


def _date(value):
    return formats.date_format(value, "DATE_FORMAT")


class _Page:
    def __init__(self, c, paper):
        self.c = c
        self.width, self.height = paper
        self.left, self.right = MARGIN, self.width - MARGIN
        self.y = self.height - MARGIN  # the top of what is still free

    def text(self, x, y, value, size, colour=TEXT, width=None):
        self.c.setFont(FONT, size)
        self.c.setFillColor(colour)
        self.c.drawString(x, y, fit(value, size, width) if width else str(value))

    def line(self, value, size, colour=TEXT, gap=1.35):
        self.y -= size * gap
        self.text(self.left, self.y, value, size, colour, width=self.right - self.left)


def render(report, *, paper=DEFAULT_PAPER):
    """The report as PDF bytes, on one page of `paper` ("carta" or "a4")."""
    _register_font()
    size = PAPERS[paper]
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=size, pageCompression=1, invariant=1)
    title = _("Open government commitments of %(name)s") % {"name": report.state_name}
    c.setTitle(title)
    c.setAuthor(_("OGP Tracker"))
    c.setSubject(report.report_url)
    page = _Page(c, size)
    _header(page, report, title)
    _totals(page, report)
    _bar(page, report)
    _chart_and_qr(page, report)
    footer_top = _footer(page, report)
    _red_table(page, report, bottom=footer_top + 6)
    c.showPage()
    c.save()
    return out.getvalue()


def _header(page, report, title):
    page.line(_("OGP Tracker · report of a state"), 9, MUTED, gap=1.0)
    page.line(title, 17, gap=1.5)
    data_date = _("Data as of %(date)s · generated on %(moment)s") % {
        "date": _date(report.today),
        "moment": formats.date_format(report.now, "DATETIME_FORMAT"),
    }
    page.line(data_date, 9, MUTED)
    if report.is_demo:
        fg, bg = LIGHT_COLOURS["yellow"]
        height = 18
        page.y -= height + 4
        page.c.setFillColor(bg)
        page.c.setStrokeColor(fg)
        page.c.rect(page.left, page.y, page.right - page.left, height, fill=1, stroke=1)
        words = _(
            "Illustrative example: this report shows invented demonstration data; "
            "do not publish it as real."
        )
        page.text(page.left + 6, page.y + 5.5, words, 9.5, fg, width=page.right - page.left - 12)


def _totals(page, report):
    s = report.summary
    light_fg, light_bg = LIGHT_COLOURS.get(report.light, LIGHT_COLOURS["green"])
    page.y -= 8
    label = Light(report.light).label if report.light in Light.values else report.light
    box = 18
    page.y -= box
    page.c.setFillColor(light_bg)
    page.c.setStrokeColor(light_fg)
    page.c.rect(page.left, page.y, page.right - page.left, box, fill=1, stroke=1)
    page.text(
        page.left + 6,
        page.y + 5.5,
        _("Traffic light of the state: %(light)s") % {"light": label},
        10.5,
        light_fg,
        width=page.right - page.left - 12,
    )
    facts = [
        (_("Commitments"), s.commitment_count),
        (_("Milestones"), s.milestone_count),
        (
            _("Milestones completed"),
            f"{s.completed_count} ({round(s.completed_share * 100)} %)",
        ),
        (_("Overdue"), s.overdue_count),
        (_("Overdue or stale"), s.red_count),
        (_("At risk"), s.yellow_count),
        (_("On track"), s.green_count),
        (_("No due date"), s.undated_count),
    ]
    columns = 4
    cell_w = (page.right - page.left) / columns
    cell_h = 30
    page.y -= 4
    for i, (name, value) in enumerate(facts):
        row, col = divmod(i, columns)
        x = page.left + col * cell_w
        top = page.y - row * cell_h
        page.text(x + 2, top - 11, name, 8.5, MUTED, width=cell_w - 6)
        page.text(x + 2, top - 25, value, 14, TEXT, width=cell_w - 6)
    page.y -= cell_h * ((len(facts) + columns - 1) // columns)


def _bar(page, report):
    """The milestones by light, one stacked bar, each part labelled with its count."""
    s = report.summary
    parts = [
        (
            "red",
            s.red_count,
            ngettext("%(count)s red milestone", "%(count)s red milestones", s.red_count),
        ),
        (
            "yellow",
            s.yellow_count,
            ngettext("%(count)s yellow milestone", "%(count)s yellow milestones", s.yellow_count),
        ),
        (
            "green",
            s.green_count,
            ngettext("%(count)s green milestone", "%(count)s green milestones", s.green_count),
        ),
    ]
    total = sum(n for _k, n, _w in parts)
    width = page.right - page.left
    height = 14
    page.y -= 16
    page.text(page.left, page.y, _("Milestones by traffic light"), 9.5, TEXT)
    page.y -= height + 4
    x = page.left
    page.c.setStrokeColor(BORDER)
    page.c.rect(page.left, page.y, width, height, fill=0, stroke=1)
    for key, count, _words in parts:
        if not total or not count:
            continue
        w = width * count / total
        page.c.setFillColor(BAR_FILLS[key])
        page.c.rect(x, page.y, w, height, fill=1, stroke=0)
        x += w
    legend = " · ".join(words % {"count": n} for _k, n, words in parts)
    page.y -= 11
    page.text(page.left, page.y, legend, 8.5, MUTED, width=width)


def _chart_and_qr(page, report):
    """The latest plan's chart on the left, the QR code of the live report on the right."""
    qr_side = 92
    height = 124
    page.y -= 8
    top = page.y
    bottom = top - height
    chart_w = page.right - page.left - qr_side - 16
    if report.chart_png:
        page.text(page.left, top - 9, report.chart_title, 9.5, TEXT, width=chart_w)
        image = ImageReader(io.BytesIO(report.chart_png))
        iw, ih = image.getSize()
        scale = min(chart_w / iw, (height - 14) / ih)
        page.c.drawImage(image, page.left, bottom, iw * scale, ih * scale, mask="auto")
    else:
        page.text(page.left, top - 9, _("No plan with milestones to chart."), 9.5, MUTED)
    qr_x = page.right - qr_side
    _qr(page.c, report.report_url, qr_x, bottom + 14, qr_side)
    page.c.linkURL(report.report_url, (qr_x, bottom + 14, qr_x + qr_side, bottom + 14 + qr_side))
    page.text(qr_x, bottom + 4, _("Live report"), 8, MUTED, width=qr_side)
    page.y = bottom


def _qr(c, url, x, y, side):
    """The QR code of `url` as a form of its own, drawn at (x, y), `side` points square."""
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    w, h = x1 - x0, y1 - y0
    drawing = Drawing(side, side, transform=[side / w, 0, 0, side / h, -x0 * side / w, 0])
    drawing.add(widget)
    c.beginForm(QR_NAME)
    renderPDF.draw(drawing, c, 0, 0)
    c.endForm()
    c.saveState()
    c.translate(x, y - y0 * side / h)
    c.doForm(QR_NAME)
    c.restoreState()


def _footer(page, report):
    """Source, data, licence and the live address at the foot of the page; its top."""
    lines = [
        _("Source: %(url)s") % {"url": report.state_url},
        _("Data (CSV): %(url)s") % {"url": report.data_url},
        _("Live report: %(url)s · Licence CC BY 4.0 · OGP Tracker") % {"url": report.report_url},
    ]
    width = page.right - page.left
    y = MARGIN
    for value in reversed(lines):
        page.text(page.left, y, value, 8, MUTED, width=width)
        y += 10.5
    page.c.setStrokeColor(BORDER)
    page.c.line(page.left, y, page.right, y)
    page.c.linkURL(report.state_url, (page.left, MARGIN + 21, page.right, MARGIN + 29))
    return y


def _why(m):
    if m.days_late:
        return ngettext(
            "Overdue: %(days)s day late", "Overdue: %(days)s days late", m.days_late
        ) % {"days": m.days_late}
    words = reason_words(m.light_reason)
    return words[:1].upper() + words[1:]


def _due(m):
    if m.due_on is None:
        return _("no due date")
    if m.due_precision == "month":
        return formats.date_format(m.due_on, "YEAR_MONTH_FORMAT")
    return formats.date_format(m.due_on, "SHORT_DATE_FORMAT")


def _red_table(page, report, *, bottom):
    """The red milestones, worst first, in the rows that fit above `bottom`; the rest
    counted, with the live page's address."""
    milestones = worst_first(report.milestones)
    total = len(milestones) if report.red_total is None else report.red_total
    page.y -= 18
    heading = ngettext(
        "%(count)s red milestone, the most overdue first",
        "%(count)s red milestones, the most overdue first",
        total,
    ) % {"count": total}
    page.text(page.left, page.y, heading, 12, TEXT, width=page.right - page.left)
    width = page.right - page.left
    # Column widths as shares of the line: milestone, commitment, institution, due, why.
    shares = (0.32, 0.11, 0.20, 0.15, 0.22)
    xs = [page.left]
    for share in shares[:-1]:
        xs.append(xs[-1] + width * share)
    widths = [width * share - 4 for share in shares]
    titles = (_("Milestone"), _("Commitment"), _("Lead institution"), _("Due"), _("Why"))
    page.y -= ROW + 2
    for x, w, value in zip(xs, widths, titles, strict=True):
        page.text(x, page.y, value, 8.5, MUTED, width=w)
    page.c.setStrokeColor(BORDER)
    page.c.line(page.left, page.y - 3, page.right, page.y - 3)
    if not milestones:
        page.y -= ROW
        page.text(page.left, page.y, _("No milestone is red."), 9, TEXT)
        return
    room = int((page.y - 3 - bottom) // ROW)
    shown = milestones if total <= room else milestones[: max(room - 1, 0)]
    for m in shown:
        page.y -= ROW
        lead = m.commitment.lead_institution
        cells = (
            m.title,
            m.commitment.ogp_id,
            lead.acronym or lead.name,
            _due(m),
            _why(m),
        )
        for x, w, value in zip(xs, widths, cells, strict=True):
            page.text(x, page.y, value, 8.5, TEXT, width=w)
    rest = total - len(shown)
    if rest:
        page.y -= ROW
        more = ngettext(
            "and %(count)s more: every one at %(url)s",
            "and %(count)s more: every one at %(url)s",
            rest,
        ) % {"count": rest, "url": report.report_url}
        page.text(page.left, page.y, more, 8.5, LIGHT_COLOURS["red"][0], width=width)
        page.c.linkURL(report.report_url, (page.left, page.y - 2, page.right, page.y + 9))
