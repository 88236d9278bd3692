"""Domain errors raised by the core and by services; the web and API edges map them to HTTP.

Two kinds tell an edge what to answer without the edge knowing the app that raised them:
``DomainRefused`` (the rules refuse this step in the lead's or object's present state: 409) and
``InputError`` (a value the caller gave is wrong: 400, with the field it names). The pages get
both mapped by ``leadflow.lib.middleware.DomainErrorMiddleware``; the API keeps its handlers.
"""


class DomainError(Exception):
    """Base of every rule violation a caller can be told about."""


class DomainRefused(DomainError):
    """A step the rules refuse as things stand (a lead already claimed, a window closed, a
    partner at capacity): nothing changed, and asking again later may succeed. HTTP 409."""


class InputError(DomainError):
    """A value the caller gave cannot be used; ``field`` names it ("" for the input as a
    whole) so a form can show the message beside it. HTTP 400."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidTransition(DomainRefused):
    """A lead was asked to move along an edge the lifecycle does not have."""


class CriteriaError(DomainError):
    """A criteria specification or an answer does not fit the program's questions."""


class CalendarError(DomainError):
    """A working calendar cannot be built (unknown country, subdivision or timezone)."""


class NormalisationError(DomainError):
    """An incoming lead's field cannot be read (not an e-mail, an impossible phone, an unknown
    country or subdivision); the message is the reason an import reports for the row."""
