"""Work out which AWS service, region and API action a raw HTTP request is.

The request log, fault injection and region outages all need this. The region and service come
from the SigV4 credential scope; the action from the protocol: ``X-Amz-Target`` (JSON),
``Action=`` (query/EC2), the path (Smithy RPC v2 CBOR) or, for REST services (S3, Route 53,
CloudFront, Lambda), by matching method and path against botocore's own service model.
"""

import functools
import io
import re
import threading
from urllib.parse import parse_qs
from urllib.parse import unquote

import botocore.session

# SigV4 signing names whose botocore service name differs.
SIGNING_TO_SERVICE = {
    "monitoring": "cloudwatch",
    "elasticloadbalancing": "elbv2",
    "email": "ses",
    "states": "stepfunctions",
    "events": "events",
}

# Global services: botocore signs them with the client's region when an endpoint URL is set, but
# AWS runs them from us-east-1 whatever the client region; a regional outage must not reach them.
GLOBAL_SERVICES = {"route53", "iam", "cloudfront", "organizations", "budgets", "globalaccelerator", "waf", "shield"}
GLOBAL_REGION = "us-east-1"

# Actions that only read. Anything else is treated as mutating (the safe side for "a dry run made
# no mutating call").
READ_PREFIXES = (
    "Describe",
    "List",
    "Get",
    "Head",
    "Query",
    "Scan",
    "BatchGet",
    "Search",
    "Lookup",
    "Test",
    "Check",
    "Select",
    "Estimate",
    "Preview",
    "Validate",
    "Filter",
    "Simulate",
)

_CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9.-]+)/aws4_request")
_CBOR_PATH_RE = re.compile(r"^/service/[^/]+/operation/([A-Za-z0-9]+)$")

_loader_lock = threading.Lock()
_loader = None


def _data_loader():
    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = botocore.session.get_session().get_component("data_loader")
        return _loader


def is_mutating(action, method):
    if action:
        name = action[5:] if action.startswith("Admin") else action
        return not name.startswith(READ_PREFIXES)
    return method not in ("GET", "HEAD", "OPTIONS")


class RequestInfo:
    __slots__ = ("method", "path", "service", "region", "action", "mutating", "protocol")

    def __init__(self, method, path, service, region, action, protocol):
        self.method = method
        self.path = path
        self.service = service
        self.region = region
        self.action = action
        self.protocol = protocol
        self.mutating = is_mutating(action, method)

    def to_dict(self):
        return {
            "method": self.method,
            "path": self.path,
            "service": self.service,
            "region": self.region,
            "action": self.action,
            "mutating": self.mutating,
        }


def signing_scope(authorization, query_string=""):
    """(signing name, region) from a SigV4 Authorization header or presigned query, else (None, None)."""
    source = authorization or ""
    if not source and "X-Amz-Credential" in query_string:
        source = "Credential=" + unquote(parse_qs(query_string).get("X-Amz-Credential", [""])[0])
    match = _CREDENTIAL_RE.search(source)
    if not match:
        return None, None
    signing_name = match.group(4)
    region = GLOBAL_REGION if SIGNING_TO_SERVICE.get(signing_name, signing_name) in GLOBAL_SERVICES else match.group(3)
    return signing_name, region


@functools.lru_cache(maxsize=None)
def _service_model(service):
    try:
        return _data_loader().load_service_model(service, "service-2")
    except Exception:  # unknown to botocore: the log will still show method and path
        return None


def protocol_of(service):
    model = _service_model(service)
    if not model:
        return None
    return model["metadata"].get("protocol")


def _required_headers(model, operation):
    """Lower-case names of the HTTP headers an operation requires (CopyObject: x-amz-copy-source)."""
    shape_name = operation.get("input", {}).get("shape")
    shape = model.get("shapes", {}).get(shape_name, {}) if shape_name else {}
    required = set(shape.get("required", []))
    return [
        member["locationName"].lower()
        for name, member in shape.get("members", {}).items()
        if name in required and member.get("location") == "header" and "locationName" in member
    ]


