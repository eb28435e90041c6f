# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One run of cognito_dr_sync: find the pools, read them, plan, write, and build the result.

The steps are methods of ``PoolSync`` so that the module's ``run()`` reads as the sequence it is;
the work itself is in ``reads``, ``diff``, ``pools`` and ``writer``.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import diff
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import pools
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

    @property
    def syncs(self):
        return self.params["sync_users"] or self.params["sync_groups"]

    def resolve_pools(self):
        """Find the DR pool, and the source pool when it is needed; check that they fit together."""
        params = self.params
        self.dr.client = self.module.client("cognito-idp")
        self.dr_pool = find_pool(self.dr.client, params["user_pool_id"], params["user_pool_name"], self.dr.limiter)
        self.dr.pool_id = self.dr_pool["Id"] if self.dr_pool else None
        wanted = params["user_pool_id"] or params["user_pool_name"]
        if self.dr_pool is None and not params["create_user_pool"]:
            raise DRError(f"DR user pool {wanted} not found in {self.region}: create it, set create_user_pool=true "
                          "(with user_pool_name), or fix user_pool_id/user_pool_name")
        if self.dr_pool is None and params["user_pool_id"]:
            raise DRError(f"DR user pool {params['user_pool_id']} not found in {self.region}: a pool cannot be "
                          "created with a given id; use user_pool_name with create_user_pool=true")
        if not (self.syncs or params["mirror_app_clients"] or self.dr_pool is None):
            return  # the source region is not called at all
        if not (params["source_user_pool_id"] or params["source_user_pool_name"]):
            raise DRError("source_user_pool_id or source_user_pool_name is needed to read the source pool")
        self.source.client = self.module.client("cognito-idp", region=params["source_region"])
        self.source_pool = find_pool(self.source.client, params["source_user_pool_id"],
                                     params["source_user_pool_name"], self.source.limiter)
        if self.source_pool is None:
            wanted = params["source_user_pool_id"] or params["source_user_pool_name"]
            raise DRError(f"source user pool {wanted} not found in {params['source_region']}: fix "
                          "source_user_pool_id/source_user_pool_name or source_region")
        self.source.pool_id = self.source_pool["Id"]
        self.match_by = diff.resolve_match_by(params["match_by"], self.source_pool)
        problem = diff.check_pools_compatible(self.source_pool, self.dr_pool or self.source_pool, self.match_by)
        if problem:
            raise DRError(problem)

    def read(self):
        if not (self.source_pool or self.dr_pool):
            return {}
        params = self.params
        return read_pools(self.source, self.dr, users=params["sync_users"], groups=params["sync_groups"],
                          source_clients=params["mirror_app_clients"], workers=params["max_concurrency"])

    def plan(self, data):
        params = self.params
        if not self.syncs:
            return diff.empty_plan()
        return diff.plan_sync(data, diff.pool_schema(self.dr_pool or self.source_pool), self.match_by,
                              params["sync_users"], params["sync_groups"], params["purge"],
                              params["attributes_exclude"])

    def create_pool(self):
        self.dr_pool = pools.create_pool(self.dr, self.source, self.source_pool, self.params["user_pool_name"],
                                         self.module.warn)
        self.dr.pool_id = self.dr_pool["Id"]
        self.pool_created = True

    def mirror_clients(self, data):
        self.clients = pools.mirror_clients(self.dr, self.source, data, self.module.check_mode)

    def apply(self, plan):
        """Write the plan; (done, failures)."""
        if not self.syncs:
            return {}, []
        writer = Writer(self.dr.client, self.dr.pool_id, self.dr.limiter, self.params["max_concurrency"])
        done = apply_plan(writer, plan, self.dr_pool, self.match_by, self.params["attributes_exclude"])
        return done, writer.failures

    def count(self, data, plan, done=None, failures=()):
        """Counts (and keys, and the --diff views) of the plan, or of what was done."""
        self.counts, self.keys = diff.plan_counts(plan, done, failures)
        if self.syncs:
            self.before, self.after = diff.pool_states(data, plan, self.counts, self.keys, self.match_by,
                                                       self.params["show_users"])

    def result(self, failures):
        params = self.params
        pool = self.dr_pool or {}
        changed = (self.pool_created or any(client["created"] for client in self.clients)
                   or any(self.counts[name] for name in diff.CHANGE_NAMES))
        result = {
            "changed": bool(changed),
            "user_pool": {"id": pool.get("Id"), "name": pool.get("Name") or params["user_pool_name"],
                          "arn": pool.get("Arn"), "region": self.region, "created": self.pool_created},
            "app_clients": self.clients,
            "match_by": self.match_by,
            "counts": self.counts,
        }
        if self.source_pool:
            result["source_user_pool"] = {"id": self.source_pool["Id"], "name": self.source_pool.get("Name"),
                                          "region": params["source_region"]}
        if params["show_users"]:
            result["users"] = dict(self.keys, failed=[
                {"user": key, "action": action, "error": f"{code}: {message}"}
                for action, key, code, message in failures])
        if self.module._diff and self.before:
            result["diff"] = make_diff(self.before, self.after)
        return result
