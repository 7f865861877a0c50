"""Read-side queries of the registry for the query pages, the API and the CLI.

`listing` is the declarative list machinery; each module defines one or more lists on it.
`LISTS` maps the CLI/API name of each list to its definition.
"""

from __future__ import annotations

from registry.queries.arrears import ARREARS
from registry.queries.changes import CHANGES, CONTRIBUTIONS, PERSON
from registry.queries.listing import ListQuery
from registry.queries.retire import REACHING, RETIREES
from registry.queries.roster import ROSTER, roster

LISTS: dict[str, ListQuery] = {
    q.name: q for q in (CHANGES, CONTRIBUTIONS, ARREARS, ROSTER, PERSON, RETIREES, REACHING)
}

__all__ = ["LISTS", "ROSTER", "roster"]
