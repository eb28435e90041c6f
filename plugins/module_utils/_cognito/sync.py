# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One run of cognito_dr_sync: find the pools, read them, plan, write, and build the result.

The steps are methods of ``PoolSync`` so that the module's ``run()`` reads as the sequence it is;
the work itself is in ``reads``, ``diff``, ``pools``, ``writer``, ``federation``, ``replication`` and
``records``. With native replication (``replication_mode`` native, or auto on an eligible pool) AWS
copies users, groups, app clients and identity providers itself: the run only makes sure the replica exists.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import diff
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import federation
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import pools
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import records
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import replication
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.access import recovery_mechanisms
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import PoolAccess
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import find_pool
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import read_pools
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.writer import Writer
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.writer import apply_plan
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff


def validate(params, region):
    """Fail before any call on inputs that cannot work."""
    problems = []
    if not region:
        problems.append("region is not set: set region to the DR region (for example ap-northeast-1)")
    if params["max_rps"] is None or params["max_rps"] <= 0:
        problems.append(f"max_rps must be more than 0, got {params['max_rps']}")
    if params["max_concurrency"] < 1:
        problems.append(f"max_concurrency must be at least 1, got {params['max_concurrency']}")
    if params["create_user_pool"] and not params["user_pool_name"]:
        problems.append("create_user_pool needs user_pool_name, the name of the DR pool to create")
    for spec in params["identity_providers"] or []:
        if not spec.get("name"):
            problems.append("each identity_providers entry needs name, the provider name in the source pool")
    domain_problem = federation.check_domain_prefix(params["domain_prefix"])
    if domain_problem:
        problems.append(domain_problem)
    if problems:
        raise DRError("; ".join(problems))


