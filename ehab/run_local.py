"""`make run`: the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time


def site_url(host: str, port: str) -> str:
    """The address a browser on this machine opens for a server listening on host:port."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - listening everywhere; links go to loopback
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def child_environment(environ) -> dict[str, str]:
    """The environment of web, worker and beat: the local settings by default, and links in
    messages pointing at the address being served (EHAB_HOST, EHAB_PORT) unless EHAB_SITE_URL
    names one."""
    env = dict(environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.local")
    if not env.get("EHAB_SITE_URL"):
        env["EHAB_SITE_URL"] = site_url(
            env.get("EHAB_HOST") or "127.0.0.1", env.get("EHAB_PORT") or "8000"
        )
    return env


def main() -> int:
    env = child_environment(os.environ)
    host = env.get("EHAB_HOST") or "127.0.0.1"
    port = env.get("EHAB_PORT") or "8000"
    py = sys.executable
    commands = {
        "web": [py, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [
            py,
            "-m",
            "celery",
            "-A",
            "ehab",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--pool=threads",
        ],
        "beat": [py, "-m", "celery", "-A", "ehab", "beat", "--loglevel=INFO"],
    }
    procs: dict[str, subprocess.Popen] = {}
    for name, cmd in commands.items():
        procs[name] = subprocess.Popen(cmd, env=env)  # noqa: S603 - fixed argument lists
    print(
        f"\nE-Hab is running at {site_url(host, port)}/  (Ctrl-C stops web, worker and beat)\n",
        flush=True,
    )

    def stop(*_args):
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        while True:
            for name, proc in procs.items():
                code = proc.poll()
                if code is not None:
                    print(f"{name} stopped (exit {code}); stopping the others.", flush=True)
                    stop()
                    return code or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop()
        return 0


if __name__ == "__main__":
    sys.exit(main())
