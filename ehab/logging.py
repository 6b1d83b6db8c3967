"""Request ids for logs and audit rows, carried in a context variable."""

import contextvars
import logging

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def get_request_id() -> str:
    """The id of the request being served on this thread, or "-" outside a request."""
    return _request_id.get()


def get_client_ip() -> str | None:
    """The address of the client of the request being served, if any."""
    return _client_ip.get()


def bind_request(request_id: str, client_ip: str | None) -> None:
    """Bind a request's id and client address to the current context."""
    _request_id.set(request_id)
    _client_ip.set(client_ip)


def unbind_request() -> None:
    """Forget the request once its response is closed."""
    _request_id.set("-")
    _client_ip.set(None)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record so the formatter can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id()
        return True
