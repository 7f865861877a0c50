"""Code lists of the standard templates (the drop-down lists users pick from) that several
kinds or the shared rules use. A list only one kind offers (人员增加's 户口性质, 人员减少's
减少原因, the 工伤 categories ...) lives in that kind's module under `importer/kinds/`."""

from __future__ import annotations

INSURANCES: dict[str, str] = {
    "110": "企业职工基本养老保险",
    "210": "失业保险",
    "310": "职工基本医疗保险",
    "410": "工伤保险",
}
# Template column of each insurance, in the order DOMAIN.md lists the columns.
INSURANCE_COLUMNS: dict[str, str] = {
    "养老保险": "110",
    "医疗保险": "310",
    "失业保险": "210",
    "工伤保险": "410",
}
INSURANCE_SHORT_NAMES: dict[str, str] = {v: k for k, v in INSURANCE_COLUMNS.items()}

ID_TYPES = ["居民身份证", "港澳台居民居住证", "外国人永久居留身份证", "护照"]
# Document types whose number follows GB 11643 (birth date, gender digit, check character).
GB11643_ID_TYPES = {"居民身份证", "港澳台居民居住证"}
GENDERS = ["男", "女"]
IDENTITIES = ["工人", "干部"]
# 人员险种增加 / 人员险种减少: the 险种 column names an insurance by its template column.
INSURANCE_CHOICES = list(INSURANCE_COLUMNS)
YES_NO = ["是", "否"]
