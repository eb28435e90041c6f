# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: readiness_line
short_description: One readable line for a readiness check result
version_added: 0.1.0
description:
  - Turns a readiness result C({component, check, status, reason, fix}), as the pilotlight.dr roles
    append them to C(dr_readiness_results), into C(PASS component / check - reason),
    C(FAIL component / check - reason; fix - what to do) or C(NOT CHECKED component / check - reason).
  - A result without C(status) (older shape) is read from its C(passed) flag.
positional: _input
options:
  _input:
    description: A readiness result.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Print every readiness check
  ansible.builtin.debug:
    msg: "{{ dr_readiness_results | map('pilotlight.dr.readiness_line') | list }}"
"""

RETURN = r"""
_value:
  description: The line.
  type: str
"""


from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import summarise

LABELS = {"pass": "PASS", "fail": "FAIL", "not_checked": "NOT CHECKED"}


def readiness_line(result):
    status = result.get("status") or ("pass" if result.get("passed") else "fail")
    component = str(result.get("component", "?")).removeprefix("dr_")
    line = f"{LABELS.get(status, status.upper())} {component} / {result.get('check', '?')}"
    reason = result.get("reason")
    if reason:
        line += f" - {reason}"
    if status == "fail" and result.get("fix"):
        line += f"; fix - {result['fix']}"
    return line


def readiness_summary(results, mode="graceful"):
    """The runbook gate's verdict on a list of results (see _readiness.checks.summarise), plus the list itself."""
    return dict(summarise(results, mode), checks=results)


class FilterModule:
    def filters(self):
        return {"readiness_line": readiness_line, "readiness_summary": readiness_summary}
