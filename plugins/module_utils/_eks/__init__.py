# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: EKS managed node groups in pilot-light standby, for eks_nodegroup_pilot_light and the eks readiness
checks (internal use only; may change).

sizes       scaling configs, the recorded-size tag, standby/active plans, node readiness (pure)
nodegroups  the EKS and Auto Scaling calls: read node groups and their nodes, resize and tag, wait until ready
"""
