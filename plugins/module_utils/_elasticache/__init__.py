# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: ElastiCache Redis in the DR region, rebuilt on failover or promoted from a Global Datastore, for
elasticache_dr and the cache readiness checks (internal use only; may change).

plan    the create request, drift, endpoints, the promotion decision and RPO evidence (pure)
groups  the ElastiCache and CloudWatch calls: read, create, delete, fail over, disassociate, wait
"""
