"""The reports by name, each one selector (the same for pages, exports, API and CLI)."""

from leadflow.reports.selectors.common import ReportFunction
from leadflow.reports.selectors.deliverables import deliverables
from leadflow.reports.selectors.funnel import funnel
from leadflow.reports.selectors.nurture import nurture
from leadflow.reports.selectors.partners import partners
from leadflow.reports.selectors.qualifying import qualifying

REPORTS: dict[str, ReportFunction] = {
    "funnel": funnel,
    "deliverables": deliverables,
    "partners": partners,
    "nurture": nurture,
    "qualifying": qualifying,
}
