"""Readiness check of dr_cdn: origin_group (pass, fail, not checked), CloudFront called in us-east-1 only."""

import copy
import json

import pytest
from botocore.exceptions import ClientError
from botocore.exceptions import EndpointConnectionError

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import origin_groups
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL = "front.s3.ap-northeast-2.amazonaws.com"
TOKYO = "front-dr.s3.ap-northeast-1.amazonaws.com"
GROUP = "front-failover"
OPTIONS = {
    "distribution_id": "",
    "alias": "www.portforge.org",
    "comment": "",
    "origin_group_id": GROUP,
    "primary_origin": {"id": "seoul", "domain_name": SEOUL},
    "dr_origin": {"id": "tokyo", "domain_name": TOKYO},
    "failover_status_codes": [500, 502, 503, 504],
    "target_default_cache_behavior": True,
    "target_path_patterns": [],
}


def _bare_config():
    """The distribution as made by hand: the Seoul bucket only."""
    return {
        "CallerReference": "ref",
        "Comment": "front",
        "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": ["www.portforge.org"]},
        "Origins": {
            "Quantity": 1,
            "Items": [
                {"Id": "seoul", "DomainName": SEOUL, "OriginPath": "", "S3OriginConfig": {"OriginAccessIdentity": ""}}
            ],
        },
        "OriginGroups": {"Quantity": 0},
        "DefaultCacheBehavior": {
            "TargetOriginId": "seoul",
            "AllowedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
        },
    }


def armed_config(primary=None, codes=(500, 502, 503, 504)):
    """The distribution after the role armed it (and, with ``primary``, after a failover)."""
    params = {
        "origin_group_id": GROUP,
        "state": "present",
        "primary": primary,
        "origins": [OPTIONS["primary_origin"], OPTIONS["dr_origin"]],
        "failover_status_codes": list(codes),
        "target_default_cache_behavior": True,
        "target_path_patterns": [],
    }
    return origin_groups.plan_present(_bare_config(), params)[0]


def throttled(operation):
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, operation)


class FakeCloudFront:
    """Distributions by id; ``fail`` maps an operation to the error it raises."""

    def __init__(self, configs=None, fail=None):
        self.configs = configs if configs is not None else {"E1": armed_config()}
        self.fail = fail or {}

    def _maybe_fail(self, operation):
        if operation in self.fail:
            raise self.fail[operation]

    def get_paginator(self, name):
        assert name == "list_distributions"
        fake = self

        class Paginator:
            def paginate(self):
                return self

            def build_full_result(self):
                fake._maybe_fail("ListDistributions")
                items = [
                    {"Id": dist_id, "Comment": config.get("Comment"), "Aliases": config.get("Aliases")}
                    for dist_id, config in fake.configs.items()
                ]
                return {"DistributionList": {"Quantity": len(items), "Items": items}}

        return Paginator()

    def get_distribution_config(self, Id, aws_retry=False):
        self._maybe_fail("GetDistributionConfig")
        if Id not in self.configs:
            raise ClientError({"Error": {"Code": "NoSuchDistribution", "Message": "no"}}, "GetDistributionConfig")
        return {"DistributionConfig": copy.deepcopy(self.configs[Id]), "ETag": "ETAG"}


def run(client, **options):
    regions = []

    def factory(service, region):
        assert service == "cloudfront"
        regions.append(region)
        return client

    spec = {
        "name": "cdn",
        "region": "us-east-1",
        "primary_region": "ap-northeast-2",
        "primary_reachable": False,
        "options": dict(OPTIONS, **options),
    }
    results = COMPONENTS["cdn"](ReadinessContext(factory, spec))
    assert [r["check"] for r in results] == ["origin_group"]
    assert set(regions) <= {"us-east-1"}
    return results[0]


@pytest.mark.parametrize("primary", [None, "tokyo"], ids=["seoul-primary", "after-failover"])
def test_an_armed_group_passes_whichever_origin_is_primary(primary):
    result = run(FakeCloudFront({"E1": armed_config(primary)}))
    assert result["status"] == "pass" and result["passed"] and result["side"] == "dr"
    assert result["component"] == "dr_cdn" and result["fix"] is None
    expected = "tokyo, secondary seoul" if primary else "seoul, secondary tokyo"
    assert result["reason"] == (
        f"origin group {GROUP} on E1: primary {expected}, fails over on 500/502/503/504, targeted by default"
    )
    assert result["evidence"]["changes"] == [] and result["evidence"]["targets"] == ["default"]


