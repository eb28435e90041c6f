# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CloudWatch dashboard calls and the compare that makes a put idempotent.

CloudWatch stores a dashboard body as the JSON text it was given; two texts of the same body (key order,
spacing) are the same dashboard, so bodies are compared as parsed JSON, never as text.
"""

import json

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler

NOT_FOUND = ("ResourceNotFound", "ResourceNotFoundException")


def parse_body(body, name):
    """A dashboard body given as a dict or as JSON text -> dict."""
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise DRError(f"the body of dashboard {name} is not JSON ({exc}); pass a dict or a JSON object") from None
    if not isinstance(parsed, dict):
        raise DRError(f"the body of dashboard {name} must be a JSON object with 'widgets', not {type(parsed).__name__}")
    return parsed


def action(current, desired, state):
    """What to do: 'create', 'update', 'delete' or None (already as wanted)."""
    if state == "absent":
        return "delete" if current is not None else None
    if current is None:
        return "create"
    return "update" if current != desired else None


@DRErrorHandler.reader("read CloudWatch dashboard {1} in {2}", missing=NOT_FOUND)
def get_dashboard(client, name, region):
    """The dashboard's body (dict), or None when it does not exist."""
    response = client.get_dashboard(DashboardName=name, aws_retry=True)
    return json.loads(response.get("DashboardBody") or "{}")


@DRErrorHandler.call("put CloudWatch dashboard {1} in {3}", fix="check the widgets' metrics and regions")
def put_dashboard(client, name, body, region):
    """PutDashboard (an invalid body raises InvalidParameterInput); returns CloudWatch's warnings as text."""
    response = client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body, sort_keys=True), aws_retry=True)
    return [f"{m.get('DataPath')}: {m.get('Message')}" for m in response.get("DashboardValidationMessages") or []]


@DRErrorHandler.call("delete CloudWatch dashboard {1} in {2}")
def delete_dashboard(client, name, region):
    client.delete_dashboards(DashboardNames=[name], aws_retry=True)