class PoolSync:
    """The state of one run: the two pools, the resolved match key, counts, user keys and app clients."""

    def __init__(self, module, params):
        self.module = module
        self.params = params
        self.region = module.region
        self.match_by = params["match_by"]
        # max_rps holds for each pool (each region has its own Cognito quotas): reads and writes alike
        self.dr = PoolAccess(None, None, RateLimiter(params["max_rps"]))
        self.source = PoolAccess(None, None, RateLimiter(params["max_rps"]))
        self.source_pool = None
        self.dr_pool = None
        self.pool_created = False
        self.counts = dict.fromkeys(diff.COUNT_NAMES, 0)
        self.keys = {name: [] for name in diff.KEY_NAMES}
        self.clients = []
        self.before = {}
        self.after = {}
        self.native = False  # native multi-Region replication (the DR pool is the source pool's replica)
        self.replica = None
        self.replica_created = False
        self.replication_reasons = []  # why the pool does not qualify for native replication
        self.providers = []
        self.domain = None
        self.last_sync_at, self.last_sync_users = None, None

    @property
    def syncs(self):
        return not self.native and (self.params["sync_users"] or self.params["sync_groups"])

    @property
    def writes_dr(self):
        """Whether this run needs the source pool: anything to copy, or a DR pool to create."""
        params = self.params
        return bool(
            params["sync_users"]
            or params["sync_groups"]
            or params["mirror_app_clients"]
            or params["identity_providers"]
            or params["domain_prefix"]
        )

    def resolve_pools(self):
        """Find the DR pool, and the source pool when it is needed; check that they fit together."""
        params = self.params
        self.dr.client = self.module.client("cognito-idp")
        if params["replication_mode"] != "sync" and self.writes_dr:
            self._read_source()
            if self._resolve_native():
                return
        self.dr_pool = find_pool(self.dr.client, params["user_pool_id"], params["user_pool_name"], self.dr.limiter)
        if self.dr_pool is None and params["replication_mode"] != "sync" and not self.writes_dr:
            self._find_replica_without_source()
        self.dr.pool_id = self.dr_pool["Id"] if self.dr_pool else None
        self.last_sync_at, self.last_sync_users = records.last_sync(self.dr_pool)
        wanted = params["user_pool_id"] or params["user_pool_name"]
        if self.native:
            return
        if self.dr_pool is None and not params["create_user_pool"]:
            raise DRError(
                f"DR user pool {wanted} not found in {self.region}: create it, set create_user_pool=true "
                "(with user_pool_name), or fix user_pool_id/user_pool_name"
            )
        if self.dr_pool is None and params["user_pool_id"]:
            raise DRError(
                f"DR user pool {params['user_pool_id']} not found in {self.region}: a pool cannot be "
                "created with a given id; use user_pool_name with create_user_pool=true"
            )
        if not (self.writes_dr or self.dr_pool is None):
            return  # the source region is not called at all
        if self.source_pool is None:
            self._read_source()
        self.match_by = diff.resolve_match_by(params["match_by"], self.source_pool)
        problem = diff.check_pools_compatible(self.source_pool, self.dr_pool or self.source_pool, self.match_by)
        if problem:
            raise DRError(problem)

    def _read_source(self):
        params = self.params
        if not (params["source_user_pool_id"] or params["source_user_pool_name"]):
            raise DRError("source_user_pool_id or source_user_pool_name is needed to read the source pool")
        self.source.client = self.module.client("cognito-idp", region=params["source_region"])
        self.source_pool = find_pool(
            self.source.client, params["source_user_pool_id"], params["source_user_pool_name"], self.source.limiter
        )
        if self.source_pool is None:
            wanted = params["source_user_pool_id"] or params["source_user_pool_name"]
            raise DRError(
                f"source user pool {wanted} not found in {params['source_region']}: fix "
                "source_user_pool_id/source_user_pool_name or source_region"
            )
        self.source.pool_id = self.source_pool["Id"]

    def _resolve_native(self):
        """Decide native replication from the source pool (auto: only when it qualifies); True when native."""
        mode, source_id = self.params["replication_mode"], self.source.pool_id
        reasons = replication.eligibility(self.source_pool)
        if not reasons:
            problem = replication.dr_key_problem(self.module.client("kms"), self.source_pool, self.region)
            reasons = [problem] if problem else []
        if reasons:
            if mode == "native":
                raise DRError(
                    f"user pool {source_id} cannot have a native replica in {self.region}: "
                    + "; ".join(reasons)
                    + ". Fix that, or use replication_mode=sync (or auto)"
                )
            self.replication_reasons = reasons
            return False
        self.native = True
        warning = replication.issuer_warning(self.source_pool)
        if warning:
            self.module.warn(warning)
        self.replica = replication.replica_in(
            replication.list_replicas(self.source.client, source_id, self.source.limiter), self.region
        )
        if self.replica is None and not self.module.check_mode:
            self.replica = replication.create_replica(
                self.source.client, source_id, self.region, {pools.SOURCE_TAG: source_id}, self.source.limiter
            )
            self.replica_created = True
        elif self.replica is None:
            self.replica_created = True  # predicted
        self.dr_pool = (
            find_pool(self.dr.client, source_id, limiter=self.dr.limiter)
            if not (self.module.check_mode and self.replica_created)
            else None
        )
        self.dr.pool_id = source_id
        return True

    def _find_replica_without_source(self):
        """Primary down (no source call): a native replica in the DR region has the source pool's id and name."""
        params = self.params
        if params["source_user_pool_id"] or params["source_user_pool_name"]:
            replica = find_pool(
                self.dr.client, params["source_user_pool_id"], params["source_user_pool_name"], self.dr.limiter
            )
            if replica is not None:
                self.dr_pool, self.native = replica, True

    def read(self):
        if self.native or not (self.source_pool or self.dr_pool):
            return {}
        params = self.params
        return read_pools(
            self.source,
            self.dr,
            users=params["sync_users"],
            groups=params["sync_groups"],
            source_clients=params["mirror_app_clients"],
            workers=params["max_concurrency"],
        )

    def plan(self, data):
        params = self.params
        if not self.syncs:
            return diff.empty_plan()
        pool = self.dr_pool or self.source_pool
        return diff.plan_sync(
            data,
            diff.pool_schema(pool),
            self.match_by,
            params["sync_users"],
            params["sync_groups"],
            params["purge"],
            params["attributes_exclude"],
            params["confirm_users"],
            recovery_mechanisms(pool),
        )

    def create_pool(self):
        self.dr_pool = pools.create_pool(
            self.dr, self.source, self.source_pool, self.params["user_pool_name"], self.module.warn
        )
        self.dr.pool_id = self.dr_pool["Id"]
        self.pool_created = True

    def mirror_clients(self, data):
        if self.native:
            return
        self.clients = pools.mirror_clients(self.dr, self.source, data, self.module.check_mode)
        if self.providers and self.dr.pool_id:
            names = {provider["name"] for provider in self.providers}
            updated = {
                entry["client_name"]: entry["providers_added"]
                for entry in pools.add_client_providers(self.dr, self.source, data, names, self.module.check_mode)
            }
            for client in self.clients:
                if client["client_name"] in updated:
                    client["providers_added"] = updated[client["client_name"]]

    def mirror_federation(self):
        """Identity providers (before the app clients, which may name them) and the domain."""
        params = self.params
        if self.native:
            return
        if params["identity_providers"]:
            hide = self.module.no_log_values.add
            self.providers, before, after = federation.mirror_providers(
                self.dr,
                self.source,
                params["identity_providers"],
                self.module.client("secretsmanager"),
                self.module.check_mode,
                hide,
            )
            self.before["identity_providers"], self.after["identity_providers"] = before, after
        if params["domain_prefix"]:
            self.domain = federation.mirror_domain(
                self.dr, self.dr_pool, params["domain_prefix"], self.module.check_mode
            )
            self.before["domain"] = (self.dr_pool or {}).get("Domain")
            self.after["domain"] = params["domain_prefix"]

    def record(self, failures):
        """Tag the DR pool with the time of a sync that left nothing behind (not in check mode)."""
        if self.syncs and self.params["sync_users"] and not failures and not self.module.check_mode:
            self.last_sync_users = self.counts["dr_users"]
            self.last_sync_at = records.record_sync(
                self.dr.client, self.dr_pool, records.utc_now(), self.last_sync_users
            )

    def apply(self, plan):
        """Write the plan; (done, failures)."""
        if not self.syncs:
            return {}, []
        writer = Writer(
            self.dr.client,
            self.dr.pool_id,
            self.dr.limiter,
            self.params["max_concurrency"],
            self.module.no_log_values.add,
        )
        done = apply_plan(writer, plan, self.dr_pool, self.match_by, self.params["attributes_exclude"])
        return done, writer.failures

    def count(self, data, plan, done=None, failures=()):
        """Counts (and keys, and the --diff views) of the plan, or of what was done."""
        self.counts, self.keys = diff.plan_counts(plan, done, failures)
        if self.syncs:
            before, after = diff.pool_states(
                data, plan, self.counts, self.keys, self.match_by, self.params["show_users"]
            )
            self.before.update(before)
            self.after.update(after)
        elif self.native:
            estimated = (self.dr_pool or self.source_pool or {}).get("EstimatedNumberOfUsers") or 0
            self.counts["source_users"] = self.counts["dr_users"] = estimated

    def result(self, failures):
        params = self.params
        pool = self.dr_pool or {}
        changed = (
            self.pool_created
            or self.replica_created
            or any(client["created"] or client.get("providers_added") for client in self.clients)
            or any(provider["action"] != "unchanged" for provider in self.providers)
            or (self.domain or {}).get("action") == "created"
            or any(self.counts[name] for name in diff.CHANGE_NAMES)
        )
        result = {
            "changed": bool(changed),
            "user_pool": {
                "id": pool.get("Id") or self.dr.pool_id,
                "name": pool.get("Name") or (self.source_pool or {}).get("Name")
                if self.native
                else pool.get("Name") or params["user_pool_name"],
                "arn": pool.get("Arn") or (self.replica or {}).get("UserPoolArn"),
                "region": self.region,
                "created": self.pool_created or self.replica_created,
            },
            "app_clients": self.clients,
            "match_by": self.match_by,
            "counts": self.counts,
            "replication_mode": "native" if self.native else "sync",
            "replication": {
                "replica": replication.replica_view(self.replica),
                "not_eligible": self.replication_reasons,
            },
            "identity_providers": self.providers,
            "domain": self.domain,
            "last_sync_at": self.last_sync_at,
            "last_sync_users": self.last_sync_users,
        }
        if self.source_pool:
            result["source_user_pool"] = {
                "id": self.source_pool["Id"],
                "name": self.source_pool.get("Name"),
                "region": params["source_region"],
            }
        if params["show_users"]:
            result["users"] = dict(
                self.keys,
                failed=[
                    {"user": key, "action": action, "error": f"{code}: {message}"}
                    for action, key, code, message in failures
                ],
            )
        if self.module._diff and self.before:
            result["diff"] = make_diff(self.before, self.after)
        return result
