"""Mutable emulator state that the control API steers: outages, latencies, faults, the request log.

One instance lives in the emulator process (``STATE``). Extensions read it to decide how long a
slow AWS operation takes (``STATE.delay("ami_copy")``) and whether a region is reachable.
"""

import random
import threading
import time

# Latencies in seconds (before the time scale). Defaults keep tests fast; the demo and the
# benchmarks raise them through ``POST /_emulator/config``. Extensions add their own keys with
# ``register_latency`` so that the control API can list and validate every knob.
DEFAULT_LATENCY = {
    "replication": 0.1,
}

LATENCY_DOCS = {
    "replication": "delay before a write reaches the other region (DynamoDB, S3, ECR)",
}

FAULT_ERRORS = ("throttle", "500", "503", "denied")


class Fault:
    """An injected failure: calls matching service/region/actions fail with ``error``.

    ``rate`` is the probability that a matching call fails; ``count`` (optional) bounds how many
    calls fail in total, which makes "the next two calls are throttled" deterministic.
    """

    def __init__(self, service, error="throttle", rate=1.0, count=None, region=None, actions=None):
        if error not in FAULT_ERRORS:
            raise ValueError(f"error must be one of {', '.join(FAULT_ERRORS)}, got {error!r}")
        if not 0.0 <= float(rate) <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate!r}")
        if count is not None and int(count) < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        # Accept the SigV4 signing name ("monitoring") or botocore's service name ("cloudwatch").
        from .requestinfo import SIGNING_TO_SERVICE

        self.service = SIGNING_TO_SERVICE.get(service, service)
        self.error = error
        self.rate = float(rate)
        self.remaining = None if count is None else int(count)
        self.region = region
        self.actions = set(actions) if actions else None
        self.injected = 0

    def matches(self, info):
        if self.remaining == 0:
            return False
        if self.service not in ("*", info.service):
            return False
        if self.region and self.region != info.region:
            return False
        if self.actions and info.action not in self.actions:
            return False
        return True

    def to_dict(self):
        return {
            "service": self.service,
            "error": self.error,
            "rate": self.rate,
            "remaining": self.remaining,
            "region": self.region,
            "actions": sorted(self.actions) if self.actions else None,
            "injected": self.injected,
        }


class EmulatorState:
    def __init__(self, seed=None):
        self.lock = threading.RLock()
        self._random = random.Random(seed)
        self._latency_defaults = dict(DEFAULT_LATENCY)
        self.latency_docs = dict(LATENCY_DOCS)
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.down_regions = set()
            self.faults = []
            self.requests = []
            self._seq = 0
            self.latency = dict(self._latency_defaults)
            self.time_scale = 1.0
            self.started_at = time.time()

    def register_latency(self, name, default, doc):
        """Declare a latency knob (an extension calls this from ``install``)."""
        with self.lock:
            self._latency_defaults[name] = float(default)
            self.latency.setdefault(name, float(default))
            self.latency_docs[name] = doc

    # -- latencies ------------------------------------------------------------------------
    def delay(self, name):
        """Seconds that the named slow operation takes now (latency x time scale)."""
        with self.lock:
            if name not in self.latency:
                raise KeyError(f"unknown latency {name!r}; known: {', '.join(sorted(self.latency))}")
            return max(0.0, self.latency[name] * self.time_scale)

    def configure(self, latency=None, time_scale=None):
        with self.lock:
            for name, value in (latency or {}).items():
                if name not in self.latency:
                    raise ValueError(f"unknown latency {name!r}; known: {', '.join(sorted(self.latency))}")
                if float(value) < 0:
                    raise ValueError(f"latency {name!r} must be >= 0")
                self.latency[name] = float(value)
            if time_scale is not None:
                if float(time_scale) <= 0:
                    raise ValueError("time_scale must be > 0")
                self.time_scale = float(time_scale)

    def config(self):
        with self.lock:
            return {
                "latency": dict(self.latency),
                "latency_docs": dict(self.latency_docs),
                "time_scale": self.time_scale,
            }

    # -- outages ---------------------------------------------------------------------------
    def set_region(self, region, up):
        with self.lock:
            if up:
                self.down_regions.discard(region)
            else:
                self.down_regions.add(region)

    def is_down(self, region):
        with self.lock:
            return region in self.down_regions

    # -- faults ----------------------------------------------------------------------------
    def add_fault(self, fault):
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def pick_fault(self, info):
        """The fault to inject for this request, or None."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(info) and self._random.random() < fault.rate:
                    fault.injected += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    # -- request log -------------------------------------------------------------------------
    def log_request(self, info, status, note=None, duration=None):
        with self.lock:
            self._seq += 1
            entry = info.to_dict()
            entry.update(seq=self._seq, time=time.time(), status=status)
            if duration is not None:
                entry["duration_ms"] = round(duration * 1000, 1)
            if note:
                entry["note"] = note
            self.requests.append(entry)
            return entry

    def request_log(self, since=0):
        with self.lock:
            return [entry for entry in self.requests if entry["seq"] > since]

    def clear_requests(self):
        with self.lock:
            self.requests = []


STATE = EmulatorState()
