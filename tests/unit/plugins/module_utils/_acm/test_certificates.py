"""Pure logic of acm_certificate_dns: names, matching existing certificates, validation record planning."""

from unittest import mock

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._acm import certificates
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import listeners
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import validation_dns
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

NAMES = ["*.portforge.org", "portforge.org"]


def _detail(status="ISSUED", names=None, key="RSA_2048", kind="AMAZON_ISSUED", created="2026-01-01", records=True):
    names = NAMES if names is None else names
    options = []
    for name in names:
        option = {"DomainName": name, "ValidationMethod": "DNS"}
        if records:
            base = certificates.base_domain(name)
            value = f"_v.{base}.acm-validations.aws."
            option["ResourceRecord"] = {"Name": f"_a.{base}.", "Type": "CNAME", "Value": value}
        options.append(option)
    return {
        "CertificateArn": f"arn:{status}:{created}",
        "DomainName": names[0],
        "SubjectAlternativeNames": names,
        "Status": status,
        "KeyAlgorithm": key,
        "Type": kind,
        "CreatedAt": created,
        "DomainValidationOptions": options,
    }


def test_requested_names_keep_order_and_drop_duplicates():
    assert certificates.requested_names("*.PortForge.org.", ["portforge.org", "*.portforge.org", ""]) == NAMES


@pytest.mark.parametrize(
    "name, valid",
    [
        ("*.portforge.org", True),
        ("portforge.org", True),
        ("a-b.c.io", True),
        ("bad_name.org", False),
        ("-x.org", False),
        ("nodot", False),
        ("*.*.x.org", False),
        ("a" * 64 + ".org", False),
    ],
)
def test_invalid_names(name, valid):
    assert (certificates.invalid_names([name]) == []) is valid


@pytest.mark.parametrize(
    "name, zone, inside",
    [
        ("*.portforge.org", "portforge.org", True),
        ("portforge.org", "portforge.org.", True),
        ("a.b.portforge.org", "portforge.org", True),
        ("notportforge.org", "portforge.org", False),
        ("*.portforge.org", "api.portforge.org", False),
        ("www.filefleet.io", "portforge.org", False),
    ],
)
def test_in_zone(name, zone, inside):
    assert certificates.in_zone(name, zone) is inside


def test_idempotency_token_is_stable_short_and_valid():
    token = certificates.idempotency_token(NAMES, "RSA_2048")
    assert token == certificates.idempotency_token(list(reversed(NAMES)), "RSA_2048")
    assert token != certificates.idempotency_token(NAMES, "EC_prime256v1")
    assert len(token) == 32 and token.isalnum()


@pytest.mark.parametrize(
    "detail, usable_only, expected",
    [
        (_detail(), True, True),
        (_detail(names=list(reversed(NAMES))), True, False),  # another domain name first
        (_detail(names=["*.portforge.org"]), True, False),  # fewer names
        (_detail(names=NAMES + ["api.portforge.org"]), True, False),  # more names
        (_detail(key="EC_prime256v1"), True, False),
        (_detail(kind="IMPORTED"), True, False),
        (_detail(status="PENDING_VALIDATION"), True, True),
        (_detail(status="VALIDATION_TIMED_OUT"), True, False),
        (_detail(status="VALIDATION_TIMED_OUT"), False, True),
        (_detail(key="RSA-2048"), True, True),  # DescribeCertificate on AWS spells it with a hyphen
        (_detail(key="EC-prime256v1"), True, False),
        (_detail(key=None), True, True),
    ],
)
def test_matches(detail, usable_only, expected):
    if detail["KeyAlgorithm"] is None:
        del detail["KeyAlgorithm"]
    assert certificates.matches(detail, NAMES, "RSA_2048", usable_only=usable_only) is expected


