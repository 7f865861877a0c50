"""Headers of sheets brought from other systems (payroll exports, outsourcers' rosters):
which standard column each stands for, and the mapping a sheet's header row gets.

Three sources, in order: the standard header itself; a mapping the employer made by hand
once on the upload page (remembered per employer and kind); a known unambiguous name
(身份证号码 is the 证件号码). Ambiguous names (a 工资 column is not necessarily the
月缴费工资) are never mapped by themselves: they are only named in the message about
missing columns, so the clerk knows which header to rename or map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from importer.reader import clean_header
from validators.specs import KindSpec

# Names other systems use for a standard column, read as that column automatically.
KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    "姓名": ("雇员姓名", "职工姓名", "员工姓名", "人员姓名", "参保人姓名"),
    "证件号码": (
        "身份证号码",
        "身份证号",
        "公民身份号码",
        "证件号",
        "身份证件号码",
        "社会保障号码",
    ),
    "证件类型": ("身份证件类型",),
    "联系电话": ("电话号码", "手机号", "手机号码", "联系手机", "手机"),
    "参保年月": ("参保时间", "起缴月份", "缴费起始年月", "起缴年月", "参保月份"),
    "停保年月": ("截止月份", "停缴月份", "停保时间", "停缴年月", "减少年月"),
    "月缴费工资": ("申报工资", "缴费工资基数", "申报缴费工资", "月缴费基数"),
    "出生日期": ("出生年月日",),
    "户口性质": ("户籍性质", "户口类型"),
    "个人身份": ("人员身份",),
    "用工形式": ("用工类型",),
    "参加工作日期": ("参加工作时间",),
    "增加原因": ("参保原因",),
    "减少原因": ("停保原因", "离职原因"),
}
# Names that may or may not mean the standard column: only suggested, never mapped.
SUGGESTED_NAMES: dict[str, tuple[str, ...]] = {
    "月缴费工资": ("工资", "月工资", "缴费基数", "应发工资"),
    "联系电话": ("电话", "联系方式"),
    "出生日期": ("出生年月", "生日"),
    "参保年月": ("参保日期",),
    "停保年月": ("停保日期",),
    "证件号码": ("身份证",),
}
KNOWN_BY_NAME: dict[str, str] = {
    alias: standard for standard, aliases in KNOWN_NAMES.items() for alias in aliases
}
ANY_HEADER_NAME: set[str] = set(KNOWN_BY_NAME)
# Columns a resident ID number already holds: a sheet without them is read, the values
# taken from the ID (and the clerk told so).
FROM_ID_NUMBER = ("性别", "出生日期")


@dataclass
class HeaderMapping:
    """How one header row is read: column index → the standard header it stands for."""

    columns: dict[int, str] = field(default_factory=dict)
    # (header as typed, standard header, "known" | "employer") for each renamed column.
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    # Standard headers absent from the sheet whose values come from the ID number.
    from_id: list[str] = field(default_factory=list)

    def standard_headers(self) -> set[str]:
        """The standard headers the sheet has, directly or mapped."""
        return set(self.columns.values())


def map_headers(
    spec: KindSpec, raw_header: Sequence[str], remembered: Mapping[str, str] | None = None
) -> HeaderMapping:
    """The mapping of `raw_header` for `spec`'s kind: standard names first, then the
    employer's `remembered` mappings (header as typed, cleaned → standard), then the known
    names of other systems. A standard column present twice is left to the duplicate
    check; a column is never mapped onto a standard header the sheet already has."""
    cleaned = [clean_header(h) for h in raw_header]
    wanted = set(spec.headers)
    mapping = HeaderMapping()
    for i, name in enumerate(cleaned):
        if name in wanted:
            mapping.columns.setdefault(i, name)
    present = set(mapping.columns.values())
    for source, lookup in (("employer", remembered or {}), ("known", KNOWN_BY_NAME)):
        for i, name in enumerate(cleaned):
            target = lookup.get(name)
            if i in mapping.columns or target not in wanted or target in present:
                continue
            mapping.columns[i] = target
            mapping.renamed.append((raw_header[i].strip(), target, source))
            present.add(target)
    if "证件号码" in present:
        mapping.from_id = [h for h in FROM_ID_NUMBER if h in wanted and h not in present]
    return mapping


def unmapped_headers(raw_header: Sequence[str], mapping: HeaderMapping) -> list[str]:
    """Headers of the sheet that stand for no standard column (choices for a hand mapping)."""
    return [
        h.strip() for i, h in enumerate(raw_header) if i not in mapping.columns and clean_header(h)
    ]


def suggestions(missing: Sequence[str], raw_header: Sequence[str]) -> list[str]:
    """「工资」改为「月缴费工资」 for each missing column an ambiguous header may stand for."""
    cleaned = {clean_header(h) for h in raw_header}
    return [
        f"「{alias}」改为「{h}」"
        for h in missing
        for alias in SUGGESTED_NAMES.get(h, ()) + KNOWN_NAMES.get(h, ())
        if alias in cleaned
    ]
