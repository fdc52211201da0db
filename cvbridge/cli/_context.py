"""What the root callback hands to every command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliContext:
    db_url: str | None
    config_path: Path | None
