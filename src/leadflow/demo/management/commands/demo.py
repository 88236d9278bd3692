"""``leadflow demo``: load the demo data into the configured database, once."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from leadflow.demo.seed import demo_load


class Command(BaseCommand):
    help = "Load the demo clients, programs, users and leads (running it again changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_load(now=timezone.now(), progress=self._line)
        if result.created:
            self.stdout.write(f"Demo data loaded: {result.leads} leads.")
        else:
            self.stdout.write(f"Demo data already present ({result.leads} leads): nothing changed.")
        self.stdout.write("Sign in at http://127.0.0.1:8000/ with:")
        for username, password, role in result.logins:
            self.stdout.write(f"  {username:<10} {password:<16} {role}")

    def _line(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