@pytest.mark.parametrize(
    "described, asked",
    [
        ("RSA-2048", "RSA_2048"),
        ("EC-prime256v1", "EC_prime256v1"),
        ("EC-secp384r1", "EC_secp384r1"),
        ("EC_secp384r1", "EC_secp384r1"),
    ],
)
def test_matches_key_algorithm_spelled_with_hyphen_or_underscore(described, asked):
    assert certificates.matches(_detail(key=described), NAMES, asked)
    assert certificates.key_type(described) == asked
    other = "RSA_2048" if asked != "RSA_2048" else "EC_prime256v1"
    assert not certificates.matches(_detail(key=described), NAMES, other)


def test_certificate_view_reports_the_option_spelling_of_the_key_algorithm():
    view = certificates.certificate_view(_detail(key="EC-prime256v1"), {})
    assert view["key_algorithm"] == "EC_prime256v1"


def test_summary_filter_uses_san_summaries_when_complete():
    listed = {"DomainName": "*.portforge.org", "SubjectAlternativeNameSummaries": NAMES}
    assert certificates.summary_may_match(listed, NAMES)
    assert not certificates.summary_may_match(
        {"DomainName": "*.portforge.org", "SubjectAlternativeNameSummaries": ["*.portforge.org"]}, NAMES
    )
    assert certificates.summary_may_match(
        {
            "DomainName": "*.portforge.org",
            "SubjectAlternativeNameSummaries": ["x"],
            "HasAdditionalSubjectAlternativeNames": True,
        },
        NAMES,
    )
    assert certificates.summary_may_match({"DomainName": "*.portforge.org"}, NAMES)  # describe to be sure
    assert not certificates.summary_may_match({"DomainName": "portforge.org"}, NAMES)


def test_pick_prefers_issued_then_newest():
    old_issued = _detail("ISSUED", created="2025-01-01")
    new_pending = _detail("PENDING_VALIDATION", created="2026-06-01")
    new_issued = _detail("ISSUED", created="2026-01-01")
    assert certificates.pick([old_issued, new_pending, new_issued]) is new_issued
    assert certificates.pick([new_pending]) is new_pending
    assert certificates.pick([]) is None


def test_validation_records_share_wildcard_and_apex():
    records = certificates.validation_records(_detail(names=NAMES + ["api.portforge.org"]))
    assert [(r["name"], r["domains"]) for r in records] == [
        ("_a.portforge.org.", ["*.portforge.org", "portforge.org"]),
        ("_a.api.portforge.org.", ["api.portforge.org"]),
    ]


def test_validation_records_unknown_until_published_and_email_refused():
    assert certificates.validation_records(_detail(records=False)) is None
    email = _detail()
    email["DomainValidationOptions"][0]["ValidationMethod"] = "EMAIL"
    with pytest.raises(DRError, match="validated by EMAIL, not DNS"):
        certificates.validation_records(email)


def test_validation_records_unknown_until_every_name_has_its_record():
    # Right after RequestCertificate, DomainValidationOptions can be empty or list only some names.
    three = NAMES + ["api.portforge.org"]
    empty = _detail(names=three)
    empty["DomainValidationOptions"] = []
    assert certificates.validation_records(empty) is None
    del empty["DomainValidationOptions"]
    assert certificates.validation_records(empty) is None
    partial = _detail(names=three)
    partial["DomainValidationOptions"] = partial["DomainValidationOptions"][:1]
    assert certificates.validation_records(partial) is None
    # The apex shares the wildcard's record, but ACM has not listed it yet: not ready either.
    no_apex = _detail(names=three)
    del no_apex["DomainValidationOptions"][1]
    assert certificates.validation_records(no_apex) is None
    one_missing = _detail(names=three)
    del one_missing["DomainValidationOptions"][2]["ResourceRecord"]
    assert certificates.validation_records(one_missing) is None
    complete = _detail(names=three)
    complete["DomainValidationOptions"][1]["DomainName"] = "PortForge.org."
    assert len(certificates.validation_records(complete)) == 2


