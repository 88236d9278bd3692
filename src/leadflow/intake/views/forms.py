"""The public web-to-lead pages and the staff page with the snippet to embed them.

The public views are framed on clients' sites and posted to from them: they are exempt from
X-Frame-Options (the form, and the thank-you and error pages the submission shows in the same
frame) and the submission from CSRF (the posting page is not ours). In return the submission
endpoint checks size, rate and the honeypot before it captures anything.
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.core.criteria import Question
from leadflow.intake.selectors import web_form_program
from leadflow.intake.services import IntakeRejected, lead_capture, submission_prepare
from leadflow.intake.throttle import throttle_hit, throttle_key
from leadflow.intake.webforms.fields import error_summary, form_fields
from leadflow.intake.webforms.posted import (
    HONEYPOT,
    RETURN_URL,
    form_errors,
    posted_values,
    return_url,
    shown_errors,
    submission_from,
)
from leadflow.lib.security import frameable
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list, program_published_criteria

logger = logging.getLogger(__name__)

PASSED_ON = ("campaign", "lead_source", RETURN_URL)
"""Query parameters of the form page that its hidden inputs carry on to the submission, so an
embedding page can tag its leads (``/forms/<slug>/?campaign=SPRING``)."""


def _render_form(
    request: HttpRequest,
    program: Program,
    questions: tuple[Question, ...],
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    fields = form_fields(questions, values, errors)
    context: dict[str, Any] = {
        "program": program,
        "fields": fields,
        "any_required": any(f.required for f in fields),
        "summary": error_summary(fields, errors),
        "hidden": [(name, values.get(name, "")) for name in PASSED_ON if values.get(name)],
        "honeypot": HONEYPOT,
        "action": reverse("intake:submit", kwargs={"slug": program.slug}),
    }
    return render(request, "intake/form.html", context, status=status)


@xframe_options_exempt
@frameable
@require_GET
def form(request: HttpRequest, slug: str) -> HttpResponse:
    """The program's public form, to be shown in an iframe on the client's site."""
    program = web_form_program(slug=slug)
    questions = program_published_criteria(program=program).criteria.questions
    values = {name: request.GET.get(name, "") for name in PASSED_ON}
    return _render_form(request, program, questions, values, {})


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _client_ip(request: HttpRequest) -> str:
    """``REMOTE_ADDR``: behind a reverse proxy the deployment must set it to the visitor's
    address (e.g. gunicorn's ``--forwarded-allow-ips``); X-Forwarded-For is not trusted here,
    because any client can send it and would then choose its own rate-limit key."""
    return str(request.META.get("REMOTE_ADDR", ""))


def _succeeded(request: HttpRequest, program: Program, values: dict[str, str]) -> HttpResponse:
    """What every accepted submission (and a trapped bot) sees: the allowed ``retURL`` or the
    thank-you page. A ``retURL`` to a host the program does not allow is not followed."""
    raw = values.get(RETURN_URL, "")
    target = return_url(raw, program.web_form_allowed_hosts)
    if target is not None:
        return HttpResponseRedirect(target, status=303)
    if raw.strip():
        logger.warning(
            "web form %s: retURL %r is not an allowed host; not redirecting",
            program.slug,
            raw[:200],
        )
    return render(request, "intake/thanks.html", {"program": program})


@csrf_exempt
@xframe_options_exempt
@frameable
@require_POST
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Capture one web-to-lead submission (Salesforce field names) for the program.

    Only a submission nobody can be reached by (or with an over-long name or e-mail, or a
    required question unanswered) shows the form again with its errors (400). A bad optional
    field (phone, country, state, website, an answer) is captured with a warning on the lead,
    and the visitor goes on to the ``retURL`` or the thank-you page like any other."""
    max_bytes: int = getattr(settings, "WEB_FORM_MAX_BYTES", 65536)
    if _content_length(request) > max_bytes:
        return HttpResponse(
            f"The submission is larger than {max_bytes // 1024} KiB.",
            status=413,
            content_type="text/plain; charset=utf-8",
        )
    program = web_form_program(slug=slug)
    limit, window = getattr(settings, "WEB_FORM_RATE_LIMIT", (10, 600))
    now = timezone.now()
    hit = throttle_hit(
        key=throttle_key(scope=str(program.pk), client=_client_ip(request)),
        limit=limit,
        window_seconds=window,
        now=now,
    )
    if not hit.allowed:
        logger.info("web form %s: rate limit reached (%s in %ss)", program.slug, hit.count, window)
        response = render(
            request,
            "intake/rate_limited.html",
            {"program": program, "minutes": max(1, -(-hit.retry_after // 60))},
            status=429,
        )
        response["Retry-After"] = str(hit.retry_after)
        return response
    values = posted_values(request.POST.lists())
    if values.get(HONEYPOT, "").strip():
        logger.info("web form %s: honeypot filled in; nothing captured", program.slug)
        return _succeeded(request, program, values)
    published = program_published_criteria(program=program)
    questions = published.criteria.questions
    submission = submission_from(values, questions, program.source_channel_rules)
    errors = form_errors(values, questions)
    try:
        if errors:
            # The form is shown again anyway: the visitor may fix the optional fields too.
            prepared = submission_prepare(
                program=program, submission=submission, published=published
            )
            warned = {w["field"]: w["reason"] for w in prepared.data.warnings}
            errors = {**shown_errors(warned), **errors}
        else:
            lead_capture(program=program, submission=submission, actor=None, now=now)
    except IntakeRejected as exc:
        errors = {**shown_errors(exc.errors), **errors}
    if errors:
        return _render_form(request, program, questions, values, errors, status=400)
    return _succeeded(request, program, values)


@login_required
@require_GET
def embed(request: HttpRequest, slug: str) -> HttpResponse:
    """For the program's staff: the snippets that put the form on the client's site."""
    program = program_list(user=request_user(request)).get(slug=slug)
    questions = program_published_criteria(program=program).criteria.questions
    form_url = request.build_absolute_uri(reverse("intake:form", kwargs={"slug": slug}))
    submit_url = request.build_absolute_uri(reverse("intake:submit", kwargs={"slug": slug}))
    fields = form_fields(questions)
    snippet_context = {
        "program": program,
        "form_url": form_url,
        "submit_url": submit_url,
        "fields": fields,
        "honeypot": HONEYPOT,
    }
    context = {
        "program": program,
        "form_url": form_url,
        "submit_url": submit_url,
        "iframe_snippet": render_to_string("intake/_snippet_iframe.html", snippet_context).strip(),
        "form_snippet": render_to_string("intake/_snippet_form.html", snippet_context).strip(),
        "fields": fields,
        "can_edit_settings": user_can(request_user(request), Capability.PROGRAMS_EDIT_CRITERIA),
    }
    return render(request, "intake/embed.html", context)