@functools.lru_cache(maxsize=None)
def _rest_routes(service):
    """[(method, path regex, required query keys, required headers, score, operation)] for a REST service."""
    model = _service_model(service)
    routes = []
    for name, operation in (model or {}).get("operations", {}).items():
        http = operation.get("http", {})
        uri = http.get("requestUri", "/")
        path, _sep, query = uri.partition("?")
        pattern = ""
        literal = 0
        for part in re.split(r"(\{[^}]+\})", path):
            if part.startswith("{"):
                pattern += "(.+)" if part.endswith("+}") else "([^/]+)"
            else:
                pattern += re.escape(part)
                literal += len(part)
        required = [item.split("=")[0] for item in query.split("&") if item and not item.startswith("x-id")]
        headers = _required_headers(model, operation)
        regex = re.compile("^" + pattern.rstrip("/") + "/?$")
        score = literal + 100 * len(required) + 50 * len(headers)
        routes.append((http.get("method", "POST"), regex, required, headers, score, name))
    return routes


def rest_action(service, method, path, query_string, header_names=()):
    query_keys = set(parse_qs(query_string, keep_blank_values=True))
    best = None
    for route_method, regex, required, headers, score, name in _rest_routes(service):
        if route_method != method or not regex.match(path):
            continue
        if any(key not in query_keys for key in required) or any(h not in header_names for h in headers):
            continue
        if best is None or score > best[0]:
            best = (score, name)
    return best[1] if best else None


def _read_form_body(environ):
    """The form-encoded body (query protocol), leaving wsgi.input readable for moto."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return ""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    if not length:
        return ""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body.decode("utf-8", "replace")


def describe_headers(method, path, query_string, headers):
    """Classify from the raw request line and headers only (before the body is read).

    Used where the connection itself must be refused (region outage): the service and region are
    certain, the action is known for JSON/CBOR/REST protocols and None for query protocols.
    """
    signing_name, region = signing_scope(headers.get("Authorization"), query_string)
    service = SIGNING_TO_SERVICE.get(signing_name, signing_name)
    header_names = {name.lower() for name in headers.keys()}
    action = _action_without_body(service, method, path, query_string, headers.get("X-Amz-Target"), header_names)
    return RequestInfo(method, path, service, region, action, protocol_of(service) if service else None)


def _action_without_body(service, method, path, query_string, target, header_names):
    if target:
        return target.rsplit(".", 1)[-1]
    match = _CBOR_PATH_RE.match(path)
    if match:
        return match.group(1)
    action = parse_qs(query_string).get("Action")
    if action:
        return action[0]
    if service and protocol_of(service) in ("rest-xml", "rest-json"):
        return rest_action(service, method, path, query_string, header_names)
    return None


def wire_protocol(service, content_type, smithy_protocol):
    """The protocol this request was sent in (botocore may pick one of several a service offers:
    CloudWatch's model says CBOR first, yet boto3 sends JSON), falling back to the service model's."""
    content_type = (content_type or "").lower()
    if (smithy_protocol or "").lower() == "rpc-v2-cbor" or content_type.startswith("application/cbor"):
        return "smithy-rpc-v2-cbor"
    if content_type.startswith("application/x-amz-json"):
        return "json"
    if content_type.startswith("application/x-www-form-urlencoded"):
        return "ec2" if service == "ec2" else "query"
    return protocol_of(service) if service else None


def describe(environ):
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/")
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    query_string = environ.get("QUERY_STRING", "")
    signing_name, region = signing_scope(environ.get("HTTP_AUTHORIZATION"), query_string)
    service = SIGNING_TO_SERVICE.get(signing_name, signing_name)
    header_names = {key[5:].replace("_", "-").lower() for key in environ if key.startswith("HTTP_")}
    action = _action_without_body(service, method, path, query_string, environ.get("HTTP_X_AMZ_TARGET"), header_names)
    if action is None and method == "POST":
        action = parse_qs(_read_form_body(environ)).get("Action", [None])[0]
    protocol = wire_protocol(service, environ.get("CONTENT_TYPE"), environ.get("HTTP_SMITHY_PROTOCOL"))
    return RequestInfo(method, path, service, region, action, protocol)
