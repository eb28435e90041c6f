"""Readiness checks of dr_iam: role, instance_profile, dynamodb_policy, recovery_mode_parameters."""

import copy
import json
import urllib.parse

import pytest
from botocore.exceptions import ClientError
from botocore.exceptions import EndpointConnectionError

from ansible_collections.pilotlight.dr.plugins.module_utils._iam import policies
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import iam
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

REGION = "ap-northeast-1"
ACCOUNT = "123456789012"
ROLE = "MegaTicket-DR-EC2-Role"
PROFILE = "MegaTicket-DR-EC2-Profile"
TABLES = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/KDT-Msp4-PLDR-*"
PARAMETERS = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/megaticket/dr"
OPTIONS = {
    "role_name": ROLE,
    "instance_profile_name": PROFILE,
    "account_id": "",
    "managed_policies": ["AmazonSSMManagedInstanceCore"],
    "dynamodb_table_prefix": "KDT-Msp4-PLDR",
    "dynamodb_actions": iam.DEFAULT_DYNAMODB_ACTIONS,
    "ssm_parameter_path": "/megaticket/dr",
    "readiness_tables": [],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
INLINE = {
    "MegaTicket-DR-DynamoDB-MinimalAccess": {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": iam.DEFAULT_DYNAMODB_ACTIONS,
                "Resource": [TABLES, f"{TABLES}/index/*", f"{TABLES}/stream/*"],
            }
        ]
    },
    # a single statement, URL-encoded JSON as the raw IAM API returns it
    "MegaTicket-DR-SSM-RecoveryMode-Policy": urllib.parse.quote(
        json.dumps(
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": ["ssm:GetParameter", "ssm:GetParametersByPath"],
                    "Resource": [PARAMETERS, f"{PARAMETERS}/*"],
                }
            }
        )
    ),
}


def throttled(operation):
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, operation)


def not_found(operation):
    return ClientError({"Error": {"Code": "NoSuchEntity", "Message": "not found"}}, operation)


class FakeIAM:
    """Answers like IAM for one role and one instance profile; ``fail`` maps an operation to its error."""

    def __init__(
        self,
        role=True,
        profile_roles=(ROLE,),
        trust=None,
        managed=("AmazonSSMManagedInstanceCore",),
        inline=None,
        fail=None,
    ):
        self.role, self.profile_roles, self.managed = role, profile_roles, managed
        self.trust = TRUST if trust is None else trust
        self.inline = copy.deepcopy(INLINE if inline is None else inline)
        self.fail = fail or {}
        self.calls = []

    def _call(self, operation):
        self.calls.append(operation)
        if operation in self.fail:
            raise self.fail[operation](operation)

    def get_role(self, RoleName, aws_retry=False):
        self._call("GetRole")
        if not self.role:
            raise not_found("GetRole")
        return {
            "Role": {
                "RoleName": RoleName,
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/{RoleName}",
                "AssumeRolePolicyDocument": copy.deepcopy(self.trust),
            }
        }

    def get_instance_profile(self, InstanceProfileName, aws_retry=False):
        self._call("GetInstanceProfile")
        if self.profile_roles is None:
            raise not_found("GetInstanceProfile")
        return {
            "InstanceProfile": {
                "InstanceProfileName": InstanceProfileName,
                "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{InstanceProfileName}",
                "Roles": [{"RoleName": name} for name in self.profile_roles],
            }
        }

    def get_role_policy(self, RoleName, PolicyName, aws_retry=False):
        self._call("GetRolePolicy")
        return {"PolicyDocument": self.inline[PolicyName]}

    def get_paginator(self, name):
        fake = self

        class Pages:
            def __init__(self, **kwargs):
                self.kwargs = kwargs

            def build_full_result(self):
                if name == "list_attached_role_policies":
                    fake._call("ListAttachedRolePolicies")
                    return {"AttachedPolicies": [{"PolicyArn": f"arn:aws:iam::aws:policy/{p}"} for p in fake.managed]}
                fake._call("ListRolePolicies")
                return {"PolicyNames": list(fake.inline)}

        return type("Paginator", (), {"paginate": lambda self, **kwargs: Pages(**kwargs)})()


def run(client, **options):
    regions = []

    def factory(service, region):
        assert service == "iam"
        regions.append(region)
        return client

    spec = {"name": "iam", "region": REGION, "options": dict(OPTIONS, **options)}
    results = COMPONENTS["iam"](ReadinessContext(factory, spec))
    assert [r["check"] for r in results] == list(iam.CHECKS)
    assert regions and set(regions) == {REGION}
    return {r["check"]: r for r in results}


def statuses(results):
    return {name: r["status"] for name, r in results.items()}


def test_everything_in_place_passes_with_reasons_and_evidence():
    results = run(FakeIAM())
    assert statuses(results) == dict.fromkeys(iam.CHECKS, "pass")
    assert results["role"]["reason"] == f"role {ROLE} trusts EC2 and has AmazonSSMManagedInstanceCore"
    assert results["instance_profile"]["reason"] == f"instance profile {PROFILE} holds {ROLE}"
    assert results["dynamodb_policy"]["reason"] == f"allows 8 actions on {TABLES} and indexes"
    assert (
        results["recovery_mode_parameters"]["reason"] == f"may read the SSM parameters under /megaticket/dr in {REGION}"
    )
    assert results["dynamodb_policy"]["evidence"]["denied"] == []
    assert all(r["component"] == "dr_iam" and r["side"] == "dr" and r["fix"] is None for r in results.values())


