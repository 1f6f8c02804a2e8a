"""Server-side SVG geometry for the cumulative chart of a state: no JavaScript, no library."""

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 36


def cumulative_chart(points):
    """Coordinates for two lines (planned, completed), the axes and their labels."""
    if not points:
        return None
    top_value = max(p["planned"] for p in points) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def xy(i, value):
        return round(LEFT + i * step, 1), round(TOP + plot_h - plot_h * value / top_value, 1)

    planned = [xy(i, p["planned"]) for i, p in enumerate(points)]
    completed = [xy(i, p["completed"]) for i, p in enumerate(points) if p["completed"] is not None]
    every = max(len(points) // 6, 1)
    labelled = [i for i in range(len(points)) if i % every == 0]
    last = len(points) - 1
    if last - labelled[-1] >= every / 2:  # label the end too, unless it would overlap
        labelled.append(last)
    x_labels = [{"x": xy(i, 0)[0], "month": points[i]["month"]} for i in labelled]
    y_ticks = sorted({0, top_value // 2, top_value})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "bottom": HEIGHT - BOTTOM,
        "right": WIDTH - RIGHT,
        "planned": " ".join(f"{x},{y}" for x, y in planned),
        "completed": " ".join(f"{x},{y}" for x, y in completed),
        "completed_points": completed,
        "x_labels": x_labels,
        "y_ticks": [{"y": xy(0, v)[1], "value": v} for v in y_ticks],
        "label_y": HEIGHT - BOTTOM + 18,
    }
