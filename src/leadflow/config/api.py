"""LeadFlow REST API v1, assembled: the NinjaAPI instance, the routers of the apps, and the one
place where domain errors become HTTP answers (DESIGN.md's "thin edges"). It sits next to the
URL configuration because it names the apps above the API's own infrastructure (``api``:
authentication, tokens, idempotency), which they all use.

Errors: 401 unauthenticated; 403 a role that may not do this; 404 out of scope (never a 403,
so no one learns what another client has); 409 a conflict with the lead's state; 422 invalid
input, always as ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`` with ``loc``
naming the field (``["body", "email"]``, ``["body", "answers", "budget"]``).
"""

import json
import logging
import math
from collections import defaultdict
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import DataError, IntegrityError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import PathView
from ninja.parser import Parser
from ninja.utils import normalize_path, replace_path_param_notation

from leadflow.api.auth import SessionAuth, TokenAuth
from leadflow.api.idempotency import IdempotencyConflict
from leadflow.core.errors import CriteriaError, DomainRefused, InputError, InvalidTransition
from leadflow.intake.api.capture import router as intake_router
from leadflow.intake.api.duplicates import router as duplicates_router
from leadflow.intake.services import IntakeRejected
from leadflow.leads.api import router as leads_router
from leadflow.leads.schemas import JSON_VALUE_REF, JSON_VALUE_SCHEMAS
from leadflow.leads.selectors.search import InvalidCursor
from leadflow.nurture.api import router as nurture_router
from leadflow.partners.api import router as partners_router
from leadflow.reports.api import router as reports_router
from leadflow.sales.api import router as sales_router
from leadflow.sales.api_proposals import router as sales_proposals_router
from leadflow.sales.services.proposals import ApprovalsMissing

logger = logging.getLogger(__name__)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number out of range: {text}")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class StrictJsonParser(Parser):
    """Plain JSON only: no NaN or Infinity, and no number too large to be a float."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body, parse_float=_finite, parse_constant=_no_constant)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data


class LeadFlowAPI(NinjaAPI):
    """Validation errors name the field itself (``["body", "email"]``), not the handler's
    parameter (``["body", "payload", "email"]``), so that ninja's errors and the intake's
    read alike."""

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            single = getattr(context.model, "__read_from_single_attr__", None)
            for error in super().validation_error_from_error_contexts([context]).errors:
                loc = tuple(error["loc"])
                if single and loc[:2] == ("body", single):
                    loc = ("body", *loc[2:])
                errors.append({**error, "loc": list(loc)})
        return ValidationError(errors)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The document, with the schemas of the values inside answers and profiles, which
        the JSON object schemas name by depth (``leads.schemas.JSON_VALUE_SCHEMAS``)."""
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document.setdefault("components", {}).setdefault("schemas", {}).update(JSON_VALUE_SCHEMAS)
        _json_value_refs(document)
        return document

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        """One path may be served by the routers of several apps, each with its own methods
        (``POST /leads`` is intake's, ``GET /leads`` the leads app's). Django dispatches a
        path to its first pattern only, and ninja gives each router's path its own view,
        which answers 405 to the other router's methods (vitalik/django-ninja#1546); so the
        patterns of a shared path all get one view that knows every router's operations.
        The OpenAPI document, built from the routers, is not affected."""
        views: dict[str, list[PathView]] = defaultdict(list)
        for bound in self._get_bound_routers():
            for path, view in bound.path_operations.items():
                views[_route(bound.prefix, path)].append(view)
        shared = {route: _merged(found) for route, found in views.items() if len(found) > 1}
        return [
            URLPattern(
                pattern.pattern, shared[route].get_view(), pattern.default_args, pattern.name
            )
            if isinstance(pattern, URLPattern) and (route := str(pattern.pattern)) in shared
            else pattern
            for pattern in super()._get_urls()
        ]


def _json_value_refs(node: Any) -> None:
    """Every ``{JSON_VALUE_REF: name}`` in the document becomes ``{"$ref": …}`` to the
    component ``name``, in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and set(value) == {JSON_VALUE_REF}:
                node[key] = {"$ref": f"#/components/schemas/{value[JSON_VALUE_REF]}"}
            else:
                _json_value_refs(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, dict) and set(value) == {JSON_VALUE_REF}:
                node[index] = {"$ref": f"#/components/schemas/{value[JSON_VALUE_REF]}"}
            else:
                _json_value_refs(value)


def _route(prefix: str, path: str) -> str:
    """The Django route of a router's path, as ninja writes it."""
    parts = [replace_path_param_notation(part) for part in (prefix, path) if part]
    return normalize_path("/".join(parts)).lstrip("/")


