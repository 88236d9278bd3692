"""Bulk imports: one ImportJob per file imported into a program, its rejected rows, the leads
it created or merged (what an undo reverts), and the column mappings saved per program."""

from typing import Any

from django.conf import settings
from django.db import models

from leadflow.leads.models import CHANNEL_CHOICES


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Awaiting the column mapping"
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    UNDONE = "undone", "Undone"


class ImportJob(models.Model):
    """One import of a file into a program, and its progress.

    The counts and ``processed_rows`` are written in the same transaction as each chunk of
    leads, so they always describe what is in the database: an interrupted import resumes after
    ``processed_rows``. ``sha256`` recognises the same file imported again.
    """

    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="import_jobs"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for an import from the command line",
    )
    file = models.FileField(upload_to="imports/", blank=True)
    path = models.CharField(max_length=1000, blank=True, help_text="The file, for the CLI")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    channel = models.CharField(
        max_length=24, choices=CHANNEL_CHOICES, blank=True, help_text="Overrides the file's"
    )
    campaign = models.CharField(max_length=100, blank=True, help_text="Overrides the file's")
    dry_run = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(
        default=0, help_text="Values dropped from the imported rows' fields, each a warning"
    )
    message = models.TextField(blank=True)
    mapping: models.JSONField[list[dict[str, Any]]] = models.JSONField(default=list, blank=True)
    overrides: models.JSONField[dict[str, str]] = models.JSONField(
        default=dict, blank=True, help_text="Column header → target chosen in the mapping step"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    undo_counts: models.JSONField[dict[str, int]] = models.JSONField(
        default=dict, blank=True, help_text="Leads disqualified, merges reverted, leads kept"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["program", "sha256", "status"], name="import_job_resume"),
            models.Index(fields=["program", "-created_at"], name="import_job_program"),
        ]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.original_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.UNDONE)

    @property
    def is_awaiting_mapping(self) -> bool:
        """Uploaded on the web, its columns not yet confirmed: nothing has run."""
        return self.status == ImportStatus.MAPPING

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ImportRejectedRow(models.Model):
    """A row that did not become a lead: its number as a spreadsheet shows it (the header is
    row 1), every reason, and the row as given, so it can be fixed and imported again."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.PositiveIntegerField()
    reason = models.TextField()
    data: models.JSONField[list[str]] = models.JSONField(default=list)

    class Meta:
        ordering = ["job", "row_number"]
        indexes = [models.Index(fields=["job", "row_number"], name="import_rejected_row")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"


class ImportedLead(models.Model):
    """A lead an import created or merged a row into, with the ids of the events the import
    wrote for it: an undo reverts only leads with no other event since (untouched)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="leads")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    created = models.BooleanField(default=False, help_text="The import created the lead")
    event_ids: models.JSONField[list[int]] = models.JSONField(default=list)
    merge_event_ids: models.JSONField[list[int]] = models.JSONField(default=list)
    undone = models.BooleanField(default=False)

    class Meta:
        ordering = ["job", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "lead"], name="imported_lead_once"),
        ]

    def __str__(self) -> str:
        return (
            f"import #{self.job_id} {'created' if self.created else 'merged into'} #{self.lead_id}"
        )


class SavedMapping(models.Model):
    """A column mapping chosen in the mapping step, saved under a name for the program's next
    files of the same shape: ``columns`` maps a header to its target."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="import_mappings"
    )
    name = models.CharField(max_length=100)
    columns: models.JSONField[dict[str, str]] = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="saved_mapping_name"),
        ]

    def __str__(self) -> str:
        return self.name
