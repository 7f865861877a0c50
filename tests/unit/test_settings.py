"""Settings are read once per process by the entry points and passed down: reading them
writes nothing, and the importer never imports the composition root."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shebao.settings import load_settings

pytestmark = pytest.mark.unit


def test_reading_settings_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEBAO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SHEBAO_SECRET_KEY", raising=False)
    settings = load_settings()
    assert settings.secret_key is None
    assert not (tmp_path / "var").exists()
    key = settings.signing_key()  # only the web asks for it, and then it is kept
    assert len(key) == 64 and (tmp_path / "var" / "secret_key").read_text() == key
    assert load_settings().signing_key() == key


def test_the_importer_does_not_import_the_composition_root():
    code_importer = (
        "import sys, importer.pipeline, importer.report;"
        "print('shebao' in {m.split('.')[0] for m in sys.modules})"
    )
    out = subprocess.run([sys.executable, "-c", code_importer], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
