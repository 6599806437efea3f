"""The `ivig-home` command line run in a process of its own, as a user runs it."""

from __future__ import annotations

import subprocess
import sys

CLI = [sys.executable, "-c", "from ivig_home.cli import main; main()"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `ivig-home` with these arguments; return what it printed and its exit status."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60,
                          check=False)
