"""The control routes every emulator has: health, reset, outages, latencies, faults, request log."""

import importlib.metadata

from .core import CONTROL
from .core import SCHEDULER
from .core import STATE
from .core import ControlError
from .core import run_reset_hooks
from .state import Fault


def _drop_moto_backends():
    """moto's reset without its wasted work.

    ``BackendDict.reset()`` re-initialises every backend in use (EC2 loads 1,300 AMIs, IAM its
    managed policies) and then drops them all anyway; the next request builds fresh ones. Only
    backends with a reset of their own (S3 closes its temporary files) are still called.
    """
    from moto.core.base_backend import BackendDict
    from moto.core.base_backend import BaseBackend
    from moto.core.base_backend import backend_lock
    from moto.core.model_instances import reset_model_data

    with backend_lock:
        for service in BackendDict._instances:
            for account in service.values():
                for region_backend in account.values():
                    if type(region_backend).reset is not BaseBackend.reset:
                        region_backend.reset()
            service.clear()
        BackendDict._instances.clear()
    reset_model_data()


def reset_everything():
    """Forget every AWS resource and every injected condition, as a fresh emulator would have."""
    SCHEDULER.clear()
    _set_iam_enforcement(False)
    _drop_moto_backends()
    STATE.reset()
    run_reset_hooks()


def _set_iam_enforcement(enabled):
    """moto's own switch (what its ``/moto-api/reset-auth`` sets): authorize every request from now on."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if enabled else float("inf")
    ActionAuthenticatorMixin.request_count = 0


def iam_enforced():
    from moto import settings

    return settings.INITIAL_NO_AUTH_ACTION_COUNT == 0


@CONTROL.route("GET", "/", "this index")
def index(body, query):
    return {"routes": CONTROL.index()}


@CONTROL.route("GET", "/health", "liveness, moto version and installed extensions")
def health(body, query):
    from . import extensions

    return {
        "status": "ok",
        "moto_version": importlib.metadata.version("moto"),
        "extensions": extensions.INSTALLED,
        "down_regions": sorted(STATE.down_regions),
    }


@CONTROL.route("POST", "/reset", "drop all AWS state, outages, faults, latencies and the request log")
def reset(body, query):
    reset_everything()
    return {"status": "reset"}


@CONTROL.route("GET", "/iam/enforcement", "whether requests are authorized against IAM policies")
def get_iam_enforcement(body, query):
    return {"enabled": iam_enforced()}


@CONTROL.route(
    "POST",
    "/iam/enforcement",
    '{"enabled": true}: every AWS request must be signed with an IAM user\'s access key and be allowed by '
    "its policies (moto's IAM authorization; off after a reset)",
)
def set_iam_enforcement(body, query):
    _set_iam_enforcement(bool(body.get("enabled", True)))
    return {"enabled": iam_enforced()}


@CONTROL.route("GET", "/regions", "regions that are down")
def regions(body, query):
    return {"down": sorted(STATE.down_regions)}


@CONTROL.route("POST", "/regions/<region>/<change>", "take a region down or bring it up (change = down | up)")
def region_change(body, query, region, change):
    if change not in ("down", "up"):
        raise ControlError(404, f"use /regions/{region}/down or /regions/{region}/up, not {change!r}")
    STATE.set_region(region, up=(change == "up"))
    return {"region": region, "state": change, "down": sorted(STATE.down_regions)}


@CONTROL.route("GET", "/config", "latencies (seconds) and the time scale")
def get_config(body, query):
    return STATE.config()


@CONTROL.route("POST", "/config", 'set latencies and/or time scale: {"latency": {"ami_copy": 2}, "time_scale": 1}')
def set_config(body, query):
    STATE.configure(latency=body.get("latency"), time_scale=body.get("time_scale"))
    return STATE.config()


@CONTROL.route("GET", "/faults", "injected faults and how often each fired")
def list_faults(body, query):
    return {"faults": [fault.to_dict() for fault in STATE.faults]}


@CONTROL.route(
    "POST",
    "/faults",
    'inject errors: {"service": "dynamodb", "error": "throttle|500|503|denied", "rate": 0.5, "count": 3, '
    '"region": "ap-northeast-2", "actions": ["PutItem"]}',
)
def add_fault(body, query):
    if not body.get("service"):
        raise ControlError(400, 'a fault needs "service" (a SigV4 signing name such as "dynamodb", or "*")')
    fault = Fault(
        service=body["service"],
        error=body.get("error", "throttle"),
        rate=body.get("rate", 1.0),
        count=body.get("count"),
        region=body.get("region"),
        actions=body.get("actions"),
    )
    STATE.add_fault(fault)
    return fault.to_dict()


@CONTROL.route("DELETE", "/faults", "remove every injected fault")
def clear_faults(body, query):
    STATE.clear_faults()
    return {"faults": []}


@CONTROL.route("GET", "/requests", "the request log (?since=SEQ for newer entries only)")
def requests_log(body, query):
    return {"requests": STATE.request_log(int(query.get("since", 0)))}


@CONTROL.route("DELETE", "/requests", "empty the request log")
def clear_requests(body, query):
    STATE.clear_requests()
    return {"requests": []}


@CONTROL.route("GET", "/tasks", "deferred work not done yet (replication, copies, promotions)")
def tasks(body, query):
    return {"pending": SCHEDULER.pending()}


@CONTROL.route("POST", "/settle", "run all deferred work now instead of waiting for it")
def settle(body, query):
    done = SCHEDULER.settle(timeout=float(body.get("timeout", 30)))
    if not done:
        raise ControlError(504, "deferred work did not finish within the timeout")
    return {"settled": True}
