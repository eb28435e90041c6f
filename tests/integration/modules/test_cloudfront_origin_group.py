"""pilotlight.dr.cloudfront_origin_group against the emulator (origin groups, ETag/If-Match, deployment)."""

import json
import time

import boto3
import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import distributions

SEOUL = "ap-northeast-2"
SEOUL_BUCKET = "portforge-front.s3.ap-northeast-2.amazonaws.com"
TOKYO_BUCKET = "portforge-front-dr.s3.ap-northeast-1.amazonaws.com"
GROUP = "portforge-front-failover"
ORIGINS = [
    {"id": "portforge-front-seoul", "domain_name": SEOUL_BUCKET},
    {"id": "portforge-front-tokyo", "domain_name": TOKYO_BUCKET},
]
BASE = {"alias": "www.portforge.org", "origin_group_id": GROUP, "origins": ORIGINS}
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]


def _cf():
    return boto3.client("cloudfront", region_name="us-east-1")


def _behavior(target, methods=("GET", "HEAD"), path=None):
    behavior = {
        "TargetOriginId": target,
        "ViewerProtocolPolicy": "redirect-to-https",
        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        "AllowedMethods": {
            "Quantity": len(methods),
            "Items": list(methods),
            "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
        },
    }
    if path:
        behavior["PathPattern"] = path
    return behavior


def _distribution(alias="www.portforge.org", comment="portforge-front", default_methods=("GET", "HEAD")):
    config = {
        "CallerReference": f"{alias}-{time.time()}",
        "Comment": comment,
        "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": [alias]},
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "portforge-front-seoul",
                    "DomainName": SEOUL_BUCKET,
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": _behavior("portforge-front-seoul", default_methods),
        "CacheBehaviors": {
            "Quantity": 2,
            "Items": [
                _behavior("portforge-front-seoul", ALL_METHODS, "/api/*"),
                _behavior("portforge-front-seoul", ("GET", "HEAD"), "/static/*"),
            ],
        },
    }
    return _cf().create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def _config(dist_id):
    return _cf().get_distribution_config(Id=dist_id)["DistributionConfig"]


@pytest.fixture
def dist(emulator):
    dist_id = _distribution()
    emulator.settle()
    return dist_id


def test_check_mode_predicts_and_changes_nothing(emulator, run_module, dist):
    before = _config(dist)
    since = emulator.last_seq()
    result = run_module("cloudfront_origin_group", BASE, check=True, diff=True)
    assert result.changed and not result.failed, result
    assert result["origin_group"] == {
        "id": GROUP,
        "primary": "portforge-front-seoul",
        "secondary": "portforge-front-tokyo",
        "members": ["portforge-front-seoul", "portforge-front-tokyo"],
        "failover_status_codes": [500, 502, 503, 504],
    }
    assert result["targets"] == ["default"]
    assert result["changes"][0] == f"origin portforge-front-tokyo added ({TOKYO_BUCKET})"
    assert result["diff"]["before"]["origin_group"] is None
    assert emulator.mutating_calls(since=since) == []
    assert _config(dist) == before


def test_apply_then_rerun_changes_nothing(emulator, run_module, dist):
    result = run_module("cloudfront_origin_group", BASE, diff=True)
    assert result.changed and result["distribution"]["status"] == "Deployed", result
    config = _config(dist)
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == GROUP
    assert [o["Id"] for o in config["Origins"]["Items"]] == ["portforge-front-seoul", "portforge-front-tokyo"]
    assert config["Origins"]["Items"][1]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    group = config["OriginGroups"]["Items"][0]
    assert [m["OriginId"] for m in group["Members"]["Items"]] == ["portforge-front-seoul", "portforge-front-tokyo"]
    assert [b["TargetOriginId"] for b in config["CacheBehaviors"]["Items"]] == ["portforge-front-seoul"] * 2
    assert result["diff"]["after"]["targets"] == ["default"]
    assert result["distribution"]["etag"] == _cf().get_distribution(Id=dist)["ETag"]

    since = emulator.last_seq()
    again = run_module("cloudfront_origin_group", BASE)
    assert not again.changed and again["changes"] == []
    assert emulator.mutating_calls(since=since) == []


