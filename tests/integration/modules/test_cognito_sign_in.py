"""A synced user signs in on the DR pool (issue 10, identity): forgot password, federated providers, native replicas."""

import json

import boto3

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SOURCE, DR = "portforge-user-pool", "portforge-dr-user-pool"
NEW_PASSWORD = "Tokyo!Passw0rd-2026"
GOOGLE_SECRET = "google-client-secret-value-do-not-leak"


def idp(region):
    return boto3.client("cognito-idp", region_name=region)


def source_pool(**extra):
    """The primary pool as seed 002 builds it: email sign-in, users created by the admin (SUPPRESS, email verified)."""
    client = idp(SEOUL)
    pool_id = client.create_user_pool(
        PoolName=SOURCE,
        UsernameAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": True, "TemporaryPasswordValidityDays": 7}},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": False},
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        **extra,
    )["UserPool"]["Id"]
    client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="portforge-client",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    for email, verified in (("alice@example.com", "true"), ("nobody@example.com", "false")):
        client.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": verified}],
        )
    return pool_id


def sync(run_module, **extra):
    args = dict(
        region=TOKYO,
        source_region=SEOUL,
        source_user_pool_name=SOURCE,
        user_pool_name=DR,
        create_user_pool=True,
        mirror_app_clients=True,
    )
    args.update(extra)
    return run_module("cognito_dr_sync", args)


def test_a_synced_user_signs_in_on_the_dr_pool_through_forgot_password(emulator, run_module):
    source_pool()
    result = sync(run_module)
    assert not result.failed, result
    # the pool was created although DescribeUserPool returns both validity settings (AWS refuses the pair)
    assert result["user_pool"]["created"] and result["counts"]["created"] == 2
    assert result["counts"]["confirmed"] == 1 and result["counts"]["needs_admin_reset"] == 1
    assert result["last_sync_at"] and result["last_sync_users"] == 2
    text = json.dumps(result)
    assert "alice@example.com" not in text and "Password" not in text
    set_password = emulator.calls(action="AdminSetUserPassword", region=TOKYO)
    assert len(set_password) == 1

    client_id = next(c["client_id"] for c in result["app_clients"] if c["client_name"] == "portforge-client")
    tokyo = idp(TOKYO)
    codes = []
    tokyo.meta.events.register(
        "after-call.cognito-identity-provider.ForgotPassword",
        lambda http_response, **kwargs: codes.append(dict(http_response.headers)),
    )
    # the user's steps in the app after the failover
    delivery = tokyo.forgot_password(ClientId=client_id, Username="alice@example.com")["CodeDeliveryDetails"]
    assert delivery["DeliveryMedium"] == "EMAIL"
    tokyo.confirm_forgot_password(
        ClientId=client_id,
        Username="alice@example.com",
        ConfirmationCode=codes[-1]["x-moto-forgot-password-confirmation-code"],
        Password=NEW_PASSWORD,
    )
    tokens = tokyo.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice@example.com", "PASSWORD": NEW_PASSWORD},
    )
    assert tokens["AuthenticationResult"]["AccessToken"] and tokens["AuthenticationResult"]["IdToken"]
    # without a verified email the user cannot do it: an administrator must (counted above)
    error = None
    try:
        tokyo.forgot_password(ClientId=client_id, Username="nobody@example.com")
    except tokyo.exceptions.ClientError as exc:
        error = exc.response["Error"]["Code"]
    assert error in ("NotAuthorizedException", "InvalidParameterException")

    again = sync(run_module)
    assert not again.changed and again["counts"]["confirmed"] == 0 and again["counts"]["needs_admin_reset"] == 1


def test_users_synced_before_are_confirmed_and_the_failover_read_reports_the_last_sync(emulator, run_module):
    source_pool()
    first = sync(run_module, confirm_users="none")
    assert first["counts"]["confirmed"] == 0
    status = {
        u["Username"]: u["UserStatus"] for u in idp(TOKYO).list_users(UserPoolId=first["user_pool"]["id"])["Users"]
    }
    assert set(status.values()) == {"FORCE_CHANGE_PASSWORD"}
    second = sync(run_module)
    assert second.changed and second["counts"]["confirmed"] == 1 and second["counts"]["created"] == 0
    emulator.region_down(SEOUL)
    try:
        read = run_module(
            "cognito_dr_sync",
            dict(region=TOKYO, source_region=SEOUL, user_pool_name=DR, sync_users=False, sync_groups=False),
        )
    finally:
        emulator.region_up(SEOUL)
    assert not read.failed and read["last_sync_at"] == second["last_sync_at"] and read["last_sync_users"] == 2