def test_record_changes_compare_value_and_ttl_case_and_dot_insensitively():
    wanted = [
        {"name": "_a.portforge.org.", "type": "CNAME", "value": "_v.ACM-validations.aws.", "ttl": 300},
        {"name": "_b.portforge.org.", "type": "CNAME", "value": "_w.acm-validations.aws.", "ttl": 300},
        {"name": "_c.portforge.org.", "type": "CNAME", "value": "_x.acm-validations.aws.", "ttl": 300},
    ]
    current = {
        "_a.portforge.org": (["_v.acm-validations.aws"], 300),
        "_b.portforge.org": (["_w.acm-validations.aws."], 60),
    }
    changes = validation_dns.record_changes(wanted, current)
    assert [r["name"] for r in changes] == ["_b.portforge.org.", "_c.portforge.org."]
    batch = validation_dns.change_batch(wanted[:1])
    assert batch["Changes"][0]["Action"] == "UPSERT"
    assert batch["Changes"][0]["ResourceRecordSet"]["ResourceRecords"] == [{"Value": "_v.ACM-validations.aws."}]


def test_planned_tags():
    assert certificates.planned_tags({"a": "1", "aws:x": "y"}, {"b": 2}, True) == {"b": "2", "aws:x": "y"}
    assert certificates.planned_tags({"a": "1"}, {"b": 2}, False) == {"a": "1", "b": "2"}
    assert certificates.planned_tags({"a": "1"}, None, True) == {"a": "1"}
    assert certificates.tag_changes({"a": "1"}, None, True) == ({}, [])


def test_is_elbv2_arn():
    assert listeners.is_elbv2_arn("arn:aws:elasticloadbalancing:ap-northeast-1:1:loadbalancer/app/web/abc")
    assert listeners.is_elbv2_arn("arn:aws:elasticloadbalancing:ap-northeast-1:1:loadbalancer/net/nlb/abc")
    assert not listeners.is_elbv2_arn("arn:aws:cloudfront::1:distribution/E123")


def test_plan_detach_refuses_default_certificates_and_other_services():
    elbv2 = mock.Mock()
    pages = {
        "describe_listeners": {"Listeners": [{"ListenerArn": "L1"}, {"ListenerArn": "L2"}]},
    }
    certificates = {
        "L1": [{"CertificateArn": "other", "IsDefault": True}, {"CertificateArn": "me", "IsDefault": False}],
        "L2": [{"CertificateArn": "me", "IsDefault": True}],
    }

    def paginator(name):
        page = mock.Mock()
        if name == "describe_listeners":
            page.paginate.return_value.build_full_result.return_value = pages[name]
        else:
            page.paginate.side_effect = lambda ListenerArn: mock.Mock(
                build_full_result=lambda: {"Certificates": certificates[ListenerArn]}
            )
        return page

    elbv2.get_paginator.side_effect = paginator
    lb = "arn:aws:elasticloadbalancing:ap-northeast-1:1:loadbalancer/app/web/abc"
    with pytest.raises(DRError, match="L2 \\(the listener's default certificate"):
        listeners.plan_detach(elbv2, "me", [lb])
    certificates["L2"] = []
    assert listeners.plan_detach(elbv2, "me", [lb]) == ["L1"]
    with pytest.raises(DRError, match="not an ALB/NLB listener"):
        listeners.plan_detach(elbv2, "me", ["arn:aws:cloudfront::1:distribution/E1"])


@pytest.mark.parametrize(
    "required, missing",
    [
        (["portforge.org", "www.portforge.org", "*.portforge.org"], []),
        (["WWW.PortForge.org."], []),
        (["a.b.portforge.org"], ["a.b.portforge.org"]),
        (["filefleet.io", "portforge.org"], ["filefleet.io"]),
    ],
)
def test_a_wildcard_covers_one_level(required, missing):
    assert certificates.uncovered(required, NAMES) == missing
