"""Curriculum as data: validate a curriculum folder completely, then load it in one transaction.

The format is described in curriculum/FORMAT.md. Validation reports every problem with its file
and line before anything is written; loading updates by slug, so a re-run never loses a client's
progress or writing (content that disappears from the folder is retired, never deleted).
"""

import re
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from .markdown import render_markdown
from .models import (
    Audience,
    Domain,
    Lesson,
    LessonKind,
    Module,
    Program,
    Track,
    new_content_token,
)
from .worksheets import FILLABLE, FILLABLE_MAX

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PROMPT_KINDS = {"text", "textarea", "scale"}
NEEDS_PROMPTS = {LessonKind.WORKSHEET, LessonKind.REFLECTION}
NEEDS_TRANSCRIPT = {LessonKind.AUDIO, LessonKind.VIDEO}
MAX_LESSON_BYTES = 200_000


class CurriculumError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s) in the curriculum")
        self.errors = errors


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (as `__line__`)."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class LessonSpec:
    slug: str
    title: str
    kind: str
    body: str
    minutes: int
    required: bool
    suds: bool
    prompts: list[dict]
    fills: str = ""


@dataclass
class ModuleSpec:
    slug: str
    week: int
    title: str
    domain: str
    summary: str
    asks: str
    minutes: int
    trauma_intense: bool
    content_note: str
    status: str
    lessons: list[LessonSpec] = field(default_factory=list)


@dataclass
class TrackSpec:
    slug: str
    title: str
    summary: str
    audience: str
    weeks: int
    release_weekday: int
    release_time: time
    weekly_hours_target: Decimal = Decimal("9")
    modules: list[ModuleSpec] = field(default_factory=list)


@dataclass
class ProgramSpec:
    slug: str
    title: str
    summary: str
    disclaimer: str
    tracks: list[TrackSpec] = field(default_factory=list)


