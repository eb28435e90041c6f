# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Mirroring the user pool itself: creating the DR pool like the source one, and its app clients.

The requests are built by pure functions (``create_pool_request``, ``create_client_request``);
``create_pool`` and ``mirror_clients`` make the calls, within each pool's rate limit.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import READ_ONLY
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import read_all
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors

SOURCE_TAG = "pilotlight:source-user-pool"


_STANDARD_DEFAULT_MUTABLE = True


def schema_for_create(source_pool):
    """CreateUserPool ``Schema`` that mirrors the source pool (custom attributes, and the standard
    attributes whose settings differ from the defaults)."""
    schema = []
    for entry in source_pool.get("SchemaAttributes") or []:
        name = entry["Name"]
        if name in READ_ONLY:
            continue
        custom = name.startswith("custom:") or name.startswith("dev:custom:")
        if not custom and not entry.get("Required") and entry.get("Mutable", _STANDARD_DEFAULT_MUTABLE):
            continue
        item = {
            "Name": name.split("custom:", 1)[1] if custom else name,
            "AttributeDataType": entry.get("AttributeDataType", "String"),
            "Mutable": entry.get("Mutable", True),
            "Required": bool(entry.get("Required")) and not custom,
        }
        if custom:
            item["DeveloperOnlyAttribute"] = bool(entry.get("DeveloperOnlyAttribute"))
        for constraints in ("StringAttributeConstraints", "NumberAttributeConstraints"):
            if entry.get(constraints):
                item[constraints] = dict(entry[constraints])
        schema.append(item)
    return schema


_COPIED_POOL_SETTINGS = (
    "Policies",
    "AutoVerifiedAttributes",
    "UsernameConfiguration",
    "AdminCreateUserConfig",
    "AccountRecoverySetting",
    "VerificationMessageTemplate",
    "UserAttributeUpdateSettings",
    "DeviceConfiguration",
    "DeletionProtection",
)


def _one_temporary_password_validity(request):
    """Keep one of the two validity settings: AWS refuses CreateUserPool with both
    AdminCreateUserConfig.UnusedAccountValidityDays (deprecated) and PasswordPolicy.TemporaryPasswordValidityDays,
    yet DescribeUserPool returns both. TemporaryPasswordValidityDays wins; the deprecated one is kept only alone."""
    admin = request.get("AdminCreateUserConfig") or {}
    policy = (request.get("Policies") or {}).get("PasswordPolicy") or {}
    if "UnusedAccountValidityDays" in admin and "TemporaryPasswordValidityDays" in policy:
        request["AdminCreateUserConfig"] = {k: v for k, v in admin.items() if k != "UnusedAccountValidityDays"}


def create_pool_request(source_pool, name, tags):
    """CreateUserPool arguments that mirror the source pool (MFA is set afterwards, Lambda triggers and
    SES settings are regional and not copied)."""
    request = {"PoolName": name, "MfaConfiguration": "OFF"}
    schema = schema_for_create(source_pool)
    if schema:  # CreateUserPool refuses an empty Schema list; a pool of standard attributes sends none
        request["Schema"] = schema
    for key in _COPIED_POOL_SETTINGS:
        if source_pool.get(key):
            request[key] = source_pool[key]
    _one_temporary_password_validity(request)
    if source_pool.get("UsernameAttributes"):
        request["UsernameAttributes"] = list(source_pool["UsernameAttributes"])
    elif source_pool.get("AliasAttributes"):
        request["AliasAttributes"] = list(source_pool["AliasAttributes"])
    email = source_pool.get("EmailConfiguration") or {}
    if email.get("EmailSendingAccount", "COGNITO_DEFAULT") == "COGNITO_DEFAULT" and email:
        request["EmailConfiguration"] = {"EmailSendingAccount": "COGNITO_DEFAULT"}
    request["UserPoolTags"] = dict(source_pool.get("UserPoolTags") or {}, **tags)
    return request


_CLIENT_SETTINGS = (
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
)


