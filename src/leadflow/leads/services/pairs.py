"""Merging two existing leads that a person decided are one (intake's possible duplicates).

Intake never merges on weak likeness (DESIGN.md, Intake rules): it proposes a pair, and a person
merges it here, choosing field by field which value survives. Nothing is lost: the survivor's
``merged`` event records what changed (``before``, and in ``after`` the new values), every value
of the absorbed lead (``after.merged_lead``) and whose value was chosen (``after.chosen``);
the absorbed lead is disqualified as a duplicate through the lifecycle, so its own history says
where it went. Fields nobody chose follow the merge rule of captures: the survivor keeps its
non-empty values and gains those it lacked; the newer inquiry's answers re-qualify the survivor.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.enums import DisqualificationReason
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.lifecycle import CLOSED, Action, LeadStatus, allowed_actions
from leadflow.core.normalise.keys import company_key, domain_key, person_key
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services.history import event_build, events_record
from leadflow.leads.services.qualify import lead_requalify, leave_nurture, requalified
from leadflow.leads.services.transitions import lead_transition, lockable
from leadflow.programs.selectors import program_published_criteria

Side = Literal["survivor", "absorbed"]
SIDES: tuple[Side, ...] = ("survivor", "absorbed")

#: What a person chooses between, each as the lead's columns it covers: a name or an address is
#: one thing, taken whole from one side (a blank part is filled from the other side).
PAIR_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("first_name", "last_name"),
    "email": ("email",),
    "phone": ("phone",),
    "company": ("company",),
    "title": ("title",),
    "address": ("street", "city", "postal_code", "subdivision", "country"),
    "website": ("website",),
    "industry": ("industry",),
    "company_size": ("company_size",),
    "campaign": ("campaign",),
}

#: Every value of a lead that the survivor's ``merged`` event keeps of the absorbed lead.
KEPT_VALUES = (
    *(name for names in PAIR_FIELDS.values() for name in names),
    "external_id",
    "external_source",
    "channel",
    "inquiry_type",
    "status",
    "rating",
    "answers",
    "profile",
    "warnings",
)


class PairRefused(DomainRefused):
    """Two leads that cannot be merged as they stand: another program, the same lead, a lead
    past review to absorb, or a disqualified survivor."""


def lead_values(lead: Lead) -> dict[str, Any]:
    """The lead's values as its history keeps them (JSON)."""
    values: dict[str, Any] = {name: getattr(lead, name) for name in KEPT_VALUES}
    values["id"] = lead.pk
    values["created_at"] = lead.created_at.isoformat()
    return values


def choices_checked(choices: Mapping[str, str]) -> dict[str, Side]:
    """The person's choices, or InputError naming the first unknown field or side."""
    checked: dict[str, Side] = {}
    for name, side in choices.items():
        if name not in PAIR_FIELDS:
            raise InputError("choices", f"{name!r} is not a field to choose")
        if side not in SIDES:
            raise InputError("choices", f"choose 'survivor' or 'absorbed' for {name}, not {side!r}")
        checked[name] = "absorbed" if side == "absorbed" else "survivor"
    return checked


