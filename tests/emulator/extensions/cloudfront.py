"""CloudFront distributions with origin groups, ETags and deployment, as AWS does it.

moto stores ``OriginGroups`` but refuses a cache behavior that targets one (``NoSuchOrigin``),
never validates the groups, drops ``S3OriginConfig`` when it returns a distribution, ignores the
``If-Match`` value and never changes the ETag, and reports ``Deployed`` right after an update.
This extension:

* validates origin groups as AWS does: exactly two members that are origins of the distribution,
  failover status codes from 400, 403, 404, 416, 500, 502, 503, 504, ids unique among origins and
  groups, ``Quantity`` equal to the number of ``Items`` (``InconsistentQuantities``);
* lets the default cache behavior and the path-pattern behaviors target an origin group (and checks
  that every target exists), refusing POST/PUT/PATCH/DELETE in ``AllowedMethods`` for a behavior
  that targets a group (``InvalidArgument``, as AWS);
* requires exactly one of ``S3OriginConfig`` and ``CustomOriginConfig`` per origin, and returns
  ``S3OriginConfig`` as it was given;
* gives the distribution a new ETag on every update; ``UpdateDistribution`` and
  ``DeleteDistribution`` with an ``If-Match`` that is not the current ETag fail with
  ``PreconditionFailed`` (HTTP 412); deleting an enabled distribution fails with
  ``DistributionNotDisabled``;
* shows ``InProgress`` for ``cloudfront_deploy`` seconds after a create or update, then
  ``Deployed``;
* refuses an origin whose ``OriginAccessControlId`` names no origin access control
  (``InvalidOriginAccessControl``) or that has both an OAC and an origin access identity
  (``IllegalOriginAccessConfiguration``): moto stores any id, so a wrong one would pass here and
  leave the DR bucket unreadable (403) on AWS.
"""

import threading

from moto.core.exceptions import ServiceException

from ..core import SCHEDULER
from ..core import STATE
from ..core import patch

DESCRIPTION = (
    "CloudFront: origin groups validated and usable as cache behavior targets, S3OriginConfig kept, "
    "ETag/If-Match on update and delete, InProgress then Deployed, origin access controls that must exist"
)

FAILOVER_STATUS_CODES = {400, 403, 404, 416, 500, 502, 503, 504}
GROUP_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_lock = threading.Lock()


class CloudFrontError(ServiceException):
    """An AWS-shaped CloudFront error (its status code comes from botocore's model of the code)."""


def _error(code, message):
    return CloudFrontError(code, message)


def _items(container, what):
    """``Items`` of a CloudFront list, checking ``Quantity`` as AWS does."""
    if not container:
        return []
    items = container.get("Items") or []
    if not isinstance(items, list):
        items = [items]
    quantity = container.get("Quantity")
    if quantity is not None and int(quantity) != len(items):
        raise _error(
            "InconsistentQuantities",
            f"The value of Quantity and the size of Items don't match ({what}: Quantity {quantity}, "
            f"{len(items)} items).",
        )
    return items


def _methods(behavior):
    allowed = behavior.get("AllowedMethods") or {}
    return {m.upper() for m in (allowed.get("Items") or [])}


def validate_distribution_config(config):
    """Raise the error AWS would for origin groups and cache behavior targets; return the group ids."""
    origins = _items(config.get("Origins"), "Origins")
    origin_ids = [origin.get("Id") for origin in origins]
    for origin in origins:
        kinds = [k for k in ("S3OriginConfig", "CustomOriginConfig", "VpcOriginConfig") if origin.get(k) is not None]
        if len(kinds) != 1:
            raise _error(
                "InvalidArgument",
                f"Exactly one of CustomOriginConfig, VpcOriginConfig and S3OriginConfig must be specified "
                f"(origin {origin.get('Id')!r}).",
            )
    groups = _items(config.get("OriginGroups"), "OriginGroups")
    group_ids = []
    for group in groups:
        group_id = group.get("Id")
        if not group_id or group_id in origin_ids or group_id in group_ids:
            raise _error(
                "InvalidArgument",
                f"The origin group ID {group_id!r} must be unique among the origins and origin groups.",
            )
        group_ids.append(group_id)
        members = _items(group.get("Members"), f"origin group {group_id} Members")
        member_ids = [m.get("OriginId") for m in members]
        if len(member_ids) != 2 or len(set(member_ids)) != 2:
            raise _error("InvalidArgument", f"Origin group {group_id} must have exactly two different member origins.")
        for member in member_ids:
            if member not in origin_ids:
                raise _error(
                    "NoSuchOrigin",
                    f"One or more of your origins or origin groups do not exist (origin group {group_id} "
                    f"member {member!r}).",
                )
        codes = _items((group.get("FailoverCriteria") or {}).get("StatusCodes"), f"origin group {group_id} StatusCodes")
        if not codes:
            raise _error("InvalidArgument", f"Origin group {group_id} needs at least one failover status code.")
        for code in codes:
            if int(code) not in FAILOVER_STATUS_CODES:
                raise _error(
                    "InvalidArgument",
                    f"The status code {code} is not valid for origin group failover; use "
                    f"{', '.join(str(c) for c in sorted(FAILOVER_STATUS_CODES))}.",
                )
    behaviors = [config.get("DefaultCacheBehavior") or {}]
    behaviors += _items(config.get("CacheBehaviors"), "CacheBehaviors")
    for behavior in behaviors:
        target = behavior.get("TargetOriginId")
        if target not in origin_ids and target not in group_ids:
            raise _error("NoSuchOrigin", "One or more of your origins or origin groups do not exist.")
        if target in group_ids and _methods(behavior) - GROUP_SAFE_METHODS:
            raise _error(
                "InvalidArgument",
                "The parameter AllowedMethods cannot include POST, PUT, PATCH, or DELETE for a cached "
                "behavior associated with an origin group.",
            )
    return group_ids