def test_failover_and_failback_swap_primary(emulator, run_module, dist):
    run_module("cloudfront_origin_group", BASE)
    ids = [{"id": "portforge-front-seoul"}, {"id": "portforge-front-tokyo"}]
    failover = run_module(
        "cloudfront_origin_group", dict(BASE, origins=ids, primary="portforge-front-tokyo"), diff=True
    )
    assert failover.changed and failover["origin_group"]["primary"] == "portforge-front-tokyo"
    assert failover["diff"]["before"]["origin_group"]["primary"] == "portforge-front-seoul"
    assert failover["changes"] == [
        f"origin group {GROUP}: primary portforge-front-seoul -> portforge-front-tokyo, "
        "secondary portforge-front-tokyo -> portforge-front-seoul"
    ]
    members = _config(dist)["OriginGroups"]["Items"][0]["Members"]["Items"]
    assert [m["OriginId"] for m in members] == ["portforge-front-tokyo", "portforge-front-seoul"]
    assert not run_module("cloudfront_origin_group", dict(BASE, origins=ids, primary="portforge-front-tokyo")).changed
    # Re-running the provisioning task (no primary) during the outage keeps Tokyo primary.
    kept = run_module("cloudfront_origin_group", BASE)
    assert not kept.changed and kept["origin_group"]["primary"] == "portforge-front-tokyo"
    failback = run_module("cloudfront_origin_group", dict(BASE, origins=ids, primary="portforge-front-seoul"))
    assert failback.changed and failback["origin_group"]["primary"] == "portforge-front-seoul"


def test_failover_with_the_primary_region_down(emulator, run_module, dist):
    run_module("cloudfront_origin_group", BASE)
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module(
        "cloudfront_origin_group",
        dict(BASE, primary="portforge-front-tokyo", failover_status_codes=[403, 404, 500, 502, 503, 504]),
    )
    assert result.changed and result["origin_group"]["failover_status_codes"] == [403, 404, 500, 502, 503, 504]
    assert emulator.calls(since=since, region=SEOUL) == []
    assert {c["region"] for c in emulator.calls(since=since)} == {"us-east-1"}


def test_wait_false_then_wait_true(emulator, run_module, dist):
    emulator.configure(latency={"cloudfront_deploy": 30})
    started = run_module("cloudfront_origin_group", dict(BASE, wait=False))
    assert started.changed and started["distribution"]["status"] == "InProgress"
    emulator.configure(latency={"cloudfront_deploy": 0.3})
    emulator.settle()
    since = emulator.last_seq()
    waited = run_module("cloudfront_origin_group", dict(BASE, wait=True, wait_timeout=30))
    assert not waited.changed and waited["distribution"]["status"] == "Deployed"
    assert emulator.mutating_calls(since=since) == []


def test_wait_timeout_names_the_distribution(emulator, run_module, dist):
    emulator.configure(latency={"cloudfront_deploy": 60})
    result = run_module("cloudfront_origin_group", dict(BASE, wait_timeout=2))
    assert result.failed and f"waiting for CloudFront distribution {dist} to be Deployed" in result["msg"]


def test_path_pattern_target_and_absent(emulator, run_module, dist):
    args = dict(BASE, target_default_cache_behavior=False, target_path_patterns=["/static/*"])
    result = run_module("cloudfront_origin_group", args)
    assert result.changed and result["targets"] == ["/static/*"]
    config = _config(dist)
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "portforge-front-seoul"
    assert config["CacheBehaviors"]["Items"][1]["TargetOriginId"] == GROUP

    absent = {"distribution_id": dist, "origin_group_id": GROUP, "state": "absent"}
    removed = run_module("cloudfront_origin_group", absent, diff=True)
    assert removed.changed and removed["origin_group"] is None
    assert removed["diff"]["before"]["targets"] == ["/static/*"]
    config = _config(dist)
    assert config["OriginGroups"]["Quantity"] == 0
    assert config["CacheBehaviors"]["Items"][1]["TargetOriginId"] == "portforge-front-seoul"
    assert len(config["Origins"]["Items"]) == 2  # the origins stay
    assert not run_module("cloudfront_origin_group", absent).changed


