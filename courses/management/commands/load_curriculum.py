"""`manage.py load_curriculum <folder> [--check]`: validate, then load all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.curriculum import CurriculumError, curriculum_load, validate_curriculum


class Command(BaseCommand):
    help = "Validate a curriculum folder and load it (idempotent; updates by slug)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--check", action="store_true", help="Validate only; write nothing.")

    def handle(self, *args, folder: Path, check: bool, **options):
        if not (folder / "program.yaml").is_file():
            raise CommandError(f"{folder}/program.yaml not found.")
        try:
            spec = validate_curriculum(folder)
        except CurriculumError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(exc.errors)} problem(s); nothing was loaded.") from None
        modules = sum(len(t.modules) for t in spec.tracks)
        lessons = sum(len(m.lessons) for t in spec.tracks for m in t.modules)
        summary = f"{len(spec.tracks)} tracks, {modules} modules, {lessons} lessons"
        if check:
            self.stdout.write(f"OK: {summary}.")
            return
        report = curriculum_load(spec)
        self.stdout.write(
            f"Loaded {summary}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.retired} retired."
        )
