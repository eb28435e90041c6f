# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ACM certificates validated through Route 53: the logic of pilotlight.dr.acm_certificate_dns.

Pure functions (names, matching, record planning) first; then small helpers that take a boto3
client and raise DRError with a message that names the resource.
"""

import hashlib
import re
import time

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    AWS_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    AWS_ERRORS = ()  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

# ACM's own pattern for DomainName and each SubjectAlternativeName.
DOMAIN_RE = re.compile(r"^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$")
# Every key type ListCertificates can return (it lists only RSA_1024 and RSA_2048 unless told otherwise).
ALL_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
# Certificates that can still be (or already are) used: the ones a re-run must find instead of requesting again.
USABLE_STATUSES = ["ISSUED", "PENDING_VALIDATION"]
STATUS_PREFERENCE = {"ISSUED": 0, "PENDING_VALIDATION": 1}
FAILED_STATUSES = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE")
# Right after RequestCertificate, DescribeCertificate may answer ResourceNotFoundException for several seconds
# (eventual consistency, as the ACM API reference says): how long "not found" means "not visible yet".
NEW_CERTIFICATE_GRACE = 60.0


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
        entry = records.setdefault(key, {
            "name": record["Name"] if record["Name"].endswith(".") else record["Name"] + ".",
            "type": record.get("Type", "CNAME"),
            "value": record["Value"],
            "domains": [],
        })
        entry["domains"].append(option.get("DomainName"))
    if not records or any(name not in published for name in certificate_names(detail)):
        return None
    return list(records.values())


def record_changes(wanted, current):
    """The records to UPSERT: missing, or with another value/TTL (``current``: name -> (values, ttl))."""
    changes = []
    for record in wanted:
        values, ttl = current.get(normalize(record["name"]), ([], None))
        if [normalize(v) for v in values] != [normalize(record["value"])] or ttl != record["ttl"]:
            changes.append(record)
    return changes


def change_batch(records):
    return {
        "Comment": "ACM DNS validation (pilotlight.dr.acm_certificate_dns)",
        "Changes": [
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": record["name"],
                    "Type": record["type"],
                    "TTL": record["ttl"],
                    "ResourceRecords": [{"Value": record["value"]}],
                },
            }
            for record in records
        ],
    }


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


# -- ACM -----------------------------------------------------------------------------------------------------
def list_candidates(acm, names, region, usable_only=True):
    """Summaries of certificates in the region whose domain name matches (every key type; usable ones only)."""
    kwargs = {"Includes": {"keyTypes": ALL_KEY_TYPES}}
    if usable_only:
        kwargs["CertificateStatuses"] = USABLE_STATUSES
    try:
        paginator = acm.get_paginator("list_certificates")
        result = paginator.paginate(**kwargs).build_full_result()
    except AWS_ERRORS as exc:
        raise DRError(f"cannot list the ACM certificates in {region}", exception=exc)
    return [s for s in result.get("CertificateSummaryList", []) if summary_may_match(s, names)]


def describe(acm, arn):
    """DescribeCertificate's detail, or None when the certificate does not exist."""
    try:
        return acm.describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]
    except AWS_ERRORS as exc:
        if is_error_code(exc, "ResourceNotFoundException"):
            return None
        raise DRError(f"cannot describe ACM certificate {arn}", exception=exc)


def grace_window(deadline, grace=NEW_CERTIFICATE_GRACE, clock=time.monotonic):
    """The window, from now, in which a just-requested certificate may still be "not found" (within ``deadline``)."""
    return Deadline(min(grace, deadline.remaining), clock=clock)


def not_yet_visible(window):
    """True while "not found" may only mean "just requested, not visible yet"."""
    return window is not None and not window.expired


def describe_new(acm, arn, window, sleep=time.sleep):
    """DescribeCertificate of a just-requested certificate: polls through "not found" until ``window`` ends.

    None only when it is still not found then (the idempotency token pointed at a deleted certificate).
    """
    delay = 0.5
    while True:
        detail = describe(acm, arn)
        if detail is not None or window.expired:
            return detail
        sleep(min(delay, max(0.05, window.remaining)))
        delay = min(5.0, delay * 1.5)


