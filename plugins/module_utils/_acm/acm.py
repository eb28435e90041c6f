# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ACM calls on a client: list, describe, request, tag, wait for records and issuance, delete.

Every AWS error becomes a DRError naming the certificate; "not found" is told apart where it means
something (``describe`` returns None), never guessed from a failed read.
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.pilotlight.dr.plugins.module_utils._acm.certificates import ALL_KEY_TYPES
from ansible_collections.pilotlight.dr.plugins.module_utils._acm.certificates import FAILED_STATUSES
from ansible_collections.pilotlight.dr.plugins.module_utils._acm.certificates import USABLE_STATUSES
from ansible_collections.pilotlight.dr.plugins.module_utils._acm.certificates import summary_may_match
from ansible_collections.pilotlight.dr.plugins.module_utils._acm.certificates import validation_records
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import failed_to
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

# Right after RequestCertificate, DescribeCertificate may answer ResourceNotFoundException for several seconds
# (eventual consistency, as the ACM API reference says): how long "not found" means "not visible yet".
NEW_CERTIFICATE_GRACE = 60.0


@DRErrorHandler.call("list the ACM certificates in {1}")
def list_certificates(acm, region, statuses=None):
    """Every certificate summary of the region (every key type: ListCertificates lists only RSA unless told)."""
    kwargs = {"Includes": {"keyTypes": ALL_KEY_TYPES}}
    if statuses:
        kwargs["CertificateStatuses"] = list(statuses)
    result = acm.get_paginator("list_certificates").paginate(**kwargs).build_full_result()
    return result.get("CertificateSummaryList", [])


def list_candidates(acm, names, region, usable_only=True):
    """Summaries of certificates in the region whose domain name matches (every key type; usable ones only)."""
    summaries = list_certificates(acm, region, USABLE_STATUSES if usable_only else None)
    return [s for s in summaries if summary_may_match(s, names)]


@DRErrorHandler.reader("describe ACM certificate {1}", missing=("ResourceNotFoundException",))
def describe(acm, arn):
    """DescribeCertificate's detail, or None when the certificate does not exist."""
    return acm.describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]


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


@DRErrorHandler.call("read the tags of ACM certificate {1}")
def get_tags(acm, arn):
    tags = acm.list_tags_for_certificate(CertificateArn=arn, aws_retry=True).get("Tags", [])
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
    with aws_errors(f"request a certificate for {', '.join(names)}"):
        return acm.request_certificate(aws_retry=True, **kwargs)["CertificateArn"]


@DRErrorHandler.call("update the tags of ACM certificate {1}")
def update_tags(acm, arn, to_set, to_remove):
    if to_remove:
        acm.remove_tags_from_certificate(CertificateArn=arn, Tags=[{"Key": k} for k in to_remove], aws_retry=True)
    if to_set:
        acm.add_tags_to_certificate(CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


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

    return wait_until(
        check, deadline, f"ACM to publish the DNS validation records of {arn}", delay=0.5, max_delay=5, sleep=sleep
    )


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

    return wait_until(
        check, deadline, f"ACM certificate {arn} to be ISSUED (DNS validation)", delay=0.5, max_delay=20, sleep=sleep
    )


def delete(acm, arn):
    """True once the certificate is gone (deleted now, or already); False while ACM still counts a user."""
    try:
        acm.delete_certificate(CertificateArn=arn, aws_retry=True)
    except AWS_ERRORS as exc:
        if is_error_code(exc, "ResourceNotFoundException"):
            return True
        if is_error_code(exc, "ResourceInUseException"):
            return False
        raise DRError(failed_to(f"delete ACM certificate {arn}"), exception=exc) from exc
    return True


def delete_when_free(acm, arn, deadline):
    """DeleteCertificate; right after a detach ACM may still count the listener for a while: retry then."""
    wait_until(
        lambda: delete(acm, arn), deadline, f"ACM certificate {arn} to be free to delete", delay=1.0, max_delay=10
    )
