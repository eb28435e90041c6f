# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The steps of acm_certificate_dns over clients: ensure a DNS-validated certificate, or delete it.

Each returns ``(result, before, after)``: the module's result, and the two states its diff shows.
"""

import time
import uuid

from ansible_collections.pilotlight.dr.plugins.module_utils._acm import acm as api
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import certificates as certs
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import listeners
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import validation_dns
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline


def find_matching(acm, names, params, region, max_workers=4, statuses=True):
    """The certificates of the region that are the one asked for (usable ones only when ``statuses``)."""
    summaries = api.list_candidates(acm, names, region, usable_only=statuses)
    outcomes = run_concurrently(lambda s: api.describe(acm, s["CertificateArn"]), summaries, max_workers)
    failed = [o.error for o in outcomes if not o.ok]
    if failed:
        raise failed[0]
    details = [o.value for o in outcomes if o.value]
    return [d for d in details if certs.matches(d, names, params["key_algorithm"], usable_only=statuses)]


# -- state=present ---------------------------------------------------------------------------------------------
def request_new(acm, names, params, deadline, sleep=time.sleep):
    """RequestCertificate; returns the ARN and the window in which it may still be "not found".

    Right after a request DescribeCertificate can answer "not found" for several seconds, so that alone proves
    nothing: only a certificate still not found after the window (the token points at one deleted within the
    hour) or found failed (the token points at a failed one) is requested again, with a fresh token.
    """
    token = certs.idempotency_token(names, params["key_algorithm"])
    arn = api.request(acm, names, params["key_algorithm"], params["tags"], token)
    window = api.grace_window(deadline)
    detail = api.describe_new(acm, arn, window, sleep=sleep)
    if detail is None or detail.get("Status") in certs.FAILED_STATUSES:
        arn = api.request(acm, names, params["key_algorithm"], params["tags"], "pl" + uuid.uuid4().hex[:30])
        window = api.grace_window(deadline)
    return arn, window


def ensure_records(route53, zone, records, check_mode):
    """UPSERT the validation records that are missing or differ; (record views after, record views before)."""
    current = validation_dns.current_records(route53, zone["id"], [r["name"] for r in records])
    changes = validation_dns.record_changes(records, current)
    if changes and not check_mode:
        validation_dns.upsert(route53, zone["id"], changes)
    changed_names = {r["name"] for r in changes}
    before = [certs.record_view(r, False) for r in records if certs.normalize(r["name"]) in current]
    return [certs.record_view(r, r["name"] in changed_names) for r in records], before


def present_result(changed, after, zone, requested):
    return dict(
        changed=changed,
        certificate=after["certificate"],
        validation_records=after["validation_records"],
        hosted_zone=zone,
        requested=requested,
    )


def ensure_present(acm, route53, names, params, region, check_mode, warn):
    """The certificate for ``names`` requested (or found), its CNAMEs in the zone, and ISSUED when ``wait``."""
    zone = validation_dns.find_zone(route53, params["hosted_zone"], params["hosted_zone_id"])
    outside = certs.names_outside_zone(names, zone["name"])
    if outside:
        raise DRError(
            f"{', '.join(outside)} not in hosted zone {zone['name']} ({zone['id']}): ACM could not be shown "
            "the validation records there; use the zone of these names or request them separately"
        )
    matching = find_matching(acm, names, params, region)
    existing = certs.pick(matching)
    if len(matching) > 1:
        others = ", ".join(d["CertificateArn"] for d in matching if d is not existing)
        warn(
            f"{len(matching)} certificates match {', '.join(names)} in {region}; managing "
            f"{existing['CertificateArn']} ({existing['Status']}). Delete the others when unused: {others}"
        )
    deadline = Deadline(params["wait_timeout"])
    current_tags = api.get_tags(acm, existing["CertificateArn"]) if existing else {}
    before = {
        "certificate": certs.certificate_view(existing, current_tags) if existing else None,
        "validation_records": [],
    }
    changed = False
    if existing is None:
        if check_mode:
            tags = certs.planned_tags({}, params["tags"], True)
            after = {"certificate": certs.predicted_view(names, params, tags), "validation_records": []}
            return present_result(True, after, zone, requested=True), before, after
        (arn, window), changed = request_new(acm, names, params, deadline), True
    else:
        window = None
        arn = existing["CertificateArn"]
        to_set, to_remove = certs.tag_changes(current_tags, params["tags"], params["purge_tags"])
        if to_set or to_remove:
            changed = True
            if not check_mode:
                api.update_tags(acm, arn, to_set, to_remove)
    detail = existing
    records = certs.validation_records(existing) if existing else None
    if records is None and not check_mode:
        detail, records = api.wait_for_records(acm, arn, deadline, window)
    records = [dict(r, ttl=params["validation_record_ttl"]) for r in records or []]
    record_views, before["validation_records"] = ensure_records(route53, zone, records, check_mode)
    changed = changed or any(r["changed"] for r in record_views)
    if check_mode:
        tags = certs.planned_tags(current_tags, params["tags"], params["purge_tags"])
        after = {"certificate": certs.certificate_view(detail, tags), "validation_records": record_views}
        return present_result(changed, after, zone, requested=False), before, after
    if params["wait"] and detail.get("Status") != "ISSUED":
        api.wait_issued(acm, arn, deadline, window)
    detail = api.describe(acm, arn) or detail  # a new certificate may still flicker to "not found"
    after = {"certificate": certs.certificate_view(detail, api.get_tags(acm, arn)), "validation_records": record_views}
    return present_result(changed, after, zone, requested=existing is None), before, after


# -- state=absent ---------------------------------------------------------------------------------------------
def ensure_absent(acm, elbv2_client, params, region, check_mode):
    """Delete the certificate (by ARN, or every one matching the names), detaching it first with ``force``.

    ``elbv2_client()`` gives the load balancing client, made only when a certificate is in use.
    """
    if params["certificate_arn"]:
        detail = api.describe(acm, params["certificate_arn"])
        targets = [detail] if detail else []
    else:
        targets = find_matching(acm, certs.checked_names(params), params, region, statuses=False)
    in_use = [d for d in targets if d.get("InUseBy")]
    if in_use and not params["force"]:
        uses = "; ".join(f"{d['CertificateArn']} by {', '.join(d['InUseBy'])}" for d in in_use)
        raise DRError(
            f"certificate in use, not deleted: {uses}. Remove it from these resources, or set force: true "
            "to remove it from ALB/NLB listeners first"
        )
    plans = {}
    elbv2 = elbv2_client() if in_use else None
    for detail in in_use:
        plans[detail["CertificateArn"]] = listeners.plan_detach(elbv2, detail["CertificateArn"], detail["InUseBy"])
    before = {"certificates": [certs.certificate_view(d, {}) for d in targets]}
    after = {"certificates": []}
    deleted = [d["CertificateArn"] for d in targets]
    detached = sorted({listener for listener_arns in plans.values() for listener in listener_arns})
    if targets and not check_mode:
        deadline = Deadline(params["wait_timeout"])
        for arn in deleted:
            if plans.get(arn):
                listeners.detach(elbv2, arn, plans[arn])
            api.delete_when_free(acm, arn, deadline)
    result = dict(changed=bool(targets), certificate=None, deleted=deleted, detached=detached)
    return result, before, after
