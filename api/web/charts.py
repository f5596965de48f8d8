"""Server-rendered SVG charts: geometry as plain data, drawn by the template (no JavaScript)."""

from __future__ import annotations

from typing import Any

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 64
MARGIN_BOTTOM = 48
MARGIN_TOP = 12


def bar_chart(points: list[tuple[str, float | int | None]]) -> dict[str, Any]:
    """Bars for ``(label, value)`` points, scaled to the largest value; negatives count as 0."""
    values = [max(float(v or 0), 0.0) for _, v in points]
    top = max(values) if values and max(values) > 0 else 1.0
    plot_width = WIDTH - MARGIN_LEFT - 8
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_width / max(len(points), 1)
    label_every = max(1, len(points) // 8)
    bars = []
    for i, ((label, raw), value) in enumerate(zip(points, values, strict=True)):
        height = plot_height * value / top
        bars.append(
            {
                "x": round(MARGIN_LEFT + i * step + step * 0.1, 1),
                "y": round(MARGIN_TOP + plot_height - height, 1),
                "width": round(step * 0.8, 1),
                "height": round(height, 1),
                "label": label,
                "value": raw,
                "show_label": i % label_every == 0,
                "label_x": round(MARGIN_LEFT + i * step + step / 2, 1),
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "axis_y": MARGIN_TOP + plot_height,
        "left": MARGIN_LEFT,
        "top_value": top,
        "label_y": HEIGHT - MARGIN_BOTTOM + 16,
    }
