"""The ``cvbridge`` command: a thin layer over the library API, one sub-app per noun."""

from cvbridge.cli._app import app, main

__all__ = ["app", "main"]
