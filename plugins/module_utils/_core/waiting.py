# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting with one deadline for a whole task, however many resources it waits on."""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout


class Deadline:
    def __init__(self, timeout, clock=time.monotonic):
        self._clock = clock
        self.started = clock()
        self.timeout = timeout

    @property
    def elapsed(self):
        return self._clock() - self.started

    @property
    def remaining(self):
        return max(0.0, self.timeout - self.elapsed)

    @property
    def expired(self):
        return self.elapsed >= self.timeout


def wait_until(check, deadline, what, delay=2.0, max_delay=15.0, sleep=time.sleep):
    """Poll ``check()`` until it returns something truthy, or raise WaitTimeout naming ``what``.

    The delay grows by half each poll up to ``max_delay``, capped by the time left, so a short
    wait on a fast emulator and a 20-minute wait on real AWS use the same code.
    """
    last = None
    while True:
        last = check()
        if last:
            return last
        if deadline.expired:
            raise WaitTimeout(
                f"timed out after {int(deadline.timeout)}s waiting for {what}; "
                "raise wait_timeout or check the resource in the AWS console"
            )
        sleep(min(delay, max(0.05, deadline.remaining)))
        delay = min(max_delay, delay * 1.5)
