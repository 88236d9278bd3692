"""A program's sequences: the list, a new sequence, its settings, and the sequence's page with
its touches in order (what happens when, and how many leads had each touch)."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.errors import DomainRefused, InputError
from leadflow.nurture.forms import SendingForm, SequenceForm
from leadflow.nurture.models import Sequence, TouchKind
from leadflow.nurture.selectors import (
    enrollments_of,
    mailing_list,
    program_settings,
    sequence_get,
    sequence_list,
)
from leadflow.nurture.services import (
    nurture_settings_save,
    sequence_create,
    sequence_delete,
    sequence_update,
)
from leadflow.programs.selectors import program_get, program_list

REFUSED = "Only marketing, sales managers and admins manage nurture sequences."
manage_required = capability_required(Capability.NURTURE_MANAGE, REFUSED)


def _long_term_choices(user: User, *, exclude: Sequence | None = None) -> list[tuple[int, str]]:
    sequences = sequence_list(user=user)
    if exclude is not None:
        sequences = sequences.filter(program=exclude.program).exclude(pk=exclude.pk)
    return [(s.pk, f"{s.name} ({s.program.name})") for s in sequences]


def _unique_slug(user: User, form_program_id: int, name: str) -> str:
    """A slug from the name, numbered when the program has it already."""
    base = slugify(name)[:70] or "sequence"
    taken = set(
        sequence_list(user=user).filter(program_id=form_program_id).values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


@manage_required
@require_GET
def sequence_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    programs = list(program_list(user=user).order_by("name", "id"))
    settings = program_settings([program.pk for program in programs])
    return render(
        request,
        "nurture/index.html",
        {
            "sequences": sequence_list(user=user),
            "programs_exist": bool(programs),
            "programs": [(program, settings[program.pk]) for program in programs],
        },
    )


@manage_required
@require_http_methods(["GET", "POST"])
def sequence_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = SequenceForm(
        request.POST or None,
        programs=program_list(user=user),
        long_term=_long_term_choices(user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        program = data["program"]
        try:
            sequence = sequence_create(
                program=program,
                name=data["name"],
                slug=_unique_slug(user, program.pk, data["name"]),
                is_default=data["is_default"],
                on_end=data["on_end"],
                long_term_sequence=_long_term(user, data["long_term_sequence"]),
                now=timezone.now(),
            )
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, f"Sequence “{sequence.name}” created: add its touches.")
            return redirect("nurture:sequence", sequence_id=sequence.pk)
    return render(request, "nurture/sequence_form.html", {"form": form}, status=_status(form))


def _long_term(user: User, sequence_id: int | None) -> Sequence | None:
    return sequence_get(user=user, sequence_id=sequence_id) if sequence_id else None


def _status(form: SequenceForm) -> int:
    return 400 if form.is_bound and form.errors else 200


@manage_required
@require_http_methods(["GET", "POST"])
def sequence_edit(request: HttpRequest, sequence_id: int) -> HttpResponse:
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    initial = {
        "name": sequence.name,
        "is_default": sequence.is_default,
        "on_end": sequence.on_end,
        "long_term_sequence": sequence.long_term_sequence_id,
    }
    form = SequenceForm(
        request.POST or None,
        initial=initial,
        programs=program_list(user=user),
        long_term=_long_term_choices(user, exclude=sequence),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sequence = sequence_update(
                sequence=sequence,
                name=data["name"],
                is_default=data["is_default"],
                on_end=data["on_end"],
                long_term_sequence=_long_term(user, data["long_term_sequence"]),
                now=timezone.now(),
            )
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, "Settings saved.")
            return redirect("nurture:sequence", sequence_id=sequence.pk)
    return render(
        request,
        "nurture/sequence_form.html",
        {"form": form, "sequence": sequence},
        status=_status(form),
    )


@manage_required
@require_GET
def sequence_detail(request: HttpRequest, sequence_id: int) -> HttpResponse:
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    touches = list(sequence.touches.annotate(sent_count=Count("sent")).order_by("position", "id"))
    rows, day = [], 0
    for touch in touches:
        day += touch.wait_days
        rows.append({"touch": touch, "day": day, "sent": touch.sent_count})
    states = dict(
        enrollments_of(sequence=sequence)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    has_direct_mail = any(touch.kind == TouchKind.DIRECT_MAIL for touch in touches)
    return render(
        request,
        "nurture/sequence.html",
        {
            "sequence": sequence,
            "touches": rows,
            "counts": {state: states.get(state, 0) for state in ("active", "finished", "left")},
            "has_direct_mail": has_direct_mail,
            "mailing_pending": (
                mailing_list(user=user, sequence=sequence).count() if has_direct_mail else 0
            ),
        },
    )


@manage_required
@require_POST
def sequence_remove(request: HttpRequest, sequence_id: int) -> HttpResponse:
    """Delete a sequence no lead was ever in; one with a history is refused with the reason."""
    sequence = sequence_get(user=request_user(request), sequence_id=sequence_id)
    try:
        sequence_delete(sequence=sequence)
    except DomainRefused as exc:
        messages.error(request, f"Not deleted: {exc}")
        return redirect("nurture:sequence_edit", sequence_id=sequence.pk)
    messages.success(request, f"Sequence “{sequence.name}” deleted.")
    return redirect("nurture:index")


@manage_required
@require_http_methods(["GET", "POST"])
def program_sending(request: HttpRequest, slug: str) -> HttpResponse:
    """A program's sending settings: e-mails per minute and the holidays' state or province."""
    program = program_get(user=request_user(request), slug=slug)
    current = program_settings([program.pk])[program.pk]
    form = SendingForm(
        request.POST or None,
        initial={"per_minute": current.per_minute, "subdivision": current.subdivision},
    )
    if request.method == "POST" and form.is_valid():
        try:
            nurture_settings_save(
                program=program,
                per_minute=form.cleaned_data["per_minute"],
                subdivision=form.cleaned_data["subdivision"],
            )
        except InputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, f"Sending settings of {program.name} saved.")
            return redirect("nurture:index")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "nurture/sending.html", {"form": form, "program": program}, status=status
    )
