# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for an RDS instance: available, promoted, or showing a modification applied.

One deadline per task (``Deadline``); a status that needs a person fails at once instead of timing out.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import STABLE
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import TRANSITIONAL
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import available
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import get_instance


def wait_for(client, identifier, region, deadline, done, what, still=None):
    """Poll until ``done(instance)``; fail at once on a status that needs a person.

    ``still(instance)``, when given, says what the last instance seen is still missing; a timeout names it.
    """
    state = {"checked": False}

    def check():
        state["checked"] = False
        instance = get_instance(client, identifier, region)
        if instance is None:
            raise DRError(f"DB instance {identifier} disappeared from {region} while waiting for {what}")
        state["instance"] = instance
        status = instance.get("DBInstanceStatus")
        if status != STABLE and status not in TRANSITIONAL:
            raise DRError(
                f"DB instance {identifier} in {region} is {status} while waiting for {what}: "
                "look at its events in the RDS console"
            )
        state["checked"] = True
        return done(instance)

    # On the failover's critical path: poll at most every 3 s so the RTO is not padded by the back-off.
    try:
        wait_until(check, deadline, f"{identifier} in {region} to be {what}", delay=1.0, max_delay=3.0)
    except WaitTimeout:
        if still is None or not state["checked"]:
            raise
        raise WaitTimeout(
            f"timed out after {int(deadline.timeout)}s waiting for DB instance {identifier} in {region} to be "
            f"{what}; still pending: {still(state['instance'])}. Raise wait_timeout, or re-run later (the "
            "modification goes on in AWS)"
        ) from None
    return state["instance"]


def pending_changes(instance, changes):
    """What of ``changes`` (ModifyDBInstance arguments) ``instance`` does not show applied yet: {name: why}.

    ModifyDBInstance with ApplyImmediately is asynchronous: right after it the instance can still be
    ``available`` with the change in PendingModifiedValues, or not show it anywhere yet. A change is
    applied once the instance is available, has no PendingModifiedValues entry for it and shows the value.
    Pending values of other settings (queued for the maintenance window by someone else) are not waited for.
    """
    pending = (instance or {}).get("PendingModifiedValues") or {}
    missing = {}
    for name, wanted in changes.items():
        if name in pending:
            missing[name] = f"{name}={pending[name]} in PendingModifiedValues"
        elif instance.get(name) != wanted:
            missing[name] = f"{name} is {instance.get(name)}, not {wanted}"
    return missing


def modifications_applied(changes):
    def done(instance):
        return available(instance) and not pending_changes(instance, changes)

    return done


def describe_pending(changes):
    def still(instance):
        missing = list(pending_changes(instance, changes).values())
        if not available(instance):
            missing.insert(0, f"status {instance.get('DBInstanceStatus')}")
        return ", ".join(missing) or "nothing (applied as the wait ended)"

    return still