def create_client_request(source_client, dr_pool_id, dr_providers=None):
    """CreateUserPoolClient arguments that mirror a source app client (a new secret if it had one).

    Identity providers the DR pool does not have yet are left out (Cognito would refuse them).
    """
    request = {
        "UserPoolId": dr_pool_id,
        "ClientName": source_client["ClientName"],
        "GenerateSecret": bool(source_client.get("ClientSecret")),
    }
    for key in _CLIENT_SETTINGS:
        if source_client.get(key) not in (None, [], ""):
            request[key] = source_client[key]
    if "SupportedIdentityProviders" in request and dr_providers is not None:
        request["SupportedIdentityProviders"] = [
            provider
            for provider in request["SupportedIdentityProviders"]
            if provider == "COGNITO" or provider in dr_providers
        ]
    return request


def create_pool(dr, source, source_pool, name, warn):
    """Create the DR pool ``name`` like ``source_pool`` (settings, then MFA); DescribeUserPool's ``UserPool``.

    ``dr`` and ``source`` are ``PoolAccess`` (the DR one without a pool id yet). Lambda triggers are
    regional and not copied: ``warn`` says so.
    """
    source_id, region = source_pool["Id"], dr.client.meta.region_name
    request = create_pool_request(source_pool, name, {SOURCE_TAG: source_id})
    with aws_errors(
        f"create DR user pool {name} in {region} like source pool {source_id}",
        "check cognito-idp:CreateUserPool permissions and the user pool quota of the region, or create "
        f"the pool yourself (settings of {source_id} that {region} refuses)",
    ):
        dr.limiter.acquire()
        pool = dr.client.create_user_pool(aws_retry=True, **request)["UserPool"]
    created = f"DR user pool {name} ({pool['Id']}), created in {region}"
    if source_pool.get("MfaConfiguration", "OFF") != "OFF":
        with aws_errors(
            f"read the MFA configuration of source pool {source_id} in "
            f"{source.client.meta.region_name} to copy it to {created}",
            "allow cognito-idp:GetUserPoolMfaConfig, then set MFA on the DR pool yourself",
        ):
            source.limiter.acquire()
            mfa = source.client.get_user_pool_mfa_config(UserPoolId=source_id, aws_retry=True)
        settings = {
            key: mfa[key]
            for key in ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration")
            if mfa.get(key)
        }
        with aws_errors(
            f"set the MFA configuration of {created} ({mfa['MfaConfiguration']}, as source pool {source_id})",
            f"SMS MFA needs an SNS role and SMS settings valid in {region}: set MFA on the DR pool "
            "yourself (a new run finds the pool by name and does not set MFA again)",
        ):
            dr.limiter.acquire()
            dr.client.set_user_pool_mfa_config(
                UserPoolId=pool["Id"], MfaConfiguration=mfa["MfaConfiguration"], aws_retry=True, **settings
            )
    if source_pool.get("LambdaConfig"):
        warn(
            "the source user pool has Lambda triggers; they are regional and were not copied to the DR pool: "
            "add them there"
        )
    with aws_errors(f"describe {created}", "allow cognito-idp:DescribeUserPool and run again"):
        return dr.client.describe_user_pool(UserPoolId=pool["Id"], aws_retry=True)["UserPool"]


