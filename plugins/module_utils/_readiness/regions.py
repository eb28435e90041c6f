# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The runbook's own readiness check: are both regions active (split brain)?

After an ungraceful failover the primary comes back as it was: its Auto Scaling groups, ECS services
and EKS node groups at their old size while DR serves. ``both_regions_active`` (primary side) says so,
first in the readiness table:

* DR is active when the recovery-mode parameter ``<recovery_parameter_path>/recovery_mode`` reads
  ``true`` in the DR region: the parameter the failover writes (roles/dr_runbook/tasks/_recovery_mode.yml)
  and failback reads to decide whether anything was failed over;
* the primary's writers are those that fence stops (failback's "both regions active" is the same
  test on fence's results): groups with a desired capacity, services with a desired count, node groups
  above the standby size;
* fail when DR is active and a primary writer has capacity; not checked when the primary is not to be
  called or a read failed; pass otherwise. With recovery mode off the primary is not called.

Options: ``recovery_parameter_path`` and ``components``, the readiness specs of the compute, ecs and
eks components (their ``primary_asg_names``; ``primary_cluster`` with ``services`` or ``nodegroups``
entries that have a ``primary_name``; eks's ``standby_size``).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._autoscaling import groups as asg
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import services as ecs_services
from ansible_collections.pilotlight.dr.plugins.module_utils._eks import nodegroups as eks_nodegroups
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "runbook"
CHECK = "both_regions_active"
FIX = (
    "run playbooks/failback.yml: it fences the returning primary's writers first (their capacity is "
    "recorded and restored once the data is back), then fails back"
)


# -- reads -------------------------------------------------------------------------------------------
@DRErrorHandler.reader("read the recovery-mode parameter {1} in {2}")
def read_parameter(client, name, region):
    """The parameter's value, None when it does not exist (GetParameters: the readiness policy's SSM read)."""
    found = client.get_parameters(Names=[name], aws_retry=True).get("Parameters", [])
    return found[0]["Value"] if found else None


@DRErrorHandler.reader("read the Auto Scaling groups {1} in {2}")
def read_groups(client, names, region):
    return asg.describe_groups(client, names)


@DRErrorHandler.reader("read the ECS services of cluster {1} in {3}")
def read_services(client, cluster, names, region):
    return ecs_services.describe_services(client, cluster, names)


@DRErrorHandler.reader("read the node groups of EKS cluster {1} in {3}")
def read_nodegroups(client, cluster, names, region):
    return eks_nodegroups.describe_nodegroups(client, cluster, names)


# -- pure logic ----------------------------------------------------------------------------------------
def recovery_parameter(options):
    return f"{str(options.get('recovery_parameter_path') or '').rstrip('/')}/recovery_mode"


def primary_writers(specs):
    """[(kind, cluster, names, floor)] of the primary writers named in the compute, ecs and eks specs."""
    out = []
    for spec in specs or []:
        options = spec.get("options") or {}
        if spec.get("name") == "compute" and options.get("primary_asg_names"):
            out.append(("asg", None, list(options["primary_asg_names"]), 0))
        elif spec.get("name") in ("ecs", "eks"):
            entries = options.get("services" if spec["name"] == "ecs" else "nodegroups") or []
            names = [entry["primary_name"] for entry in entries if entry.get("primary_name")]
            floor = int(options.get("standby_size") or 0) if spec["name"] == "eks" else 0
            if names:
                out.append((spec["name"], options.get("primary_cluster"), names, floor))
    return out


def sizes(kind, found):
    """{name: desired size} of what a read found."""
    if kind == "asg":
        return {name: group.get("DesiredCapacity", 0) for name, group in found.items()}
    if kind == "ecs":
        return {name: service.get("desiredCount", 0) for name, service in found.items()}
    return {name: (group.get("scalingConfig") or {}).get("desiredSize", 0) for name, group in found.items()}


def label(kind, cluster, name):
    return name if kind == "asg" else f"{cluster}/{name}"


# -- the check -----------------------------------------------------------------------------------------
def check(ctx):
    checks = Checks(COMPONENT, side="primary")
    region, primary = ctx.region, ctx.primary_region
    parameter = recovery_parameter(ctx.options)
    ok, value = checks.read(
        CHECK,
        f"the recovery-mode parameter {parameter} in {region}",
        read_parameter,
        ctx.client("ssm"),
        parameter,
        region,
    )
    if not ok:
        return checks.results
    if value != "true":
        checks.passed(CHECK, f"DR is not active (recovery mode is off in {region})", {"recovery_mode": value})
        return checks.results
    if not ctx.primary_reachable:
        checks.not_checked(
            CHECK,
            f"DR is active (recovery mode on in {region}); whether the writers of {primary} run again needs "
            f"{primary}, which is not called (primary_reachable=false)",
        )
        return checks.results
    readers = {"asg": read_groups, "ecs": read_services, "eks": read_nodegroups}
    services = {"asg": "autoscaling", "ecs": "ecs", "eks": "eks"}
    active, evidence = [], {}
    for kind, cluster, names, floor in primary_writers(ctx.options.get("components")):
        args = [names, primary] if kind == "asg" else [cluster, names, primary]
        what = f"the {'Auto Scaling groups' if kind == 'asg' else kind.upper() + ' writers'} of {primary}"
        ok, found = checks.read(CHECK, what, readers[kind], ctx.primary_client(services[kind]), *args)
        if not ok:
            return checks.results
        for name, desired in sizes(kind, found).items():
            evidence[label(kind, cluster, name)] = desired
            if desired > floor:
                active.append(f"{label(kind, cluster, name)} (desired {desired})")
    if active:
        checks.failed(
            CHECK,
            f"BOTH REGIONS ACTIVE: {', '.join(active)} in {primary} while DR is active (recovery mode on in {region})",
            FIX,
            evidence,
        )
    else:
        checks.passed(
            CHECK,
            f"DR is active and the primary's writers are stopped in {primary}"
            + (f": {', '.join(f'{n} desired {d}' for n, d in evidence.items())}" if evidence else " (none declared)"),
            evidence,
        )
    return checks.results
