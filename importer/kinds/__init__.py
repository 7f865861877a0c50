"""The registry of declaration kinds: one module per kind, each defining one `Kind`.

The pipeline, templates, web, API, CLI and menu look kinds up here and nowhere else.
Adding a kind = its module (listed in `_MODULES`), its template (`python -m
templates_xlsx`), its tests, and a migration when it needs tables of its own; the
module brings its own code lists and message templates (`Kind.messages`, merged into
`validators.messages` here), so no shared list is edited.
`tests/unit/test_kind_registry.py` fails when a registered kind lacks a part.
"""

from __future__ import annotations

from importlib import import_module

from importer.kinds.base import Kind
from validators import messages
from validators.specs import KindSpec

_MODULES = (
    "person_add",
    "person_remove",
    "insurance_add",
    "insurance_remove",
    "base_declare",
    "injury_report",
    "injury_appraisal",
    "employer_change",
)


def _load() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for module in _MODULES:
        kind = import_module(f"importer.kinds.{module}").KIND
        assert kind.name == module, f"importer.kinds.{module} defines {kind.name}"
        # Before any sheet is judged: a kind's checks and rules render these.
        messages.register(kind.name, kind.messages)
        kinds[kind.name] = kind
    return kinds


KINDS: dict[str, Kind] = _load()
# Each kind's column spec by its code (what templates, layout detection and pages need).
SPECS: dict[str, KindSpec] = {name: k.spec for name, k in KINDS.items()}
KIND_BY_TITLE: dict[str, str] = {k.title: name for name, k in KINDS.items()}


def get_kind(kind: str) -> Kind:
    """The kind called `kind`; KeyError names the known kinds."""
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}") from None


def spec_of(kind: str) -> KindSpec:
    """The column spec (template layout) of `kind`."""
    return get_kind(kind).spec


def specs() -> list[KindSpec]:
    """Every kind's spec, in registration order."""
    return [k.spec for k in KINDS.values()]
