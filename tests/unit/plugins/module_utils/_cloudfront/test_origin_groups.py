"""Pure logic of cloudfront_origin_group: origin merging, group planning, targets, views."""

import copy

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import origin_groups as cf
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

SEOUL = "portforge-front.s3.ap-northeast-2.amazonaws.com"
TOKYO = "portforge-front-dr.s3.ap-northeast-1.amazonaws.com"


def _params(**overrides):
    params = {
        "origin_group_id": "failover",
        "state": "present",
        "origins": [{"id": "seoul", "domain_name": SEOUL}, {"id": "tokyo", "domain_name": TOKYO}],
        "primary": None,
        "failover_status_codes": [504, 500, 502, 503],
        "target_default_cache_behavior": True,
        "target_path_patterns": [],
    }
    params.update(overrides)
    return params


def _config(methods=("GET", "HEAD")):
    return {
        "CallerReference": "ref",
        "Comment": "front",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "seoul",
                    "DomainName": SEOUL,
                    "OriginPath": "",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                    "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "X-Env", "HeaderValue": "prod"}]},
                    "ConnectionAttempts": 2,
                    "ConnectionTimeout": 5,
                }
            ],
        },
        "OriginGroups": {"Quantity": 0},
        "DefaultCacheBehavior": {
            "TargetOriginId": "seoul",
            "AllowedMethods": {"Quantity": len(methods), "Items": list(methods)},
        },
        "CacheBehaviors": {"Quantity": 1, "Items": [{"PathPattern": "/static/*", "TargetOriginId": "seoul"}]},
    }


@pytest.mark.parametrize(
    "domain, kind",
    [
        (SEOUL, "s3"),
        ("bucket.s3.amazonaws.com", "s3"),
        ("bucket.s3-ap-northeast-2.amazonaws.com", "s3"),
        ("bucket.s3-website.ap-northeast-2.amazonaws.com", "custom"),
        ("bucket.s3-website-ap-northeast-2.amazonaws.com", "custom"),
        ("megaticket-dr-alb-123.ap-northeast-1.elb.amazonaws.com", "custom"),
        ("origin.portforge.org", "custom"),
    ],
)
def test_origin_kind(domain, kind):
    assert cf.origin_kind(domain) == kind
    assert cf.origin_kind(domain, "custom") == "custom"


