"""The QA review pages: programs with leads waiting, a program's review batch (approve or push
back one by one, or approve all that pass after a confirmation), and call recordings (upload,
and listening through a short-lived link, each listen recorded).

Who: QA reviewers and admins review (``review.decide``), in their program scope; every other
role is refused (403) before any program is looked up, as the queue does. Recordings are heard
only by reviewers and admins: for everyone else, clients and partners included, they do not
exist (404). A program, lead, call or recording outside the user's scope is not found: the
selectors raise ``DoesNotExist`` and the error middleware answers 404. Decisions made with HTMX
replace the lead's card; without JavaScript the same forms post and come back to the batch
with a message: a refused decision is that message (the card shown again), never a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import (
    Capability,
    capability_required,
    request_user,
    user_can,
)
from leadflow.core.errors import DomainError
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import CallLog, Lead
from leadflow.programs.models import Program
from leadflow.review.forms import ApprovePassingForm, PushBackForm, RecordingForm
from leadflow.review.links import LINK_SECONDS, recording_token_valid
from leadflow.review.models import CallRecording
from leadflow.review.selectors import (
    call_for_recording,
    may_upload_recording,
    push_back_reasons,
    recording_for_listening,
    review_batch,
    review_item,
    review_lead_get,
    review_passing,
    review_program_get,
    review_programs,
)
from leadflow.review.services import (
    BATCH_APPROVE_LIMIT,
    RECORDING_MAX_BYTES,
    lead_approve,
    lead_push_back,
    leads_approve_passing,
    recording_play,
    recording_upload,
)

reviewer_required = capability_required(
    Capability.REVIEW_DECIDE, "Only QA reviewers and admins review leads."
)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
@require_GET
@reviewer_required
def review_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "review/index.html",
        {"programs": review_programs(user=user), "now": timezone.now()},
    )


@login_required
@require_GET
@reviewer_required
def review_batch_page(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    program = review_program_get(user=user, slug=slug)
    return render(
        request,
        "review/batch.html",
        {"batch": review_batch(user=user, program=program), "program": program},
    )


def _decided(request: HttpRequest, program: Program, lead: Lead, text: str) -> HttpResponse:
    """After a decision: the card's replacement (HTMX), or back to the batch with a message."""
    if _is_htmx(request):
        return render(request, "review/_decided.html", {"lead": lead, "text": text})
    messages.success(request, text)
    return redirect("review:batch", slug=program.slug)


def _refused(
    request: HttpRequest, user: User, program: Program, lead: Lead, text: str
) -> HttpResponse:
    """A decision that did not happen: the card again with the reason (HTMX; a 200, so that
    HTMX swaps it in), or back to the batch with the reason as a message."""
    if not _is_htmx(request):
        messages.error(request, text)
        return redirect("review:batch", slug=program.slug)
    lead = review_lead_get(user=user, program=program, lead_id=lead.pk)
    if lead.status != LeadStatus.IN_REVIEW:
        return render(request, "review/_decided.html", {"lead": lead, "text": text, "error": True})
    context = {
        "item": review_item(user=user, lead=lead),
        "batch": {"reasons": push_back_reasons(program)},
        "program": program,
        "error": text,
    }
    return render(request, "review/_lead.html", context)


@login_required
@require_POST
@reviewer_required
def review_approve(request: HttpRequest, slug: str, lead_id: int) -> HttpResponse:
    user = request_user(request)
    program = review_program_get(user=user, slug=slug)
    lead = review_lead_get(user=user, program=program, lead_id=lead_id)
    try:
        lead = lead_approve(lead=lead, reviewer=user, now=timezone.now())
    except DomainError as exc:
        return _refused(request, user, program, lead, f"Not approved: {exc}.")
    return _decided(request, program, lead, f"Lead #{lead.pk} approved.")


@login_required
@require_POST
@reviewer_required
def review_push_back(request: HttpRequest, slug: str, lead_id: int) -> HttpResponse:
    user = request_user(request)
    program = review_program_get(user=user, slug=slug)
    lead = review_lead_get(user=user, program=program, lead_id=lead_id)
    form = PushBackForm(request.POST, reasons=push_back_reasons(program), lead_id=lead.pk)
    if not form.is_valid():
        return _refused(
            request,
            user,
            program,
            lead,
            "Not pushed back: choose a reason and write a note for the qualifier.",
        )
    try:
        lead = lead_push_back(
            lead=lead,
            reviewer=user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            now=timezone.now(),
        )
    except DomainError as exc:
        return _refused(request, user, program, lead, f"Not pushed back: {exc}.")
    return _decided(request, program, lead, _pushed_back_message(lead))


def _pushed_back_message(lead: Lead) -> str:
    """Where the pushed-back lead went, truly: to its qualifier (the owner, else the
    submitter), or, with neither, to the top of the program's queue for every qualifier."""
    if lead.owner_id is None and lead.submitted_by_id is None:
        return (
            f"Lead #{lead.pk} pushed back ({lead.push_back_reason}). No qualifier submitted "
            "this lead, so it goes to the top of the program's queue for every qualifier."
        )
    return f"Lead #{lead.pk} pushed back to its qualifier ({lead.push_back_reason})."


