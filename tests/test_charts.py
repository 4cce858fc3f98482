"""The dashboard's SVG charts, read back with ElementTree: well-formed, accessible, escaped, phone-sized."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from web.charts import NO_DATA, Point, bar_chart, hbar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script> & "'
DAYS = [Point(f"2026-11-{day:02d}", value) for day, value in enumerate([12, 9, 0, 4.5, 7], start=1)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if "bar" in classes(rect)]


def group(root: ET.Element, *wanted: str) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if set(wanted) <= classes(g)]
    assert len(found) == 1, wanted
    return found[0]


def texts(element: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in element.iter(f"{SVG}text")]


def tooltip(element: ET.Element) -> str:
    title = element.find(f"{SVG}title")
    assert title is not None
    return title.text or ""


def desc(root: ET.Element) -> str:
    element = root.find(f"{SVG}desc")
    assert element is not None
    return element.text or ""


def every_chart(label: str = "a", title: str = "T") -> list[str]:
    points = [Point(label, 3), Point("b", 0), Point("c", 5)]
    return [
        bar_chart(title, points, unit="tin"),
        line_chart(title, {label: points, "khác": points[:2]}, unit="tin"),
        hbar_chart(title, points, unit="tin"),
    ]


def test_a_bar_chart_is_well_formed_with_one_bar_per_point_and_a_tooltip_each() -> None:
    root = parse(bar_chart("Tin nhắn mỗi ngày", DAYS, unit="tin"))
    found = bars(root)
    assert len(found) == len(DAYS)
    assert [tooltip(bar) for bar in found] == [
        "2026-11-01: 12 tin",
        "2026-11-02: 9 tin",
        "2026-11-03: 0 tin",
        "2026-11-04: 4.5 tin",
        "2026-11-05: 7 tin",
    ]


@pytest.mark.parametrize("svg", [*every_chart(), bar_chart("Trống", [])], ids=["bar", "line", "hbar", "empty"])
def test_every_chart_scales_to_a_phone_and_is_labelled_for_screen_readers(svg: str) -> None:
    root = parse(svg)
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("preserveAspectRatio") == "xMidYMid meet"
    view_box = [float(part) for part in (root.get("viewBox") or "").split()]
    assert view_box[:3] == [0, 0, 360]
    assert view_box[3] > 0
    assert root.get("role") == "img"
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    title = by_id[root.get("aria-labelledby")]
    assert title.tag == f"{SVG}title"
    assert title.text == "T" or title.text == "Trống"
    assert by_id[root.get("aria-describedby")].tag == f"{SVG}desc"
    sizes = [float(element.get("font-size", "0")) for element in root.iter(f"{SVG}text")]
    assert sizes
    assert min(sizes) >= 11


def test_bar_heights_are_proportional_to_the_values_on_one_baseline() -> None:
    values = [3.0, 12.0, 0.0, 6.0, 7.5]
    found = bars(parse(bar_chart("t", [Point(str(i), v) for i, v in enumerate(values)])))
    heights = [float(bar.get("height", "nan")) for bar in found]
    assert heights.index(max(heights)) == values.index(max(values))
    assert heights[2] == 0
    for value, height in zip(values, heights, strict=True):
        assert height == pytest.approx(heights[1] * value / 12, abs=0.02)
    bottoms = {round(float(bar.get("y", "nan")) + float(bar.get("height", "nan")), 1) for bar in found}
    assert len(bottoms) == 1


def test_hbar_lengths_are_proportional_and_the_labels_are_at_the_left() -> None:
    values = [40.0, 10.0, 0.0, 25.0]
    root = parse(hbar_chart("Chủ đề", [Point(f"intent_{i}", v) for i, v in enumerate(values)], unit="tin"))
    found = bars(root)
    assert len(found) == len(values)
    widths = [float(bar.get("width", "nan")) for bar in found]
    assert widths[2] == 0
    for value, width in zip(values, widths, strict=True):
        assert width == pytest.approx(widths[0] * value / 40, abs=0.02)
    labels = list(group(root, "y-axis").iter(f"{SVG}text"))
    assert [text.text for text in labels] == ["intent_0", "intent_1", "intent_2", "intent_3"]
    bar_left = min(float(bar.get("x", "nan")) for bar in found)
    assert all(float(text.get("x", "nan")) <= bar_left for text in labels)
    assert all(text.get("text-anchor") == "end" for text in labels)
    assert "40 tin" in texts(root)


@pytest.mark.parametrize("svg", every_chart(label=HOSTILE, title=HOSTILE), ids=["bar", "line", "hbar"])
def test_a_hostile_label_and_title_are_escaped(svg: str) -> None:
    root = parse(svg)
    assert not list(root.iter(f"{SVG}script"))
    assert not list(root.iter("script"))
    assert "<script" not in svg
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == HOSTILE
    assert HOSTILE in desc(root)
    shown = [tooltip(element) for element in root.iter() if element.tag in {f"{SVG}rect", f"{SVG}circle"}]
    assert any(HOSTILE in text for text in shown)


def test_characters_xml_cannot_carry_do_not_break_the_document() -> None:
    root = parse(bar_chart("a\x00b", [Point("\x1b[31m\ufffe\x0c", 1), Point("\ud800", 2)]))
    assert len(bars(root)) == 2


@pytest.mark.parametrize(
    "svg",
    [*every_chart(label=HOSTILE, title=HOSTILE), bar_chart("x", []), line_chart("x", {}), hbar_chart("x", [])],
    ids=["bar", "line", "hbar", "empty-bar", "empty-line", "empty-hbar"],
)
def test_no_inline_style_or_script_anywhere(svg: str) -> None:
    forbidden = {"style", "script", "foreignObject", "a", "image", "iframe"}
    for element in parse(svg).iter():
        assert element.tag.removeprefix(SVG) not in forbidden
        assert "style" not in element.attrib
        assert not [name for name in element.attrib if name.lower().startswith("on")]
        assert not [value for value in element.attrib.values() if "javascript:" in value.lower()]


@pytest.mark.parametrize(
    "svg",
    [bar_chart("x", []), line_chart("x", {}), line_chart("x", {"Tin nhắn": [], "Đã trả lời": []}), hbar_chart("x", [])],
    ids=["bar", "line", "line-of-empty-series", "hbar"],
)
def test_no_data_says_so(svg: str) -> None:
    root = parse(svg)
    assert NO_DATA == "Chưa có dữ liệu"
    assert NO_DATA in texts(root)
    assert NO_DATA in desc(root)
    assert not bars(root)
    assert not list(root.iter(f"{SVG}polyline"))


def _numbers_are_finite(root: ET.Element) -> None:
    for element in root.iter():
        if element is root:
            continue  # its width is "100%"
        for name in ("x", "y", "width", "height", "x1", "x2", "y1", "y2", "cx", "cy"):
            if (value := element.get(name)) is not None:
                assert math.isfinite(float(value)), (element.tag, name, value)
        for value in re.split(r"[ ,]", element.get("points", "")):
            if value:
                assert math.isfinite(float(value))


@pytest.mark.parametrize("chart", [bar_chart, hbar_chart])
def test_all_zero_values_draw_zero_bars_on_a_finite_axis(chart) -> None:  # type: ignore[no-untyped-def]
    root = parse(chart("Không", [Point("a", 0), Point("b", 0.0), Point("c", 0)]))
    found = bars(root)
    assert len(found) == 3
    assert {bar.get("height" if chart is bar_chart else "width") for bar in found} == {"0"}
    _numbers_are_finite(root)
    assert "1" in texts(root)


def test_a_line_chart_of_zeros_lies_on_the_baseline() -> None:
    root = parse(line_chart("Không", {"a": [Point("x", 0), Point("y", 0)]}))
    _numbers_are_finite(root)
    ys = {circle.get("cy") for circle in root.iter(f"{SVG}circle")}
    assert len(ys) == 1


def test_negative_nan_and_infinite_values_are_clamped() -> None:
    root = parse(bar_chart("x", [Point("neg", -5), Point("nan", math.nan), Point("inf", math.inf), Point("one", 1)]))
    found = bars(root)
    heights = [float(bar.get("height", "nan")) for bar in found]
    assert heights[0] == heights[1] == 0
    assert heights[2] == max(heights) > 0
    assert [tooltip(bar) for bar in found] == ["neg: 0", "nan: 0", "inf: 1000000000000000", "one: 1"]
    _numbers_are_finite(root)


def test_desc_states_the_data_in_words() -> None:
    words = desc(parse(bar_chart("Tin nhắn", DAYS, unit="tin")))
    assert words == "2026-11-01: 12 tin; 2026-11-02: 9 tin; 2026-11-03: 0 tin; 2026-11-04: 4.5 tin; 2026-11-05: 7 tin."


def test_numbers_have_no_trailing_zero_and_at_most_one_decimal() -> None:
    root = parse(bar_chart("x", [Point("a", 7.0), Point("b", 2.46), Point("c", 2.96), Point("d", 1 / 3)]))
    assert [tooltip(bar) for bar in bars(root)] == ["a: 7", "b: 2.5", "c: 3", "d: 0.3"]
    assert not [text for text in texts(root) if re.fullmatch(r"\d+\.0|\d+\.\d\d+", text)]


def test_a_long_desc_is_summarised_after_31_items() -> None:
    points = [Point(f"v{i:02d}", i) for i in range(60)]
    words = desc(parse(hbar_chart("Thôn", points)))
    assert words.startswith("60 mục, tổng 1770, cao nhất 59 (v59). v00: 0; v01: 1;")
    assert "v30: 30" in words
    assert "v31" not in words.split("(v59)")[1]
    assert words.endswith("… và 29 mục khác.")


@pytest.mark.parametrize(("largest", "top"), [(12, "20"), (0.3, "1"), (1000, "1000"), (4.5, "5"), (101, "200")])
def test_the_value_axis_ends_at_a_nice_number_with_3_to_5_gridlines(largest: float, top: str) -> None:
    root = parse(bar_chart("x", [Point("a", largest / 2), Point("b", largest)]))
    axis = group(root, "y-axis")
    assert texts(axis)[0] == "0"
    assert texts(axis)[-1] == top
    gridlines = [line for line in axis.iter(f"{SVG}line") if "gridline" in classes(line)]
    assert 3 <= len(gridlines) <= 5


@pytest.mark.parametrize("kind", ["bar", "line"])
def test_x_labels_are_thinned_to_at_most_seven_dates_as_day_and_month(kind: str) -> None:
    days = [Point(f"2026-{10 + day // 31}-{day % 31 + 1:02d}", day % 9) for day in range(60)]
    svg = bar_chart("x", days) if kind == "bar" else line_chart("x", {"Tin nhắn": days, "Đã trả lời": days[::2]})
    axis = group(parse(svg), "x-axis")
    labels = list(axis.iter(f"{SVG}text"))
    assert 2 <= len(labels) <= 7
    assert all(re.fullmatch(r"\d\d/\d\d", text.text or "") for text in labels)
    xs = [float(text.get("x", "nan")) for text in labels]
    assert all(right - left >= 5 * 11 * 0.6 for left, right in pairwise(xs))
    assert labels[0].text == "01/10"


def test_a_long_x_label_is_cut_to_its_room() -> None:
    points = [Point("một nhãn rất dài không thể vừa chỗ của nó " * 3, i) for i in range(7)]
    labels = texts(group(parse(bar_chart("x", points)), "x-axis"))
    assert len(labels) == 7
    assert all(label.endswith("…") and len(label) < 10 for label in labels)


def test_a_line_chart_has_a_legend_naming_every_series_and_a_line_each() -> None:
    days = DAYS
    series = {"Tin nhắn": days, "Đã trả lời": [Point(p.label, p.value / 2) for p in days], HOSTILE: days[:1]}
    root = parse(line_chart("Theo ngày", series, unit="tin"))
    assert texts(group(root, "legend")) == list(series)
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 3
    assert [classes(line) & {"series-0", "series-1", "series-2"} for line in lines] == [
        {"series-0"},
        {"series-1"},
        {"series-2"},
    ]
    assert len(lines[0].get("points", "").split()) == len(days)
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 5 + 5 + 1
    assert "Đã trả lời — 2026-11-04: 2.2 tin" in [tooltip(circle) for circle in circles]
    words = desc(root)
    assert "Tin nhắn — 2026-11-01: 12 tin;" in words
    assert "Đã trả lời — 2026-11-01: 6 tin;" in words


def test_a_series_missing_a_day_keeps_the_others_in_date_order() -> None:
    series = {"a": [Point("2026-11-01", 1), Point("2026-11-03", 3)], "b": [Point("2026-11-02", 2)]}
    root = parse(line_chart("x", series))
    assert texts(group(root, "x-axis")) == ["01/11", "02/11", "03/11"]
    a_xs = [float(circle.get("cx", "nan")) for circle in root.iter(f"{SVG}circle") if "series-0" in classes(circle)]
    (b_x,) = [float(circle.get("cx", "nan")) for circle in root.iter(f"{SVG}circle") if "series-1" in classes(circle)]
    assert a_xs[0] < b_x < a_xs[1]


def test_ids_differ_between_charts_and_a_chart_is_reproducible() -> None:
    charts = [
        bar_chart("Tin nhắn", DAYS),
        bar_chart("Tin nhắn", DAYS[:-1]),
        bar_chart("Đã trả lời", DAYS),
        hbar_chart("Tin nhắn", DAYS),
        line_chart("Tin nhắn", {"a": DAYS}),
        bar_chart("Tin nhắn", []),
        hbar_chart("Tin nhắn", []),
    ]
    ids = [element.get("id") for svg in charts for element in parse(svg).iter() if element.get("id")]
    assert len(ids) == 2 * len(charts)
    assert len(set(ids)) == len(ids)
    assert bar_chart("Tin nhắn", DAYS) == charts[0]


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.builds(Point, st.text(max_size=40), st.floats(min_value=0)),
        max_size=100,
    )
)
def test_any_points_give_well_formed_svg_with_one_bar_per_point(points: list[Point]) -> None:
    for chart in (bar_chart, hbar_chart):
        root = parse(chart("Bất kỳ", points, unit="tin"))
        assert len(bars(root)) == len(points)
        _numbers_are_finite(root)
        if not points:
            assert NO_DATA in texts(root)
