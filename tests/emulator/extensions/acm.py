"""ACM public certificates validated by DNS, as AWS does it.

moto issues every requested certificate a fixed time after the request (60 s by default), whether
or not anybody created the validation records, and gives every domain of every certificate the same
validation CNAME. This extension makes DNS validation real inside the emulator:

* ``DescribeCertificate`` lists one ``DomainValidationOptions`` entry per name (domain first, then
  the SANs in request order). The CNAME (``ResourceRecord``) appears only once ACM "knows" it,
  ``acm_dns_record`` seconds after the request (on AWS: a few seconds). Its name and value are
  fixed per account and domain, so ``*.example.org`` and ``example.org`` share one record and a
  new certificate for the same names reuses the records already in the zone, as on AWS.
* The certificate becomes ``ISSUED`` ``acm_validation`` seconds after every validation CNAME
  exists, with the right value, in a public Route 53 hosted zone of the same account that is the
  most specific zone for the record name. Without the records it stays ``PENDING_VALIDATION``.
  EMAIL- and HTTP-validated certificates stay pending (nobody clicks the e-mail).
* ``IdempotencyToken`` (``\\w+``, 1-32 characters): the same token within one hour returns the
  certificate first requested with it, whatever the other parameters; tokens are per region.
* ``KeyAlgorithm`` is reported back; ``ListCertificates`` without ``Includes.keyTypes`` lists only
  RSA_1024 and RSA_2048 certificates, as AWS does, and carries ``SubjectAlternativeNameSummaries``.
* ``InUseBy`` lists the load balancers (ELBv2 listeners, default or SNI certificate) and
  CloudFront distributions that use the certificate; ``DeleteCertificate`` of a certificate in use
  fails with ``ResourceInUseException``.
"""

import hashlib
import re
import threading

from ..core import CONTROL
from ..core import DEFAULT_ACCOUNT_ID
from ..core import SCHEDULER
from ..core import STATE
from ..core import backend
from ..core import on_reset
from ..core import patch
from ..core import require

DESCRIPTION = (
    "ACM: DNS validation records per domain, ISSUED only after the CNAMEs exist in Route 53, "
    "idempotency tokens, key algorithms, InUseBy and delete-in-use"
)

TOKEN_RE = re.compile(r"^\w{1,32}$")
DOMAIN_RE = re.compile(r"^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$")
DEFAULT_LIST_KEY_TYPES = ["RSA_1024", "RSA_2048"]
SAN_LIMIT = 10  # the default quota of names per certificate besides the domain name

_lock = threading.RLock()
# (account, region, arn) -> our bookkeeping of a DNS-validated certificate
_TRACKED = {}


class _Tracked:
    __slots__ = ("account", "region", "arn", "names", "method", "known", "armed", "generation")

    def __init__(self, account, region, arn, names, method):
        self.account = account
        self.region = region
        self.arn = arn
        self.names = names
        self.method = method
        self.known = False
        self.armed = False
        self.generation = 0


# -- validation records ------------------------------------------------------------------------------
def base_domain(name):
    return name[2:] if name.startswith("*.") else name


def validation_record(account, name):
    """The CNAME that proves control of ``name`` (fixed per account and domain, as on AWS)."""
    base = base_domain(name).lower().rstrip(".")
    digest = hashlib.sha256(f"{account}:{base}".encode()).hexdigest()
    return {
        "Name": f"_{digest[:32]}.{base}.",
        "Type": "CNAME",
        "Value": f"_{digest[32:64]}.{digest[:10]}.acm-validations.aws.",
    }


def _norm(name):
    return (name or "").lower().rstrip(".")


def _record_in_route53(account, record):
    """True when the CNAME is in the most specific public hosted zone for its name."""
    try:
        zones = list(backend("route53", "aws", account).zones.values())
    except Exception:  # Route 53 never used in this account
        return False
    name = _norm(record["Name"])
    candidates = [
        zone
        for zone in zones
        if not zone.private_zone and (name == _norm(zone.name) or name.endswith("." + _norm(zone.name)))
    ]
    if not candidates:
        return False
    longest = max(len(_norm(zone.name)) for zone in candidates)
    for zone in candidates:
        if len(_norm(zone.name)) != longest:
            continue
        for rrset in zone.rrsets:
            if rrset.type == "CNAME" and _norm(rrset.name) == name and not rrset.set_identifier:
                values = [_norm(v if isinstance(v, str) else v.get("Value")) for v in rrset.records or []]
                if values == [_norm(record["Value"])]:
                    return True
    return False


def _cert(tracked):
    try:
        return backend("acm", tracked.region, tracked.account)._certificates.get(tracked.arn)
    except Exception:
        return None


def _all_records_present(tracked):
    return all(_record_in_route53(tracked.account, validation_record(tracked.account, n)) for n in tracked.names)


