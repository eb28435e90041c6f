"""Cognito user pools on the emulator: each test fails on plain moto and passes with the extension."""

import boto3
import botocore.exceptions
import pytest

SEOUL = "ap-northeast-2"
SCHEMA = [
    {"Name": "tenant", "AttributeDataType": "String", "Mutable": False},
    {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
]


def idp():
    return boto3.client("cognito-idp", region_name=SEOUL)


def pool():
    return idp().create_user_pool(PoolName="p", Schema=SCHEMA)["UserPool"]["Id"]


def create(pool_id, username, **attrs):
    return idp().admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()],
    )


def refused(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    assert info.value.response["Error"]["Code"] == "InvalidParameterException", info.value.response
    return info.value.response["Error"]["Message"]


def test_a_custom_schema_keeps_the_standard_attributes(gap_emulator):
    attributes = {a["Name"]: a for a in idp().describe_user_pool(UserPoolId=pool())["UserPool"]["SchemaAttributes"]}
    assert {"sub", "email", "name", "phone_number", "custom:tenant"} <= set(attributes)
    assert attributes["email"]["Required"] is True and attributes["custom:tenant"]["Mutable"] is False


def test_attributes_outside_the_schema_are_refused(gap_emulator):
    pool_id = pool()
    message = refused(lambda: create(pool_id, "alice", email="a@example.com", **{"custom:unknown": "x"}))
    assert message == (
        "Attributes did not conform to the schema: Type for attribute {custom:unknown} could not be determined"
    )
    assert "sub" in refused(lambda: create(pool_id, "bob", email="b@example.com", sub="forged"))


def test_required_attributes_must_be_given_and_cannot_be_deleted(gap_emulator):
    pool_id = pool()
    assert "email: The attribute is required" in refused(lambda: create(pool_id, "alice"))
    create(pool_id, "alice", email="a@example.com")
    assert refused(
        lambda: idp().admin_delete_user_attributes(UserPoolId=pool_id, Username="alice", UserAttributeNames=["email"])
    ) == ("user.email: Required attribute cannot be deleted.")


def test_immutable_attributes_are_set_at_creation_only(gap_emulator):
    pool_id = pool()
    create(pool_id, "alice", email="a@example.com", **{"custom:tenant": "t1"})
    for name in ("custom:tenant", "sub"):
        message = refused(
            lambda name=name: idp().admin_update_user_attributes(
                UserPoolId=pool_id, Username="alice", UserAttributes=[{"Name": name, "Value": "changed"}]
            )
        )
        assert message == f"user.{name}: Attribute cannot be updated."
    idp().admin_update_user_attributes(
        UserPoolId=pool_id, Username="alice", UserAttributes=[{"Name": "email", "Value": "new@example.com"}]
    )


def test_list_users_pages_survive_deletions_and_limit_is_checked(gap_emulator):
    pool_id = pool()
    for number in range(7):
        create(pool_id, f"user{number}", email=f"u{number}@example.com")
    first = idp().list_users(UserPoolId=pool_id, Limit=3)
    idp().admin_delete_user(UserPoolId=pool_id, Username="user3")  # the first user of the next page
    second = idp().list_users(UserPoolId=pool_id, Limit=3, PaginationToken=first["PaginationToken"])
    names = [u["Username"] for u in first["Users"] + second["Users"]]
    assert names == ["user0", "user1", "user2", "user4", "user5", "user6"]
    assert "PaginationToken" not in second
    assert "less than or equal to 60" in refused(lambda: idp().list_users(UserPoolId=pool_id, Limit=100))


def test_list_users_in_group_pages(gap_emulator):
    pool_id = pool()
    idp().create_group(UserPoolId=pool_id, GroupName="g")
    for number in range(5):
        create(pool_id, f"user{number}", email=f"u{number}@example.com")
        if number != 2:
            idp().admin_add_user_to_group(UserPoolId=pool_id, Username=f"user{number}", GroupName="g")
    pages = (
        idp()
        .get_paginator("list_users_in_group")
        .paginate(UserPoolId=pool_id, GroupName="g", PaginationConfig={"PageSize": 2})
    )
    assert [[u["Username"] for u in page["Users"]] for page in pages] == [["user0", "user1"], ["user3", "user4"]]
    assert "less than or equal to 60" in refused(
        lambda: idp().list_users_in_group(UserPoolId=pool_id, GroupName="g", Limit=61)
    )


def test_users_can_be_seeded_in_bulk(gap_emulator):
    pool_id = pool()
    idp().create_group(UserPoolId=pool_id, GroupName="g")
    users = [
        {
            "username": f"user{n}",
            "attributes": {"email": f"u{n}@example.com"},
            "groups": ["g"] if n % 2 else [],
            "enabled": n != 3,
        }
        for n in range(100)
    ]
    assert gap_emulator.post("/cognito/users", {"user_pool_id": pool_id, "users": users})["created"] == 100
    listed = idp().get_paginator("list_users").paginate(UserPoolId=pool_id).build_full_result()["Users"]
    assert len(listed) == 100 and [u["Enabled"] for u in listed].count(False) == 1
    assert (
        len(
            idp()
            .get_paginator("list_users_in_group")
            .paginate(UserPoolId=pool_id, GroupName="g")
            .build_full_result()["Users"]
        )
        == 50
    )


# -- sign-in after a failover, pool settings, tags, replicas ----------------------------------------------------
TOKYO = "ap-northeast-1"
CODE_HEADER = "x-moto-forgot-password-confirmation-code"
STRONG = "Str0ng!Passw0rd-x"


def sign_in_pool(**extra):
    pool_id = idp().create_user_pool(PoolName="signin", UsernameAttributes=["email"], **extra)["UserPool"]["Id"]
    client_id = idp().create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def code_catcher(client):
    """The code moto "sends" is in a response header: collect it as the user would read their email."""
    codes = []
    client.meta.events.register(
        "after-call.cognito-identity-provider.ForgotPassword",
        lambda http_response, **kwargs: codes.append(http_response.headers.get(CODE_HEADER)),
    )
    return codes


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_a_pool_with_both_validity_settings_is_refused(gap_emulator):
    code, message = error_of(
        lambda: idp().create_user_pool(
            PoolName="both",
            Policies={"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 7}},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True, "UnusedAccountValidityDays": 7},
        )
    )
    assert code == "InvalidParameterException" and "TemporaryPasswordValidityDays" in message
    idp().create_user_pool(
        PoolName="one",
        Policies={"PasswordPolicy": {"TemporaryPasswordValidityDays": 7}},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )


def test_forgot_password_is_refused_before_the_user_is_confirmed_or_without_a_verified_contact(gap_emulator):
    pool_id, client_id = sign_in_pool()
    create(pool_id, "alice@example.com", email="alice@example.com", email_verified="true")
    code, message = error_of(lambda: idp().forgot_password(ClientId=client_id, Username="alice@example.com"))
    assert (code, message) == ("NotAuthorizedException", "User password cannot be reset in the current state.")
    create(pool_id, "bob@example.com", email="bob@example.com")  # email not verified
    for username in ("alice@example.com", "bob@example.com"):
        idp().admin_set_user_password(UserPoolId=pool_id, Username=username, Password=STRONG, Permanent=True)
    delivery = idp().forgot_password(ClientId=client_id, Username="alice@example.com")["CodeDeliveryDetails"]
    assert delivery["DeliveryMedium"] == "EMAIL"
    code, message = error_of(lambda: idp().forgot_password(ClientId=client_id, Username="bob@example.com"))
    assert code == "InvalidParameterException" and "no registered/verified email or phone_number" in message


def test_account_recovery_admin_only_refuses_forgot_password(gap_emulator):
    pool_id, client_id = sign_in_pool(
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]}
    )
    create(pool_id, "alice@example.com", email="alice@example.com", email_verified="true")
    idp().admin_set_user_password(UserPoolId=pool_id, Username="alice@example.com", Password=STRONG, Permanent=True)
    code, _dummy = error_of(lambda: idp().forgot_password(ClientId=client_id, Username="alice@example.com"))
    assert code == "InvalidParameterException"


