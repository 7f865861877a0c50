"""Reading an upload in a child process under a memory and a CPU-time limit.

The budget (`importer.budget`) refuses the hostile files we know of in a fraction of a
second, but a reader written in Rust and C can still be driven to allocate more than the
machine has by a file nobody has thought of yet, and then it aborts the whole process:
a dead worker, a batch left running, redelivered and killing the next worker. So the
file is read in a fresh child process (`python -m importer.sandbox`) whose address space
and CPU time are capped with `setrlimit`. Whatever kills the child, a Rust allocation
abort, a MemoryError, a signal, the CPU limit or the wall-clock timeout, becomes one
file-level refusal (`file_too_complex`) in the parent, which lives on.

The request (file bytes and what to do) goes to the child's stdin and the workbook comes
back on its stdout, both pickled with protocol 5 (out-of-band buffers need no copy; the
sheet's cells, lists of text with many repeats, pickle once per distinct string). The
parent unpickles with a loader that refuses every class: the child sends only tuples,
lists, dicts and text, so a compromised child cannot make the parent run code.

Limits come from the environment: `SHEBAO_READER_MEMORY_MB` (address space of the child,
default 2048: a 300,000-row sheet needs about 1,100 MB) and `SHEBAO_READER_CPU_SECONDS`
(default 120; the wall clock allows twice that plus 30 s for a loaded machine).
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass

from importer.errors import FileRejected, too_complex

log = logging.getLogger(__name__)

MEMORY_EXIT = 3  # the child's exit status after a MemoryError


@dataclass(frozen=True)
class ReaderLimits:
    """The child's limits (see the module docstring)."""

    memory_mb: int = 2048
    cpu_seconds: int = 120

    @property
    def wall_seconds(self) -> int:
        """How long the parent waits for the child, CPU limit or not."""
        return 2 * self.cpu_seconds + 30


class ReaderDied(FileRejected):
    """The child died instead of answering; `out_of_memory` when not for lack of time."""

    def __init__(self, rejection: FileRejected, out_of_memory: bool):
        super().__init__(rejection.code, rejection.message)
        self.out_of_memory = out_of_memory


def run_isolated(request: tuple, limits: ReaderLimits) -> tuple:
    """Send `request` to a fresh child, return its answer; ReaderDied when it died."""
    payload = pickle.dumps((request, limits.memory_mb, limits.cpu_seconds), protocol=5)
    child = subprocess.Popen(
        [sys.executable, "-m", "importer.sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = child.communicate(payload, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise _too_slow(limits) from None
    if child.returncode == 0 and out:
        return _load(out)
    log.warning(
        "reader child died (exit %s): %s", child.returncode, err[-500:].decode("utf-8", "replace")
    )
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise _too_slow(limits)
    memory = too_complex(f"读取这个文件所需的内存超过了 {limits.memory_mb:,} MB 的上限")
    raise ReaderDied(memory, out_of_memory=True)


def _too_slow(limits: ReaderLimits) -> ReaderDied:
    slow = too_complex(f"读取这个文件所需的时间超过了 {limits.cpu_seconds} 秒的上限")
    return ReaderDied(slow, out_of_memory=False)


def answer_now(answer: tuple) -> None:
    """From any thread of the child: send `answer` and end the child at once (the budget
    thread refusing a file stops calamine mid-parse this way; see `importer.reader`)."""
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=5))
    sys.stdout.flush()
    os._exit(0)


class _DataOnly(pickle.Unpickler):
    """Unpickles tuples, lists, dicts, text and numbers; refuses every class."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"the reader child sent a {module}.{name}")


def _load(out: bytes) -> tuple:
    return _DataOnly(io.BytesIO(out)).load()


def _limit_self(memory_mb: int, cpu_seconds: int) -> None:
    """Cap this (child) process: address space, CPU time, and no core dumps."""
    _lower(resource.RLIMIT_AS, memory_mb << 20, memory_mb << 20)
    # SIGXCPU at the soft limit; the kernel sends SIGKILL at the hard one.
    _lower(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 5)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _lower(which: int, soft: int, hard: int) -> None:
    """Set a limit, never above one the process already has (it could not raise it)."""
    _, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _child() -> None:
    request, memory_mb, cpu_seconds = pickle.loads(sys.stdin.buffer.read())
    _limit_self(memory_mb, cpu_seconds)
    from importer.reader import serve_request

    try:
        answer = pickle.dumps(serve_request(request), protocol=5)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    sys.stdout.buffer.write(answer)
    sys.stdout.flush()


if __name__ == "__main__":
    _child()
