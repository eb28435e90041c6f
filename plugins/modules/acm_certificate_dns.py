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
  - pilotlight.dr contributors (@pilotlight)
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

from ansible_collections.pilotlight.dr.plugins.module_utils._acm import certificates
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import lifecycle
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff


def run(module, params):
    if params["state"] == "present":
        names = certificates.validate_present(params)
        result, before, after = lifecycle.ensure_present(
            module.client("acm"), module.client("route53"), names, params, module.region, module.check_mode, module.warn
        )
    else:
        result, before, after = lifecycle.ensure_absent(
            module.client("acm"), lambda: module.client("elbv2"), params, module.region, module.check_mode
        )
    if module._diff:
        result["diff"] = make_diff(before, after)
    return result


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
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
