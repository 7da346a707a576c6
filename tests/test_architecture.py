"""Import rules that keep the house in shape (STYLE.md, "Dependencies point one way").

1. The calculation engine (``attain.engine`` and everything under it) and the pure kernel value objects
   (``attain.core.money``, ``attain.core.periods``) import without Django: checked in a fresh interpreter.
2. A domain app (every ``src/attain/<app>/`` with an ``apps.py``: core, accounts, org, … and any app added
   later) uses another app only through its facade:
   - ``attain.<b>.services`` / ``attain.<b>.selectors`` / ``attain.<b>.choices`` from anywhere;
   - ``attain.<b>.models`` only from ``models.py``, ``admin.py``, ``migrations/`` and ``tests/`` (foreign keys
     and admin need the model class) or under ``if TYPE_CHECKING:`` (annotations create no dependency);
   - ``tests/`` (of any app, core included) may also use other apps' ``tests`` package (factories);
   - ``attain.<b>.auth`` only from the project's ``attain/api.py``;
   - nothing else (``api``, ``views``, ``forms``, ``urls``, ``schemas``, ``jobs``, ``io`` … are private).
   ``core`` is the shared kernel: it imports no domain app at all, except through registered hooks (e.g. the
   data-scope resolver that ``org`` registers) and the entries of ``ALLOWED`` below.
3. The engine imports nothing from ``attain`` but itself and the pure kernel modules.

An exception goes into ``ALLOWED`` with the reason; keep that list short.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "attain"
PURE_KERNEL = ("attain.core.money", "attain.core.periods")
FACADES = {"services", "selectors", "choices"}
MODEL_IMPORTERS = {"models.py", "admin.py"}
MODEL_IMPORTER_DIRS = {"migrations", "tests"}

# (importing app, imported module) → why it is allowed. Importing app "core" means any module in core.
ALLOWED: dict[tuple[str, str], str] = {
    ("core", "attain.accounts.selectors"): (
        "capability checks (user_can) for the audit log and jobs pages: the role → capability table is "
        "owned by accounts, and core must not keep a second copy"
    ),
    ("core", "attain.accounts.choices"): "the Capability enum named in those capability checks",
    ("demo", "attain.sales.rules"): (
        "the demo's bulk writer checks its generated facts with the same pure rules the sales services use"
    ),
}


def domain_apps() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/apps.py"))


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass(frozen=True)
class Import:
    module: str  # fully qualified, e.g. "attain.org.services"
    line: int
    type_checking_only: bool


class _ImportCollector(ast.NodeVisitor):
    """Every import in a module, absolute, noting which ones sit under ``if TYPE_CHECKING:``."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.imports: list[Import] = []
        self._type_checking_depth = 0

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        is_tc = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )
        if is_tc:
            self._type_checking_depth += 1
            for child in node.body:
                self.visit(child)
            self._type_checking_depth -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def _add(self, module: str, line: int) -> None:
        self.imports.append(Import(module, line, self._type_checking_depth > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            module = ".".join([*base, node.module] if node.module else base)
        else:
            module = node.module or ""
        for alias in node.names:
            # ``from attain.org import services`` imports the module attain.org.services.
            self._add(f"{module}.{alias.name}" if _is_app_package(module) else module, node.lineno)


def _is_app_package(module: str) -> bool:
    parts = module.split(".")
    return len(parts) == 2 and parts[0] == "attain" and (PACKAGE / parts[1]).is_dir()


def imports_of(path: Path) -> list[Import]:
    collector = _ImportCollector(module_name(path), path.name == "__init__.py")
    collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return collector.imports


def violations_in(app: str, rel: Path, imports: list[Import], apps: list[str]) -> list[str]:
    """The rule breaks in one module of ``app`` (``rel`` is its path inside the app)."""
    problems = []
    may_import_models = rel.name in MODEL_IMPORTERS or rel.parts[0] in MODEL_IMPORTER_DIRS
    is_test = rel.parts[0] == "tests"
    for imp in imports:
        parts = imp.module.split(".")
        if parts[0] != "attain" or len(parts) < 2:
            continue
        target_app = parts[1]
        if target_app in (app, "core") or target_app not in apps:
            continue  # the own app, the shared kernel (everyone may use it), or not a domain app (engine)
        where = f"attain/{app}/{rel}:{imp.line} imports {imp.module}"
        facade = parts[2] if len(parts) > 2 else ""
        if (app, ".".join(parts[:3])) in ALLOWED:
            continue
        if is_test and facade in {*FACADES, "models", "tests"}:
            continue  # tests (core's too) build their world with other apps' factories, models and services
        if app == "core" and not imp.type_checking_only:
            problems.append(f"{where}: core (the kernel) must not import a domain app; register a hook")
        elif facade in FACADES or (facade == "models" and (may_import_models or imp.type_checking_only)):
            continue
        elif imp.type_checking_only and app != "core":
            problems.append(f"{where}: only models may be imported for annotations")
        else:
            problems.append(f"{where}: use attain.{target_app}.services / selectors / choices instead")
    return problems


def cross_app_violations(app: str, apps: list[str]) -> list[str]:
    app_dir = PACKAGE / app
    problems = []
    for path in python_files(app_dir):
        problems += violations_in(app, path.relative_to(app_dir), imports_of(path), apps)
    return problems


def test_domain_apps_are_discovered():
    assert {"core", "accounts", "org"} <= set(domain_apps())


@pytest.mark.parametrize("app", domain_apps())
def test_apps_use_each_other_only_through_services_selectors_and_choices(app):
    assert cross_app_violations(app, domain_apps()) == []


def test_auth_module_is_imported_only_by_the_api_root():
    offenders = []
    for path in python_files(PACKAGE):
        for imp in imports_of(path):
            parts = imp.module.split(".")
            is_auth = len(parts) >= 3 and parts[0] == "attain" and parts[2] == "auth"
            if is_auth and path != PACKAGE / "api.py" and (PACKAGE / parts[1]) not in path.parents:
                offenders.append(f"{path.relative_to(SRC)}:{imp.line} imports {imp.module}")
    assert offenders == []


def engine_modules() -> list[str]:
    return [module_name(p) for p in python_files(PACKAGE / "engine")] or ["attain.engine"]


def test_engine_imports_nothing_from_attain_but_itself_and_the_pure_kernel():
    offenders = []
    for path in python_files(PACKAGE / "engine"):
        for imp in imports_of(path):
            if imp.module.split(".")[0] == "django" or (
                imp.module.startswith("attain.")
                and not imp.module.startswith("attain.engine")
                and not any(imp.module == m or imp.module.startswith(m + ".") for m in PURE_KERNEL)
            ):
                offenders.append(f"{path.relative_to(SRC)}:{imp.line} imports {imp.module}")
    assert offenders == []


def test_engine_and_pure_kernel_import_without_django():
    modules = [*engine_modules(), *PURE_KERNEL]
    script = textwrap.dedent(
        f"""
        import importlib, os, sys
        os.environ.pop("DJANGO_SETTINGS_MODULE", None)
        for name in {modules!r}:
            importlib.import_module(name)
        leaked = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
        print(",".join(leaked))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=SRC, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Django was imported by {modules}: {result.stdout.strip()}"


def test_the_checker_catches_violations():
    """The rules themselves work: each kind of break in a made-up module is reported, the rest is not."""
    source = textwrap.dedent(
        """
        from typing import TYPE_CHECKING
        from attain.org import services
        from attain.org.models import Unit
        from attain.org.views import unit_detail
        from .selectors import thing
        import attain.core.errors
        if TYPE_CHECKING:
            from attain.org.models import Person
        """
    )
    collector = _ImportCollector("attain.accounts.views", False)
    collector.visit(ast.parse(source))
    seen = {(i.module, i.type_checking_only) for i in collector.imports}
    assert {("attain.org.services", False), ("attain.accounts.selectors", False), ("attain.org.models", True)} <= seen
    apps = ["accounts", "core", "org"]
    problems = violations_in("accounts", Path("views.py"), collector.imports, apps)
    assert [p.split(" imports ")[1].split(":")[0] for p in problems] == ["attain.org.models", "attain.org.views"]
    problems = violations_in("accounts", Path("admin.py"), collector.imports, apps)
    assert [p.split(" imports ")[1].split(":")[0] for p in problems] == ["attain.org.views"]
    kernel = [Import("attain.org.selectors", 1, False), Import("attain.accounts.selectors", 2, False)]
    assert len(violations_in("core", Path("audit.py"), kernel, apps)) == 1  # the allow-listed one passes
