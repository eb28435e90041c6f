"""Cognito user pools on the emulator: each test fails on plain moto and passes with the extension."""

import boto3
import botocore.exceptions
import pytest

SEOUL = "ap-northeast-2"
SCHEMA = [{"Name": "tenant", "AttributeDataType": "String", "Mutable": False},
          {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}]


def idp():
    return boto3.client("cognito-idp", region_name=SEOUL)


def pool():
    return idp().create_user_pool(PoolName="p", Schema=SCHEMA)["UserPool"]["Id"]


def create(pool_id, username, **attrs):
    return idp().admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()])


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
    assert message == ("Attributes did not conform to the schema: Type for attribute {custom:unknown} could not be "
                       "determined")
    assert "sub" in refused(lambda: create(pool_id, "bob", email="b@example.com", sub="forged"))


def test_required_attributes_must_be_given_and_cannot_be_deleted(gap_emulator):
    pool_id = pool()
    assert "email: The attribute is required" in refused(lambda: create(pool_id, "alice"))
    create(pool_id, "alice", email="a@example.com")
    assert refused(lambda: idp().admin_delete_user_attributes(
        UserPoolId=pool_id, Username="alice", UserAttributeNames=["email"])) == (
        "user.email: Required attribute cannot be deleted.")


def test_immutable_attributes_are_set_at_creation_only(gap_emulator):
    pool_id = pool()
    create(pool_id, "alice", email="a@example.com", **{"custom:tenant": "t1"})
    for name in ("custom:tenant", "sub"):
        message = refused(lambda: idp().admin_update_user_attributes(
            UserPoolId=pool_id, Username="alice", UserAttributes=[{"Name": name, "Value": "changed"}]))
        assert message == f"user.{name}: Attribute cannot be updated."
    idp().admin_update_user_attributes(UserPoolId=pool_id, Username="alice",
                                       UserAttributes=[{"Name": "email", "Value": "new@example.com"}])


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
    pages = idp().get_paginator("list_users_in_group").paginate(
        UserPoolId=pool_id, GroupName="g", PaginationConfig={"PageSize": 2})
    assert [[u["Username"] for u in page["Users"]] for page in pages] == [["user0", "user1"], ["user3", "user4"]]
    assert "less than or equal to 60" in refused(
        lambda: idp().list_users_in_group(UserPoolId=pool_id, GroupName="g", Limit=61))


def test_users_can_be_seeded_in_bulk(gap_emulator):
    pool_id = pool()
    idp().create_group(UserPoolId=pool_id, GroupName="g")
    users = [{"username": f"user{n}", "attributes": {"email": f"u{n}@example.com"}, "groups": ["g"] if n % 2 else [],
              "enabled": n != 3} for n in range(100)]
    assert gap_emulator.post("/cognito/users", {"user_pool_id": pool_id, "users": users})["created"] == 100
    listed = idp().get_paginator("list_users").paginate(UserPoolId=pool_id).build_full_result()["Users"]
    assert len(listed) == 100 and [u["Enabled"] for u in listed].count(False) == 1
    assert len(idp().get_paginator("list_users_in_group").paginate(
        UserPoolId=pool_id, GroupName="g").build_full_result()["Users"]) == 50
