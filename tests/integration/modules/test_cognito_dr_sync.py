"""cognito_dr_sync against the emulator: diff-based user/group mirroring, privacy, pool mirroring, errors."""

import json

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SOURCE, DR = "portforge-user-pool", "portforge-dr-user-pool"
SCHEMA = [
    {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
    {"Name": "tenant", "AttributeDataType": "String", "Mutable": False},
    {"Name": "plan", "AttributeDataType": "String", "Mutable": True},
]
PEOPLE = {
    "alice@example.com": {"nickname": "alice", "custom:tenant": "t1", "custom:plan": "pro", "groups": ["admins"]},
    "bob@example.com": {"nickname": "bob", "custom:tenant": "t1", "custom:plan": "free", "groups": ["members"]},
    "carol@example.com": {"nickname": "carol", "custom:tenant": "t2", "groups": ["members", "admins"]},
    "dave@example.com": {"nickname": "dave", "custom:tenant": "t2", "groups": [], "disabled": True},
}


def idp(region):
    return boto3.client("cognito-idp", region_name=region)


def make_pool(region, name, email_sign_in=True, **extra):
    params = dict(
        PoolName=name, Schema=SCHEMA, Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": True}}
    )
    if email_sign_in:
        params["UsernameAttributes"] = ["email"]
    params.update(extra)
    return idp(region).create_user_pool(**params)["UserPool"]["Id"]


def add_user(pool, email, region=SEOUL, groups=(), disabled=False, **attributes):
    client = idp(region)
    attrs = {"email": email, "email_verified": "true"}
    attrs.update(attributes)
    username = client.admin_create_user(
        UserPoolId=pool,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()],
    )["User"]["Username"]
    for group in groups:
        client.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
    if disabled:
        client.admin_disable_user(UserPoolId=pool, Username=username)
    return username


@pytest.fixture
def source(emulator):
    pool = make_pool(SEOUL, SOURCE)
    client = idp(SEOUL)
    client.create_group(UserPoolId=pool, GroupName="admins", Description="operators", Precedence=1)
    client.create_group(UserPoolId=pool, GroupName="members", Description="everyone")
    client.create_user_pool_client(
        UserPoolId=pool,
        ClientName="portforge-client",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        CallbackURLs=["https://portforge.org/callback"],
    )
    users = [
        {
            "username": email,
            "groups": spec["groups"],
            "enabled": not spec.get("disabled"),
            "attributes": dict(
                {k: v for k, v in spec.items() if k not in ("groups", "disabled")}, email=email, email_verified="true"
            ),
        }
        for email, spec in PEOPLE.items()
    ]
    emulator.post("/cognito/users", {"user_pool_id": pool, "users": users})  # seeding only; the sync uses the API
    return pool


@pytest.fixture
def dr_pool(emulator):
    return make_pool(TOKYO, DR)


def args(**extra):
    value = dict(region=TOKYO, source_region=SEOUL, source_user_pool_name=SOURCE, user_pool_name=DR)
    value.update(extra)
    return value


def dr_users(pool):
    users = idp(TOKYO).get_paginator("list_users").paginate(UserPoolId=pool).build_full_result()["Users"]
    return {
        attrs["email"]: (user, attrs)
        for user in users
        for attrs in [{a["Name"]: a["Value"] for a in user["Attributes"]}]
    }


