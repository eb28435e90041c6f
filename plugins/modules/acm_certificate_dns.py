#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: acm_certificate_dns
version_added: 0.1.0
short_description: Request an ACM certificate validated by DNS in Route 53 and wait until it is issued
description:
  - Requests a public ACM certificate in the module's region (the DR region, for example a C(*.portforge.org)
    certificate for the Tokyo load balancer) for O(domain_name) and O(subject_alternative_names), with DNS
    validation.
  - Creates the validation CNAMEs that ACM publishes in the Route 53 hosted zone O(hosted_zone) (or
    O(hosted_zone_id)) with C(UPSERT). Names that share one record (C(*.example.org) and C(example.org)) get it
    once; records already right are left alone, so a re-run makes no change.
  - Waits until the certificate is C(ISSUED) (O(wait)); O(wait=false) requests it and creates the records,
    and a later run with O(wait=true) only waits. Even with O(wait=false) the module waits the few seconds ACM
    takes to publish the validation records after a request (within O(wait_timeout)), that is until every name
    of the certificate has its record.
  - Right after a request ACM may answer for several seconds that the new certificate does not exist; the
    module keeps polling for up to 60 seconds (within O(wait_timeout)) before it concludes that the request
    returned a deleted certificate and requests again.
  - Idempotent on the names; a certificate of this region with the same domain name, the same set of names and
    the same key algorithm, C(ISSUED) or C(PENDING_VALIDATION), tagged or not, is reused and never requested
    twice. Requests carry an idempotency token derived from the names, so a retried request makes no twin.
  - O(state=absent) deletes the matching certificates, and refuses when one is in use unless O(force=true),
    which first removes it from the ALB/NLB listeners that use it as an additional (SNI) certificate.
  - This fills a gap of M(community.aws.acm_certificate), which can only import certificates and cannot
    request an Amazon-issued one (U(https://github.com/ansible-collections/community.aws/issues/868)), and of
    M(amazon.aws.route53), which does not know the records ACM asks for.
author:
  - pilotlight.dr contributors
options:
  state:
    description:
      - V(present) requests (or finds) the certificate and creates its validation records.
      - V(absent) deletes the certificates that match O(certificate_arn), or O(domain_name) and
        O(subject_alternative_names). The validation records are kept, because other certificates for the same
        names use the same records (and ACM needs them to renew).
    type: str
    choices: [present, absent]
    default: present
    version_added: 0.1.0
  domain_name:
    description:
      - The certificate's domain name, for example V(*.portforge.org).
      - Required unless O(state=absent) with O(certificate_arn).
    type: str
    version_added: 0.1.0
  subject_alternative_names:
    description:
      - Other names the certificate covers, for example V(portforge.org) next to V(*.portforge.org).
      - The set of names (with O(domain_name)) identifies the certificate; changing it requests a new certificate
        and leaves the old one in place (delete it with O(state=absent) once nothing uses it).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  hosted_zone:
    description:
      - Name of the public Route 53 hosted zone that receives the validation records, for example V(portforge.org).
      - Every name of the certificate must be in this zone.
      - Required (or O(hosted_zone_id)) when O(state=present).
    type: str
    version_added: 0.1.0
  hosted_zone_id:
    description:
      - Id of the public hosted zone, when several zones have the same name.
    type: str
    version_added: 0.1.0
  key_algorithm:
    description:
      - Key algorithm of the certificate's key pair (part of what identifies the certificate).
    type: str
    choices: [RSA_2048, EC_prime256v1, EC_secp384r1]
    default: RSA_2048
    version_added: 0.1.0
  validation_record_ttl:
    description:
      - TTL in seconds of the validation CNAMEs.
    type: int
    default: 300
    version_added: 0.1.0
  certificate_arn:
    description:
      - With O(state=absent), the ARN of the certificate to delete (instead of finding it by name).
    type: str
    version_added: 0.1.0
  force:
    description:
      - With O(state=absent), delete a certificate that is in use by first removing it from the ALB/NLB
        listeners that have it as an additional (SNI) certificate.
      - The module still refuses, before changing anything, when the certificate is a listener's default
        certificate or is used by another service (CloudFront, API Gateway); replace it there first.
    type: bool
    default: false
    version_added: 0.1.0
  tags:
    description:
      - Tags of the certificate. Set at the request; on an existing certificate, missing tags are added and
        (with O(purge_tags=true)) other tags removed. V(null) leaves the tags alone.
    type: dict
    aliases: [resource_tags]
    version_added: 0.1.0
  purge_tags:
    description:
      - Remove tags not in O(tags) (C(aws:) tags are never touched). No effect when O(tags) is not set.
    type: bool
    default: true
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description:
      - Reports the certificate that would be requested (without an ARN), the records that would be created and
        the certificates that would be deleted; makes no change and does not wait.
  diff_mode:
    support: full
    description: Shows the certificate (status, names, tags) and the validation records before and after.
notes:
  - ACM is regional; the certificate is made in O(region). A certificate for CloudFront must be in
    C(us-east-1); the DR load balancers need one in the DR region.
  - DNS validation takes minutes on AWS (up to 30 according to the runbook); O(wait_timeout) bounds it.
  - Only the module's region and Route 53 (a global service) are called, so this works while the primary
    region is down.
  - The hosted zone must be the zone the domain is delegated to; ACM cannot see records in a zone that the
    registrar does not point to.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Certificate for *.portforge.org and portforge.org in Tokyo, validated in the portforge.org zone
  pilotlight.dr.acm_certificate_dns:
    region: ap-northeast-1
    domain_name: "*.portforge.org"
    subject_alternative_names:
      - portforge.org
    hosted_zone: portforge.org
    tags:
      Application: portforge
      DR: "true"
    wait_timeout: 1800
  register: portforge_certificate

- name: Use its ARN on the DR load balancer
  ansible.builtin.debug:
    msg: "{{ portforge_certificate.certificate.certificate_arn }} is {{ portforge_certificate.certificate.status }}"

- name: Request a second certificate and its records without waiting
  pilotlight.dr.acm_certificate_dns:
    region: ap-northeast-1
    domain_name: api.portforge.org
    hosted_zone: portforge.org
    wait: false

- name: Later, wait for it (requests nothing again)
  pilotlight.dr.acm_certificate_dns:
    region: ap-northeast-1
    domain_name: api.portforge.org
    hosted_zone: portforge.org

- name: Delete it when nothing uses it any more
  pilotlight.dr.acm_certificate_dns:
    region: ap-northeast-1
    domain_name: api.portforge.org
    state: absent
"""

RETURN = r"""
certificate:
  description: The certificate (in check mode, the certificate that would be requested, without ARN). C(null) when
    O(state=absent).
  returned: always
  type: dict
  contains:
    certificate_arn:
      description: ARN of the certificate.
      type: str
      sample: arn:aws:acm:ap-northeast-1:123456789012:certificate/6f0c1d2e-3a4b-5c6d-7e8f-9a0b1c2d3e4f
    domain_name:
      description: The domain name.
      type: str
      sample: "*.portforge.org"
    subject_alternative_names:
      description: Every name the certificate covers, the domain name first.
      type: list
      elements: str
      sample: ["*.portforge.org", "portforge.org"]
    status:
      description: C(PENDING_VALIDATION) until the records are seen, then C(ISSUED).
      type: str
      sample: ISSUED
    key_algorithm:
      description: Key algorithm, spelled as in O(key_algorithm) (C(RSA_2048) where DescribeCertificate says
        C(RSA-2048)).
      type: str
      sample: RSA_2048
    in_use_by:
      description: ARNs of the resources that use the certificate.
      type: list
      elements: str
      sample: []
    tags:
      description: Tags of the certificate.
      type: dict
      sample: {"Application": "portforge"}
    not_after:
      description: End of validity, when issued.
      type: str
      sample: "2027-11-22T02:07:18+00:00"
validation_records:
  description: The DNS validation CNAMEs of the certificate (one per distinct record), as they are in the zone.
  returned: when O(state=present)
  type: list
  elements: dict
  contains:
    name:
      description: Record name.
      type: str
      sample: _3b0f6c1a2d4e5f60718293a4b5c6d7e8.portforge.org.
    type:
      description: Always C(CNAME).
      type: str
      sample: CNAME
    value:
      description: Record value.
      type: str
      sample: _9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49.mhbtsbpdnt.acm-validations.aws.
    ttl:
      description: TTL in seconds.
      type: int
      sample: 300
    domains:
      description: The certificate's names that this record validates.
      type: list
      elements: str
      sample: ["*.portforge.org", "portforge.org"]
    changed:
      description: Whether this run created or updated the record.
      type: bool
      sample: true
hosted_zone:
  description: The hosted zone that holds the validation records.
  returned: when O(state=present)
  type: dict
  sample: {"id": "Z0123456789ABCDEFGHIJ", "name": "portforge.org"}
requested:
  description: Whether this run requested a new certificate.
  returned: when O(state=present)
  type: bool
  sample: false
deleted:
  description: ARNs of the certificates deleted (or that would be, in check mode).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["arn:aws:acm:ap-northeast-1:123456789012:certificate/6f0c1d2e-3a4b-5c6d-7e8f-9a0b1c2d3e4f"]
detached:
  description: Listener ARNs the certificates were removed from before deletion (O(force=true)).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: []
"""

import time
import uuid

from ansible_collections.pilotlight.dr.plugins.module_utils import acm_dns
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import to_result
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

VIEW_KEYS = ("CertificateArn", "DomainName", "SubjectAlternativeNames", "Status", "KeyAlgorithm", "Type", "InUseBy",
             "CreatedAt", "IssuedAt", "NotBefore", "NotAfter", "RenewalEligibility")


# -- shapes ----------------------------------------------------------------------------------------------------
def certificate_view(detail, tags):
    view = {key: detail[key] for key in VIEW_KEYS if key in detail}
    if "KeyAlgorithm" in view:  # DescribeCertificate says RSA-2048, the option (and the API enum) RSA_2048
        view["KeyAlgorithm"] = acm_dns.key_type(view["KeyAlgorithm"])
    view["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    return to_result(view)


def predicted_view(names, params, tags):
    return {
        "certificate_arn": None, "domain_name": names[0], "subject_alternative_names": names,
        "status": "PENDING_VALIDATION", "key_algorithm": params["key_algorithm"], "type": "AMAZON_ISSUED",
        "in_use_by": [], "tags": tags,
    }


def record_view(record, changed):
    return {"name": record["name"], "type": record["type"], "value": record["value"], "ttl": record["ttl"],
            "domains": record["domains"], "changed": changed}


# -- validation (reads only) --------------------------------------------------------------------------------
def checked_names(params):
    if not params["domain_name"]:
        raise DRError("domain_name is required (or certificate_arn with state: absent)")
    names = acm_dns.requested_names(params["domain_name"], params["subject_alternative_names"])
    bad = acm_dns.invalid_names(names)
    if bad:
        raise DRError(f"not a valid certificate name: {', '.join(bad)} (a DNS name, optionally starting with '*.')")
    return names


def validate_present(params):
    if params["certificate_arn"]:
        raise DRError("certificate_arn only selects a certificate to delete: with state: present the certificate is "
                      "found by domain_name and subject_alternative_names")
    if not params["hosted_zone"] and not params["hosted_zone_id"]:
        raise DRError("state: present needs hosted_zone (or hosted_zone_id): the public Route 53 zone that receives "
                      "the validation records")
    if params["validation_record_ttl"] < 1:
        raise DRError(f"validation_record_ttl must be 1 or more, got {params['validation_record_ttl']}")
    return checked_names(params)


def find_matching(acm, names, params, region, max_workers=4, statuses=True):
    summaries = acm_dns.list_candidates(acm, names, region, usable_only=statuses)
    outcomes = run_concurrently(lambda s: acm_dns.describe(acm, s["CertificateArn"]), summaries, max_workers)
    failed = [o.error for o in outcomes if not o.ok]
    if failed:
        raise failed[0]
    details = [o.value for o in outcomes if o.value]
    return [d for d in details if acm_dns.matches(d, names, params["key_algorithm"], usable_only=statuses)]


# -- state=present ---------------------------------------------------------------------------------------------
def request_new(acm, names, params, deadline, sleep=time.sleep):
    """RequestCertificate; returns the ARN and the window in which it may still be "not found".

    Right after a request DescribeCertificate can answer "not found" for several seconds, so that alone proves
    nothing: only a certificate still not found after the window (the token points at one deleted within the
    hour) or found failed (the token points at a failed one) is requested again, with a fresh token.
    """
    token = acm_dns.idempotency_token(names, params["key_algorithm"])
    arn = acm_dns.request(acm, names, params["key_algorithm"], params["tags"], token)
    window = acm_dns.grace_window(deadline)
    detail = acm_dns.describe_new(acm, arn, window, sleep=sleep)
    if detail is None or detail.get("Status") in acm_dns.FAILED_STATUSES:
        arn = acm_dns.request(acm, names, params["key_algorithm"], params["tags"], "pl" + uuid.uuid4().hex[:30])
        window = acm_dns.grace_window(deadline)
    return arn, window


def ensure_records(route53, zone, records, check_mode):
    current = acm_dns.current_records(route53, zone["id"], [r["name"] for r in records])
    changes = acm_dns.record_changes(records, current)
    if changes and not check_mode:
        acm_dns.upsert(route53, zone["id"], changes)
    changed_names = {r["name"] for r in changes}
    before = [record_view(r, False) for r in records if acm_dns.normalize(r["name"]) in current]
    return [record_view(r, r["name"] in changed_names) for r in records], before


def run_present(module, params):
    names = validate_present(params)
    region = module.region
    acm, route53 = module.client("acm"), module.client("route53")
    zone = acm_dns.find_zone(route53, params["hosted_zone"], params["hosted_zone_id"])
    outside = acm_dns.names_outside_zone(names, zone["name"])
    if outside:
        raise DRError(f"{', '.join(outside)} not in hosted zone {zone['name']} ({zone['id']}): ACM could not be shown "
                      "the validation records there; use the zone of these names or request them separately")
    matching = find_matching(acm, names, params, region)
    existing = acm_dns.pick(matching)
    if len(matching) > 1:
        others = ", ".join(d["CertificateArn"] for d in matching if d is not existing)
        module.warn(f"{len(matching)} certificates match {', '.join(names)} in {region}; managing "
                    f"{existing['CertificateArn']} ({existing['Status']}). Delete the others when unused: {others}")
    deadline = Deadline(params["wait_timeout"])
    current_tags = acm_dns.get_tags(acm, existing["CertificateArn"]) if existing else {}
    before = {"certificate": certificate_view(existing, current_tags) if existing else None, "validation_records": []}
    changed = False
    if existing is None:
        tags = acm_dns.planned_tags({}, params["tags"], True)
        if module.check_mode:
            after = {"certificate": predicted_view(names, params, tags), "validation_records": []}
            return finish(module, True, after, before, zone=zone, requested=True)
        (arn, window), changed = request_new(acm, names, params, deadline), True
    else:
        window = None
        arn = existing["CertificateArn"]
        to_set, to_remove = acm_dns.tag_changes(current_tags, params["tags"], params["purge_tags"])
        if to_set or to_remove:
            changed = True
            if not module.check_mode:
                acm_dns.update_tags(acm, arn, to_set, to_remove)
    detail = existing
    records = acm_dns.validation_records(existing) if existing else None
    if records is None and not module.check_mode:
        detail, records = acm_dns.wait_for_records(acm, arn, deadline, window)
    records = [dict(r, ttl=params["validation_record_ttl"]) for r in records or []]
    record_views, before["validation_records"] = ensure_records(route53, zone, records, module.check_mode)
    changed = changed or any(r["changed"] for r in record_views)
    if module.check_mode:
        tags = acm_dns.planned_tags(current_tags, params["tags"], params["purge_tags"])
        after = {"certificate": certificate_view(detail, tags), "validation_records": record_views}
        return finish(module, changed, after, before, zone=zone, requested=False)
    if params["wait"] and detail.get("Status") != "ISSUED":
        acm_dns.wait_issued(acm, arn, deadline, window)
    detail = acm_dns.describe(acm, arn) or detail  # a new certificate may still flicker to "not found"
    after = {"certificate": certificate_view(detail, acm_dns.get_tags(acm, arn)), "validation_records": record_views}
    return finish(module, changed, after, before, zone=zone, requested=existing is None)


# -- state=absent ---------------------------------------------------------------------------------------------
def delete_when_free(acm, arn, deadline):
    """DeleteCertificate; right after a detach ACM may still count the listener for a while: retry then."""
    def attempt():
        try:
            return acm_dns.delete(acm, arn) or True
        except acm_dns.AWS_ERRORS as exc:
            if is_error_code(exc, "ResourceInUseException"):
                return False
            raise DRError(f"deleting ACM certificate {arn} failed", exception=exc)

    wait_until(attempt, deadline, f"ACM certificate {arn} to be free to delete", delay=1.0, max_delay=10)


def run_absent(module, params):
    region = module.region
    acm = module.client("acm")
    if params["certificate_arn"]:
        detail = acm_dns.describe(acm, params["certificate_arn"])
        targets = [detail] if detail else []
    else:
        targets = find_matching(acm, checked_names(params), params, region, statuses=False)
    in_use = [d for d in targets if d.get("InUseBy")]
    if in_use and not params["force"]:
        uses = "; ".join(f"{d['CertificateArn']} by {', '.join(d['InUseBy'])}" for d in in_use)
        raise DRError(f"certificate in use, not deleted: {uses}. Remove it from these resources, or set force: true "
                      "to remove it from ALB/NLB listeners first")
    plans = {}
    if in_use:
        elbv2 = module.client("elbv2")
        for detail in in_use:
            plans[detail["CertificateArn"]] = acm_dns.plan_detach(elbv2, detail["CertificateArn"], detail["InUseBy"])
    before = {"certificates": [certificate_view(d, {}) for d in targets]}
    after = {"certificates": []}
    deleted = [d["CertificateArn"] for d in targets]
    detached = sorted({listener for listeners in plans.values() for listener in listeners})
    if targets and not module.check_mode:
        deadline = Deadline(params["wait_timeout"])
        elbv2 = module.client("elbv2") if plans else None
        for arn in deleted:
            if plans.get(arn):
                acm_dns.detach(elbv2, arn, plans[arn])
            delete_when_free(acm, arn, deadline)
    result = dict(changed=bool(targets), certificate=None, deleted=deleted, detached=detached)
    if module._diff:
        result["diff"] = make_diff(before, after)
    module.exit_json(**result)


def finish(module, changed, after, before, zone, requested):
    result = dict(
        changed=changed,
        certificate=after["certificate"],
        validation_records=after["validation_records"],
        hosted_zone=zone,
        requested=requested,
    )
    if module._diff:
        result["diff"] = make_diff(before, after)
    module.exit_json(**result)


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        domain_name=dict(type="str"),
        subject_alternative_names=dict(type="list", elements="str", default=[]),
        hosted_zone=dict(type="str"),
        hosted_zone_id=dict(type="str"),
        key_algorithm=dict(type="str", choices=["RSA_2048", "EC_prime256v1", "EC_secp384r1"], default="RSA_2048"),
        validation_record_ttl=dict(type="int", default=300),
        certificate_arn=dict(type="str"),
        force=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["hosted_zone", "hosted_zone_id"]],
    )
    try:
        if module.params["state"] == "present":
            run_present(module, module.params)
        else:
            run_absent(module, module.params)
    except DRError as error:
        module.fail_dr(error)


if __name__ == "__main__":
    main()
