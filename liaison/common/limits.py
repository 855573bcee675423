"""Rate limits of the services: the exception pages and the API answer with 429."""

from django.core.exceptions import PermissionDenied


class RateLimited(PermissionDenied):
    """A service refuses because the actor did the same too often in too short a time.

    A PermissionDenied (so anything that does not know it still refuses, with a 403), that
    the API's ServiceWriteMixin and the pages answer with 429 Too Many Requests and a
    Retry-After of `retry_after` seconds.
    """

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