def test_confirm_forgot_password_takes_only_the_code_sent(gap_emulator):
    pool_id, client_id = sign_in_pool()
    create(pool_id, "alice@example.com", email="alice@example.com", email_verified="true")
    idp().admin_set_user_password(UserPoolId=pool_id, Username="alice@example.com", Password=STRONG, Permanent=True)
    client = idp()
    codes = code_catcher(client)
    client.forgot_password(ClientId=client_id, Username="alice@example.com")
    code, _dummy = error_of(
        lambda: client.confirm_forgot_password(
            ClientId=client_id, Username="alice@example.com", ConfirmationCode="123456", Password="N3w!Passw0rd-y"
        )
    )
    assert code == "CodeMismatchException"
    client.confirm_forgot_password(
        ClientId=client_id, Username="alice@example.com", ConfirmationCode=codes[-1], Password="N3w!Passw0rd-y"
    )
    tokens = client.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice@example.com", "PASSWORD": "N3w!Passw0rd-y"},
    )
    assert tokens["AuthenticationResult"]["IdToken"]


def test_user_pools_can_be_tagged(gap_emulator):
    pool_id = pool()
    arn = idp().describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
    idp().tag_resource(ResourceArn=arn, Tags={"pilotlight:last-user-sync": "2026-12-06T00:00:00Z", "team": "a"})
    idp().untag_resource(ResourceArn=arn, TagKeys=["team"])
    tags = idp().list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert tags == {"pilotlight:last-user-sync": "2026-12-06T00:00:00Z"}
    assert idp().describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolTags"] == {
        "pilotlight:last-user-sync": "2026-12-06T00:00:00Z"
    }


def test_a_replica_pool_in_another_region_holds_the_users(gap_emulator):
    key = "arn:aws:kms:ap-northeast-2:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    pool_id = idp().create_user_pool(
        PoolName="mrr",
        UserPoolTier="ESSENTIALS",
        KeyConfiguration={"KeyType": "CUSTOMER_MANAGED_KEY", "KmsKeyArn": key},
    )["UserPool"]["Id"]
    create(pool_id, "alice", email="alice@example.com")
    replica = idp().create_user_pool_replica(UserPoolId=pool_id, RegionName=TOKYO)["UserPoolReplica"]
    assert (replica["RegionName"], replica["Role"]) == (TOKYO, "SECONDARY")
    tokyo = boto3.client("cognito-idp", region_name=TOKYO)
    assert tokyo.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == "mrr"
    create(pool_id, "bob", email="bob@example.com")  # written in the primary, replicated
    assert sorted(u["Username"] for u in tokyo.list_users(UserPoolId=pool_id)["Users"]) == ["alice", "bob"]
    listed = idp().list_user_pool_replicas(UserPoolId=pool_id)["UserPoolReplicas"]
    assert [(r["RegionName"], r["Role"], r["Status"]) for r in listed] == [
        (SEOUL, "PRIMARY", "ACTIVE"),
        (TOKYO, "SECONDARY", "ACTIVE"),
    ]
    # an AWS owned key does not qualify
    plain = pool()
    code, _dummy = error_of(lambda: idp().create_user_pool_replica(UserPoolId=plain, RegionName=TOKYO))
    assert code == "InvalidParameterException"
