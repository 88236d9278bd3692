"""Web-to-lead forms: reading a posted form into a ``Submission`` (``posted``) and drawing the
form's inputs (``fields``)."""
