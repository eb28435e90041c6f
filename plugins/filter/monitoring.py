# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: dr_monitoring_alarms
short_description: The CloudWatch alarms that watch a pilot light, built from the inventory
version_added: 0.2.0
description:
  - Returns one dict per alarm with the parameters of M(amazon.aws.cloudwatch_metric_alarm) plus C(region) (where
    AWS publishes the metric, so where the alarm must live) and C(risk) (the seed risk it watches).
  - The companion filter C(dr_monitoring_dashboard) returns the DR dashboard's body for
    M(pilotlight.dr.cloudwatch_dashboard).
  - The logic is Python (plugins/module_utils/_cloudwatch/alarms.py and dashboard.py) with unit tests.
positional: _input
options:
  _input:
    description:
      - The dr_monitoring role's inputs (application, region, primary_region, health_check_region, rds_replicas,
        dynamodb_tables, s3_replications, health_checks, load_balancer_arn, target_group_arns, thresholds...).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The alarms
  ansible.builtin.set_fact:
    alarms: "{{ spec | pilotlight.dr.dr_monitoring_alarms }}"
"""

RETURN = r"""
_value:
  description: The alarms (a list of dicts) or, for C(dr_monitoring_dashboard), the dashboard body (a dict).
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.alarms import build_alarms
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.dashboard import build_dashboard


def _checked(spec, name):
    if not isinstance(spec, dict):
        raise AnsibleFilterError(f"{name}: expects the role's inputs as a dict, got {type(spec).__name__}")
    missing = [key for key in ("application", "region", "primary_region") if not spec.get(key)]
    if missing:
        raise AnsibleFilterError(f"{name}: {', '.join(missing)} must be set")
    return spec


def dr_monitoring_alarms(spec):
    try:
        return build_alarms(_checked(spec, "dr_monitoring_alarms"))
    except KeyError as exc:
        raise AnsibleFilterError(f"dr_monitoring_alarms: input {exc} is missing") from exc


def dr_monitoring_dashboard(spec):
    try:
        return build_dashboard(_checked(spec, "dr_monitoring_dashboard"))
    except KeyError as exc:
        raise AnsibleFilterError(f"dr_monitoring_dashboard: input {exc} is missing") from exc


class FilterModule:
    def filters(self):
        return {"dr_monitoring_alarms": dr_monitoring_alarms, "dr_monitoring_dashboard": dr_monitoring_dashboard}
