"""Column specs of every standard template: the single source for templates, reading,
validation and reports. Header names are exactly those of DOMAIN.md, in its order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from validators import codes

FieldType = Literal["text", "name", "id", "code", "date", "month", "money", "phone", "yesno"]


@dataclass(frozen=True)
class ColumnSpec:
    """One template column: header, whether required, how its cells are read and checked."""

    name: str
    type: FieldType = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    max_len: int = 200
    default: str = ""
    hint: str = ""
    width: int = 14


@dataclass(frozen=True)
class KindSpec:
    """One declaration kind and its template layout."""

    kind: str
    title: str
    purpose: str
    version: int
    columns: tuple[ColumnSpec, ...]
    example: tuple[str, ...] = field(default=())

    @property
    def headers(self) -> list[str]:
        """The header row, in template order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Headers that must be present in an uploaded sheet and filled in every row."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        """The spec of header `name`."""
        return next(c for c in self.columns if c.name == name)


def _code(name: str, choices: list[str], required: bool = True, **kw) -> ColumnSpec:
    return ColumnSpec(name, "code", required, tuple(choices), **kw)


_ID = ColumnSpec(
    "证件号码", "id", True, width=22,
    hint="18 位居民身份证号码, 末位 X 大小写均可; 本列已设为文本格式, 请勿改成数值, 否则 Excel 会改掉后几位",
)  # fmt: skip
_NAME = ColumnSpec(
    "姓名", "name", True, max_len=30, width=12, hint="2-30 个汉字或字母, 可含空格和间隔号 ·"
)
_NOTE = ColumnSpec("备注", "text", False, max_len=200, width=20)

PERSON_ADD = KindSpec(
    kind="person_add",
    title="人员增加",
    purpose="为新招用或转入的职工办理参保登记, 每行一人。",
    version=2,
    columns=(
        _NAME,
        _code("证件类型", codes.ID_TYPES, required=False, default="居民身份证", width=16),
        _ID,
        _code("性别", codes.GENDERS, width=8),
        ColumnSpec("出生日期", "date", True, width=12, hint="如 1990-01-31, 须与身份证号码一致"),
        _code("民族", codes.ETHNICITIES, required=False, width=10),
        _code("户口性质", codes.HUKOU, width=10),
        _code("个人身份", codes.IDENTITIES, width=10, hint="女职工的退休年龄按工人或干部区分"),
        _code("用工形式", codes.EMPLOYMENT_FORMS, width=12),
        ColumnSpec("参加工作日期", "date", False, width=14),
        _code("增加原因", codes.ADD_REASONS, width=10),
        ColumnSpec("参保年月", "month", True, width=10, hint="6 位年月, 如 202611; 不能晚于下月, 不能早于 12 个月前"),
        ColumnSpec("月缴费工资", "money", True, width=12, hint="元, 最多两位小数; 低于下限或高于上限的按下限或上限核定"),
        _code("养老保险", codes.YES_NO, width=10),
        _code("医疗保险", codes.YES_NO, width=10),
        _code("失业保险", codes.YES_NO, width=10),
        _code("工伤保险", codes.YES_NO, width=10),
        ColumnSpec("联系电话", "phone", True, width=14, hint="11 位手机号, 或带区号的固定电话如 0575-82123456"),
        _NOTE,
    ),
    example=(
        "张伟", "居民身份证", "330682199003150018", "男", "1990-03-15", "汉族", "城镇", "工人",
        "劳动合同制", "2012-07-01", "新参保", "202611", "6500", "是", "是", "是", "是",
        "13812345678", "",
    ),
)  # fmt: skip

PERSON_REMOVE = KindSpec(
    kind="person_remove",
    title="人员减少",
    purpose="为离职、退休等原因不再在本单位参保的职工办理停保, 每行一人。",
    version=2,
    columns=(
        _NAME,
        _ID,
        _code("减少原因", codes.REMOVE_REASONS, width=14),
        ColumnSpec(
            "停保年月",
            "month",
            True,
            width=10,
            hint="6 位年月, 如 202611; 不能早于参保年月, 不能晚于下月",
        ),
        _NOTE,
    ),
    example=("张伟", "330682199003150018", "辞职", "202611", ""),
)

KINDS: dict[str, KindSpec] = {s.kind: s for s in (PERSON_ADD, PERSON_REMOVE)}
KIND_BY_TITLE: dict[str, str] = {s.title: s.kind for s in KINDS.values()}
# Written by us beside the data in corrections workbooks; ignored when read back.
ERROR_NOTE_COLUMN = "错误说明"


def get_kind(kind: str) -> KindSpec:
    """The spec of `kind`; KeyError names the known kinds."""
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}") from None
