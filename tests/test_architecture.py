"""The dependency rule of STYLE.md: the core knows nothing of Django or of the apps."""

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

import leadflow.core
from leadflow.leads.services import REQUALIFIED_FIELDS

CORE = Path(leadflow.core.__file__).parent


def test_core_modules_import_only_the_core_and_libraries() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "django" or (
                    name.startswith("leadflow") and not name.startswith("leadflow.core")
                ):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_importing_every_core_module_loads_no_django() -> None:
    modules = sorted(
        "leadflow."
        + ".".join(p.relative_to(CORE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in CORE.rglob("*.py")
    )
    code = (
        f"import {', '.join(modules)}, sys\n"
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')"
        " or (m.startswith('leadflow.') and not m.startswith('leadflow.core'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the app ladder (pyproject.toml's import contracts, run by `make lint`) -------------------

SRC = CORE.parent
PYPROJECT = SRC.parent.parent / "pyproject.toml"


def _ladder() -> list[str]:
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    return [name.strip() for layer in layers for name in re.split(r"[|:]", layer)]


def test_every_app_and_module_of_the_package_stands_on_the_ladder() -> None:
    """A new app cannot escape the contract by being left out of it."""
    ladder = set(_ladder())
    top = {
        f"leadflow.{path.stem if path.is_file() else path.name}"
        for path in SRC.iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.stem != "__init__")
    }
    config = {f"leadflow.config.{path.stem}" for path in (SRC / "config").glob("*.py")} - {
        "leadflow.config.__init__"
    }
    missing = sorted((top - {"leadflow.config"} | config) - ladder)
    assert missing == []


def test_the_import_graph_counts_imports_made_inside_functions() -> None:
    """The contracts are checked on grimp's graph; it must see a lazy import as an import, or a
    lower app could hide an upward one inside a function."""
    graph = grimp.build_graph("leadflow")
    # leadflow.lib.events imports its task module inside ``_enqueue`` only.
    assert graph.direct_import_exists(importer="leadflow.lib.events", imported="leadflow.lib.tasks")


# --- one write path: only the leads services change a lead's status or write its history ------

#: The lead's lifecycle and qualification columns: written by the leads services alone.
LEAD_OWNED_FIELDS = frozenset({"status", *REQUALIFIED_FIELDS})
EVENT_WRITES = frozenset({"create", "bulk_create", "get_or_create", "update_or_create"})


def _mentions_lead(node: ast.AST) -> bool:
    return "lead" in ast.unparse(node).lower()


def lead_write_offences(source: str) -> list[str]:
    """The places in ``source`` that build a LeadEvent or write a lead's owned columns."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            if name == "LeadEvent":
                found.append(f"{line}: builds a LeadEvent")
            elif name in EVENT_WRITES and receiver.endswith("LeadEvent.objects"):
                found.append(f"{line}: writes LeadEvent rows")
            elif name in {"update", "bulk_update"} and receiver.startswith("Lead."):
                written = {kw.arg for kw in node.keywords} | {
                    elt.value
                    for arg in node.args
                    if isinstance(arg, ast.List | ast.Tuple)
                    for elt in arg.elts
                    if isinstance(elt, ast.Constant)
                }
                if written & LEAD_OWNED_FIELDS:
                    found.append(f"{line}: updates a lead's {sorted(written & LEAD_OWNED_FIELDS)}")
            elif name == "save" and _mentions_lead(func):
                for kw in node.keywords:
                    if kw.arg == "update_fields" and isinstance(kw.value, ast.List | ast.Tuple):
                        names = {e.value for e in kw.value.elts if isinstance(e, ast.Constant)}
                        if names & LEAD_OWNED_FIELDS:
                            found.append(
                                f"{line}: saves a lead's {sorted(names & LEAD_OWNED_FIELDS)}"
                            )
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in LEAD_OWNED_FIELDS
                    and _mentions_lead(target.value)
                ):
                    found.append(f"{line}: sets {ast.unparse(target)}")
    return found


def test_only_the_leads_services_write_a_leads_status_and_history() -> None:
    owner = SRC / "leads" / "services"
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if owner in path.parents or "migrations" in path.parts or path == SRC / "leads/models.py":
            continue
        offenders += [f"{path.relative_to(SRC)}:{o}" for o in lead_write_offences(path.read_text())]
    assert offenders == []


def test_only_the_history_module_builds_lead_events() -> None:
    history = SRC / "leads" / "services" / "history.py"
    offenders = [
        f"{path.relative_to(SRC)}:{offence}"
        for path in sorted((SRC / "leads" / "services").glob("*.py"))
        if path != history
        for offence in lead_write_offences(path.read_text())
        if "LeadEvent" in offence
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "source",
    [
        "LeadEvent(lead=lead, kind='note')",
        "models.LeadEvent(lead=lead)",
        "LeadEvent.objects.create(lead=lead)",
        "LeadEvent.objects.bulk_create(events)",
        "Lead.objects.filter(pk__in=ids).update(status=after, updated_at=now)",
        "Lead.objects.bulk_update(leads, ['rating', 'score'])",
        "lead.status = after",
        "assignment.lead.rating = 'hot'",
        "lead.save(update_fields=['status', 'updated_at'])",
    ],
)
def test_the_write_path_check_finds_each_kind_of_offence(source: str) -> None:
    assert lead_write_offences(source)


@pytest.mark.parametrize(
    "source",
    [
        "LeadEvent.objects.filter(kind='alert')",
        "lead.held_by = user",
        "lead.save(update_fields=['held_by', 'held_until'])",
        "Lead.objects.filter(pk=1).update(owner=user)",
        "assignment.status = 'x'",
    ],
)
def test_the_write_path_check_lets_reads_and_other_fields_pass(source: str) -> None:
    assert lead_write_offences(source) == []
