"""The test suite's own layout: test modules and conftest.py files are never imported (what
tests share lives in support modules), each fixture name is defined once, and every folder
of tests is a package."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(PROJECT)}:{getattr(node, 'lineno', 0)}"


def module_of(path: Path) -> str:
    """Return the dotted name of a file: tests/patient/client.py is tests.patient.client."""
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, tree: ast.Module) -> list[tuple[str, ast.AST]]:
    """Return each module an import names, anywhere in the file (in functions too).

    `from a.b import c` names a.b and also a.b.c, which may be a module.
    """
    found: list[tuple[str, ast.AST]] = []
    package = module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[:len(package) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            found.append((base, node))
            found += [(f"{base}.{alias.name}", node) for alias in node.names]
    return found


def is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ((isinstance(target, ast.Attribute) and target.attr == "fixture")
            or (isinstance(target, ast.Name) and target.id == "fixture"))


def fixture_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """Return the name a function is a fixture by (its own, or the name= it is given)."""
    for decorator in function.decorator_list:
        if is_fixture(decorator):
            if isinstance(decorator, ast.Call):
                for keyword in decorator.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        return str(keyword.value.value)
            return function.name
    return None


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    wrong = [f"{where(path, node)} imports {name}"
             for path in python_files()
             for name, node in imported_modules(path, ast.parse(path.read_text(), str(path)))
             if (name.startswith("tests.") or "." not in name) and is_test_module(name)]
    assert wrong == [], ("move what is shared into a support module (tests/apps.py, "
                         "tests/browser.py, ...) and import it from there:\n" + "\n".join(wrong))


def test_each_fixture_is_defined_once() -> None:
    places: dict[str, list[str]] = defaultdict(list)
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                name = fixture_name(node)
                if name is not None:
                    places[name].append(where(path, node))
    twice = [f"{name}: {', '.join(found)}" for name, found in sorted(places.items())
             if len(found) > 1]
    assert twice == [], ("give each fixture a name of its own, or define it once higher up:\n"
                         + "\n".join(twice))


def test_every_folder_of_tests_is_a_package() -> None:
    folders = {path.parent for path in python_files()}
    assert sorted(str(folder.relative_to(PROJECT)) for folder in folders
                  if not (folder / "__init__.py").exists()) == []
