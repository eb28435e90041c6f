#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: readiness_info
short_description: Read-only readiness checks of a pilot light's components, as pass / fail / not checked
version_added: 0.2.0
description:
  - Runs the readiness checks of one or more pilot-light components (the C(dr_<component>) roles) in
    one module call and returns one result per check, each C(pass), C(fail) or C(not_checked) with
    the reason, the evidence it read (values, ages) and, for a failure, the fix.
  - A read that failed (throttled past the retries, a 5xx, an unreachable endpoint) makes the checks
    that depend on it C(not_checked), never "absent" or "not found".
  - Components run side by side on threads; with I(primary_reachable=false) a component calls only its
    DR region (and the global control planes its checks name), so the checks can run while the primary
    region is down.
  - Fills a gap of amazon.aws and community.aws, whose C(_info) modules return resources, not a
    verdict on whether a standby region can take over.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  components:
    description:
      - The components to check, each with its regions and its own options.
    type: list
    version_added: 0.2.0
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The component (the role C(dr_<name>) without its prefix).
        type: str
        version_added: 0.2.0
        required: true
      region:
        description:
          - The DR region of this component.
        type: str
        version_added: 0.2.0
        required: true
      primary_region:
        description:
          - The primary region of this component.
        type: str
        version_added: 0.2.0
      primary_reachable:
        description:
          - Whether the primary region may be called. False in an ungraceful failover; primary-side
            checks are then C(not_checked).
        type: bool
        version_added: 0.2.0
        default: true
      options:
        description:
          - The component's own inputs (the role's variables without the C(dr_<name>_) prefix).
        type: dict
        version_added: 0.2.0
        default: {}
  max_concurrency:
    description:
      - How many components are checked at the same time.
    type: int
    version_added: 0.2.0
    default: 8
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Read-only, the same in check mode.
  diff_mode:
    support: none
    description: Read-only, nothing to diff.
"""

EXAMPLES = r"""
- name: Is the DynamoDB part of MegaTicket's pilot light ready?
  pilotlight.dr.readiness_info:
    components:
      - name: dynamodb
        region: ap-northeast-1
        primary_region: ap-northeast-2
        options:
          tables: [KDT-Msp4-PLDR-reservations]
          max_latency_ms: 10000
  register: readiness

- name: Show every check
  ansible.builtin.debug:
    msg: "{{ readiness.checks | map('pilotlight.dr.readiness_line') | list }}"
"""

RETURN = r"""
checks:
  description: One result per check, in component order.
  returned: always
  type: list
  elements: dict
  contains:
    component:
      description: The role the check belongs to.
      type: str
      sample: dr_dynamodb
    check:
      description: What was checked.
      type: str
      sample: replica KDT-Msp4-PLDR-reservations
    status:
      description: C(pass), C(fail) or C(not_checked).
      type: str
      sample: pass
    passed:
      description: C(status == pass).
      type: bool
    reason:
      description: Why, with the values read.
      type: str
    evidence:
      description: The values the verdict rests on (latencies, ages, states).
      type: dict
    fix:
      description: What to do, for a failed check.
      type: str
    side:
      description: Which region the check is about, C(dr) or C(primary).
      type: str
summary:
  description: Counts of the checks by status.
  returned: always
  type: dict
  sample: {"pass": 12, "fail": 0, "not_checked": 1, "total": 13}
durations:
  description: Seconds each component's checks took.
  returned: always
  type: dict
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import NOT_CHECKED
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import STATUSES
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import describe_error
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import result
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

COMPONENT_SPEC = dict(
    name=dict(type="str", required=True),
    region=dict(type="str", required=True),
    primary_region=dict(type="str"),
    primary_reachable=dict(type="bool", default=True),
    options=dict(type="dict", default={}),
)


def check_component(module, spec):
    started = time.monotonic()
    context = ReadinessContext(lambda service, region: module.client(service, region=region), spec)
    try:
        results = COMPONENTS[spec["name"]](context)
    except Exception as error:  # a bug or an unexpected SDK error must not hide the other components
        results = [
            result(spec["name"], "readiness checks", NOT_CHECKED, f"the checks could not run: {describe_error(error)}")
        ]
    return results, time.monotonic() - started


def run(module, params):
    unknown = sorted({c["name"] for c in params["components"]} - set(COMPONENTS))
    if unknown:
        module.fail_json(
            msg=f"components {', '.join(unknown)} have no readiness checks; known: {', '.join(sorted(COMPONENTS))}"
        )
    same = [c["name"] for c in params["components"] if c["primary_region"] and c["primary_region"] == c["region"]]
    if same:
        module.fail_json(
            msg=f"components {', '.join(same)}: primary_region and region are the same; region is the "
            "DR region, primary_region the one it takes over from (for example ap-northeast-2)"
        )
    outcomes = run_concurrently(
        lambda spec: check_component(module, spec), params["components"], params["max_concurrency"]
    )
    checks, durations = [], {}
    for outcome in outcomes:
        results, seconds = outcome.value
        checks.extend(results)
        durations[outcome.item["name"]] = round(seconds, 3)
    summary = {status: sum(1 for c in checks if c["status"] == status) for status in STATUSES}
    summary["total"] = len(checks)
    return dict(changed=False, checks=checks, summary=summary, durations=durations)


def main():
    argument_spec = dict(
        components=dict(type="list", elements="dict", required=True, options=COMPONENT_SPEC),
        max_concurrency=dict(type="int", default=8),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