def mirror_clients(dr, source, data, check_mode=False):
    """Create in the DR pool the source app clients it does not have; the DR pool's clients, no secrets.

    ``data`` holds "DR app clients" and "source app clients" (ListUserPoolClients). In check mode the
    clients that would be created are listed with ``client_id`` None.
    """
    dr_clients = {client["ClientName"]: client["ClientId"] for client in data.get("DR app clients", [])}
    missing = [client for client in data.get("source app clients", []) if client["ClientName"] not in dr_clients]
    created = {}
    if missing and not check_mode:
        dr_id, region = dr.pool_id, dr.client.meta.region_name
        source_id, source_region = source.pool_id, source.client.meta.region_name
        with aws_errors(
            f"list the identity providers of DR user pool {dr_id} in {region}",
            "allow cognito-idp:ListIdentityProviders",
        ):
            providers = [
                provider["ProviderName"]
                for provider in read_all(dr.client, "list_identity_providers", dr.limiter, UserPoolId=dr_id)
            ]
        for client in missing:
            name = client["ClientName"]
            with aws_errors(
                f"describe app client {name} of source user pool {source_id} in {source_region}",
                "allow cognito-idp:DescribeUserPoolClient",
            ):
                source.limiter.acquire()
                described = source.client.describe_user_pool_client(
                    UserPoolId=source_id, ClientId=client["ClientId"], aws_retry=True
                )["UserPoolClient"]
            request = create_client_request(described, dr_id, providers)
            with aws_errors(
                f"create app client {name} in DR user pool {dr_id} ({region})",
                "check that its settings are valid in the DR pool (OAuth flows need a domain, identity "
                "providers must exist there) and cognito-idp:CreateUserPoolClient permissions",
            ):
                dr.limiter.acquire()
                response = dr.client.create_user_pool_client(aws_retry=True, **request)["UserPoolClient"]
            created[name] = response["ClientId"]
    clients = [
        {"client_name": name, "client_id": client_id, "created": False}
        for name, client_id in sorted(dr_clients.items())
    ]
    clients += [
        {"client_name": client["ClientName"], "client_id": created.get(client["ClientName"]), "created": True}
        for client in missing
    ]
    return clients


# UpdateUserPoolClient resets what it is not given: every setting of the DR client is sent back as it is.
_UPDATE_SETTINGS = _CLIENT_SETTINGS + ("AnalyticsConfiguration", "RefreshTokenRotation")


def client_providers_request(dr_client, source_client, providers):
    """UpdateUserPoolClient arguments that add to a DR app client the identity providers its source client has and
    ``providers`` (the DR pool's) include; None when none is missing. The other settings are kept as they are."""
    have = list(dr_client.get("SupportedIdentityProviders") or [])
    missing = [
        name
        for name in source_client.get("SupportedIdentityProviders") or []
        if name not in have and (name == "COGNITO" or name in providers)
    ]
    if not missing:
        return None
    request = {
        "UserPoolId": dr_client["UserPoolId"],
        "ClientId": dr_client["ClientId"],
        "ClientName": dr_client["ClientName"],
    }
    for key in _UPDATE_SETTINGS:
        if dr_client.get(key) not in (None, [], ""):
            request[key] = dr_client[key]
    request["SupportedIdentityProviders"] = have + missing
    return request


def add_client_providers(dr, source, data, providers, check_mode=False):
    """Give the DR app clients that existed before this run the mirrored identity providers their source clients
    use (a client created before its provider existed in DR). [{"client_name", "providers_added"}] of those changed."""
    source_ids = {client["ClientName"]: client["ClientId"] for client in data.get("source app clients", [])}
    changed = []
    for client in data.get("DR app clients", []):
        name = client["ClientName"]
        if name not in source_ids:
            continue
        with aws_errors(f"describe app client {name} of both user pools", "allow cognito-idp:DescribeUserPoolClient"):
            source.limiter.acquire()
            source_client = source.client.describe_user_pool_client(
                UserPoolId=source.pool_id, ClientId=source_ids[name], aws_retry=True
            )["UserPoolClient"]
            dr.limiter.acquire()
            dr_client = dr.client.describe_user_pool_client(
                UserPoolId=dr.pool_id, ClientId=client["ClientId"], aws_retry=True
            )["UserPoolClient"]
        request = client_providers_request(dr_client, source_client, providers)
        if request is None:
            continue
        added = request["SupportedIdentityProviders"][len(dr_client.get("SupportedIdentityProviders") or []) :]
        changed.append({"client_name": name, "providers_added": added})
        if not check_mode:
            with aws_errors(
                f"add identity providers {', '.join(added)} to app client {name} of DR user pool {dr.pool_id}",
                "allow cognito-idp:UpdateUserPoolClient",
            ):
                dr.limiter.acquire()
                dr.client.update_user_pool_client(aws_retry=True, **request)
    return changed