def _make_config_init(original_init):
    def __init__(self, config):
        group_ids = validate_distribution_config(config)
        default = config.get("DefaultCacheBehavior") or {}
        target = default.get("TargetOriginId")
        origin_items = (config.get("Origins") or {}).get("Items") or []
        swapped = target in group_ids and origin_items
        if swapped:  # moto only knows origins as targets: give it one, then put the group back
            default["TargetOriginId"] = origin_items[0]["Id"]
        try:
            original_init(self, config)
        finally:
            if swapped:
                default["TargetOriginId"] = target
        if swapped:
            self.DefaultCacheBehavior.target_origin_id = target

    return __init__


def _make_origin_init(original_init):
    def __init__(self, origin):
        s3_config = origin.get("S3OriginConfig")
        original_init(self, origin)
        if s3_config is not None:
            self.s3_origin_config = {"OriginAccessIdentity": s3_config.get("OriginAccessIdentity") or ""}
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

    return __init__


def _status_get(self):
    return "InProgress" if getattr(self, "_pl_in_progress", 0) else "Deployed"


def _status_set(self, value):
    self._pl_in_progress = 1 if value == "InProgress" else 0


def _start_deployment(dist):
    from moto.core.utils import utcnow

    with _lock:
        generation = getattr(dist, "_pl_generation", 0) + 1
        dist._pl_generation = generation
        dist._pl_in_progress = 1
        dist.last_modified_time = utcnow()
    SCHEDULER.call_later(STATE.delay("cloudfront_deploy"), _deployed, dist, generation, name="cloudfront-deploy")


def _deployed(dist, generation):
    with _lock:
        if getattr(dist, "_pl_generation", 0) == generation:
            dist._pl_in_progress = 0


def _new_etag():
    from moto.cloudfront.models import random_id

    return random_id()


def _check_if_match(dist, if_match):
    from moto.cloudfront.exceptions import InvalidIfMatchVersion

    if not if_match:
        raise InvalidIfMatchVersion
    if if_match != dist.etag:
        raise _error(
            "PreconditionFailed",
            "The request failed because it didn't meet the preconditions in one or more request-header "
            f"fields (If-Match {if_match} is not the current ETag of distribution {dist.distribution_id}).",
        )


def validate_origin_access(backend, config):
    """Raise the error AWS would for an origin's access control (OAC) or its clash with an OAI."""
    for origin in _items(config.get("Origins"), "Origins"):
        control_id = origin.get("OriginAccessControlId") or ""
        if not control_id:
            continue
        if control_id not in backend.origin_access_controls:
            raise _error(
                "InvalidOriginAccessControl",
                f"The origin access control is not valid (origin {origin.get('Id')!r}: no origin access "
                f"control {control_id}).",
            )
        if ((origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or "").strip():
            raise _error(
                "IllegalOriginAccessConfiguration",
                f"An origin cannot contain both an origin access control (OAC) and an origin access identity "
                f"(OAI) (origin {origin.get('Id')!r}).",
            )


def _make_create(original_create):
    def create_distribution_with_tags(self, distribution_config, tags):
        validate_origin_access(self, distribution_config)
        dist, location, etag = original_create(self, distribution_config, tags)
        _start_deployment(dist)
        return dist, location, etag

    return create_distribution_with_tags


def _make_update(original_update):
    def update_distribution(self, dist_config, _id, if_match):
        from moto.cloudfront.exceptions import NoSuchDistribution

        dist = self.distributions.get(_id)
        if dist is None:
            raise NoSuchDistribution
        with _lock:
            _check_if_match(dist, if_match)
            caller_reference = dist.distribution_config.caller_reference
            if dist_config and dist_config.get("CallerReference") not in (None, caller_reference):
                raise _error("IllegalUpdate", "The CallerReference of a distribution cannot be changed.")
            validate_origin_access(self, dist_config or {})
            dist, location, _etag = original_update(self, dist_config, _id, if_match)
            dist.etag = _new_etag()
        _start_deployment(dist)
        return dist, location, dist.etag

    return update_distribution


def _make_delete(original_delete):
    def delete_distribution(self, distribution_id, if_match):
        from moto.cloudfront.exceptions import NoSuchDistribution

        dist = self.distributions.get(distribution_id)
        if dist is None:
            raise NoSuchDistribution
        _check_if_match(dist, if_match)
        if dist.distribution_config.Enabled or getattr(dist, "_pl_in_progress", 0):
            raise _error(
                "DistributionNotDisabled",
                "The distribution you are trying to delete has not been disabled (disable it, wait until "
                "it is Deployed, then delete it with the new ETag).",
            )
        original_delete(self, distribution_id, if_match)

    return delete_distribution


def install():
    from moto.cloudfront.models import CloudFrontBackend
    from moto.cloudfront.models import Distribution
    from moto.cloudfront.models import DistributionConfig
    from moto.cloudfront.models import Origin

    STATE.register_latency(
        "cloudfront_deploy",
        0.3,
        "seconds a CloudFront distribution stays InProgress after a create or update before it is Deployed",
    )
    patch(DistributionConfig, "__init__", _make_config_init(DistributionConfig.__init__))
    patch(Origin, "__init__", _make_origin_init(Origin.__init__))
    patch(Distribution, "status", property(_status_get, _status_set))
    patch(
        CloudFrontBackend,
        "create_distribution_with_tags",
        _make_create(CloudFrontBackend.create_distribution_with_tags),
    )
    patch(CloudFrontBackend, "update_distribution", _make_update(CloudFrontBackend.update_distribution))
    patch(CloudFrontBackend, "delete_distribution", _make_delete(CloudFrontBackend.delete_distribution))
