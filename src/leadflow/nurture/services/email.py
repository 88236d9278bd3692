"""Nurture e-mails as they go out: a touch's subject and body with the lead's merge fields,
a plain-text part and an HTML part, links rewritten to tracked redirects, and the unsubscribe
link (DESIGN.md, "Nurture and follow-up"; issue 14: "rendered safely").

Templates use Django's template language on a sandboxed engine that has no template loaders
and refuses the tags that read files or other templates (``include``, ``extends``, ``load``,
``debug`` …), so a marketer's template sees only the merge fields. A field the lead lacks is
empty, and the template's own default fills it: ``{{ first_name|default:"there" }}``. A
template is checked when it is saved (``template_check``); should one still fail when it is
rendered, its text goes out without the merge rather than stopping the send.

The HTML part is built from the rendered text, every character of it escaped (merge values
and the template's own words alike), paragraphs from blank lines and links made clickable:
nothing a lead typed into a form can become markup in another person's mailbox.
"""

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.html import escape

from leadflow.leads.models import Lead
from leadflow.nurture.models import Touch

#: The merge fields a template may use, and what each holds (the editor's help).
MERGE_FIELDS: dict[str, str] = {
    "first_name": "the contact's first name",
    "last_name": "the contact's last name",
    "name": "first and last name",
    "title": "job title",
    "company": "company name",
    "email": "e-mail address",
    "city": "city",
    "country": "country code",
    "program": "the program's name",
    "client": "the client's name",
    "answers": "the lead's answers, by question key: {{ answers.budget }}",
}

#: Tags that would reach outside the merge fields (files, other templates, the context dump).
_FORBIDDEN_TAGS = frozenset(
    {"include", "extends", "load", "debug", "block", "ssi", "csrf_token", "url", "templatetag"}
)
_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, string_if_invalid="")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
UNSUBSCRIBE_PLACEHOLDER = "https://example.invalid/unsubscribe"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    #: The original URLs of the body's links, in order; the tracked link of the i-th is
    #: ``link_url(i)`` when the message was rendered for sending.
    links: list[str] = field(default_factory=list)


def merge_fields(lead: Lead) -> dict[str, Any]:
    """The values a template sees for a lead (its program and client joined)."""
    name = " ".join(part for part in (lead.first_name, lead.last_name) if part)
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "name": name,
        "title": lead.title,
        "company": lead.company,
        "email": lead.email,
        "city": lead.city,
        "country": lead.country,
        "program": lead.program.name,
        "client": lead.program.client.name,
        "answers": dict(lead.answers or {}),
    }


def template_check(text: str) -> str | None:
    """Why a subject or body template cannot be used, in plain words, or None when it can."""
    try:
        tokens = Lexer(text).tokenize()
    except TemplateSyntaxError as exc:
        return f"The template cannot be read: {exc}"
    for token in tokens:
        if token.token_type is TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in _FORBIDDEN_TAGS:
                return f"The tag {{% {name} %}} cannot be used in a nurture e-mail."
    try:
        _ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        return f"The template cannot be read: {exc}"
    return None


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Template | None:
    """The template compiled once per text (a batch renders the same touch for many leads),
    or None when it cannot be used."""
    if template_check(text) is not None:
        return None
    return _ENGINE.from_string(text)


def _render(text: str, values: Mapping[str, Any]) -> str:
    template = _compiled(text)
    if template is None:
        return text
    try:
        return template.render(Context(dict(values), autoescape=False))
    except Exception:  # a template that fails mid-render goes out unmerged, never stops a send
        return text


def email_compose(
    *,
    subject: str,
    body: str,
    lead: Lead,
    link_url: Callable[[int], str] | None = None,
    unsubscribe_url: str = UNSUBSCRIBE_PLACEHOLDER,
) -> RenderedEmail:
    """Render a subject and body template for the lead. ``link_url(i)`` gives the tracked URL
    of the i-th link (None: links stay as written, for a preview)."""
    values = merge_fields(lead)
    rendered_subject = " ".join(_render(subject, values).split())
    text = _render(body, values).strip()
    links: list[str] = []
    #: ("text", words) or ("link", original URL, its target), in order.
    pieces: list[tuple[str, ...]] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        pieces.append(("text", text[position : match.start()]))
        pieces.append(("link", url, link_url(len(links)) if link_url else url))
        links.append(url)
        position = match.start() + len(url)
    pieces.append(("text", text[position:]))
    plain_parts = [piece[2] if piece[0] == "link" else piece[1] for piece in pieces]
    footer = f"To stop receiving these e-mails, unsubscribe: {unsubscribe_url}"
    plain = "".join(plain_parts) + "\n\n-- \n" + footer + "\n"
    html = _html(pieces, unsubscribe_url)
    return RenderedEmail(subject=rendered_subject, text=plain, html=html, links=links)


def _html(pieces: list[tuple[str, ...]], unsubscribe_url: str) -> str:
    """Every character escaped; paragraphs from blank lines, line breaks kept, links as
    anchors to their tracked targets."""
    marked = [
        f'<a href="{escape(piece[2])}">{escape(piece[1])}</a>'
        if piece[0] == "link"
        else str(escape(piece[1]))
        for piece in pieces
    ]
    body = "".join(marked)
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", body) if part.strip()]
    inner = "\n".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in paragraphs)
    footer = (
        f'<p><small>To stop receiving these e-mails, <a href="{escape(unsubscribe_url)}">'
        "unsubscribe</a>.</small></p>"
    )
    return f"<!DOCTYPE html>\n<html><body>\n{inner}\n<hr>\n{footer}\n</body></html>\n"


def email_render(*, touch: Touch, lead: Lead) -> RenderedEmail:
    """A touch's e-mail for a lead, as a preview: writes nothing, links as written."""
    return email_compose(subject=touch.subject, body=touch.body_text, lead=lead)
