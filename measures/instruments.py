"""Outcome instruments as data: one YAML file each in measures/instruments/ (PHQ-9, GAD-7), read
and checked here, loaded all or nothing by `manage.py load_instruments [--check]`.

A practice may add an instrument it holds a licence for by adding a file with
`licence: {kind: licensed, holder: ...}`; the checks are the same for every file. Scoring is
what the published instruments do: the sum of the scored items, placed in a severity band.
Reliable change is Jacobson and Truax's index, with the reliability and standard deviation
stored in the instrument's own file beside their sources.
"""

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from .models import Instrument

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
LICENCE_KINDS = ("public_domain", "licensed")
# Two-tailed 95%: a change whose index is beyond this is unlikely to be measurement error alone.
RELIABLE_Z = Decimal("1.96")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_MAX_TEXT = 2000


class Problems(Exception):
    """Something refused with every problem found, in plain words, one a line (`errors`)."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


class InstrumentError(Problems):
    """An instrument file that cannot be used."""


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    number: int
    text: str
    options: tuple[Option, ...]
    scored: bool = True
    required: bool = True
    risk: bool = False  # an answer above 0 means the person may not be safe (PHQ-9 item 9)


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    key: str
    label: str  # the instrument's own name for the band, for the care team
    plain: str  # the same band in gentle words, for the client
    elevated: bool = False  # the caseload ranks a latest answer in this band high


@dataclass(frozen=True)
class ReliableChangeSpec:
    reliability: Decimal
    reliability_source: str
    sd: Decimal
    sd_source: str


@dataclass(frozen=True)
class InstrumentSpec:
    key: str
    title: str
    short_title: str
    measures: str
    licence_kind: str
    licence_note: str
    instructions: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    reliable_change: ReliableChangeSpec
    licence_holder: str = ""  # who holds the licence, for a licensed instrument

    @property
    def min_total(self) -> int:
        return sum(min(o.value for o in item.options) for item in self.items if item.scored)

    @property
    def max_total(self) -> int:
        return sum(max(o.value for o in item.options) for item in self.items if item.scored)

    def as_data(self) -> dict[str, Any]:
        """The spec as plain JSON data (decimals as strings), as stored on the Instrument."""
        return json.loads(json.dumps(asdict(self), default=str))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "InstrumentSpec":
        """The spec back from `as_data()`."""
        return cls(
            **{
                **data,
                "items": tuple(
                    Item(**{**i, "options": tuple(Option(**o) for o in i["options"])})
                    for i in data["items"]
                ),
                "bands": tuple(Band(**b) for b in data["bands"]),
                "reliable_change": ReliableChangeSpec(
                    **{
                        **data["reliable_change"],
                        "reliability": Decimal(data["reliable_change"]["reliability"]),
                        "sd": Decimal(data["reliable_change"]["sd"]),
                    }
                ),
            }
        )


# --- Reading and checking a file ---------------------------------------------------------------


class _Checker:
    def __init__(self, path: Path):
        self.path = path
        self.errors: list[str] = []

    def err(self, where: str, message: str) -> None:
        self.errors.append(f"{self.path.name}: {where}: {message}")

    def text(self, data: dict, key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(where, f"'{key}' is missing.")
            return ""
        if not isinstance(value, str):
            self.err(where, f"'{key}' must be text.")
            return ""
        if len(value) > _MAX_TEXT:
            self.err(where, f"'{key}' is longer than {_MAX_TEXT} characters.")
        return value.strip()

    def integer(self, data: dict, key: str, where: str) -> int | None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.err(where, f"'{key}' must be a whole number.")
            return None
        return value

    def flag(self, data: dict, key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.err(where, f"'{key}' must be true or false.")
            return default
        return value

    def number(self, data: dict, key: str, where: str) -> Decimal | None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.err(where, f"'{key}' must be a number.")
            return None
        return Decimal(str(value))

    def options(self, raw: Any, where: str) -> tuple[Option, ...]:
        if not isinstance(raw, list) or not raw:
            self.err(where, "'options' must be a list of {value, label}.")
            return ()
        found = []
        for index, entry in enumerate(raw, start=1):
            at = f"{where} option {index}"
            if not isinstance(entry, dict):
                self.err(at, "must be {value, label}.")
                continue
            value = self.integer(entry, "value", at)
            label = self.text(entry, "label", at)
            if value is not None and value < 0:
                self.err(at, "'value' must not be negative.")
            if value is not None and label:
                found.append(Option(value, label))
        values = [o.value for o in found]
        if len(set(values)) != len(values):
            self.err(where, "two options share a value.")
        return tuple(found)

    def spec(self, data: Any) -> InstrumentSpec | None:
        if not isinstance(data, dict):
            self.err("file", "must be a mapping of the instrument's fields.")
            return None
        key = self.text(data, "key", "key")
        if key and not _KEY.match(key):
            self.err("key", "use 2-32 lowercase letters, digits or underscores, starting a letter.")
        if key and key != self.path.stem:
            self.err("key", f"'{key}' must match the file's name ('{self.path.stem}').")
        licence = data.get("licence")
        licence_kind = licence_note = licence_holder = ""
        if not isinstance(licence, dict):
            self.err("licence", "say the licence: {kind: public_domain} or {kind: licensed}.")
        else:
            licence_kind = self.text(licence, "kind", "licence")
            if licence_kind and licence_kind not in LICENCE_KINDS:
                self.err("licence", f"'kind' must be one of {', '.join(LICENCE_KINDS)}.")
            licence_note = self.text(licence, "note", "licence", required=False)
            if licence_kind == "licensed":
                # A licensed instrument names who holds the licence (text() reports it missing).
                licence_holder = self.text(licence, "holder", "licence")
        default_options = self.options(data["options"], "options") if "options" in data else ()
        items = self.items(data.get("items"), default_options)
        bands = self.bands(data.get("bands"))
        rc = self.reliable_change(data.get("reliable_change"))
        spec = InstrumentSpec(
            key=key,
            title=self.text(data, "title", "title"),
            short_title=self.text(data, "short_title", "short_title"),
            measures=self.text(data, "measures", "measures"),
            licence_kind=licence_kind,
            licence_note=licence_note,
            licence_holder=licence_holder,
            instructions=self.text(data, "instructions", "instructions"),
            items=items,
            bands=bands,
            reliable_change=rc,  # type: ignore[arg-type] # None only when errors were reported
        )
        if items and bands and not self.errors:
            self.bands_cover(spec)
        return None if self.errors else spec

    def items(self, raw: Any, default_options: tuple[Option, ...]) -> tuple[Item, ...]:
        if not isinstance(raw, list) or not raw:
            self.err("items", "must be a list of the instrument's items.")
            return ()
        items = []
        for index, entry in enumerate(raw, start=1):
            where = f"item {index}"
            if not isinstance(entry, dict):
                self.err(where, "must be a mapping.")
                continue
            number = self.integer(entry, "number", where)
            if number is not None and number != index:
                self.err(where, f"items must be numbered 1, 2, 3... in order (found {number}).")
            text = self.text(entry, "text", where)
            options = (
                self.options(entry["options"], where) if "options" in entry else default_options
            )
            if not options:
                self.err(where, "has no options (give 'options' on the item or the instrument).")
            scored = self.flag(entry, "scored", where, True)
            risk = self.flag(entry, "risk", where, False)
            required = self.flag(entry, "required", where, True)
            if risk and not scored:
                self.err(where, "a risk item must be scored.")
            if risk and not required:
                self.err(where, "a risk item must be required.")
            if scored and not required:
                self.err(where, "a scored item must be required (the total needs it).")
            if number is not None and text and options:
                items.append(Item(number, text, options, scored, required, risk))
        if not any(item.scored for item in items):
            self.err("items", "at least one item must be scored.")
        return tuple(items)

    def bands(self, raw: Any) -> tuple[Band, ...]:
        if not isinstance(raw, list) or not raw:
            self.err("bands", "must be a list of {min, max, key, label, plain[, elevated]}.")
            return ()
        bands = []
        for index, entry in enumerate(raw, start=1):
            where = f"band {index}"
            if not isinstance(entry, dict):
                self.err(where, "must be a mapping.")
                continue
            low, high = self.integer(entry, "min", where), self.integer(entry, "max", where)
            key = self.text(entry, "key", where)
            label, plain = self.text(entry, "label", where), self.text(entry, "plain", where)
            if low is not None and high is not None and low > high:
                self.err(where, f"'min' ({low}) is above 'max' ({high}).")
            elevated = self.flag(entry, "elevated", where, False)
            if None not in (low, high) and key and label and plain:
                bands.append(Band(low, high, key, label, plain, elevated))  # type: ignore[arg-type]
        keys = [band.key for band in bands]
        if len(set(keys)) != len(keys):
            self.err("bands", "two bands share a key.")
        return tuple(bands)

    def bands_cover(self, spec: InstrumentSpec) -> None:
        """The bands, in order, cover every possible total exactly once."""
        expected = spec.min_total
        for band in spec.bands:
            if band.min != expected:
                kind = "a gap" if band.min > expected else "an overlap"
                self.err("bands", f"{kind} at {expected}: '{band.key}' starts at {band.min}.")
                return
            expected = band.max + 1
        if expected - 1 != spec.max_total:
            self.err(
                "bands",
                f"the last band ends at {expected - 1}; the items' total runs to {spec.max_total}.",
            )

    def reliable_change(self, raw: Any) -> ReliableChangeSpec | None:
        where = "reliable_change"
        if not isinstance(raw, dict):
            self.err(where, "give reliability, reliability_source, sd and sd_source.")
            return None
        reliability, sd = self.number(raw, "reliability", where), self.number(raw, "sd", where)
        if reliability is not None and not Decimal(0) < reliability < Decimal(1):
            self.err(where, "'reliability' must be between 0 and 1.")
        if sd is not None and sd <= 0:
            self.err(where, "'sd' must be above 0.")
        sources = (
            self.text(raw, "reliability_source", where),
            self.text(raw, "sd_source", where),
        )
        if reliability is None or sd is None or not all(sources):
            return None
        return ReliableChangeSpec(reliability, sources[0], sd, sources[1])


def instrument_spec(instrument: Instrument) -> InstrumentSpec:
    """The checked spec an Instrument row was loaded from."""
    return InstrumentSpec.from_data(instrument.definition)


def read_instrument(path: Path) -> InstrumentSpec:
    """The instrument in `path`, checked; InstrumentError lists every problem."""
    checker = _Checker(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InstrumentError([f"{path.name}: cannot be read: {exc}"]) from None
    spec = checker.spec(data)
    if spec is None:
        raise InstrumentError(checker.errors)
    return spec


def read_instruments(folder: Path = INSTRUMENTS_DIR) -> list[InstrumentSpec]:
    """Every instrument file in `folder` (*.yaml), checked together: InstrumentError lists
    every problem in every file, and nothing is returned unless all are sound."""
    specs, errors = [], []
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise InstrumentError([f"{folder}: no instrument files (*.yaml)."])
    for path in paths:
        try:
            specs.append(read_instrument(path))
        except InstrumentError as exc:
            errors.extend(exc.errors)
    if errors:
        raise InstrumentError(errors)
    return specs


# --- Loading -----------------------------------------------------------------------------------


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def content_token(spec: InstrumentSpec) -> str:
    """A fingerprint of everything the instrument says: an administration keeps the token of
    the wording it was answered in."""
    canonical = json.dumps(spec.as_data(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@transaction.atomic
def instruments_load(specs: list[InstrumentSpec]) -> LoadReport:
    """Create or update an Instrument per spec, by key (all or nothing). An instrument whose
    file is gone stays in the database: answers given to it keep their meaning."""
    report = LoadReport()
    for spec in specs:
        token = content_token(spec)
        values = {
            "title": spec.title,
            "short_title": spec.short_title,
            "definition": spec.as_data(),
            "content_token": token,
        }
        instrument = Instrument.objects.select_for_update().filter(key=spec.key).first()
        if instrument is None:
            Instrument.objects.create(key=spec.key, **values)
            report.created += 1
        elif instrument.content_token == token:
            report.unchanged += 1
        else:
            for name, value in values.items():
                setattr(instrument, name, value)
            instrument.save(update_fields=[*values, "updated_at"])
            report.updated += 1
    return report


# --- Scoring -----------------------------------------------------------------------------------


class AnswersError(Problems, ValueError):
    """Answers that do not fit the instrument."""


@dataclass(frozen=True)
class Score:
    total: int
    band: Band
    risk_items: tuple[int, ...]  # the numbers of risk items answered above 0


def answers_checked(spec: InstrumentSpec, answers: dict[int, int]) -> dict[int, int]:
    """`answers` (item number → value) if every required item has an allowed value and no
    answer names an item the instrument does not have; AnswersError otherwise."""
    errors = []
    by_number = {item.number: item for item in spec.items}
    for number in sorted(set(answers) - set(by_number)):
        errors.append(f"There is no question {number}.")
    for item in spec.items:
        value = answers.get(item.number)
        if value is None:
            if item.required:
                errors.append(f"Question {item.number} needs an answer.")
            continue
        if isinstance(value, bool) or value not in {o.value for o in item.options}:
            errors.append(f"Question {item.number}: choose one of the answers given.")
    if errors:
        raise AnswersError(errors)
    return {number: answers[number] for number in sorted(answers)}


def band_for(spec: InstrumentSpec, total: int) -> Band:
    """The severity band `total` falls in (the bands cover every possible total)."""
    for band in spec.bands:
        if band.min <= total <= band.max:
            return band
    raise ValueError(f"{total} is outside {spec.short_title}'s range.")


def score(spec: InstrumentSpec, answers: dict[int, int]) -> Score:
    """The instrument's total (the sum of its scored items), its band, and the risk items
    answered above 0. The answers are checked first (AnswersError)."""
    answers = answers_checked(spec, answers)
    total = sum(answers[item.number] for item in spec.items if item.scored)
    risky = tuple(item.number for item in spec.items if item.risk and answers[item.number] > 0)
    return Score(total=total, band=band_for(spec, total), risk_items=risky)


@dataclass(frozen=True)
class ReliableChange:
    change: int  # later total minus earlier total
    index: Decimal  # Jacobson and Truax's RCI, to two places
    direction: str  # "improved", "none" (no reliable change) or "worsened"


def reliable_change(spec: InstrumentSpec, *, earlier: int, later: int) -> ReliableChange:
    """Jacobson and Truax (1991): RCI = (later - earlier) / S_diff, where
    S_diff = sqrt(2 * SE^2) and SE = sd * sqrt(1 - reliability). |RCI| above 1.96 is a reliable
    change; on these instruments a higher score is worse, so a reliable fall is "improved"."""
    rc = spec.reliable_change
    se = rc.sd * Decimal(math.sqrt(1 - rc.reliability))
    s_diff = Decimal(math.sqrt(2)) * se
    change = later - earlier
    index = (Decimal(change) / s_diff).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    if abs(Decimal(change) / s_diff) <= RELIABLE_Z:
        direction = "none"
    else:
        direction = "worsened" if change > 0 else "improved"
    return ReliableChange(change=change, index=index, direction=direction)
