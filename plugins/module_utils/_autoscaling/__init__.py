# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: Auto Scaling groups in pilot-light standby, for asg_pilot_light (internal use only; may change).

capacity  capacity arithmetic, the recorded-capacity tag, standby/active plans, readiness of instances (pure)
groups    the Auto Scaling and ELB calls: read groups and target health, resize and tag, wait until served
"""
