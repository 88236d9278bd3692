"""Qualification of one lead against its program's criteria (DESIGN.md, "Qualification").

Answers give the four BANT facts; the facts give the criteria met (BANT flags) and so the stage;
the first rating-ladder rule whose conditions hold gives the rating (FYI when none does, no
rating when the lead is disqualified); answer, profile and engagement point rules add up to the
score. Every result carries its explanation, in the words a sales manager reads in the lead's
history. Everything is a value and ``now`` is a parameter, so the same engine serves the API, the
CLI, the preview of a draft criteria and a re-qualification of a million leads.

One module per concept: the frozen results (``results``), the checking of raw answers
(``parsing``), the criteria compiled once into a plan of lookups and sentences (``plan``), and
the engine that puts a lead's qualification together from them (``engine``).

The names the rest of LeadFlow uses are importable from here, as they were when this was one
module.
"""

from leadflow.core.qualification.engine import bant_facts, qualify
from leadflow.core.qualification.parsing import parse_answers
from leadflow.core.qualification.results import (
    BantFacts,
    BantFlags,
    EngagementEvent,
    PointAward,
    Qualification,
)

__all__ = [
    "BantFacts",
    "BantFlags",
    "EngagementEvent",
    "PointAward",
    "Qualification",
    "bant_facts",
    "parse_answers",
    "qualify",
]
