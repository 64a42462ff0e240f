"""The dashboard's SVG charts: escaped text, scaled bars, heat levels (handoffs/charts.py)."""

from __future__ import annotations

from handoffs import charts


def test_names_are_escaped_in_the_svg():
    svg = charts.times_by_row(
        [{"title": "<script>x</script>", "waiting_median": 10.0}],
        key="title",
        chart_id="c",
        title="T & co",
    )

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "T &amp; co" in svg


def test_no_style_attribute_for_the_content_security_policy():
    days = [{"date": "2026-03-02", "created": 3, "resolved": 1, "expired": 1, "rejected": 0}]
    hours = [[0] * 24 for _ in range(7)]
    hours[0][9] = 5

    for svg in (
        charts.outcomes_by_day(days, chart_id="d"),
        charts.hour_heatmap(hours, chart_id="h"),
    ):
        assert "style=" not in svg
        assert 'role="img"' in svg


def test_stacked_day_shows_each_outcome_and_the_open_rest():
    days = [{"date": "2026-03-02", "created": 4, "resolved": 1, "expired": 1, "rejected": 0}]

    svg = charts.outcomes_by_day(days, chart_id="d")

    assert "2026-03-02: 1 Resolved" in svg
    assert "2026-03-02: 2 Still open" in svg
    assert "Rejected</title>" not in svg


def test_heat_levels_are_quarters_of_the_busiest_hour():
    assert [charts.heat_level(n, 8) for n in (0, 1, 2, 3, 6, 8)] == [0, 1, 1, 2, 3, 4]
    assert charts.heat_level(0, 0) == 0


def test_nice_ceiling_and_durations():
    assert [charts.nice_ceiling(v) for v in (0, 3, 7, 12, 101)] == [1, 5, 10, 20, 200]
    assert charts.duration(None) == "–"
    assert charts.duration(45) == "45 s"
    assert charts.duration(150) == "2.5 min"
    assert charts.duration(7200) == "2.0 h"
