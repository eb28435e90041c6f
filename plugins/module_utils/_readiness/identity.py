# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of dr_identity: the DR user pool exists, and it holds the primary pool's users with nothing left to sync.

Read-only: both pools are read and diffed exactly as cognito_dr_sync would (``_cognito``), nothing
is written. "user counts" is a primary-side check: with the primary unreachable, users not synced
(sync_users=false) or no DR pool to compare, it is not checked, never passed. The "DR user pool"
evidence carries the last sync recorded on the DR pool and its age (what an ungraceful failover
loses), or the native replica when the DR pool is one (same name as the primary pool, in DR).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.access import recovery_mechanisms
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import CHANGE_NAMES
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import check_pools_compatible
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import plan_counts
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import plan_sync
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import pool_schema
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import resolve_match_by
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import AmbiguousPoolName
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import PoolAccess
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import find_pool
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import list_clients
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import read_pools
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.records import age_seconds
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.records import last_sync
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.replication import list_replicas
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.replication import replica_in
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

POOL = "DR user pool"
USERS = "user counts"
SYNC_FIX = (
    "run the dr_identity role (its main entry point syncs the DR pool by diff); DR users the primary pool no "
    "longer has stay unless dr_identity_purge is disable or delete"
)


def _find(client, pool_id, name, limiter):
    """find_pool, with a name used by several pools returned (a failed check), not raised (a failed read)."""
    try:
        return find_pool(client, pool_id, name, limiter)
    except AmbiguousPoolName as error:
        return error


def _read_dr_pool(client, name, limiter, replica_name=None):
    """(DR pool, its app clients, whether it is a native replica): a replica has the primary pool's name."""
    pool = _find(client, None, name, limiter)
    native = False
    if pool is None and replica_name:
        pool = _find(client, None, replica_name, limiter)
        native = pool is not None
    clients = list_clients(client, pool["Id"], limiter) if isinstance(pool, dict) else []
    return pool, clients, native


def check(ctx):
    options = ctx.options
    checks = Checks("identity")
    name = options.get("user_pool_name")
    rate = float(options.get("max_rps") or 20)
    dr = PoolAccess(ctx.client("cognito-idp"), None, RateLimiter(rate))

    replica_name = (
        options.get("source_user_pool_name") or None if options.get("replication_mode", "sync") != "sync" else None
    )
    ok, found = checks.read(
        POOL, f"the user pools of {ctx.region}", _read_dr_pool, dr.client, name, dr.limiter, replica_name
    )
    if not ok:
        checks.not_checked(USERS, "the DR user pool could not be read, so the users were not compared", side="primary")
        return checks.results
    dr_pool, app_clients, native = found
    if isinstance(dr_pool, AmbiguousPoolName):
        checks.failed(POOL, dr_pool.message, f"rename or delete the other user pools named {name} in {ctx.region}")
        checks.not_checked(USERS, f"the DR user pool {name} is ambiguous: users not compared", side="primary")
        return checks.results
    if dr_pool is None:
        checks.failed(
            POOL,
            f"DR user pool {name} does not exist in {ctx.region}",
            "run the dr_identity role (dr_identity_create_user_pool=true creates the pool like the primary "
            "one), or set dr_identity_user_pool_name to the DR pool's name",
            evidence={"region": ctx.region, "name": name},
        )
        checks.not_checked(USERS, "no DR user pool: nothing to compare the primary pool's users with", side="primary")
        return checks.results
    dr.pool_id = dr_pool["Id"]
    names = sorted(client["ClientName"] for client in app_clients)
    evidence = {
        "id": dr.pool_id,
        "name": dr_pool.get("Name", name),
        "region": ctx.region,
        "app_clients": names,
        "replication_mode": "native" if native else "sync",
    }
    reason = f"DR user pool {dr.pool_id} in {ctx.region} with {len(names)} app client(s)"
    if native:
        reason += ", a native multi-Region replica of the primary pool"
    else:
        synced_at, synced_users = last_sync(dr_pool)
        age = age_seconds(synced_at, ctx.now()) if synced_at else None
        evidence.update(last_sync_at=synced_at, last_sync_users=synced_users, last_sync_age_seconds=age)
        reason += (
            f"; last user sync {synced_at} ({_age_text(age)} ago, {synced_users} users)"
            if synced_at
            else "; no completed user sync recorded on it"
        )
    checks.passed(POOL, reason, evidence=evidence)
    if native:
        _check_replica(ctx, checks, dr, dr_pool)
        return checks.results
    _check_users(ctx, checks, dr, dr_pool, rate)
    return checks.results


