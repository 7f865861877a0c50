"""The machinery every kind's pandera `DataFrameModel` is built from, and the checks
several kinds share (defined once here, inherited by the kinds' models).

A kind's model lives in its own module under `importer/kinds/`: the kind declares only
its checks (the shared ones by inheriting the mixins below, its own as `dataframe_check`s,
each named by the error code it reports and attributed to one column in the kind's
`SheetRules.check_columns`), and `model_for(SPEC)` adds one field per template column
with the checks `field_for` gives it, so its template and its validation cannot drift
apart and no header is written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

import validators.checks  # noqa: F401  (registers the check methods used by field_for)
from validators import fields, row_rules
from validators.specs import KindSpec

_TYPE_CHECKS: dict[str, dict] = {
    "name": {"person_name": ()},
    "month": {"month_format": ()},
    "date": {"date_format": (), "date_in_future": ()},
    "money": {"money_format": ()},
    "phone": {"phone_format": ()},
    "year": {"year_format": ()},
    "months": {"months_format": ()},
    "count": {"count_format": ()},
}


def field_for(spec: KindSpec, header: str):
    """A pandera Field with the checks the spec gives column `header`."""
    col = spec.column(header)
    checks: dict = {"too_long": {"max_len": col.max_len}}
    if col.required:
        checks["cell_required"] = ()
    if col.choices:
        checks["not_in_list"] = {"choices": col.choices}
    checks.update(_TYPE_CHECKS.get(col.type, {}))
    if col.type == "money" and col.max_amount:
        checks["money_too_large"] = {"limit": col.max_amount}
    if col.min_len:
        checks["too_short"] = {"min_len": col.min_len}
    # ignore_na=False: cells are never NA (blank is ""), and dropping NA per check costs time.
    return pa.Field(alias=header, ignore_na=False, **checks)


class SheetModel(pa.DataFrameModel):
    """Base of every kind's model: cells are text, extra columns are no error."""

    class Config:
        strict = False  # extra columns (our 错误说明, users' own notes) are not errors
        coerce = False


M = TypeVar("M", bound=SheetModel)


def model_for(spec: KindSpec) -> Callable[[type[M]], type[M]]:
    """A class decorator making a kind's checks class its pandera model: a subclass of
    the same name with one text field per column of `spec`, in template order (aliased
    to the header, checked as `field_for` says).

    The subclass is built in one `type()` call, the way a class statement would build
    it, so pandera sees ordinary annotated fields. Only the subclass's schema is ever
    built: the checks class lends it its check methods once (pandera consumes a check's
    `name=` the first time a model collects it, see below)."""

    def build(checks: type[M]) -> type[M]:
        annotations: dict[str, object] = {}
        namespace: dict[str, object] = {
            "__module__": checks.__module__,
            "__qualname__": checks.__qualname__,
            "__doc__": checks.__doc__,
            "__annotations__": annotations,
        }
        for n, header in enumerate(spec.headers):
            # Attribute names are positional: the header is the column's name (its alias).
            annotations[f"column_{n:02d}"] = Series[str]
            namespace[f"column_{n:02d}"] = field_for(spec, header)
        return cast(type[M], type(checks.__name__, (checks,), namespace))

    return build


# The shared checks' methods are named exactly like their error codes: pandera (0.2x)
# pops a check's `name=` from its shared metadata the first time a model is built, so a
# second model inheriting the check would fall back to the method's name.


class PersonIdChecks(SheetModel):
    """The checks of a sheet keyed by a person's 证件号码, shared by every person kind.

    A kind whose sheet has a 证件类型 column overrides `_resident_ids` so that only rows
    typed as a resident ID are held to GB 11643; without that column every digit-only
    number must be one (`untyped_id_shape`)."""

    @classmethod
    def _resident_ids(cls, df: pd.DataFrame) -> pd.Series | None:
        """Rows held to GB 11643, or None when the sheet does not say the document type."""
        return None

    @pa.dataframe_check(name="id_excel_number")
    def id_excel_number(cls, df: pd.DataFrame) -> pd.Series:
        return fields.id_not_excel_number(df["证件号码"])

    @pa.dataframe_check(name="id_format")
    def id_format(cls, df: pd.DataFrame) -> pd.Series:
        typed = cls._resident_ids(df)
        if typed is None:
            return row_rules.untyped_id_shape(df["证件号码"])
        return row_rules.only_where(typed, fields.id18_shape(df["证件号码"]))

    @pa.dataframe_check(name="id_checksum")
    def id_checksum(cls, df: pd.DataFrame) -> pd.Series:
        typed = cls._resident_ids(df)
        ok = row_rules.checksum_ok(df)
        return ok if typed is None else row_rules.only_where(typed, ok)

    @pa.dataframe_check(name="id_birth_date")
    def id_birth_date(cls, df: pd.DataFrame) -> pd.Series:
        typed = cls._resident_ids(df)
        ok = fields.id18_birth_date(df["证件号码"], validators.checks.today())
        return ok if typed is None else row_rules.only_where(typed, ok)


class OnePerPerson(SheetModel):
    """A person may appear on one row of the sheet only."""

    @pa.dataframe_check(name="duplicate_in_sheet")
    def duplicate_in_sheet(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.unique_ids(df)


class OnePerPersonAndInsurance(SheetModel):
    """A person may appear once per insurance (险种) in the sheet: two insurances of one
    person are two rows, the same insurance twice is a duplicate."""

    @pa.dataframe_check(name="duplicate_insurance_in_sheet")
    def duplicate_insurance_in_sheet(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.unique_per_insurance(df)


# The column each shared row-level check points the user to.
SHARED_CHECK_COLUMNS: dict[str, str] = {
    "id_excel_number": "证件号码",
    "id_format": "证件号码",
    "id_checksum": "证件号码",
    "id_birth_date": "证件号码",
    "duplicate_in_sheet": "证件号码",
    "duplicate_insurance_in_sheet": "险种",
}
