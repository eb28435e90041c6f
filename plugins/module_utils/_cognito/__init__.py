# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: Cognito user pool mirroring for cognito_dr_sync and the identity readiness checks.

Internal use only; may change without notice.

reads        paged, rate-limited, retried list calls; finding a pool; reading both pools side by side
diff         the user, group and membership diff (pure) and its counts
pools        mirroring the pool itself and its app clients (requests are pure, calls beside them)
writer       applying a plan to the DR pool concurrently under the rate limit, failures without user data
access       who can sign in after a failover: account recovery, the random password (pure)
federation   identity providers (secret from Secrets Manager, masked) and the domain of the DR pool
replication  native multi-Region replication: eligibility (pure), the replica calls
records      the last sync, as tags on the DR pool
sync         the module's run: pools, reads, plan, writes, federation, replica, result
"""
