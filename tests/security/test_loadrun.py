"""A few seconds of devtools/loadrun.py (the load run) on a database of its own: no error, invariants hold.

The real run is 60 seconds with 20 clients (`.venv/bin/python devtools/loadrun.py`); this keeps the script
working. PostgreSQL only, like the script.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from django.db import connection

from tests.conftest import postgres_only

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@postgres_only
def test_a_short_load_run_has_no_errors_and_keeps_the_invariants():
    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = f"{server}/tracker_loadrun_{uuid.uuid4().hex[:8]}"
    args = ["--seconds", "3", "--clients", "4", "--suggestions", "40", "--workers", "2"]

    result = subprocess.run(
        [sys.executable, "devtools/loadrun.py", *args, "--port", str(free_port()), "--drop"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"errors \(5xx, connection\)\s+0\n", result.stdout), result.stdout
    assert re.search(r"invariants\s+hold", result.stdout), result.stdout
    requests = int(re.search(r"requests\s+([\d,]+)", result.stdout).group(1).replace(",", ""))
    assert requests > 0  # a throughput figure is not asserted: the machine may be busy (never wall-clock)
