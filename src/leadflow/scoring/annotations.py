"""What predictive scoring adds to the pages of the apps below it (issue 19, "used where it
helps"), registered by dotted path: the chance beside the rating on the lead list, its export,
the review batch and the partner inbox (``config/ratings.py``), and the panel on a lead's page
(``config/leads.py`` ``LEAD_PANELS``). A lead with no prediction of a switched-on model shows
nothing: no "0 %"."""

from collections.abc import Sequence

from django.http import HttpRequest
from django.template.loader import render_to_string

from leadflow.config.ratings import RatingNote
from leadflow.core.scoring.words import factors_top, prediction_detail, probability_text
from leadflow.leads.models import Lead
from leadflow.scoring.selectors import predictions_shown

#: How many factors the lead's page names.
PANEL_FACTORS = 6


def lead_rating_notes(*, lead_ids: Sequence[int]) -> dict[int, RatingNote]:
    """ "34 %" beside each rating, its top factors on hover; one query for the whole page."""
    return {
        lead_id: RatingNote(
            probability_text(row.probability), prediction_detail(row.probability, row.factors)
        )
        for lead_id, row in predictions_shown(lead_ids=lead_ids).items()
    }


def lead_scoring_panel(*, request: HttpRequest, lead: Lead) -> str:
    """The lead page's "Predicted chance" panel: the probability, the model it came from and
    the factors in plain words; "" without a prediction. The lead page is already the
    viewer's scope (a lead outside it is not found), so the panel shows what that lead has."""
    row = predictions_shown(lead_ids=[lead.pk]).get(lead.pk)
    if row is None:
        return ""
    context = {
        "lead": lead,
        "prediction": row,
        "text": probability_text(row.probability),
        "factors": factors_top(row.factors, PANEL_FACTORS),
    }
    return render_to_string("scoring/_lead_panel.html", context, request=request)