def dr_members(pool, group):
    users = idp(TOKYO).list_users_in_group(UserPoolId=pool, GroupName=group)["Users"]
    return sorted(a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email")


def assert_no_user_data(result):
    text = json.dumps(result)
    for email, spec in PEOPLE.items():
        assert email not in text and spec["nickname"] not in text, f"{email} leaked into the result"


def test_check_mode_counts_and_writes_nothing(emulator, source, dr_pool, run_module):
    since = emulator.last_seq()
    result = run_module("cognito_dr_sync", args(), check=True, diff=True)
    assert result.changed and not result.failed, result
    assert emulator.mutating_calls(since=since) == []
    counts = result["counts"]
    assert (counts["source_users"], counts["created"], counts["groups_created"], counts["memberships_added"]) == (
        4,
        4,
        2,
        4,
    )
    assert counts["dr_users"] == 4 and counts["failed"] == 0
    assert result["match_by"] == "email"
    assert result["diff"]["before"] == {"users": 0, "groups": [], "memberships": 0}
    assert result["diff"]["after"] == {"users": 4, "groups": ["admins", "members"], "memberships": 4}
    assert_no_user_data(result)
    assert dr_users(dr_pool) == {}


def test_sync_mirrors_users_groups_and_state_then_rerun_changes_nothing(emulator, source, dr_pool, run_module):
    result = run_module("cognito_dr_sync", args(), diff=True)
    assert result.changed and not result.failed, result
    assert result["counts"]["created"] == 4 and result["counts"]["memberships_added"] == 4
    assert_no_user_data(result)
    users = dr_users(dr_pool)
    assert set(users) == set(PEOPLE)
    alice, attrs = users["alice@example.com"]
    assert attrs["custom:tenant"] == "t1" and attrs["custom:plan"] == "pro" and attrs["nickname"] == "alice"
    assert attrs["email_verified"] == "true"
    source_sub = {
        a["Name"]: a["Value"]
        for a in idp(SEOUL).admin_get_user(UserPoolId=source, Username="alice@example.com")["UserAttributes"]
    }["sub"]
    assert attrs["sub"] != source_sub  # sub is never copied
    # a random password nobody knows: CONFIRMED, so "forgot password" works in DR (test_cognito_sign_in.py)
    assert alice["UserStatus"] == "CONFIRMED" and result["counts"]["confirmed"] == 4
    assert result["counts"]["needs_admin_reset"] == 0
    assert users["dave@example.com"][0]["Enabled"] is False
    assert dr_members(dr_pool, "admins") == ["alice@example.com", "carol@example.com"]
    assert dr_members(dr_pool, "members") == ["bob@example.com", "carol@example.com"]
    group = idp(TOKYO).get_group(UserPoolId=dr_pool, GroupName="admins")["Group"]
    assert (group["Description"], group["Precedence"]) == ("operators", 1)
    creates = emulator.calls(action="AdminCreateUser", region=TOKYO)
    assert len(creates) == 4

    since = emulator.last_seq()
    again = run_module("cognito_dr_sync", args(), diff=True)
    assert not again.changed and not again.failed, again
    assert again["counts"]["unchanged"] == 4 and again["counts"]["confirmed"] == 0
    # the one write of a sync with nothing to change: the time of this sync, on the DR pool (not a change)
    assert [c["action"] for c in emulator.mutating_calls(since=since)] == ["TagResource"]
    assert again["last_sync_at"] >= result["last_sync_at"] and again["last_sync_users"] == 4
    assert again["diff"]["before"] == again["diff"]["after"]


def test_only_differences_are_written(emulator, source, dr_pool, run_module):
    run_module("cognito_dr_sync", args())
    client = idp(SEOUL)
    client.admin_update_user_attributes(
        UserPoolId=source, Username="bob@example.com", UserAttributes=[{"Name": "custom:plan", "Value": "pro"}]
    )
    client.admin_remove_user_from_group(UserPoolId=source, Username="carol@example.com", GroupName="admins")
    client.admin_enable_user(UserPoolId=source, Username="dave@example.com")
    client.admin_disable_user(UserPoolId=source, Username="alice@example.com")
    client.update_group(UserPoolId=source, GroupName="members", Description="all customers")
    since = emulator.last_seq()
    result = run_module("cognito_dr_sync", args())
    assert not result.failed, result
    counts = result["counts"]
    assert (
        counts["updated"],
        counts["enabled"],
        counts["disabled"],
        counts["memberships_removed"],
        counts["groups_updated"],
        counts["created"],
        counts["unchanged"],
    ) == (1, 1, 1, 1, 1, 0, 1)
    actions = sorted(c["action"] for c in emulator.mutating_calls(since=since))
    assert actions == [
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminRemoveUserFromGroup",
        "AdminUpdateUserAttributes",
        "TagResource",
        "UpdateGroup",
    ]
    users = dr_users(dr_pool)
    assert users["bob@example.com"][1]["custom:plan"] == "pro"
    assert users["alice@example.com"][0]["Enabled"] is False and users["dave@example.com"][0]["Enabled"] is True
    assert dr_members(dr_pool, "admins") == ["alice@example.com"]


def test_immutable_and_excluded_attributes_are_not_written(emulator, source, dr_pool, run_module):
    add_user(
        dr_pool, "alice@example.com", region=TOKYO, nickname="alice", **{"custom:tenant": "other", "custom:plan": "pro"}
    )
    result = run_module("cognito_dr_sync", args(attributes_exclude=["nickname"]))
    assert not result.failed, result
    assert result["counts"]["immutable_differences"] == 1
    users = dr_users(dr_pool)
    assert users["alice@example.com"][1]["custom:tenant"] == "other"  # immutable: only set at creation
    assert "nickname" not in users["bob@example.com"][1]


def test_purge_of_users_gone_from_the_source(emulator, source, dr_pool, run_module):
    run_module("cognito_dr_sync", args())
    idp(SEOUL).admin_delete_user(UserPoolId=source, Username="bob@example.com")
    kept = run_module("cognito_dr_sync", args())
    assert not kept.changed and dr_users(dr_pool)["bob@example.com"][0]["Enabled"] is True
    disabled = run_module("cognito_dr_sync", args(purge="disable"))
    assert disabled["counts"]["disabled"] == 1 and disabled["counts"]["deleted"] == 0, disabled
    assert dr_users(dr_pool)["bob@example.com"][0]["Enabled"] is False
    assert not run_module("cognito_dr_sync", args(purge="disable")).changed
    deleted = run_module("cognito_dr_sync", args(purge="delete"))
    assert deleted["counts"]["deleted"] == 1, deleted
    assert "bob@example.com" not in dr_users(dr_pool)


def test_show_users_reveals_keys_only_when_asked(emulator, source, dr_pool, run_module):
    result = run_module("cognito_dr_sync", args(show_users=True), diff=True)
    assert result["users"]["created"] == sorted(PEOPLE)
    assert result["diff"]["after"]["user_keys"] == sorted(PEOPLE)


def test_create_pool_and_app_clients_by_mirroring_the_source(emulator, source, run_module):
    since = emulator.last_seq()
    planned = run_module("cognito_dr_sync", args(create_user_pool=True, mirror_app_clients=True), check=True)
    assert planned.changed and planned["user_pool"]["created"] and planned["user_pool"]["id"] is None
    assert planned["app_clients"] == [{"client_name": "portforge-client", "client_id": None, "created": True}]
    assert emulator.mutating_calls(since=since) == []

    result = run_module("cognito_dr_sync", args(create_user_pool=True, mirror_app_clients=True))
    assert result.changed and not result.failed, result
    pool_id = result["user_pool"]["id"]
    assert pool_id.startswith(TOKYO) and result["user_pool"]["created"]
    pool = idp(TOKYO).describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    schema = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert schema["custom:tenant"]["Mutable"] is False and "custom:plan" in schema and schema["email"]["Required"]
    assert pool["UserPoolTags"]["pilotlight:source-user-pool"] == source
    client = result["app_clients"][0]
    assert client["created"] and client["client_id"]
    described = idp(TOKYO).describe_user_pool_client(UserPoolId=pool_id, ClientId=client["client_id"])
    assert described["UserPoolClient"]["CallbackURLs"] == ["https://portforge.org/callback"]
    assert "ClientSecret" not in json.dumps(result)
    assert set(dr_users(pool_id)) == set(PEOPLE)

    again = run_module("cognito_dr_sync", args(create_user_pool=True, mirror_app_clients=True))
    assert not again.changed and again["user_pool"]["id"] == pool_id and not again["app_clients"][0]["created"]


def test_failed_writes_are_reported_without_user_data(emulator, source, run_module):
    # the DR pool requires an attribute that one source user lacks: that creation fails, the rest go on
    schema = SCHEMA + [{"Name": "nickname", "AttributeDataType": "String", "Required": True, "Mutable": True}]
    dr = make_pool(TOKYO, DR, Schema=schema)
    idp(SEOUL).admin_delete_user_attributes(
        UserPoolId=source, Username="carol@example.com", UserAttributeNames=["nickname"]
    )
    result = run_module("cognito_dr_sync", args())
    assert result.failed and "create_user failed for 1 item(s)" in result["msg"], result
    assert "InvalidParameterException" in result["msg"]
    assert_no_user_data(result)
    assert result["counts"]["created"] == 3 and result["counts"]["failed"] == 1
    assert set(dr_users(dr)) == set(PEOPLE) - {"carol@example.com"}


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"source_region": TOKYO}, "are both ap-northeast-1"),
        ({"max_rps": 0}, "max_rps must be more than 0"),
        (
            {"user_pool_name": None, "user_pool_id": "ap-northeast-1_nope", "create_user_pool": True},
            "create_user_pool needs user_pool_name",
        ),
    ],
    ids=["same-region", "rps", "create-needs-name"],
)
def test_invalid_arguments_fail_before_any_call(emulator, run_module, extra, message):
    since = emulator.last_seq()
    result = run_module("cognito_dr_sync", {k: v for k, v in args(**extra).items() if v is not None})
    assert result.failed and message in result["msg"], result
    assert emulator.requests(since=since) == []


