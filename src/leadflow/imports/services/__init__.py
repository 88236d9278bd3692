"""The imports app's writes, one module per concept: a job's lifecycle (``jobs``: the job for a
file, resuming, its rejected rows), the chunked run and its classification of rows (``run``),
the de-duplication index of a run (``dedupe``), the mapping step with its dry run and saved
mappings (``preview``), and undoing an import (``undo``). Import from the module."""
