# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the DR EKS node groups (dr_eks): cluster, node groups in standby, primary node groups, app config.

Checks, in this order:

* ``cluster``: the DR cluster is ACTIVE;
* ``nodegroups_standby``: each DR node group is ACTIVE, runs no more than the standby floor and has its active
  size recorded (``pilotlight:active-size``) or a failover size given, with a maximum that fits it;
* ``primary_nodegroups`` (primary side): the primary node groups exist, so fencing can scale them;
* ``app_config``: every value of the DR ConfigMap (seed 002 section 5.7) is known, so the failover can apply or
  render it.

With ``primary_reachable`` false the primary region is never called: the primary-side check is not checked. A
read that failed (throttled, 5xx) makes its checks not checked, never "missing".

Options (the role's inputs less the ``dr_eks_`` prefix): ``cluster``, ``primary_cluster``, ``standby_size``,
``nodegroups`` (``[{name, primary_name, desired_size, failover_desired_size}]``) and ``configmap_data``.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._eks import nodegroups as eks_nodegroups
from ansible_collections.pilotlight.dr.plugins.module_utils._eks import sizes
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "eks"
PROVISION = "run the dr_eks main entry point: it puts the DR node groups in standby with their active size recorded"


@DRErrorHandler.reader("read EKS cluster {1} in {2}", missing=("ResourceNotFoundException",))
def read_cluster(client, name, region):
    return client.describe_cluster(name=name, aws_retry=True)["cluster"]


@DRErrorHandler.reader("read the node groups of EKS cluster {1} in {3}")
def read_nodegroups(client, cluster, names, region):
    return eks_nodegroups.describe_nodegroups(client, cluster, names)


def standby_problems(nodegroup, entry, floor):
    """What keeps a DR node group from being a ready pilot light (empty when it is one)."""
    name = entry["name"]
    if nodegroup is None:
        return [f"{name} is missing"]
    problems = []
    if nodegroup.get("status") != "ACTIVE":
        problems.append(f"{name} is {nodegroup.get('status')}")
    now = sizes.current(nodegroup)
    if now["desired"] > floor:
        problems.append(f"{name} runs {now['desired']} nodes (standby: {floor})")
    try:
        recorded = sizes.recorded_size(nodegroup)
    except sizes.SizeError as exc:
        return problems + [str(exc)]
    wanted = entry.get("failover_desired_size")
    if wanted is None:
        wanted = (recorded or {}).get("desired")
    if wanted is None:
        problems.append(f"{name} has no recorded size (tag {sizes.SIZE_TAG}) and no failover_desired_size")
    elif wanted > max(now["max"], (recorded or {}).get("max", 0)):
        problems.append(f"{name} would need {wanted} nodes but its maximum is {now['max']}")
    return problems


def check_cluster(ctx, checks):
    name = ctx.options.get("cluster")
    ok, cluster = checks.read(
        "cluster", f"EKS cluster {name} in {ctx.region}", read_cluster, ctx.client("eks"), name, ctx.region
    )
    if not ok:
        return False
    status = (cluster or {}).get("status")
    checks.expect(
        "cluster",
        status == "ACTIVE",
        f"EKS cluster {name} is {status or 'missing'} in {ctx.region}",
        "create the DR cluster (seed 001 builds it with Terraform, or set dr_eks_create_cluster: true) and wait until "
        "it is ACTIVE",
        {"cluster": name, "status": status, "version": (cluster or {}).get("version")},
    )
    return status == "ACTIVE"


def check_nodegroups(ctx, checks, entries, cluster_ok):
    cluster, floor = ctx.options.get("cluster"), int(ctx.options.get("standby_size") or 0)
    if not cluster_ok:
        checks.not_checked("nodegroups_standby", f"EKS cluster {cluster} is not ACTIVE in {ctx.region}")
        return
    ok, found = checks.read(
        "nodegroups_standby",
        f"the node groups of EKS cluster {cluster} in {ctx.region}",
        read_nodegroups,
        ctx.client("eks"),
        cluster,
        [e["name"] for e in entries],
        ctx.region,
    )
    if not ok:
        return
    problems = [p for entry in entries for p in standby_problems(found.get(entry["name"]), entry, floor)]
    evidence = {
        name: {
            "scaling": sizes.current(nodegroup),
            "tags": {k: v for k, v in (nodegroup.get("tags") or {}).items() if k == sizes.SIZE_TAG},
        }
        for name, nodegroup in found.items()
    }
    checks.expect(
        "nodegroups_standby",
        not problems,
        "; ".join(problems)
        or f"{len(entries)} node group(s) in standby (at most {floor} nodes) with a size to wake to",
        PROVISION,
        evidence,
    )


def check_primary(ctx, checks, entries):
    if not ctx.primary_reachable:
        checks.skipped_primary("primary_nodegroups")
        return
    cluster = ctx.options.get("primary_cluster")
    names = [e["primary_name"] for e in entries if e.get("primary_name")]
    ok, found = checks.read(
        "primary_nodegroups",
        f"the node groups of EKS cluster {cluster} in {ctx.primary_region}",
        read_nodegroups,
        ctx.primary_client("eks"),
        cluster,
        names,
        ctx.primary_region,
        side="primary",
    )
    if not ok:
        return
    missing = [name for name in names if name not in found]
    checks.expect(
        "primary_nodegroups",
        not missing,
        f"primary node group(s) {', '.join(missing)} not found in {cluster} in {ctx.primary_region}"
        if missing
        else f"{len(names)} primary node group(s) found in {cluster} in {ctx.primary_region} (fencing can scale them)",
        "set primary_name of each entry of dr_eks_nodegroups to the primary's node group",
        {name: sizes.current(nodegroup) for name, nodegroup in found.items()},
        side="primary",
    )


def check_app_config(ctx, checks):
    data = ctx.options.get("configmap_data") or {}
    if not data:
        checks.passed("app_config", "no DR ConfigMap to switch (dr_eks_configmap_data is empty)")
        return
    empty = sorted(key for key, value in data.items() if value in (None, ""))
    checks.expect(
        "app_config",
        not empty,
        f"DR ConfigMap values without a value: {', '.join(empty)}"
        if empty
        else f"{len(data)} DR ConfigMap value(s) known",
        "give every value of dr_eks_configmap_data (the DR Cognito pool and client come from dr_identity, the database "
        "endpoint from dr_rds)",
        {"keys": sorted(data)},
    )


def check(ctx):
    checks = Checks(COMPONENT)
    entries = list(ctx.options.get("nodegroups") or [])
    cluster_ok = check_cluster(ctx, checks)
    check_nodegroups(ctx, checks, entries, cluster_ok)
    check_primary(ctx, checks, entries)
    check_app_config(ctx, checks)
    return checks.results