def test_missing_or_incompatible_pools_fail_before_any_write(emulator, source, run_module):
    make_pool(TOKYO, DR)
    make_pool(TOKYO, "phone-dr", email_sign_in=False, UsernameAttributes=["phone_number"])
    cases = [
        ({"source_user_pool_name": "nope"}, "source user pool nope not found in ap-northeast-2"),
        ({"user_pool_name": "nope"}, "DR user pool nope not found in ap-northeast-1"),
        ({"match_by": "username"}, "signs users in with email but users are matched by username"),
        ({"user_pool_name": "phone-dr"}, "signs users in with phone_number but users are matched by email"),
    ]
    since = emulator.last_seq()
    for extra, message in cases:
        result = run_module("cognito_dr_sync", args(**extra))
        assert result.failed and message in result["msg"], (extra, result)
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, source, dr_pool, run_module):
    emulator.add_fault("cognito-idp", count=3)
    result = run_module("cognito_dr_sync", args())
    assert not result.failed, result
    assert sum(f["injected"] for f in emulator.faults()) == 3
    assert set(dr_users(dr_pool)) == set(PEOPLE)


def test_paged_reads_outlast_botocore_retries(emulator, source, dr_pool, run_module):
    # ListUsers throttled more often in a row than botocore's 5 attempts: each page read is retried (AWSRetry)
    emulator.add_fault("cognito-idp", count=6, actions=["ListUsers"])
    result = run_module("cognito_dr_sync", args())
    assert not result.failed, result
    assert sum(f["injected"] for f in emulator.faults()) == 6
    assert result["counts"]["created"] == 4 and result["counts"]["skipped_external"] == 0
    assert set(dr_users(dr_pool)) == set(PEOPLE)