def _merged(views: list[PathView]) -> PathView:
    merged = PathView()
    for view in views:
        merged.operations.extend(view.operations)
    return merged


api = LeadFlowAPI(
    title="LeadFlow API",
    version="1",
    description="Capture, read and update leads. Authenticate with a personal token "
    "(`Authorization: Bearer lf_…`, created at /accounts/tokens/ or with "
    "`leadflow token create`) or the browser session.",
    auth=[TokenAuth(), SessionAuth()],
    parser=StrictJsonParser(),
    urls_namespace="api",
    docs_url="/docs",
    # Without deep links each operation's summary is one button, not a button around a link
    # (axe: nested-interactive); the page is the same otherwise.
    docs=Swagger(settings={"deepLinking": False}),
    openapi_url="/openapi.json",
)
# Intake first, so the document lists POST /leads before GET /leads, as it always has.
api.add_router("", intake_router)
api.add_router("", leads_router)
api.add_router("", duplicates_router)
api.add_router("/partner", partners_router)
api.add_router("", nurture_router)
api.add_router("", sales_router)
api.add_router("", sales_proposals_router)
api.add_router("", reports_router)


def _invalid(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, {"detail": errors}, status=422)


def _field_error(loc: list[str | int], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": kind}


@api.exception_handler(IntakeRejected)
def intake_rejected(request: HttpRequest, exc: IntakeRejected) -> HttpResponse:
    return _invalid(
        request,
        [_field_error(["body", *name.split(".")], reason) for name, reason in exc.errors.items()],
    )


@api.exception_handler(CriteriaError)
def criteria_error(request: HttpRequest, exc: CriteriaError) -> HttpResponse:
    """An answer the program's questions do not accept, one error per question when the
    message names it ("budget: …", "unknown question 'x'")."""
    errors = []
    for problem in str(exc).split("; "):
        key, sep, reason = problem.partition(": ")
        if problem.startswith("unknown question "):
            name = problem.removeprefix("unknown question ").strip("'\"")
            errors.append(_field_error(["body", "answers", name], "unknown question"))
        elif sep and key.isidentifier():
            errors.append(_field_error(["body", "answers", key], reason))
        else:
            errors.append(_field_error(["body", "answers"], problem))
    return _invalid(request, errors)


@api.exception_handler(IdempotencyConflict)
def idempotency_conflict(request: HttpRequest, exc: IdempotencyConflict) -> HttpResponse:
    return _invalid(request, [_field_error(["header", "Idempotency-Key"], str(exc))])


@api.exception_handler(InvalidCursor)
def invalid_cursor(request: HttpRequest, exc: InvalidCursor) -> HttpResponse:
    return _invalid(request, [_field_error(["query", "cursor"], str(exc))])


@api.exception_handler(DataError)
def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot store (too long once normalised, out of range): the
    schemas' limits should prevent it, so it is logged, but it is the caller's input."""
    logger.warning("API input the database refused: %s", exc)
    return _invalid(
        request, [_field_error(["body"], "a value is too long or out of range to be stored")]
    )


@api.exception_handler(ObjectDoesNotExist)
def not_found(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(InvalidTransition)
def invalid_transition(request: HttpRequest, exc: InvalidTransition) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(DomainRefused)
def domain_refused(request: HttpRequest, exc: DomainRefused) -> HttpResponse:
    """Any other step the rules refuse as things stand (a possible duplicate already decided)."""
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(ApprovalsMissing)
def approvals_missing(request: HttpRequest, exc: ApprovalsMissing) -> HttpResponse:
    """A proposal sent before every approval step is approved: the steps still missing."""
    return api.create_response(
        request, {"detail": str(exc), "missing_steps": exc.missing}, status=409
    )


@api.exception_handler(InputError)
def input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    return _invalid(request, [_field_error(["body", *exc.field.split(".")], str(exc))])


@api.exception_handler(IntegrityError)
def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    logger.warning("API write conflicted: %s", exc)
    return api.create_response(
        request, {"detail": "the change conflicts with a concurrent one; retry"}, status=409
    )