def test_a_concurrent_change_is_not_overwritten(emulator, run_module, dist, monkeypatch):
    real_get_config = distributions.get_config
    calls = []

    def get_config_then_someone_else_writes(client, distribution_id):
        config, etag = real_get_config(client, distribution_id)
        calls.append(etag)
        if len(calls) == 1:  # another operator edits the comment between our read and our write
            theirs = _cf().get_distribution_config(Id=distribution_id)
            theirs["DistributionConfig"]["Comment"] = "edited by someone else"
            _cf().update_distribution(
                Id=distribution_id, IfMatch=theirs["ETag"], DistributionConfig=theirs["DistributionConfig"]
            )
        return config, etag

    monkeypatch.setattr(distributions, "get_config", get_config_then_someone_else_writes)
    result = run_module("cloudfront_origin_group", BASE)
    assert result.changed and len(calls) == 2, result
    config = _config(dist)
    assert config["Comment"] == "edited by someone else"
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == GROUP
    statuses = [c["status"] for c in emulator.calls(action="UpdateDistribution")]
    assert statuses == [200, 412, 200]


def test_throttling_is_survived(emulator, run_module, dist):
    emulator.add_fault("cloudfront", count=3)
    result = run_module("cloudfront_origin_group", BASE)
    assert result.changed and not result.failed, result
    assert emulator.faults()[0]["injected"] == 3


@pytest.mark.parametrize(
    "args, message",
    [
        ({"alias": None, "distribution_id": "E0000000000000"}, "CloudFront distribution E0000000000000 not found"),
        ({"alias": "shop.portforge.org"}, "no CloudFront distribution has the alias shop.portforge.org"),
        ({"alias": None, "comment": "twin"}, "2 CloudFront distributions have the comment 'twin'"),
        (
            {"origins": [{"id": "portforge-front-seoul"}, {"id": "portforge-front-osaka"}]},
            "origin portforge-front-osaka does not exist on the distribution: give its domain_name",
        ),
        ({"primary": "portforge-front-osaka"}, "primary portforge-front-osaka is not one of the origins"),
        ({"origins": ORIGINS + [{"id": "third", "domain_name": "x.example.org"}]}, "must name exactly two different"),
        ({"origin_group_id": "portforge-front-seoul"}, "is also an origin id"),
        ({"target_path_patterns": ["/img/*"]}, "no cache behavior with path pattern /img/*"),
        ({"target_path_patterns": ["/api/*"]}, "cache behavior /api/* allows DELETE, PATCH, POST, PUT"),
    ],
    ids=[
        "unknown-id",
        "unknown-alias",
        "ambiguous-comment",
        "missing-origin",
        "bad-primary",
        "three-origins",
        "id-clash",
        "missing-pattern",
        "unsafe-methods",
    ],
)
def test_bad_input_fails_before_any_change(emulator, run_module, dist, args, message):
    _distribution(alias="a.twin.org", comment="twin")
    _distribution(alias="b.twin.org", comment="twin")
    since = emulator.last_seq()
    args = {k: v for k, v in dict(BASE, **args).items() if v is not None}
    result = run_module("cloudfront_origin_group", args)
    assert result.failed and message in result["msg"], result
    assert emulator.mutating_calls(since=since) == []


def test_default_behavior_allowing_post_is_refused(emulator, run_module):
    _distribution(alias="api.portforge.org", default_methods=ALL_METHODS)
    since = emulator.last_seq()
    result = run_module("cloudfront_origin_group", dict(BASE, alias="api.portforge.org"))
    assert result.failed and "the default cache behavior allows DELETE, PATCH, POST, PUT" in result["msg"]
    assert emulator.mutating_calls(since=since) == []


