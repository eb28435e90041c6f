"""IAM behaviour of a real account that plain moto lacks."""

import json

import boto3

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})
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
