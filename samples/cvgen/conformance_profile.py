"""Conformance cases of site profiles (spec §13): the minimal bundle with custom ``x-`` keys,
checked against ``site-profile.toml`` (written next to ``cases.json``)."""

from __future__ import annotations

from .cases import Registry
from .minimal import add_lines, minimal_bundle

PROFILE_FILE = "site-profile.toml"
PROFILE_TEXT = """\
# The custom fields of a site's CRM (cvbridge profile show site-profile.toml).
[profile]
name = "conformance"
description = "Site profile of the conformance corpus"

[fields.x-salaire]
type = "integer"
min = 0
description = "Salary expectation, gross per year, in euros"

[fields.x-disponibilite]
type = "date"

[fields.x-mobilite]
type = "enum"
values = ["IDF", "PACA", "ARA", "Télétravail"]
repeatable = true

[fields.x-permis]
type = "boolean"
required = true
"""

site = Registry()


def _with(*lines: str) -> bytes:
    return minimal_bundle(edits={0: add_lines(*lines)}).zip()


@site.case("error-profile-type.zip", "x-salaire: 42k where the profile wants an integer.",
           ["PROFILE-TYPE"], profile=PROFILE_FILE)
def profile_type() -> bytes:
    return _with("x-salaire: 42k", "x-permis: oui")


@site.case("error-profile-value.zip", "x-mobilite: Bretagne, not among the enum's values.",
           ["PROFILE-VALUE"], profile=PROFILE_FILE)
def profile_value() -> bytes:
    return _with("x-mobilite: Bretagne", "x-permis: oui")


@site.case("error-profile-value-min.zip", "x-salaire: -1, below the profile's min 0.",
           ["PROFILE-VALUE"], profile=PROFILE_FILE)
def profile_value_min() -> bytes:
    return _with("x-salaire: -1", "x-permis: oui")


@site.case("error-profile-repeated.zip", "x-permis given twice; it is not repeatable.",
           ["PROFILE-REPEATED"], profile=PROFILE_FILE)
def profile_repeated() -> bytes:
    return _with("x-permis: oui", "x-permis: non")


@site.case("error-profile-required.zip", "No x-permis, which the profile requires.",
           ["PROFILE-REQUIRED"], profile=PROFILE_FILE)
def profile_required() -> bytes:
    return _with("x-salaire: 42000")


@site.case("warning-profile-unknown-field.zip", "x-score-matching: the profile does not "
           "declare it (kept as text).", ["PROFILE-UNKNOWN-FIELD"], profile=PROFILE_FILE)
def profile_unknown_field() -> bytes:
    return _with("x-permis: non", "x-score-matching: 87")