class _Checker:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.errors: list[str] = []

    def err(self, path: Path, line: int | None, message: str) -> None:
        where = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        self.errors.append(f"{where}:{line or 1}: {message}")

    def read_yaml(self, path: Path):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.err(path, None, "file not found")
            return None
        except UnicodeDecodeError:
            self.err(path, None, "not valid UTF-8")
            return None
        try:
            data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            self.err(path, mark.line + 1 if mark else None, f"invalid YAML: {exc}")
            return None
        if not isinstance(data, dict):
            self.err(path, None, "expected a mapping at the top")
            return None
        return data

    def text(self, data, key, path, *, required=True, max_len=None) -> str:
        value = data.get(key)
        line = data.get("__line__")
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(path, line, f"'{key}' is required")
            return ""
        if not isinstance(value, str):
            self.err(path, line, f"'{key}' must be text")
            return ""
        if max_len and len(value) > max_len:
            self.err(path, line, f"'{key}' is longer than {max_len} characters")
        return value.strip()

    def slug(self, data, key, path) -> str:
        value = self.text(data, key, path)
        if value and not SLUG.match(value):
            self.err(path, data.get("__line__"), f"'{key}' {value!r} must be lowercase-hyphenated")
        return value

    def integer(self, data, key, path, *, minimum, maximum, default=None) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.err(path, data.get("__line__"), f"'{key}' must be a whole number")
            return minimum
        if not minimum <= value <= maximum:
            self.err(path, data.get("__line__"), f"'{key}' must be {minimum} to {maximum}")
        return value

    def hours(self, data, key, path, *, default) -> Decimal:
        """A number of hours from 0.5 to 40, to the tenth (9, 7.5)."""
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.err(path, data.get("__line__"), f"'{key}' must be a number of hours")
            return Decimal(default)
        hours = Decimal(str(value))
        if not Decimal("0.5") <= hours <= 40 or hours != hours.quantize(Decimal("0.1")):
            self.err(path, data.get("__line__"), f"'{key}' must be 0.5 to 40, to the tenth")
            return Decimal(default)
        return hours

    def boolean(self, data, key, path, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.err(path, data.get("__line__"), f"'{key}' must be true or false")
            return default
        return value

    def choice(self, data, key, path, choices, default=None) -> str:
        value = data.get(key, default)
        if value not in choices:
            self.err(path, data.get("__line__"), f"'{key}' must be one of {sorted(choices)}")
        return value or ""

    # -- the parts ------------------------------------------------------------------------------
    def program(self) -> ProgramSpec:
        path = self.root / "program.yaml"
        data = self.read_yaml(path)
        if data is None:
            raise CurriculumError(self.errors)
        spec = ProgramSpec(
            slug=self.slug(data, "slug", path),
            title=self.text(data, "title", path, max_len=200),
            summary=self.text(data, "summary", path, required=False),
            disclaimer=self.text(data, "disclaimer", path),
        )
        tracks = data.get("tracks")
        if not isinstance(tracks, list) or not tracks:
            self.err(path, data.get("__line__"), "'tracks' must list at least one track")
            tracks = []
        seen = set()
        for entry in tracks:
            if not isinstance(entry, dict):
                self.err(path, data.get("__line__"), "each track must be a mapping")
                continue
            track = self.track(entry, path)
            if track.slug in seen:
                self.err(path, entry.get("__line__"), f"track slug {track.slug!r} repeats")
            seen.add(track.slug)
            spec.tracks.append(track)
        return spec

    def track(self, data, path) -> TrackSpec:
        raw_time = data.get("release_time", "06:00")
        release_time = time(6, 0)
        if isinstance(raw_time, str) and re.match(r"^([01]\d|2[0-3]):[0-5]\d$", raw_time):
            release_time = time(int(raw_time[:2]), int(raw_time[3:]))
        else:
            self.err(path, data.get("__line__"), "'release_time' must be \"HH:MM\" (24-hour)")
        spec = TrackSpec(
            slug=self.slug(data, "slug", path),
            title=self.text(data, "title", path, max_len=200),
            summary=self.text(data, "summary", path, required=False),
            audience=self.choice(data, "audience", path, set(Audience.values), "client"),
            weeks=self.integer(data, "weeks", path, minimum=1, maximum=52),
            release_weekday=self.integer(
                data, "release_weekday", path, minimum=0, maximum=6, default=0
            ),
            release_time=release_time,
            weekly_hours_target=self.hours(data, "weekly_hours_target", path, default=9),
        )
        entries = data.get("modules")
        if not isinstance(entries, list) or not entries:
            self.err(path, data.get("__line__"), f"track {spec.slug!r} lists no modules")
            return spec
        slugs, weeks = set(), set()
        for entry in entries:
            week_override = None
            if isinstance(entry, dict):
                folder = entry.get("path")
                week_override = entry.get("week")
                line = entry.get("__line__")
            else:
                folder, line = entry, data.get("__line__")
            if not isinstance(folder, str) or not folder:
                self.err(path, line, "a module entry needs a folder path")
                continue
            module_dir = (self.root / folder).resolve()
            if not module_dir.is_relative_to(self.root.resolve()):
                self.err(path, line, f"{folder!r} is outside the curriculum folder")
                continue
            module = self.module(module_dir, week_override, spec.weeks)
            if module is None:
                continue
            if module.slug in slugs:
                self.err(path, line, f"module slug {module.slug!r} repeats in {spec.slug}")
            slugs.add(module.slug)
            weeks.add(module.week)
            spec.modules.append(module)
        missing = sorted(set(range(1, spec.weeks + 1)) - weeks)
        if missing:
            self.err(path, data.get("__line__"), f"track {spec.slug!r} has no module for weeks "
                     f"{missing}")  # fmt: skip
        return spec

    def module(self, folder: Path, week_override, track_weeks: int) -> ModuleSpec | None:
        path = folder / "module.yaml"
        data = self.read_yaml(path)
        if data is None:
            return None
        if week_override is not None:
            data = {**data, "week": week_override}
        spec = ModuleSpec(
            slug=self.slug(data, "slug", path),
            week=self.integer(data, "week", path, minimum=1, maximum=track_weeks),
            title=self.text(data, "title", path, max_len=200),
            domain=self.choice(data, "domain", path, set(Domain.values)),
            summary=self.text(data, "summary", path),
            asks=self.text(data, "asks", path),
            minutes=self.integer(data, "minutes", path, minimum=1, maximum=1000),
            trauma_intense=self.boolean(data, "trauma_intense", path, False),
            content_note=self.text(data, "content_note", path, required=False),
            status=self.choice(data, "status", path, set(Module.Status.values), "written"),
        )
        if spec.trauma_intense and not spec.content_note:
            self.err(path, data.get("__line__"), "a trauma-intense module needs a content_note")
        lessons = data.get("lessons")
        if not isinstance(lessons, list) or not lessons:
            self.err(path, data.get("__line__"), "'lessons' must list at least one lesson")
            return spec
        seen = set()
        for entry in lessons:
            if not isinstance(entry, dict):
                self.err(path, data.get("__line__"), "each lesson must be a mapping")
                continue
            lesson = self.lesson(entry, folder, path)
            if lesson.slug in seen:
                self.err(path, entry.get("__line__"), f"lesson slug {lesson.slug!r} repeats")
            seen.add(lesson.slug)
            spec.lessons.append(lesson)
        return spec

    def lesson(self, data, folder: Path, path: Path) -> LessonSpec:
        line = data.get("__line__")
        kind = self.choice(data, "kind", path, set(LessonKind.values))
        file_name = self.text(data, "file", path)
        body = ""
        if file_name:
            md_path = (folder / file_name).resolve()
            if not md_path.is_relative_to(folder.resolve()) or not md_path.is_file():
                self.err(path, line, f"lesson file {file_name!r} not found beside module.yaml")
            elif md_path.stat().st_size > MAX_LESSON_BYTES:
                self.err(md_path, None, "lesson file is too large")
            else:
                try:
                    body = md_path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    self.err(md_path, None, "not valid UTF-8")
                if body and not body.strip():
                    self.err(md_path, None, "the lesson is empty")
                if re.match(r"^\s*#\s", body):
                    self.err(md_path, 1, "do not repeat the title as a '#' heading")
                if kind in NEEDS_TRANSCRIPT and not re.search(r"^##\s+Transcript\s*$", body, re.M):
                    self.err(md_path, None, f"{kind} lessons need a '## Transcript' section")
        fills = self.fills(data, path, kind)
        prompts = self.prompts(data, path, kind, fills=fills)
        return LessonSpec(
            slug=self.slug(data, "slug", path),
            title=self.text(data, "title", path, max_len=200),
            kind=kind,
            body=body,
            minutes=self.integer(data, "minutes", path, minimum=1, maximum=240),
            required=self.boolean(data, "required", path, True),
            suds=self.boolean(data, "suds", path, False),
            prompts=prompts,
            fills=fills,
        )

    def fills(self, data, path: Path, kind: str) -> str:
        """The lesson's `fills` marker: what its answers start (only a worksheet may have one)."""
        if data.get("fills") is None:
            return ""
        fills = self.choice(data, "fills", path, set(FILLABLE))
        if fills not in FILLABLE:
            return ""
        if kind != LessonKind.WORKSHEET:
            self.err(path, data.get("__line__"), "only a worksheet lesson may have 'fills'")
        return fills

    def prompt_fills(self, item, path: Path, *, fills: str, kind: str, taken: set[str]) -> dict:
        """A prompt's `fills`: the section of the lesson's `fills` it fills (each one once), with
        the section's length limit; nothing for a prompt that fills nothing."""
        section = item.get("fills")
        line = item.get("__line__")
        if section is None:
            return {}
        if not fills:
            self.err(path, line, "a prompt may have 'fills' only in a lesson with 'fills'")
            return {}
        if section not in FILLABLE[fills]:
            self.err(path, line, f"'fills' must be one of {list(FILLABLE[fills])}")
            return {}
        if section in taken:
            self.err(path, line, f"section {section!r} is filled by two prompts")
        if kind == "scale":
            self.err(path, line, "a scale cannot fill a section: use text or textarea")
        taken.add(section)
        return {"fills": section, "max_length": FILLABLE_MAX[fills]}

    def prompts(self, data, path: Path, kind: str, *, fills: str = "") -> list[dict]:
        raw = data.get("prompts", [])
        line = data.get("__line__")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            self.err(path, line, "'prompts' must be a list")
            return []
        if kind in NEEDS_PROMPTS and not raw:
            self.err(path, line, f"{kind} lessons need at least one prompt")
        prompts: list[dict] = []
        keys: set[str] = set()
        taken: set[str] = set()
        for item in raw:
            if not isinstance(item, dict):
                self.err(path, line, "each prompt must be a mapping")
                continue
            key = self.slug(item, "key", path)
            if key in keys:
                self.err(path, item.get("__line__"), f"prompt key {key!r} repeats")
            keys.add(key)
            prompt_kind = self.choice(item, "kind", path, PROMPT_KINDS, "textarea")
            prompts.append(
                {
                    "key": key,
                    "label": self.text(item, "label", path, max_len=300),
                    "help": self.text(item, "help", path, required=False, max_len=500),
                    "kind": prompt_kind,
                    **self.prompt_fills(item, path, fills=fills, kind=prompt_kind, taken=taken),
                }
            )
        if fills and not taken:
            self.err(path, line, f"a lesson that fills {fills!r} needs a prompt with 'fills'")
        return prompts


def validate_curriculum(root: Path) -> ProgramSpec:
    """Read and check a whole curriculum folder; raises CurriculumError listing every problem."""
    checker = _Checker(Path(root))
    spec = checker.program()
    if checker.errors:
        raise CurriculumError(checker.errors)
    return spec


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0


def _upsert(model, lookup: dict, values: dict, report: LoadReport):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.created += 1
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        report.updated += 1
    else:
        report.unchanged += 1
    return obj


@transaction.atomic
def curriculum_load(spec: ProgramSpec) -> LoadReport:
    """Write a validated curriculum, all or nothing; updates by slug and retires what vanished.

    A track whose modules or lessons changed gets a new content token, which retires every
    process's cached copy of its structure.
    """
    report = LoadReport()
    for track_spec in spec.tracks:
        before = (report.created, report.updated, report.retired)
        track = _load_track(spec, track_spec, report)
        if (report.created, report.updated, report.retired) != before:
            track.content_token = new_content_token()
            track.save(update_fields=["content_token"])
    return report


def _load_track(spec: ProgramSpec, track_spec: TrackSpec, report: LoadReport) -> Track:
    program = _upsert(
        Program,
        {"slug": spec.slug},
        {"title": spec.title, "summary": spec.summary, "disclaimer": spec.disclaimer},
        LoadReport(),  # the program row is shared by every track; not counted per track
    )
    now = timezone.now()
    track = _upsert(
        Track,
        {"slug": track_spec.slug},
        {
            "program": program,
            "title": track_spec.title,
            "summary": track_spec.summary,
            "audience": track_spec.audience,
            "weeks": track_spec.weeks,
            "release_weekday": track_spec.release_weekday,
            "release_time": track_spec.release_time,
            "weekly_hours_target": track_spec.weekly_hours_target,
        },
        report,
    )
    kept_modules = []
    order_in_week: dict[int, int] = {}
    for module_spec in track_spec.modules:
        order_in_week[module_spec.week] = order_in_week.get(module_spec.week, 0) + 1
        module = _upsert(
            Module,
            {"track": track, "slug": module_spec.slug},
            {
                "week": module_spec.week,
                "order": order_in_week[module_spec.week],
                "title": module_spec.title,
                "domain": module_spec.domain,
                "summary": module_spec.summary,
                "asks": module_spec.asks,
                "minutes": module_spec.minutes,
                "trauma_intense": module_spec.trauma_intense,
                "content_note": module_spec.content_note,
                "status": module_spec.status,
                "retired_at": None,
            },
            report,
        )
        kept_modules.append(module.pk)
        kept_lessons = []
        for position, lesson_spec in enumerate(module_spec.lessons, start=1):
            lesson = _upsert(
                Lesson,
                {"module": module, "slug": lesson_spec.slug},
                {
                    "order": position,
                    "title": lesson_spec.title,
                    "kind": lesson_spec.kind,
                    "body": lesson_spec.body,
                    "body_html": render_markdown(lesson_spec.body),
                    "minutes": lesson_spec.minutes,
                    "required": lesson_spec.required,
                    "suds": lesson_spec.suds,
                    "prompts": lesson_spec.prompts,
                    "fills": lesson_spec.fills,
                    "retired_at": None,
                },
                report,
            )
            kept_lessons.append(lesson.pk)
        report.retired += (
            Lesson.objects.filter(module=module, retired_at__isnull=True)
            .exclude(pk__in=kept_lessons)
            .update(retired_at=now)
        )
    report.retired += (
        Module.objects.filter(track=track, retired_at__isnull=True)
        .exclude(pk__in=kept_modules)
        .update(retired_at=now)
    )
    return track
