#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
version_added: 0.2.0
short_description: Create, update or delete a CloudWatch dashboard
description:
  - Reads the dashboard (C(GetDashboard)), compares its body with O(body) as parsed JSON (key order and spacing do
    not count) and writes it (C(PutDashboard)) only when they differ; O(state=absent) deletes it.
  - Fills a gap of the AWS collections - amazon.aws 10 and community.aws 10 manage CloudWatch metric alarms
    (M(amazon.aws.cloudwatch_metric_alarm)) but have no dashboard module.
  - The dr_monitoring role builds the DR dashboard's body with the C(pilotlight.dr.dr_monitoring_dashboard)
    filter and puts it in the DR region with this module.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  name:
    description:
      - Name of the dashboard (up to 255 characters, letters, digits, C(-) and C(_)).
    type: str
    required: true
    version_added: 0.2.0
  body:
    description:
      - The dashboard body, a dict or a JSON object text with C(widgets) (the CloudWatch dashboard body structure).
      - Required when O(state=present).
    type: raw
    version_added: 0.2.0
  state:
    description:
      - C(present) creates or updates the dashboard; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
    version_added: 0.2.0
attributes:
  check_mode:
    support: full
    description: Reads the dashboard and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: The dashboard body before and after.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The DR dashboard of MegaTicket in Tokyo
  pilotlight.dr.cloudwatch_dashboard:
    region: ap-northeast-1
    name: MegaTicket-DR
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: RDS replica lag (RPO metric)
            region: ap-northeast-1
            metrics:
              - [AWS/RDS, ReplicaLag, DBInstanceIdentifier, megaticket-db-replica]
            stat: Maximum
            period: 60
            annotations:
              horizontal:
                - label: RPO 15 min
                  value: 900
  register: dashboard

- name: Remove it
  pilotlight.dr.cloudwatch_dashboard:
    region: ap-northeast-1
    name: MegaTicket-DR
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard after the task (in check mode, the predicted one); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Dashboard name.
      type: str
      sample: MegaTicket-DR
    region:
      description: Region of the dashboard.
      type: str
      sample: ap-northeast-1
    body:
      description: The dashboard body.
      type: dict
      sample: {"widgets": []}
action:
  description: What was done (or would be in check mode) - C(create), C(update), C(delete) or null.
  returned: always
  type: str
  sample: create
warnings_from_cloudwatch:
  description: Validation messages CloudWatch returned with a successful put.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.dashboards import action as plan_action
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.dashboards import delete_dashboard
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.dashboards import get_dashboard
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.dashboards import parse_body
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.dashboards import put_dashboard
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule


def run(module, params):
    name, state, region = params["name"], params["state"], module.region
    if state == "present" and params["body"] is None:
        raise DRError(f"body is required to create or update dashboard {name}")
    desired = parse_body(params["body"], name) if state == "present" else None
    client = module.client("cloudwatch")
    current = get_dashboard(client, name, region)
    todo = plan_action(current, desired, state)
    warnings = []
    if todo and not module.check_mode:
        if todo == "delete":
            delete_dashboard(client, name, region)
        else:
            warnings = put_dashboard(client, name, desired, region)
    after = desired if state == "present" else None
    result = dict(
        changed=todo is not None,
        action=todo,
        dashboard=dict(name=name, region=region, body=after) if after is not None else {},
        warnings_from_cloudwatch=warnings,
    )
    if module._diff:
        result["diff"] = dict(before=current or {}, after=after or {})
    return result


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        body=dict(type="raw"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
