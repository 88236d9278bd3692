"""Hand-off (DESIGN.md, Hand-off): where an approved lead goes, by its program's mode and its
rating. The one statement of these rules; the delivery and partner apps ask it.

- Client delivery (agency): Hot leads are delivered at once, on their own (target 24 hours
  after capture, never over 48); A and B leads go in the program's scheduled batch; C leads go
  to nurture; FYI leads are listed in the batch's summary.
- Partner routing: Hot, A and B leads are routed to a partner; C and FYI are never routed.
- Both: the client receives every lead first (Hot at once, the rest in its batch), and each
  delivered Hot, A or B lead is then routed to a partner for follow-up.
- Nurture exit: a nurturing lead that re-qualifies as Hot, A or B goes straight to hand-off.
"""

from collections.abc import Iterable
from datetime import timedelta
from enum import Enum, StrEnum

from leadflow.core.enums import Rating


class HandOffMode(StrEnum):
    DELIVERY = "delivery"
    PARTNERS = "partners"
    BOTH = "both"


class Destination(Enum):
    """What the hand-off does with an approved lead."""

    DELIVER_AT_ONCE = "deliver_at_once"
    BATCH = "batch"
    ROUTE = "route"


class BatchPlace(Enum):
    """Where an approved lead goes when a scheduled batch is built."""

    FILE = "file"
    NURTURE = "nurture"
    SUMMARY = "summary"
    HOLD = "hold"


class CHandling(StrEnum):
    """What a batch does with C leads (a program setting)."""

    NURTURE = "nurture"
    INCLUDE = "include"
    HOLD = "hold"


class FyiHandling(StrEnum):
    """What a batch does with FYI leads (a program setting)."""

    SUMMARY = "summary"
    INCLUDE = "include"
    HOLD = "hold"


#: Hot leads: delivered within this long of capture, and never later than the limit.
HOT_TARGET = timedelta(hours=24)
HOT_LIMIT = timedelta(hours=48)
#: Ratings a partner receives; C and FYI are never routed.
ROUTABLE_RATINGS = frozenset({Rating.HOT, Rating.A, Rating.B})
#: Ratings a scheduled batch delivers by default.
DEFAULT_BATCH_RATINGS = (Rating.A, Rating.B)
#: Ratings with which a nurturing lead goes straight to hand-off.
NURTURE_EXIT_RATINGS = frozenset({Rating.HOT, Rating.A, Rating.B})

#: The modes whose programs deliver to the client, and those whose leads go to partners.
DELIVERING_MODES = (HandOffMode.DELIVERY, HandOffMode.BOTH)
ROUTING_MODES = (HandOffMode.PARTNERS, HandOffMode.BOTH)


def delivers(mode: str) -> bool:
    """The program's client receives deliveries."""
    return mode in DELIVERING_MODES


def routes(mode: str) -> bool:
    """The program's leads are followed up by partners."""
    return mode in ROUTING_MODES


def routable(rating: str | None) -> bool:
    return rating in ROUTABLE_RATINGS


def destination(mode: str, rating: str | None) -> Destination | None:
    """What approval starts for a lead of this mode and rating (None: it waits, e.g. a C or FYI
    lead of a partner program, which is never routed). In programs with both hand-offs the
    routing follows the delivery (``routes_after_delivery``)."""
    if delivers(mode):
        return Destination.DELIVER_AT_ONCE if rating == Rating.HOT else Destination.BATCH
    if routes(mode) and routable(rating):
        return Destination.ROUTE
    return None


def routes_at_approval(mode: str, rating: str | None) -> bool:
    """Approval routes the lead at once (partner programs only)."""
    return destination(mode, rating) is Destination.ROUTE


def delivers_at_once(mode: str, rating: str | None) -> bool:
    return destination(mode, rating) is Destination.DELIVER_AT_ONCE


def routes_after_delivery(mode: str, rating: str | None) -> bool:
    """A delivered lead goes on to a partner (programs with both hand-offs)."""
    return mode == HandOffMode.BOTH and routable(rating)


def batch_place(
    rating: str | None, *, batch_ratings: Iterable[str], c_handling: str, fyi_handling: str
) -> BatchPlace:
    """Where a scheduled batch puts an approved lead: Hot leads (normally delivered at once;
    one still approved at batch time is not held back) and the batch's ratings in the file; C
    leads to nurture (default), in the file, or held; FYI leads in the summary (default), in
    the file, or held; anything else held."""
    if rating == Rating.HOT or rating in set(batch_ratings):
        return BatchPlace.FILE
    if rating == Rating.C:
        return {
            CHandling.INCLUDE: BatchPlace.FILE,
            CHandling.NURTURE: BatchPlace.NURTURE,
        }.get(CHandling(c_handling), BatchPlace.HOLD)
    if rating == Rating.FYI:
        return {
            FyiHandling.INCLUDE: BatchPlace.FILE,
            FyiHandling.SUMMARY: BatchPlace.SUMMARY,
        }.get(FyiHandling(fyi_handling), BatchPlace.HOLD)
    return BatchPlace.HOLD


def leaves_nurture(*, rating: str | None, rating_before: str | None) -> bool:
    """A nurturing lead re-qualified into Hot, A or B from below goes to hand-off; one that
    already rated so when it entered nurture (not interested for now) stays until reopened."""
    return rating in NURTURE_EXIT_RATINGS and rating_before not in NURTURE_EXIT_RATINGS
