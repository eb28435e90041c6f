# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: Secrets Manager replicas across regions for the secretsmanager_replica module and the dr_secrets
readiness checks (internal use only; may change at any time).

replicas  what a secret is in each region, what to do about it (pure plans), and the reads
present   state=present: replicate, retry, overwrite (with the DR value copied back) and wait until InSync
promoted  state=promoted: promote replicas to standalone secrets, in the DR region only
inputs    the module's parameter checks and what its result shows (never a value)
"""
