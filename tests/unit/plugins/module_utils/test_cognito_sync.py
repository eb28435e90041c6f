"""The Cognito DR diff: matching users, writable attributes, groups and memberships, pool mirroring."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils import cognito_sync as cs


def schema(**mutable):
    """A schema with email/name/sub standard attributes plus the given custom ones (name -> mutable)."""
    entries = [
        {"Name": "sub", "Mutable": False, "Required": True},
        {"Name": "email", "Mutable": True, "Required": True},
        {"Name": "email_verified", "Mutable": True},
        {"Name": "name", "Mutable": True},
    ]
    entries += [{"Name": f"custom:{name}", "Mutable": value} for name, value in mutable.items()]
    return cs.pool_schema({"SchemaAttributes": entries})


def user(username, enabled=True, **attrs):
    return {"Username": username, "Enabled": enabled,
            "Attributes": [{"Name": k.replace("__", ":"), "Value": v} for k, v in attrs.items()]}


SCHEMA = schema(tenant=False, plan=True)


def test_writable_attributes_leave_out_sub_excluded_and_unknown_ones():
    source = {"sub": "s-1", "email": "a@example.com", "name": "A", "custom:tenant": "t1", "custom:unknown": "x"}
    assert cs.creation_attributes(source, SCHEMA, {"name"}) == {"email": "a@example.com", "custom:tenant": "t1"}


def test_diff_sets_changed_mutable_attributes_and_reports_immutable_ones():
    diff = cs.diff_attributes({"email": "a@example.com", "custom:plan": "pro", "custom:tenant": "t1", "sub": "1"},
                              {"email": "a@example.com", "custom:plan": "free", "custom:tenant": "t2", "sub": "2"},
                              SCHEMA, set())
    assert diff.set == {"custom:plan": "pro"}
    assert diff.immutable == ["custom:tenant"] and diff.delete == []


def test_diff_deletes_attributes_gone_from_the_source_unless_required():
    diff = cs.diff_attributes({"email": "a@example.com"}, {"email": "a@example.com", "name": "A"}, SCHEMA, set())
    assert diff.delete == ["name"] and not diff.set
    diff = cs.diff_attributes({}, {"email": "a@example.com"}, SCHEMA, set())
    assert diff.delete == [] and diff.immutable == ["email"]  # required: cannot be deleted


def test_a_new_email_carries_its_verified_flag():
    diff = cs.diff_attributes({"email": "new@example.com", "email_verified": "true"},
                              {"email": "old@example.com", "email_verified": "true"}, SCHEMA, set())
    assert diff.set == {"email": "new@example.com", "email_verified": "true"}


def test_excluded_attributes_are_never_compared():
    diff = cs.diff_attributes({"email": "a@example.com", "name": "A"}, {"email": "a@example.com", "name": "B"},
                              SCHEMA, {"name"})
    assert not diff.changes


def test_match_by_auto_follows_the_source_sign_in_attribute():
    assert cs.resolve_match_by("auto", {"UsernameAttributes": ["email"]}) == "email"
    assert cs.resolve_match_by("auto", {}) == "username"
    assert cs.resolve_match_by("phone_number", {"UsernameAttributes": ["email"]}) == "phone_number"
    assert cs.user_key(user("uuid-1", email="a@example.com"), "email") == "a@example.com"
    assert cs.user_key(user("uuid-1"), "email") is None
    assert cs.user_key(user("alice"), "username") == "alice"


def test_plan_users_creates_updates_mirrors_state_and_counts_unchanged():
    source = [user("s1", email="a@example.com", name="A"), user("s2", email="b@example.com", name="B"),
              user("s3", email="c@example.com", enabled=False), user("s4", email="d@example.com"),
              user("s5")]
    dr = [user("d1", email="a@example.com", name="A"), user("d2", email="b@example.com", name="Old"),
          user("d3", email="c@example.com"), user("d9", email="gone@example.com")]
    plan = cs.plan_users(source, dr, SCHEMA, "email")
    assert [key for key, _ in plan.create] == ["d@example.com"]
    assert [(key, name, diff.set) for key, name, diff in plan.update] == [("b@example.com", "d2", {"name": "B"})]
    assert plan.disable == [("c@example.com", "d3")] and plan.enable == []
    assert plan.unchanged == 1 and plan.source_without_key == 1
    assert plan.purge_disable == [] and plan.delete == []
    assert plan.dr_usernames == {"a@example.com": "d1", "b@example.com": "d2", "c@example.com": "d3"}


@pytest.mark.parametrize("purge, disabled, deleted", [
    ("none", [], []), ("disable", [("gone@example.com", "d9")], []), ("delete", [], [("gone@example.com", "d9")]),
])
def test_purge_choices(purge, disabled, deleted):
    plan = cs.plan_users([user("s1", email="a@example.com")],
                         [user("d1", email="a@example.com"), user("d9", email="gone@example.com")],
                         SCHEMA, "email", purge=purge)
    assert plan.purge_disable == disabled and plan.delete == deleted


def test_purge_disable_leaves_users_already_disabled_alone():
    plan = cs.plan_users([], [user("d9", email="gone@example.com", enabled=False)], SCHEMA, "email",
                         purge="disable")
    assert plan.purge_disable == []


def test_duplicate_keys_are_counted_not_synced():
    plan = cs.plan_users([user("s1", email="a@example.com"), user("s2", email="a@example.com")], [], SCHEMA, "email")
    assert len(plan.create) == 1 and plan.duplicate_keys == 1


def test_groups_are_created_updated_and_deleted_only_with_purge_delete():
    source = [{"GroupName": "admins", "Description": "ops", "Precedence": 1},
              {"GroupName": "members", "Description": "all"}]
    dr = [{"GroupName": "members", "Description": "old"}, {"GroupName": "legacy", "Description": ""}]
    create, update, delete = cs.plan_groups(source, dr)
    assert [g["GroupName"] for g in create] == ["admins"]
    assert [g["GroupName"] for g in update] == ["members"] and delete == []
    assert cs.plan_groups(source, dr, purge="delete")[2] == ["legacy"]


def test_memberships_follow_the_source_but_leave_dr_only_users_alone():
    source_members = {"admins": {"a", "b"}, "members": {"c"}}
    dr_members = {"admins": {"a": "d-a", "c": "d-c", "x": "d-x"}, "members": {}}
    adds, removes = cs.plan_memberships(source_members, dr_members, source_keys={"a", "b", "c"})
    assert adds == [("admins", "b"), ("members", "c")]
    assert removes == [("admins", "d-c")]  # x is not a source user: left alone


def test_username_for_create_depends_on_the_dr_sign_in():
    source_user = user("uuid-1", email="a@example.com")
    assert cs.dr_username_for_create("a@example.com", source_user, "email", {"UsernameAttributes": ["email"]}) == (
        "a@example.com")
    assert cs.dr_username_for_create("a@example.com", source_user, "email", {}) == "uuid-1"


def test_incompatible_pools_are_explained():
    assert "set match_by to email" in cs.check_pools_compatible({}, {"UsernameAttributes": ["email"]}, "username")
    assert cs.check_pools_compatible({}, {"UsernameAttributes": ["email"]}, "email") is None
    assert cs.check_pools_compatible({}, {}, "username") is None


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
            {"Name": "custom:tenant", "AttributeDataType": "String", "Mutable": False,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
        ],
    }
    request = cs.create_pool_request(source, "dr-pool", {"pilotlight:source-user-pool": "src"})
    assert request["PoolName"] == "dr-pool" and request["MfaConfiguration"] == "OFF"
    assert request["Policies"] == source["Policies"] and request["UsernameAttributes"] == ["email"]
    assert "LambdaConfig" not in request and "EmailConfiguration" not in request
    assert request["UserPoolTags"] == {"app": "portforge", "pilotlight:source-user-pool": "src"}
    assert [entry["Name"] for entry in request["Schema"]] == ["email", "tenant"]
    tenant = request["Schema"][1]
    assert tenant["Mutable"] is False and tenant["StringAttributeConstraints"]["MaxLength"] == "64"


def test_pool_of_standard_attributes_sends_no_schema():
    # CreateUserPool refuses Schema=[] (min length 1): a pool with only default standard attributes sends none.
    source = {"SchemaAttributes": [
        {"Name": "sub", "AttributeDataType": "String", "Mutable": False, "Required": True},
        {"Name": "nickname", "AttributeDataType": "String", "Mutable": True, "Required": False},
    ]}
    assert "Schema" not in cs.create_pool_request(source, "dr-pool", {})


def test_app_client_mirror_gets_a_new_secret_and_known_providers_only():
    source = {"ClientName": "web", "ClientSecret": "s3cr3t", "ClientId": "abc", "CallbackURLs": ["https://x/cb"],
              "SupportedIdentityProviders": ["COGNITO", "Google"], "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]}
    request = cs.create_client_request(source, "pool-dr", dr_providers=[])
    assert request["GenerateSecret"] is True and "ClientSecret" not in request and "ClientId" not in request
    assert request["SupportedIdentityProviders"] == ["COGNITO"]
    assert request["CallbackURLs"] == ["https://x/cb"]


def test_scrub_removes_user_data_from_messages():
    message = "User alice@example.com with name Alice Kim already exists"
    assert cs.scrub(message, {"alice@example.com", "Alice Kim", "a"}) == "User *** with name *** already exists"
