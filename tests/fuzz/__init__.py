"""Property-based fuzzing of the reader and the store (issue 6, "Prove it under attack").

Two hypothesis profiles, registered here and used through :func:`fuzz_settings`:

- ``ci``: what ``make test`` runs. Derandomized and without an example database, so every
  run tries the same cases; a few thousand cases in all, in a couple of minutes.
- ``long``: random, used by ``python -m tests.fuzz.long_run`` (``make fuzz``).

``CVBRIDGE_FUZZ_PROFILE=long pytest tests/test_fuzz_*.py`` runs the pytest properties with the
long profile's randomness (and ``CVBRIDGE_FUZZ_EXAMPLES`` scales their example counts).
The profiles are never *loaded* globally: other hypothesis tests keep their own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

# Per case: validate_bundle within CASE_SECONDS (timed on a plain run) and PEAK_BYTES
# (tracemalloc peak, on a second, traced run: tracing slows Python several times over).
CASE_SECONDS = 2.0
PEAK_BYTES = 100 * 1024 * 1024
# The hypothesis deadline covers a whole case (both runs, writing the file): a coarse bound.
DEADLINE_SECONDS = 10.0
# A case still running after this many seconds is a hang: the alarm stops it.
HANG_SECONDS = 30

_SLOW_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large,
                HealthCheck.filter_too_much, HealthCheck.large_base_example]

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=DEADLINE_SECONDS * 1000,
    print_blob=True,
    suppress_health_check=_SLOW_CHECKS,
)
settings.register_profile(
    "long",
    derandomize=False,
    database=None,
    deadline=None,  # the long run measures time itself and records slow cases
    phases=[Phase.generate],
    suppress_health_check=_SLOW_CHECKS,
)


def profile_name() -> str:
    return os.environ.get("CVBRIDGE_FUZZ_PROFILE", "ci")


def fuzz_settings(max_examples: int) -> settings:
    """Settings of the active profile with ``max_examples`` (scaled by the environment)."""
    scale = float(os.environ.get("CVBRIDGE_FUZZ_EXAMPLES", "1"))
    return settings(settings.get_profile(profile_name()),
                    max_examples=max(1, int(max_examples * scale)))