def test_named_tables_and_an_explicit_account_build_the_arns():
    client = FakeIAM(
        inline={
            "p": {
                "Statement": [
                    {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:999999999999:table/*"},
                    {
                        "Effect": "Allow",
                        "Action": "ssm:GetParameter*",
                        "Resource": "arn:aws:ssm:*:999999999999:parameter/*",
                    },
                ]
            }
        }
    )
    results = run(client, account_id="999999999999", readiness_tables=["KDT-Msp4-PLDR-venues"])
    assert statuses(results) == dict.fromkeys(iam.CHECKS, "pass")
    assert results["dynamodb_policy"]["evidence"]["table_arns"] == [
        f"arn:aws:dynamodb:{REGION}:999999999999:table/KDT-Msp4-PLDR-venues"
    ]


def test_missing_role_fails_every_role_check_with_the_fix():
    results = run(FakeIAM(role=False))
    assert statuses(results) == {
        "role": "fail",
        "instance_profile": "pass",
        "dynamodb_policy": "fail",
        "recovery_mode_parameters": "fail",
    }
    assert results["role"]["reason"] == f"role {ROLE} not found"
    assert "dr_iam role" in results["role"]["fix"]
    assert results["dynamodb_policy"]["reason"].startswith(f"role {ROLE} not found")


def test_role_ec2_cannot_assume_fails():
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]}
    result = run(FakeIAM(trust=trust))["role"]
    assert result["status"] == "fail"
    assert "cannot be assumed by ec2.amazonaws.com" in result["reason"]
    assert "trust policy" in result["fix"]


def test_role_without_the_managed_policy_fails():
    result = run(FakeIAM(managed=()))["role"]
    assert result["status"] == "fail"
    assert (
        result["reason"]
        == f"managed policies not attached to {ROLE}: arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    )


@pytest.mark.parametrize(
    "profile_roles, reason",
    [
        (None, f"instance profile {PROFILE} not found"),
        ((), f"instance profile {PROFILE} holds no role, not {ROLE}"),
        (("Other-Role",), f"instance profile {PROFILE} holds Other-Role, not {ROLE}"),
    ],
)
def test_instance_profile_fails(profile_roles, reason):
    result = run(FakeIAM(profile_roles=profile_roles))["instance_profile"]
    assert (result["status"], result["reason"]) == ("fail", reason)
    assert "dr_iam role" in result["fix"]


def test_policies_for_another_app_fail_and_name_what_is_missing():
    results = run(FakeIAM(), readiness_tables=["OtherApp-orders"], ssm_parameter_path="/otherapp/dr")
    assert statuses(results) == {
        "role": "pass",
        "instance_profile": "pass",
        "dynamodb_policy": "fail",
        "recovery_mode_parameters": "fail",
    }
    assert "table/OtherApp-orders" in results["dynamodb_policy"]["reason"]
    assert "dynamodb:GetItem" in results["dynamodb_policy"]["reason"]
    assert "/otherapp/dr" in results["recovery_mode_parameters"]["reason"]
    assert results["dynamodb_policy"]["fix"] and results["recovery_mode_parameters"]["fix"]


def test_an_explicit_deny_wins():
    inline = copy.deepcopy(INLINE)
    inline["deny"] = {"Statement": [{"Effect": "Deny", "Action": "dynamodb:Delete*", "Resource": "*"}]}
    result = run(FakeIAM(inline=inline))["dynamodb_policy"]
    assert result["status"] == "fail"
    assert result["reason"] == f"not allowed: dynamodb:DeleteItem on {TABLES}"


@pytest.mark.parametrize(
    "operation, unknown",
    [
        ("GetRole", ["role", "dynamodb_policy", "recovery_mode_parameters"]),
        ("ListAttachedRolePolicies", ["role"]),
        ("ListRolePolicies", ["dynamodb_policy", "recovery_mode_parameters"]),
        ("GetRolePolicy", ["dynamodb_policy", "recovery_mode_parameters"]),
        ("GetInstanceProfile", ["instance_profile"]),
    ],
)
def test_a_throttled_read_is_not_checked_never_not_found(operation, unknown):
    results = run(FakeIAM(fail={operation: throttled}))
    assert sorted(name for name, r in results.items() if r["status"] == "not_checked") == sorted(unknown)
    assert all(r["status"] == "pass" for name, r in results.items() if name not in unknown)
    for name in unknown:
        assert "Throttling" in results[name]["reason"] and "us-east-1" in results[name]["reason"]
        assert "not found" not in results[name]["reason"]


def test_unreachable_iam_is_not_checked():
    def unreachable(operation):
        return EndpointConnectionError(endpoint_url="https://iam.amazonaws.com/")

    results = run(FakeIAM(fail={"GetRole": unreachable, "GetInstanceProfile": unreachable}))
    assert statuses(results) == dict.fromkeys(iam.CHECKS, "not_checked")
    assert results["role"]["reason"].startswith(f"could not read IAM role {ROLE} from IAM (control plane in us-east-1)")


@pytest.mark.parametrize(
    "action, resource, allowed",
    [
        ("dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/App-x", True),
        ("DynamoDB:getitem", "arn:aws:dynamodb:r:1:table/App-x", True),
        ("dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/App-xy", False),
        ("dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/Other-x", False),
        ("dynamodb:PutItem", "arn:aws:dynamodb:r:1:table/App-x", False),
        ("dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/App-x/index/*", True),
        ("dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/App-x/index/by-date", True),
    ],
)
def test_iam_wildcards_star_and_question_mark(action, resource, allowed):
    statements = policies.statements(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": ["dynamodb:Get*"],
                "Resource": ["arn:aws:dynamodb:r:1:table/App-?", "arn:aws:dynamodb:r:1:table/App-?/index/*"],
            }
        }
    )
    assert policies.allows(statements, action, resource) is allowed
