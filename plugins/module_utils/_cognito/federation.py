# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Federated sign-in in the DR pool: the primary pool's identity providers (Google...) and the pool's domain.

A provider is copied from the primary pool (type, client id, scopes, attribute mapping, identifiers),
but its secret is never read from there: it comes from a Secrets Manager secret in the DR region that
the inventory names, so that it is never written in clear and DR does not depend on the primary region
for it. The secret is handed to ``hide`` (the module's no_log values) as soon as it is read, compared in
memory, and shown as ``MASK`` in diffs. The requests and comparisons are pure; the calls are beside them.
"""

import json

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import read_all
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors

MASK = "********"
# The detail that holds the provider's secret, and the details a provider accepts (the others that
# DescribeIdentityProvider returns, such as Google's authorize_url, are set by Cognito).
SECRET_DETAIL = {
    "Google": "client_secret",
    "Facebook": "client_secret",
    "LoginWithAmazon": "client_secret",
    "OIDC": "client_secret",
    "SignInWithApple": "private_key",
}
WRITABLE_DETAILS = {
    "Google": ("client_id", "client_secret", "authorize_scopes"),
    "Facebook": ("client_id", "client_secret", "authorize_scopes", "api_version"),
    "LoginWithAmazon": ("client_id", "client_secret", "authorize_scopes"),
    "SignInWithApple": ("client_id", "team_id", "key_id", "private_key", "authorize_scopes"),
    "OIDC": (
        "client_id",
        "client_secret",
        "attributes_request_method",
        "oidc_issuer",
        "authorize_scopes",
        "authorize_url",
        "token_url",
        "attributes_url",
        "jwks_uri",
    ),
    "SAML": ("MetadataURL", "MetadataFile", "IDPSignout", "EncryptedResponses", "RequestSigningAlgorithm", "IDPInit"),
}


def desired_provider(source, secret=None):
    """CreateIdentityProvider fields for the DR pool from the source's DescribeIdentityProvider and the secret."""
    kind = source["ProviderType"]
    writable = WRITABLE_DETAILS.get(kind)
    details = {
        key: value
        for key, value in (source.get("ProviderDetails") or {}).items()
        if writable is None or key in writable
    }
    secret_key = SECRET_DETAIL.get(kind)
    if secret_key:
        details.pop(secret_key, None)
        if secret is not None:
            details[secret_key] = secret
    return {
        "ProviderName": source["ProviderName"],
        "ProviderType": kind,
        "ProviderDetails": details,
        "AttributeMapping": dict(source.get("AttributeMapping") or {}),
        "IdpIdentifiers": list(source.get("IdpIdentifiers") or []),
    }


def provider_changes(desired, existing):
    """Names of the fields where the DR provider differs from ``desired`` (the secret compared, never shown)."""
    writable = WRITABLE_DETAILS.get(desired["ProviderType"])
    have_details = {
        key: value
        for key, value in (existing.get("ProviderDetails") or {}).items()
        if writable is None or key in writable
    }
    changes = [
        f"ProviderDetails.{key}"
        for key in sorted(set(desired["ProviderDetails"]) | set(have_details))
        if desired["ProviderDetails"].get(key) != have_details.get(key)
    ]
    if desired["AttributeMapping"] != dict(existing.get("AttributeMapping") or {}):
        changes.append("AttributeMapping")
    if sorted(desired["IdpIdentifiers"]) != sorted(existing.get("IdpIdentifiers") or []):
        changes.append("IdpIdentifiers")
    return changes


def masked(provider):
    """The provider as a diff shows it: the secret detail replaced by ``MASK``."""
    if not provider:
        return None
    secret_key = SECRET_DETAIL.get(provider.get("ProviderType"))
    details = dict(provider.get("ProviderDetails") or {})
    if secret_key and secret_key in details:
        details[secret_key] = MASK
    return {
        "type": provider.get("ProviderType"),
        "details": details,
        "attribute_mapping": dict(provider.get("AttributeMapping") or {}),
        "identifiers": list(provider.get("IdpIdentifiers") or []),
    }


def secret_value(secret_string, key, secret_id):
    """The provider secret from a SecretString: the whole string, or the ``key`` of its JSON."""
    if not key:
        return secret_string
    try:
        value = json.loads(secret_string)[key]
    except (ValueError, TypeError, KeyError):
        raise DRError(
            f"secret {secret_id} has no JSON key {key}: store the provider secret as "
            f'{{"{key}": "..."}} or set client_secret_key to the key that holds it'
        ) from None
    return str(value)


def read_secret(sm_client, secret_id, key, hide):
    region = sm_client.meta.region_name
    with aws_errors(
        f"read secret {secret_id} in {region}",
        f"create it in {region} (or replicate it there) and allow secretsmanager:GetSecretValue",
    ):
        response = sm_client.get_secret_value(SecretId=secret_id, aws_retry=True)
    if "SecretString" not in response:
        raise DRError(f"secret {secret_id} in {region} is binary: store the provider secret as a string")
    hide(response["SecretString"])
    value = secret_value(response["SecretString"], key, secret_id)
    hide(value)
    return value


@DRErrorHandler.reader(
    "describe identity provider {2} of user pool {1} in {0.meta.region_name}", missing=("ResourceNotFoundException",)
)
def describe_provider(client, pool_id, name):
    return client.describe_identity_provider(UserPoolId=pool_id, ProviderName=name, aws_retry=True)["IdentityProvider"]


def provider_names(client, pool_id, limiter=None):
    with aws_errors(
        f"list the identity providers of user pool {pool_id} in {client.meta.region_name}",
        "allow cognito-idp:ListIdentityProviders",
    ):
        return [
            provider["ProviderName"]
            for provider in read_all(client, "list_identity_providers", limiter, UserPoolId=pool_id, MaxResults=60)
        ]


def mirror_providers(dr, source, specs, sm_client, check_mode, hide):
    """Create or update in the DR pool each provider of ``specs`` like the source pool's one.

    ``specs``: [{"name", "client_secret_id", "client_secret_key"}]. Returns (results, before, after) with
    results [{"name", "type", "action": created|updated|unchanged, "changes"}] and masked diff views.
    """
    results, before, after = [], {}, {}
    for spec in specs:
        name = spec["name"]
        source_provider = describe_provider(source.client, source.pool_id, name)
        if source_provider is None:
            raise DRError(
                f"identity provider {name} not found in source user pool {source.pool_id} "
                f"({source.client.meta.region_name}): fix identity_providers or add it to the source pool"
            )
        secret = None
        if SECRET_DETAIL.get(source_provider["ProviderType"]):
            if not spec.get("client_secret_id"):
                raise DRError(
                    f"identity provider {name} needs its secret: set client_secret_id to a Secrets Manager "
                    f"secret in {dr.client.meta.region_name} that holds it"
                )
            secret = read_secret(sm_client, spec["client_secret_id"], spec.get("client_secret_key"), hide)
        desired = desired_provider(source_provider, secret)
        existing = describe_provider(dr.client, dr.pool_id, name) if dr.pool_id else None
        changes = provider_changes(desired, existing) if existing else []
        action = "created" if existing is None else ("updated" if changes else "unchanged")
        before[name], after[name] = masked(existing), masked(desired)
        results.append({"name": name, "type": desired["ProviderType"], "action": action, "changes": changes})
        if check_mode or action == "unchanged":
            continue
        what = f"identity provider {name} in DR user pool {dr.pool_id} ({dr.client.meta.region_name})"
        with aws_errors(
            f"{'create' if existing is None else 'update'} {what}",
            "check the provider's settings and secret, and cognito-idp:CreateIdentityProvider/"
            "UpdateIdentityProvider permissions",
        ):
            dr.limiter.acquire()
            if existing is None:
                dr.client.create_identity_provider(UserPoolId=dr.pool_id, aws_retry=True, **desired)
            else:
                request = dict(desired)
                request.pop("ProviderType")
                dr.client.update_identity_provider(UserPoolId=dr.pool_id, aws_retry=True, **request)
    return results, before, after


def check_domain_prefix(prefix):
    """A message when ``prefix`` cannot be a Cognito domain prefix, else None."""
    if not prefix:
        return None
    if "." in prefix or prefix != prefix.lower() or prefix.startswith("-") or prefix.endswith("-"):
        return (
            f"domain_prefix {prefix} must be a prefix of lowercase letters, digits and hyphens (the domain is "
            "<prefix>.auth.<region>.amazoncognito.com); custom domains need a certificate and are not created"
        )
    if "cognito" in prefix or "aws" in prefix or "amazon" in prefix:
        return f"domain_prefix {prefix} must not contain aws, amazon or cognito (AWS refuses it)"
    return None


def mirror_domain(dr, dr_pool, prefix, check_mode):
    """Give the DR pool the domain ``prefix``; {"prefix", "action": created|unchanged}."""
    region = dr.client.meta.region_name
    current = (dr_pool or {}).get("Domain")
    if current == prefix:
        return {"prefix": prefix, "action": "unchanged"}
    if current:
        raise DRError(
            f"DR user pool {dr.pool_id} in {region} already has the domain {current}: set domain_prefix to "
            f"{current}, or delete that domain first (a pool has one prefix domain)"
        )
    with aws_errors(f"describe user pool domain {prefix} in {region}", "allow cognito-idp:DescribeUserPoolDomain"):
        owner = dr.client.describe_user_pool_domain(Domain=prefix, aws_retry=True).get("DomainDescription") or {}
    if owner.get("UserPoolId") and owner["UserPoolId"] != dr.pool_id:
        raise DRError(
            f"domain prefix {prefix} in {region} belongs to user pool {owner['UserPoolId']}: choose another "
            "domain_prefix"
        )
    if not check_mode:
        with aws_errors(
            f"create domain {prefix} for DR user pool {dr.pool_id} in {region}",
            "choose a domain_prefix that is free in the region, and allow cognito-idp:CreateUserPoolDomain",
        ):
            dr.limiter.acquire()
            dr.client.create_user_pool_domain(Domain=prefix, UserPoolId=dr.pool_id, aws_retry=True)
    return {"prefix": prefix, "action": "created"}
