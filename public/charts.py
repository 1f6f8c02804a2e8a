"""Server-side SVG geometry for the cumulative chart of an action plan: no JavaScript, no
library. Each plan has its own axis; the chart has a legend, a marker for today, and month
labels that neither overlap nor leave the frame. It is drawn twice, wide for screens and
narrow for phones (CSS shows one), so its text stays readable at 375 px."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Size:
    name: str
    width: int
    height: int
    font: int  # in the SVG's own units; the wide one is shown at about its size


SIZES = (Size("wide", 640, 300, 13), Size("narrow", 340, 280, 13))
LEGEND_ROW = 2.2  # legend height, in fonts
# Average advance of a character, in fonts: generous, so that estimated labels never touch.
CHAR = 0.62
LABEL_CHARS = 8  # "sep 2026"
LABEL_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 60)


def _nice_top(value):
    """The top of the y axis: the value rounded up to a number easy to halve."""
    for step in (2, 4, 10, 20, 50, 100, 200, 500, 1000):
        if value <= step * 5:
            return -(-value // step) * step
    return value


def _label_step(count, plot_width, font):
    """Months between labels: the smallest step that leaves a label's width and a gap
    between two neighbours."""
    room = (LABEL_CHARS * CHAR + 1.5) * font
    for step in LABEL_STEPS:
        if plot_width * step / max(count - 1, 1) >= room:
            return step
    return LABEL_STEPS[-1]


def _anchor(x, width, half, left_edge=0):
    """Text anchor keeping a label of half-width `half` centred on x inside [left_edge, width]."""
    if x - half < left_edge:
        return "start", max(x, left_edge)
    if x + half > width:
        return "end", min(x, width)
    return "middle", x


def draw(points, size, *, today):
    """Coordinates of one chart of `points` (plan_timelines) at `size`."""
    font = size.font
    left = round(font * CHAR * (len(str(max(p["planned"] for p in points))) + 1)) + 6
    right = round(font * 0.8)
    top = round(font * LEGEND_ROW + font * 1.4)
    bottom = round(font * 2.4)
    plot_w, plot_h = size.width - left - right, size.height - top - bottom
    top_value = _nice_top(max(p["planned"] for p in points) or 1)
    step = plot_w / max(len(points) - 1, 1)

    def x_of(i):
        return round(left + i * step, 1)

    def y_of(value):
        return round(top + plot_h - plot_h * value / top_value, 1)

    planned = [(x_of(i), y_of(p["planned"])) for i, p in enumerate(points)]
    completed = [
        (x_of(i), y_of(p["completed"])) for i, p in enumerate(points) if p["completed"] is not None
    ]
    every = _label_step(len(points), plot_w, font)
    # Labels on the months that fall on the step from January (or the first month).
    first = points[0]["month"]
    offset = (every - (first.month - 1) % every) % every if every in (2, 3, 4, 6, 12) else 0
    half = LABEL_CHARS * CHAR * font / 2
    x_labels, last_end = [], float("-inf")
    for i in range(offset, len(points), every):
        anchor, x = _anchor(x_of(i), size.width - 1, half)
        start = {"start": x, "middle": x - half, "end": x - 2 * half}[anchor]
        if start < last_end + font * 0.8:
            continue  # moved in from an edge, it would touch its neighbour: left out
        x_labels.append({"x": x, "anchor": anchor, "month": points[i]["month"], "from": start})
        last_end = start + 2 * half
    ticks = [0, top_value // 2, top_value] if top_value > 1 else [0, 1]
    chart = {
        "size": size.name,
        "width": size.width,
        "height": size.height,
        "export_height": size.height + 18,  # the downloaded file adds a line of credit
        "font": font,
        "left": left,
        "right": size.width - right,
        "top": top,
        "bottom": size.height - bottom,
        "planned": " ".join(f"{x},{y}" for x, y in planned),
        "completed": " ".join(f"{x},{y}" for x, y in completed),
        "completed_points": completed,
        "x_labels": x_labels,
        "label_y": size.height - bottom + round(font * 1.5),
        "y_ticks": [{"y": y_of(v), "value": v} for v in ticks],
        "legend_y": round(font * 1.2),
        "legend": _legend(font),
        "dot_r": round(font * 0.22, 1),
        "today": None,
    }
    start, end = points[0]["month"], points[-1]["month"]
    if start <= today and today <= (end + dt.timedelta(days=31)).replace(day=1):
        # Within its month: the month's point is its last day, so day 1 is nearly a step back.
        i = (today.year - start.year) * 12 + today.month - start.month
        days = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - today
        x = round(x_of(i) - step * (days.days - 1) / 31, 1)
        x = min(max(x, left), size.width - right)
        anchor, label_x = _anchor(x, size.width - 1, font * 1.2)
        chart["today"] = {"x": x, "label_x": label_x, "anchor": anchor, "y": top - font * 0.4}
    return chart


def _legend(font):
    """Where the two entries of the legend go (their words are in the template)."""
    return {
        "planned_x": 0,
        "planned_text_x": round(font * 2.4),
        "completed_x": round(font * 14),
        "completed_text_x": round(font * 16.4),
        "line_y": round(font * 0.8),
        "sample_width": round(font * 2),
    }


def plan_charts(timelines, *, today):
    """Each plan's chart in every size: [{"plan", "points", "charts": [wide, narrow]}]."""
    return [
        {
            "key": str(t.plan.number),
            "plan": t.plan,
            "points": t.points,
            "charts": [draw(t.points, size, today=today) for size in SIZES],
            "planned": t.points[-1]["planned"],
            # Completed so far: the plan may end after today.
            "completed": max(p["completed"] or 0 for p in t.points),
        }
        for t in timelines
    ]


# The site's font, as TrueType (bin/vendor-static unpacks it from the web font), so that a
# picture drawn on the server is the one the page shows, whatever fonts the machine has.
PICTURE_FONT = Path(__file__).resolve().parent / "fonts" / "atkinson-hyperlegible-next-latin.ttf"


def to_png(svg, *, scale=2):
    """A standalone chart SVG drawn as PNG, `scale` times its pixels (sharp on slides).

    resvg (resvg-py, a wheel with no system library) draws it without a browser, with the
    site's font only: no system font is read, so every machine draws the same picture. Only
    our own SVG reaches it, and it names no file or address to fetch.
    """
    import resvg_py

    png = resvg_py.svg_to_bytes(
        svg_string=svg,
        zoom=scale,
        font_files=[str(PICTURE_FONT)],
        skip_system_fonts=True,
        font_family="Atkinson Hyperlegible Next",
        sans_serif_family="Atkinson Hyperlegible Next",
    )
    return bytes(png)


SPARK_WIDTH, SPARK_HEIGHT = 96, 24


def sparkline(history, *, days, today, width=SPARK_WIDTH, height=SPARK_HEIGHT):
    """A small line of a count over the last `days` days ([(date, value)], oldest first), on
    a time axis (a missed day leaves a longer segment, not a false step) from 0 to its largest
    value; None with fewer than two points."""
    if len(history) < 2:
        return None
    start = today - dt.timedelta(days=days)
    top = max(value for _day, value in history) or 1
    pad = 2

    def x_of(day):
        return round(pad + (width - 2 * pad) * (day - start).days / days, 1)

    def y_of(value):
        return round(height - pad - (height - 2 * pad) * value / top, 1)

    points = [(x_of(day), y_of(value)) for day, value in history]
    return {
        "width": width,
        "height": height,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "last": points[-1],
        "first_value": history[0][1],
        "last_value": history[-1][1],
        "first_date": history[0][0],
    }
