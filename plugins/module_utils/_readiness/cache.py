# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the DR Redis (dr_cache), in the mode the inventory chose.

``rebuild`` (seed 003: the group is created on failover):

* ``subnet_group``: the DR cache subnet group exists (when one is named);
* ``dr_group_absent``: no DR replication group runs yet (a pilot light pays for none; one left over from an
  earlier failover would be reused with stale data);
* ``rpo``: the evidence that the failover loses everything in the cache.

``global_datastore`` (a secondary kept in DR):

* ``secondary``: the DR group is ``available`` and a ``SECONDARY`` of the Global Datastore;
* ``primary_member`` (primary side): the datastore's primary is the primary region's group and is
  reachable (read from the DR region; the datastore is global);
* ``rpo``: the replication lag (CloudWatch ``GlobalDatastoreReplicationLag``) is at most ``max_replication_lag``
  seconds; not checked without a datapoint.

A read that failed (throttled, 5xx) makes its checks not checked, never "missing".

Options (the role's inputs less the ``dr_cache_`` prefix): ``mode``, ``replication_group_id``,
``primary_replication_group_id``, ``global_replication_group_id``, ``cache_subnet_group``, ``max_replication_lag``.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._elasticache import groups
from ansible_collections.pilotlight.dr.plugins.module_utils._elasticache import plan
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "cache"


@DRErrorHandler.reader("read cache subnet group {1} in {2}", missing=("CacheSubnetGroupNotFoundFault",))
def read_subnet_group(client, name, region):
    return client.describe_cache_subnet_groups(CacheSubnetGroupName=name, aws_retry=True)["CacheSubnetGroups"][0]


@DRErrorHandler.reader("read the replication lag in {2}")
def read_lag(cloudwatch, cluster_ids, region, now):
    return groups.replication_lag(cloudwatch, cluster_ids, now)


def check_rebuild(ctx, checks):
    client = ctx.client("elasticache")
    subnet_group = ctx.options.get("cache_subnet_group")
    if subnet_group:
        ok, found = checks.read(
            "subnet_group", f"cache subnet group {subnet_group}", read_subnet_group, client, subnet_group, ctx.region
        )
        if ok:
            checks.expect(
                "subnet_group",
                found is not None,
                f"cache subnet group {subnet_group} {'exists' if found else 'is missing'} in {ctx.region}",
                "create it in the DR VPC's private subnets "
                "(community.aws.elasticache_subnet_group; dr_cache main does)",
                {"subnet_group": subnet_group, "vpc": (found or {}).get("VpcId")},
            )
    else:
        checks.passed("subnet_group", "no cache subnet group named: the group goes into the default VPC")
    group_id = ctx.options.get("replication_group_id")
    ok, group = checks.read("dr_group_absent", f"replication group {group_id}", groups.describe_group, client, group_id)
    if ok:
        checks.expect(
            "dr_group_absent",
            group is None,
            f"replication group {group_id} {'is ' + group.get('Status', '?') if group else 'does not exist yet'} in "
            f"{ctx.region}",
            "delete the DR group left from an earlier failover (dr_cache failback) unless a failover is under way",
            {"replication_group_id": group_id, "status": (group or {}).get("Status")},
        )
    rpo = plan.rpo_evidence("rebuild")
    checks.passed("rpo", f"rebuild: the failover loses {rpo['data_loss']}", {"rpo": rpo})


def check_global(ctx, checks):
    client = ctx.client("elasticache")
    group_id, global_id = ctx.options.get("replication_group_id"), ctx.options.get("global_replication_group_id")
    ok, group = checks.read(
        ["secondary", "rpo"], f"replication group {group_id}", groups.describe_group, client, group_id
    )
    if not ok:
        checks.not_checked("primary_member", "the DR group could not be read", side="primary")
        return
    member_of, role = plan.global_role(group)
    status = (group or {}).get("Status")
    checks.expect(
        "secondary",
        group is not None and status == "available" and member_of == global_id and role == "SECONDARY",
        f"replication group {group_id} in {ctx.region}: "
        + (f"{status}, {role or 'no role'} of {member_of or 'no Global Datastore'}" if group else "missing"),
        f"add a secondary {group_id} in {ctx.region} to Global Datastore {global_id} (dr_cache main does)",
        {"replication_group_id": group_id, "status": status, "global_replication_group_id": member_of, "role": role},
    )
    ok, datastore = checks.read(
        "primary_member", f"Global Datastore {global_id}", groups.describe_global, client, global_id, side="primary"
    )
    if ok:
        primary = next((m for m in (datastore or {}).get("Members") or [] if m.get("Role") == "PRIMARY"), None)
        wanted = (ctx.options.get("primary_replication_group_id"), ctx.primary_region)
        found = (primary or {}).get("ReplicationGroupId"), (primary or {}).get("ReplicationGroupRegion")
        checks.expect(
            "primary_member",
            found == wanted and (primary or {}).get("Status") != "inaccessible",
            f"the primary of {global_id} is {found[0] or 'none'} in {found[1] or '-'} "
            f"({(primary or {}).get('Status', '-')})",
            f"make {wanted[0]} in {wanted[1]} the primary of {global_id} (a failback fails it over back)",
            {"primary": primary},
            side="primary",
        )
    if group is None:
        checks.not_checked("rpo", "no DR group to read the replication lag of")
        return
    ok, lag = checks.read(
        "rpo",
        "the Global Datastore replication lag",
        read_lag,
        ctx.client("cloudwatch"),
        group.get("MemberClusters") or [],
        ctx.region,
        ctx.now(),
    )
    if not ok:
        return
    if lag is None:
        checks.not_checked(
            "rpo",
            "no GlobalDatastoreReplicationLag datapoint in the last 10 minutes",
            {"rpo": plan.rpo_evidence("global_datastore", None, "no datapoint")},
        )
        return
    limit = float(ctx.options.get("max_replication_lag") or 5)
    checks.expect(
        "rpo",
        lag <= limit,
        f"Global Datastore replication lag {lag} s (at most {limit} s)",
        "look at the primary's write load and the secondary's node type; the failover would lose that much",
        {"rpo": plan.rpo_evidence("global_datastore", lag)},
    )


def check(ctx):
    checks = Checks(COMPONENT)
    if ctx.options.get("mode", "rebuild") == "global_datastore":
        check_global(ctx, checks)
    else:
        check_rebuild(ctx, checks)
    return checks.results
