"""``leadflow report_rebuild``: empty the reports' summary tables and fold every lead's history
again (docs/REPORTS.md, "Summary tables"), after a restore or a change of what a history
means. Prints how many leads were folded and how long it took."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from leadflow.reports.services.refresh import facts_rebuild


class Command(BaseCommand):
    help = "Rebuild the reports' summary tables from the leads' history."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        folded = facts_rebuild()
        seconds = time.monotonic() - started
        leads = "lead" if folded == 1 else "leads"
        self.stdout.write(f"Rebuilt the report tables: {folded} {leads} folded in {seconds:.1f} s.")