def test_federated_sign_in_mirrors_google_with_its_secret_from_secrets_manager(emulator, run_module):
    pool_id = source_pool()
    idp(SEOUL).create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Google",
        ProviderType="Google",
        ProviderDetails={
            "client_id": "1234.apps.googleusercontent.com",
            "client_secret": "seoul-copy",
            "authorize_scopes": "openid email profile",
        },
        AttributeMapping={"email": "email", "username": "sub"},
    )
    boto3.client("secretsmanager", region_name=TOKYO).create_secret(
        Name="portforge/google-oauth", SecretString=json.dumps({"client_secret": GOOGLE_SECRET})
    )
    providers = [{"name": "Google", "client_secret_id": "portforge/google-oauth", "client_secret_key": "client_secret"}]

    planned = run_module(
        "cognito_dr_sync",
        dict(
            region=TOKYO,
            source_region=SEOUL,
            source_user_pool_name=SOURCE,
            user_pool_name=DR,
            create_user_pool=True,
            identity_providers=providers,
            domain_prefix="portforge-dr",
        ),
        check=True,
        diff=True,
    )
    assert planned.changed and planned["identity_providers"][0]["action"] == "created"
    assert GOOGLE_SECRET not in json.dumps(planned)
    assert planned["diff"]["after"]["identity_providers"]["Google"]["details"]["client_secret"] == "********"

    result = sync(run_module, identity_providers=providers, domain_prefix="portforge-dr")
    assert not result.failed, result
    assert GOOGLE_SECRET not in json.dumps(result)
    assert result["identity_providers"] == [{"name": "Google", "type": "Google", "action": "created", "changes": []}]
    assert result["domain"] == {"prefix": "portforge-dr", "action": "created"}
    dr_pool = result["user_pool"]["id"]
    google = idp(TOKYO).describe_identity_provider(UserPoolId=dr_pool, ProviderName="Google")["IdentityProvider"]
    assert google["ProviderDetails"]["client_secret"] == GOOGLE_SECRET  # from Secrets Manager, not from Seoul
    assert google["ProviderDetails"]["client_id"] == "1234.apps.googleusercontent.com"
    assert google["AttributeMapping"]["email"] == "email"
    assert idp(TOKYO).describe_user_pool(UserPoolId=dr_pool)["UserPool"]["Domain"] == "portforge-dr"

    again = sync(run_module, identity_providers=providers, domain_prefix="portforge-dr")
    assert not again.changed, again
    assert again["identity_providers"][0]["action"] == "unchanged" and again["domain"]["action"] == "unchanged"
    # a rotated secret is written again, and still never shown
    boto3.client("secretsmanager", region_name=TOKYO).put_secret_value(
        SecretId="portforge/google-oauth", SecretString=json.dumps({"client_secret": GOOGLE_SECRET + "-2"})
    )
    rotated = sync(run_module, identity_providers=providers, domain_prefix="portforge-dr")
    assert rotated.changed and rotated["identity_providers"][0]["changes"] == ["ProviderDetails.client_secret"]
    assert GOOGLE_SECRET not in json.dumps(rotated)


def test_native_replication_when_the_pool_qualifies(emulator, run_module):
    kms_seoul = boto3.client("kms", region_name=SEOUL)
    key = kms_seoul.create_key(MultiRegion=True)["KeyMetadata"]
    kms_seoul.replicate_key(KeyId=key["KeyId"], ReplicaRegion=TOKYO)
    pool_id = source_pool(
        UserPoolTier="ESSENTIALS", KeyConfiguration={"KeyType": "CUSTOMER_MANAGED_KEY", "KmsKeyArn": key["Arn"]}
    )

    result = sync(run_module, replication_mode="auto")
    assert not result.failed, result
    assert result["replication_mode"] == "native" and result["changed"]
    assert result["replication"]["replica"]["region"] == TOKYO
    assert result["user_pool"]["id"] == pool_id and result["counts"]["created"] == 0
    assert emulator.calls(action="AdminCreateUser", region=TOKYO) == []
    users = idp(TOKYO).list_users(UserPoolId=pool_id)["Users"]
    assert len(users) == 2  # replicated by AWS, passwords included
    again = sync(run_module, replication_mode="native")
    assert not again.changed and again["replication"]["replica"]["status"] == "ACTIVE"


def test_auto_falls_back_to_the_sync_and_native_fails_when_the_pool_does_not_qualify(emulator, run_module):
    source_pool()
    result = sync(run_module, replication_mode="auto")
    assert result["replication_mode"] == "sync" and result["counts"]["created"] == 2
    assert any("customer managed" in reason for reason in result["replication"]["not_eligible"])
    native = sync(run_module, replication_mode="native")
    assert (
        native.failed and "cannot have a native replica" in native["msg"] and "replication_mode=sync" in native["msg"]
    )


def test_an_app_client_mirrored_before_its_provider_gets_it_with_its_settings_kept(emulator, run_module):
    pool_id = source_pool()
    seoul = idp(SEOUL)
    seoul.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Google",
        ProviderType="Google",
        ProviderDetails={"client_id": "1234.apps.googleusercontent.com", "authorize_scopes": "openid"},
    )
    source_client = seoul.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"][0]
    seoul.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=source_client["ClientId"],
        ClientName="portforge-client",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        SupportedIdentityProviders=["COGNITO", "Google"],
    )
    first = sync(run_module)  # no provider in DR yet: the client is created with COGNITO only
    dr_client = first["app_clients"][0]["client_id"]
    tokyo = idp(TOKYO)
    described = tokyo.describe_user_pool_client(UserPoolId=first["user_pool"]["id"], ClientId=dr_client)
    assert described["UserPoolClient"]["SupportedIdentityProviders"] == ["COGNITO"]
    boto3.client("secretsmanager", region_name=TOKYO).create_secret(Name="google", SecretString="s3cret-value")
    providers = [{"name": "Google", "client_secret_id": "google"}]

    updated = sync(run_module, identity_providers=providers)
    assert updated.changed and updated["identity_providers"][0]["action"] == "created"
    assert updated["app_clients"][0]["providers_added"] == ["Google"]
    client = tokyo.describe_user_pool_client(UserPoolId=first["user_pool"]["id"], ClientId=dr_client)["UserPoolClient"]
    assert client["SupportedIdentityProviders"] == ["COGNITO", "Google"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]  # kept
    again = sync(run_module, identity_providers=providers)
    assert not again.changed and "providers_added" not in again["app_clients"][0]
