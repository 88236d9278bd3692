"""The ``leadflow`` console script: Django's management commands with LeadFlow's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["leadflow", *sys.argv[1:]])


if __name__ == "__main__":
    main()
