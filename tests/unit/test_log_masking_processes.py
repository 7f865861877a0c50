"""Every process of the product masks ID numbers in its logs: the web app (tested with
the pages), the Celery worker and the command line, whatever handler writes the line."""

from __future__ import annotations

import subprocess
import sys

import pytest

FULL = "330682199003150018"
MASKED = "330682********0018"

# Each snippet sets the process up as its entry point does, then logs an ID number.
SNIPPETS = {
    "worker": "import worker.app",
    "cli": (
        "import tempfile; from click.testing import CliRunner; from shebao.cli import main; "
        "out = tempfile.mktemp(suffix='.xlsx'); "
        "assert CliRunner().invoke(main, ['template', 'person_add', '-o', out]).exit_code == 0"
    ),
}


@pytest.mark.parametrize("process", sorted(SNIPPETS))
def test_the_process_logs_no_id_number_in_full(process):
    code = (
        f"{SNIPPETS[process]}; import logging; logging.basicConfig(); "
        f"logging.getLogger('shebao.test').warning('行 5 证件号码 %s 重复', '{FULL}')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert MASKED in done.stderr and FULL not in done.stderr
