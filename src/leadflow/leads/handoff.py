"""Hand-off after QA approval (DESIGN.md, Hand-off): what happens to an approved lead.

The review services call ``leads_approved`` inside the approval's transaction; the hand-off
itself runs after commit, so a failure there never undoes an approval.
"""

from collections.abc import Sequence
from datetime import datetime


def leads_approved(*, lead_ids: Sequence[int], now: datetime) -> None:
    """Start the hand-off of freshly approved leads once the approval commits."""
    del lead_ids, now
