# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One readiness check result, in one shape for every component.

A check has three outcomes, never two:

* ``pass``: read and as it should be;
* ``fail``: read and wrong; ``fix`` says what to do;
* ``not_checked``: could not be read (the primary region is down or was not to be called, a read
  failed after its retries, no datapoint yet). A read that failed is never "absent".

``side`` says which region a check is about (``dr`` or ``primary``): an ungraceful failover goes on
past not-checked primary-side checks and lists them; a graceful one stops on any fail or not checked.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import error_code

PASS = "pass"
FAIL = "fail"
NOT_CHECKED = "not_checked"
STATUSES = (PASS, FAIL, NOT_CHECKED)
SIDES = ("dr", "primary")


def result(component, check, status, reason, evidence=None, fix=None, side="dr"):
    """One check result as the roles, the runbook gate, the filter and the report read it."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, not {side!r}")
    return {
        "component": component if component.startswith("dr_") else f"dr_{component}",
        "check": check,
        "status": status,
        "passed": status == PASS,
        "reason": reason,
        "evidence": evidence or {},
        "fix": fix if status == FAIL else None,
        "side": side,
    }


def describe_error(error):
    """A short, secret-free text for a failed read: the AWS error code and message, or the DRError."""
    if isinstance(error, DRError):
        inner = error.exception
        text = error.message
        if inner is not None:
            code = error_code(inner)
            text += f" ({code})" if code else f" ({type(inner).__name__}: {inner})"
        return text
    code = error_code(error)
    if code:
        message = getattr(error, "response", {}).get("Error", {}).get("Message", "")
        return f"{code}: {message}" if message else code
    return f"{type(error).__name__}: {error}"


class Checks:
    """Collects one component's results. ``side`` is the default side of every check added."""

    def __init__(self, component, side="dr"):
        self.component = component
        self.side = side
        self.results = []

    def add(self, check, status, reason, evidence=None, fix=None, side=None):
        self.results.append(result(self.component, check, status, reason, evidence, fix, side or self.side))
        return self.results[-1]

    def passed(self, check, reason, evidence=None, side=None):
        return self.add(check, PASS, reason, evidence, None, side)

    def failed(self, check, reason, fix, evidence=None, side=None):
        return self.add(check, FAIL, reason, evidence, fix, side)

    def not_checked(self, check, reason, evidence=None, side=None):
        return self.add(check, NOT_CHECKED, reason, evidence, None, side)

    def expect(self, check, ok, reason, fix, evidence=None, side=None):
        """pass when ``ok``, else fail with ``fix``."""
        if ok:
            return self.passed(check, reason, evidence, side)
        return self.failed(check, reason, fix, evidence, side)

    def read(self, checks, what, fn, *args, side=None, **kwargs):
        """``fn(*args, **kwargs)``, or None after recording every name in ``checks`` as not checked.

        ``checks`` is the check name (or list of names) that depends on the read; ``what`` says what
        was read ("the DR tables in ap-northeast-1"). Use it around every read: a throttled, failed or
        unreachable read must say "not checked", never "absent".
        """
        try:
            return True, fn(*args, **kwargs)
        except (DRError, *AWS_ERRORS) as error:
            reason = f"could not read {what}: {describe_error(error)}"
            for name in [checks] if isinstance(checks, str) else checks:
                self.not_checked(name, reason, side=side)
            return False, None

    def skipped_primary(self, checks, why="the primary region is not called (ungraceful: primary_reachable=false)"):
        """Record primary-side checks that were not run because the primary must not be called."""
        for name in [checks] if isinstance(checks, str) else checks:
            self.not_checked(name, why, side="primary")


def summarise(results, mode="graceful"):
    """The gate's view of all results: counts, and whether a failover in ``mode`` may go on.

    graceful: ready only when every check passed. ungraceful: fails stop it, and so do not-checked
    DR-side checks; not-checked primary-side checks are listed (``skipped``) but do not stop it.
    """
    results = [
        r if r.get("status") in STATUSES else dict(r, status=PASS if r.get("passed") else FAIL) for r in results
    ]  # a result of the older shape has only "passed"
    failed = [r for r in results if r["status"] == FAIL]
    not_checked = [r for r in results if r["status"] == NOT_CHECKED]
    blocking_unknown = not_checked if mode != "ungraceful" else [r for r in not_checked if r.get("side") != "primary"]
    return {
        "ready": not failed and not blocking_unknown,
        "passed": sum(1 for r in results if r["status"] == PASS),
        "failed": failed,
        "not_checked": not_checked,
        "blocking": failed + blocking_unknown,
        "skipped": [r for r in not_checked if r not in blocking_unknown],
        "total": len(results),
    }
