"""Reads for the intake's public pages."""

from leadflow.programs.models import Program


def web_form_program(*, slug: str) -> Program:
    """The program whose public form is at ``slug``: active and with its web form switched on.
    Any other program raises ``Program.DoesNotExist``, so the public sees one 404 whether the
    program is unknown, closed or has no form."""
    return Program.objects.select_related("client").get(
        slug=slug, is_active=True, web_form_enabled=True
    )
