"""The layers hold: import-linter accepts the code as it is, and refuses an upward import."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def project_packages() -> list[str]:
    return [
        p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in ("tests", "bench")
    ]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture
def copy_of_the_code(tmp_path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for name in project_packages():
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_every_package_of_the_project_is_in_the_layers():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = config["contracts"][0]["layers"]
    assert sorted(config["root_packages"]) == sorted(project_packages())
    assert sorted(layers) == sorted(project_packages())
    assert layers[-1] == "core" and layers[0] == "coalition"


def test_the_code_keeps_its_layers(copy_of_the_code):
    result = lint_imports(copy_of_the_code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import"),
    [
        ("core/slugs.py", "from members.models import Member"),
        ("members/services.py", "import stories.models"),
        ("stories/views.py", "from meetings.models import Meeting"),
        ("meetings/views.py", "from coalition.views import HomeView"),
    ],
)
def test_an_upward_import_breaks_the_lint(copy_of_the_code, module, upward_import):
    path = copy_of_the_code / module
    path.write_text(path.read_text() + f"\n{upward_import}  # noqa\n")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout or "broken" in result.stdout
    assert module.replace("/", ".").removesuffix(".py") in result.stdout
