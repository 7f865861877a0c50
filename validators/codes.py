"""Code lists of the standard templates (the drop-down lists users pick from)."""

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
HUKOU = ["城镇", "农村"]
IDENTITIES = ["工人", "干部"]
EMPLOYMENT_FORMS = ["劳动合同制", "劳务派遣", "非全日制", "其他"]
ADD_REASONS = ["新参保", "续保", "转入", "其他"]
REMOVE_REASONS = [
    "解除劳动合同",
    "终止劳动合同",
    "辞职",
    "退休",
    "死亡",
    "转出",
    "参军",
    "出国定居",
    "其他",
]
# 人员险种增加 / 人员险种减少: the 险种 column names an insurance by its template column.
INSURANCE_CHOICES = list(INSURANCE_COLUMNS)
INSURANCE_REMOVE_REASONS = ["达到退休年龄", "重复参保", "转往他处参保", "其他"]
YES_NO = ["是", "否"]
ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
    "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族",
    "珞巴族", "基诺族", "其他", "外国血统",
]  # fmt: skip

# --- 工伤事故申报 / 工伤鉴定 ---
ACCIDENT_CATEGORIES = [
    "工作时间工作场所事故",
    "上下班交通事故",
    "因工外出事故",
    "职业病",
    "其他",
]
# A reviewer's decision on a reported accident (工伤保险条例 art. 14-15).
INJURY_APPROVALS = ["认定工伤", "视同工伤"]
INJURY_REJECTION = "不予认定"
APPRAISAL_CATEGORIES = ["初次鉴定", "复查鉴定", "再次鉴定"]
DISABILITY_GRADES = [
    "一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级", "未达等级",
]  # fmt: skip
SELF_CARE_LEVELS = ["生活完全不能自理", "生活大部分不能自理", "生活部分不能自理", "未达等级"]
