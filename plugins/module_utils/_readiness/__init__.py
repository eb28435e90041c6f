# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: the readiness checks of every component, as Python (internal use only).

checks      the check model (pass / fail / not_checked, reason, evidence, fix) and the ``Checks`` builder
context     what a component's checks get: clients per region, the regions, whether the primary answers
components  the registry: component name -> its ``check(ctx, spec)`` function
<component> one file per component role (dynamodb.py for dr_dynamodb, ...)
"""
