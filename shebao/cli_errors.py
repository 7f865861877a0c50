"""The command line's refusals: a Chinese message on standard error after 错误:, exit 1.

click's own `ClickException` prints "Error: …", English in front of a Chinese message;
`Refusal` is the same exception (same exit code, same place) with the Chinese prefix.
Every command raises it for a request it cannot carry out. click's usage errors (an
unknown option, a missing argument) keep click's own text and exit code 2.
"""

from __future__ import annotations

from typing import IO, Any

import click


class Refusal(click.ClickException):
    """A request the command cannot carry out; `message` is Chinese."""

    def show(self, file: IO[Any] | None = None) -> None:
        """Write 错误: and the message to standard error (or `file`)."""
        click.echo(f"错误: {self.format_message()}", file=file, err=True)
