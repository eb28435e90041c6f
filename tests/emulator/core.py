"""What extensions build on: the shared state, the scheduler, the control API and safe patching.

An extension module (``tests/emulator/extensions/<name>.py``) imports from here, defines
``DESCRIPTION`` and ``install()``, patches moto with ``patch()`` and registers control routes with
``CONTROL.route()`` and clean-up with ``on_reset()``.
"""

import json
import re
import threading
from urllib.parse import parse_qs

from .scheduler import SCHEDULER
from .state import STATE

DEFAULT_ACCOUNT_ID = "123456789012"

__all__ = [
    "CONTROL",
    "DEFAULT_ACCOUNT_ID",
    "SCHEDULER",
    "STATE",
    "ControlError",
    "ExtensionError",
    "backend",
    "on_reset",
    "patch",
]


class ExtensionError(RuntimeError):
    """moto no longer looks the way an extension expects: refuse to start rather than lie."""


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


_RESET_HOOKS = []
_PATCHES = []
_lock = threading.Lock()


def on_reset(fn):
    """Call ``fn()`` on every ``POST /_emulator/reset`` (after moto's own reset). Usable as a decorator."""
    _RESET_HOOKS.append(fn)
    return fn


def run_reset_hooks():
    for hook in _RESET_HOOKS:
        hook()


def patch(owner, name, replacement):
    """Replace ``owner.name`` with ``replacement`` and return the original.

    Raises ExtensionError when moto has no such attribute any more, so a moto upgrade that breaks an
    extension fails at start-up, loudly, instead of silently emulating nothing.
    """
    original = getattr(owner, name, None)
    if original is None:
        raise ExtensionError(
            f"moto changed: {getattr(owner, '__module__', owner)}.{getattr(owner, '__name__', owner)}.{name} "
            "is gone; update the emulator extension or pin moto to the range in requirements-test.txt"
        )
    with _lock:
        setattr(owner, name, replacement)
        _PATCHES.append((owner, name))
    return original


def require(owner, *names):
    """Fail at start-up if moto lacks an attribute that an extension reads."""
    for name in names:
        if not hasattr(owner, name):
            raise ExtensionError(f"moto changed: {owner!r} has no attribute {name!r}")


def backend(service, region, account_id=DEFAULT_ACCOUNT_ID):
    """The moto backend object of ``service`` in ``region`` (created on first use, as moto does)."""
    from moto.backends import get_backend

    return get_backend(service)[account_id][region]


class ControlAPI:
    """A very small JSON router mounted at ``/_emulator/`` on the emulator's port."""

    def __init__(self):
        self.routes = []

    def route(self, method, pattern, doc=""):
        """Decorator: ``@CONTROL.route("POST", "/regions/<region>/down", "take a region down")``.

        The handler is called as ``fn(body, query, **path_params)`` and returns a JSON-able object
        (status 200) or raises ControlError.
        """
        regex = re.compile("^" + re.sub(r"<([a-z_]+)>", r"(?P<\1>[^/]+)", pattern) + "$")

        def decorator(fn):
            self.routes.append((method, regex, pattern, doc, fn))
            return fn

        return decorator

    def index(self):
        return [{"method": m, "path": "/_emulator" + p, "doc": d} for m, _regex, p, d, _fn in self.routes]

    def dispatch(self, environ):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")[len("/_emulator") :] or "/"
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        body = {}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            raw = environ["wsgi.input"].read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return 400, {"error": "request body must be JSON"}
        allowed = []
        for route_method, regex, _pattern, _doc, fn in self.routes:
            match = regex.match(path)
            if not match:
                continue
            if route_method != method:
                allowed.append(route_method)
                continue
            try:
                return 200, fn(body, query, **match.groupdict())
            except ControlError as exc:
                return exc.status, {"error": exc.message}
            except (ValueError, KeyError, TypeError) as exc:
                return 400, {"error": str(exc)}
        if allowed:
            return 405, {"error": f"{method} not allowed on {path}; use {', '.join(sorted(set(allowed)))}"}
        return 404, {"error": f"no control route {method} {path}", "routes": self.index()}


CONTROL = ControlAPI()
