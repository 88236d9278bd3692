"""Intake's writes, one module per concept: preparing a submission (``prepare``), capturing it
(``capture``: matching, locking, create or merge), recording possible duplicates
(``duplicates``) and a person's decisions on them (``decisions``).

The names most callers need are re-exported here; new code imports from the module."""

from leadflow.intake.services.capture import Capture, lead_capture
from leadflow.intake.services.prepare import IntakeRejected, Submission, submission_prepare

__all__ = ["Capture", "IntakeRejected", "Submission", "lead_capture", "submission_prepare"]
