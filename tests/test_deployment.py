"""The deployment files say what the README says: docker-compose.yml runs web, worker, exactly one
beat, PostgreSQL, Redis and a mail catcher under the production settings; the Dockerfile installs
exactly what the lock file pins; the lock files pin everything pyproject.toml asks for.

No Docker engine runs here, so these read the files; the production settings are loaded with the
compose file's own environment in a fresh interpreter, as the containers would load them.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat")


def _command(service: str) -> str:
    command = SERVICES[service]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_runs_every_service_the_readme_names():
    assert set(SERVICES) == {"web", "worker", "beat", "postgres", "redis", "mailpit"}


def test_the_app_services_share_one_image_and_the_production_settings():
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["build"] == "."
        env = service["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "ehab.settings.production"
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert env["EMAIL_HOST"] == "mailpit"
        # The key is never written into the file: compose refuses to start without it.
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")


def test_web_migrates_then_serves_with_gunicorn_and_is_health_checked():
    command = _command("web")
    assert command.index("migrate --noinput") < command.index("gunicorn ehab.wsgi:application")
    assert "exec gunicorn" in command  # gunicorn receives the stop signal itself
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    for name in ("postgres", "redis"):
        assert SERVICES["web"]["depends_on"][name]["condition"] == "service_healthy"


def test_workers_and_exactly_one_beat_start_after_the_migrations():
    assert re.search(r"\bcelery -A ehab worker\b", _command("worker"))
    assert re.search(r"\bcelery -A ehab beat\b", _command("beat"))
    for name in ("worker", "beat"):
        assert SERVICES[name]["depends_on"]["web"]["condition"] == "service_healthy"
    beat = SERVICES["beat"]
    assert "deploy" not in beat and "scale" not in beat  # never more than one
    # Beat's schedule file must be writable by the unprivileged user of the image.
    assert "--schedule /tmp/" in _command("beat")


def test_ports_are_published_on_the_loopback_address_only():
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_the_production_settings_load_with_the_compose_environment():
    env = dict(SERVICES["web"]["environment"])
    env["DJANGO_SECRET_KEY"] = "compose-test-key-" + "k3y" * 20
    env.update(PATH="/usr/bin:/bin", PYTHONPATH=str(ROOT))
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
         " print(settings.EHAB_SITE_URL, settings.SECURE_SSL_REDIRECT)"],
        env={k: str(v) for k, v in env.items()}, capture_output=True, text=True, check=False,
        cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["http://localhost:8000", "False"]


def _lock(name: str) -> dict[str, str]:
    """Package name → pinned version, from a pip-compile lock file with hashes."""
    text = (ROOT / name).read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", text, re.MULTILINE))
    hashed = re.findall(r"^[A-Za-z0-9_.-]+==[^\s\\]+ \\\n\s+--hash=sha256:", text, re.MULTILINE)
    assert len(hashed) == len(pins), f"every pin in {name} carries its hashes"
    return {_norm(k): v for k, v in pins.items()}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    "lock, requirements",
    [
        ("requirements.lock", PROJECT["dependencies"]),
        (
            "requirements-test.lock",
            PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"],
        ),
    ],
)
def test_each_lock_file_pins_every_dependency_within_its_range(lock, requirements):
    pins = _lock(lock)
    for line in requirements:
        requirement = Requirement(line)
        name = _norm(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in {lock}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {requirement.name}=={pins[name]}, outside {requirement.specifier}"
        )


def test_the_image_installs_exactly_the_lock_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    assert re.search(r"^USER ehab$", dockerfile, re.MULTILINE)  # never root at run time
    assert "collectstatic --noinput" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "requirements.lock" not in ignored
