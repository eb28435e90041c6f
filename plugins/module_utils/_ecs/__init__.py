# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: ECS services in pilot-light standby and task definitions copied to DR, for ecs_pilot_light and
ecs_task_definition_copy (internal use only; may change).

counts       desired counts, the recorded-count tag, standby/active plans, readiness of services (pure)
services     the ECS and ELB calls: read services and target health, scale and tag, wait until served
definitions  rewriting a primary task definition for the DR region and comparing revisions (pure)
registry     the task definition calls: describe the primary's, find the DR family's latest, register
"""
