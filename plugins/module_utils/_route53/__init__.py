# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: Route 53 failover for route53_failover and the dns readiness checks (internal use only; may change).

names      DNS names as compared here, regions in names, the tags that tie health checks to a record
endpoints  the module's input: the two endpoints with their defaults, refused before any call when wrong
planning   pure: desired health checks and records, what changes, health, where DNS answers, reports
api        thin Route 53 / Elastic Load Balancing calls on a client, AWS errors turned into DRError
failover   the module's steps (read, plan, apply, wait) over a client: ensure and remove
"""
