"""No promise without the feature: every sentence in the curriculum, the templates and the apps'
own strings that tells a client what their care team sees or does, or what the site will play or
ask them, names a feature that exists.

PROMISES lists the phrasings that make such a promise and the feature each one names (None: no
such feature exists, so the phrasing must not appear anywhere). FEATURES lists each feature with
the URL names and templates that make it real: a promise is kept only while they exist. When a
feature arrives (a media player, say), give it an entry here and its phrasing becomes allowed.
A link in a lesson to a page of the site is a promise too: the page must exist.
"""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

ROOT = Path(settings.BASE_DIR)


@dataclass(frozen=True)
class Feature:
    what: str
    url_names: tuple[str, ...]
    templates: tuple[str, ...] = ()


FEATURES = {
    "care_record": Feature(
        "The care team's record of a client: progress, SUDS before and after each lesson, "
        "every submitted worksheet version, with replies, and the client's safety plan",
        url_names=("care:caseload", "care:client_detail", "care:worksheet_version"),
        templates=(
            "care/record/progress.html",
            "care/record/suds.html",
            "care/record/worksheets.html",
            "care/record/safety_plan.html",
        ),
    ),
    "worksheet_replies": Feature(
        "A reply from the care team under a submitted version, in My work",
        url_names=("care:worksheet_reply", "courses:my_work"),
    ),
    "reminders": Feature(
        "Reminders by email or text, chosen on the preferences page",
        url_names=("notifications:preferences",),
    ),
    "daily_checkin": Feature(
        "The client's daily structure: the DSAP on their plan page (bottom lines, warning signs, "
        "daily anchors) and the Kitchen Table check-in on Today",
        url_names=("daily:today", "daily:plan"),
        templates=("daily/today.html", "daily/plan.html"),
    ),
}

PROMISES: list[tuple[str, str | None]] = [
    # What the care team can see.
    (
        r"\byour (?:clinician|care team|therapist)s? (?:can|could|will|would) (?:see|read|review)",
        "care_record",
    ),
    (r"\bonly you and your (?:clinician|care team)s? can (?:see|read)", "care_record"),
    (
        r"\b(?:helps?|lets?) you and your (?:clinician|care team)s? (?:see|notice|follow|track)",
        "care_record",
    ),
    (
        r"\b(?:a|the|your) (?:clinician|care team) (?:reads|sees|reviews) (?:it|this|them|what)",
        "care_record",
    ),
    # What a person will do: never promised, whatever the platform can do.
    (
        r"\byour (?:clinician|care team|therapist)s? will "
        r"(?:reply|respond|answer|write back|get back|call|go through)",
        None,
    ),
    # Media: there is no player; audio and video lessons are given as their written words.
    (
        r"\blisten to (?:the|this|a) recording|\b(?:play|hear) the recording|\bguided audio\b"
        r"|\bcomes? as audio\b|\baudio practice\b|\bwatch the video\b",
        None,
    ),
    # The daily check-in (the Kitchen Table, on Today) and the plan it ticks (the DSAP).
    (r"\bdaily check-in\b|\bcheck-in in (?:the|this) app\b", "daily_checkin"),
    # Named as the program names them (an ordinary kitchen table promises nothing).
    (r"(?-i:\bKitchen Table\b|\bDSAP\b)|\byour plan page\b", "daily_checkin"),
    (r"\bwe(?:'ll| will) (?:remind|email|text|message) you\b", "reminders"),
]
COMPILED = [(re.compile(pattern, re.IGNORECASE), feature) for pattern, feature in PROMISES]


def sources() -> list[Path]:
    """What a client can read: templates, curriculum, and the apps' own strings (messages,
    labels); never tests, migrations or the virtualenv."""
    found = [
        path
        for folder in ("templates", "curriculum")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".html", ".txt", ".md", ".yaml", ".yml"}
    ]
    for app in (
        "accounts",
        "care",
        "core",
        "courses",
        "measures",
        "daily",
        "notifications",
        "payments",
        "ehab",
    ):
        found += [
            path
            for path in sorted((ROOT / app).rglob("*.py"))
            if "migrations" not in path.parts and "management" not in path.parts
        ]
    return found


