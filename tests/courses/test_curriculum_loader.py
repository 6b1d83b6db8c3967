"""load_curriculum: validate first (file and line), load all or nothing, re-run safely."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from courses.models import Lesson, LessonProgress, Module, Program, Track, WorksheetResponse
from tests.factories import EnrollmentFactory

REPO_CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum" / "e-hab-iop"


def write_module(folder: Path, slug: str, week: int, **overrides):
    folder.mkdir(parents=True)
    data = {
        "slug": slug,
        "week": week,
        "title": f"Week {week}",
        "domain": "orientation",
        "summary": "A summary.",
        "asks": "About half an hour.",
        "minutes": 30,
        "trauma_intense": False,
        "content_note": "",
        "lessons": [
            {"slug": "read", "title": "Read", "kind": "reading", "file": "01.md", "minutes": 10},
            {
                "slug": "sheet",
                "title": "Sheet",
                "kind": "worksheet",
                "file": "02.md",
                "minutes": 20,
                "prompts": [{"key": "one", "label": "One thing", "kind": "textarea"}],
            },
        ],
    }
    data.update(overrides)
    (folder / "module.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (folder / "01.md").write_text("Some words for this week.\n")
    (folder / "02.md").write_text("Write a little.\n")


@pytest.fixture
def curriculum(tmp_path) -> Path:
    root = tmp_path / "cur"
    root.mkdir()
    (root / "program.yaml").write_text(
        yaml.safe_dump(
            {
                "slug": "demo",
                "title": "Demo program",
                "disclaimer": "Educational support, not a substitute.",
                "tracks": [
                    {
                        "slug": "two-weeks",
                        "title": "Two weeks",
                        "audience": "client",
                        "weeks": 2,
                        "release_weekday": 0,
                        "release_time": "06:00",
                        "modules": ["modules/w1", "modules/w2"],
                    }
                ],
            },
            sort_keys=False,
        )
    )
    write_module(root / "modules" / "w1", "w1", 1)
    write_module(root / "modules" / "w2", "w2", 2)
    return root


def run(folder, *args):
    out, err = StringIO(), StringIO()
    call_command("load_curriculum", str(folder), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_valid_curriculum_loads_everything(db, curriculum):
    out, _ = run(curriculum)
    assert "1 tracks, 2 modules, 4 lessons" in out
    assert Program.objects.get().slug == "demo"
    assert Track.objects.get().weeks == 2
    assert Lesson.objects.count() == 4
    assert Lesson.objects.get(slug="read", module__week=1).body_html == (
        "<p>Some words for this week.</p>"
    )


def test_check_validates_and_writes_nothing(db, curriculum):
    out, _ = run(curriculum, "--check")
    assert out.startswith("OK")
    assert not Program.objects.exists()


def test_a_second_run_changes_nothing(db, curriculum):
    run(curriculum)
    out, _ = run(curriculum)
    assert "0 created, 0 updated" in out


def test_errors_name_the_file_and_line_and_nothing_is_loaded(db, curriculum):
    module_yaml = curriculum / "modules" / "w2" / "module.yaml"
    data = yaml.safe_load(module_yaml.read_text())
    data["trauma_intense"] = True
    data["lessons"][1]["prompts"] = []
    data["lessons"][0]["kind"] = "podcast"
    module_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    (curriculum / "modules" / "w1" / "01.md").unlink()
    with pytest.raises(CommandError, match="nothing was loaded"):
        run(curriculum)
    assert not Program.objects.exists()
    assert not Module.objects.exists()


def test_each_problem_is_reported_with_its_location(db, curriculum, capsys):
    module_yaml = curriculum / "modules" / "w2" / "module.yaml"
    text = module_yaml.read_text().replace("trauma_intense: false", "trauma_intense: true")
    text = text.replace("kind: reading", "kind: podcast")
    module_yaml.write_text(text)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_curriculum", str(curriculum), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    podcast_line = next(i for i, line in enumerate(text.splitlines(), start=1) if "podcast" in line)
    assert any(
        line.startswith("modules/w2/module.yaml:1:") and "content_note" in line for line in lines
    ), lines
    # The lesson mapping starts on the line of its first key ("- slug: read").
    assert any(
        "modules/w2/module.yaml:" in line and "'kind' must be one of" in line for line in lines
    ), lines
    kind_error = next(line for line in lines if "'kind' must be one of" in line)
    reported = int(kind_error.split(":")[1])
    assert reported <= podcast_line <= reported + 3


def test_broken_yaml_is_reported_with_its_line(db, curriculum):
    (curriculum / "modules" / "w1" / "module.yaml").write_text("slug: w1\nweek: [1\n")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_curriculum", str(curriculum), stdout=StringIO(), stderr=err)
    assert "modules/w1/module.yaml:" in err.getvalue()
    assert "invalid YAML" in err.getvalue()


def test_a_rerun_after_edits_keeps_progress_and_writing(db, curriculum, client_a):
    run(curriculum)
    track = Track.objects.get()
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    sheet = Lesson.objects.get(module__week=1, slug="sheet")
    LessonProgress.objects.create(enrollment=enrollment, lesson=sheet, suds_before=4)
    WorksheetResponse.objects.create(enrollment=enrollment, lesson=sheet, answers={"one": "kept"})
    # Retitle a lesson and drop the reading from week 1.
    module_yaml = curriculum / "modules" / "w1" / "module.yaml"
    data = yaml.safe_load(module_yaml.read_text())
    data["lessons"] = [dict(data["lessons"][1], title="A new title")]
    module_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    out, _ = run(curriculum)
    assert "1 retired" in out
    sheet.refresh_from_db()
    assert sheet.title == "A new title"
    assert LessonProgress.objects.get(lesson=sheet).suds_before == 4
    assert WorksheetResponse.objects.get(lesson=sheet).answers == {"one": "kept"}
    reading = Lesson.objects.get(module__week=1, slug="read")
    assert reading.retired_at is not None  # retired, not deleted


def test_a_path_outside_the_folder_is_refused(db, curriculum):
    program = curriculum / "program.yaml"
    program.write_text(program.read_text().replace("modules/w2", "../../etc"))
    with pytest.raises(CommandError):
        run(curriculum)


def test_the_real_curriculum_is_valid(db):
    out, _ = run(REPO_CURRICULUM, "--check")
    assert out.startswith("OK: 3 tracks")


def test_a_change_gives_the_track_a_new_content_token_and_a_no_op_keeps_it(db, curriculum):
    from courses.content import track_structure

    run(curriculum)
    token = Track.objects.get().content_token
    run(curriculum)
    assert Track.objects.get().content_token == token
    assert [m.title for m in track_structure(track=Track.objects.get())] == ["Week 1", "Week 2"]
    module_yaml = curriculum / "modules" / "w2" / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace("title: Week 2", "title: Renamed"))
    run(curriculum)
    track = Track.objects.get()
    assert track.content_token != token
    # The cached structure follows the new token.
    assert [m.title for m in track_structure(track=track)] == ["Week 1", "Renamed"]


def _safety_sheet(**lesson):
    """A worksheet lesson that fills the safety plan, with `lesson` overriding its fields."""
    return {
        "slug": "plan",
        "title": "Plan",
        "kind": "worksheet",
        "file": "02.md",
        "minutes": 20,
        "fills": "safety_plan",
        "prompts": [
            {"key": "signs", "label": "Signs", "fills": "warning_signs"},
            {"key": "why", "label": "Why", "fills": "reasons", "kind": "text"},
            {"key": "note", "label": "Anything else"},
        ],
        **lesson,
    }


def test_a_worksheet_that_fills_the_safety_plan_is_loaded_with_its_sections(db, curriculum):
    write_module(curriculum / "modules" / "w3", "w3", 2, lessons=[_safety_sheet()])
    program = curriculum / "program.yaml"
    program.write_text(program.read_text().replace("modules/w2", "modules/w3"))
    run(curriculum)
    lesson = Lesson.objects.get(slug="plan")
    assert lesson.fills == "safety_plan"
    assert [(p["key"], p.get("fills"), p.get("max_length")) for p in lesson.prompts] == [
        ("signs", "warning_signs", 4000),
        ("why", "reasons", 4000),
        ("note", None, None),
    ]
    assert Lesson.objects.get(slug="sheet").fills == ""


@pytest.mark.parametrize(
    ("lesson", "message"),
    [
        ({"fills": "journal"}, "'fills' must be one of ['dsap', 'safety_plan']"),
        ({"kind": "reflection"}, "only a worksheet lesson may have 'fills'"),
        (
            {"prompts": [{"key": "a", "label": "A", "fills": "hopes"}]},
            "'fills' must be one of ['warning_signs', 'coping', 'people_places'",
        ),
        (
            {
                "prompts": [
                    {"key": "a", "label": "A", "fills": "reasons"},
                    {"key": "b", "label": "B", "fills": "reasons"},
                ]
            },
            "section 'reasons' is filled by two prompts",
        ),
        (
            {"prompts": [{"key": "a", "label": "A", "fills": "reasons", "kind": "scale"}]},
            "a scale cannot fill a section",
        ),
        ({"prompts": [{"key": "a", "label": "A"}]}, "needs a prompt with 'fills'"),
        (
            {"fills": None, "prompts": [{"key": "a", "label": "A", "fills": "reasons"}]},
            "a prompt may have 'fills' only in a lesson with 'fills'",
        ),
    ],
)
def test_a_wrong_fills_marker_is_reported_and_nothing_is_loaded(db, curriculum, lesson, message):
    write_module(curriculum / "modules" / "w3", "w3", 2, lessons=[_safety_sheet(**lesson)])
    program = curriculum / "program.yaml"
    program.write_text(program.read_text().replace("modules/w2", "modules/w3"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_curriculum", str(curriculum), stdout=StringIO(), stderr=err)
    assert message in err.getvalue()
    assert not Lesson.objects.exists()


def _dsap_sheet(**lesson):
    """A worksheet lesson that fills the daily plan (DSAP), with `lesson` overriding its fields."""
    return {
        "slug": "daily-plan",
        "title": "Daily plan",
        "kind": "worksheet",
        "file": "02.md",
        "minutes": 20,
        "fills": "dsap",
        "prompts": [
            {"key": "lines", "label": "Lines", "fills": "bottom_lines"},
            {"key": "signs", "label": "Signs", "fills": "warning_signs"},
            {"key": "anchors", "label": "Anchors, one per line", "fills": "anchors"},
        ],
        **lesson,
    }


def test_a_worksheet_that_fills_the_daily_plan_is_loaded_with_its_sections(db, curriculum):
    write_module(curriculum / "modules" / "w3", "w3", 2, lessons=[_dsap_sheet()])
    program = curriculum / "program.yaml"
    program.write_text(program.read_text().replace("modules/w2", "modules/w3"))
    run(curriculum)
    lesson = Lesson.objects.get(slug="daily-plan")
    assert lesson.fills == "dsap"
    assert [(p["key"], p.get("fills"), p.get("max_length")) for p in lesson.prompts] == [
        ("lines", "bottom_lines", 4000),
        ("signs", "warning_signs", 4000),
        ("anchors", "anchors", 4000),
    ]


def test_a_daily_plan_worksheet_may_not_fill_a_section_the_daily_plan_does_not_have(db, curriculum):
    # "coping" is a section of the safety plan, not of the daily plan: sections are per marker.
    sheet = _dsap_sheet(prompts=[{"key": "a", "label": "A", "fills": "coping"}])
    write_module(curriculum / "modules" / "w3", "w3", 2, lessons=[sheet])
    program = curriculum / "program.yaml"
    program.write_text(program.read_text().replace("modules/w2", "modules/w3"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_curriculum", str(curriculum), stdout=StringIO(), stderr=err)
    assert "'fills' must be one of ['bottom_lines', 'warning_signs', 'anchors']" in err.getvalue()
    assert not Lesson.objects.exists()


def test_week_eleven_of_the_core_track_starts_the_daily_plan_with_its_three_sections():
    data = yaml.safe_load(
        (REPO_CURRICULUM / "modules" / "core-12" / "11-daily-structure" / "module.yaml").read_text()
    )
    sheets = [lesson for lesson in data["lessons"] if lesson.get("fills")]
    assert [(sheet["slug"], sheet["fills"]) for sheet in sheets] == [("my-dsap", "dsap")]
    assert [p.get("fills") for p in sheets[0]["prompts"]] == [
        "bottom_lines",
        "warning_signs",
        "anchors",
    ]


def test_week_one_of_the_core_track_starts_the_safety_plan_with_all_seven_sections():
    data = yaml.safe_load(
        (REPO_CURRICULUM / "modules" / "core-12" / "01-arriving" / "module.yaml").read_text()
    )
    sheet = next(lesson for lesson in data["lessons"] if lesson.get("fills"))
    assert sheet["slug"] == "safety-plan" and sheet["fills"] == "safety_plan"
    assert [p["fills"] for p in sheet["prompts"]] == [
        "warning_signs",
        "coping",
        "people_places",
        "ask_for_help",
        "professionals",
        "safe_space",
        "reasons",
    ]


def _with_target(curriculum, value):
    program = curriculum / "program.yaml"
    data = yaml.safe_load(program.read_text())
    data["tracks"][0]["weekly_hours_target"] = value
    program.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_tracks_weekly_hours_target_is_nine_unless_the_curriculum_says(db, curriculum):
    from decimal import Decimal

    run(curriculum)
    assert Track.objects.get().weekly_hours_target == Decimal("9")
    _with_target(curriculum, 7.5)
    out, _ = run(curriculum)
    assert "1 updated" in out or "updated" in out
    assert Track.objects.get().weekly_hours_target == Decimal("7.5")
    out, _ = run(curriculum)
    assert "0 created, 0 updated" in out


@pytest.mark.parametrize("value", ["lots", 0, 41, 7.25, True])
def test_a_weekly_hours_target_out_of_range_is_reported(db, curriculum, value):
    _with_target(curriculum, value)
    with pytest.raises(CommandError, match="nothing was loaded"):
        run(curriculum)
    assert not Track.objects.exists()
