"""L-1 and L-2: every notification template renders discreet copy with opaque links only.

Phones and inboxes are often seen by others, so each message is read as if a family member reads
it: no program, therapy, addiction or sexual wording, no curriculum titles, no names of clinicians
or cohorts, and no link other than the opaque `action_url` and `unsubscribe_url` we are given.

Every folder under templates/notifications/ is one kind of message with four parts. The kinds are
discovered, so a new kind is checked the day it is added. Context variables (the contract with the
outbox): `greeting_name`, `action_url`, `unsubscribe_url`, `brand`.
"""

import copy
import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.template.loader import render_to_string

ROOT = Path(__file__).resolve().parents[2]
NOTIFICATIONS_DIR = ROOT / "templates" / "notifications"
CURRICULUM_DIR = ROOT / "curriculum" / "e-hab-iop"

PARTS = ("subject.txt", "body.txt", "body.html", "sms.txt")
BODY_PARTS = ("body.txt", "body.html")
EXPECTED_KINDS = {
    "module_released",
    "module_not_started",
    "module_not_finished",
    "checkin_reminder",
    "inactivity_nudge",
    "inactivity_alert",
    "absence_alert",
    "welcome",
    "feedback_ready",
}

# 43 characters: what secrets.token_urlsafe(32) produces.
ACTION_TOKEN = "Zx8qL3vN0pKd7sTwYb5uR1eHc9mJa4dG6fQiVoXyW-_"
UNSUBSCRIBE_TOKEN = "u7Hk2PqW9zRt4YbN1mXc8LsD0fGv6JeA3oQiTyUw_-Z"
ACTION_URL = f"https://ehab.example/n/{ACTION_TOKEN}"
UNSUBSCRIBE_URL = f"https://ehab.example/u/{UNSUBSCRIBE_TOKEN}/"
BRAND = "E-Hab"
LONG_ACTION_URL = f"https://secure.e-hab-example.com/n/{ACTION_TOKEN}"

# The one place a crisis number may appear: the footer line of an email body.
CRISIS_LINE = "If you are in crisis, call or text 988."

# Matched case-insensitively at the start of a word, so "clinic" also catches "clinician" and
# "clinical", "counsel" catches "counselor", "sex" catches "sexual", "addict" catches "addiction".
DENYLIST = (
    # named in the brief and in L-1
    "program",
    "programme",
    "therapy",
    "therapist",
    "therap",
    "counsel",
    "clinic",
    "clinical",
    "treatment",
    "recovery",
    "recover",
    "addict",
    "sex",
    "porn",
    "relapse",
    "lapse",
    "shame",
    "trauma",
    "betrayal",
    "betray",
    "module",
    "cohort",
    "intensive",
    "iop",
    "partner",
    "diagnosis",
    "diagnos",
    # other clinical or revealing words a family member should not read in a message
    "rehab",
    "patient",
    "client",
    "caseload",
    "compulsi",
    "behavio",
    "craving",
    "urge",
    "sober",
    "sobriety",
    "abstinen",
    "infidel",
    "affair",
    "intima",
    "erotic",
    "masturbat",
    "hookup",
    "escort",
    "psych",
    "mental",
    "disorder",
    "symptom",
    "medic",
    "doctor",
    "heal",
    "session",
    "group",
    "lesson",
    "curriculum",
    "worksheet",
    "journal",
    "homework",
    # crisis wording belongs only in the footer line (removed before this check)
    "crisis",
    "suicid",
    "lifeline",
    "988",
)
DENY_RE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in DENYLIST) + ")", re.IGNORECASE)

