"""gunicorn on a free 127.0.0.1 port for the HTTP benchmarks, and its stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def serve(app_path: str, *, cwd: Path, env: dict, workers: int, stderr=subprocess.DEVNULL,
          ready_path: str = "/healthz", tries: int = 300):
    """Start gunicorn in a session of its own; (process, base URL) once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning", app_path],
                            cwd=cwd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    for _ in range(tries):
        try:
            requests.get(url + ready_path, timeout=5)
            return proc, url
        except requests.RequestException:  # still booting its workers
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def stop(proc, wait: float = 30) -> None:
    """Stop gunicorn and its workers."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(wait)