def test_pool_creation_errors_are_reported_not_a_traceback(emulator, source, run_module, monkeypatch):
    from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import pools

    original = pools.create_pool_request

    def refused(*args, **kwargs):  # a setting CreateUserPool refuses
        return dict(original(*args, **kwargs), Policies={"PasswordPolicy": {"MinimumLength": 1}})

    monkeypatch.setattr(pools, "create_pool_request", refused)
    since = emulator.last_seq()
    result = run_module("cognito_dr_sync", args(create_user_pool=True))
    assert result.failed, result
    assert f"cannot create DR user pool {DR} in {TOKYO} like source pool {source}" in result["msg"]
    assert "MinimumLength" in result["msg"] and "CreateUserPool" in result["msg"]
    assert emulator.mutating_calls(since=since) == []


def test_writes_respect_max_rps(emulator, dr_pool, run_module, monkeypatch):
    from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import sync
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter

    class Clock:  # the limiters' clock moves only when they sleep, so the test measures no machine
        def __init__(self):
            self.now, self.sleeps = 0.0, []

        def __call__(self):
            return self.now

        def sleep(self, seconds):
            self.sleeps.append(seconds)
            self.now += seconds

    clocks = []  # the DR pool's limiter first, then the source pool's

    def limiter(rate):
        clocks.append(Clock())
        return RateLimiter(rate, clock=clocks[-1], sleep=clocks[-1].sleep)

    monkeypatch.setattr(sync, "RateLimiter", limiter)
    pool = make_pool(SEOUL, SOURCE, email_sign_in=False)
    client = idp(SEOUL)
    for i in range(24):
        client.admin_create_user(
            UserPoolId=pool,
            Username=f"user{i:02d}",
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"user{i}@example.com"}],
        )
    dr = make_pool(TOKYO, "username-dr", email_sign_in=False)
    since = emulator.last_seq()
    result = run_module("cognito_dr_sync", args(user_pool_name="username-dr", max_rps=8, max_concurrency=4))
    assert not result.failed and result["counts"]["created"] == 24, result
    assert len(emulator.calls(since=since, action="AdminCreateUser")) == 24
    # a bucket of 8 then 8 per second: the DR pool's 24 writes (and its reads) wait at least 2 s in all
    assert sum(clocks[0].sleeps) >= (24 - 8) / 8
    assert len(dr_users(dr)) == 24


def test_dr_only_read_while_the_primary_is_down(emulator, source, dr_pool, run_module):
    run_module("cognito_dr_sync", args(mirror_app_clients=True))
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("cognito_dr_sync", args(sync_users=False, sync_groups=False))
    assert not result.failed and not result.changed, result
    assert emulator.calls(since=since, region=SEOUL) == []
    assert result["user_pool"]["id"] == dr_pool
    assert [c["client_name"] for c in result["app_clients"]] == ["portforge-client"]


def test_examples_run_as_written(emulator, source, run_examples):
    idp(SEOUL).create_identity_provider(
        UserPoolId=source,
        ProviderName="Google",
        ProviderType="Google",
        ProviderDetails={"client_id": "1234.apps.googleusercontent.com", "authorize_scopes": "openid email"},
    )
    boto3.client("secretsmanager", region_name=TOKYO).create_secret(
        Name="portforge/google-oauth", SecretString=json.dumps({"client_secret": "from-secrets-manager"})
    )
    result = run_examples("cognito_dr_sync", region=TOKYO)  # its wall time: bench_cognito_dr_sync.py --examples
    assert result.returncode == 0, result.stdout + result.stderr
    pools = idp(TOKYO).list_user_pools(MaxResults=60)["UserPools"]
    assert [p["Name"] for p in pools] == [DR]
    assert "from-secrets-manager" not in result.stdout
    google = idp(TOKYO).describe_identity_provider(UserPoolId=pools[0]["Id"], ProviderName="Google")
    assert google["IdentityProvider"]["ProviderDetails"]["client_secret"] == "from-secrets-manager"
