"""The ``cvbridge`` command: a thin layer over the library API, one sub-app per noun.

The console script :func:`main` chooses the language before the commands are built (their
help texts are made in it, see ``_language``); ``app`` is built on first use, in the language
spoken then (English unless :func:`cvbridge._i18n.use_language` was called)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cvbridge.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the console script: the language first, then the command."""
    from cvbridge._errors import ConfigError
    from cvbridge._i18n import locale_language, use_language
    from cvbridge.cli._exits import EXIT_USAGE
    from cvbridge.cli._language import chosen_language

    # A wrong --lang, $CVBRIDGE_LANG or config key is told in the locale's language: the one
    # source that cannot be wrong (an unknown locale is English, as in any gettext program).
    use_language(locale_language(os.environ) or "en")
    try:
        use_language(chosen_language(sys.argv[1:], os.environ))
    except ConfigError as error:
        print(f"cvbridge: error: {error}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    from cvbridge.cli import _app

    _app.main()


def __getattr__(name: str) -> Any:
    if name == "app":
        from cvbridge.cli._app import app

        return app
    raise AttributeError(f"module 'cvbridge.cli' has no attribute {name!r}")
