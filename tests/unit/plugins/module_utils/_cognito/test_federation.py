"""Identity providers and the domain of the DR pool: copied settings, the secret from Secrets Manager, masked."""

import json

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import federation
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.reads import PoolAccess
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

GOOGLE = {
    "ProviderName": "Google",
    "ProviderType": "Google",
    "ProviderDetails": {
        "client_id": "id-1",
        "client_secret": "seoul-secret",
        "authorize_scopes": "openid email",
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
    },
    "AttributeMapping": {"email": "email"},
}


def test_the_desired_provider_takes_the_secret_given_and_only_writable_details():
    desired = federation.desired_provider(GOOGLE, "tokyo-secret")
    assert desired["ProviderDetails"] == {
        "client_id": "id-1",
        "client_secret": "tokyo-secret",
        "authorize_scopes": "openid email",
    }
    assert desired["AttributeMapping"] == {"email": "email"} and desired["IdpIdentifiers"] == []
    saml = {
        "ProviderName": "Corp",
        "ProviderType": "SAML",
        "ProviderDetails": {"MetadataURL": "https://idp/metadata", "SSORedirectBindingURI": "https://idp/sso"},
    }
    assert federation.desired_provider(saml)["ProviderDetails"] == {"MetadataURL": "https://idp/metadata"}


def test_changes_compare_the_secret_without_showing_it():
    desired = federation.desired_provider(GOOGLE, "tokyo-secret")
    same = dict(desired, ProviderDetails=dict(desired["ProviderDetails"], authorize_url="set by Cognito"))
    assert federation.provider_changes(desired, same) == []
    rotated = dict(desired, ProviderDetails=dict(desired["ProviderDetails"], client_secret="old"))
    assert federation.provider_changes(desired, rotated) == ["ProviderDetails.client_secret"]
    assert federation.provider_changes(desired, dict(desired, AttributeMapping={})) == ["AttributeMapping"]
    view = federation.masked(desired)
    assert view["details"]["client_secret"] == federation.MASK and "tokyo-secret" not in json.dumps(view)
    assert federation.masked(None) is None


def test_the_secret_is_the_string_or_one_json_key():
    assert federation.secret_value("plain", None, "s") == "plain"
    assert federation.secret_value('{"client_secret": "v"}', "client_secret", "s") == "v"
    with pytest.raises(DRError, match="secret s has no JSON key client_secret"):
        federation.secret_value("not json", "client_secret", "s")


@pytest.mark.parametrize(
    "prefix, problem",
    [
        ("portforge-dr", None),
        ("", None),
        ("auth.portforge.org", "custom domains"),
        ("Portforge", "lowercase"),
        ("my-cognito-dr", "must not contain"),
    ],
)
def test_domain_prefixes_are_checked(prefix, problem):
    message = federation.check_domain_prefix(prefix)
    assert (message is None) if problem is None else (problem in message)


class FakeIdp:
    def __init__(self, region, providers=None, domain_owner=None):
        self.meta = type("Meta", (), {"region_name": region})()
        self.providers = dict(providers or {})
        self.domain_owner = domain_owner
        self.writes = []

    def describe_identity_provider(self, UserPoolId, ProviderName, **kw):
        if ProviderName not in self.providers:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}, "Describe")
        return {"IdentityProvider": self.providers[ProviderName]}

    def create_identity_provider(self, **request):
        self.writes.append(("create", request))

    def update_identity_provider(self, **request):
        self.writes.append(("update", request))

    def describe_user_pool_domain(self, Domain, **kw):
        return {"DomainDescription": {"UserPoolId": self.domain_owner} if self.domain_owner else {}}

    def create_user_pool_domain(self, **request):
        self.writes.append(("domain", request))


class FakeSecrets:
    meta = type("Meta", (), {"region_name": "ap-northeast-1"})()

    def __init__(self, value=None, error=None):
        self.value, self.error = value, error

    def get_secret_value(self, SecretId, **kw):
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "GetSecretValue")
        return {"SecretString": self.value}


def pools(dr_providers=None):
    dr = PoolAccess(FakeIdp("ap-northeast-1", dr_providers), "ap-northeast-1_dr", RateLimiter(None))
    source = PoolAccess(FakeIdp("ap-northeast-2", {"Google": GOOGLE}), "ap-northeast-2_src", RateLimiter(None))
    return dr, source


SPEC = [{"name": "Google", "client_secret_id": "google", "client_secret_key": "client_secret"}]


def test_a_provider_is_created_with_the_dr_secret_hidden_and_check_mode_writes_nothing():
    dr, source = pools()
    hidden = []
    secrets = FakeSecrets('{"client_secret": "tokyo-secret"}')
    results, before, after = federation.mirror_providers(dr, source, SPEC, secrets, True, hidden.append)
    assert results == [{"name": "Google", "type": "Google", "action": "created", "changes": []}]
    assert dr.client.writes == [] and before == {"Google": None}
    assert after["Google"]["details"]["client_secret"] == federation.MASK
    assert "tokyo-secret" in hidden
    federation.mirror_providers(dr, source, SPEC, secrets, False, hidden.append)
    ((kind, request),) = dr.client.writes
    assert kind == "create" and request["ProviderDetails"]["client_secret"] == "tokyo-secret"


