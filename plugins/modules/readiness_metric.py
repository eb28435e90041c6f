#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: readiness_metric
version_added: 0.2.0
short_description: Publish an application's DR readiness counts as a CloudWatch custom metric
description:
  - Counts the readiness results (as M(pilotlight.dr.readiness_info) returns them, or the runbook's
    C(dr_readiness_results)) and puts, per application (dimension C(Application)), C(ChecksPassed),
    C(ChecksFailed), C(ChecksNotChecked) and C(ReadinessPassed) (1 when no check failed and one passed).
  - The dr_monitoring role alarms when C(ReadinessPassed) has not been 1 for a number of hours, so a readiness
    that fails, or stops running, alarms like a replica that stops replicating.
  - Every run writes a datapoint (a metric is a time series), so the task always reports changed; check mode
    writes nothing and returns the datapoints it would put.
  - No amazon.aws or community.aws module puts metric data.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  application:
    description: The application (the C(Application) dimension).
    type: str
    required: true
    version_added: 0.2.0
  results:
    description: Readiness results, each with C(status) (C(pass), C(fail), C(not_checked)) or C(passed).
    type: list
    elements: dict
    required: true
    version_added: 0.2.0
  namespace:
    description: CloudWatch namespace of the metrics.
    type: str
    default: PilotLight/DR
    version_added: 0.2.0
attributes:
  check_mode:
    support: full
    description: Puts nothing; returns the datapoints it would put.
  diff_mode:
    support: none
    description: Metric data has no before and after.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Publish MegaTicket's readiness in Tokyo
  pilotlight.dr.readiness_metric:
    region: ap-northeast-1
    application: MegaTicket
    results: "{{ dr_readiness_results }}"
"""

RETURN = r"""
counts:
  description: The results counted by status.
  returned: always
  type: dict
  sample: {"pass": 12, "fail": 0, "not_checked": 1}
passed:
  description: The value of C(ReadinessPassed) (1 or 0).
  returned: always
  type: int
  sample: 1
metric_data:
  description: The datapoints put (or that would be put in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"MetricName": "ReadinessPassed", "Value": 1.0, "Unit": "None",
            "Dimensions": [{"Name": "Application", "Value": "MegaTicket"}]}]
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.readiness import counts
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.readiness import metric_data
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.readiness import put_metric_data
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule


def run(module, params):
    tally = counts(params["results"])
    data = metric_data(params["application"], tally)
    if not module.check_mode:
        put_metric_data(module.client("cloudwatch"), params["namespace"], params["application"], module.region, data)
    passed = int(next(d["Value"] for d in data if d["MetricName"] == "ReadinessPassed"))
    return dict(changed=True, counts=tally, passed=passed, metric_data=data)


def main():
    argument_spec = dict(
        application=dict(type="str", required=True),
        results=dict(type="list", elements="dict", required=True),
        namespace=dict(type="str", default="PilotLight/DR"),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
