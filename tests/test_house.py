"""The house rules a newcomer relies on: a short README, every package named in the
architecture, small modules, and no third-party code patched from inside ivig_home."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT / "ivig_home"
# The checklist definition is data: one versioned file by the checklist's contract; so are
# the translation catalogs (ivig_home/translations/<language>/LC_MESSAGES/messages.po).
DATA_FILES = {PACKAGE / "checklist" / "ivig_home_v1.toml",
              *(PACKAGE / "translations").glob("*/LC_MESSAGES/messages.po")}
# Flask's per-request namespaces are made to be written to: they are not patches.
REQUEST_NAMESPACES = {"g", "request", "session"}
INFRASTRUCTURE = {"app", "config", "crypto", "db", "errors", "gunicorn_logs", "health", "i18n",
                  "limits", "locales", "logs", "maintenance", "security", "serving", "static_files",
                  "timezones", "wsgi"}


def packages() -> list[str]:
    return sorted(path.parent.name for path in PACKAGE.glob("*/__init__.py"))


def test_the_readme_is_a_front_door() -> None:
    lines = (PROJECT / "README.md").read_text("utf-8").splitlines()
    assert len(lines) <= 250
    text = "\n".join(lines)
    for doc in ("architecture", "patient", "staff", "integration", "pdf", "operations",
                "performance", "testing"):
        assert f"docs/{doc}.md" in text and (PROJECT / "docs" / f"{doc}.md").is_file()


@pytest.mark.parametrize("package", packages())
def test_the_architecture_names_every_package_on_a_line_of_its_own(package: str) -> None:
    tree = (PROJECT / "docs" / "architecture.md").read_text("utf-8")
    assert any(line.strip().startswith(f"{package}/") for line in tree.splitlines())


def test_the_package_root_holds_infrastructure_and_domain_packages_only() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == INFRASTRUCTURE


def test_no_file_of_the_package_is_over_400_lines() -> None:
    long = {str(path.relative_to(PROJECT)): count for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix in {".py", ".toml", ".ini", ".mako", ".po"}
            and path not in DATA_FILES
            and (count := len(path.read_text("utf-8").splitlines())) > 400}
    assert long == {}


def third_party(tree: ast.Module) -> set[str]:
    """Return the names a module binds to third-party modules and their members."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "ivig_home":
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in {"ivig_home", "__future__"}:
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def patches(path: Path) -> list[str]:
    """Return each assignment to an attribute of a third-party module or class."""
    tree = ast.parse(path.read_text("utf-8"))
    foreign = third_party(tree) - REQUEST_NAMESPACES
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "setattr" and node.args:
            targets = [ast.Attribute(value=node.args[0], attr="?")]
        for target in targets:
            if isinstance(target, ast.Attribute):
                base = target.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in foreign:
                    found.append(f"{path.relative_to(PROJECT)}:{node.lineno}")
    return found


def test_no_third_party_module_or_class_is_patched() -> None:
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in patches(path)]
    assert found == []


def test_the_patch_finder_finds_a_patch(tmp_path: Path) -> None:
    sample = PROJECT / "ivig_home" / "_patch_probe.py"
    text = "import pydyf\nfrom weasyprint import HTML\npydyf.Stream.data = 1\nHTML.x = 2\n"
    try:
        sample.write_text(text)
        assert len(patches(sample)) == 2
    finally:
        sample.unlink()
    assert sys.modules.get("ivig_home._patch_probe") is None
