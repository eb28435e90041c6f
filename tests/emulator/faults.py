"""AWS-shaped error responses for injected faults, in each service's own wire protocol.

botocore decides whether to retry from the error code and status, so an injected throttle has to
look exactly like the real one: ``ThrottlingException`` in JSON, ``Throttling`` in query XML,
``RequestLimitExceeded`` for EC2, ``SlowDown`` for S3, and so on.
"""

import json
import uuid

# (status, code, message) per protocol and fault kind.
_THROTTLE = {
    "json": (400, "ThrottlingException", "Rate exceeded"),
    "rest-json": (429, "TooManyRequestsException", "Rate exceeded"),
    "query": (400, "Throttling", "Rate exceeded"),
    "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
    "rest-xml": (400, "Throttling", "Rate exceeded"),
    "smithy-rpc-v2-cbor": (400, "ThrottlingException", "Rate exceeded"),
}
_S3_THROTTLE = (503, "SlowDown", "Please reduce your request rate.")
# A caller without the permission (what IAM answers): nothing retries it, so a run stops at once and
# names the call; a persistent 500 stops the same run only after every retry's back-off (about a minute).
_DENIED = {
    "json": (400, "AccessDeniedException", "User is not authorized to perform this action"),
    "rest-json": (403, "AccessDeniedException", "User is not authorized to perform this action"),
    "query": (403, "AccessDenied", "User is not authorized to perform this action"),
    "ec2": (403, "UnauthorizedOperation", "You are not authorized to perform this operation."),
    "rest-xml": (403, "AccessDenied", "User is not authorized to perform this action"),
    "smithy-rpc-v2-cbor": (400, "AccessDeniedException", "User is not authorized to perform this action"),
}
_SERVER_ERRORS = {
    "500": (500, "InternalFailure", "The request processing has failed because of an unknown error."),
    "503": (503, "ServiceUnavailable", "The service is unavailable. Please try again later."),
}


def _cbor_text(value):
    data = value.encode("utf-8")
    return _cbor_head(3, len(data)) + data


def _cbor_head(major, length):
    if length < 24:
        return bytes([(major << 5) | length])
    if length < 256:
        return bytes([(major << 5) | 24, length])
    return bytes([(major << 5) | 25]) + length.to_bytes(2, "big")


def _cbor_map(mapping):
    out = _cbor_head(5, len(mapping))
    for key, value in mapping.items():
        out += _cbor_text(key) + _cbor_text(value)
    return out


def error_response(service, protocol, kind):
    """(status, headers, body bytes) of an AWS error for ``kind`` in ('throttle', '500', '503', 'denied')."""
    if kind == "throttle":
        status, code, message = _S3_THROTTLE if service == "s3" else _THROTTLE.get(protocol, _THROTTLE["json"])
    elif kind == "denied":
        status, code, message = _DENIED.get(protocol, _DENIED["json"])
    else:
        status, code, message = _SERVER_ERRORS[kind]
        if service == "s3" and kind == "500":
            code = "InternalError"
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id), ("x-amz-request-id", request_id)]
    if protocol in ("json", "rest-json", None):
        headers += [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
        body = json.dumps({"__type": code, "message": message}).encode()
    elif protocol == "smithy-rpc-v2-cbor":
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
        body = _cbor_map({"__type": code, "message": message})
    elif protocol == "ec2":
        headers.append(("Content-Type", "text/xml"))
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        ).encode()
    elif service == "s3":
        headers.append(("Content-Type", "application/xml"))
        body = (
            f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        ).encode()
    else:  # query and the other rest-xml services (Route 53, CloudFront)
        headers.append(("Content-Type", "text/xml"))
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body
