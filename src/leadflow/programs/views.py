"""The sales manager's criteria pages: programs, their criteria and versions, the draft editor,
its preview on past leads, publishing, and the differences between versions (DESIGN.md,
"Qualification": criteria are versioned and a change can be previewed before it is published).

Sales managers and admins edit (``Capability.PROGRAMS_EDIT_CRITERIA``); marketing may look
(``Capability.PROGRAMS_VIEW``: it reads conversion by criteria); everyone else is refused (403)
before any program is looked up. Programs and versions come from the scoped selectors, so
another scope's program is not found (404, by the error middleware).
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user, user_can
from leadflow.core.criteria import QualifyingCriteria, criteria_words
from leadflow.core.preview import RATING_ORDER
from leadflow.lib.forms import form_page, form_save
from leadflow.programs.forms.editor import (
    LAZY_SECTIONS,
    CriteriaEditor,
    CriteriaYamlForm,
    editor_sections,
)
from leadflow.programs.forms.intake import IntakeSettingsForm
from leadflow.programs.forms.publish import PublishForm
from leadflow.programs.models import CriteriaVersion, Program
from leadflow.programs.selectors import (
    criteria_diff,
    criteria_draft,
    criteria_from_version,
    criteria_preview_for_program,
    criteria_version_get,
    criteria_versions,
    program_get,
    program_overview,
    program_published_criteria,
)
from leadflow.programs.services import (
    DraftGone,
    criteria_draft_discard,
    criteria_draft_publish,
    criteria_draft_save,
    program_intake_settings_save,
)

REFUSED = "Only sales managers and admins manage qualifying criteria."
viewer_required = capability_required(Capability.PROGRAMS_VIEW, REFUSED)
editor_required = capability_required(Capability.PROGRAMS_EDIT_CRITERIA, REFUSED)


def _program(request: HttpRequest, slug: str) -> Program:
    return program_get(user=request_user(request), slug=slug)


def _can_edit(request: HttpRequest) -> bool:
    return user_can(request_user(request), Capability.PROGRAMS_EDIT_CRITERIA)


def _draft(program: Program) -> CriteriaVersion:
    draft = criteria_draft(program=program)
    if draft is None:
        raise Http404("This program has no draft.")
    return draft


@viewer_required
@require_GET
def program_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "programs/index.html",
        {"programs": program_overview(user=user), "can_edit": _can_edit(request)},
    )


@viewer_required
@require_GET
def program_detail(request: HttpRequest, slug: str) -> HttpResponse:
    program = _program(request, slug)
    published = program_published_criteria(program=program)
    return render(
        request,
        "programs/detail.html",
        {
            "program": program,
            "version": published.version,
            "criteria": published.criteria,
            "words": criteria_words(published.criteria),
            "versions": criteria_versions(program=program),
            "draft": criteria_draft(program=program),
            "can_edit": _can_edit(request),
        },
    )


@editor_required
@require_http_methods(["GET", "POST"])
def criteria_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The draft editor: it starts from the draft, or from the current version when there is
    none; saving validates with the core and stores the draft, nothing else."""
    user = request_user(request)
    program = _program(request, slug)
    draft = criteria_draft(program=program)
    start, note = _editor_start(program, draft)
    yaml_mode = request.method == "POST" and request.POST.get("editor") == "yaml"
    editor = CriteriaEditor(
        request.POST if request.method == "POST" and not yaml_mode else None,
        criteria=start,
        note=note,
    )
    yaml_form = CriteriaYamlForm(
        request.POST if yaml_mode else None, initial={"text": start.to_yaml(), "note": note}
    )
    saved: tuple[QualifyingCriteria, str] | None = None
    if yaml_mode and yaml_form.is_valid():
        saved = (yaml_form.cleaned_data["text"], yaml_form.cleaned_data["note"])
    elif request.method == "POST" and not yaml_mode and editor.is_valid():
        assert editor.criteria is not None
        saved = (editor.criteria, editor.note)
    if saved is not None:
        criteria_draft_save(
            program=program, criteria=saved[0], actor=user, now=timezone.now(), note=saved[1]
        )
        if request.POST.get("then") == "edit":
            messages.success(request, "Draft saved. Preview it on past leads before publishing.")
            return redirect("programs:criteria_edit", slug=program.slug)
        messages.success(request, "Draft saved. Preview it on past leads before publishing.")
        return redirect("programs:criteria_preview", slug=program.slug)
    return render(
        request,
        "programs/edit.html",
        {
            "program": program,
            "draft": draft,
            "editor": editor,
            "yaml_form": yaml_form,
            "yaml_mode": yaml_mode,
            "sections": editor_sections(
                editor=editor, criteria=start, opened=request.GET.getlist("open")
            ),
        },
    )


