# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The registry: component name -> ``check(ctx) -> list of results``.

Static imports on purpose: Ansible packs a module's module_utils by following its imports, so a
component found at run time (importlib) would be missing on the managed node.
"""

# One import per component; keep them in the runbook's order.
# network: has no readiness checks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import iam
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import certificate
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import loadbalancer
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import compute
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import ecs
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import eks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import dynamodb
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import rds
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import cache
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import s3
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import ecr
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import secrets
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import identity
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import dns
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import cdn
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import config
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import regions  # the runbook's own check

COMPONENTS = {
    "iam": iam.check,
    "certificate": certificate.check,
    "loadbalancer": loadbalancer.check,
    "compute": compute.check,
    "ecs": ecs.check,
    "eks": eks.check,
    "dynamodb": dynamodb.check,
    "rds": rds.check,
    "cache": cache.check,
    "s3": s3.check,
    "ecr": ecr.check,
    "secrets": secrets.check,
    "identity": identity.check,
    "dns": dns.check,
    "cdn": cdn.check,
    "config": config.check,
    "runbook": regions.check,
}
