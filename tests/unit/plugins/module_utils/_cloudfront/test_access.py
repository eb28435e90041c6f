"""CloudFront's read access to an S3 origin: the bucket of an endpoint, and the bucket policy grant (pure)."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import access
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

ARN = "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL"
OTHER = {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}


@pytest.mark.parametrize(
    "domain, expected",
    [
        ("portforge-front-dr.s3.ap-northeast-1.amazonaws.com", ("portforge-front-dr", "ap-northeast-1")),
        ("portforge-front-dr.s3-ap-northeast-1.amazonaws.com", ("portforge-front-dr", "ap-northeast-1")),
        ("legacy.s3.amazonaws.com", ("legacy", "us-east-1")),
    ],
)
def test_the_bucket_and_region_of_an_s3_rest_endpoint(domain, expected):
    assert access.bucket_of(domain) == expected


@pytest.mark.parametrize("domain", ["front.s3-website.ap-northeast-1.amazonaws.com", "alb.example.com", None])
def test_anything_else_cannot_use_an_origin_access_control(domain):
    with pytest.raises(DRError, match="not an S3 REST endpoint"):
        access.bucket_of(domain)


def test_no_policy_gets_the_read_statement_for_this_distribution_only():
    new, changes = access.plan_bucket_policy(None, "front-dr", ARN)
    assert changes == [f"bucket policy of front-dr: CloudFront may read objects for {ARN}"]
    assert new["Statement"] == [access.read_statement("front-dr", ARN)]
    assert new["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceArn": ARN}}
    assert access.grants_distribution(new, "front-dr", ARN)
    assert not access.grants_distribution(new, "front-dr", ARN.replace("E2Q", "E9Q"))
    assert not access.grants_distribution(new, "front", ARN)


def test_other_statements_are_kept_and_a_second_plan_changes_nothing():
    policy = {"Version": "2012-10-17", "Statement": [OTHER]}
    new, changes = access.plan_bucket_policy(policy, "front-dr", ARN)
    assert new["Statement"][0] == OTHER and len(new["Statement"]) == 2 and changes
    assert policy["Statement"] == [OTHER]  # the input is not modified
    assert access.plan_bucket_policy(new, "front-dr", ARN) == (new, [])


def test_a_grant_written_by_hand_in_another_shape_counts():
    by_hand = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": ["cloudfront.amazonaws.com"]},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::front-dr", "arn:aws:s3:::front-dr/*"],
            "Condition": {"ArnLike": {"aws:SourceArn": [ARN]}},
        }
    }
    assert access.plan_bucket_policy(by_hand, "front-dr", ARN) == (by_hand, [])


def test_a_stale_statement_of_ours_is_replaced_not_duplicated():
    stale = dict(access.read_statement("front-dr", ARN), Resource="arn:aws:s3:::front/*")
    new, changes = access.plan_bucket_policy({"Statement": [stale]}, "front-dr", ARN)
    assert changes and new["Statement"] == [access.read_statement("front-dr", ARN)]


def test_one_access_control_per_name():
    controls = [{"Id": "A", "Name": "front-dr-oac"}, {"Id": "B", "Name": "other"}]
    assert access.find_access_control(controls, "front-dr-oac")["Id"] == "A"
    assert access.find_access_control(controls, "missing") is None
    with pytest.raises(DRError, match="2 CloudFront origin access controls are named other"):
        access.find_access_control(controls + [{"Id": "C", "Name": "other"}], "other")
