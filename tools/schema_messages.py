"""A Babel extractor for the findings catalogue of ``formats/cvbundle-1.0.schema.json``.

The titles, descriptions, message templates and suggestions of the findings are English text
the package shows to people, but they live in JSON, which ``pybabel extract`` cannot read.
``babel.cfg`` names this function in its ``[extractors]`` section. It lives in ``tools/``
(development tooling, outside the package) because only ``make i18n`` and the catalogue tests
run it: the package reads the compiled catalogue at run time, never this module.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

# The fields of a finding that people read, in the order the catalogue lists them.
TRANSLATED_FIELDS = ("title", "description", "message", "suggestion")
_WHAT = {
    "title": "title of the finding {code}",
    "description": "description of the finding {code} (the spec's words)",
    "message": "message of the finding {code}; keep every {{field}}",
    "suggestion": "correction (hint) of the finding {code}: what the vendor changes",
}


def extract_schema(fileobj: IO[bytes], keywords: Mapping[str, Any],
                   comment_tags: Collection[str], options: Mapping[str, Any]
                   ) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor interface: ``(line, function, message, comments)`` for every
    translated field of every finding, with a TRANSLATORS comment naming the code."""
    text = fileobj.read().decode("utf-8")
    findings = json.loads(text)["findings"]
    lines = text.splitlines()
    for code, entry in findings.items():
        line = _line_of(lines, f'"{code}"')
        for name in TRANSLATED_FIELDS:
            comment = f"TRANSLATORS: {_WHAT[name].format(code=code)}"
            yield line, "_", entry[name], [comment]


def _line_of(lines: list[str], needle: str) -> int:
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(needle):
            return number
    return 0