def _dr_bucket(policy=None):
    s3 = boto3.client("s3", region_name="ap-northeast-1")
    s3.create_bucket(Bucket="portforge-front-dr", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"})
    if policy:
        s3.put_bucket_policy(Bucket="portforge-front-dr", Policy=json.dumps(policy))
    return s3


def _dr_bucket_policy(s3):
    return json.loads(s3.get_bucket_policy(Bucket="portforge-front-dr")["Policy"])


def test_origin_access_control_signs_the_dr_origin_and_the_bucket_lets_the_distribution_read(
    emulator, run_module, dist
):
    keep = {"Sid": "KeepMe", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
    s3 = _dr_bucket({"Version": "2012-10-17", "Statement": [keep]})
    signed = [ORIGINS[0], dict(ORIGINS[1], origin_access_control="portforge-front-dr-oac")]
    args = dict(BASE, origins=signed)

    since = emulator.last_seq()
    predicted = run_module("cloudfront_origin_group", args, check=True)
    assert (
        predicted.changed
        and "origin access control portforge-front-dr-oac created (S3, SigV4, always)" in (predicted["changes"])
    ), predicted
    assert predicted["bucket_policies"] == [
        {"bucket": "portforge-front-dr", "region": "ap-northeast-1", "grants_distribution": False}
    ]
    assert emulator.mutating_calls(since=since) == []
    assert _cf().list_origin_access_controls()["OriginAccessControlList"].get("Items", []) == []

    result = run_module("cloudfront_origin_group", args)
    assert result.changed and not result.failed, result
    [control] = _cf().list_origin_access_controls()["OriginAccessControlList"]["Items"]
    assert (control["Name"], control["SigningBehavior"], control["OriginAccessControlOriginType"]) == (
        "portforge-front-dr-oac",
        "always",
        "s3",
    )
    tokyo = next(o for o in _config(dist)["Origins"]["Items"] if o["Id"] == "portforge-front-tokyo")
    assert tokyo["OriginAccessControlId"] == control["Id"]
    assert result["origins"][1]["origin_access_control_id"] == control["Id"]
    arn = _cf().get_distribution(Id=dist)["Distribution"]["ARN"]
    statements = _dr_bucket_policy(s3)["Statement"]
    assert statements[0] == keep  # the bucket's own statements stay
    assert statements[1]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statements[1]["Resource"] == "arn:aws:s3:::portforge-front-dr/*"
    assert statements[1]["Condition"] == {"StringEquals": {"AWS:SourceArn": arn}}
    # the S3 call went to the bucket's region, never the primary's
    assert emulator.calls(since=since, region=SEOUL) == []

    since = emulator.last_seq()
    again = run_module("cloudfront_origin_group", args)
    assert not again.changed and again["changes"] == [], again
    assert emulator.mutating_calls(since=since) == []
    assert len(_cf().list_origin_access_controls()["OriginAccessControlList"]["Items"]) == 1


def test_origin_access_control_needs_an_s3_rest_endpoint(emulator, run_module, dist):
    website = {
        "id": "portforge-front-tokyo",
        "domain_name": "portforge-front-dr.s3-website-ap-northeast-1.amazonaws.com",
    }
    since = emulator.last_seq()
    result = run_module(
        "cloudfront_origin_group", dict(BASE, origins=[ORIGINS[0], dict(website, origin_access_control="oac")])
    )
    assert result.failed and "origin_access_control needs the domain_name of an S3 REST endpoint" in result["msg"]
    assert emulator.mutating_calls(since=since) == []


def test_examples_run(emulator, run_examples, dist):
    emulator.configure(latency={"cloudfront_deploy": 0})
    _dr_bucket()
    result = run_examples("cloudfront_origin_group")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=0" in result.stdout
    members = _config(dist)["OriginGroups"]["Items"][0]["Members"]["Items"]
    assert [m["OriginId"] for m in members] == ["portforge-front-seoul", "portforge-front-tokyo"]