def test_an_existing_provider_is_updated_only_when_it_differs():
    desired = federation.desired_provider(GOOGLE, "tokyo-secret")
    dr, source = pools({"Google": desired})
    results, _dummy, _dummy = federation.mirror_providers(
        dr, source, SPEC, FakeSecrets('{"client_secret": "tokyo-secret"}'), False, lambda v: None
    )
    assert results[0]["action"] == "unchanged" and dr.client.writes == []
    results, _dummy, _dummy = federation.mirror_providers(
        dr, source, SPEC, FakeSecrets('{"client_secret": "rotated"}'), False, lambda v: None
    )
    assert results[0]["changes"] == ["ProviderDetails.client_secret"]
    assert dr.client.writes[0][0] == "update" and "ProviderType" not in dr.client.writes[0][1]


def test_provider_errors_say_what_to_fix():
    dr, source = pools()
    with pytest.raises(DRError, match="set client_secret_id"):
        federation.mirror_providers(dr, source, [{"name": "Google"}], FakeSecrets(), False, lambda v: None)
    with pytest.raises(DRError, match="identity provider Facebook not found in source user pool"):
        federation.mirror_providers(dr, source, [{"name": "Facebook"}], FakeSecrets(), False, lambda v: None)
    with pytest.raises(DRError, match="cannot read secret google in ap-northeast-1"):
        federation.mirror_providers(
            dr, source, SPEC, FakeSecrets(error="ResourceNotFoundException"), False, lambda v: None
        )


def test_the_domain_is_created_once_and_never_replaced():
    dr, _dummy = pools()
    assert federation.mirror_domain(dr, {"Domain": "portforge-dr"}, "portforge-dr", False)["action"] == "unchanged"
    assert federation.mirror_domain(dr, {}, "portforge-dr", True) == {"prefix": "portforge-dr", "action": "created"}
    assert dr.client.writes == []
    federation.mirror_domain(dr, {}, "portforge-dr", False)
    assert dr.client.writes == [
        ("domain", {"Domain": "portforge-dr", "UserPoolId": "ap-northeast-1_dr", "aws_retry": True})
    ]
    with pytest.raises(DRError, match="already has the domain old-dr"):
        federation.mirror_domain(dr, {"Domain": "old-dr"}, "portforge-dr", False)
    dr.client.domain_owner = "ap-northeast-1_other"
    with pytest.raises(DRError, match="belongs to user pool ap-northeast-1_other"):
        federation.mirror_domain(dr, {}, "portforge-dr", False)


def test_an_app_client_gets_the_missing_providers_with_every_other_setting_sent_back():
    from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import pools

    dr_client = {
        "UserPoolId": "dr",
        "ClientId": "c",
        "ClientName": "web",
        "SupportedIdentityProviders": ["COGNITO"],
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"],
        "RefreshTokenRotation": {"Feature": "ENABLED"},
        "ClientSecret": "never-sent",
        "CreationDate": 1,
    }
    source_client = {"SupportedIdentityProviders": ["COGNITO", "Google", "Corp"]}
    request = pools.client_providers_request(dr_client, source_client, {"Google"})
    assert request["SupportedIdentityProviders"] == ["COGNITO", "Google"]  # Corp is not in the DR pool
    assert request["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH"] and request["RefreshTokenRotation"]
    assert "ClientSecret" not in request and "CreationDate" not in request
    assert (
        pools.client_providers_request(
            dict(dr_client, SupportedIdentityProviders=["COGNITO", "Google"]), source_client, {"Google"}
        )
        is None
    )


def test_app_clients_are_only_described_in_check_mode():
    from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import pools

    class Clients:
        def __init__(self, providers):
            self.providers, self.updates = providers, []

        def describe_user_pool_client(self, UserPoolId, ClientId, **kw):
            return {
                "UserPoolClient": {
                    "UserPoolId": UserPoolId,
                    "ClientId": ClientId,
                    "ClientName": "web",
                    "SupportedIdentityProviders": self.providers,
                }
            }

        def update_user_pool_client(self, **request):
            self.updates.append(request)

    dr = PoolAccess(Clients(["COGNITO"]), "dr", RateLimiter(None))
    source = PoolAccess(Clients(["COGNITO", "Google"]), "src", RateLimiter(None))
    data = {
        "DR app clients": [{"ClientName": "web", "ClientId": "d1"}, {"ClientName": "dr-only", "ClientId": "d2"}],
        "source app clients": [{"ClientName": "web", "ClientId": "s1"}],
    }
    assert pools.add_client_providers(dr, source, data, {"Google"}, check_mode=True) == [
        {"client_name": "web", "providers_added": ["Google"]}
    ]
    assert dr.client.updates == []
    pools.add_client_providers(dr, source, data, {"Google"})
    assert [request["ClientId"] for request in dr.client.updates] == ["d1"]