@login_required
@require_http_methods(["GET", "POST"])
@reviewer_required
def review_approve_passing(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Approve all that pass": a confirmation with the count and the leads, then the approval
    of exactly those (each checked again); the rest stay for one-by-one review."""
    user = request_user(request)
    program = review_program_get(user=user, slug=slug)
    if request.method == "POST":
        form = ApprovePassingForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing approved: confirm from the batch page again.")
            return redirect("review:batch", slug=program.slug)
        try:
            result = leads_approve_passing(
                program=program,
                reviewer=user,
                lead_ids=form.cleaned_data["leads"],
                now=timezone.now(),
            )
        except DomainError as exc:
            messages.error(request, f"Nothing approved: {exc}.")
            return redirect("review:batch", slug=program.slug)
        messages.success(request, result.message)
        for lead_id, why in sorted(result.skipped.items()):
            messages.info(request, f"Lead #{lead_id} left in review: {why}.")
        return redirect("review:batch", slug=program.slug)
    preview = review_passing(user=user, program=program, limit=BATCH_APPROVE_LIMIT)
    if not preview.count:
        messages.info(request, "No lead of this batch passes every check: review them one by one.")
        return redirect("review:batch", slug=program.slug)
    return render(
        request,
        "review/approve_passing.html",
        {
            "program": program,
            "preview": preview,
            "ids": ",".join(str(lead_id) for lead_id in preview.lead_ids),
            "limit": BATCH_APPROVE_LIMIT,
        },
    )


# --- recordings --------------------------------------------------------------------------------


@login_required
@require_POST
def recording_listen(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Play: record the listen and answer the audio player, whose source is a link valid for
    ``LINK_SECONDS`` to this user only."""
    user = request_user(request)
    recording = recording_for_listening(user=user, recording_id=recording_id)
    token = recording_play(recording=recording, listener=user, now=timezone.now())
    source = reverse("review:recording_audio", args=[recording.pk])
    context = {
        "recording": recording,
        "src": f"{source}?token={token}",
        "minutes": LINK_SECONDS // 60,
    }
    template = "review/_player.html" if _is_htmx(request) else "review/listen.html"
    return render(request, template, context)


@login_required
@require_GET
def recording_audio(request: HttpRequest, recording_id: int) -> FileResponse:
    """The audio itself, for a valid link of the signed-in reviewer; 404 otherwise."""
    user = request_user(request)
    recording = recording_for_listening(user=user, recording_id=recording_id)
    token = request.GET.get("token", "")
    if not recording_token_valid(token, recording_id=recording.pk, user_id=user.pk):
        raise Http404("This link has expired or is not yours: press Play again.")
    response = FileResponse(
        recording.file.open("rb"),
        content_type=recording.content_type,
        filename=f"lead-{recording.call.lead_id}-call-{recording.call_id}"
        + recording.file.name[recording.file.name.rfind(".") :],
    )
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt  # checked by ``_recording_upload`` once the size is known to be acceptable
@login_required
@require_http_methods(["GET", "POST"])
def recording_upload_page(request: HttpRequest, call_id: int) -> HttpResponse:
    """A call's recording: the upload form for its qualifier (and admins), what is attached,
    and Play for reviewers and admins.

    An upload announcing more than the limit is refused (413) before its body is read, so a
    huge file never reaches the disk; CSRF is checked after that, as Django's docs do for
    upload handlers.
    """
    user = request_user(request)
    call = call_for_recording(user=user, call_id=call_id)
    if request.method == "POST":
        if not may_upload_recording(user, call):
            raise PermissionDenied("Only the qualifier who made the call, or an admin, uploads.")
        if int(request.META.get("CONTENT_LENGTH") or 0) > RECORDING_MAX_BYTES + 64 * 1024:
            return _upload_page(request, user, call, RecordingForm(), status=413, too_large=True)
    return _recording_upload(request, user, call)


@csrf_protect
def _recording_upload(request: HttpRequest, user: User, call: CallLog) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, user, call, RecordingForm(), status=200)
    form = RecordingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            recording_upload(
                call=call, upload=form.cleaned_data["file"], uploader=user, now=timezone.now()
            )
        except DomainError as exc:
            form.add_error("file", f"Not uploaded: {exc}.")
        else:
            messages.success(request, "Recording uploaded. QA reviewers can now hear it.")
            return redirect("review:recording_upload", call_id=call.pk)
    return _upload_page(request, user, call, form, status=400)


def _upload_page(
    request: HttpRequest,
    user: User,
    call: CallLog,
    form: RecordingForm,
    *,
    status: int,
    too_large: bool = False,
) -> HttpResponse:
    recording = CallRecording.objects.filter(call=call).select_related("uploaded_by").first()
    context = {
        "call": call,
        "lead": call.lead,
        "recording": recording,
        "form": form,
        "may_upload": may_upload_recording(user, call) and recording is None,
        "may_listen": user_can(user, Capability.RECORDINGS_LISTEN),
        "too_large": too_large,
        "max_mb": RECORDING_MAX_BYTES // 1024 // 1024,
    }
    return render(request, "review/recording.html", context, status=status)
