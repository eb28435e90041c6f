"""CloudFront origin groups in the emulator: what extensions/cloudfront.py adds to moto (each fails on plain moto)."""

import time

import boto3
import botocore.exceptions
import pytest

SEOUL_BUCKET = "portforge-front.s3.ap-northeast-2.amazonaws.com"
TOKYO_BUCKET = "portforge-front-dr.s3.ap-northeast-1.amazonaws.com"


def _cf():
    return boto3.client("cloudfront", region_name="ap-northeast-1")


def _group(group_id="portforge-front-failover", members=("seoul", "tokyo"), codes=(500, 502, 503, 504)):
    return {
        "Id": group_id,
        "FailoverCriteria": {"StatusCodes": {"Quantity": len(codes), "Items": list(codes)}},
        "Members": {"Quantity": len(members), "Items": [{"OriginId": m} for m in members]},
    }


def _config(target="seoul", groups=(), methods=("GET", "HEAD")):
    config = {
        "CallerReference": f"portforge-{time.time()}",
        "Comment": "portforge-front",
        "Enabled": True,
        "Origins": {
            "Quantity": 2,
            "Items": [
                {"Id": "seoul", "DomainName": SEOUL_BUCKET, "S3OriginConfig": {"OriginAccessIdentity": ""}},
                {"Id": "tokyo", "DomainName": TOKYO_BUCKET, "S3OriginConfig": {"OriginAccessIdentity": ""}},
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": target,
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            "AllowedMethods": {"Quantity": len(methods), "Items": list(methods)},
        },
    }
    if groups:
        config["OriginGroups"] = {"Quantity": len(groups), "Items": list(groups)}
    return config


def _code(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


def test_default_cache_behavior_can_target_an_origin_group(gap_emulator):
    created = _cf().create_distribution(DistributionConfig=_config("portforge-front-failover", [_group()]))
    dist_id = created["Distribution"]["Id"]
    config = _cf().get_distribution_config(Id=dist_id)["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "portforge-front-failover"
    assert config["OriginGroups"]["Items"][0]["Members"]["Items"] == [{"OriginId": "seoul"}, {"OriginId": "tokyo"}]
    assert config["Origins"]["Items"][0]["S3OriginConfig"] == {"OriginAccessIdentity": ""}


@pytest.mark.parametrize(
    "group, target, methods, code",
    [
        (_group(members=("seoul", "osaka")), "seoul", ("GET", "HEAD"), "NoSuchOrigin"),
        (_group(members=("seoul", "seoul")), "seoul", ("GET", "HEAD"), "InvalidArgument"),
        (_group(codes=(500, 501)), "seoul", ("GET", "HEAD"), "InvalidArgument"),
        (_group(group_id="seoul"), "seoul", ("GET", "HEAD"), "InvalidArgument"),
        (
            _group(),
            "portforge-front-failover",
            ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"),
            "InvalidArgument",
        ),
    ],
    ids=["unknown-member", "same-member-twice", "bad-status-code", "id-clash", "post-on-group"],
)
def test_origin_groups_are_validated(gap_emulator, group, target, methods, code):
    assert _code(lambda: _cf().create_distribution(DistributionConfig=_config(target, [group], methods))) == code


def test_inconsistent_quantity_is_refused(gap_emulator):
    group = _group()
    group["FailoverCriteria"]["StatusCodes"]["Quantity"] = 3
    assert (
        _code(lambda: _cf().create_distribution(DistributionConfig=_config("seoul", [group])))
        == "InconsistentQuantities"
    )


def test_update_changes_the_etag_and_refuses_a_stale_if_match(gap_emulator):
    dist_id = _cf().create_distribution(DistributionConfig=_config())["Distribution"]["Id"]
    current = _cf().get_distribution_config(Id=dist_id)
    config = current["DistributionConfig"]
    config["OriginGroups"] = {"Quantity": 1, "Items": [_group()]}
    updated = _cf().update_distribution(Id=dist_id, IfMatch=current["ETag"], DistributionConfig=config)
    assert updated["ETag"] != current["ETag"]
    assert _cf().get_distribution(Id=dist_id)["ETag"] == updated["ETag"]
    # A writer still holding the old ETag loses instead of overwriting the change.
    error = _code(lambda: _cf().update_distribution(Id=dist_id, IfMatch=current["ETag"], DistributionConfig=config))
    assert error == "PreconditionFailed"


def test_update_is_in_progress_until_deployed(gap_emulator):
    gap_emulator.configure(latency={"cloudfront_deploy": 30})
    dist_id = _cf().create_distribution(DistributionConfig=_config())["Distribution"]["Id"]
    gap_emulator.settle()
    current = _cf().get_distribution_config(Id=dist_id)
    _cf().update_distribution(Id=dist_id, IfMatch=current["ETag"], DistributionConfig=current["DistributionConfig"])
    assert _cf().get_distribution(Id=dist_id)["Distribution"]["Status"] == "InProgress"
    gap_emulator.settle()
    assert _cf().get_distribution(Id=dist_id)["Distribution"]["Status"] == "Deployed"


def test_enabled_distribution_cannot_be_deleted(gap_emulator):
    dist_id = _cf().create_distribution(DistributionConfig=_config())["Distribution"]["Id"]
    etag = _cf().get_distribution(Id=dist_id)["ETag"]
    assert _code(lambda: _cf().delete_distribution(Id=dist_id, IfMatch=etag)) == "DistributionNotDisabled"


def _oac(name="portforge-front-dr-oac"):
    config = {
        "Name": name,
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    return _cf().create_origin_access_control(OriginAccessControlConfig=config)["OriginAccessControl"]["Id"]


def test_an_origin_access_control_must_exist_and_excludes_an_identity(gap_emulator):
    control_id = _oac()
    config = _config()
    config["Origins"]["Items"][1]["OriginAccessControlId"] = control_id
    dist_id = _cf().create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    current = _cf().get_distribution_config(Id=dist_id)
    assert current["DistributionConfig"]["Origins"]["Items"][1]["OriginAccessControlId"] == control_id
    # A wrong id would leave the DR bucket unreadable on AWS: refused, as AWS does.
    wrong = current["DistributionConfig"]
    wrong["Origins"]["Items"][1]["OriginAccessControlId"] = "E0NOSUCHCONTROL"
    error = _code(lambda: _cf().update_distribution(Id=dist_id, IfMatch=current["ETag"], DistributionConfig=wrong))
    assert error == "InvalidOriginAccessControl"
    both = _config()
    both["Origins"]["Items"][1]["OriginAccessControlId"] = control_id
    both["Origins"]["Items"][1]["S3OriginConfig"] = {"OriginAccessIdentity": "origin-access-identity/cloudfront/E1"}
    assert _code(lambda: _cf().create_distribution(DistributionConfig=both)) == "IllegalOriginAccessConfiguration"
