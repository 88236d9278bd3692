"""Recording a contact's consent (DESIGN.md, "Intake rules": consent is kept per contact address
per client and honoured by every marketing touch): the opt-out flags an import, a form or the
API sends, and later the person's own choices (unsubscribe links, the nurture issue).

``consents_record`` is the one writer of ``ContactConsent``, set-based so that an import writes
a chunk's statements with a few queries; ``consent_record`` is its shorthand for one address.
The rule is the core's (``leadflow.core.consent.consent_next``): nothing but the person's own
action (``by_person=True``) turns an unsubscribed or bounced address back to subscribed, so an
old export saying "Do Not Email: false" cannot undo an unsubscribe. A statement that came with a
lead is noted in that lead's history (a ``note`` event) when it restrains contact or was
refused, so staff see why a lead is not e-mailed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.consent import ConsentChannel, ConsentStatus, consent_next
from leadflow.leads.models import ContactConsent, EventKind, LeadEvent
from leadflow.leads.services.history import event_build, events_record
from leadflow.programs.models import Client

_SOURCE_LENGTH = ContactConsent._meta.get_field("source").max_length or 200
#: Addresses looked up per query (well under every database's parameter limit).
_LOOKUP_BATCH = 500
_CHANNEL_WORDS = {ConsentChannel.EMAIL: "E-mail", ConsentChannel.PHONE: "Phone"}
_STATUS_WORDS = {
    ConsentStatus.SUBSCRIBED: "may be contacted",
    ConsentStatus.UNSUBSCRIBED: "unsubscribed",
    ConsentStatus.BOUNCED: "bounced",
}
_PHONE_WORDS = {
    ConsentStatus.SUBSCRIBED: "may be called",
    ConsentStatus.UNSUBSCRIBED: "do not call",
}


@dataclass(frozen=True)
class ConsentChange:
    """One statement of consent: this address (a normalised e-mail, a phone in E.164) has this
    status, said by ``source`` ("import 12: column Do Not Email", "API: email_opt_out").
    ``lead_id`` is the lead it came with, whose history notes it."""

    channel: ConsentChannel
    address: str
    status: ConsentStatus
    source: str
    lead_id: int | None = None


@dataclass(frozen=True)
class ConsentOutcome:
    """What a statement did: the address's status after it, and whether it changed it."""

    change: ConsentChange
    status: ConsentStatus
    applied: bool


def consent_record(
    *,
    client: Client,
    channel: ConsentChannel,
    address: str,
    status: ConsentStatus,
    source: str,
    now: datetime,
    by_person: bool = False,
    lead_id: int | None = None,
    actor: User | None = None,
) -> ConsentOutcome:
    """Record one address's consent; see ``consents_record``."""
    change = ConsentChange(channel, address, status, source, lead_id)
    (outcome,) = consents_record(
        client=client, changes=[change], now=now, by_person=by_person, actor=actor
    )
    return outcome


@transaction.atomic
def consents_record(
    *,
    client: Client,
    changes: Sequence[ConsentChange],
    now: datetime,
    by_person: bool = False,
    actor: User | None = None,
) -> list[ConsentOutcome]:
    """Record statements of consent for the client's addresses, in order, set-based: one locked
    read of the addresses' current rows per batch, one INSERT of the new addresses, one UPDATE
    of the changed ones, one INSERT of the history notes.

    Each statement goes through the core's rule (``consent_next``): from an import, a form or
    the API (``by_person=False``) it may only restrain (subscribed → unsubscribed); only the
    person's own action lifts an unsubscribe or a bounce. Statements without an address (a
    phone that was not valid) are skipped. Returns one outcome per statement recorded."""
    changes = [c for c in changes if c.address]
    if not changes:
        return []
    keys = {(c.channel, c.address) for c in changes}
    rows = _locked_rows(client, keys)
    state = {key: ConsentStatus(row.status) for key, row in rows.items()}
    wanted: dict[tuple[str, str], tuple[ConsentStatus, str]] = {}
    outcomes = []
    for change in changes:
        key = (change.channel, change.address)
        following = consent_next(state.get(key), change.status, by_person=by_person)
        if following is not None:
            state[key] = following
            wanted[key] = (following, change.source[:_SOURCE_LENGTH])
        outcomes.append(ConsentOutcome(change, state[key], applied=following is not None))
    _write(client, rows, wanted, now, by_person=by_person)
    events_record(_notes(outcomes, actor=actor, now=now))
    return outcomes


