"""The Cognito DR diff: matching users, writable attributes, groups and memberships."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import diff as cs


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
    return {
        "Username": username,
        "Enabled": enabled,
        "Attributes": [{"Name": k.replace("__", ":"), "Value": v} for k, v in attrs.items()],
    }


SCHEMA = schema(tenant=False, plan=True)


def test_writable_attributes_leave_out_sub_excluded_and_unknown_ones():
    source = {"sub": "s-1", "email": "a@example.com", "name": "A", "custom:tenant": "t1", "custom:unknown": "x"}
    assert cs.creation_attributes(source, SCHEMA, {"name"}) == {"email": "a@example.com", "custom:tenant": "t1"}


def test_diff_sets_changed_mutable_attributes_and_reports_immutable_ones():
    diff = cs.diff_attributes(
        {"email": "a@example.com", "custom:plan": "pro", "custom:tenant": "t1", "sub": "1"},
        {"email": "a@example.com", "custom:plan": "free", "custom:tenant": "t2", "sub": "2"},
        SCHEMA,
        set(),
    )
    assert diff.set == {"custom:plan": "pro"}
    assert diff.immutable == ["custom:tenant"] and diff.delete == []


def test_diff_deletes_attributes_gone_from_the_source_unless_required():
    diff = cs.diff_attributes({"email": "a@example.com"}, {"email": "a@example.com", "name": "A"}, SCHEMA, set())
    assert diff.delete == ["name"] and not diff.set
    diff = cs.diff_attributes({}, {"email": "a@example.com"}, SCHEMA, set())
    assert diff.delete == [] and diff.immutable == ["email"]  # required: cannot be deleted


def test_a_new_email_carries_its_verified_flag():
    diff = cs.diff_attributes(
        {"email": "new@example.com", "email_verified": "true"},
        {"email": "old@example.com", "email_verified": "true"},
        SCHEMA,
        set(),
    )
    assert diff.set == {"email": "new@example.com", "email_verified": "true"}


def test_excluded_attributes_are_never_compared():
    diff = cs.diff_attributes(
        {"email": "a@example.com", "name": "A"}, {"email": "a@example.com", "name": "B"}, SCHEMA, {"name"}
    )
    assert not diff.changes


def test_match_by_auto_follows_the_source_sign_in_attribute():
    assert cs.resolve_match_by("auto", {"UsernameAttributes": ["email"]}) == "email"
    assert cs.resolve_match_by("auto", {}) == "username"
    assert cs.resolve_match_by("phone_number", {"UsernameAttributes": ["email"]}) == "phone_number"
    assert cs.user_key(user("uuid-1", email="a@example.com"), "email") == "a@example.com"
    assert cs.user_key(user("uuid-1"), "email") is None
    assert cs.user_key(user("alice"), "username") == "alice"


def test_plan_users_creates_updates_mirrors_state_and_counts_unchanged():
    source = [
        user("s1", email="a@example.com", name="A"),
        user("s2", email="b@example.com", name="B"),
        user("s3", email="c@example.com", enabled=False),
        user("s4", email="d@example.com"),
        user("s5"),
    ]
    dr = [
        user("d1", email="a@example.com", name="A"),
        user("d2", email="b@example.com", name="Old"),
        user("d3", email="c@example.com"),
        user("d9", email="gone@example.com"),
    ]
    plan = cs.plan_users(source, dr, SCHEMA, "email")
    assert [key for key, _dummy in plan.create] == ["d@example.com"]
    assert [(key, name, diff.set) for key, name, diff in plan.update] == [("b@example.com", "d2", {"name": "B"})]
    assert plan.disable == [("c@example.com", "d3")] and plan.enable == []
    assert plan.unchanged == 1 and plan.source_without_key == 1
    assert plan.purge_disable == [] and plan.delete == []
    assert plan.dr_usernames == {"a@example.com": "d1", "b@example.com": "d2", "c@example.com": "d3"}


@pytest.mark.parametrize(
    "purge, disabled, deleted",
    [
        ("none", [], []),
        ("disable", [("gone@example.com", "d9")], []),
        ("delete", [], [("gone@example.com", "d9")]),
    ],
)
def test_purge_choices(purge, disabled, deleted):
    plan = cs.plan_users(
        [user("s1", email="a@example.com")],
        [user("d1", email="a@example.com"), user("d9", email="gone@example.com")],
        SCHEMA,
        "email",
        purge=purge,
    )
    assert plan.purge_disable == disabled and plan.delete == deleted


def test_purge_disable_leaves_users_already_disabled_alone():
    plan = cs.plan_users([], [user("d9", email="gone@example.com", enabled=False)], SCHEMA, "email", purge="disable")
    assert plan.purge_disable == []


def test_duplicate_keys_are_counted_not_synced():
    plan = cs.plan_users([user("s1", email="a@example.com"), user("s2", email="a@example.com")], [], SCHEMA, "email")
    assert len(plan.create) == 1 and plan.duplicate_keys == 1


def test_groups_are_created_updated_and_deleted_only_with_purge_delete():
    source = [
        {"GroupName": "admins", "Description": "ops", "Precedence": 1},
        {"GroupName": "members", "Description": "all"},
    ]
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
        "a@example.com"
    )
    assert cs.dr_username_for_create("a@example.com", source_user, "email", {}) == "uuid-1"


def test_incompatible_pools_are_explained():
    assert "set match_by to email" in cs.check_pools_compatible({}, {"UsernameAttributes": ["email"]}, "username")
    assert cs.check_pools_compatible({}, {"UsernameAttributes": ["email"]}, "email") is None
    assert cs.check_pools_compatible({}, {}, "username") is None


# -- federated users ----------------------------------------------------------------------------------
def external(username, **attrs):
    value = user(username, **attrs)
    value["UserStatus"] = "EXTERNAL_PROVIDER"
    return value


def test_federated_source_users_are_skipped_and_counted():
    source = [
        user("s1", email="a@example.com"),
        external("Google_123", email="g@example.com"),
        external("SAML_7", email="s@example.com"),
    ]
    plan = cs.plan_users(source, [], SCHEMA, "email")
    assert [key for key, _dummy in plan.create] == ["a@example.com"]
    assert plan.skipped_external == 2 and plan.source_without_key == 0 and plan.duplicate_keys == 0
    assert plan.external_keys == {"g@example.com", "s@example.com"}


@pytest.mark.parametrize("purge", ["disable", "delete"])
def test_dr_users_with_the_key_of_a_federated_source_user_are_never_purged(purge):
    source = [external("Google_123", email="g@example.com")]
    dr = [user("Google_456", email="g@example.com"), user("d9", email="gone@example.com")]
    plan = cs.plan_users(source, dr, SCHEMA, "email", purge=purge)
    assert plan.update == [] and plan.create == []
    assert [key for key, _dummy in plan.purge_disable + plan.delete] == ["gone@example.com"]


def test_a_local_source_user_with_the_key_of_a_federated_one_is_synced():
    source = [user("s1", email="a@example.com"), external("Google_1", email="a@example.com")]
    plan = cs.plan_users(source, [], SCHEMA, "email")
    assert [key for key, _dummy in plan.create] == ["a@example.com"] and plan.external_keys == set()


def test_external_provider_is_a_user_status_of_the_botocore_model():
    import botocore.session

    model = botocore.session.get_session().get_service_model("cognito-idp")
    assert cs.EXTERNAL_PROVIDER in model.shape_for("UserStatusType").enum
