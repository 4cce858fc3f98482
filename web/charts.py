"""Server-side SVG charts for the admin dashboard: pure functions from data to an ``<svg>`` string.

Phone first: the drawing is 360 units wide and scales with the page (``width="100%"`` and a
``viewBox``), so its 11-unit text is about 11 px on a 360-px screen. Accessible: ``role="img"``,
labelled by its ``<title>`` and described by a ``<desc>`` that reads the data out in words. The
dashboard's Content-Security-Policy forbids inline styles and scripts, so colours are presentation
attributes (``fill``, ``stroke``), which the page's stylesheet may override through the classes
(``chart``, ``bar``, ``axis``, ``grid``, ``series-N``, ``legend``, ``empty``...).

Titles, series names and labels come in the page's language; the words the charts add themselves (the
empty chart's text, the summary of a long description) are Vietnamese msgids translated with the
``gettext`` function given (Vietnamese by default).

Labels come from user-editable data: every string is stripped of characters XML cannot carry and
escaped. Values are clamped to [0, 10^15] (NaN counts as 0). Ids are derived from a hash of the
chart's kind, title, unit and data, so two different charts on a page never share one.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.language.i18n import N_, Translate

__all__ = ["NO_DATA", "WIDTH", "Point", "bar_chart", "hbar_chart", "line_chart"]

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 360
NO_DATA = N_("Chưa có dữ liệu")  # shown as gettext(NO_DATA)

_PAD = 8
_FONT = 11
_TITLE_FONT = 14
_LEGEND_FONT = 12
_PLOT_HEIGHT = 150
_MAX_BAR_WIDTH = 40
_HBAR_ROW = 22
_HBAR_THICKNESS = 14
_MAX_X_LABELS = 7
_MAX_DESC_ITEMS = 31
_MAX_VALUE = 1e15

_TEXT = "#222222"
_MUTED = "#555555"
_GRID = "#dddddd"
_AXIS = "#888888"
# Okabe-Ito: told apart with the common colour-vision deficiencies; dashes help in grey print too.
_PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
_DASHES = ("", "6 3", "2 2", "8 3 2 3")

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_Data = list[tuple[str, float]]
_Attrs = Mapping[str, object]  # numbers are drawn as coordinates, anything else as escaped text


def _vietnamese(message: str) -> str:
    return message


@dataclass(frozen=True)
class Point:
    label: str  # e.g. "2026-11-03" or an intent id
    value: float


def bar_chart(title: str, points: Sequence[Point], *, unit: str = "", gettext: Translate = _vietnamese) -> str:
    """Vertical bars, one per point (e.g. messages per day); returns an <svg> element as a string."""
    data = _clean(points)
    chart_id = _chart_id("bar", title, unit, data)
    if not data:
        return _empty("bar", chart_id, title, gettext)
    plot_top = 32 + (16 if unit else 0)
    plot_bottom = plot_top + _PLOT_HEIGHT
    axis_top, intervals = _nice_axis(max(value for _, value in data))
    left = _plot_left(axis_top, intervals)
    right = WIDTH - _PAD
    slot = (right - left) / len(data)
    bar_width = min(slot * 0.8, _MAX_BAR_WIDTH)
    bars = []
    for index, (label, value) in enumerate(data):
        height = _PLOT_HEIGHT * min(value / axis_top, 1.0)
        attrs = {
            "class": "bar",
            "x": left + index * slot + (slot - bar_width) / 2,
            "y": plot_bottom - height,
            "width": bar_width,
            "height": height,
            "fill": _PALETTE[0],
        }
        bars.append(_group("rect", attrs, [_el("title", {}, _tooltip(label, value, unit))]))
    body = [
        *_unit_caption(unit, left, plot_top),
        _y_grid(left, right, plot_top, plot_bottom, axis_top, intervals),
        _group("g", {"class": "bars"}, bars),
        _x_axis([label for label, _ in data], left, right, plot_bottom),
    ]
    return _svg("bar", chart_id, title, _describe(data, unit, gettext), plot_bottom + 24, body)


def line_chart(
    title: str, series: Mapping[str, Sequence[Point]], *, unit: str = "", gettext: Translate = _vietnamese
) -> str:
    """One polyline per named series over the same labels (e.g. messages and answered per day), with a legend.

    The x axis is every label of every series (in order of first appearance, or in date order when
    all are ISO dates); a series without a value for a label skips it. A label given twice in one
    series keeps its last value; a series without points is named in the legend but draws no line.
    """
    named = [(str(name), _clean(points)) for name, points in series.items()]
    chart_id = _chart_id("line", title, unit, named)
    labels = _shared_labels(named)
    if not labels:
        return _empty("line", chart_id, title, gettext)
    legend, legend_bottom = _legend([name for name, _ in named], 30)
    plot_top = legend_bottom + 10 + (16 if unit else 0)
    plot_bottom = plot_top + _PLOT_HEIGHT
    axis_top, intervals = _nice_axis(max(value for _, data in named for _, value in data))
    left = _plot_left(axis_top, intervals)
    right = WIDTH - _PAD
    slot = (right - left) / len(labels)
    position = {label: index for index, label in enumerate(labels)}
    radius = 3 if len(labels) <= _MAX_DESC_ITEMS else 2
    lines = []
    for number, (name, data) in enumerate(named):
        values = dict(data)
        if not values:
            continue
        color = _PALETTE[number % len(_PALETTE)]
        coords = [
            (
                left + (position[label] + 0.5) * slot,
                plot_bottom - _PLOT_HEIGHT * min(value / axis_top, 1.0),
                label,
                value,
            )
            for label, value in sorted(values.items(), key=lambda item: position[item[0]])
        ]
        line_attrs: dict[str, object] = {
            "class": f"line series-{number}",
            "points": " ".join(f"{_n(x)},{_n(y)}" for x, y, _, _ in coords),
            "fill": "none",
            "stroke": color,
            "stroke-width": 2,
            "stroke-linejoin": "round",
        }
        if dash := _DASHES[number % len(_DASHES)]:
            line_attrs["stroke-dasharray"] = dash
        marks = [
            _group(
                "circle",
                {"class": f"point series-{number}", "cx": x, "cy": y, "r": radius, "fill": color},
                [_el("title", {}, f"{name} — {_tooltip(label, value, unit)}")],
            )
            for x, y, label, value in coords
        ]
        lines.append(_group("g", {"class": f"series series-{number}"}, [_el("polyline", line_attrs), *marks]))
    description = " ".join(f"{name} — {_describe(data, unit, gettext)}" for name, data in named)
    body = [
        legend,
        *_unit_caption(unit, left, plot_top),
        _y_grid(left, right, plot_top, plot_bottom, axis_top, intervals),
        _group("g", {"class": "lines"}, lines),
        _x_axis(labels, left, right, plot_bottom),
    ]
    return _svg("line", chart_id, title, description, plot_bottom + 24, body)


def hbar_chart(title: str, points: Sequence[Point], *, unit: str = "", gettext: Translate = _vietnamese) -> str:
    """Horizontal bars with the label at the left (top intents, rating distribution, villages)."""
    data = _clean(points)
    chart_id = _chart_id("hbar", title, unit, data)
    if not data:
        return _empty("hbar", chart_id, title, gettext)
    axis_top, intervals = _nice_axis(max(value for _, value in data))
    values_text = [_with_unit(value, unit) for _, value in data]
    label_width = min(max(_text_width(_display(label), _FONT) for label, _ in data), 0.42 * (WIDTH - 2 * _PAD))
    value_width = min(max(_text_width(text, _FONT) for text in values_text), 80)
    left = _PAD + label_width + 6
    right = WIDTH - _PAD - value_width - 4
    span = right - left
    rows_top = 32
    rows_bottom = rows_top + len(data) * _HBAR_ROW
    labels, bars = [], []
    for index, ((label, value), value_text) in enumerate(zip(data, values_text, strict=True)):
        row_top = rows_top + index * _HBAR_ROW
        middle = row_top + _HBAR_ROW / 2
        length = span * min(value / axis_top, 1.0)
        label_attrs = {"x": left - 6, "y": middle + 4, "font-size": _FONT, "text-anchor": "end", "fill": _TEXT}
        labels.append(_el("text", label_attrs, _fit(label, label_width, _FONT)))
        bar_attrs = {
            "class": "bar",
            "x": left,
            "y": middle - _HBAR_THICKNESS / 2,
            "width": length,
            "height": _HBAR_THICKNESS,
            "fill": _PALETTE[0],
        }
        bars.append(_group("rect", bar_attrs, [_el("title", {}, _tooltip(label, value, unit))]))
        value_attrs = {"class": "value", "x": left + length + 4, "y": middle + 4, "font-size": _FONT, "fill": _MUTED}
        bars.append(_el("text", value_attrs, _fit(value_text, WIDTH - left - length - 6, _FONT)))
    body = [
        _x_grid(left, right, rows_top, rows_bottom, axis_top, intervals),
        _group("g", {"class": "axis y-axis"}, labels),
        _group("g", {"class": "bars"}, bars),
    ]
    return _svg("hbar", chart_id, title, _describe(data, unit, gettext), rows_bottom + 24, body)


# --- data ------------------------------------------------------------------------------------------


def _clean(points: Iterable[Point]) -> _Data:
    return [(str(point.label), _clamp(point.value)) for point in points]


def _clamp(value: float) -> float:
    """Negative and NaN become 0, anything above 10^15 (infinity too) becomes 10^15."""
    if not value > 0:
        return 0.0
    return min(float(value), _MAX_VALUE)


def _shared_labels(named: list[tuple[str, _Data]]) -> list[str]:
    labels = list(dict.fromkeys(label for _, data in named for label, _ in data))
    if all(_ISO_DATE.fullmatch(label) for label in labels):
        labels.sort()
    return labels


def _chart_id(kind: str, title: str, unit: str, data: object) -> str:
    digest = hashlib.sha256(repr((kind, title, unit, data)).encode("utf-8", "backslashreplace")).hexdigest()
    return f"chart-{digest[:12]}"


def _nice_axis(largest: float) -> tuple[float, int]:
    """The axis maximum (1, 2 or 5 × 10^k, at least 1) and how many gridline intervals divide it (4 or 5)."""
    if largest <= 1:
        return 1.0, 5
    scale = 10.0 ** math.floor(math.log10(largest))
    for mantissa, intervals in ((1, 5), (2, 4), (5, 5)):
        if largest <= mantissa * scale:
            return mantissa * scale, intervals
    return 10 * scale, 5


# --- words ------------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    """12 -> "12", 2.25 -> "2.2", 2.96 -> "3": no trailing ".0", at most one decimal."""
    rounded = round(value, 1)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}"


def _with_unit(value: float, unit: str) -> str:
    return f"{_fmt(value)} {unit}" if unit else _fmt(value)


def _tooltip(label: str, value: float, unit: str) -> str:
    return f"{label}: {_with_unit(value, unit)}"


def _describe(data: _Data, unit: str, gettext: Translate = _vietnamese) -> str:
    """The data in words: every item up to 31, beyond that a summary (count, total, max) and the first 31."""
    if not data:
        return f"{gettext(NO_DATA)}."
    items = "; ".join(_tooltip(label, value, unit) for label, value in data[:_MAX_DESC_ITEMS])
    if len(data) <= _MAX_DESC_ITEMS:
        return f"{items}."
    total = sum(value for _, value in data)
    top_label, top_value = max(data, key=lambda item: item[1])
    summary = gettext("{count} mục, tổng {total}, cao nhất {top} ({label}).").format(
        count=len(data), total=_with_unit(total, unit), top=_with_unit(top_value, unit), label=top_label
    )
    rest = gettext("{items}; … và {count} mục khác.").format(items=items, count=len(data) - _MAX_DESC_ITEMS)
    return f"{summary} {rest}"


def _display(label: str) -> str:
    """The label as drawn: whitespace collapsed, composed accents, dates as DD/MM."""
    label = " ".join(unicodedata.normalize("NFC", label).split())
    if match := _ISO_DATE.fullmatch(label):
        return f"{match[3]}/{match[2]}"
    return label


def _text_width(text: str, size: float) -> float:
    """A generous estimate of the drawn width: 0.6 em a character, 1 em for wide (CJK) ones, 0 for marks."""
    em = 0.0
    for char in text:
        if unicodedata.category(char) in {"Mn", "Me", "Cf"}:
            continue
        em += 1.0 if unicodedata.east_asian_width(char) in {"W", "F"} else 0.6
    return em * size


def _fit(label: str, width: float, size: float) -> str:
    """The label as drawn, cut with an ellipsis to fit the width ("" when not even that fits)."""
    text = _display(label)
    if _text_width(text, size) <= width:
        return text
    text = text[: int(width / (0.3 * size)) + 2]
    while text and _text_width(f"{text}…", size) > width:
        text = text[:-1]
    return f"{text.rstrip()}…" if text else ""


# --- drawing ----------------------------------------------------------------------------------------


def _n(number: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never "-0"."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _escape(text: str) -> str:
    return html.escape(_NOT_XML.sub("\ufffd", text), quote=True)


def _open(name: str, attrs: _Attrs) -> str:
    rendered = "".join(
        f' {key}="{_n(value) if isinstance(value, int | float) else _escape(str(value))}"'
        for key, value in attrs.items()
    )
    return f"<{name}{rendered}"


def _el(name: str, attrs: _Attrs, text: str | None = None) -> str:
    """An element holding (escaped) text, or an empty one."""
    if text is None:
        return f"{_open(name, attrs)}/>"
    return f"{_open(name, attrs)}>{_escape(text)}</{name}>"


def _group(name: str, attrs: _Attrs, children: Iterable[str]) -> str:
    """An element holding already-rendered children."""
    return f"{_open(name, attrs)}>{''.join(children)}</{name}>"


def _svg(kind: str, chart_id: str, title: str, description: str, height: float, body: list[str]) -> str:
    attrs = {
        "xmlns": SVG_NS,
        "class": f"chart chart-{kind}",
        "viewBox": f"0 0 {WIDTH} {_n(height)}",
        "width": "100%",
        "preserveAspectRatio": "xMidYMid meet",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title",
        "aria-describedby": f"{chart_id}-desc",
    }
    heading_attrs = {
        "class": "chart-title",
        "x": _PAD,
        "y": 20,
        "font-size": _TITLE_FONT,
        "font-weight": "bold",
        "fill": _TEXT,
    }
    children = [
        _el("title", {"id": f"{chart_id}-title"}, title),
        _el("desc", {"id": f"{chart_id}-desc"}, description),
        _el("text", heading_attrs, _fit(title, WIDTH - 2 * _PAD, _TITLE_FONT)),
        *body,
    ]
    return _group("svg", attrs, children)


def _empty(kind: str, chart_id: str, title: str, gettext: Translate) -> str:
    attrs = {"class": "empty", "x": WIDTH / 2, "y": 66, "font-size": 13, "text-anchor": "middle", "fill": _MUTED}
    return _svg(kind, chart_id, title, f"{gettext(NO_DATA)}.", 100, [_el("text", attrs, gettext(NO_DATA))])


def _unit_caption(unit: str, left: float, plot_top: float) -> list[str]:
    if not unit:
        return []
    attrs = {"class": "unit", "x": left, "y": plot_top - 8, "font-size": _FONT, "fill": _MUTED}
    return [_el("text", attrs, _fit(unit, WIDTH - left - _PAD, _FONT))]


def _ticks(axis_top: float, intervals: int) -> list[str]:
    return [_fmt(axis_top * index / intervals) for index in range(intervals + 1)]


def _plot_left(axis_top: float, intervals: int) -> float:
    return _PAD + max(_text_width(tick, _FONT) for tick in _ticks(axis_top, intervals)) + 6


def _y_grid(left: float, right: float, top: float, bottom: float, axis_top: float, intervals: int) -> str:
    """Horizontal gridlines with their values at the left, the zero line drawn as the axis."""
    parts = []
    for index, tick in enumerate(_ticks(axis_top, intervals)):
        y = bottom - (bottom - top) * index / intervals
        line = {"class": "axis-line" if index == 0 else "gridline", "x1": left, "x2": right, "y1": y, "y2": y}
        parts.append(_el("line", {**line, "stroke": _AXIS if index == 0 else _GRID, "stroke-width": 1}))
        label = {"class": "tick", "x": left - 4, "y": y + 4, "font-size": _FONT, "text-anchor": "end", "fill": _MUTED}
        parts.append(_el("text", label, tick))
    return _group("g", {"class": "grid axis y-axis"}, parts)


def _x_grid(left: float, right: float, top: float, bottom: float, axis_top: float, intervals: int) -> str:
    """Vertical gridlines with their values below, thinned when the values would touch."""
    ticks = _ticks(axis_top, intervals)
    spacing = (right - left) / intervals
    stride = 1
    while max(_text_width(tick, _FONT) for tick in ticks) + 4 > spacing * stride and stride < intervals:
        stride += 1
    parts = []
    for index, tick in enumerate(ticks):
        x = left + spacing * index
        line = {"class": "axis-line" if index == 0 else "gridline", "x1": x, "x2": x, "y1": top, "y2": bottom}
        parts.append(_el("line", {**line, "stroke": _AXIS if index == 0 else _GRID, "stroke-width": 1}))
        if index % stride == 0:
            label = {"class": "tick", "x": x, "y": bottom + 14, "font-size": _FONT, "text-anchor": "middle"}
            parts.append(_el("text", {**label, "fill": _MUTED}, tick))
    return _group("g", {"class": "grid axis x-axis"}, parts)


def _x_axis(labels: Sequence[str], left: float, right: float, bottom: float) -> str:
    """At most seven labels under the plot, each cut to the room it has so that none touch."""
    slot = (right - left) / len(labels)
    stride = math.ceil(len(labels) / _MAX_X_LABELS)
    parts = []
    for index in range(0, len(labels), stride):
        x = left + (index + 0.5) * slot
        room = min(stride * slot, 2 * x, 2 * (WIDTH - x)) - 4
        if text := _fit(labels[index], room, _FONT):
            attrs = {"x": x, "y": bottom + 15, "font-size": _FONT, "text-anchor": "middle", "fill": _TEXT}
            parts.append(_el("text", attrs, text))
    return _group("g", {"class": "axis x-axis"}, parts)


def _legend(names: Sequence[str], top: float) -> tuple[str, float]:
    """The series' names with a sample of their line, wrapped into rows; returns it and its bottom."""
    items = []
    x, y = float(_PAD), top + 12
    for number, name in enumerate(names):
        text = _fit(name, WIDTH - 2 * _PAD - 26, _LEGEND_FONT)
        width = 26 + _text_width(text, _LEGEND_FONT)
        if x > _PAD and x + width > WIDTH - _PAD:
            x, y = float(_PAD), y + 18
        sample: dict[str, object] = {
            "x1": x,
            "x2": x + 20,
            "y1": y - 4,
            "y2": y - 4,
            "stroke": _PALETTE[number % len(_PALETTE)],
            "stroke-width": 3,
        }
        if dash := _DASHES[number % len(_DASHES)]:
            sample["stroke-dasharray"] = dash
        label = {"x": x + 26, "y": y, "font-size": _LEGEND_FONT, "fill": _TEXT}
        items.append(
            _group("g", {"class": f"legend-item series-{number}"}, [_el("line", sample), _el("text", label, text)])
        )
        x += width + 14
    return _group("g", {"class": "legend"}, items), y + 6