def test_found_by_id_or_comment():
    assert run(FakeCloudFront(), alias="", distribution_id="E1")["status"] == "pass"
    assert run(FakeCloudFront(), alias="", comment="front")["status"] == "pass"


def unarmed_config():
    """Both origins on the distribution, no group: the default behavior targets the Seoul origin."""
    config = armed_config()
    config["OriginGroups"] = {"Quantity": 0}
    config["DefaultCacheBehavior"]["TargetOriginId"] = "seoul"
    return config


def test_a_missing_group_fails_with_what_would_change():
    result = run(FakeCloudFront({"E1": unarmed_config()}))
    assert result["status"] == "fail" and not result["passed"]
    assert result["reason"].startswith(f"origin group {GROUP} on E1 is not ready: origin group {GROUP} added")
    assert "default cache behavior: target seoul -> front-failover" in result["reason"]
    assert "dr_cdn role" in result["fix"]
    assert result["evidence"]["origin_group"] is None


def test_other_status_codes_fail():
    result = run(FakeCloudFront(), failover_status_codes=[403, 404, 500, 502, 503, 504])
    assert result["status"] == "fail"
    assert "failover status codes [500, 502, 503, 504] -> [403, 404, 500, 502, 503, 504]" in result["reason"]


def test_an_origin_missing_on_the_distribution_fails_with_the_fix():
    result = run(FakeCloudFront({"E1": _bare_config()}), dr_origin={"id": "osaka"})
    assert result["status"] == "fail"
    assert "origin osaka does not exist on the distribution" in result["reason"]
    assert result["fix"].startswith("give its domain_name")


@pytest.mark.parametrize(
    "options, reason, fix",
    [
        (
            {"alias": "shop.portforge.org"},
            "no CloudFront distribution has the alias shop.portforge.org",
            "dr_cdn_alias",
        ),
        ({"alias": "", "distribution_id": "E9"}, "CloudFront distribution E9 not found", "dr_cdn_distribution_id"),
        (
            {"alias": "", "comment": "front"},
            "2 CloudFront distributions have the comment 'front' (E1, E2)",
            "dr_cdn_distribution_id",
        ),
        ({"alias": ""}, "the distribution is given by nothing", "set exactly one of"),
        ({"comment": "front"}, "the distribution is given by alias, comment", "set exactly one of"),
        ({"dr_origin": {"id": "seoul"}}, "must name exactly two different origins", "dr_cdn_dr_origin"),
    ],
)
def test_a_distribution_that_cannot_be_found_fails(options, reason, fix):
    second = dict(_bare_config(), Aliases={"Quantity": 0})
    result = run(FakeCloudFront({"E1": armed_config(), "E2": second}), **options)
    assert result["status"] == "fail" and reason in result["reason"] and fix in result["fix"], result


@pytest.mark.parametrize(
    "operation, error",
    [
        ("ListDistributions", throttled("ListDistributions")),
        ("GetDistributionConfig", throttled("GetDistributionConfig")),
        ("GetDistributionConfig", EndpointConnectionError(endpoint_url="https://cloudfront.amazonaws.com")),
    ],
)
def test_an_unreadable_cloudfront_is_not_checked_never_absent(operation, error):
    result = run(FakeCloudFront(fail={operation: error}))
    assert result["status"] == "not_checked" and not result["passed"] and result["fix"] is None
    assert result["reason"].startswith("could not read ")
    assert isinstance(error, EndpointConnectionError) or "(Throttling)" in result["reason"]


def test_a_us_east_1_primary_that_is_down_calls_no_cloudfront():
    def factory(service, region):
        raise AssertionError(f"{service} in {region} called while us-east-1 (CloudFront's control plane) is down")

    spec = {
        "name": "cdn",
        "region": "us-east-1",
        "primary_region": "us-east-1",
        "primary_reachable": False,
        "options": dict(OPTIONS),
    }
    [result] = COMPONENTS["cdn"](ReadinessContext(factory, spec))
    assert (result["status"], result["side"]) == ("not_checked", "primary")
    assert "control plane" in result["reason"]


# -- dr_origin_access: the DR origin signs with its OAC and the DR bucket's policy lets the distribution read --
ARN = "arn:aws:cloudfront::123456789012:distribution/E1"
OAC = {"Name": "front-dr-oac", "SigningBehavior": "always", "SigningProtocol": "sigv4"}
GRANT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::front-dr/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": ARN}},
        }
    ],
}


def signed_config(control_id="OAC1"):
    config = armed_config()
    for origin in config["Origins"]["Items"]:
        if origin["Id"] == "tokyo" and control_id:
            origin["OriginAccessControlId"] = control_id
    return config


