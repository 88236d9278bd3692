"""scikit-learn stays out of Django's start-up (issue 19; docs/SCORING.md): the web and task
processes, and the test processes, do not pay for it until a model is trained or loaded."""

import subprocess
import sys


def test_django_start_up_and_the_scoring_command_module_load_no_scikit_learn() -> None:
    code = (
        "import os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'leadflow.config.settings')\n"
        "import django; django.setup()\n"
        "import leadflow.config.urls, leadflow.scoring.management.commands.scoring\n"
        "from django.core.management import get_commands\n"
        "assert 'scoring' in get_commands()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