def test_wanted_origin_keeps_unmanaged_settings_and_is_stable():
    existing = _config()["Origins"]["Items"][0]
    same = cf.wanted_origin({"id": "seoul", "domain_name": SEOUL}, existing)
    assert same == existing
    moved = cf.wanted_origin(
        {"id": "seoul", "domain_name": "other.s3.ap-northeast-2.amazonaws.com", "origin_access_control_id": "E2OAC"},
        existing,
    )
    assert moved["CustomHeaders"] == existing["CustomHeaders"] and moved["ConnectionAttempts"] == 2
    assert moved["OriginAccessControlId"] == "E2OAC"
    custom = cf.wanted_origin(
        {"id": "seoul", "domain_name": "alb.example.org", "origin_protocol_policy": "http-only"}, existing
    )
    assert "S3OriginConfig" not in custom and custom["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"


def test_new_custom_origin_defaults_to_https_only():
    origin = cf.wanted_origin({"id": "alb", "domain_name": "alb.example.org"}, None)
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSslProtocols"] == {"Quantity": 1, "Items": ["TLSv1.2"]}


def test_plan_present_adds_origin_group_and_targets_default():
    config = _config()
    new, changes = cf.plan_present(config, _params())
    assert config == _config()  # the input is not modified
    assert changes == [
        f"origin tokyo added ({TOKYO})",
        "origin group failover added (primary seoul, secondary tokyo)",
        "default cache behavior: target seoul -> failover",
    ]
    assert new["Origins"]["Quantity"] == 2 and new["OriginGroups"]["Quantity"] == 1
    group = new["OriginGroups"]["Items"][0]
    assert group["FailoverCriteria"]["StatusCodes"] == {"Quantity": 4, "Items": [500, 502, 503, 504]}
    assert group["Members"] == {"Quantity": 2, "Items": [{"OriginId": "seoul"}, {"OriginId": "tokyo"}]}
    assert new["CacheBehaviors"]["Items"][0]["TargetOriginId"] == "seoul"
    again, more = cf.plan_present(new, _params())
    assert more == [] and again == new


def test_plan_present_swaps_primary_and_changes_codes():
    current, _dummy = cf.plan_present(_config(), _params())
    new, changes = cf.plan_present(current, _params(primary="tokyo", failover_status_codes=[403, 500]))
    assert changes == [
        "origin group failover: primary seoul -> tokyo, secondary tokyo -> seoul",
        "origin group failover: failover status codes [500, 502, 503, 504] -> [403, 500]",
    ]
    assert cf.group_view(new["OriginGroups"]["Items"][0])["members"] == ["tokyo", "seoul"]


def test_without_primary_an_existing_group_keeps_its_primary():
    failed_over, _dummy = cf.plan_present(cf.plan_present(_config(), _params())[0], _params(primary="tokyo"))
    again, changes = cf.plan_present(failed_over, _params())
    assert changes == [] and cf.group_view(again["OriginGroups"]["Items"][0])["primary"] == "tokyo"
    assert cf.choose_primary(None, ["seoul", "tokyo"], None) == "seoul"
    assert cf.choose_primary("tokyo", ["seoul", "tokyo"], None) == "tokyo"


def test_plan_present_keeps_selection_criteria_and_other_groups():
    current, _dummy = cf.plan_present(_config(), _params())
    current["OriginGroups"]["Items"][0]["SelectionCriteria"] = "media-quality-based"
    other = copy.deepcopy(current["OriginGroups"]["Items"][0])
    other["Id"] = "other-group"
    current["OriginGroups"] = cf.cf_list(current["OriginGroups"]["Items"] + [other])
    new, changes = cf.plan_present(current, _params(primary="tokyo"))
    assert [g["Id"] for g in new["OriginGroups"]["Items"]] == ["failover", "other-group"]
    assert new["OriginGroups"]["Items"][0]["SelectionCriteria"] == "media-quality-based"


def test_plan_present_path_pattern_only():
    new, changes = cf.plan_present(
        _config(), _params(target_default_cache_behavior=False, target_path_patterns=["/static/*"])
    )
    assert changes[-1] == "cache behavior /static/*: target seoul -> failover"
    assert cf.targets_of(new, "failover") == ["/static/*"]


@pytest.mark.parametrize(
    "params, config, message",
    [
        (_params(origins=[{"id": "seoul"}, {"id": "tokyo"}]), _config(), "origin tokyo does not exist"),
        (_params(target_path_patterns=["/img/*"]), _config(), "no cache behavior with path pattern /img/*"),
        (
            _params(),
            _config(("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")),
            "the default cache behavior allows DELETE, PATCH, POST, PUT",
        ),
        (_params(origin_group_id="seoul"), _config(), "already the id of an origin"),
    ],
)
def test_plan_present_refuses(params, config, message):
    with pytest.raises(DRError, match=message):
        cf.plan_present(config, params)


@pytest.mark.parametrize(
    "params, message",
    [
        (_params(origins=[{"id": "seoul", "domain_name": SEOUL}]), "exactly two different origins"),
        (_params(origins=[{"id": "a", "domain_name": SEOUL}, {"id": "a", "domain_name": TOKYO}]), "exactly two"),
        (_params(origin_group_id="tokyo"), "is also an origin id"),
        (_params(primary="osaka"), "primary osaka is not one of the origins"),
        (_params(failover_status_codes=[]), "non-empty list"),
        (_params(failover_status_codes=[501]), "non-empty list"),
    ],
)
def test_validate(params, message):
    with pytest.raises(DRError, match=message):
        cf.validate(params)


def test_plan_absent_points_behaviors_back_to_the_primary():
    current, _dummy = cf.plan_present(_config(), _params(primary="tokyo", target_path_patterns=["/static/*"]))
    new, changes = cf.plan_absent(current, _params(state="absent", origins=[]))
    assert changes == [
        "origin group failover removed",
        "default cache behavior: target failover -> tokyo",
        "cache behavior /static/*: target failover -> tokyo",
    ]
    assert new["OriginGroups"] == {"Quantity": 0} and len(new["Origins"]["Items"]) == 2
    assert cf.plan_absent(new, _params(state="absent"))[1] == []
    back, _dummy = cf.plan_absent(current, _params(state="absent", primary="seoul"))
    assert back["DefaultCacheBehavior"]["TargetOriginId"] == "seoul"
    with pytest.raises(DRError, match="primary osaka is not a member"):
        cf.plan_absent(current, _params(state="absent", primary="osaka"))


def test_state_view():
    current, _dummy = cf.plan_present(_config(), _params())
    view = cf.state_view(current, "failover", [])
    assert [o["id"] for o in view["origins"]] == ["seoul", "tokyo"] and view["targets"] == ["default"]
    assert view["origins"][1] == {"id": "tokyo", "domain_name": TOKYO, "origin_path": "", "type": "s3"}
    assert cf.state_view(_config(), "failover", ["seoul", "tokyo"])["origin_group"] is None


def test_an_origin_access_control_replaces_the_origin_access_identity():
    existing = {
        "Id": "tokyo",
        "DomainName": "front-dr.s3.ap-northeast-1.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": "origin-access-identity/cloudfront/E1"},
    }
    spec = {"id": "tokyo", "domain_name": existing["DomainName"], "origin_access_control_id": "OAC1"}
    origin = cf.wanted_origin(spec, existing)
    assert origin["OriginAccessControlId"] == "OAC1"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert existing["S3OriginConfig"]["OriginAccessIdentity"]  # the input is not modified
