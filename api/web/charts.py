"""Server-rendered SVG charts and maps: geometry as plain data, drawn by the template.

No JavaScript and no tile server: a chart is a line over dates or bars per category, a map is
the table's own points projected into its bounding box. Each comes with a text alternative and
a data table on the page (docs/architecture.md, "Pages and their design system").
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

WIDTH = 640
LINE_HEIGHT = 260
MARGIN_LEFT = 56
MARGIN_RIGHT = 12
MARGIN_TOP = 12
MARGIN_BOTTOM = 40
BAR_ROW = 28
BAR_LABEL = 140
MAP_HEIGHT_MAX = 420


def _nice_top(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value``: round axis ticks."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _axis_labels(labels: list[str]) -> list[str]:
    """Short labels under the axis: the time of day when every point is on one day, the day
    and time when the points span days, the date alone for dates."""
    try:
        moments = [datetime.fromisoformat(label) for label in labels]
    except ValueError:
        return [label[:10] for label in labels]
    timed = any(len(label) > 10 for label in labels)
    if not timed:
        return [m.date().isoformat() for m in moments]
    if len({m.date() for m in moments}) == 1:
        return [m.strftime("%H:%M") for m in moments]
    return [m.strftime("%m-%d %H:%M") for m in moments]


def line_chart(points: list[tuple[str, float | int | None]]) -> dict[str, Any]:
    """A line over dates (in order); a missing value breaks the line rather than reading 0."""
    values = [None if v is None else float(v) for _, v in points]
    present = [v for v in values if v is not None]
    top = _nice_top(max(present) if present else 1.0)
    bottom = min(0.0, min(present) if present else 0.0)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = LINE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def y_of(value: float) -> float:
        return round(MARGIN_TOP + plot_h * (top - value) / ((top - bottom) or 1), 1)

    dots: list[dict[str, Any]] = []
    segments: list[str] = []
    current: list[str] = []
    label_every = max(1, math.ceil(len(points) / 6))
    shorts = _axis_labels([label for label, _ in points])
    for i, ((label, raw), value) in enumerate(zip(points, values, strict=True)):
        x = round(MARGIN_LEFT + i * step, 1)
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        y = y_of(value)
        current.append(f"{x},{y}")
        dots.append(
            {
                "x": x,
                "y": y,
                "label": label,
                "short": shorts[i],
                "value": raw,
                "show_label": i % label_every == 0,
            }
        )
    if current:
        segments.append(" ".join(current))
    ticks = [{"value": top * k / 4, "y": y_of(top * k / 4)} for k in range(5)]
    return {
        "type": "line",
        "width": WIDTH,
        "height": LINE_HEIGHT,
        "left": MARGIN_LEFT,
        "right": WIDTH - MARGIN_RIGHT,
        "axis_y": y_of(max(bottom, 0.0)),
        "label_y": LINE_HEIGHT - MARGIN_BOTTOM + 18,
        "segments": segments,
        "dots": dots,
        "ticks": ticks,
    }


def bar_chart(points: list[tuple[str, float | int | None]]) -> dict[str, Any]:
    """Horizontal bars per category, largest first as given; their labels stay readable."""
    values = [max(float(v or 0), 0.0) for _, v in points]
    top = _nice_top(max(values) if values else 1.0)
    plot_w = WIDTH - BAR_LABEL - 60
    bars = []
    for i, ((label, raw), value) in enumerate(zip(points, values, strict=True)):
        width = plot_w * value / top
        y = MARGIN_TOP + i * BAR_ROW
        bars.append(
            {
                "label": label,
                "value": raw,
                "x": BAR_LABEL,
                "y": y,
                "width": round(width, 1),
                "height": BAR_ROW - 8,
                "text_y": y + (BAR_ROW - 8) / 2 + 4,
                "value_x": round(BAR_LABEL + width + 6, 1),
            }
        )
    return {
        "type": "bars",
        "width": WIDTH,
        "height": MARGIN_TOP * 2 + BAR_ROW * len(points),
        "label_x": BAR_LABEL - 8,
        "bars": bars,
    }


QUOTA_HEIGHT = 200


def quota_chart(points: list[tuple[str, int]], limit: int | None) -> dict[str, Any]:
    """Calls per day as columns under the daily limit's line (when there is one), so a day
    near or at its quota shows at a glance. Each column's value is a count, never summed."""
    values = [max(v, 0) for _, v in points]
    top = _nice_top(max([*values, limit or 0, 1]))
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = QUOTA_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_w / max(len(points), 1)
    base = MARGIN_TOP + plot_h

    def y_of(value: float) -> float:
        return round(MARGIN_TOP + plot_h * (top - value) / top, 1)

    label_every = max(1, math.ceil(len(points) / 6))
    columns = []
    for i, (day, value) in enumerate(points):
        y = y_of(value)
        columns.append(
            {
                "x": round(MARGIN_LEFT + i * slot + slot * 0.15, 1),
                "y": y,
                "width": round(slot * 0.7, 1),
                "height": round(base - y, 1),
                "label": day,
                "short": day[5:],
                "value": value,
                # Counted back from today, so today is always labelled; its label ends at
                # the plot's right edge rather than running past it.
                "label_x": WIDTH - MARGIN_RIGHT
                if i == len(points) - 1
                else round(MARGIN_LEFT + i * slot + slot / 2, 1),
                "label_anchor": "end" if i == len(points) - 1 else "middle",
                "show_label": (len(points) - 1 - i) % label_every == 0,
                "at_limit": limit is not None and value >= limit,
            }
        )
    return {
        "width": WIDTH,
        "height": QUOTA_HEIGHT,
        "left": MARGIN_LEFT,
        "right": WIDTH - MARGIN_RIGHT,
        "base": base,
        "label_y": QUOTA_HEIGHT - MARGIN_BOTTOM + 18,
        "ticks": [{"value": top * k / 4, "y": y_of(top * k / 4)} for k in range(5)],
        "limit": limit,
        "limit_y": None if limit is None else y_of(limit),
        "columns": columns,
        "busiest": max(points, key=lambda p: p[1]) if points else None,
        "total": sum(values),
    }


