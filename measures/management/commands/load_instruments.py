"""`manage.py load_instruments [folder] [--check]`: check every instrument file, then load all
or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from measures.instruments import (
    INSTRUMENTS_DIR,
    InstrumentError,
    instruments_load,
    read_instruments,
)


class Command(BaseCommand):
    help = "Check the outcome instruments' data files and load them (idempotent; by key)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, nargs="?", default=INSTRUMENTS_DIR)
        parser.add_argument("--check", action="store_true", help="Check only; write nothing.")

    def handle(self, *args, folder: Path, check: bool, **options):
        try:
            specs = read_instruments(folder)
        except InstrumentError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(exc.errors)} problem(s); nothing was loaded.") from None
        names = ", ".join(spec.short_title for spec in specs)
        if check:
            self.stdout.write(f"OK: {len(specs)} instruments ({names}).")
            return
        report = instruments_load(specs)
        self.stdout.write(
            f"Loaded {len(specs)} instruments ({names}): {report.created} created, "
            f"{report.updated} updated, {report.unchanged} unchanged."
        )
