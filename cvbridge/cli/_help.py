"""typer's and click's own words (Usage, Options, default, required, "Show this message and
exit.", the usage errors) in the language cvbridge speaks.

typer's few gettext calls use the standard library's global domain, whose language only the
process's locale variables choose, and the click vendored in typer has its words hardcoded.
So the hooks click offers are used instead: every command of ours is one of the classes below,
whose context makes help with :class:`TranslatedFormatter` (headings, usage prefix, the
bracketed extras) and whose help option says its text in our language; the root group runs
the command without click's standalone handling and tells a usage error itself, from the
exception's fields (:func:`usage_error_text`). In English the output is click's, byte for
byte."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, NoReturn

import typer
import typer.core
from typer._click import exceptions as click_errors
from typer._click.core import Context
from typer._click.formatting import HelpFormatter
from typer._click.utils import _escape_control_characters, echo

from cvbridge._i18n import N_, _

# The headings typer writes (through the standard library's gettext, untranslated here), and
# the help of the completion options typer adds to the root command.
HEADINGS = (N_("Arguments"), N_("Options"), N_("Commands"))
_TYPER_HELP = frozenset((
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation.")))

# What typer appends to an option's help, in brackets: "[default: text; required]".
_EXTRAS = re.compile(r"(?P<help>.*?)(?P<gap>(?:^|  ))\[(?P<extras>[^\[\]]*)\]$", re.DOTALL)

# Messages of typer and click that reach a usage error: matched, then said again in
# our words with the same fields (the only texts not written here that we translate). A field
# quoted in them ('ID', 'a', 'b') is quoted again our way (« ID »).
_FOREIGN_MESSAGES = (
    (r"No such command (?P<name>'.*')\. Did you mean (?P<suggestions>.*)\?",
     N_("No such command {name}. Did you mean {suggestions}?")),
    (r"No such command (?P<name>'.*')\.", N_("No such command {name}.")),
    (r"Missing command\.", N_("Missing command.")),
    (r"Got unexpected extra arguments? \((?P<arguments>.*)\)",
     N_("Got unexpected extra argument(s) ({arguments})")),
    (r"Option (?P<name>'.*') requires an argument\.",
     N_("Option {name} requires an argument.")),
    (r"Option (?P<name>'.*') does not take a value\.",
     N_("Option {name} does not take a value.")),
    (r"(?P<value>'.*') is not a valid int range\.", N_("{value} is not a valid int range.")),
    (r"(?P<value>'.*') is not a valid float range\.",
     N_("{value} is not a valid float range.")),
    (r"(?P<value>\S+) is not in the range x>=(?P<bound>\S+)\.",
     N_("{value} is not in the range x>={bound}.")),
    (r"(?P<value>\S+) is not in the range (?P<low>\S+)<=x<=(?P<high>\S+)\.",
     N_("{value} is not in the range {low}<=x<={high}.")),
    (r"(?P<value>'.*') is not one of (?P<choices>'.*')\.",
     N_("{value} is not one of {choices}.")),
    (r"File (?P<path>'.*') does not exist\.", N_("File {path} does not exist.")),
    (r"File (?P<path>'.*') is a directory\.", N_("File {path} is a directory.")),
    (r"File (?P<path>'.*') is not readable\.", N_("File {path} is not readable.")),
)
_QUOTED_LIST = re.compile(r"'[^']*'(?:, '[^']*')*")


def quoted(name: str) -> str:
    """``name`` between the quotes of our language."""
    return _("'{name}'").format(name=name)


def _requoted(value: str) -> str:
    if not _QUOTED_LIST.fullmatch(value):
        return value
    return ", ".join(quoted(item) for item in re.findall(r"'([^']*)'", value))


@cache
def _foreign_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    # Compiled on the first error, not at start-up.
    return tuple((re.compile(pattern, re.DOTALL), template)
                 for pattern, template in _FOREIGN_MESSAGES)


def foreign_message(message: str) -> str:
    """A message typer or click wrote, in our language when we know it."""
    for pattern, template in _foreign_patterns():
        matched = pattern.fullmatch(message)
        if matched:
            return _(template).format(**{name: _requoted(value)
                                         for name, value in matched.groupdict().items()})
    return message


def _extra(part: str) -> str:
    name, colon, value = part.partition(": ")
    if part == "required":
        return _("required")
    if colon and name == "default":
        return _("default: {default}").format(default=value)
    if colon and name == "env var":
        return _("env var: {var}").format(var=value)
    return part  # a number range: no words


class TranslatedFormatter(HelpFormatter):
    """click's help formatter, saying its words and typer's in our language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}" + _("{heading}:").format(heading=heading)
                   + "\n")

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(_(name)):
            yield

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        super().write_dl([(term, self._translated_extras(text)) for term, text in rows],
                         col_max, col_spacing)

    @staticmethod
    def _translated_extras(text: str) -> str:
        if text in _TYPER_HELP:
            return _(text)
        matched = _EXTRAS.fullmatch(text)
        if matched is None:
            return text
        extras = "; ".join(_extra(part) for part in matched["extras"].split("; "))
        return f"{matched['help']}{matched['gap']}[{extras}]"


