"""Readiness check of dr_certificate: certificate_issued (pass, fail, not checked), DR region only."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

REGION = "ap-northeast-1"
WILDCARD = f"arn:aws:acm:{REGION}:123456789012:certificate/wildcard"
OTHER = f"arn:aws:acm:{REGION}:123456789012:certificate/other"
APEX = f"arn:aws:acm:{REGION}:123456789012:certificate/apex"
OPTIONS = {
    "domain_name": "*.PortForge.org",
    "subject_alternative_names": ["portforge.org"],
    "required_names": [],
    "certificate_arn": "",
}


def error(code, operation):
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class FakeACM:
    """ISSUED certificates {arn: names}; ``listed`` says whether ListCertificates gives their SANs."""

    def __init__(self, issued=None, listed=True, fail=None, gone=()):
        self.issued = issued if issued is not None else {WILDCARD: ["*.portforge.org", "portforge.org"]}
        self.listed, self.fail, self.gone = listed, fail or {}, gone
        self.described = []

    def get_paginator(self, name):
        assert name == "list_certificates"
        fake = self

        class Paginator:
            def paginate(self, CertificateStatuses=None, Includes=None):
                assert CertificateStatuses == ["ISSUED"] and "EC_prime256v1" in Includes["keyTypes"]
                return self

            def build_full_result(self):
                if "ListCertificates" in fake.fail:
                    raise fake.fail["ListCertificates"]
                summaries = []
                for arn, names in fake.issued.items():
                    summary = {"CertificateArn": arn, "DomainName": names[0]}
                    if fake.listed:
                        summary["SubjectAlternativeNameSummaries"] = names
                        summary["HasAdditionalSubjectAlternativeNames"] = False
                    summaries.append(summary)
                return {"CertificateSummaryList": summaries}

        return Paginator()

    def describe_certificate(self, CertificateArn, aws_retry=False):
        self.described.append(CertificateArn)
        if "DescribeCertificate" in self.fail:
            raise self.fail["DescribeCertificate"]
        if CertificateArn in self.gone:
            raise error("ResourceNotFoundException", "DescribeCertificate")
        names = self.issued[CertificateArn]
        return {
            "Certificate": {
                "CertificateArn": CertificateArn,
                "DomainName": names[0],
                "SubjectAlternativeNames": names,
                "Status": "ISSUED",
            }
        }


def run(client, **options):
    regions = []

    def factory(service, region):
        assert service == "acm"
        regions.append(region)
        return client

    spec = {"name": "certificate", "region": REGION, "options": dict(OPTIONS, **options)}
    results = COMPONENTS["certificate"](ReadinessContext(factory, spec))
    assert [r["check"] for r in results] == ["certificate_issued"]
    assert set(regions) <= {REGION}
    return results[0]


def test_an_issued_certificate_covering_the_domain_and_sans_passes():
    result = run(FakeACM())
    assert result["status"] == "pass" and result["passed"] and result["component"] == "dr_certificate"
    assert result["reason"] == f"certificate {WILDCARD} is ISSUED in {REGION} and covers *.portforge.org, portforge.org"
    assert result["evidence"]["certificate_arn"] == WILDCARD and result["fix"] is None


def test_a_wildcard_covers_one_level_of_the_required_names():
    result = run(FakeACM(), required_names=["portforge.org", "www.portforge.org"])
    assert result["status"] == "pass" and result["evidence"]["names"] == ["portforge.org", "www.portforge.org"]


def test_the_certificate_the_role_made_is_preferred_when_it_covers():
    fake = FakeACM(
        {
            WILDCARD: ["*.portforge.org", "portforge.org"],
            OTHER: ["portforge.org", "*.portforge.org"],
            APEX: ["portforge.org"],
        }
    )
    assert run(fake, certificate_arn=OTHER)["evidence"]["certificate_arn"] == OTHER
    result = run(fake, certificate_arn=APEX)
    assert result["evidence"]["certificate_arn"] == WILDCARD and result["evidence"]["covering"] == [WILDCARD, OTHER]


def test_summaries_without_their_names_are_described_and_a_vanished_one_is_skipped():
    fake = FakeACM(
        {WILDCARD: ["*.portforge.org", "portforge.org"], OTHER: ["*.portforge.org", "portforge.org"]},
        listed=False,
        gone=(WILDCARD,),
    )
    result = run(fake)
    assert fake.described == [WILDCARD, OTHER]
    assert result["status"] == "pass" and result["evidence"]["certificate_arn"] == OTHER


@pytest.mark.parametrize("issued", [{}, {APEX: ["portforge.org"]}], ids=["none-issued", "apex-only"])
def test_no_covering_certificate_fails_with_the_fix(issued):
    result = run(FakeACM(issued), required_names=["a.b.portforge.org"])
    assert result["status"] == "fail" and not result["passed"]
    assert result["reason"] == (
        f"no ISSUED certificate in {REGION} covers a.b.portforge.org ({len(issued)} issued certificate(s) checked)"
    )
    assert "dr_certificate role" in result["fix"] and result["evidence"]["covering"] == []


def test_no_name_to_check_fails():
    result = run(FakeACM(), domain_name=None, subject_alternative_names=[])
    assert result["status"] == "fail" and "dr_certificate_domain_name" in result["fix"]


@pytest.mark.parametrize("operation, listed", [("ListCertificates", True), ("DescribeCertificate", False)])
def test_an_unreadable_acm_is_not_checked_never_absent(operation, listed):
    result = run(FakeACM(listed=listed, fail={operation: error("ThrottlingException", operation)}))
    assert result["status"] == "not_checked" and not result["passed"] and result["fix"] is None
    assert result["reason"].startswith(f"could not read the ACM certificates of {REGION}: ")
    assert "ThrottlingException" in result["reason"]
