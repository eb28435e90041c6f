# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Origin failover planning for cloudfront_origin_group and the cdn readiness checks: pure functions.

They turn a ``DistributionConfig`` and the wanted origins/group/targets into a new config plus the
list of changes, so check mode, diff, the real update and the readiness check share one computation.
"""

import copy
import re

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

FAILOVER_STATUS_CODES = [400, 403, 404, 416, 500, 502, 503, 504]
DEFAULT_STATUS_CODES = [500, 502, 503, 504]
GROUP_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEFAULT_BEHAVIOR = "default"
# bucket.s3.region.amazonaws.com, bucket.s3.amazonaws.com, bucket.s3-region.amazonaws.com (not website endpoints)
S3_REST_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.s3(?:[.-](?!website)[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")


# -- lists as CloudFront writes them -----------------------------------------------------------------------
def items(container):
    return list((container or {}).get("Items") or [])


def cf_list(values):
    values = list(values)
    return {"Quantity": len(values), "Items": values} if values else {"Quantity": 0}


# -- origins --------------------------------------------------------------------------------------------------
def origin_kind(domain_name, origin_type="auto"):
    if origin_type != "auto":
        return origin_type
    return "s3" if S3_REST_RE.match((domain_name or "").lower()) else "custom"


def kind_of(origin):
    if origin.get("S3OriginConfig") is not None:
        return "s3"
    if origin.get("CustomOriginConfig") is not None:
        return "custom"
    return "vpc" if origin.get("VpcOriginConfig") is not None else None


def wanted_origin(spec, existing):
    """The origin ``spec`` asks for, starting from the existing origin so that unmanaged settings stay."""
    origin = (
        copy.deepcopy(existing)
        if existing
        else {
            "Id": spec["id"],
            "DomainName": spec["domain_name"],
            "OriginPath": "",
            "CustomHeaders": {"Quantity": 0},
            "ConnectionAttempts": 3,
            "ConnectionTimeout": 10,
            "OriginShield": {"Enabled": False},
        }
    )
    origin["DomainName"] = spec["domain_name"]
    if spec.get("origin_path") is not None:
        origin["OriginPath"] = spec["origin_path"]
    kind = origin_kind(spec["domain_name"], spec.get("origin_type") or "auto")
    if kind == "s3":
        origin.pop("CustomOriginConfig", None)
        origin.pop("VpcOriginConfig", None)
        origin.setdefault("S3OriginConfig", {"OriginAccessIdentity": ""})
        if spec.get("origin_access_control_id") is not None:
            origin["OriginAccessControlId"] = spec["origin_access_control_id"]
            if spec["origin_access_control_id"]:  # CloudFront refuses an origin with both an OAC and an OAI
                origin["S3OriginConfig"] = dict(origin["S3OriginConfig"], OriginAccessIdentity="")
    else:
        origin.pop("S3OriginConfig", None)
        origin.pop("VpcOriginConfig", None)
        if spec.get("origin_access_control_id") is not None:
            origin["OriginAccessControlId"] = spec["origin_access_control_id"]
        custom = origin.setdefault(
            "CustomOriginConfig",
            {
                "HTTPPort": 80,
                "HTTPSPort": 443,
                "OriginProtocolPolicy": "https-only",
                "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                "OriginReadTimeout": 30,
                "OriginKeepaliveTimeout": 5,
            },
        )
        if spec.get("origin_protocol_policy"):
            custom["OriginProtocolPolicy"] = spec["origin_protocol_policy"]
    return origin


def origin_view(origin):
    if origin is None:
        return None
    view = {
        "id": origin["Id"],
        "domain_name": origin.get("DomainName"),
        "origin_path": origin.get("OriginPath", ""),
        "type": kind_of(origin),
    }
    if origin.get("OriginAccessControlId"):
        view["origin_access_control_id"] = origin["OriginAccessControlId"]
    if origin.get("CustomOriginConfig"):
        view["origin_protocol_policy"] = origin["CustomOriginConfig"].get("OriginProtocolPolicy")
    return view


# -- the origin group ---------------------------------------------------------------------------------------
def wanted_group(group_id, primary, secondary, status_codes, existing):
    group = copy.deepcopy(existing) if existing else {"Id": group_id}
    group["FailoverCriteria"] = {"StatusCodes": cf_list(sorted(set(int(c) for c in status_codes)))}
    group["Members"] = cf_list([{"OriginId": primary}, {"OriginId": secondary}])
    return group


def group_view(group):
    if group is None:
        return None
    members = [m["OriginId"] for m in items(group.get("Members"))]
    codes = items((group.get("FailoverCriteria") or {}).get("StatusCodes"))
    return {
        "id": group["Id"],
        "primary": members[0] if members else None,
        "secondary": members[1] if len(members) > 1 else None,
        "members": members,
        "failover_status_codes": sorted(int(c) for c in codes),
    }


def same_group(a, b):
    return group_view(a) == group_view(b) and (a or {}).get("SelectionCriteria") == (b or {}).get("SelectionCriteria")


# -- cache behaviors ------------------------------------------------------------------------------------------
def behaviors(config):
    """[(name, behavior)]: ``default`` then each path pattern."""
    found = [(DEFAULT_BEHAVIOR, config.get("DefaultCacheBehavior") or {})]
    found += [(b.get("PathPattern"), b) for b in items(config.get("CacheBehaviors"))]
    return found


def targets_of(config, target_id):
    return [name for name, behavior in behaviors(config) if behavior.get("TargetOriginId") == target_id]


def methods_of(behavior):
    allowed = behavior.get("AllowedMethods")
    if not allowed:
        return {"GET", "HEAD"}
    return {m.upper() for m in items(allowed)}


# -- planning -------------------------------------------------------------------------------------------------
def validate(params):
    """Input problems that need no AWS call."""
    origins = params["origins"]
    ids = [o["id"] for o in origins]
    if params["state"] == "present":
        if len(origins) != 2 or len(set(ids)) != 2:
            raise DRError(f"origins must name exactly two different origins (primary and secondary), got {ids}")
        if params["origin_group_id"] in ids:
            raise DRError(
                f"origin_group_id {params['origin_group_id']} is also an origin id: give the group its own id"
            )
        if params["primary"] and params["primary"] not in ids:
            raise DRError(f"primary {params['primary']} is not one of the origins {ids}")
        bad = sorted(set(params["failover_status_codes"]) - set(FAILOVER_STATUS_CODES))
        if bad or not params["failover_status_codes"]:
            raise DRError(
                f"failover_status_codes must be a non-empty list of {FAILOVER_STATUS_CODES}, got "
                f"{params['failover_status_codes']}"
            )
    elif params["primary"] and origins and params["primary"] not in ids:
        raise DRError(f"primary {params['primary']} is not one of the origins {ids}")


def choose_primary(primary, ids, existing_group):
    """The primary asked for; else the group's current primary (a re-run never swaps back); else the first."""
    if primary:
        return primary
    current = (group_view(existing_group) or {}).get("primary")
    return current if current in ids else ids[0]


