"""The left menu of the original system, grouped 申报 / 查询 (审核 for reviewers).

A module that is not built yet is shown greyed out without a link: the menu never
leads to a page that only pretends. A declaration module becomes a link as soon as its
kind is registered in `importer.kinds`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from importer.kinds import KIND_BY_TITLE

DECLARE_ITEMS = [
    "人员增加",
    "人员减少",
    "人员险种增加",
    "人员险种减少",
    "年度缴费基数申报",
    "单位基本信息变更",
    "工伤事故申报",
    "工伤鉴定",
]
QUERY_ITEMS = [
    "单位基本信息",
    "人员增减名册",
    "单位缴费信息",
    "单位人员名册",
    "人员缴费信息",
    "养老个人帐户对帐单",
    "退休人员档案",
    "单位到龄人员",
]
# Declaration modules with a page of their own instead of the generic upload page.
DECLARE_ENDPOINTS = {"单位基本信息变更": "employer_change.form_page"}
# Query modules built so far, by menu title.
QUERY_ENDPOINTS = {
    "单位基本信息": "queries.employer_page",
    "人员增减名册": "queries.changes_page",
    "单位缴费信息": "queries.contributions_page",
    "单位人员名册": "queries.roster_page",
    "人员缴费信息": "queries.person_page",
    "养老个人帐户对帐单": "queries.statement_page",
    "退休人员档案": "queries.retirees_page",
    "单位到龄人员": "queries.reaching_age_page",
}
RESULTS_TITLE = "申报及结果查询"
RESULTS_ENDPOINT = "declarations.list_page"


@dataclass(frozen=True)
class MenuItem:
    """One entry; `url` is None for a module that is not open yet."""

    title: str
    url: str | None
    endpoint: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class MenuGroup:
    """A titled group of entries."""

    title: str
    items: list[MenuItem]


def _declare_group() -> MenuGroup:
    items = []
    for title in DECLARE_ITEMS:
        kind = KIND_BY_TITLE.get(title)
        own = DECLARE_ENDPOINTS.get(title)
        if kind and own:
            items.append(MenuItem(title, url_for(own), own))
            continue
        url = url_for("declare.kind_page", kind=kind) if kind else None
        items.append(MenuItem(title, url, "declare.kind_page" if kind else None, kind))
    items.append(MenuItem(RESULTS_TITLE, url_for(RESULTS_ENDPOINT), RESULTS_ENDPOINT))
    return MenuGroup("申报", items)


def _review_group() -> MenuGroup:
    return MenuGroup(
        "审核",
        [
            MenuItem("审核队列", url_for("review.queue"), "review.queue"),
            MenuItem(RESULTS_TITLE, url_for(RESULTS_ENDPOINT), RESULTS_ENDPOINT),
            MenuItem("到账导入", url_for("queries.payments_import"), "queries.payments_import"),
        ],
    )


def _query_group() -> MenuGroup:
    items = []
    for title in QUERY_ITEMS:
        endpoint = QUERY_ENDPOINTS.get(title)
        # A reviewer reaches the same pages and chooses the employer there.
        if endpoint:
            items.append(MenuItem(title, url_for(endpoint), endpoint))
        else:
            items.append(MenuItem(title, None))
    return MenuGroup("查询", items)


def menu_for(role: str) -> list[MenuGroup]:
    """The menu groups a user of `role` sees."""
    reviewer = role == "reviewer"
    first = _review_group() if reviewer else _declare_group()
    return [first, _query_group()]
