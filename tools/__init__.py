"""Development tooling of the repository (translation catalogue, French spec): run by
``make i18n`` and the tests, never installed or imported by the ``cvbridge`` package."""
