# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The registry: component name -> ``check(ctx) -> list of results``.

Static imports on purpose: Ansible packs a module's module_utils by following its imports, so a
component found at run time (importlib) would be missing on the managed node.
"""

# One import per component; keep them in the runbook's order.
# network: has no readiness checks
# iam: (not yet)
# certificate: (not yet)
# loadbalancer: (not yet)
# compute: (not yet)
# dynamodb: (not yet)
# rds: (not yet)
# s3: (not yet)
# ecr: (not yet)
# secrets: (not yet)
# identity: (not yet)
# dns: (not yet)
# cdn: (not yet)

COMPONENTS = {
    # iam-entry
    # certificate-entry
    # loadbalancer-entry
    # compute-entry
    # dynamodb-entry
    # rds-entry
    # s3-entry
    # ecr-entry
    # secrets-entry
    # identity-entry
    # dns-entry
    # cdn-entry
}
