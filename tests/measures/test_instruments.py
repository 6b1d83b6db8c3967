"""The instruments as data (measures/instruments/*.yaml): the files read and load, every band
boundary scores as the published instruments do, reliable change follows Jacobson and Truax, and
a file that does not hold together is refused with every problem named and nothing loaded."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from measures.instruments import (
    INSTRUMENTS_DIR,
    AnswersError,
    InstrumentError,
    instruments_load,
    read_instrument,
    read_instruments,
    reliable_change,
    score,
)
from measures.models import Instrument

PHQ9 = read_instrument(INSTRUMENTS_DIR / "phq9.yaml")
GAD7 = read_instrument(INSTRUMENTS_DIR / "gad7.yaml")


def answers_totalling(spec, total: int) -> dict[int, int]:
    """Answers to every scored item adding up to `total` (each at most 3), the other items
    filled first so that a risk item stays at 0 unless the total needs it."""
    answers = {}
    left = total
    for item in sorted(spec.items, key=lambda i: i.risk):  # the risk item last
        if item.scored:
            answers[item.number] = min(3, left)
            left -= answers[item.number]
    assert left == 0, f"{total} is beyond {spec.short_title}"
    return answers


def test_the_shipped_instruments_are_phq9_and_gad7_with_their_published_items():
    specs = {spec.key: spec for spec in read_instruments()}
    assert set(specs) == {"phq9", "gad7"}
    phq9, gad7 = specs["phq9"], specs["gad7"]
    assert [item.scored for item in phq9.items] == [True] * 9 + [False]
    assert [item.scored for item in gad7.items] == [True] * 7 + [False]
    assert [item.number for item in phq9.items if item.risk] == [9]
    assert not any(item.risk for item in gad7.items)
    assert phq9.items[8].text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert gad7.items[0].text == "Feeling nervous, anxious or on edge"
    assert [(o.value, o.label) for o in phq9.items[0].options] == [
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    ]
    assert (phq9.min_total, phq9.max_total, gad7.max_total) == (0, 27, 21)
    assert {spec.licence_kind for spec in specs.values()} == {"public_domain"}


# Every band boundary of each instrument, as its authors publish them.
BOUNDARIES = [
    *(
        ("phq9", total, band)
        for total, band in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately_severe"),
            (19, "moderately_severe"),
            (20, "severe"),
            (27, "severe"),
        ]
    ),
    *(
        ("gad7", total, band)
        for total, band in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ]
    ),
]


@pytest.mark.parametrize(("key", "total", "band"), BOUNDARIES)
def test_each_band_boundary_scores_as_published(key, total, band):
    spec = {"phq9": PHQ9, "gad7": GAD7}[key]
    result = score(spec, answers_totalling(spec, total))
    assert (result.total, result.band.key) == (total, band)


def test_item_nine_above_zero_is_a_risk_answer_whatever_the_total():
    answers = dict.fromkeys(range(1, 10), 0) | {9: 1}
    result = score(PHQ9, answers)
    assert (result.total, result.band.key, result.risk_items) == (1, "minimal", (9,))
    assert score(PHQ9, dict.fromkeys(range(1, 10), 3)).risk_items == (9,)
    assert score(PHQ9, dict.fromkeys(range(1, 9), 3) | {9: 0}).risk_items == ()


def test_the_difficulty_question_is_optional_and_does_not_count():
    answers = dict.fromkeys(range(1, 10), 1)
    assert score(PHQ9, answers).total == 9
    assert score(PHQ9, answers | {10: 3}).total == 9


def test_answers_that_do_not_fit_are_refused_with_each_problem_named():
    answers = dict.fromkeys(range(1, 10), 1)
    del answers[3]
    answers[5] = 4
    answers[6] = True
    answers[12] = 0
    with pytest.raises(AnswersError) as refused:
        score(PHQ9, answers)
    assert refused.value.errors == [
        "There is no question 12.",
        "Question 3 needs an answer.",
        "Question 5: choose one of the answers given.",
        "Question 6: choose one of the answers given.",
    ]


def test_reliable_change_follows_jacobson_and_truax_worked_by_hand():
    # PHQ-9 (reliability 0.89, SD 3.52): SE = 3.52 * sqrt(0.11) = 1.16745;
    # S_diff = sqrt(2) * SE = 1.65101. 18 -> 12: -6 / 1.65101 = -3.634, beyond 1.96: improved.
    # 10 -> 13: 3 / 1.65101 = 1.817, within: no reliable change. 10 -> 14: 2.423: worsened.
    assert reliable_change(PHQ9, earlier=18, later=12) == _rc(-6, "-3.63", "improved")
    assert reliable_change(PHQ9, earlier=10, later=13) == _rc(3, "1.82", "none")
    assert reliable_change(PHQ9, earlier=10, later=14) == _rc(4, "2.42", "worsened")
    assert reliable_change(PHQ9, earlier=7, later=7) == _rc(0, "0.00", "none")
    # GAD-7 (reliability 0.92, SD 3.41): SE = 3.41 * sqrt(0.08) = 0.96449; S_diff = 1.36400.
    # 12 -> 9: -3 / 1.364 = -2.199: improved. 12 -> 10: -1.466: no reliable change.
    assert reliable_change(GAD7, earlier=12, later=9) == _rc(-3, "-2.20", "improved")
    assert reliable_change(GAD7, earlier=12, later=10) == _rc(-2, "-1.47", "none")


def _rc(change: int, index: str, direction: str):
    from measures.instruments import ReliableChange

    return ReliableChange(change=change, index=Decimal(index), direction=direction)


# --- Files that do not hold together ----------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _variant(old: str, new: str, *, key: str = "phq9") -> str:
    text = (INSTRUMENTS_DIR / f"{key}.yaml").read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "{min: 5, max: 9, key: mild",
            "{min: 6, max: 9, key: mild",
            "phq9.yaml: bands: a gap at 5: 'mild' starts at 6.",
        ),
        (
            "{min: 5, max: 9, key: mild",
            "{min: 4, max: 9, key: mild",
            "phq9.yaml: bands: an overlap at 5: 'mild' starts at 4.",
        ),
        (
            "  - min: 20\n    max: 27\n",
            "  - min: 20\n    max: 26\n",
            "phq9.yaml: bands: the last band ends at 26; the items' total runs to 27.",
        ),
        (
            "    risk: true\n",
            "    risk: true\n    scored: false\n",
            "phq9.yaml: item 9: a risk item must be scored.",
        ),
        ("key: phq9", "key: phq_nine", "phq9.yaml: key: 'phq_nine' must match the file's name"),
        ("reliability: 0.89", "reliability: 1.2", "'reliability' must be between 0 and 1."),
        ("  - {number: 2,", "  - {number: 3,", "items must be numbered 1, 2, 3... in order"),
        ("kind: public_domain", "kind: borrowed", "'kind' must be one of public_domain, licensed"),
        ("  - {value: 1, label: Several days}", "  - {value: 0, label: Several days}", "share"),
    ],
)
def test_a_file_that_does_not_hold_together_is_refused_naming_the_problem(
    tmp_path, old, new, problem
):
    _write(tmp_path, "phq9", _variant(old, new))
    with pytest.raises(InstrumentError) as refused:
        read_instruments(tmp_path)
    assert any(problem in line for line in refused.value.errors), refused.value.errors


def test_a_missing_source_for_the_reliability_is_refused(tmp_path):
    text = _variant("  reliability_source: >-\n", "  reliability_note: >-\n")
    _write(tmp_path, "phq9", text)
    with pytest.raises(InstrumentError) as refused:
        read_instruments(tmp_path)
    assert "phq9.yaml: reliable_change: 'reliability_source' is missing." in refused.value.errors


def test_every_problem_in_every_file_is_named_at_once(tmp_path):
    _write(tmp_path, "phq9", _variant("{min: 5, max: 9", "{min: 6, max: 9"))
    _write(tmp_path, "gad7", "key: [not, text\n")
    with pytest.raises(InstrumentError) as refused:
        read_instruments(tmp_path)
    assert len(refused.value.errors) == 2
    assert refused.value.errors[0].startswith("gad7.yaml: cannot be read:")
    assert refused.value.errors[1].startswith("phq9.yaml: bands: a gap at 5")


@pytest.mark.django_db
def test_the_command_loads_all_or_nothing(tmp_path, capsys):
    _write(tmp_path, "phq9", (INSTRUMENTS_DIR / "phq9.yaml").read_text(encoding="utf-8"))
    _write(tmp_path, "gad7", _variant("reliability: 0.92", "reliability: 0", key="gad7"))
    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was loaded"):
        call_command("load_instruments", str(tmp_path))
    assert "gad7.yaml: reliable_change: 'reliability' must be between 0 and 1." in (
        capsys.readouterr().err
    )
    assert not Instrument.objects.exists()

    call_command("load_instruments", "--check")
    assert capsys.readouterr().out == "OK: 2 instruments (GAD-7, PHQ-9).\n"
    assert not Instrument.objects.exists()
    call_command("load_instruments")
    assert "2 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    call_command("load_instruments")
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
    phq9 = Instrument.objects.get(key="phq9")
    assert (phq9.short_title, phq9.definition["items"][8]["risk"]) == ("PHQ-9", True)


@pytest.mark.django_db
def test_a_practice_adds_an_instrument_it_holds_a_licence_for_by_adding_a_file(tmp_path):
    licensed = (
        _variant("key: gad7", "key: calm4", key="gad7")
        .replace("kind: public_domain", "kind: licensed\n  holder: Example Practice LLC", 1)
        .replace("short_title: GAD-7", "short_title: CALM-4", 1)
    )
    _write(tmp_path, "calm4", licensed)
    report = instruments_load(read_instruments(tmp_path))
    assert report.created == 1
    assert Instrument.objects.get(key="calm4").definition["licence_holder"] == (
        "Example Practice LLC"
    )

    _write(tmp_path, "calm4", licensed.replace("  holder: Example Practice LLC\n", ""))
    with pytest.raises(InstrumentError) as refused:
        read_instruments(tmp_path)
    assert refused.value.errors == ["calm4.yaml: licence: 'holder' is missing."]


@pytest.mark.django_db
def test_changed_wording_updates_the_instrument_and_its_token(tmp_path):
    instruments_load([PHQ9])
    before = Instrument.objects.get(key="phq9").content_token
    _write(tmp_path, "phq9", _variant("Nearly every day}", "Nearly every single day}"))
    report = instruments_load(read_instruments(tmp_path))
    assert (report.created, report.updated) == (0, 1)
    assert Instrument.objects.get(key="phq9").content_token != before