def _check(tracked):
    """Arm the issuing timer when every record exists (called on Route 53 changes and on reads)."""
    with _lock:
        cert = _cert(tracked)
        if cert is None or cert.status != "PENDING_VALIDATION" or tracked.method != "DNS":
            return
        if not tracked.known or tracked.armed:
            return
        if not _all_records_present(tracked):
            return
        tracked.armed = True
        tracked.generation += 1
        generation = tracked.generation
    SCHEDULER.call_later(STATE.delay("acm_validation"), _issue, tracked, generation, name="acm-validation")


def _issue(tracked, generation):
    with _lock:
        key = (tracked.account, tracked.region, tracked.arn)
        if tracked.generation != generation or _TRACKED.get(key) is not tracked:
            return
        tracked.armed = False
        cert = _cert(tracked)
        if cert is None or cert.status != "PENDING_VALIDATION":
            return
        if _all_records_present(tracked):  # a record deleted meanwhile: stay pending
            from moto.core.utils import utcnow

            cert.status = "ISSUED"
            cert._pl_issued_at = utcnow()


def _mark_known(tracked):
    with _lock:
        tracked.known = True
    _check(tracked)


def _check_account(account):
    with _lock:
        pending = [t for t in _TRACKED.values() if t.account == account]
    for tracked in pending:
        _check(tracked)


@on_reset
def _forget():
    with _lock:
        _TRACKED.clear()


# -- patches -----------------------------------------------------------------------------------------
def _names(domain, sans):
    names = [domain]
    for name in sans or []:
        if name not in names:
            names.append(name)
    return names


def _request_certificate(self):
    from moto.acm.exceptions import AWSError
    from moto.acm.exceptions import AWSValidationException
    from moto.core.responses import ActionResult

    domain = self._get_param("DomainName")
    token = self._get_param("IdempotencyToken")
    sans = self._get_param("SubjectAlternativeNames")
    tags = self._get_param("Tags")
    ca_arn = self._get_param("CertificateAuthorityArn")
    options = self._get_param("Options")
    method = self._get_param("ValidationMethod") or ("EMAIL" if not ca_arn else None)
    key_algorithm = self._get_param("KeyAlgorithm") or "RSA_2048"

    if token is not None and not TOKEN_RE.match(token):
        raise AWSValidationException(
            f"1 validation error detected: Value '{token}' at 'idempotencyToken' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: \\w+ and have length between 1 and 32"
        )
    for name in [domain] + list(sans or []):
        if not name or len(name) > 253 or not DOMAIN_RE.match(name):
            raise AWSValidationException(
                f"1 validation error detected: Value '{name}' at 'domainName' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: "
                "(\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])"
            )
    names = _names(domain, sans)
    if len(names) - 1 > SAN_LIMIT:
        raise AWSError(
            "An ACM limit has been exceeded. Need to request SAN limit to be raised",
            exception_type="LimitExceededException",
        )

    acm = self.acm_backend
    with _lock:
        if token is not None:
            existing = acm._get_arn_from_idempotency_token(token)
            if existing and existing in acm._certificates:
                return ActionResult(result={"CertificateArn": existing})
        # moto's own token handling creates a second certificate when the tags differ: do it here.
        arn = acm.request_certificate(domain, None, sans, tags, ca_arn, options)
        if token is not None:
            acm._set_idempotency_token_arn(token, arn)
        cert = acm._certificates[arn]
        cert._pl_names = names
        cert._pl_method = method
        cert._pl_key_algorithm = key_algorithm
        cert._pl_issued_at = None
        if cert.status == "PENDING_VALIDATION":
            tracked = _Tracked(acm.account_id, acm.region_name, arn, names, method)
            _TRACKED[(acm.account_id, acm.region_name, arn)] = tracked
            cert._pl_tracked = tracked
        else:
            cert._pl_tracked = None
            cert._pl_issued_at = cert.created_at
    if cert._pl_tracked is not None:
        SCHEDULER.call_later(STATE.delay("acm_dns_record"), _mark_known, cert._pl_tracked, name="acm-dns-record")
    return ActionResult(result={"CertificateArn": arn})


def _make_check(original_check):
    def check(self):
        tracked = getattr(self, "_pl_tracked", None)
        if tracked is None:
            original_check(self)
            return
        # Expiry only: issuing is driven by the validation records, never by the clock as in moto.
        from moto.core.utils import utcnow

        if self._not_valid_after(self._cert) <= utcnow():
            self.status = "EXPIRED"
        elif self.status == "PENDING_VALIDATION":
            _check(tracked)

    return check


def _in_use_by(cert):
    users = [u for u in cert.in_use_by if ":listener/" not in u]  # classic ELBs as moto records them
    account, region = cert.arn.split(":")[4], cert.arn.split(":")[3]
    try:
        elbv2 = backend("elbv2", region, account)
        for balancer in elbv2.load_balancers.values():
            for listener in balancer.listeners.values():
                if cert.arn in (listener.certificates or []) or listener.certificate == cert.arn:
                    if balancer.arn not in users:
                        users.append(balancer.arn)
    except Exception:
        pass
    if region == "us-east-1":
        try:
            cloudfront = backend("cloudfront", "aws", account)
            for dist in cloudfront.distributions.values():
                viewer = dist.distribution_config.ViewerCertificate
                if getattr(viewer, "acm_certificate_arn", "") == cert.arn:
                    users.append(dist.arn)
        except Exception:
            pass
    return users