def meter(used: int, limit: int | None) -> dict[str, Any] | None:
    """How much of a quota is used, as a share for a bar and a percentage for the words."""
    if limit is None:
        return None
    share = 1.0 if limit <= 0 else min(used / limit, 1.0)
    # Any use reads as at least 1 %: "0 % used" beside calls already made would be wrong.
    return {
        "used": used,
        "limit": limit,
        "percent": 0 if used <= 0 else max(1, round(share * 100)),
        "left": max(limit - used, 0),
    }


def chart_geometry(chart: dict[str, Any]) -> dict[str, Any]:
    return line_chart(chart["points"]) if chart["kind"] == "date" else bar_chart(chart["points"])


def map_geometry(places: dict[str, Any]) -> dict[str, Any]:
    """Points in their own bounding box (equirectangular, x scaled by cos(latitude))."""
    points = places["points"]
    lngs = [p[0] for p in points]
    lats = [p[1] for p in points]
    west, east, south, north = min(lngs), max(lngs), min(lats), max(lats)
    pad_x = max((east - west) * 0.08, 0.005)
    pad_y = max((north - south) * 0.08, 0.005)
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    squeeze = math.cos(math.radians((north + south) / 2))
    ratio = (north - south) / ((east - west) * squeeze)
    height = min(round(WIDTH * ratio), MAP_HEIGHT_MAX)
    width = round(height / ratio) if ratio * WIDTH > MAP_HEIGHT_MAX else WIDTH
    drawn = [
        {
            "x": round((lng - west) / (east - west) * width, 1),
            "y": round((north - lat) / (north - south) * height, 1),
            "lng": lng,
            "lat": lat,
            "label": label,
        }
        for lng, lat, label in points
    ]
    return {
        "width": width,
        "height": height,
        "points": drawn,
        "bounds": {"west": west, "east": east, "south": south, "north": north},
    }