URL_RE = re.compile(r"https?://[^\s<>\"'()]+", re.IGNORECASE)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HREF_RE = re.compile(r"""\b(?:href|src|action)\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)
TAG_RE = re.compile(r"<[^>]*>")

SMS_MAX = 160
SUBJECT_MAX = 78
MIN_TITLE_LENGTH = 12
# Characters outside the GSM-7 basic set turn an SMS into UCS-2 (70 characters a segment) or cost
# two characters each; keep SMS to plain ASCII without these.
SMS_UNSAFE_CHARS = set("[]{}\\^~|`")
MISSING = "@@MISSING:%s@@"


def discover_kinds() -> list[str]:
    """Every folder under templates/notifications/ is a kind; files there are base templates."""
    if not NOTIFICATIONS_DIR.is_dir():
        return []
    return sorted(
        p.name
        for p in NOTIFICATIONS_DIR.iterdir()
        if p.is_dir() and not p.name.startswith(("_", "."))
    )


def curriculum_titles() -> list[str]:
    """Titles of every module and lesson in the real curriculum, long enough to be telling."""
    titles: set[str] = set()
    for path in sorted(CURRICULUM_DIR.glob("**/module.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        titles.add(data.get("title"))
        for lesson in data.get("lessons") or []:
            titles.add((lesson or {}).get("title"))
    return sorted(
        t.strip() for t in titles if isinstance(t, str) and len(t.strip()) >= MIN_TITLE_LENGTH
    )


KINDS = discover_kinds()
TITLES = curriculum_titles()


def make_context(**overrides) -> dict:
    context = {
        "greeting_name": "Sam",
        "action_url": ACTION_URL,
        "unsubscribe_url": UNSUBSCRIBE_URL,
        "brand": BRAND,
    }
    context.update(overrides)
    return context


def render(kind: str, part: str, **overrides) -> str:
    return render_to_string(f"notifications/{kind}/{part}", make_context(**overrides))


def normalise(text: str) -> str:
    """Visible text for matching: tags dropped, entities decoded, quotes and spaces unified."""
    text = html.unescape(TAG_RE.sub(" ", text))
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split()).casefold()


def footer_of(part: str, rendered: str) -> str:
    """The footer of an email body: after <footer> in HTML, after the last "--" line in text."""
    marker = "<footer" if part.endswith(".html") else "\n--\n"
    index = rendered.rfind(marker)
    return rendered[index:] if index >= 0 else ""


def find_problems(part: str, rendered: str, context: dict) -> list[str]:
    """Everything that makes `rendered` (one part of one message) indiscreet or leaky."""
    problems: list[str] = []
    allowed_urls = {u for u in (context["action_url"], context["unsubscribe_url"]) if u}
    unescaped = html.unescape(rendered)

    # The crisis line is allowed once, in the footer of an email body, and nowhere else.
    scanned = unescaped
    if part in BODY_PARTS:
        if CRISIS_LINE not in footer_of(part, unescaped):
            problems.append(f"the footer line {CRISIS_LINE!r} is missing from the footer")
        scanned = unescaped.replace(CRISIS_LINE, " ", 1)

    # Words, checked on the whole output (tags, attributes and CSS too, not just visible text).
    for match in DENY_RE.finditer(scanned):
        start = max(match.start() - 30, 0)
        snippet = " ".join(scanned[start : match.end() + 30].split())
        problems.append(f"denylisted word {match.group(0)!r} in ...{snippet}...")

    # Titles from the real curriculum.
    visible = normalise(rendered)
    for title in TITLES:
        if normalise(title) in visible:
            problems.append(f"curriculum title {title!r}")

    # Links: only the two URLs we were given, with opaque tokens.
    for raw in URL_RE.findall(unescaped):
        url = raw.rstrip(".,;:!?")
        if url not in allowed_urls:
            problems.append(f"unexpected URL {url!r}")
        parts = urlsplit(url)
        if any(segment.isdigit() for segment in parts.path.split("/")):
            problems.append(f"URL with a digits-only path segment (an id?) {url!r}")
        if "@" in url or "%40" in url.lower():
            problems.append(f"URL carrying an email address {url!r}")
        if parts.query or parts.fragment:
            problems.append(f"URL with a query or fragment {url!r}")
    if part.endswith(".html"):
        for target in HREF_RE.findall(unescaped):
            if target not in allowed_urls:
                problems.append(f"link or resource other than the given URLs: {target!r}")
    for address in EMAIL_RE.findall(unescaped):
        problems.append(f"email address {address!r}")
    return problems


@pytest.fixture(autouse=True)
def strict_templates(settings):
    """Render with a loud marker for unknown variables, so a misspelt name cannot hide."""
    templates = copy.deepcopy(settings.TEMPLATES)
    for engine in templates:
        engine.setdefault("OPTIONS", {})["string_if_invalid"] = MISSING
    settings.TEMPLATES = templates


def test_every_expected_kind_has_a_folder():
    assert NOTIFICATIONS_DIR.is_dir(), "templates/notifications/ is missing"
    assert (NOTIFICATIONS_DIR / "base_email.html").is_file()
    missing = EXPECTED_KINDS - set(KINDS)
    assert not missing, f"notification kinds without templates: {sorted(missing)}"


def test_curriculum_titles_are_loaded():
    """The title check is only worth something if it has the real titles to look for."""
    assert len(list(CURRICULUM_DIR.glob("**/module.yaml"))) >= 12
    assert len(TITLES) >= 50
    assert len(ACTION_TOKEN) == 43
    assert len(UNSUBSCRIBE_TOKEN) == 43


@pytest.mark.parametrize("kind", KINDS)
def test_kind_has_all_four_parts(kind):
    folder = NOTIFICATIONS_DIR / kind
    missing = [part for part in PARTS if not (folder / part).is_file()]
    assert not missing, f"{kind}: missing {missing}"


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("kind", KINDS)
def test_part_is_discreet_and_links_only_to_the_given_urls(kind, part):
    context = make_context()
    rendered = render(kind, part)
    assert "@@MISSING:" not in rendered, f"{kind}/{part}: unknown variable in {rendered!r}"
    assert rendered.strip(), f"{kind}/{part} renders empty"
    problems = find_problems(part, rendered, context)
    assert not problems, f"{kind}/{part}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("kind", KINDS)
def test_subject_is_one_short_line(kind):
    subject = render(kind, "subject.txt")
    assert "\n" not in subject and "\r" not in subject, f"{kind}: newline in {subject!r}"
    assert subject == subject.strip(), f"{kind}: stray whitespace in {subject!r}"
    assert 0 < len(subject) <= SUBJECT_MAX, f"{kind}: {len(subject)} characters: {subject!r}"
    assert not URL_RE.search(subject)


@pytest.mark.parametrize("kind", KINDS)
def test_sms_fits_one_plain_segment_and_carries_the_link(kind):
    sms = render(kind, "sms.txt")
    assert "\n" not in sms and "\r" not in sms, f"{kind}: newline in {sms!r}"
    assert len(sms) <= SMS_MAX, f"{kind}: SMS is {len(sms)} characters: {sms!r}"
    assert sms.isascii() and not SMS_UNSAFE_CHARS & set(sms), f"{kind}: not plain GSM: {sms!r}"
    assert ACTION_URL in sms
    assert "&amp;" not in sms and "&#" not in sms, f"{kind}: escaped text in {sms!r}"
    # Headroom: the production host may be longer than ehab.example.
    longer = render(kind, "sms.txt", action_url=LONG_ACTION_URL)
    assert len(longer) <= SMS_MAX, f"{kind}: {len(longer)} characters with a longer host"


@pytest.mark.parametrize("kind", KINDS)
def test_bodies_carry_the_action_link_and_the_unsubscribe_link(kind):
    for part in BODY_PARTS:
        body = render(kind, part)
        assert ACTION_URL in body, f"{kind}/{part}: no action link"
        assert UNSUBSCRIBE_URL in footer_of(part, body), f"{kind}/{part}: no unsubscribe link"


@pytest.mark.parametrize("kind", KINDS)
def test_mandatory_message_without_unsubscribe_url_has_no_dangling_link(kind):
    context = make_context(unsubscribe_url="")
    for part in PARTS:
        rendered = render(kind, part, unsubscribe_url="")
        assert "@@MISSING:" not in rendered
        assert "unsubscribe" not in rendered.lower(), f"{kind}/{part}: dangling unsubscribe"
        assert 'href=""' not in rendered
        problems = find_problems(part, rendered, context)
        assert not problems, f"{kind}/{part}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("greeting_name", ["", None])
@pytest.mark.parametrize("kind", KINDS)
def test_greeting_without_a_name_is_just_hi(kind, greeting_name):
    for part in PARTS:
        rendered = render(kind, part, greeting_name=greeting_name)
        assert "Hi ," not in rendered and "Hi  " not in rendered, f"{kind}/{part}: {rendered!r}"
        assert "None" not in rendered, f"{kind}/{part}: {rendered!r}"
    for part in BODY_PARTS:
        assert "Hi," in render(kind, part, greeting_name=greeting_name)


@pytest.mark.parametrize("kind", KINDS)
def test_greeting_uses_the_name_unescaped_in_text_and_escaped_in_html(kind):
    name = "Ana-Mar\u00eda O'Neil & Co"
    assert f"Hi {name}," in render(kind, "body.txt", greeting_name=name)
    escaped = "Hi Ana-Mar\u00eda O&#x27;Neil &amp; Co,"
    assert escaped in render(kind, "body.html", greeting_name=name)
    hostile = render(kind, "body.html", greeting_name="<script>x</script>")
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


@pytest.mark.parametrize("kind", KINDS)
def test_html_body_is_simple_accessible_and_self_contained(kind):
    body = render(kind, "body.html")
    lowered = body.lower()
    assert lowered.lstrip().startswith("<!doctype html>")
    assert '<html lang="en">' in lowered
    assert "<title>" in lowered and '<meta charset="utf-8">' in lowered
    for forbidden in ("<table", " style=", "<img", "<script", "<link", "<iframe", "@import"):
        assert forbidden not in lowered, f"{kind}: {forbidden!r} in the HTML body"
    assert lowered.count('class="button"') == 1, f"{kind}: one button-like link expected"
    assert lowered.index("<footer") < body.index(CRISIS_LINE)


def test_the_checker_catches_what_it_guards_against():
    """The checks above would fail on bad copy, bad links and titles (not only on good input)."""
    context = make_context()
    assert find_problems("subject.txt", "Your therapy module is ready", context)
    assert find_problems("sms.txt", "A note from your Clinician", context)
    assert find_problems("sms.txt", "Sexual health check: call 988", context)
    assert find_problems("body.txt", "Hi,\nYour recovery week.\n--\n" + CRISIS_LINE, context)
    assert find_problems("body.txt", "Hi, no footer here.", context)
    assert find_problems("body.txt", f"{TITLES[0]}\n--\n{CRISIS_LINE}", context)
    assert find_problems("sms.txt", "See https://ehab.example/n/12345/", context)
    assert find_problems("sms.txt", "See https://ehab.example/n/sam@example.com", context)
    assert find_problems("sms.txt", f"See {ACTION_URL}?user=12", context)
    html_body = f'<a href="/courses/3/">x</a><footer>{CRISIS_LINE}</footer>'
    assert find_problems("body.html", html_body, context)
    assert not find_problems("sms.txt", f"Something new is ready: {ACTION_URL}", context)
    assert not find_problems("body.txt", f"Hi,\n{ACTION_URL}\n--\n{CRISIS_LINE}", context)