def _make_describe(original_describe):
    def describe(self):
        result = original_describe(self)
        detail = result["Certificate"]
        names = getattr(self, "_pl_names", None)
        detail["InUseBy"] = _in_use_by(self)
        if names is None:  # imported, or requested before the extension was installed
            return result
        tracked = getattr(self, "_pl_tracked", None)
        detail["DomainName"] = names[0]
        detail["SubjectAlternativeNames"] = list(names)
        detail["SubjectAlternativeNameSummaries"] = list(names)
        detail["HasAdditionalSubjectAlternativeNames"] = False
        detail["KeyAlgorithm"] = self._pl_key_algorithm
        if self.status != "ISSUED":
            for key in ("IssuedAt", "NotBefore", "NotAfter", "Serial"):
                detail.pop(key, None)
        elif self._pl_issued_at is not None:
            from moto.acm.models import datetime_to_epoch

            detail["IssuedAt"] = datetime_to_epoch(self._pl_issued_at)
        if self.type != "AMAZON_ISSUED" or self._pl_method is None:
            detail.pop("DomainValidationOptions", None)
            return result
        options = []
        for name in names:
            entry = {
                "DomainName": name,
                "ValidationDomain": name,
                "ValidationStatus": "SUCCESS" if self.status == "ISSUED" else self.status,
                "ValidationMethod": self._pl_method,
            }
            if self._pl_method == "DNS" and tracked is not None and tracked.known:
                entry["ResourceRecord"] = validation_record(tracked.account, name)
            elif self._pl_method == "DNS" and tracked is None:
                entry["ResourceRecord"] = validation_record(self.arn.split(":")[4], name)
            elif self._pl_method == "EMAIL":
                base = base_domain(name)
                boxes = ("admin", "administrator", "hostmaster", "postmaster", "webmaster")
                entry["ValidationEmails"] = [f"{box}@{base}" for box in boxes]
            options.append(entry)
        detail["DomainValidationOptions"] = options
        return result

    return describe


def _make_list(original_list):
    def list_certificates(self, statuses, includes):
        includes = dict(includes or {})
        if not includes.get("keyTypes"):
            includes["keyTypes"] = list(DEFAULT_LIST_KEY_TYPES)
        return original_list(self, statuses, includes)

    return list_certificates


def _make_delete(original_delete):
    def delete_certificate(self, arn):
        from moto.acm.exceptions import AWSError

        cert = self._certificates.get(arn)
        if cert is not None:
            users = _in_use_by(cert)
            if users:
                raise AWSError(
                    f"Certificate {arn} in account {self.account_id} is in use.",
                    exception_type="ResourceInUseException",
                )
        original_delete(self, arn)
        with _lock:
            _TRACKED.pop((self.account_id, self.region_name, arn), None)

    return delete_certificate


def _make_route53_change(original_change):
    def change_resource_record_sets(self, zoneid, change_list):
        result = original_change(self, zoneid, change_list)
        _check_account(self.account_id)
        return result

    return change_resource_record_sets


def install():
    from moto.acm.models import AWSCertificateManagerBackend
    from moto.acm.models import CertBundle
    from moto.acm.responses import AWSCertificateManagerResponse
    from moto.route53.models import Route53Backend

    require(AWSCertificateManagerBackend, "_get_arn_from_idempotency_token", "_set_idempotency_token_arn")
    STATE.register_latency(
        "acm_validation",
        0.5,
        "seconds from the moment every DNS validation CNAME exists in Route 53 until the ACM certificate is ISSUED",
    )
    STATE.register_latency(
        "acm_dns_record",
        0.2,
        "seconds after RequestCertificate until DescribeCertificate shows the validation CNAMEs (ResourceRecord)",
    )
    patch(AWSCertificateManagerResponse, "request_certificate", _request_certificate)
    patch(CertBundle, "check", _make_check(CertBundle.check))
    patch(CertBundle, "describe", _make_describe(CertBundle.describe))
    patch(AWSCertificateManagerBackend, "list_certificates", _make_list(AWSCertificateManagerBackend.list_certificates))
    patch(
        AWSCertificateManagerBackend,
        "delete_certificate",
        _make_delete(AWSCertificateManagerBackend.delete_certificate),
    )
    patch(
        Route53Backend, "change_resource_record_sets", _make_route53_change(Route53Backend.change_resource_record_sets)
    )


@CONTROL.route("GET", "/acm/validation-records", "the DNS validation CNAME ACM expects for ?domain=NAME")
def _validation_record_route(body, query):
    domain = query.get("domain")
    if not domain:
        raise ValueError("give ?domain=NAME (for example ?domain=*.portforge.org)")
    return validation_record(query.get("account", DEFAULT_ACCOUNT_ID), domain)
