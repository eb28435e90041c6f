# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness results counted into a custom metric, so "readiness has not passed" alarms like any other failure.

Per application (dimension ``Application``): ``ChecksPassed``, ``ChecksFailed``, ``ChecksNotChecked`` and
``ReadinessPassed`` (1 when no check failed and at least one passed, else 0). A not_checked check does not
fail readiness, but a run where nothing could be checked did not pass either.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudwatch.alarms import READINESS_METRIC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler


def status_of(result):
    """pass | fail | not_checked of one readiness result (older results carry only ``passed``)."""
    status = result.get("status")
    if status in ("pass", "fail", "not_checked"):
        return status
    if "passed" in result:
        return "pass" if result["passed"] else "fail"
    raise DRError(
        f"results: readiness result {result.get('check') or result!r} has neither 'status' nor 'passed'; pass the "
        "checks as readiness_info returns them"
    )


def counts(results):
    tally = {"pass": 0, "fail": 0, "not_checked": 0}
    for result in results:
        tally[status_of(result)] += 1
    return tally


def metric_data(application, tally, timestamp=None):
    """The PutMetricData entries for one application's counts."""
    passed = 1 if tally["fail"] == 0 and tally["pass"] > 0 else 0
    values = [
        ("ChecksPassed", tally["pass"]),
        ("ChecksFailed", tally["fail"]),
        ("ChecksNotChecked", tally["not_checked"]),
        (READINESS_METRIC, passed),
    ]
    data = []
    for name, value in values:
        datum = {
            "MetricName": name,
            "Dimensions": [{"Name": "Application", "Value": application}],
            "Value": float(value),
            "Unit": "Count" if name != READINESS_METRIC else "None",
        }
        if timestamp is not None:
            datum["Timestamp"] = timestamp
        data.append(datum)
    return data


@DRErrorHandler.call("put the readiness metric of {2} in {3}", fix="allow cloudwatch:PutMetricData")
def put_metric_data(client, namespace, application, region, data):
    client.put_metric_data(Namespace=namespace, MetricData=data, aws_retry=True)
