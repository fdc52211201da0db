"""Reliability under failure and attack (issue 6, items 2-6): crash consistency (SIGKILL at
random moments), several workers at once, a full disk, a database that goes away.

- ``invariants``: what must hold in any store, in plain SQL (SQLite and PostgreSQL).
- ``harness``: bundles to send, what a clean run makes of them, the CLI as processes, faults
  (kill, link cuts, a full tmpfs, a stopped PostgreSQL).
- ``scenarios``: each case as a function returning a :class:`~tests.reliability.scenarios.
  CaseResult`; the CI tests (``tests/test_reliability_*.py``) run them small, ``long_run``
  (``make reliability``) runs them big and prints the table that goes into the README.
"""
