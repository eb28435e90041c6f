"""IAM behaviour of a real account that plain moto lacks."""

import json

import boto3
import botocore.exceptions

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def test_aws_managed_policies_can_be_attached(gap_emulator):
    iam = boto3.client("iam", region_name="ap-northeast-1")
    iam.create_role(RoleName="app-DR-EC2-Role", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="app-DR-EC2-Role", PolicyArn=SSM_CORE)
    attached = iam.list_attached_role_policies(RoleName="app-DR-EC2-Role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [SSM_CORE]


def test_aws_managed_policies_are_listed(gap_emulator):
    iam = boto3.client("iam", region_name="ap-northeast-1")
    policies = iam.get_paginator("list_policies").paginate(Scope="AWS").build_full_result()["Policies"]
    assert SSM_CORE in {p["Arn"] for p in policies}


def _session_with_policy(actions, name="operator"):
    """An IAM user allowed exactly ``actions`` and a boto3 session with its keys (no session token)."""
    iam = boto3.client("iam", region_name="ap-northeast-1")
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name,
        PolicyName="exactly",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name="ap-northeast-1"
    )


def test_enforced_policies_name_cloudwatch_actions_with_their_iam_prefix(gap_emulator):
    session = _session_with_policy(["cloudwatch:ListMetrics"])
    gap_emulator.post("/iam/enforcement", {"enabled": True})
    try:
        session.client("cloudwatch").list_metrics()
    finally:
        gap_emulator.post("/iam/enforcement", {"enabled": False})


def test_enforcement_denies_what_the_policy_does_not_allow_until_reset(emulator):
    session = _session_with_policy(["ec2:DescribeVpcs"])
    assert emulator.post("/iam/enforcement", {"enabled": True}) == {"enabled": True}
    ec2 = session.client("ec2")
    ec2.describe_vpcs()
    try:
        ec2.describe_subnets()
    except botocore.exceptions.ClientError as error:
        # AWS says UnauthorizedOperation for EC2; moto says AccessDenied. Both name the action.
        assert error.response["Error"]["Code"] in ("AccessDenied", "UnauthorizedOperation")
        assert "ec2:DescribeSubnets" in error.response["Error"]["Message"]
    else:
        raise AssertionError("ec2:DescribeSubnets was allowed without a permission")
    emulator.reset()
    assert emulator.get("/iam/enforcement") == {"enabled": False}
    boto3.client("ec2", region_name="ap-northeast-1").describe_subnets()


def test_enforced_policies_use_the_s3_iam_action_names(gap_emulator):
    for bucket in ("app-data", "app-dr"):
        s3 = boto3.client("s3", region_name="ap-northeast-1")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    session = _session_with_policy(
        ["s3:ListBucket", "s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration", "iam:PassRole"]
    )
    rules = {
        "Role": "arn:aws:iam::123456789012:role/replication",
        "Rules": [
            {
                "ID": "dr",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "DeleteMarkerReplication": {"Status": "Enabled"},
                "Destination": {"Bucket": "arn:aws:s3:::app-dr"},
            }
        ],
    }
    gap_emulator.post("/iam/enforcement", {"enabled": True})
    try:
        s3 = session.client("s3")
        s3.head_bucket(Bucket="app-data")  # s3:ListBucket (moto: s3:HeadBucket)
        s3.put_bucket_replication(Bucket="app-data", ReplicationConfiguration=rules)  # moto: s3:CreateBucket
        assert s3.get_bucket_replication(Bucket="app-data")["ReplicationConfiguration"]["Rules"][0]["ID"] == "dr"
    finally:
        gap_emulator.post("/iam/enforcement", {"enabled": False})


def test_enforcement_authorizes_route53_cloudfront_and_eks_calls(gap_emulator):
    session = _session_with_policy(
        ["route53:ListHostedZonesByName", "cloudfront:ListDistributions", "eks:ListClusters"]
    )
    gap_emulator.post("/iam/enforcement", {"enabled": True})
    try:
        session.client("route53").list_hosted_zones_by_name()  # moto: SignatureDoesNotMatch
        session.client("cloudfront").list_distributions()
        assert session.client("eks").list_clusters()["clusters"] == []  # moto: SignatureDoesNotMatch
    finally:
        gap_emulator.post("/iam/enforcement", {"enabled": False})
