"""Run the emulator: ``python -m tests.emulator serve --port PORT``.

Prints ``ready http://127.0.0.1:PORT`` once it accepts requests and exits cleanly on SIGTERM or
SIGINT. With ``--exit-with-parent PID`` it also exits when that process is gone, so a test run that
is killed never leaves an emulator behind.
"""

import errno
import gc
import os
import signal
import socket
import sys
import threading
import time

from werkzeug.serving import make_server

from .app import EmulatorApp
from .app import EmulatorRequestHandler
from .core import ExtensionError
from .scheduler import SCHEDULER


def build_app(extensions=True):
    """The WSGI app: moto's dispatcher with our extensions installed, behind EmulatorApp."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.moto_server.werkzeug_app import create_backend_app

    from . import builtin  # noqa: F401  (registers the built-in control routes)
    from . import extensions as extension_package

    if extensions:
        extension_package.install_all()
    return EmulatorApp(DomainDispatcherApplication(create_backend_app))


def _port_in_use(host, port):
    """Werkzeug would print its own hint and exit; check first to give ours (and exit code 2)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError as exc:
        return exc.errno == errno.EADDRINUSE
    finally:
        probe.close()
    return False


def _watch_parent(pid, stop):
    while not stop.is_set():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            stop.set()
            return
        except PermissionError:
            pass
        if os.getppid() == 1 and pid != 1:
            stop.set()
            return
        time.sleep(0.5)


def serve(host="127.0.0.1", port=5000, verbose=False, exit_with_parent=None, extensions=True):
    try:
        app = build_app(extensions)
    except ExtensionError as exc:
        print(f"error: an emulator extension cannot work with this moto: {exc}", file=sys.stderr, flush=True)
        return 3
    EmulatorRequestHandler.verbose = verbose
    if port and _port_in_use(host, port):
        print(
            f"error: {host}:{port} is already in use (is another emulator running there?). "
            "Stop it or choose another --port (0 picks a free one).",
            file=sys.stderr,
            flush=True,
        )
        return 2
    server = make_server(host, port, app, threaded=True, request_handler=EmulatorRequestHandler)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_dummy: stop.set())
    if exit_with_parent:
        threading.Thread(target=_watch_parent, args=(exit_with_parent, stop), daemon=True).start()

    # moto's imported models are a large, permanent heap; keep the cyclic GC from walking it on every
    # full collection (each reset frees thousands of objects, which triggers those collections).
    gc.collect()
    gc.freeze()
    SCHEDULER.start()
    thread = threading.Thread(target=server.serve_forever, name="emulator-http", daemon=True)
    thread.start()
    print(f"ready http://{host}:{server.server_port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
        SCHEDULER.stop()
    return 0
