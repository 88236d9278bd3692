"""Domain errors raised by the core and by services; the web and API edges map them to HTTP."""


class DomainError(Exception):
    """Base of every rule violation a caller can be told about."""


class InvalidTransition(DomainError):
    """A lead was asked to move along an edge the lifecycle does not have."""


class CriteriaError(DomainError):
    """A criteria specification or an answer does not fit the program's questions."""


class CalendarError(DomainError):
    """A working calendar cannot be built (unknown country, subdivision or timezone)."""


class NormalisationError(DomainError):
    """An incoming lead's field cannot be read (not an e-mail, an impossible phone, an unknown
    country or subdivision); the message is the reason an import reports for the row."""
