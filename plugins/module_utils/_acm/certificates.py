# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ACM certificates, pure: names, matching existing certificates, validation records, tags, result views.

Used by acm_certificate_dns and the certificate readiness checks; no AWS call here.
"""

import hashlib
import re

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import to_result

# ACM's own pattern for DomainName and each SubjectAlternativeName.
DOMAIN_RE = re.compile(r"^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$")
# Every key type ListCertificates can return (it lists only RSA_1024 and RSA_2048 unless told otherwise).
ALL_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
# Certificates that can still be (or already are) used: the ones a re-run must find instead of requesting again.
USABLE_STATUSES = ["ISSUED", "PENDING_VALIDATION"]
STATUS_PREFERENCE = {"ISSUED": 0, "PENDING_VALIDATION": 1}
FAILED_STATUSES = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE")
VIEW_KEYS = (
    "CertificateArn",
    "DomainName",
    "SubjectAlternativeNames",
    "Status",
    "KeyAlgorithm",
    "Type",
    "InUseBy",
    "CreatedAt",
    "IssuedAt",
    "NotBefore",
    "NotAfter",
    "RenewalEligibility",
)


# -- names ---------------------------------------------------------------------------------------------
def normalize(name):
    return (name or "").strip().lower().rstrip(".")


def requested_names(domain_name, subject_alternative_names):
    """Domain first, then the SANs in order, without duplicates (ACM's own order)."""
    names = []
    for name in [domain_name] + list(subject_alternative_names or []):
        name = normalize(name)
        if name and name not in names:
            names.append(name)
    return names


def invalid_names(names):
    return [name for name in names if len(name) > 253 or not DOMAIN_RE.match(name)]


def base_domain(name):
    """The name whose DNS proves control of ``name`` (``*.example.org`` -> ``example.org``)."""
    name = normalize(name)
    return name[2:] if name.startswith("*.") else name


def in_zone(name, zone_name):
    name, zone = base_domain(name), normalize(zone_name)
    return name == zone or name.endswith("." + zone)


def names_outside_zone(names, zone_name):
    return [name for name in names if not in_zone(name, zone_name)]


def idempotency_token(names, key_algorithm):
    """Same request -> same token (``\\w+``, 32 characters): a retried RequestCertificate never makes a twin."""
    text = "|".join([key_algorithm] + sorted(names))
    return "pl" + hashlib.sha256(text.encode()).hexdigest()[:30]


def checked_names(params):
    """The module's names (domain first), or DRError naming the bad ones."""
    if not params["domain_name"]:
        raise DRError("domain_name is required (or certificate_arn with state: absent)")
    names = requested_names(params["domain_name"], params["subject_alternative_names"])
    bad = invalid_names(names)
    if bad:
        raise DRError(f"not a valid certificate name: {', '.join(bad)} (a DNS name, optionally starting with '*.')")
    return names


def validate_present(params):
    """Input problems of state=present that need no AWS call; the names otherwise."""
    if params["certificate_arn"]:
        raise DRError(
            "certificate_arn only selects a certificate to delete: with state: present the certificate is "
            "found by domain_name and subject_alternative_names"
        )
    if not params["hosted_zone"] and not params["hosted_zone_id"]:
        raise DRError(
            "state: present needs hosted_zone (or hosted_zone_id): the public Route 53 zone that receives "
            "the validation records"
        )
    if params["validation_record_ttl"] < 1:
        raise DRError(f"validation_record_ttl must be 1 or more, got {params['validation_record_ttl']}")
    return checked_names(params)


def wildcard_of(name):
    """The wildcard that covers ``name`` (one level): ``www.x.org`` -> ``*.x.org``."""
    return re.sub(r"^[^.]+\.", "*.", normalize(name))


def uncovered(required, certificate_names):
    """The required names a certificate with ``certificate_names`` does not cover (itself or its wildcard)."""
    have = {normalize(n) for n in certificate_names}
    return [name for name in required if normalize(name) not in have and wildcard_of(name) not in have]


# -- matching existing certificates ------------------------------------------------------------------------
def certificate_names(detail):
    names = [normalize(detail.get("DomainName"))]
    for name in detail.get("SubjectAlternativeNames") or detail.get("SubjectAlternativeNameSummaries") or []:
        if normalize(name) not in names:
            names.append(normalize(name))
    return names


def key_type(key_algorithm):
    """One spelling of a key algorithm: DescribeCertificate says ``RSA-2048``, the API enum ``RSA_2048``."""
    return (key_algorithm or "RSA_2048").replace("-", "_")


def matches(detail, names, key_algorithm, usable_only=True):
    """True when an ACM certificate is the one asked for: same domain, same set of names, Amazon-issued.

    ``usable_only``: only ISSUED or PENDING_VALIDATION certificates (the ones a re-run must reuse).
    """
    return (
        detail.get("Type") == "AMAZON_ISSUED"
        and normalize(detail.get("DomainName")) == names[0]
        and set(certificate_names(detail)) == set(names)
        and key_type(detail.get("KeyAlgorithm")) == key_type(key_algorithm)
        and (not usable_only or detail.get("Status") in USABLE_STATUSES)
    )


def summary_may_match(summary, names):
    """Cheap filter on a ListCertificates summary before describing it."""
    if normalize(summary.get("DomainName")) != names[0]:
        return False
    listed = summary.get("SubjectAlternativeNameSummaries")
    if listed and not summary.get("HasAdditionalSubjectAlternativeNames"):
        return {normalize(n) for n in listed} | {names[0]} == set(names)
    return True


def pick(details):
    """The certificate to manage among matches: ISSUED before pending, then the newest."""
    if not details:
        return None
    ordered = sorted(details, key=lambda d: str(d.get("CreatedAt") or ""), reverse=True)
    return sorted(ordered, key=lambda d: STATUS_PREFERENCE.get(d.get("Status"), 9))[0]


# -- validation records ---------------------------------------------------------------------------------
def validation_records(detail):
    """One entry per distinct CNAME (``*.x`` and ``x`` share one), or None while ACM has not published them.

    Right after a request ``DomainValidationOptions`` can be empty or lack some names: the records are known
    only once every name of the certificate has an option with its ``ResourceRecord``.
    """
    records = {}
    published = set()
    for option in detail.get("DomainValidationOptions") or []:
        if option.get("ValidationMethod", "DNS") != "DNS":
            raise DRError(
                f"certificate {detail.get('CertificateArn')} is validated by {option.get('ValidationMethod')}, "
                "not DNS: delete it (state: absent) and re-run to request a DNS-validated one"
            )
        record = option.get("ResourceRecord")
        if not record:
            return None
        published.add(normalize(option.get("DomainName")))
        key = normalize(record["Name"])
        entry = records.setdefault(
            key,
            {
                "name": record["Name"] if record["Name"].endswith(".") else record["Name"] + ".",
                "type": record.get("Type", "CNAME"),
                "value": record["Value"],
                "domains": [],
            },
        )
        entry["domains"].append(option.get("DomainName"))
    if not records or any(name not in published for name in certificate_names(detail)):
        return None
    return list(records.values())


def tag_changes(current, wanted, purge):
    if wanted is None:
        return {}, []
    return compare_aws_tags(current, wanted, purge_tags=purge)


def planned_tags(current, wanted, purge):
    if wanted is None:
        return dict(current)
    result = {} if purge else dict(current)
    result.update({k: str(v) for k, v in wanted.items()})
    for key, value in current.items():
        if key.startswith("aws:"):
            result[key] = value
    return result


# -- result views ---------------------------------------------------------------------------------------------
def certificate_view(detail, tags):
    view = {key: detail[key] for key in VIEW_KEYS if key in detail}
    if "KeyAlgorithm" in view:  # DescribeCertificate says RSA-2048, the option (and the API enum) RSA_2048
        view["KeyAlgorithm"] = key_type(view["KeyAlgorithm"])
    view["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    return to_result(view)


def predicted_view(names, params, tags):
    """The certificate check mode predicts for a request (no ARN yet)."""
    return {
        "certificate_arn": None,
        "domain_name": names[0],
        "subject_alternative_names": names,
        "status": "PENDING_VALIDATION",
        "key_algorithm": params["key_algorithm"],
        "type": "AMAZON_ISSUED",
        "in_use_by": [],
        "tags": tags,
    }


def record_view(record, changed):
    return {
        "name": record["name"],
        "type": record["type"],
        "value": record["value"],
        "ttl": record["ttl"],
        "domains": record["domains"],
        "changed": changed,
    }