def plan_present(config, params):
    """(new config, changes) for state=present; DRError for anything AWS would refuse."""
    new = copy.deepcopy(config)
    changes = []
    group_id = params["origin_group_id"]
    origin_items = items(new.get("Origins"))
    by_id = {o["Id"]: o for o in origin_items}
    group_ids = [g["Id"] for g in items(new.get("OriginGroups"))]
    if group_id in by_id:
        raise DRError(
            f"origin_group_id {group_id} is already the id of an origin of the distribution: choose "
            "another id for the group"
        )
    for spec in params["origins"]:
        if spec["id"] in group_ids:
            raise DRError(f"origin id {spec['id']} is the id of an origin group of the distribution")
        existing = by_id.get(spec["id"])
        if not spec.get("domain_name"):
            if existing is None:
                raise DRError(
                    f"origin {spec['id']} does not exist on the distribution: give its domain_name "
                    "(for example the S3 bucket's regional endpoint) to create it"
                )
            continue
        wanted = wanted_origin(spec, existing)
        if existing is None:
            origin_items.append(wanted)
            changes.append(f"origin {spec['id']} added ({spec['domain_name']})")
        elif wanted != existing:
            origin_items[origin_items.index(existing)] = wanted
            changes.append(f"origin {spec['id']} updated ({spec['domain_name']})")
    new["Origins"] = cf_list(origin_items)

    ids = [o["id"] for o in params["origins"]]
    groups = items(new.get("OriginGroups"))
    existing_group = next((g for g in groups if g["Id"] == group_id), None)
    primary = choose_primary(params["primary"], ids, existing_group)
    secondary = ids[1] if primary == ids[0] else ids[0]
    group = wanted_group(group_id, primary, secondary, params["failover_status_codes"], existing_group)
    if existing_group is None:
        groups.append(group)
        changes.append(f"origin group {group_id} added (primary {primary}, secondary {secondary})")
    elif not same_group(existing_group, group):
        before, after = group_view(existing_group), group_view(group)
        if before["members"] != after["members"]:
            changes.append(
                f"origin group {group_id}: primary {before['primary']} -> {after['primary']}, "
                f"secondary {before['secondary']} -> {after['secondary']}"
            )
        if before["failover_status_codes"] != after["failover_status_codes"]:
            changes.append(
                f"origin group {group_id}: failover status codes {before['failover_status_codes']} -> "
                f"{after['failover_status_codes']}"
            )
        groups[groups.index(existing_group)] = group
    new["OriginGroups"] = cf_list(groups)

    wanted_targets = [DEFAULT_BEHAVIOR] if params["target_default_cache_behavior"] else []
    wanted_targets += list(params["target_path_patterns"])
    found = dict(behaviors(new))
    missing = [p for p in wanted_targets if p not in found]
    if missing:
        patterns = [name for name, _dummy in behaviors(new) if name != DEFAULT_BEHAVIOR]
        raise DRError(
            f"no cache behavior with path pattern {', '.join(missing)} on the distribution (it has "
            f"{patterns or 'none'}): create the behavior first or fix target_path_patterns"
        )
    for name in wanted_targets:
        behavior = found[name]
        if behavior.get("TargetOriginId") == group_id:
            continue
        unsafe = sorted(methods_of(behavior) - GROUP_SAFE_METHODS)
        if unsafe:
            what = "the default cache behavior" if name == DEFAULT_BEHAVIOR else f"cache behavior {name}"
            raise DRError(
                f"{what} allows {', '.join(unsafe)}: CloudFront refuses an origin group as the target of a "
                "behavior that allows POST, PUT, PATCH or DELETE. Restrict its AllowedMethods to GET, HEAD "
                "(and OPTIONS), or target a read-only path pattern with target_path_patterns"
            )
        changes.append(
            f"{'default cache behavior' if name == DEFAULT_BEHAVIOR else 'cache behavior ' + name}: "
            f"target {behavior.get('TargetOriginId')} -> {group_id}"
        )
        behavior["TargetOriginId"] = group_id
    return new, changes