def readable_text(path: Path) -> str:
    """The words a client could read in a file: all of a template or a lesson; of Python code,
    only its string literals (messages, labels), not docstrings or comments, which are for
    developers."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return text
    tree = ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return "\n".join(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    )


def promises_in(text: str) -> list[tuple[str, str | None]]:
    """Each promise in `text` (whitespace folded, so a wrapped line still matches): the words
    that make it, and the feature they name."""
    flat = re.sub(r"\s+", " ", text)
    return [
        (match.group(0), feature)
        for pattern, feature in COMPILED
        for match in pattern.finditer(flat)
    ]


def url_names() -> set[str]:
    def walk(patterns, namespace=None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace])) or None
                yield from walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}:{entry.name}" if namespace else entry.name

    return set(walk(get_resolver().url_patterns))


def missing_parts(feature: Feature, names: set[str]) -> list[str]:
    missing = [name for name in feature.url_names if name not in names]
    for template in feature.templates:
        try:
            get_template(template)
        except TemplateDoesNotExist:
            missing.append(template)
    return missing


def test_every_promise_to_a_client_names_a_feature_that_exists():
    names = url_names()
    broken = []
    for path in sources():
        for words, feature in promises_in(readable_text(path)):
            where = path.relative_to(ROOT)
            if feature is None:
                broken.append(f"{where}: “{words}” promises something that does not exist")
            elif missing := missing_parts(FEATURES[feature], names):
                broken.append(f"{where}: “{words}” needs {', '.join(missing)}")
    assert not broken, "\n".join(broken)


# A Markdown link to a path of this site: [words](/path/).
SITE_LINK = re.compile(r"\]\((/[^)\s]*)\)")


def broken_site_links(text: str) -> list[str]:
    """The links in lesson Markdown that point at a path of this site no URL answers."""
    broken = []
    for href in SITE_LINK.findall(text):
        try:
            resolve(re.split(r"[?#]", href)[0])
        except Resolver404:
            broken.append(href)
    return broken


def test_every_link_from_a_lesson_to_a_page_of_the_site_leads_to_one():
    broken = [
        f"{path.relative_to(ROOT)}: {href}"
        for path in sorted((ROOT / "curriculum").rglob("*.md"))
        for href in broken_site_links(path.read_text(encoding="utf-8"))
    ]
    assert not broken, "\n".join(broken)


def test_a_link_to_a_page_that_does_not_exist_is_caught():
    text = "See [your safety plan](/me/safety-plan/) and [nothing](/me/no-such-page/#top)."
    assert broken_site_links(text) == ["/me/no-such-page/#top"]


def test_the_scan_reads_the_curriculum_and_the_templates():
    scanned = {path.relative_to(ROOT).parts[0] for path in sources()}
    assert {"templates", "curriculum", "courses", "care"} <= scanned
    # The promises that are kept are found where they are made.
    lesson = (ROOT / "templates/courses/lesson.html").read_text()
    assert [feature for _, feature in promises_in(lesson)] == ["care_record"]


@pytest.mark.parametrize(
    ("sentence", "feature"),
    [
        ("You can listen to the recording, or read below.", None),
        ("Some weeks include guided\n  audio with a transcript.", None),
        ("Do your daily check-in in the app.", "daily_checkin"),
        ("Tick your anchors at the Kitchen Table tonight.", "daily_checkin"),
        ("You can change your DSAP whenever you like.", "daily_checkin"),
        ("Change it on your plan page.", "daily_checkin"),
        ("Your clinician will reply within a day.", None),
        ("Your clinician can see it too.", "care_record"),
        ("It helps you and your clinician notice patterns.", "care_record"),
        ("We'll remind you tomorrow.", "reminders"),
    ],
)
def test_the_scan_catches_each_kind_of_promise(sentence, feature):
    assert [named for _, named in promises_in(sentence)] == [feature]


def test_an_ordinary_kitchen_table_or_a_plan_of_another_kind_promises_nothing():
    assert promises_in("Not at the kitchen table at midnight.") == []
    assert promises_in('FILLABLE = {"dsap": ...}; see your safety plan page.') == []


def test_python_is_read_for_its_strings_not_its_docstrings(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        '"""Sends the daily check-in reminder."""\n'
        "# listen to the recording\n"
        "def view():\n"
        '    """Your clinician will reply."""\n'
        '    return "Your clinician can see it too."\n'
    )
    assert [named for _, named in promises_in(readable_text(module))] == ["care_record"]


def test_a_feature_that_is_gone_breaks_its_promises():
    gone = Feature("A page that was removed", url_names=("care:no_such_page",))
    assert missing_parts(gone, url_names()) == ["care:no_such_page"]
    assert missing_parts(FEATURES["reminders"], url_names()) == []