def _locked_rows(
    client: Client, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], ContactConsent]:
    ordered = sorted(keys)
    found: dict[tuple[str, str], ContactConsent] = {}
    for start in range(0, len(ordered), _LOOKUP_BATCH):
        batch = ordered[start : start + _LOOKUP_BATCH]
        query = ContactConsent.objects.select_for_update().filter(
            client=client, address__in={address for _, address in batch}
        )
        wanted = set(batch)
        for row in query.order_by("id"):
            if (row.channel, row.address) in wanted:
                found[(row.channel, row.address)] = row
    return found


def _write(
    client: Client,
    rows: dict[tuple[str, str], ContactConsent],
    wanted: dict[tuple[str, str], tuple[ConsentStatus, str]],
    now: datetime,
    *,
    by_person: bool,
) -> None:
    """Update the rows that exist, insert the others. An address another transaction inserted
    meanwhile (the INSERT skips it) is read again, locked, and the rule applied to its status:
    a concurrent "subscribed" never hides this statement's "unsubscribed"."""
    changed = []
    for key, row in rows.items():
        if key in wanted:
            row.status, row.source = wanted[key]
            row.changed_at = now
            changed.append(row)
    new = {key: value for key, value in wanted.items() if key not in rows}
    ContactConsent.objects.bulk_create(
        [
            ContactConsent(
                client=client,
                channel=channel,
                address=address,
                status=status,
                source=source,
                changed_at=now,
            )
            for (channel, address), (status, source) in new.items()
        ],
        ignore_conflicts=True,
    )
    if new:
        for key, row in _locked_rows(client, new).items():
            status, source = new[key]
            if row.status == status:
                continue
            following = consent_next(ConsentStatus(row.status), status, by_person=by_person)
            if following is not None:
                row.status, row.source, row.changed_at = following, source, now
                changed.append(row)
    ContactConsent.objects.bulk_update(changed, ["status", "source", "changed_at"])


def _notes(
    outcomes: Sequence[ConsentOutcome], *, actor: User | None, now: datetime
) -> list[LeadEvent]:
    """One note per lead: the statements that restrain contact, and those the rule refused."""
    by_lead: dict[int, list[ConsentOutcome]] = {}
    for outcome in outcomes:
        change = outcome.change
        restrains = change.status != ConsentStatus.SUBSCRIBED
        refused = outcome.status != change.status
        if change.lead_id is not None and (restrains or refused):
            by_lead.setdefault(change.lead_id, []).append(outcome)
    return [
        event_build(
            lead_id=lead_id,
            kind=EventKind.NOTE,
            actor=actor,
            now=now,
            after={"consent": {str(o.change.channel): _state(o) for o in noted}},
            reason="; ".join(_sentence(outcome) for outcome in noted),
        )
        for lead_id, noted in by_lead.items()
    ]


def _state(outcome: ConsentOutcome) -> str:
    return f"{_words(outcome.change.channel, outcome.status)} ({outcome.change.address})"


def _words(channel: ConsentChannel, status: ConsentStatus) -> str:
    if channel == ConsentChannel.PHONE:
        return _PHONE_WORDS.get(status, _STATUS_WORDS[status])
    return _STATUS_WORDS[status]


def _sentence(outcome: ConsentOutcome) -> str:
    change = outcome.change
    what = f"{_CHANNEL_WORDS[change.channel]} {change.address}"
    if outcome.applied:
        return f"{what}: {_words(change.channel, outcome.status)} ({change.source})"
    if outcome.status == change.status:
        return f"{what}: {_words(change.channel, outcome.status)}, as before ({change.source})"
    return (
        f"{what} stays {_words(change.channel, outcome.status)}: {change.source} said "
        f"{_words(change.channel, change.status)}, and only the person may undo an opt-out"
    )
