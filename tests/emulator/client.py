"""A small client for the emulator's control API, for tests, benchmarks and the demo."""

import json
import urllib.error
import urllib.request


class EmulatorError(RuntimeError):
    pass


class EmulatorClient:
    def __init__(self, endpoint):
        self.endpoint = endpoint.rstrip("/")

    def _call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.endpoint}/_emulator{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise EmulatorError(f"{method} /_emulator{path} answered {exc.code}: {detail}") from None

    # -- basics ---------------------------------------------------------------------------
    def health(self):
        return self._call("GET", "/health", timeout=5)

    def reset(self):
        return self._call("POST", "/reset")

    def settle(self, timeout=30):
        """Finish all deferred work (replication, copies, promotions) now."""
        return self._call("POST", "/settle", {"timeout": timeout}, timeout=timeout + 5)

    # -- failure injection --------------------------------------------------------------------
    def region_down(self, region):
        return self._call("POST", f"/regions/{region}/down")

    def region_up(self, region):
        return self._call("POST", f"/regions/{region}/up")

    def configure(self, latency=None, time_scale=None):
        body = {}
        if latency is not None:
            body["latency"] = latency
        if time_scale is not None:
            body["time_scale"] = time_scale
        return self._call("POST", "/config", body)

    def config(self):
        return self._call("GET", "/config")

    def add_fault(self, service, error="throttle", rate=1.0, count=None, region=None, actions=None):
        return self._call(
            "POST",
            "/faults",
            {"service": service, "error": error, "rate": rate, "count": count, "region": region, "actions": actions},
        )

    def faults(self):
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    # -- request log --------------------------------------------------------------------------
    def requests(self, since=0):
        return self._call("GET", f"/requests?since={since}")["requests"]

    def last_seq(self):
        log = self.requests()
        return log[-1]["seq"] if log else 0

    def clear_requests(self):
        return self._call("DELETE", "/requests")

    def mutating_calls(self, since=0, region=None, service=None):
        """Logged calls that change state (anything but Describe/List/Get/...), optionally filtered."""
        return [
            entry
            for entry in self.requests(since)
            if entry["mutating"]
            and (region is None or entry["region"] == region)
            and (service is None or entry["service"] == service)
        ]

    def calls(self, since=0, region=None, service=None, action=None):
        return [
            entry
            for entry in self.requests(since)
            if (region is None or entry["region"] == region)
            and (service is None or entry["service"] == service)
            and (action is None or entry["action"] == action)
        ]

    # -- anything an extension adds ------------------------------------------------------------
    def get(self, path):
        return self._call("GET", path)

    def post(self, path, body=None):
        return self._call("POST", path, body or {})

    def delete(self, path):
        return self._call("DELETE", path)
