"""The domain error hierarchy.

Every error carries a stable, machine-readable ``code``. Entrypoints map the *families*
(``NotFound``, ``Conflict`` …) to transport statuses; nobody in the core knows HTTP.
"""

from __future__ import annotations

from enum import StrEnum


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    code = "domain_error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


# -- input that breaks a rule -------------------------------------------------------


class InvalidInput(DomainError):
    """A value breaks a domain rule; ``field`` names the offending input when known.

    Most rules are about the shape of one input (``one_value`` true): entrypoints report
    them as invalid input, alongside the other broken rules of the same request, each
    under its own ``code``. The rest compare inputs or stored state (a 51st contact, a
    period ending before it starts) and are reported on their own, under their code.
    """

    code = "validation_error"
    default_message = "The input is not valid."
    one_value = True

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidEmail(InvalidInput):
    code = "invalid_email"
    default_message = "The email address is not valid."


class PasswordTooShort(InvalidInput):
    code = "password_too_short"
    default_message = "The password must be at least 8 bytes long."


class PasswordTooLong(InvalidInput):
    code = "password_too_long"
    default_message = "The password must be at most 72 bytes long in UTF-8."


class InvalidName(InvalidInput):
    code = "invalid_name"
    default_message = "The name must be 1 to 200 characters long."


class InvalidContact(InvalidInput):
    code = "invalid_contact"
    default_message = "The contact is not valid."


class TooManyContacts(InvalidInput):
    code = "too_many_contacts"
    default_message = "A client has at most 50 contacts."
    one_value = False


class InvalidMeeting(InvalidInput):
    code = "invalid_meeting"
    default_message = "The meeting is not valid."


class InvalidDuration(InvalidMeeting):
    code = "invalid_duration"
    default_message = "duration_minutes must be a whole number between 1 and 1440."


class InvalidRevenue(InvalidInput):
    code = "invalid_revenue"
    default_message = (
        "Revenue must be a decimal between 0 and 1,000,000,000 with at most 2 fraction digits."
    )


class InvalidTimeZone(InvalidInput):
    code = "invalid_time_zone"
    default_message = "The time zone must be an IANA time zone name, such as Europe/Paris or UTC."


class InvalidPeriod(InvalidInput):
    code = "invalid_period"
    default_message = "The period must start before it ends."
    one_value = False


class InvalidTimestamp(InvalidInput):
    code = "invalid_timestamp"
    default_message = (
        "Datetimes must carry a UTC offset and fall in the years 1900 to 2199 as written."
    )


# -- things that do not exist (or belong to someone else) --------------------------


class NotFound(DomainError):
    code = "not_found"
    default_message = "The resource does not exist."


class UserNotFound(NotFound):
    code = "user_not_found"
    default_message = "The user does not exist."


class ClientNotFound(NotFound):
    code = "client_not_found"
    default_message = "The client does not exist."


class ContactNotFound(NotFound):
    code = "contact_not_found"
    default_message = "The contact does not exist."


class MeetingNotFound(NotFound):
    code = "meeting_not_found"
    default_message = "The meeting does not exist."


# -- uniqueness ----------------------------------------------------------------------


class Conflict(DomainError):
    code = "conflict"
    default_message = "The request conflicts with existing data."


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "An account with this email already exists."


class ClientNameTaken(Conflict):
    code = "client_name_taken"
    default_message = "A client with this name already exists."


class ConcurrentUpdate(Conflict):
    """Another writer changed the aggregate between this one's read and its write.

    Repositories raise it when a compare-and-set finds another version (or none) than the
    one read; use cases retry from a fresh read a few times before letting it out.
    """

    code = "concurrent_update"
    default_message = (
        "The resource was being changed by another request at the same time; try again."
    )


# -- conditional requests ---------------------------------------------------------------


class PreconditionFailed(DomainError):
    """The caller asked to change a version of an aggregate that is no longer current."""

    code = "precondition_failed"
    default_message = "The resource has changed since you read it; read it again first."


# -- who you are and what you may do -------------------------------------------------


class AuthenticationFailed(DomainError):
    code = "authentication_failed"
    default_message = "Authentication failed."


class InvalidCredentials(AuthenticationFailed):
    code = "invalid_credentials"
    default_message = "The email or password is incorrect."


class TokenInvalid(AuthenticationFailed):
    code = "token_invalid"
    default_message = "The token is invalid, expired or revoked."


class PermissionDenied(DomainError):
    code = "forbidden"
    default_message = "You are not allowed to do this."


class AdminRequired(PermissionDenied):
    code = "admin_required"
    default_message = "This requires an administrator."


class InvalidCurrentPassword(PermissionDenied):
    code = "invalid_current_password"
    default_message = "The current password is incorrect."


class CurrentPasswordRequired(InvalidInput):
    code = "current_password_required"
    default_message = "Changing the password requires the current password."
    one_value = False


# -- limits and infrastructure ------------------------------------------------------------


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = "Too many attempts; try again later."

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)


class TooManyInFlight(RateLimited):
    """The caller already has as many long requests (exports, reports) running as allowed."""

    code = "too_many_in_flight"
    default_message = (
        "You already have as many exports and reports running as allowed; "
        "try again when one has finished."
    )

    def __init__(self, retry_after_seconds: int = 1, message: str | None = None) -> None:
        super().__init__(retry_after_seconds, message)


class ServiceBusy(DomainError):
    """Too much work of this kind is waiting (password hashing): try again shortly."""

    code = "service_busy"
    default_message = "The service is busy; try again shortly."

    def __init__(self, retry_after_seconds: int = 1, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)


class StorageProblem(StrEnum):
    """Why the storage cannot be used, when the adapter can tell (an operator's first
    question: is it down, misnamed, or not set up yet?)."""

    REFUSED = "refused"  # nothing accepts connections at that host and port
    UNKNOWN_HOST = "unknown_host"  # the host name does not resolve
    MISSING_DATABASE = "missing_database"  # the server (or file system) has no such database
    AUTH_FAILED = "auth_failed"  # the server refused the user or the password
    NO_SCHEMA = "no_schema"  # the database exists but its tables were never created
    TIMEOUT = "timeout"  # no answer in time
    # Every pooled connection stayed in use for the whole wait: the database is fine,
    # this process has more requests than connections (answered with Retry-After).
    BUSY = "busy"


class StorageUnavailable(DomainError):
    """The storage cannot be reached; adapters translate driver connection errors to it.

    ``problem`` says why when the adapter could tell; the message stays generic, since it
    may reach an API client.
    """

    code = "storage_unavailable"
    default_message = "The database is unavailable; try again shortly."

    def __init__(
        self, message: str | None = None, *, problem: StorageProblem | None = None
    ) -> None:
        super().__init__(message)
        self.problem = problem


class QueryTimedOut(StorageUnavailable):
    """A statement ran past the statement timeout and the database cut it off."""

    code = "storage_timeout"
    default_message = "The database took too long to answer; try again shortly."
