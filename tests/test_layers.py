"""The apps' layering holds (import-linter's contract in pyproject.toml), and a backwards import breaks it."""
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(directory):
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", "--config", directory / "pyproject.toml"],
        cwd=directory, capture_output=True, text=True, timeout=120,
    )


def test_the_apps_depend_only_on_the_apps_below_them():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken." in result.stdout


def test_an_import_inside_a_function_from_a_higher_app_breaks_the_build(tmp_path):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in config["tool"]["importlinter"]["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "facilities" / "tenancy.py", "a") as tenancy:
        tenancy.write("\n\ndef assessors_of(application):\n    from assessment.models import Assignment\n\n"
                      "    return Assignment.objects.filter(application=application)\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1
    assert "facilities is not allowed to import assessment" in result.stdout
    assert "facilities.tenancy -> assessment.models" in result.stdout
