"""`make run`: the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time

HOST = os.environ.get("EHAB_HOST", "127.0.0.1")
PORT = os.environ.get("EHAB_PORT", "8000")


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.local")
    py = sys.executable
    commands = {
        "web": [py, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
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
        f"\nE-Hab is running at http://{HOST}:{PORT}/  (Ctrl-C stops web, worker and beat)\n",
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
