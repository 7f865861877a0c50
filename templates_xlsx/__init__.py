"""The standard .xlsx templates, generated from the kind specs in `validators.specs`.

`build_template(kind)` makes a template, `write_rows_workbook(...)` writes rows in the same
layout (the corrections workbook), `python -m templates_xlsx` regenerates the committed
`<kind>.xlsx` files that a unit test compares byte for byte with the specs.
"""

from templates_xlsx.build import (
    build_template,
    regenerate,
    template_path,
    write_rows_workbook,
)
from templates_xlsx.cells import excel_safe, excel_unescape

__all__ = [
    "build_template",
    "excel_safe",
    "excel_unescape",
    "regenerate",
    "template_path",
    "write_rows_workbook",
]
