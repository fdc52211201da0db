"""Global options wherever they are typed: ``cvbridge candidates list --db URL`` means what
``cvbridge --db URL candidates list`` means, as users of git-like tools expect."""

from __future__ import annotations

from typing import Any

import typer
import typer.core

from cvbridge._i18n import _
from cvbridge.cli._help import TranslatedGroup

# Root options that take a value, and the root flag, moved in front of the command name.
HOISTED_WITH_VALUE = ("--db", "--config", "--lang")
HOISTED_FLAGS = ("--verbose",)


def _leaf_options(group: typer.core.TyperGroup, ctx: Any, args: list[str]) -> set[str]:
    """The option names the command named in ``args`` declares itself (``poll --verbose``
    is poll's own, not the root's)."""
    command: Any = group
    for token in args:
        if token == "--":
            break
        if token.startswith("-"):
            continue
        sub = command.get_command(ctx, token) if hasattr(command, "get_command") else None
        if sub is None:
            break
        command = sub
    if command is group:
        return set()
    return {name for param in command.params for name in getattr(param, "opts", ())}


def hoist_global_options(group: typer.core.TyperGroup, ctx: Any, args: list[str]
                         ) -> list[str]:
    """``args`` with the root options found after the command name moved in front of it."""
    own = _leaf_options(group, ctx, args)
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        if token == "--":
            rest += args[index:]
            break
        name = token.partition("=")[0]
        if name in HOISTED_WITH_VALUE and name not in own:
            if "=" in token:
                front.append(token)
            elif index + 1 == len(args) or args[index + 1] == "--":
                raise typer.BadParameter(_("needs a value"), ctx=ctx, param_hint=name)
            else:
                front += [token, args[index + 1]]
                index += 1
        elif token in HOISTED_FLAGS and token not in own:
            front.append(token)
        else:
            rest.append(token)
        index += 1
    return front + rest


class GlobalOptionsGroup(TranslatedGroup):
    """The root group: hoists the global options before parsing."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(self, ctx, args))