def plan_absent(config, params):
    """(new config, changes) for state=absent: the group goes, its behaviors go back to one origin."""
    new = copy.deepcopy(config)
    group_id = params["origin_group_id"]
    groups = items(new.get("OriginGroups"))
    group = next((g for g in groups if g["Id"] == group_id), None)
    if group is None:
        return new, []
    members = [m["OriginId"] for m in items(group.get("Members"))]
    fallback = params["primary"] or members[0]
    if fallback not in members:
        raise DRError(f"primary {fallback} is not a member of origin group {group_id} ({members})")
    changes = [f"origin group {group_id} removed"]
    for name, behavior in behaviors(new):
        if behavior.get("TargetOriginId") == group_id:
            behavior["TargetOriginId"] = fallback
            label = "default cache behavior" if name == DEFAULT_BEHAVIOR else f"cache behavior {name}"
            changes.append(f"{label}: target {group_id} -> {fallback}")
    groups.remove(group)
    new["OriginGroups"] = cf_list(groups)
    return new, changes


def state_view(config, group_id, origin_ids):
    """What the module manages, for results and diffs."""
    if config is None:
        return None
    group = next((g for g in items(config.get("OriginGroups")) if g["Id"] == group_id), None)
    by_id = {o["Id"]: o for o in items(config.get("Origins"))}
    ids = list(origin_ids) or (group_view(group) or {}).get("members", [])
    return {
        "origin_group": group_view(group),
        "origins": [origin_view(by_id.get(i)) for i in ids if by_id.get(i)],
        "targets": targets_of(config, group_id),
    }


def distribution_view(distribution, etag):
    """The ``distribution`` result of the module, from GetDistribution."""
    config = distribution.get("DistributionConfig") or {}
    return {
        "id": distribution["Id"],
        "arn": distribution.get("ARN"),
        "domain_name": distribution.get("DomainName"),
        "status": distribution.get("Status"),
        "etag": etag,
        "aliases": items(config.get("Aliases")),
    }
