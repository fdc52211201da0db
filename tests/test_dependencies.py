"""Dependencies earn their place: PostgreSQL's driver is an extra, tables need rich alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

# Runs the command in a fresh interpreter where psycopg cannot be imported, as on a site that
# installed cvbridge without the extra.
WITHOUT_PSYCOPG = """
import sys
from importlib.abc import MetaPathFinder

class NoPsycopg(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "psycopg":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoPsycopg())
sys.argv = ["cvbridge", *sys.argv[1:]]
from cvbridge.cli import main
main()
"""


def _requirements(entries: list[str]) -> set[str]:
    return {entry.split("[")[0].split(">")[0].split("=")[0].strip() for entry in entries}


def test_the_postgresql_driver_is_an_extra_not_a_requirement() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert "psycopg" not in _requirements(project["dependencies"])
    assert _requirements(project["optional-dependencies"]["postgresql"]) == {"psycopg"}


def test_the_package_needs_one_table_library() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert "rich" in _requirements(project["dependencies"])
    assert "tabulate" not in _requirements(project["dependencies"])


def test_a_postgresql_url_without_the_driver_names_the_extra(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_PSYCOPG, "--db",
         "postgresql+psycopg://cv@/crm?host=/nonexistent", "candidates", "list"],
        capture_output=True, text=True, cwd=tmp_path, check=False)
    assert (run.returncode, run.stdout, run.stderr) == (
        2, "", "cvbridge: error: postgresql+psycopg:// needs a PostgreSQL driver that is not "
               "installed (psycopg): pip install 'cvbridge[postgresql]', and use "
               "postgresql+psycopg://...\n")


def test_sqlite_works_without_the_driver(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_PSYCOPG, "--db", f"sqlite:///{tmp_path / 'crm.db'}",
         "candidates", "list"],
        capture_output=True, text=True, cwd=tmp_path, check=False)
    assert (run.returncode, run.stdout, run.stderr) == (0, "no candidates\n", "")


def test_the_readme_library_example_runs(tmp_path: Path) -> None:
    readme = (PYPROJECT.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copy(PYPROJECT.parent / "samples" / "valid" / "valid-basic.zip",
                tmp_path / "bundle.zip")
    run = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True,
                         cwd=tmp_path, check=False)
    assert (run.returncode, run.stdout, run.stderr) == (0, "True ingested\n", "")
