"""Who holds a lease: `host:pid:start:nonce`, and whether that process is provably dead.

The start time (clock ticks since boot, from `/proc/<pid>/stat`) tells a reused pid from
the process that held the lease: a container restarted after an out-of-memory kill starts
its pids again from 1. Only a holder on this host can be judged; any other is presumed
alive, and its lease ends by its TTL.
"""

from __future__ import annotations

import os
import socket
import uuid


def _start_ticks(pid: int) -> str | None:
    """The process's start time, or None when it does not exist; "" where /proc is absent."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            # The command name (field 2) may hold spaces and parentheses: split after it.
            return stat.read().rpartition(")")[2].split()[19]
    except FileNotFoundError:
        return None if os.path.isdir("/proc/self") else ""
    except (OSError, IndexError):
        return ""


def new_holder() -> str:
    """This process's holder string (a fresh nonce each time, so holders never repeat)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or ''}:{uuid.uuid4().hex[:12]}"


def holder_is_dead(holder: str) -> bool:
    """True only when `holder` names a process of this host that no longer runs."""
    host, _, rest = holder.rpartition(":")[0].partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # ours: alive by definition (a thread of this process may hold it)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, owned by another user
    now = _start_ticks(pid)
    return bool(started and now and now != started)
