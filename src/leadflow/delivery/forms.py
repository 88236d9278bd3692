"""The delivery settings form: it parses what a manager typed into ``ScheduleSettings``; the
rules about what makes settings valid stay in the core (schedule, column map) and the service."""

import re
from datetime import time
from typing import Any

from django import forms

from leadflow.core.delivery_files import (
    SOURCE_FIELDS,
    ColumnMapError,
    column_map_from_json,
    column_map_from_text,
    column_map_to_text,
)
from leadflow.core.schedule import LAST, ORDINALS, WEEKDAYS, Frequency
from leadflow.delivery.models import CHandling, DeliverySchedule, FyiHandling
from leadflow.delivery.services import BATCH_RATINGS, ScheduleSettings
from leadflow.notifications.outbound import webhook_url_problem

WEEKDAY_CHOICES = [(str(number), name) for number, name in enumerate(WEEKDAYS)]
WEEK_CHOICES = [("", "—"), *((str(week), ORDINALS[week]) for week in (1, 2, 3, 4, LAST))]


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(
        choices=[(frequency.value, frequency.label) for frequency in Frequency]
    )
    weekday = forms.TypedChoiceField(
        choices=[("", "—"), *WEEKDAY_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Weekly and bi-weekly: the day of the week. Monthly: with “Week of the month”.",
    )
    anchor_date = forms.DateField(
        required=False,
        label="Bi-weekly from the week of",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Any date in a week with a delivery; empty means this week.",
    )
    day_of_month = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=31,
        label="Day of the month",
        help_text="Monthly: 1 to 31; a day a month does not have means its last day.",
    )
    week_of_month = forms.TypedChoiceField(
        choices=WEEK_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        label="Week of the month",
        help_text="Monthly on a weekday instead: e.g. the last Friday.",
    )
    time_of_day = forms.TimeField(
        label="Time of day",
        initial=time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="In the client's timezone.",
    )
    batch_ratings = forms.MultipleChoiceField(
        choices=[(rating, rating.upper()) for rating in BATCH_RATINGS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Ratings in the batch",
        help_text="Hot leads are delivered at once, on their own.",
    )
    c_handling = forms.ChoiceField(choices=CHandling.choices, label="C leads")
    fyi_handling = forms.ChoiceField(choices=FyiHandling.choices, label="FYI leads")
    recipients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="E-mail recipients",
        help_text="One address per line. Empty: the client's contacts in LeadFlow.",
    )
    column_map = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        label="File columns",
        help_text="One “Column header = source field” per line, in order. Empty: Salesforce's "
        "standard Lead fields.",
    )
    webhook_url = forms.URLField(
        required=False,
        max_length=500,
        label="Webhook URL",
        assume_scheme="https",
        help_text="The client's CRM endpoint; each delivery is POSTed there as signed JSON.",
    )
    is_active = forms.BooleanField(required=False, label="Deliver on this schedule")

    source_fields = SOURCE_FIELDS

    @staticmethod
    def initial_from(schedule: DeliverySchedule | None) -> dict[str, Any]:
        if schedule is None:
            return {
                "frequency": Frequency.WEEKLY.value,
                "weekday": "0",
                "time_of_day": time(9, 0),
                "batch_ratings": list(BATCH_RATINGS),
                "c_handling": CHandling.NURTURE,
                "fyi_handling": FyiHandling.SUMMARY,
                "is_active": True,
            }
        return {
            "frequency": schedule.frequency,
            "weekday": "" if schedule.weekday is None else str(schedule.weekday),
            "anchor_date": schedule.anchor_date,
            "day_of_month": schedule.day_of_month,
            "week_of_month": "" if schedule.week_of_month is None else str(schedule.week_of_month),
            "time_of_day": schedule.time_of_day,
            "batch_ratings": schedule.batch_ratings,
            "c_handling": schedule.c_handling,
            "fyi_handling": schedule.fyi_handling,
            "recipients": "\n".join(schedule.recipients),
            "column_map": column_map_to_text(column_map_from_json(schedule.column_map)),
            "webhook_url": schedule.webhook_url,
            "is_active": schedule.is_active,
        }

    def clean_webhook_url(self) -> str:
        url: str = self.cleaned_data["webhook_url"]
        problem = webhook_url_problem(url) if url else ""
        if problem:
            raise forms.ValidationError(problem[0].upper() + problem[1:] + ".")
        return url

    def clean_column_map(self) -> str:
        text: str = self.cleaned_data["column_map"]
        try:
            column_map_from_text(text)
        except ColumnMapError as exc:
            raise forms.ValidationError(str(exc).splitlines()) from None
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        frequency = data.get("frequency")
        if frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
            data["day_of_month"] = data["week_of_month"] = None
            if data.get("weekday") is None:
                self.add_error("weekday", "Choose the day of the week.")
        if frequency != Frequency.BIWEEKLY:
            data["anchor_date"] = None
        if frequency == Frequency.MONTHLY:
            if data.get("day_of_month") is not None:
                data["weekday"] = data["week_of_month"] = None
            elif data.get("week_of_month") is None or data.get("weekday") is None:
                self.add_error(
                    "day_of_month",
                    "Give a day of the month, or a weekday and a week of the month.",
                )
        return data

    def settings(self) -> ScheduleSettings:
        data = self.cleaned_data
        return ScheduleSettings(
            frequency=Frequency(data["frequency"]),
            weekday=data["weekday"],
            day_of_month=data["day_of_month"],
            week_of_month=data["week_of_month"],
            time_of_day=data["time_of_day"],
            anchor_date=data["anchor_date"],
            batch_ratings=tuple(data["batch_ratings"]),
            c_handling=CHandling(data["c_handling"]),
            fyi_handling=FyiHandling(data["fyi_handling"]),
            recipients=tuple(re.split(r"[\s,;]+", data["recipients"].strip())),
            column_map=column_map_from_text(data["column_map"]),
            webhook_url=data["webhook_url"],
            is_active=data["is_active"],
        )
