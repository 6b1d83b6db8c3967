"""The Nu Html Checker as a service for the tests: one JVM per session, HTML posted to it.

The checker is `vnu.jar` from npm's `vnu-jar` package (package.json; `make install-test` runs
`npm ci`), run by the system's Java as the checker's own HTTP service on a free loopback port.
It is started in the background as soon as collection shows a test that needs it (it takes
seconds to read its schemas), so the suite goes on meanwhile; the `html_checker` fixture waits
for it. A missing Java or vnu.jar fails the tests that need it, as a missing Chromium does: the
check is never skipped quietly.

Only messages of type "error" (and "non-document-error", when the checker could not check at
all) count; "info" messages, warnings included, do not.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Quiet, the checker is ready in a few seconds; on a machine busy with other builds the JVM has
# been seen to need more than three minutes to read its schemas.
START_TIMEOUT_S = 600
CHECK_TIMEOUT_S = 60
FRAGMENT_HEAD = '<!DOCTYPE html><html lang="en"><head><title>fragment</title></head><body>'
FAILING_TYPES = frozenset({"error", "non-document-error"})
JAVA_OPTIONS = [
    "-Xss2m",  # deep documents need more than the default stack
    "-Xmx768m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",  # starts faster; checking a page takes milliseconds either way
    "-Dnu.validator.servlet.bind-address=127.0.0.1",
]


class CheckerUnavailable(Exception):
    """The checker could not be started (no Java, no vnu.jar) or stopped answering."""


@dataclass(frozen=True)
class Problem:
    url: str
    line: int | None
    message: str
    extract: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "document"
        extract = " ".join(self.extract.split())
        return f"{self.url} {where}: {self.message}" + (f"  [{extract}]" if extract else "")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HtmlChecker:
    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.log = None
        self.base_url = ""
        self.ready = False
        self.startup_error = ""
        self.started_at = 0.0
        self.waited_s = 0.0
        self.checks = 0
        self.checking_s = 0.0

    def start(self) -> None:
        """Launch the JVM without waiting for it; `wait_ready` waits."""
        if self.process is not None or self.startup_error:
            return
        java = shutil.which("java")
        if java is None:
            self.startup_error = (
                "Java not found: the HTML validity checks run the Nu Html Checker, which needs a "
                "Java runtime (apt-get install default-jre-headless)."
            )
            return
        if not VNU_JAR.exists():
            self.startup_error = (
                f"{VNU_JAR.relative_to(REPO)} not found: the HTML validity checks need npm's "
                "vnu-jar package. `make install-test` installs it (npm ci)."
            )
            return
        port = _free_port()
        self.base_url = f"http://127.0.0.1:{port}/"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        command = [java, *JAVA_OPTIONS, "-cp", str(VNU_JAR), "nu.validator.servlet.Main"]
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
            [*command, str(port)],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def _log_tail(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def wait_ready(self) -> None:
        if self.ready:
            return
        self.start()
        if self.startup_error:
            raise CheckerUnavailable(self.startup_error)
        deadline = self.started_at + START_TIMEOUT_S
        began = time.monotonic()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.startup_error = (
                    f"the Nu Html Checker exited with code {self.process.returncode} at start:\n"
                    + self._log_tail()
                )
                raise CheckerUnavailable(self.startup_error)
            try:
                with urllib.request.urlopen(self.base_url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        self.ready = True
                        self.waited_s = time.monotonic() - began
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.startup_error = (
            f"the Nu Html Checker did not answer within {START_TIMEOUT_S}s:\n" + self._log_tail()
        )
        raise CheckerUnavailable(self.startup_error)

    def check(self, html: str | bytes, *, url: str) -> list[Problem]:
        """The errors the checker finds in one HTML document (`url` only labels them)."""
        self.wait_ready()
        body = html.encode() if isinstance(html, str) else html
        request = urllib.request.Request(  # noqa: S310 - our own loopback service
            self.base_url + "?out=json",
            data=body,
            headers={"Content-Type": "text/html; charset=utf-8"},
            method="POST",
        )
        began = time.monotonic()
        with urllib.request.urlopen(request, timeout=CHECK_TIMEOUT_S) as response:  # noqa: S310
            result = json.load(response)
        self.checks += 1
        self.checking_s += time.monotonic() - began
        return [
            Problem(
                url=url,
                line=message.get("lastLine"),
                message=message.get("message", ""),
                extract=message.get("extract", ""),
            )
            for message in result.get("messages", [])
            if message.get("type") in FAILING_TYPES
        ]

    def check_fragment(self, html: str | bytes, *, url: str) -> list[Problem]:
        """The errors in a piece of a page (an htmx response), checked inside a minimal
        document's <body>; line numbers count from the fragment's first line."""
        body = html.decode() if isinstance(html, bytes) else html
        document = f"{FRAGMENT_HEAD}\n{body}\n</body></html>"
        return [
            Problem(
                url=url,
                line=problem.line - 1 if problem.line and problem.line > 1 else problem.line,
                message=problem.message,
                extract=problem.extract,
            )
            for problem in self.check(document, url=url)
        ]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.close()
            self.log = None

    def summary(self) -> str:
        if not self.ready:
            return ""
        return (
            f"HTML checker (Nu Html Checker, one JVM): the tests waited {self.waited_s:.1f}s for "
            f"it to start; {self.checks} documents checked in {self.checking_s:.1f}s"
        )


def report(problems: list[Problem], *, what: str) -> str:
    lines = [f"{len(problems)} HTML error(s) in {what} (Nu Html Checker):"]
    lines.extend(f"- {problem}" for problem in problems)
    return "\n".join(lines)


CHECKER = HtmlChecker()
