"""The emulator's WSGI application and request handler, wrapped around moto's server.

Order for each request: the control API (``/_emulator/...``) is answered here; a request signed
for a region that is down never reaches WSGI (the handler drops the connection, as an unreachable
endpoint would); an injected fault answers with an AWS-shaped error; everything else goes to moto.
All AWS calls are written to the request log.
"""

import json
import socket
import time

from moto.moto_server.werkzeug_app import MotoRequestHandler

from .core import CONTROL
from .core import STATE
from .faults import error_response
from .requestinfo import describe
from .requestinfo import describe_headers


class EmulatorApp:
    def __init__(self, moto_app):
        self.moto_app = moto_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_emulator" or path.startswith("/_emulator/"):
            status, payload = CONTROL.dispatch(environ)
            body = json.dumps(payload, default=str).encode()
            start_response(
                f"{status} {_REASONS.get(status, 'Error')}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path.startswith("/moto-api"):
            return self.moto_app(environ, start_response)

        started = time.monotonic()
        info = describe(environ)
        fault = STATE.pick_fault(info) if info.service else None
        if fault is not None:
            status, headers, body = error_response(info.service, info.protocol, fault.error)
            STATE.log_request(info, status, note=f"injected {fault.error}")
            start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
            return [body]

        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        result = self.moto_app(environ, capture)
        STATE.log_request(info, seen.get("status"), duration=time.monotonic() - started)
        return result


class EmulatorRequestHandler(MotoRequestHandler):
    """Drops connections for regions that are down; quiet unless the server runs verbose."""

    verbose = False

    def run_wsgi(self):
        path, _sep, query = self.path.partition("?")
        if not path.startswith("/_emulator"):
            info = describe_headers(self.command, path, query, self.headers)
            if info.region and STATE.is_down(info.region):
                STATE.log_request(info, None, note="region down: connection dropped")
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
        super().run_wsgi()

    def log_request(self, code="-", size="-"):
        if self.verbose:
            super().log_request(code, size)


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