class FakeEdge(FakeCloudFront):
    """CloudFront with origin access controls and ARNs, and S3 bucket policies (by bucket)."""

    def __init__(self, configs=None, controls=None, policies=None, fail=None):
        super().__init__(configs if configs is not None else {"E1": signed_config()}, fail)
        self.controls = {"OAC1": OAC} if controls is None else controls
        self.policies = {"front-dr": GRANT} if policies is None else policies

    def get_distribution(self, Id, aws_retry=False):
        self._maybe_fail("GetDistribution")
        return {"Distribution": {"Id": Id, "ARN": ARN, "DistributionConfig": self.configs[Id]}, "ETag": "ETAG"}

    def get_origin_access_control(self, Id, aws_retry=False):
        self._maybe_fail("GetOriginAccessControl")
        if Id not in self.controls:
            raise ClientError({"Error": {"Code": "NoSuchOriginAccessControl", "Message": "no"}}, "Get")
        return {"OriginAccessControl": {"Id": Id, "OriginAccessControlConfig": self.controls[Id]}}

    def get_bucket_policy(self, Bucket, aws_retry=False):
        self._maybe_fail("GetBucketPolicy")
        if Bucket not in self.policies:
            raise ClientError({"Error": {"Code": "NoSuchBucketPolicy", "Message": "no"}}, "GetBucketPolicy")
        return {"Policy": json.dumps(self.policies[Bucket])}


def run_access(client, **options):
    calls = []

    def factory(service, region):
        calls.append((service, region))
        return client

    spec = {
        "name": "cdn",
        "region": "us-east-1",
        "primary_region": "ap-northeast-2",
        "primary_reachable": False,
        "options": dict(OPTIONS, dr_origin=dict(OPTIONS["dr_origin"], origin_access_control="front-dr-oac"), **options),
    }
    results = COMPONENTS["cdn"](ReadinessContext(factory, spec))
    assert [r["check"] for r in results] == ["origin_group", "dr_origin_access"]
    assert ("s3", "ap-northeast-2") not in calls and ("cloudfront", "ap-northeast-2") not in calls
    return results[1], calls


def test_a_signed_dr_origin_and_a_granting_bucket_policy_pass():
    result, calls = run_access(FakeEdge())
    assert result["status"] == "pass", result
    assert result["reason"] == (
        f"DR origin tokyo signs with origin access control front-dr-oac (OAC1); the policy of front-dr lets {ARN} "
        "read its objects"
    )
    assert ("s3", "ap-northeast-1") in calls  # the DR bucket is read in its own region
    assert result["evidence"]["bucket"] == "front-dr" and result["evidence"]["distribution_arn"] == ARN


@pytest.mark.parametrize(
    "edge, reason",
    [
        (FakeEdge({"E1": signed_config(None)}), "DR origin tokyo of E1 has no origin access control"),
        (FakeEdge(controls={}), "uses origin access control OAC1 (no such origin access control)"),
        (FakeEdge(controls={"OAC1": dict(OAC, Name="other")}), "(other, signing always), not front-dr-oac"),
        (FakeEdge(policies={}), f"the policy of front-dr does not let {ARN} read its objects"),
        (
            FakeEdge(policies={"front-dr": {"Statement": [dict(GRANT["Statement"][0], Condition={})]}}),
            "does not let",
        ),
        (
            FakeEdge(policies={"front-dr": {"Statement": [dict(GRANT["Statement"][0], Effect="Deny")]}}),
            "does not let",
        ),
    ],
    ids=["no-oac-on-origin", "oac-missing", "other-oac", "no-policy", "any-distribution", "deny"],
)
def test_a_dr_bucket_cloudfront_cannot_read_fails_with_the_fix(edge, reason):
    result, _calls = run_access(edge)
    assert result["status"] == "fail" and reason in result["reason"], result
    assert "origin_access_control" in result["fix"]


@pytest.mark.parametrize("operation", ["GetOriginAccessControl", "GetDistribution", "GetBucketPolicy"])
def test_an_unreadable_access_control_or_bucket_policy_is_not_checked(operation):
    result, _calls = run_access(FakeEdge(fail={operation: throttled(operation)}))
    assert result["status"] == "not_checked" and "(Throttling)" in result["reason"]


def test_no_origin_access_control_asked_no_access_check():
    assert [
        r["check"]
        for r in COMPONENTS["cdn"](
            ReadinessContext(lambda s, r: FakeEdge(), {"name": "cdn", "region": "us-east-1", "options": OPTIONS})
        )
    ] == ["origin_group"]