def get_tags(acm, arn):
    try:
        tags = acm.list_tags_for_certificate(CertificateArn=arn, aws_retry=True).get("Tags", [])
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read the tags of ACM certificate {arn}", exception=exc)
    return boto3_tag_list_to_ansible_dict(tags)


def request(acm, names, key_algorithm, tags, token):
    kwargs = dict(
        DomainName=names[0],
        ValidationMethod="DNS",
        IdempotencyToken=token,
        KeyAlgorithm=key_algorithm,
    )
    if names[1:]:
        kwargs["SubjectAlternativeNames"] = names[1:]
    if tags:
        kwargs["Tags"] = ansible_dict_to_boto3_tag_list({k: str(v) for k, v in tags.items()})
    try:
        return acm.request_certificate(aws_retry=True, **kwargs)["CertificateArn"]
    except AWS_ERRORS as exc:
        raise DRError(f"requesting a certificate for {', '.join(names)} failed", exception=exc)


def update_tags(acm, arn, to_set, to_remove):
    try:
        if to_remove:
            acm.remove_tags_from_certificate(CertificateArn=arn, Tags=[{"Key": k} for k in to_remove], aws_retry=True)
        if to_set:
            acm.add_tags_to_certificate(CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_set),
                                        aws_retry=True)
    except AWS_ERRORS as exc:
        raise DRError(f"updating the tags of ACM certificate {arn} failed", exception=exc)


def wait_for_records(acm, arn, deadline, window=None, sleep=time.sleep):
    """ACM publishes the validation CNAMEs a few seconds after the request: poll until it has.

    ``window`` (from grace_window(), for a certificate just requested): "not found" within it means "not yet".
    """
    def check():
        detail = describe(acm, arn)
        if detail is None:
            if not_yet_visible(window):
                return None
            raise DRError(f"ACM certificate {arn} disappeared while waiting for its validation records")
        records = validation_records(detail)
        return (detail, records) if records is not None else None

    return wait_until(check, deadline, f"ACM to publish the DNS validation records of {arn}", delay=0.5,
                      max_delay=5, sleep=sleep)


def wait_issued(acm, arn, deadline, window=None, sleep=time.sleep):
    """Poll until ISSUED; DRError when it fails. ``window``: as in wait_for_records."""
    def check():
        detail = describe(acm, arn)
        if detail is None:
            if not_yet_visible(window):
                return None
            raise DRError(f"ACM certificate {arn} disappeared while waiting for it to be ISSUED")
        if detail.get("Status") in FAILED_STATUSES:
            reason = detail.get("FailureReason") or "no reason given"
            raise DRError(
                f"ACM certificate {arn} is {detail['Status']} ({reason}): check that the validation CNAMEs are in the "
                "public hosted zone the domain is delegated to, delete the certificate (state: absent) and re-run"
            )
        return detail if detail.get("Status") == "ISSUED" else None

    return wait_until(check, deadline, f"ACM certificate {arn} to be ISSUED (DNS validation)", delay=0.5,
                      max_delay=20, sleep=sleep)


def delete(acm, arn):
    try:
        acm.delete_certificate(CertificateArn=arn, aws_retry=True)
    except AWS_ERRORS as exc:
        if is_error_code(exc, "ResourceNotFoundException"):
            return False
        raise
    return True