class TranslatedContext(typer.Context):
    formatter_class = TranslatedFormatter


def _translated_help_option(option: Any) -> Any:
    if option is not None:
        option.help = _("Show this message and exit.")
    return option


class TranslatedCommand(typer.core.TyperCommand):
    """A command of ours: help and its help option in our language."""

    context_class = TranslatedContext

    def get_help_option(self, ctx: Context) -> Any:
        return _translated_help_option(super().get_help_option(ctx))


class TranslatedGroup(typer.core.TyperGroup):
    """A group of ours (the root and each noun): the same, and usage errors told in our
    language."""

    context_class = TranslatedContext

    def get_help_option(self, ctx: Context) -> Any:
        return _translated_help_option(super().get_help_option(ctx))

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        run = super().main
        if not standalone_mode:
            return run(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = run(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except click_errors.NoArgsIsHelpError as error:
            error.show()  # the help itself: already in our language
            sys.exit(error.exit_code)
        except click_errors.ClickException as error:
            _exit_with(error)
        except typer.Abort:
            echo(_("Aborted!"), file=sys.stderr)
            sys.exit(1)
        # As click's standalone mode: a command's return value is not an exit status.
        sys.exit(code if isinstance(code, int) else 0)


def _hint(error: click_errors.BadParameter) -> str | None:
    """The parameter's names as click gives them ('--format' / '-f'), quoted our way."""
    hint = error.param_hint
    if isinstance(hint, str):
        return hint  # given by our own code, as it is to be shown
    if hint is not None:
        return " / ".join(quoted(name) for name in hint)
    param: Any = error.param
    if param is None:
        return None
    names = (param.opts if param.param_type_name == "option" else None) or \
        [param.human_readable_name]
    return " / ".join(quoted(name) for name in names)


def error_message(error: click_errors.ClickException) -> str:
    """What click's ``format_message`` says, in our language."""
    if isinstance(error, click_errors.MissingParameter):
        hint = _hint(error)
        kind = error.param_type or (error.param.param_type_name if error.param else None)
        text = {"argument": _("Missing argument {name}."),
                "option": _("Missing option {name}.")}.get(
            kind or "", _("Missing parameter {name}.")).format(name=hint or "")
        more = error.message
        if error.param is not None:
            choices = error.param.type.get_missing_message(param=error.param, ctx=error.ctx)
            if choices:
                more = f"{more}. {choices}" if more else choices
        return f"{text} {more}" if more else text
    if isinstance(error, click_errors.BadParameter):
        hint = _hint(error)
        message = foreign_message(error.message)
        if hint is None:
            return _("Invalid value: {message}").format(message=message)
        return _("Invalid value for {name}: {message}").format(name=hint, message=message)
    if isinstance(error, click_errors.NoSuchOption):
        escaped = _escape_control_characters(error.option_name)
        message = (_("No such option: {name}").format(name=escaped)
                   if error.message == f"No such option: {escaped}" else error.message)
        if error.possibilities:
            message += " " + _("(Possible options: {options})").format(
                options=", ".join(sorted(error.possibilities)))
        return message
    if isinstance(error, click_errors.FileError):
        return _("Could not open file {name}: {reason}").format(
            name=quoted(error.ui_filename), reason=error.message)
    return foreign_message(error.format_message())


def usage_error_text(error: click_errors.ClickException) -> str:
    """The lines click prints for ``error``: the usage and where to find help (for a usage
    error), then ``Error: ...``."""
    head = ""
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]) + "\n"
        head = f"{ctx.get_usage()}\n{hint}\n"
    return head + _("Error: {message}").format(message=error_message(error))


def _exit_with(error: click_errors.ClickException) -> NoReturn:
    ctx = getattr(error, "ctx", None)
    echo(usage_error_text(error), file=sys.stderr,
         color=ctx.color if ctx is not None else error.show_color)
    sys.exit(error.exit_code)
