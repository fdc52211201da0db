"""Output formats shared by the commands that print data."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any


class DataFormat(StrEnum):
    text = "text"
    json = "json"


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
