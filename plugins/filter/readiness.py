# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: readiness_line
short_description: One readable line for a readiness check result
version_added: 0.1.0
description:
  - Turns a readiness result C({component, check, passed, reason}), as the pilotlight.dr roles
    append them to C(dr_readiness_results), into C(PASS component / check - reason) or C(FAIL ...).
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


def readiness_line(result):
    status = "PASS" if result.get("passed") else "FAIL"
    component = str(result.get("component", "?")).removeprefix("dr_")
    line = f"{status} {component} / {result.get('check', '?')}"
    reason = result.get("reason")
    return f"{line} - {reason}" if reason else line


class FilterModule:
    def filters(self):
        return {"readiness_line": readiness_line}