def _check_replica(ctx, checks, dr, dr_pool):
    """A native replica serves sign-ins only when ACTIVE (INACTIVE: created, administrator operations only)."""
    ok, replicas = checks.read(
        USERS, f"the replicas of user pool {dr.pool_id}", list_replicas, dr.client, dr.pool_id, dr.limiter
    )
    if not ok:
        return
    replica = replica_in(replicas, ctx.region) or {}
    status = replica.get("Status", "missing")
    evidence = {
        "replication_mode": "native",
        "replica_status": status,
        "estimated_users": dr_pool.get("EstimatedNumberOfUsers"),
    }
    checks.expect(
        USERS,
        status == "ACTIVE",
        f"the DR pool is a native replica of user pool {dr.pool_id} ({status}): AWS replicates the users, "
        "passwords included",
        f"activate the replica: aws cognito-idp update-user-pool-replica --user-pool-id {dr.pool_id} "
        f"--region-name {ctx.region} --status ACTIVE",
        evidence,
    )


def _age_text(seconds):
    if seconds is None:
        return "an unknown time"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _check_users(ctx, checks, dr, dr_pool, rate):
    options = ctx.options
    if not ctx.primary_reachable:
        checks.skipped_primary(
            USERS,
            "the primary region is not called (primary_reachable=false): the DR pool is "
            "in place, its users were not compared",
        )
        return
    if not options.get("sync_users", True):
        checks.not_checked(
            USERS, "dr_identity_sync_users is false: users are not synced, so not compared", side="primary"
        )
        return
    source_id, source_name = options.get("source_user_pool_id"), options.get("source_user_pool_name")
    if not (source_id or source_name):
        checks.failed(
            USERS,
            "no primary user pool is named, so the users cannot be compared",
            "set dr_identity_source_user_pool_name (or dr_identity_source_user_pool_id)",
            side="primary",
        )
        return
    wanted = source_id or source_name
    source = PoolAccess(ctx.primary_client("cognito-idp"), None, RateLimiter(rate))
    ok, source_pool = checks.read(
        USERS,
        f"primary user pool {wanted} in {ctx.primary_region}",
        _find,
        source.client,
        source_id,
        source_name,
        source.limiter,
        side="primary",
    )
    if not ok:
        return
    if isinstance(source_pool, AmbiguousPoolName):
        checks.failed(
            USERS, source_pool.message, "set dr_identity_source_user_pool_id to the primary pool's id", side="primary"
        )
        return
    if source_pool is None:
        checks.failed(
            USERS,
            f"primary user pool {wanted} not found in {ctx.primary_region}",
            "fix dr_identity_source_user_pool_name/dr_identity_source_user_pool_id or dr_identity_primary_region",
            side="primary",
        )
        return
    source.pool_id = source_pool["Id"]
    match_by = resolve_match_by(options.get("match_by") or "auto", source_pool)
    problem = check_pools_compatible(source_pool, dr_pool, match_by)
    if problem:
        checks.failed(
            USERS,
            problem,
            "set dr_identity_match_by as the message says, or recreate the DR pool like "
            "the primary one (delete it and run the dr_identity role)",
            side="primary",
        )
        return
    sync_groups = options.get("sync_groups", True)
    workers = int(options.get("max_concurrency") or 8)
    ok, data = checks.read(
        USERS,
        f"the users of primary pool {source.pool_id} and DR pool {dr.pool_id}",
        read_pools,
        source,
        dr,
        users=True,
        groups=sync_groups,
        workers=workers,
        side="primary",
    )
    if not ok:
        return
    plan = plan_sync(
        data,
        pool_schema(dr_pool),
        match_by,
        True,
        sync_groups,
        "none",
        options.get("attributes_exclude") or (),
        options.get("confirm_users", True),
        recovery_mechanisms(dr_pool),
    )
    counts, _dummy = plan_counts(plan)
    pending = sum(counts[name] for name in CHANGE_NAMES)
    source_users, dr_users = len(data["source users"]), len(data["DR users"])
    federated = counts["skipped_external"]
    evidence = {
        "source_users": source_users,
        "dr_users": dr_users,
        "pending_changes": pending,
        "federated_source_users": federated,
        "match_by": match_by,
        "changes": {name: counts[name] for name in CHANGE_NAMES if counts[name]},
    }
    reason = f"{source_users} users in the primary pool, {dr_users} in the DR pool, {pending} change(s) to sync"
    if federated:
        reason += f" ({federated} federated user(s) are created in the DR pool by their identity provider)"
    checks.expect(
        USERS, pending == 0 and dr_users == source_users - federated, reason, SYNC_FIX, evidence, side="primary"
    )
