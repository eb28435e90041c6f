#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: recovery_mode
version_added: 0.3.0
short_description: Tell a DR application where it runs and since when, in SSM Parameter Store
description:
  - Writes the three parameters a DR-aware application reads (seed 004) under O(path), in the region given by
    O(region) (the DR region) - C(recovery_mode) (V(true) or V(false)), C(active_region), and
    C(recovery_started_at), the start of the recovery from which the application counts its grace periods
    (for example the 30 minutes a reservation that was HOLDING in the primary stays payable).
  - With O(recovery_mode=true), C(recovery_started_at) is written once, so a re-run of an interrupted failover
    keeps the first start time. With O(recovery_mode=false) it is removed.
  - Reads the three parameters in one call and writes only those that differ, so a re-run changes nothing.
  - Gap filled - M(community.aws.ssm_parameter) writes one parameter per task, that is one module process per
    parameter on the failover's recovery-time path, and cannot say "write only when absent" together with
    "overwrite when changed" for a set of parameters.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  path:
    description:
      - Parameter path the application reads, for example V(/megaticket/dr). The parameters are
        C(<path>/recovery_mode), C(<path>/active_region) and C(<path>/recovery_started_at).
    type: str
    required: true
    version_added: 0.3.0
  recovery_mode:
    description:
      - V(true) when the application runs in the DR region (failover), V(false) when it is back in the primary.
    type: bool
    required: true
    version_added: 0.3.0
  active_region:
    description:
      - The region that serves the application now (the DR region after a failover, the primary after failback).
    type: str
    required: true
    version_added: 0.3.0
  started_at:
    description:
      - The recovery's start time written to C(recovery_started_at) when it is absent (ISO 8601, UTC).
      - Required with O(recovery_mode=true); ignored with O(recovery_mode=false).
    type: str
    version_added: 0.3.0
attributes:
  check_mode:
    support: full
    description: Reads the parameters and returns the values they would have; writes nothing.
  diff_mode:
    support: full
    description: Before and after values of the three parameters.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Turn recovery mode on in Tokyo (a re-run keeps the first start time)
  pilotlight.dr.recovery_mode:
    region: ap-northeast-1
    path: /megaticket/dr
    recovery_mode: true
    active_region: ap-northeast-1
    started_at: "{{ now(utc=true).strftime('%Y-%m-%dT%H:%M:%SZ') }}"

- name: Back to normal after failback
  pilotlight.dr.recovery_mode:
    region: ap-northeast-1
    path: /megaticket/dr
    recovery_mode: false
    active_region: ap-northeast-2
"""

RETURN = r"""
parameters:
  description: The three parameters after the run (predicted in check mode); null for a parameter that is absent.
  returned: always
  type: dict
  sample:
    /megaticket/dr/recovery_mode: "true"
    /megaticket/dr/active_region: ap-northeast-1
    /megaticket/dr/recovery_started_at: "2026-12-06T03:00:00Z"
recovery_started_at:
  description: The recovery's start time the application reads (the first one written, on a re-run), or null.
  returned: always
  type: str
  sample: "2026-12-06T03:00:00Z"
changes:
  description: The writes made (or that would be made in check mode), each C(put NAME) or C(delete NAME).
  returned: always
  type: list
  elements: str
  sample: ["put /megaticket/dr/recovery_mode", "put /megaticket/dr/active_region"]
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._ssm import parameters

DESCRIPTIONS = {
    "recovery_mode": "true while the application runs in the DR region (pilotlight.dr)",
    "active_region": "the region that serves the application (pilotlight.dr)",
    "recovery_started_at": "start of the recovery, UTC; the application's grace periods count from it (pilotlight.dr)",
}


def names(path):
    base = "/" + path.strip("/")
    return {key: f"{base}/{key}" for key in DESCRIPTIONS}


def wanted_values(params):
    on = params["recovery_mode"]
    return {
        "recovery_mode": "true" if on else "false",
        "active_region": params["active_region"],
        "recovery_started_at": params["started_at"] if on else None,
    }


def run(module, params):
    if params["recovery_mode"] and not params["started_at"]:
        raise DRError("started_at is required with recovery_mode=true: the time the recovery started (ISO 8601, UTC)")
    name_of = names(params["path"])
    wanted = {name_of[key]: value for key, value in wanted_values(params).items()}
    ssm = module.client("ssm")
    current = parameters.read(ssm, list(name_of.values()))
    changes = parameters.plan(current, wanted, keep_existing=(name_of["recovery_started_at"],))
    after = dict(current)
    for action, name, value in changes:
        if not module.check_mode:
            if action == "put":
                key = next(key for key, full in name_of.items() if full == name)
                parameters.put(ssm, name, value, DESCRIPTIONS[key])
            else:
                parameters.delete(ssm, name)
        after[name] = value
    result = dict(
        changed=bool(changes),
        parameters=after,
        recovery_started_at=after[name_of["recovery_started_at"]],
        changes=[f"{action} {name}" for action, name, _value in changes],
    )
    if module._diff:
        result["diff"] = dict(before=current, after=after)
    return result


def main():
    argument_spec = dict(
        path=dict(type="str", required=True),
        recovery_mode=dict(type="bool", required=True),
        active_region=dict(type="str", required=True),
        started_at=dict(type="str"),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
