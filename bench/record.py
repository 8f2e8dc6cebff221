"""Keep what a benchmark printed as the figures of record, in docs/bench/<name>.md.

A benchmark's output goes to the terminal as before and, when the run finishes, to a
Markdown file with the command, the date, the commit and the machine it ran on, so the
documentation carries measured figures rather than figures pasted by hand. A run that
fails or is interrupted leaves the previous file as it was. BENCH_RECORD=0 turns the
file off (a trial run on a busy machine, say).
"""

import contextlib
import datetime as dt
import io
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "bench"


class _Tee(io.TextIOBase):
    """Writes go to the terminal and into a buffer."""

    def __init__(self, terminal):
        self.terminal = terminal
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self.terminal.write(text)
        self.kept.write(text)
        return len(text)

    def flush(self) -> None:
        self.terminal.flush()


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def header(title: str, started: dt.datetime, load: tuple) -> str:
    """The lines that say how and where the figures below were measured."""
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain") else ""
    command = shlex.join([Path(sys.executable).name, *sys.argv])
    return "\n".join(
        [
            f"# {title}",
            "",
            "Written by the benchmark itself; do not edit by hand.",
            "",
            f"- command: `{command}`",
            f"- started: {started:%Y-%m-%d %H:%M} UTC",
            f"- commit: `{_git('rev-parse', '--short', 'HEAD')}`{dirty}",
            f"- machine: {os.cpu_count()} CPUs, {_cpu_model()}, Python "
            f"{platform.python_version()}",
            "- load average when it started: "
            + ", ".join(f"{value:.2f}" for value in load),
            "",
        ]
    )


@contextlib.contextmanager
def recorded(name: str, title: str) -> Iterator[None]:
    """Tee stdout; on success write it to docs/bench/<name>.md."""
    if os.environ.get("BENCH_RECORD", "1") == "0":
        yield
        return
    started = dt.datetime.now(dt.UTC)
    load = os.getloadavg()
    tee = _Tee(sys.stdout)
    sys.stdout = tee
    try:
        yield
    finally:
        sys.stdout = tee.terminal
    DOCS.mkdir(parents=True, exist_ok=True)
    body = tee.kept.getvalue().rstrip("\n")
    (DOCS / f"{name}.md").write_text(
        f"{header(title, started, load)}\n```text\n{body}\n```\n"
    )
    print(f"(figures written to {(DOCS / f'{name}.md').relative_to(ROOT)})")
