"""Mirroring the pool and its app clients: the requests, and AWS errors that name the resource and the fix."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import pools
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import PoolAccess
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError


def test_the_dr_pool_mirrors_the_source_settings():
    source = {
        "Policies": {"PasswordPolicy": {"MinimumLength": 12}},
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "MfaConfiguration": "OPTIONAL",
        "LambdaConfig": {"PostConfirmation": "arn:aws:lambda:ap-northeast-2:1:function:f"},
        "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:aws:ses:..."},
        "UserPoolTags": {"app": "portforge"},
        "SchemaAttributes": [
            {"Name": "sub", "AttributeDataType": "String", "Mutable": False, "Required": True},
            {"Name": "email", "AttributeDataType": "String", "Mutable": True, "Required": True},
            {"Name": "name", "AttributeDataType": "String", "Mutable": True, "Required": False},
            {
                "Name": "custom:tenant",
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
            },
        ],
    }
    request = pools.create_pool_request(source, "dr-pool", {"pilotlight:source-user-pool": "src"})
    assert request["PoolName"] == "dr-pool" and request["MfaConfiguration"] == "OFF"
    assert request["Policies"] == source["Policies"] and request["UsernameAttributes"] == ["email"]
    assert "LambdaConfig" not in request and "EmailConfiguration" not in request
    assert request["UserPoolTags"] == {"app": "portforge", "pilotlight:source-user-pool": "src"}
    assert [entry["Name"] for entry in request["Schema"]] == ["email", "tenant"]
    tenant = request["Schema"][1]
    assert tenant["Mutable"] is False and tenant["StringAttributeConstraints"]["MaxLength"] == "64"


def test_pool_of_standard_attributes_sends_no_schema():
    # CreateUserPool refuses Schema=[] (min length 1): a pool with only default standard attributes sends none.
    source = {
        "SchemaAttributes": [
            {"Name": "sub", "AttributeDataType": "String", "Mutable": False, "Required": True},
            {"Name": "nickname", "AttributeDataType": "String", "Mutable": True, "Required": False},
        ]
    }
    assert "Schema" not in pools.create_pool_request(source, "dr-pool", {})


def test_app_client_mirror_gets_a_new_secret_and_known_providers_only():
    source = {
        "ClientName": "web",
        "ClientSecret": "s3cr3t",
        "ClientId": "abc",
        "CallbackURLs": ["https://x/cb"],
        "SupportedIdentityProviders": ["COGNITO", "Google"],
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"],
    }
    request = pools.create_client_request(source, "pool-dr", dr_providers=[])
    assert request["GenerateSecret"] is True and "ClientSecret" not in request and "ClientId" not in request
    assert request["SupportedIdentityProviders"] == ["COGNITO"]
    assert request["CallbackURLs"] == ["https://x/cb"]


class Raising:
    """A client whose named calls fail with InvalidParameterException; others answer ``answers``."""

    def __init__(self, failing, region="ap-northeast-1", **answers):
        self.failing = failing
        self.answers = answers
        self.calls = []
        self.meta = type("Meta", (), {"region_name": region})()

    def __getattr__(self, name):
        def call(**request):
            self.calls.append(name)
            if name in self.failing:
                raise ClientError({"Error": {"Code": "InvalidParameterException", "Message": "bad"}}, name)
            return self.answers[name]

        return call


def access(client, pool_id=None):
    return PoolAccess(client, pool_id, RateLimiter(None))


SOURCE_POOL = {"Id": "ap-northeast-2_src", "SchemaAttributes": []}


@pytest.mark.parametrize(
    "failing, message",
    [
        (
            "create_user_pool",
            "cannot create DR user pool dr-pool in ap-northeast-1 like source pool ap-northeast-2_src",
        ),
        (
            "set_user_pool_mfa_config",
            "cannot set the MFA configuration of DR user pool dr-pool (new-id), created in "
            "ap-northeast-1 (ON, as source pool ap-northeast-2_src): SMS MFA needs",
        ),
        (
            "describe_user_pool",
            "cannot describe DR user pool dr-pool (new-id), created in ap-northeast-1: "
            "allow cognito-idp:DescribeUserPool",
        ),
    ],
)
def test_pool_creation_errors_name_the_pool_and_the_fix(failing, message):
    dr = Raising(
        {failing},
        create_user_pool={"UserPool": {"Id": "new-id"}},
        set_user_pool_mfa_config={},
        describe_user_pool={"UserPool": {"Id": "new-id"}},
    )
    source = Raising(
        set(),
        "ap-northeast-2",
        get_user_pool_mfa_config={"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}},
    )
    with pytest.raises(DRError) as caught:
        pools.create_pool(access(dr), access(source), dict(SOURCE_POOL, MfaConfiguration="ON"), "dr-pool", print)
    assert message in caught.value.message
    assert caught.value.exception.response["Error"]["Code"] == "InvalidParameterException"


def test_a_created_pool_gets_the_source_mfa_and_a_warning_about_lambda_triggers():
    dr = Raising(
        set(),
        create_user_pool={"UserPool": {"Id": "new-id"}},
        set_user_pool_mfa_config={},
        describe_user_pool={"UserPool": {"Id": "new-id", "Name": "dr-pool"}},
    )
    source = Raising(
        set(),
        "ap-northeast-2",
        get_user_pool_mfa_config={"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}},
    )
    warnings = []
    pool = pools.create_pool(
        access(dr),
        access(source),
        dict(SOURCE_POOL, MfaConfiguration="OPTIONAL", LambdaConfig={"PreSignUp": "arn"}),
        "dr-pool",
        warnings.append,
    )
    assert pool == {"Id": "new-id", "Name": "dr-pool"}
    assert dr.calls == ["create_user_pool", "set_user_pool_mfa_config", "describe_user_pool"]
    assert len(warnings) == 1 and "Lambda triggers" in warnings[0]


@pytest.mark.parametrize(
    "failing, message",
    [
        (
            "describe_user_pool_client",
            "cannot describe app client web of source user pool ap-northeast-2_src in "
            "ap-northeast-2: allow cognito-idp:DescribeUserPoolClient",
        ),
        ("create_user_pool_client", "cannot create app client web in DR user pool dr-id (ap-northeast-1)"),
    ],
)
def test_app_client_mirror_errors_name_the_client_and_the_fix(failing, message):
    dr = Raising(
        {failing},
        list_identity_providers={"Providers": []},
        create_user_pool_client={"UserPoolClient": {"ClientId": "c2"}},
    )
    source = Raising({failing}, "ap-northeast-2", describe_user_pool_client={"UserPoolClient": {"ClientName": "web"}})
    with pytest.raises(DRError) as caught:
        pools.mirror_clients(
            access(dr, "dr-id"),
            access(source, "ap-northeast-2_src"),
            {"source app clients": [{"ClientName": "web", "ClientId": "c1"}]},
        )
    assert message in caught.value.message and caught.value.exception is not None


def test_identity_provider_list_errors_are_explained():
    with pytest.raises(DRError, match="cannot list the identity providers of DR user pool dr-id"):
        pools.mirror_clients(
            access(Raising({"list_identity_providers"}), "dr-id"),
            access(Raising(set())),
            {"source app clients": [{"ClientName": "web", "ClientId": "c1"}]},
        )


def test_only_missing_app_clients_are_created_and_check_mode_predicts_them():
    data = {
        "DR app clients": [{"ClientName": "api", "ClientId": "d1"}],
        "source app clients": [{"ClientName": "api", "ClientId": "s1"}, {"ClientName": "web", "ClientId": "s2"}],
    }
    planned = pools.mirror_clients(access(Raising(set()), "dr-id"), access(Raising(set())), data, check_mode=True)
    assert planned == [
        {"client_name": "api", "client_id": "d1", "created": False},
        {"client_name": "web", "client_id": None, "created": True},
    ]
    dr = Raising(
        set(), list_identity_providers={"Providers": []}, create_user_pool_client={"UserPoolClient": {"ClientId": "d2"}}
    )
    source = Raising(set(), "ap-northeast-2", describe_user_pool_client={"UserPoolClient": {"ClientName": "web"}})
    done = pools.mirror_clients(access(dr, "dr-id"), access(source, "src"), data)
    assert done[1] == {"client_name": "web", "client_id": "d2", "created": True}
    assert dr.calls == ["list_identity_providers", "create_user_pool_client"]