def _editor_start(
    program: Program, draft: CriteriaVersion | None
) -> tuple[QualifyingCriteria, str]:
    """What the editor starts from: the draft, or the current version when there is none."""
    if draft is not None:
        return criteria_from_version(draft), draft.note
    return program_published_criteria(program=program).criteria, ""


@editor_required
@require_GET
def criteria_edit_section(request: HttpRequest, slug: str, section: str) -> HttpResponse:
    """One section of the editor's form, drawn when it is first opened (htmx), from what the
    editor starts from; the editor's page draws only the section summaries."""
    if section not in LAZY_SECTIONS:
        raise Http404("The editor has no such section.")
    program = _program(request, slug)
    start, note = _editor_start(program, criteria_draft(program=program))
    editor = CriteriaEditor(None, criteria=start, note=note)
    return render(request, f"programs/_editor_{section}.html", {"editor": editor})


@editor_required
@require_GET
def criteria_preview(request: HttpRequest, slug: str) -> HttpResponse:
    program = _program(request, slug)
    draft = _draft(program)
    result = criteria_preview_for_program(program=program, draft=criteria_from_version(draft))
    preview = result.preview
    totals = [
        {
            "label": rating.label if rating else "no rating",
            "before": before,
            "after": after,
            "change": after - before,
        }
        for rating in RATING_ORDER
        for before, after in [
            (preview.before_counts.get(rating, 0), preview.after_counts.get(rating, 0))
        ]
    ]
    return render(
        request,
        "programs/preview.html",
        {
            "program": program,
            "draft": draft,
            "result": result,
            "preview": preview,
            "totals": totals,
            "publish_form": PublishForm(),
        },
    )


@editor_required
@require_POST
def criteria_publish_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Publishes the draft as the next version, then queues the re-qualification of the
    program's open leads (DESIGN.md: re-qualifying records the version used)."""
    user = request_user(request)
    program = _program(request, slug)
    draft = _draft(program)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the box to confirm publishing; nothing was published.")
        return redirect("programs:criteria_preview", slug=program.slug)
    try:
        version = criteria_draft_publish(draft=draft, actor=user, now=timezone.now())
    except DraftGone:
        raise Http404("This draft was published or discarded meanwhile.") from None
    messages.success(
        request,
        f"Version {version.number} published. Re-qualification of the open leads was queued.",
    )
    return redirect("programs:detail", slug=program.slug)


@editor_required
@require_POST
def criteria_discard(request: HttpRequest, slug: str) -> HttpResponse:
    program = _program(request, slug)
    if criteria_draft_discard(program=program):
        messages.success(request, "Draft discarded; the published criteria are unchanged.")
    return redirect("programs:detail", slug=program.slug)


@viewer_required
@require_GET
def criteria_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    program = _program(request, slug)
    version = criteria_version_get(program=program, number=number)
    criteria = criteria_from_version(version)
    return render(
        request,
        "programs/version.html",
        {
            "program": program,
            "version": version,
            "criteria": criteria,
            "words": criteria_words(criteria),
            "yaml": criteria.to_yaml(),
        },
    )


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@viewer_required
@require_GET
def criteria_diff_view(request: HttpRequest, slug: str) -> HttpResponse:
    """What changed between two versions, one plain sentence per change; ``to=draft``
    compares the draft. Without parameters it compares the current version with its predecessor."""
    program = _program(request, slug)
    versions = list(criteria_versions(program=program).values_list("number", flat=True))
    newer_number = _number(request.GET.get("to")) or versions[0]
    older_number = _number(request.GET.get("from")) or max(newer_number - 1, 1)
    context: dict[str, Any] = {"program": program, "versions": versions}
    older = criteria_version_get(program=program, number=older_number)
    if request.GET.get("to") == "draft" and _can_edit(request):
        newer = _draft(program)
        newer_label = "draft"
    else:
        newer = criteria_version_get(program=program, number=newer_number)
        newer_label = f"version {newer.number}"
    context.update(
        older=older,
        newer=newer,
        newer_label=newer_label,
        diff=criteria_diff(
            older=criteria_from_version(older),
            newer=criteria_from_version(newer),
        ),
    )
    return render(request, "programs/diff.html", context)


@editor_required
@require_http_methods(["GET", "POST"])
def intake_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """The program's "Form and intake settings": the web form on or off, the sites a visitor
    may be sent back to, the program's country, and its own lead-source → channel rules."""
    program = _program(request, slug)
    form = IntakeSettingsForm(request.POST or None, program=program)

    def save(data: dict[str, Any]) -> None:
        program_intake_settings_save(
            by=request_user(request),
            program=program,
            web_form_enabled=data["web_form_enabled"],
            default_region=data["default_region"],
            allowed_hosts=data["allowed_hosts"],
            source_rules=data["source_rules"],
        )

    if form_save(request, form, save):
        messages.success(request, "Form and intake settings saved.")
        return redirect("programs:intake_settings", slug=program.slug)
    return form_page(request, "programs/intake_settings.html", {"program": program, "form": form})
