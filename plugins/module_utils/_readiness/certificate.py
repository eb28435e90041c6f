# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the DR certificate (role dr_certificate): the DR load balancer has a certificate to serve.

One check, ``certificate_issued``: an ISSUED ACM certificate of the DR region covers every required
name (a wildcard covers one level: ``*.portforge.org`` covers ``www.portforge.org``). Its evidence
names the covering certificate (``certificate_arn``: the one the role made when it is among them),
which the role publishes as ``dr_certificate_arn``. Calls only the DR region.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._acm import acm as api
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import certificates
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "certificate"
CHECK = "certificate_issued"


def required_names(options):
    """The names to cover: ``required_names``, else the domain name and its SANs; lower case, no duplicates."""
    names = options.get("required_names") or [options.get("domain_name")] + list(
        options.get("subject_alternative_names") or []
    )
    return certificates.requested_names(None, [name for name in names if name])


def names_of(acm, summary):
    """Every name of an issued certificate: from its summary when complete, else described (None: gone since)."""
    listed = summary.get("SubjectAlternativeNameSummaries")
    if listed and not summary.get("HasAdditionalSubjectAlternativeNames"):
        return [summary.get("DomainName")] + listed
    detail = api.describe(acm, summary["CertificateArn"])
    return certificates.certificate_names(detail) if detail else None


def covering_certificates(acm, region, names):
    """(ARNs of the ISSUED certificates that cover every name, how many ISSUED certificates were checked)."""
    summaries = api.list_certificates(acm, region, ["ISSUED"])
    covering = []
    for summary in summaries:
        found = names_of(acm, summary)
        if found is not None and not certificates.uncovered(names, found):
            covering.append(summary["CertificateArn"])
    return covering, len(summaries)


def check(ctx):
    checks = Checks(COMPONENT)
    names = required_names(ctx.options)
    if not names:
        checks.failed(CHECK, "no name to check", "set dr_certificate_domain_name or dr_certificate_required_names")
        return checks.results
    ok, found = checks.read(
        CHECK, f"the ACM certificates of {ctx.region}", covering_certificates, ctx.client("acm"), ctx.region, names
    )
    if not ok:
        return checks.results
    covering, issued = found
    evidence = {"names": names, "covering": covering, "issued_checked": issued}
    if not covering:
        checks.failed(
            CHECK,
            f"no ISSUED certificate in {ctx.region} covers {', '.join(names)} ({issued} issued certificate(s) checked)",
            "run the dr_certificate role (main entry point) to request and validate a certificate for "
            "these names, or fix dr_certificate_required_names",
            evidence,
        )
        return checks.results
    wanted = ctx.options.get("certificate_arn")
    evidence["certificate_arn"] = wanted if wanted in covering else covering[0]
    checks.passed(
        CHECK,
        f"certificate {evidence['certificate_arn']} is ISSUED in {ctx.region} and covers {', '.join(names)}",
        evidence,
    )
    return checks.results