# -- Route 53 ------------------------------------------------------------------------------------------------
def find_zone(route53, zone_name=None, zone_id=None):
    """The public hosted zone (Id, Name) by id or by name; DRError saying what to fix otherwise."""
    try:
        if zone_id:
            zone_id = zone_id.split("/")[-1]
            try:
                zone = route53.get_hosted_zone(Id=zone_id, aws_retry=True)["HostedZone"]
            except AWS_ERRORS as exc:
                if is_error_code(exc, "NoSuchHostedZone"):
                    raise DRError(f"hosted zone {zone_id} not found: check hosted_zone_id") from None
                raise
            zones = [zone]
        else:
            wanted = normalize(zone_name)
            found = route53.list_hosted_zones_by_name(DNSName=wanted + ".", aws_retry=True).get("HostedZones", [])
            zones = [z for z in found if normalize(z["Name"]) == wanted]
            if not zones:
                raise DRError(
                    f"no Route 53 hosted zone named {wanted}: create it (amazon.aws.route53_zone) or fix hosted_zone"
                )
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read Route 53 hosted zone {zone_id or zone_name}", exception=exc)
    public = [z for z in zones if not (z.get("Config") or {}).get("PrivateZone")]
    if not public:
        raise DRError(
            f"hosted zone {zones[0]['Name']} ({zones[0]['Id'].split('/')[-1]}) is private: ACM validates over public "
            "DNS, give the public zone of the domain"
        )
    if len(public) > 1:
        ids = ", ".join(z["Id"].split("/")[-1] for z in public)
        raise DRError(f"several public hosted zones are named {normalize(zone_name)} ({ids}): set hosted_zone_id")
    return {"id": public[0]["Id"].split("/")[-1], "name": normalize(public[0]["Name"])}


def current_records(route53, zone_id, names):
    """name -> (values, ttl) of the CNAMEs named ``names`` in the zone."""
    current = {}
    for name in names:
        try:
            result = route53.list_resource_record_sets(
                HostedZoneId=zone_id, StartRecordName=name, StartRecordType="CNAME", MaxItems="1", aws_retry=True
            )
        except AWS_ERRORS as exc:
            raise DRError(f"cannot read record {name} in hosted zone {zone_id}", exception=exc)
        for rrset in result.get("ResourceRecordSets", []):
            if normalize(rrset["Name"]) == normalize(name) and rrset["Type"] == "CNAME":
                current[normalize(name)] = ([r["Value"] for r in rrset.get("ResourceRecords", [])], rrset.get("TTL"))
    return current


def upsert(route53, zone_id, records):
    try:
        return route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=change_batch(records),
                                                   aws_retry=True)["ChangeInfo"]["Id"]
    except AWS_ERRORS as exc:
        names = ", ".join(r["name"] for r in records)
        raise DRError(f"creating the validation records {names} in hosted zone {zone_id} failed", exception=exc)


# -- detaching from load balancers (state=absent, force=true) -------------------------------------------------
def is_elbv2_arn(arn):
    return ":elasticloadbalancing:" in arn and (":loadbalancer/app/" in arn or ":loadbalancer/net/" in arn)


def plan_detach(elbv2, arn, users):
    """The (listener, certificate) pairs to remove; DRError when a use cannot be undone safely."""
    blockers, detach = [], []
    for user in users:
        if not is_elbv2_arn(user):
            blockers.append(f"{user} (not an ALB/NLB listener: remove the certificate there first)")
            continue
        try:
            listeners = elbv2.get_paginator("describe_listeners").paginate(
                LoadBalancerArn=user).build_full_result().get("Listeners", [])
            for listener in listeners:
                certificates = elbv2.get_paginator("describe_listener_certificates").paginate(
                    ListenerArn=listener["ListenerArn"]).build_full_result().get("Certificates", [])
                for certificate in certificates:
                    if certificate["CertificateArn"] != arn:
                        continue
                    if certificate.get("IsDefault"):
                        blockers.append(
                            f"{listener['ListenerArn']} (the listener's default certificate: give the listener "
                            "another default certificate first)"
                        )
                    else:
                        detach.append(listener["ListenerArn"])
        except AWS_ERRORS as exc:
            raise DRError(f"cannot read the listeners of {user}", exception=exc)
    if blockers:
        raise DRError(f"ACM certificate {arn} is in use and force cannot detach it from: {'; '.join(blockers)}")
    return sorted(set(detach))


def detach(elbv2, arn, listener_arns):
    for listener_arn in listener_arns:
        try:
            elbv2.remove_listener_certificates(ListenerArn=listener_arn, Certificates=[{"CertificateArn": arn}],
                                               aws_retry=True)
        except AWS_ERRORS as exc:
            raise DRError(f"removing certificate {arn} from listener {listener_arn} failed", exception=exc)
