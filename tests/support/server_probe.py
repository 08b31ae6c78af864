"""What a server process holds, read from /proc (Linux): threads, resident memory, CPU seconds."""
from __future__ import annotations

import os
from pathlib import Path


def _status(pid: int) -> dict[str, str]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def threads(pid: int) -> int:
    return int(_status(pid)["Threads"])


def thread_names(pid: int) -> list[str]:
    """The names of the process's threads (Python's thread names are not visible here: the kernel's are)."""
    names = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            names.append((task / "comm").read_text().strip())
        except OSError:  # the thread ended while we looked
            pass
    return sorted(names)


def rss_mb(pid: int) -> float:
    return int(_status(pid)["VmRSS"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
