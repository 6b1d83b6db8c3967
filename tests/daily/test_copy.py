"""No shaming words in the daily pages (decision 0016: a lapse is information, never a reset).
Every template under templates/daily/ and every string the daily app shows (not its docstrings
or comments) is read for words that count a client down or name him by a lapse."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_honest_promises import readable_text

ROOT = Path(settings.BASE_DIR)

SHAMING = (
    r"\brelaps",
    r"\bfail",
    r"\bstreak",
    r"\bstart(?:ing)? (?:over|again from)\b",
    r"\bback to (?:day )?(?:zero|0|one|1)\b",
    r"\bday (?:zero|0)\b",
    r"\b(?:your|the|my) (?:count|counter|days?|progress) (?:is|are|was|were|has been|have been|"
    r"goes|go) (?:reset|back|lost|gone)",
    r"\breset(?:s|ting)? (?:to|your|my) (?:zero|0|count|counter|days?|progress)",
    r"\blost (?:all )?(?:your|my) (?:progress|days)",
    r"\bclean\b",
    r"\bdirty\b",
    r"\bslip(?:ped)?[- ]?up\b",
    r"\bweak(?:ness)?\b",
    r"\bpathetic\b",
    r"\bdisgust",
    r"\bashamed\b",
    r"\bshameful\b",
    r"\bguilty\b",
    r"\baddict",
    r"\bruin",
    r"\bwasted\b",
    r"\byou should(?:'ve| have)\b",
)
SHAMING_RE = re.compile("|".join(SHAMING), re.IGNORECASE)


def daily_sources() -> list[Path]:
    templates = sorted((ROOT / "templates" / "daily").rglob("*.html"))
    code = [
        path for path in sorted((ROOT / "daily").rglob("*.py")) if "migrations" not in path.parts
    ]
    return templates + code


def shaming_words(text: str) -> list[str]:
    return [match.group(0) for match in SHAMING_RE.finditer(re.sub(r"\s+", " ", text))]


def test_no_daily_page_or_message_uses_shaming_words():
    sources = daily_sources()
    assert any(path.name == "lapse_chain.html" for path in sources)
    found = [
        f"{path.relative_to(ROOT)}: “{words}”"
        for path in sources
        for words in shaming_words(readable_text(path))
    ]
    assert not found, "\n".join(found)


def test_the_lapse_pages_say_a_lapse_is_information():
    for name in ("lapse_new.html", "lapse_chain.html"):
        text = (ROOT / "templates" / "daily" / name).read_text()
        assert "A lapse is information, not the end of anything you've built." in text
        assert "Your days held still count." in text


@pytest.mark.parametrize(
    "sentence",
    [
        "You relapsed last night.",
        "Your streak is over.",
        "Back to day zero.",
        "Your counter has been reset.",
        "Don't lose your clean days.",
        "You failed your bottom lines.",
        "Time to start over.",
        "You should have called someone.",
        "Your days were\n reset to zero.",
    ],
)
def test_the_scan_catches_shaming_copy(sentence):
    assert shaming_words(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "A lapse is information, not the end of anything you've built.",
        "Your days held still count.",
        "Choose the stage you were in when it began.",
    ],
)
def test_the_scan_leaves_compassionate_copy_alone(sentence):
    assert not shaming_words(sentence)
