# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: DynamoDB global tables, for global_table_enable and readiness (internal use only; may change).

replicas  what a table's replicas need: plans, predicted state, latency datapoints (pure)
tables    the DynamoDB, Application Auto Scaling and CloudWatch calls
enabling  global_table_enable's steps: read every table, check the plans, apply them one change at a time
drain     state=drained: a marker per table written in the primary, awaited in DR (graceful failover)
"""
