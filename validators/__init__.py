"""Pure sheet validation: column specs, field checks, pandera models, the error model.

Nothing here touches a database, a file or the clock directly: registry-derived figures
and "today" arrive in a `RuleContext`.
"""
