"""`make run` (ehab/run_local.py with ehab.settings.local): links in messages follow the address
being served, and the demo runs the way people will judge it: debugging off unless asked for,
the site's own error pages, its own CSS, JS and icon served by whitenoise."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ehab import run_local

ROOT = Path(__file__).resolve().parents[2]


class FakeProcess:
    """A child that has already exited, so main() starts all three and stops at once."""

    started: list = []

    def __init__(self, cmd, env):
        self.cmd, self.env = cmd, env
        FakeProcess.started.append(self)

    def poll(self):
        return 0

    def send_signal(self, _sig):  # pragma: no cover - never running
        pass

    def wait(self, timeout=None):
        return 0

    def kill(self):  # pragma: no cover - never running
        pass


@pytest.fixture
def started(monkeypatch):
    FakeProcess.started = []
    monkeypatch.setattr(run_local.subprocess, "Popen", FakeProcess)
    monkeypatch.setattr(run_local.signal, "signal", lambda *args: None)
    for name in ("EHAB_HOST", "EHAB_PORT", "EHAB_SITE_URL", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.delenv(name, raising=False)
    return FakeProcess.started


def test_under_make_run_links_in_messages_follow_the_port_being_served(started, monkeypatch):
    monkeypatch.setenv("EHAB_PORT", "8101")
    run_local.main()
    assert {p.cmd[1] if p.cmd[1] != "-m" else p.cmd[5] for p in started} == {
        "manage.py",
        "worker",
        "beat",
    }
    (web,) = (p for p in started if p.cmd[1] == "manage.py")
    assert web.cmd[3] == "127.0.0.1:8101"
    assert {p.env["EHAB_SITE_URL"] for p in started} == {"http://127.0.0.1:8101"}


def test_under_make_run_links_follow_the_host_too(started, monkeypatch):
    monkeypatch.setenv("EHAB_HOST", "localhost")
    run_local.main()
    assert {p.env["EHAB_SITE_URL"] for p in started} == {"http://localhost:8000"}
    assert run_local.site_url("0.0.0.0", "8000") == "http://127.0.0.1:8000"  # noqa: S104


def test_an_explicit_site_url_wins_over_the_port(started, monkeypatch):
    monkeypatch.setenv("EHAB_PORT", "8101")
    monkeypatch.setenv("EHAB_SITE_URL", "https://demo.ehab.example")
    run_local.main()
    assert {p.env["EHAB_SITE_URL"] for p in started} == {"https://demo.ehab.example"}


# --- ehab.settings.local, as `make run` loads it ----------------------------------------------

PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.contrib.staticfiles import finders

client = Client(HTTP_HOST="127.0.0.1")
out = {"debug": settings.DEBUG, "site_url": settings.EHAB_SITE_URL}
missing = client.get("/no-such-page/")
out["404"] = [missing.status_code, missing.content.decode()]
static = {}
for path in ("css/ehab.css", "js/ehab.js", "vendor/htmx.min.js", "favicon.svg", "favicon.ico"):
    response = client.get(settings.STATIC_URL + path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    static[path] = [response.status_code, len(body), response.get("Content-Type", "")]
out["static"] = static
icon = client.get("/favicon.ico", follow=True)
out["favicon"] = [icon.status_code, icon.get("Content-Type", "")]
print("PROBE" + json.dumps(out))
"""


def probe_local_settings(tmp_path, **extra_env) -> dict:
    """Load ehab.settings.local in a fresh interpreter (as `make run` does), with nothing of
    this test run's environment but the essentials, and answer a few requests there."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "ehab.settings.local",
        "EHAB_VAR_DIR": str(tmp_path),
        "DJANGO_STATIC_ROOT": str(tmp_path / "staticfiles"),  # never collected: finders serve
        **extra_env,
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, result.stderr[-3000:]
    return json.loads(line.removeprefix("PROBE"))


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    return probe_local_settings(tmp_path_factory.mktemp("local"))


def test_the_local_run_keeps_debugging_off_unless_asked(local, tmp_path):
    assert local["debug"] is False
    assert probe_local_settings(tmp_path, DJANGO_DEBUG="true")["debug"] is True


def test_a_missing_page_in_the_local_run_is_the_sites_own_404(local):
    status, body = local["404"]
    assert status == 404
    assert "We could not find that page" in body
    assert "URLconf" not in body and "Page not found" not in body  # Django's debug page


def test_the_local_run_serves_the_sites_css_js_and_icon_through_whitenoise(local):
    for path, (status, size, _type) in local["static"].items():
        assert status == 200, f"{path}: {status}"
        assert size > 0, path
    assert local["static"]["css/ehab.css"][2].startswith("text/css")
    assert local["favicon"][0] == 200
    assert local["favicon"][1] in ("image/x-icon", "image/vnd.microsoft.icon")


def test_the_local_run_links_messages_to_the_address_it_serves(tmp_path):
    environment = run_local.child_environment({"EHAB_PORT": "8101"})
    probed = probe_local_settings(tmp_path, EHAB_SITE_URL=environment["EHAB_SITE_URL"])
    assert probed["site_url"] == "http://127.0.0.1:8101"
