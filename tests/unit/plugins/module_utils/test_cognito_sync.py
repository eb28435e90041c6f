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


# -- federated users ----------------------------------------------------------------------------------
def external(username, **attrs):
    value = user(username, **attrs)
    value["UserStatus"] = "EXTERNAL_PROVIDER"
    return value


def test_federated_source_users_are_skipped_and_counted():
    source = [user("s1", email="a@example.com"), external("Google_123", email="g@example.com"),
              external("SAML_7", email="s@example.com")]
    plan = cs.plan_users(source, [], SCHEMA, "email")
    assert [key for key, _ in plan.create] == ["a@example.com"]
    assert plan.skipped_external == 2 and plan.source_without_key == 0 and plan.duplicate_keys == 0
    assert plan.external_keys == {"g@example.com", "s@example.com"}


@pytest.mark.parametrize("purge", ["disable", "delete"])
def test_dr_users_with_the_key_of_a_federated_source_user_are_never_purged(purge):
    source = [external("Google_123", email="g@example.com")]
    dr = [user("Google_456", email="g@example.com"), user("d9", email="gone@example.com")]
    plan = cs.plan_users(source, dr, SCHEMA, "email", purge=purge)
    assert plan.update == [] and plan.create == []
    assert [key for key, _ in plan.purge_disable + plan.delete] == ["gone@example.com"]


def test_a_local_source_user_with_the_key_of_a_federated_one_is_synced():
    source = [user("s1", email="a@example.com"), external("Google_1", email="a@example.com")]
    plan = cs.plan_users(source, [], SCHEMA, "email")
    assert [key for key, _ in plan.create] == ["a@example.com"] and plan.external_keys == set()


def test_external_provider_is_a_user_status_of_the_botocore_model():
    import botocore.session

    model = botocore.session.get_session().get_service_model("cognito-idp")
    assert cs.EXTERNAL_PROVIDER in model.shape_for("UserStatusType").enum


# -- page reads: retried, rate limited, with botocore's tokens ------------------------------------------------
def _module():
    from ansible_collections.pilotlight.dr.plugins.modules import cognito_dr_sync

    return cognito_dr_sync


class PagedClient:
    """A Cognito client that answers list calls in pages of one and throttles the calls numbered in ``throttle``."""

    def __init__(self, items=(), throttle=(), fail=None, region="ap-northeast-1"):
        self.items = list(items)
        self.throttle = set(throttle)
        self.fail = fail or {}
        self.calls = []
        self.meta = type("Meta", (), {"region_name": region})()

    def _error(self, code, operation):
        from botocore.exceptions import ClientError

        return ClientError({"Error": {"Code": code, "Message": "no"}}, operation)

    def _list(self, operation, request, token_in, token_out, key):
        assert "aws_retry" not in request  # RETRY_DECORATOR is the one retry layer of a page read
        self.calls.append((operation, dict(request)))
        if len(self.calls) in self.throttle:
            raise self._error("TooManyRequestsException", operation)
        if operation in self.fail:
            raise self._error(self.fail[operation], operation)
        start = int(request.get(token_in) or 0)
        page = {key: self.items[start:start + 1]}
        if start + 1 < len(self.items):
            page[token_out] = str(start + 1)
        return page

    def __getattr__(self, operation):
        if operation not in _module().PAGES:
            raise AttributeError(operation)
        token_in, token_out, key = _module().PAGES[operation]
        return lambda **request: self._list(operation, request, token_in, token_out, key)


class CountingLimiter:
    def __init__(self):
        self.acquired = 0

    def acquire(self):
        self.acquired += 1
        return 0.0


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def test_page_tokens_are_those_of_the_botocore_paginators():
    import botocore.session

    model = botocore.session.get_session().get_paginator_model("cognito-idp")
    for operation, (token_in, token_out, key) in _module().PAGES.items():
        config = model.get_paginator("".join(part.capitalize() for part in operation.split("_")))
        assert (config["input_token"], config["output_token"], config["result_key"]) == (token_in, token_out, key)


def test_every_page_is_read_each_throttled_page_again_within_the_rate_limit(no_sleep):
    users = [{"Username": f"u{i}"} for i in range(5)]
    client = PagedClient(users, throttle={2, 3, 5})
    limiter = CountingLimiter()
    assert _module().list_users(client, "pool", limiter) == users
    assert len(client.calls) == 8  # 5 pages + 3 throttled attempts, the throttled page read again
    assert [request.get("PaginationToken") for _, request in client.calls] == [None, "1", "1", "1", "2", "2",
                                                                               "3", "4"]
    assert limiter.acquired == 8  # every attempt counts against max_rps