@transaction.atomic
def leads_merge_pair(
    *,
    survivor: Lead,
    absorbed: Lead,
    choices: Mapping[str, str],
    actor: User | None,
    now: datetime,
    reason: str = "",
) -> Lead:
    """Merge ``absorbed`` into ``survivor`` (two leads of one program that a person decided are
    one person) and return the survivor, re-qualified.

    ``choices`` maps a field of ``PAIR_FIELDS`` to the side whose value survives; a field not
    chosen keeps the survivor's value, and a blank is filled from the other side. A lead already
    past review (approved, delivered, with a partner …) cannot be absorbed, since the lifecycle
    cannot disqualify it: ``PairRefused`` says to keep it as the survivor.
    """
    chosen = choices_checked(choices)
    if survivor.pk == absorbed.pk:
        raise PairRefused("a lead cannot be merged with itself")
    locked = lockable().select_related("program").filter(pk__in=[survivor.pk, absorbed.pk])
    leads = {lead.pk: lead for lead in locked.order_by("pk")}
    survivor, absorbed = leads[survivor.pk], leads[absorbed.pk]
    _check(survivor, absorbed)
    published = program_published_criteria(program=survivor.program)
    absorbed_values = lead_values(absorbed)
    before, changed = _apply(survivor, absorbed, chosen)
    older, newer = sorted((survivor, absorbed), key=lambda lead: (lead.created_at, lead.pk))
    answers = {**older.answers, **newer.answers}
    if answers != survivor.answers:
        before["answers"], changed["answers"] = dict(survivor.answers), answers
        survivor.answers = answers
    profile = {**older.profile, **newer.profile}
    if profile != survivor.profile:
        before["profile"], changed["profile"] = dict(survivor.profile), profile
        survivor.profile = profile
    warnings = [*survivor.warnings, *(w for w in absorbed.warnings if w not in survivor.warnings)]
    if warnings != survivor.warnings:
        before["warnings"], changed["warnings"] = list(survivor.warnings), warnings
        survivor.warnings = warnings
    survivor.updated_at = now
    merged = event_build(
        lead=survivor,
        kind=EventKind.MERGED,
        actor=actor,
        now=now,
        before=before,
        after={
            **changed,
            "merged_lead": absorbed_values,
            "chosen": {
                name: f"lead #{(absorbed if side == 'absorbed' else survivor).pk}"
                for name, side in chosen.items()
            },
        },
        reason=f"lead #{absorbed.pk} merged into this lead" + (f": {reason}" if reason else ""),
    )
    qualified = requalified(survivor, published, actor, now)
    survivor.save()
    events_record([merged, qualified])
    leave_nurture([qualified], actor, now)
    lead_transition(
        lead=absorbed,
        action=Action.DISQUALIFY,
        actor=actor,
        now=now,
        reason=f"duplicate of lead #{survivor.pk}",
        details={"survivor": survivor.pk},
        fields={"disqualification": DisqualificationReason.DUPLICATE.value},
    )
    lead_requalify(lead=absorbed, actor=actor, now=now, published=published)
    return lockable().select_related("program").get(pk=survivor.pk)


def _check(survivor: Lead, absorbed: Lead) -> None:
    if survivor.program_id != absorbed.program_id:
        raise PairRefused("only two leads of the same program can be merged")
    status = LeadStatus(absorbed.status)
    if status in CLOSED:
        raise PairRefused(f"lead #{absorbed.pk} is closed ({status.label.lower()}) already")
    if Action.DISQUALIFY not in allowed_actions(status):
        raise PairRefused(
            f"lead #{absorbed.pk} is {status.label.lower()}, past review, so it cannot be "
            f"merged away; keep lead #{absorbed.pk} and merge the other lead into it"
        )
    if survivor.status == LeadStatus.DISQUALIFIED:
        raise PairRefused(
            f"lead #{survivor.pk} is disqualified; keep the other lead and merge this one into it"
        )


def _apply(
    survivor: Lead, absorbed: Lead, chosen: Mapping[str, Side]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set the survivor's contact fields by the choices (in memory); return what they were and
    what they became, and refresh the matching keys derived from them."""
    before: dict[str, Any] = {}
    changed: dict[str, Any] = {}
    for group, names in PAIR_FIELDS.items():
        first, second = (
            (absorbed, survivor) if chosen.get(group) == "absorbed" else (survivor, absorbed)
        )
        for name in names:
            value = getattr(first, name) or getattr(second, name)
            if value != getattr(survivor, name):
                before[name], changed[name] = getattr(survivor, name), value
                setattr(survivor, name, value)
    if changed:
        survivor.domain = domain_key(survivor.website) or domain_key(survivor.email)
        survivor.company_key = company_key(survivor.company)
        survivor.person_key = person_key(survivor.first_name, survivor.last_name)
    return before, changed
