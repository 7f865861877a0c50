"""Templates that start from the registry: a kind's standard template pre-filled with the
employer's persons ("含本单位在职人员"), for the kinds that act on people already here.

Same generator as the empty template (`templates_xlsx.build.build_template`), so the
upload is read and validated exactly the same way; rows the clerk leaves untouched are
skipped on upload (`Kind.prefilled_columns`, `importer.layout.skip_untouched`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from importer.context import rule_context
from importer.kinds import KINDS
from registry.models import Employer
from templates_xlsx.build import build_template
from validators.specs import KindSpec

PREFILL_LABEL = "含本单位在职人员"


def prefillable(kind: str) -> bool:
    """Whether `kind` offers a pre-filled template."""
    return kind in KINDS and KINDS[kind].prefill is not None


def prefilled_template(session: Session, kind: str, employer_id: int) -> bytes:
    """The template of `kind` filled with the employer's active persons (.xlsx bytes);
    KeyError for a kind without one (see `prefillable`), LookupError for no employer."""
    found = KINDS[kind]
    if found.prefill is None:
        raise KeyError(kind)
    employer = session.get(Employer, employer_id)
    if employer is None:
        raise LookupError(employer_id)
    ctx = rule_context(session, employer.code)
    return build_template(found.spec, found.prefill(session, employer_id, ctx))


def prefilled_file_name(spec: KindSpec) -> str:
    """The download name of a pre-filled template, e.g. 人员减少模板(含本单位在职人员).xlsx."""
    return f"{spec.title}模板({PREFILL_LABEL}).xlsx"
