# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: dr_notification
short_description: The message of a DR notification (start, approval wait, success, failure)
version_added: 0.2.0
description:
  - Builds the subject and text that the runbook posts to Slack and SNS for one application's
    failover, failback or drill, so that the wording is tested Python rather than Jinja.
  - C(failure) names the failed phase (the enclosing C(Phase ...) block, when Ansible passes it) and
    step (task) and the error; C(success) carries the RTO and the RPO evidence.
positional: _input
options:
  _input:
    description: The event, one of C(start), C(approval), C(success), C(failure).
    type: str
    required: true
  application:
    description: The application (inventory host).
    type: str
    required: true
  playbook:
    description: The runbook step, for example C(failover).
    type: str
    required: true
  region:
    description: The region the application is moving to.
    type: str
  mode:
    description: C(graceful) or C(ungraceful).
    type: str
  rto_seconds:
    description: The RTO, for C(success).
    type: float
  rpo:
    description: The RPO evidence, for C(success) (component -> values).
    type: dict
  failed_task:
    description: C(ansible_failed_task), for C(failure).
    type: dict
  failed_result:
    description: C(ansible_failed_result), for C(failure).
    type: dict
"""

EXAMPLES = r"""
- name: The success message
  ansible.builtin.debug:
    msg: >-
      {{ 'success' | pilotlight.dr.dr_notification(inventory_hostname, 'failover', region='ap-northeast-1',
                                                   rto_seconds=41.2) }}
"""

RETURN = r"""
_value:
  description: C({event, application, playbook, subject, text}).
  type: dict
"""

import json

from ansible.errors import AnsibleFilterError

EVENTS = ("start", "approval", "success", "failure")
# SNS subjects: ASCII, at most 100 characters.
SUBJECT_LIMIT = 100


def _phase(task):
    """The 'Phase: x' block around a failed task, when the serialized task carries its parents."""
    node = (task or {}).get("parent")
    while isinstance(node, dict):
        name = str(node.get("name") or "")
        if name.lower().startswith("phase"):
            return name.split(":", 1)[1].strip() if ":" in name else name
        node = node.get("parent")
    return None


def _rpo_text(rpo):
    if not rpo:
        return "no RPO evidence published"
    return "; ".join(
        f"{component}: {json.dumps(value, sort_keys=True, default=str)}" for component, value in sorted(rpo.items())
    )


def dr_notification(
    event,
    application,
    playbook,
    region=None,
    mode=None,
    rto_seconds=None,
    rpo=None,
    failed_task=None,
    failed_result=None,
):
    if event not in EVENTS:
        raise AnsibleFilterError(f"dr_notification: event must be one of {', '.join(EVENTS)}, not {event!r}")
    where = f" to {region}" if region else ""
    how = f" ({mode})" if mode else ""
    if event == "start":
        subject = f"pilotlight.dr: {playbook} of {application}{where} started{how}"
        text = subject
    elif event == "approval":
        subject = f"pilotlight.dr: {playbook} of {application}{where} waits for approval"
        text = f"{subject}{how}. Approve it to go on; deny it to stop."
    elif event == "success":
        rto = f"RTO {rto_seconds:.1f} s" if rto_seconds is not None else "RTO not measured"
        subject = f"pilotlight.dr: {playbook} of {application}{where} succeeded, {rto}"
        text = f"{subject}{how}. RPO evidence: {_rpo_text(rpo)}"
    else:
        phase = _phase(failed_task)
        step = (failed_task or {}).get("name") or "unknown step"
        error = (failed_result or {}).get("msg") or "no error message"
        subject = f"pilotlight.dr: {playbook} of {application}{where} FAILED"
        text = f"{subject}{how} in {'phase ' + phase + ', ' if phase else ''}step '{step}': {error}"
    return {
        "event": event,
        "application": application,
        "playbook": playbook,
        "subject": subject.encode("ascii", "replace").decode()[:SUBJECT_LIMIT],
        "text": text,
    }


class FilterModule:
    def filters(self):
        return {"dr_notification": dr_notification}
