# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Waiting for slow AWS operations (copies, promotions, scaling), shared by pilotlight.dr modules.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until the change is complete (for example an AMI copy is C(available), a replica is
        C(ACTIVE), instances are C(InService)) before returning.
      - When several resources are handled in one task, their waits run concurrently and share one
        O(wait_timeout).
    type: bool
    default: true
    version_added: 0.1.0
  wait_timeout:
    description:
      - How many seconds to wait in total when O(wait=true).
      - On timeout the module fails and names the resources that were not ready.
    type: int
    default: 900
    version_added: 0.1.0
"""
