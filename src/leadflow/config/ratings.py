"""What the apps above show beside a lead's rating on the pages of the apps below them
(STYLE.md 11: apps plug in): the predicted chance of converting, "A · 34 %" (issue 19).

The lead list (and its CSV export), the review batch and the partner inbox name no app built
on them. Each page reads its row of ``RATING_NOTES`` when it draws and calls every source once
for all the leads it shows (never once per lead). A source is the dotted path of
``notes(*, lead_ids) -> dict[int, RatingNote]``: a lead it has nothing to say about is left
out, and the page then shows the rating alone. ``label`` names the source's column in the lead
list's CSV export. The table is data (dotted paths and labels), so this module imports nothing
of the apps and sits at the bottom of the app ladder with config's other registries.

Pages: ``lead_list`` (the lead list and its export), ``review_batch`` (a program's QA review
batch), ``partner_inbox`` (a partner's open leads).
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RatingNote:
    """What shows beside one lead's rating: ``text`` ("34 %"), and ``detail`` in plain words
    (the top factors), shown on hover and to screen readers."""

    text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RatingNoteSource:
    label: str
    path: str


_PREDICTED = RatingNoteSource("predicted", "leadflow.scoring.annotations.lead_rating_notes")

RATING_NOTES: dict[str, tuple[RatingNoteSource, ...]] = {
    "lead_list": (_PREDICTED,),
    "review_batch": (_PREDICTED,),
    "partner_inbox": (_PREDICTED,),
}
