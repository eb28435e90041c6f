# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a component's readiness checks are given: one spec and a way to get clients.

A spec is ``{"name", "region", "primary_region", "primary_reachable", "options"}``; ``options`` are
the component's own inputs (the role passes them, with the role's variable names less the prefix).
"""

import datetime


class ReadinessContext:
    """Clients for any region (retries from the module's one policy), the spec's regions, a clock."""

    def __init__(self, client_factory, spec, now=None):
        self._client_factory = client_factory
        self.spec = spec
        self.options = spec.get("options") or {}
        self.region = spec["region"]
        self.primary_region = spec.get("primary_region")
        self.primary_reachable = bool(spec.get("primary_reachable", True))
        self._now = now

    def client(self, service, region=None):
        """A client in ``region`` (the DR region when None). Never call the primary unless primary_reachable."""
        return self._client_factory(service, region or self.region)

    def primary_client(self, service):
        if not self.primary_reachable:
            raise RuntimeError("a readiness check called the primary region while primary_reachable is false")
        return self._client_factory(service, self.primary_region)

    def now(self):
        return self._now() if self._now else datetime.datetime.now(datetime.timezone.utc)
