"""The reports' suppression rule and CSV safety, on their own (ops/selectors/reports.py,
ops/reports_csv.py)."""

import random

from ops.reports_csv import safe_cell, table_csv
from ops.selectors.reports import Cell, Table, parse_scope, suppress


def test_a_figure_under_five_is_hidden_and_its_smallest_sibling_with_it():
    values = {"total": 13, "small": 4, "big": 9}
    hidden = suppress(values, shown=values, sums=[("total", ["small", "big"])])
    assert hidden == {"small", "big"}  # 13 - 9 would give 4 away


def test_the_smallest_other_sibling_is_the_one_hidden_with_it():
    values = {"total": 40, "small": 3, "mid": 12, "big": 25}
    hidden = suppress(values, shown=values, sums=[("total", ["small", "mid", "big"])])
    assert hidden == {"small", "mid"}


def test_two_hidden_siblings_need_no_third():
    values = {"total": 30, "a": 2, "b": 3, "c": 25}
    hidden = suppress(values, shown=values, sums=[("total", ["a", "b", "c"])])
    assert hidden == {"a", "b"}


def test_a_hidden_total_is_never_the_sum_of_shown_parts():
    """The program (6) is small only through the track; a track hidden to protect its sibling
    cannot be rebuilt from its cohorts."""
    values = {
        "all": 26, "t1": 3, "t2": 23, "t2_a": 11, "t2_b": 12, "t1_a": 3,
    }  # fmt: skip
    sums = [("all", ["t1", "t2"]), ("t1", ["t1_a"]), ("t2", ["t2_a", "t2_b"])]
    hidden = suppress(values, shown=values, sums=sums)
    assert {"t1", "t2", "t1_a"} <= hidden
    assert "t2_a" in hidden  # otherwise t2 = 11 + 12 and then t1 = 26 - 23
    assert "all" not in hidden


def test_a_part_never_shown_is_protected_only_when_small():
    """Rolling enrollments are never shown on their own: 7 of them need no company; 2 do."""
    values = {"track": 27, "rolling": 7, "a": 20}
    assert suppress(values, shown={"track", "a"}, sums=[("track", ["rolling", "a"])]) == {"rolling"}
    values = {"track": 22, "rolling": 2, "a": 20}
    assert suppress(values, shown={"track", "a"}, sums=[("track", ["rolling", "a"])]) == {
        "rolling",
        "a",
    }


def test_zero_counts_as_fewer_than_five():
    values = {"total": 8, "none": 0, "some": 8}
    assert suppress(values, shown=values, sums=[("total", ["none", "some"])]) == {"none", "some"}


def test_a_row_total_does_not_give_a_hidden_cell_away():
    values = {"total": 10, "active": 6, "inactive": 4}
    hidden = suppress(values, shown=values, sums=[("total", ["active", "inactive"])])
    assert hidden == {"active", "inactive"}


def test_a_suppressed_cell_reads_fewer_than_five():
    assert Cell(None).text == "fewer than 5"
    assert Cell(12).text == "12"
    assert Cell(None, "money").text == "fewer than 5"


def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote():
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    assert safe_cell("Week 1") == "Week 1"
    table = Table(
        key="funnel", title="T", caption="", columns=["Week", "=A"],
        rows=[("=HYPERLINK(1)", [Cell(7)]), ("-2", [Cell(None)])],
    )  # fmt: skip
    text = table_csv(table, group="@group")
    assert "'=HYPERLINK(1)" in text and "'-2" in text and "'=A" in text
    assert "\r\n=" not in text and not text.startswith(("=", "@"))


def test_groups_are_read_strictly():
    assert parse_scope("all").param == "all"
    assert parse_scope("").param == "all"
    assert parse_scope("cohort-12").param == "cohort-12"
    assert parse_scope("track-3").param == "track-3"
    for bad in ("cohort-", "cohort-x", "team-1", "cohort-1-2", "cohort--1", "cohort-" + "9" * 12):
        assert parse_scope(bad) is None


def test_no_small_figure_can_be_worked_out_from_any_sum_in_random_programs():
    """Random programs (tracks of cohorts, some with rolling enrollments, rows with totals):
    every shown figure is 5 or more, and in every sum whose total is shown, a hidden small or
    protected figure always has another hidden figure beside it; a hidden total is never the
    sum of shown parts."""
    rng = random.Random(15)
    for _case in range(300):
        values, sums, shown = {}, [], set()
        tracks = []
        for t in range(rng.randint(1, 4)):
            parts = []
            for c in range(rng.randint(1, 6)):
                values[("c", t, c)] = rng.choice([0, 1, 3, 4, 5, 6, 9, 20])
                parts.append(("c", t, c))
                shown.add(("c", t, c))
            if rng.random() < 0.4:
                values[("r", t)] = rng.choice([0, 2, 4, 7, 30])
                parts.append(("r", t))
            values[("t", t)] = sum(values[p] for p in parts)
            shown.add(("t", t))
            sums.append((("t", t), parts))
            tracks.append(("t", t))
        values["all"] = sum(values[t] for t in tracks)
        shown.add("all")
        sums.append(("all", tracks))
        hidden = suppress(values, shown=shown, sums=sums)
        assert all(values[n] >= 5 for n in shown - hidden)
        small = {n for n, v in values.items() if v < 5}
        for total, parts in sums:
            hidden_parts = [p for p in parts if p in hidden]
            if total not in hidden and len(hidden_parts) == 1:
                # the one hidden part can be worked out: it must be a large unshown one
                assert hidden_parts[0] not in small and hidden_parts[0] not in shown
            if total in hidden and total in shown:
                assert hidden_parts, (total, parts)
