"""The dependency rule of STYLE.md: the core knows nothing of Django or of the apps."""

import ast
import subprocess
import sys
from pathlib import Path

import leadflow.core

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
    modules = sorted(f"leadflow.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    code = (
        f"import {', '.join(modules)}, sys\n"
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')"
        " or (m.startswith('leadflow.') and not m.startswith('leadflow.core'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