@pytest.mark.parametrize("reader, operation, extra", [
    ("list_groups", "list_groups", ()), ("list_members", "list_users_in_group", ("admins",)),
    ("list_clients", "list_user_pool_clients", ()),
])
def test_group_member_and_client_reads_are_paged_and_retried(no_sleep, reader, operation, extra):
    client = PagedClient([{"n": 1}, {"n": 2}], throttle={1})
    assert getattr(_module(), reader)(client, "pool", *extra) == [{"n": 1}, {"n": 2}]
    assert {name for name, _ in client.calls} == {operation} and len(client.calls) == 3


def test_listing_pools_to_find_one_by_name_is_paged_and_its_errors_explained(no_sleep):
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

    client = PagedClient([{"Id": "p1", "Name": "other"}, {"Id": "p2", "Name": "dr"}], throttle={1})
    client.describe_user_pool = lambda UserPoolId, aws_retry: {"UserPool": {"Id": UserPoolId}}
    assert _module().find_pool(client, name="dr") == {"Id": "p2"}
    denied = PagedClient(fail={"list_user_pools": "AccessDeniedException"})
    with pytest.raises(DRError) as caught:
        _module().find_pool(denied, name="dr")
    assert "cannot list the user pools of ap-northeast-1 to find dr" in caught.value.message
    assert "ListUserPools" in caught.value.message and caught.value.exception is not None


# -- pool and app client mirroring: AWS errors become DRErrors --------------------------------------------------
class FakeModule:
    check_mode = False
    region = "ap-northeast-1"

    def __init__(self, **params):
        self.params = dict(source_region="ap-northeast-2", user_pool_name="dr-pool", max_rps=100.0,
                           max_concurrency=2, match_by="auto", **params)
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


class Raising:
    """A client whose named calls fail with InvalidParameterException; others answer ``answers``."""

    def __init__(self, failing, **answers):
        self.failing = failing
        self.answers = answers
        self.meta = type("Meta", (), {"region_name": "ap-northeast-1"})()

    def __getattr__(self, name):
        from botocore.exceptions import ClientError

        def call(**request):
            if name in self.failing:
                raise ClientError({"Error": {"Code": "InvalidParameterException", "Message": "bad"}}, name)
            return self.answers[name]

        return call


def _sync(dr, source, **source_pool):
    module = _module()
    sync = module.Sync(FakeModule(), FakeModule().params)
    sync.dr, sync.source = dr, source
    sync.source_pool = dict({"Id": "ap-northeast-2_src", "SchemaAttributes": []}, **source_pool)
    return sync


@pytest.mark.parametrize("failing, message", [
    ("create_user_pool", "cannot create DR user pool dr-pool in ap-northeast-1 like source pool ap-northeast-2_src"),
    ("set_user_pool_mfa_config", "created DR user pool dr-pool (new-id) in ap-northeast-1, but cannot set its MFA"),
    ("describe_user_pool", "created DR user pool dr-pool (new-id) in ap-northeast-1 but cannot describe it"),
])
def test_pool_creation_errors_name_the_pool_and_the_fix(failing, message):
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

    dr = Raising({failing}, create_user_pool={"UserPool": {"Id": "new-id"}}, set_user_pool_mfa_config={},
                 describe_user_pool={"UserPool": {"Id": "new-id"}})
    source = Raising(set(), get_user_pool_mfa_config={"MfaConfiguration": "ON",
                                                      "SoftwareTokenMfaConfiguration": {"Enabled": True}})
    sync = _sync(dr, source, MfaConfiguration="ON")
    with pytest.raises(DRError) as caught:
        sync.create_pool()
    assert message in caught.value.message
    assert caught.value.exception.response["Error"]["Code"] == "InvalidParameterException"


@pytest.mark.parametrize("failing, message", [
    ("describe_user_pool_client", "cannot describe app client web of source user pool ap-northeast-2_src"),
    ("create_user_pool_client", "cannot create app client web in DR user pool dr-id (ap-northeast-1)"),
])
def test_app_client_mirror_errors_name_the_client_and_the_fix(failing, message):
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

    dr = Raising({failing}, list_identity_providers={"Providers": []},
                 create_user_pool_client={"UserPoolClient": {"ClientId": "c2"}})
    source = Raising({failing}, describe_user_pool_client={"UserPoolClient": {"ClientName": "web"}})
    sync = _sync(dr, source)
    sync.dr_pool = {"Id": "dr-id"}
    with pytest.raises(DRError) as caught:
        sync.mirror_clients({"source app clients": [{"ClientName": "web", "ClientId": "c1"}]})
    assert message in caught.value.message and caught.value.exception is not None


def test_identity_provider_list_errors_are_explained():
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

    sync = _sync(Raising({"list_identity_providers"}), Raising(set()))
    sync.dr_pool = {"Id": "dr-id"}
    with pytest.raises(DRError, match="cannot list the identity providers of DR user pool dr-id"):
        sync.mirror_clients({"source app clients": [{"ClientName": "web", "ClientId": "c1"}]})
