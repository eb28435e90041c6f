"""A small sample MegaTicket API, the app tier of seed 004, for the demo (issue 11 item 6).

It is started with the environment that dr_compute really wrote into the DR launch templates: the user
data is read back through DescribeLaunchTemplateVersions and its ``export NAME=value`` lines give
``AWS_REGION``, the ``DYNAMODB_<NAME>_TABLE`` tables, ``DR_RECOVERY_MODE``, the SSM parameter with the DR
start time (``DR_RECOVERY_STARTED_AT_PARAMETER``) and, from the web tier, ``INTERNAL_API_URL``. It calls
DynamoDB and SSM with boto3 in that region only (the endpoint comes from the process environment, which
the demo points at the emulator), so a wrong region or table name in the user data makes it fail:

* ``GET /api/health``: 200 only when every table can be read in its region, else 503 naming the table;
* ``GET /api/reservations/<id>``: the reservation (404 when absent);
* ``POST /api/reservations/<id>/pay``: confirms a HOLDING reservation while it is payable, 410 once expired.

Seed 004's rule: a hold expires 10 minutes after it was taken; with ``DR_RECOVERY_MODE=true``, a
reservation HOLDING from before the DR start (it came from the primary) is payable for 30 minutes from the
DR start instead. The clock is injected (``now=`` query parameter, ``X-Now`` header or the ``clock``
argument), so the demo and the tests check "DR start + 25 min" and "+ 35 min" without waiting.

    python -m tests.demo.megaticket_api --region ap-northeast-1 --app-template MegaTicket-DR-App-LT \\
        --web-template MegaTicket-DR-Web-LT
"""

import argparse
import base64
import json
import re
import shlex
import threading
import urllib.error
import urllib.request
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs
from urllib.parse import unquote
from urllib.parse import urlsplit

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError

HOLD = timedelta(minutes=10)  # a seat is held this long after it was taken (seed 004)
RECOVERY_GRACE = timedelta(minutes=30)  # DR_RECOVERY_MODE: holds from the primary, counted from the DR start
TABLE_VARIABLE = re.compile(r"^DYNAMODB_([A-Z0-9_]+)_TABLE$")
RESERVATION_PATH = re.compile(r"^/api/reservations/([^/]+)(/pay)?$")
# Short timeouts and few retries: a wrong region must fail the health check quickly, not hang it.
AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})


def request_json(url, method="GET", timeout=30):
    """(HTTP status, JSON body) of a call to the API, errors included."""
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


# -- the environment from the user data ---------------------------------------------------------------
def parse_user_data(text):
    """The variables a user data script exports (``export NAME=value``, shell-quoted); the first wins."""
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("export "):
            continue
        for word in shlex.split(line, comments=True)[1:]:
            name, sep, value = word.partition("=")
            if sep and name.isidentifier():
                env.setdefault(name, value)
    return env


def launch_template_user_data(ec2, name):
    """The decoded user data of the latest version of a launch template."""
    versions = ec2.describe_launch_template_versions(LaunchTemplateName=name, Versions=["$Latest"])
    encoded = versions["LaunchTemplateVersions"][0]["LaunchTemplateData"].get("UserData", "")
    return base64.b64decode(encoded).decode()


def dr_environment(region, app_template, web_template=None, session=None):
    """The app tier's environment as dr_compute wrote it in ``region``, with the web tier's INTERNAL_API_URL."""
    ec2 = (session or boto3.session.Session()).client("ec2", region_name=region, config=AWS_CONFIG)
    env = parse_user_data(launch_template_user_data(ec2, app_template))
    if web_template:
        web = parse_user_data(launch_template_user_data(ec2, web_template))
        if "INTERNAL_API_URL" in web:
            env["INTERNAL_API_URL"] = web["INTERNAL_API_URL"]
    return env


class Settings:
    """What the app tier reads from its environment (seed 004 section 3)."""

    def __init__(self, env):
        missing = [name for name in ("AWS_REGION", "DYNAMODB_RESERVATIONS_TABLE") if not env.get(name)]
        if missing:
            raise ValueError(f"the user data does not export {', '.join(missing)}")
        self.region = env["AWS_REGION"]
        self.tables = {
            match.group(1).lower(): value for name, value in env.items() if (match := TABLE_VARIABLE.match(name))
        }
        self.recovery_mode = env.get("DR_RECOVERY_MODE", "false").lower() == "true"
        self.recovery_parameter = env.get("DR_RECOVERY_STARTED_AT_PARAMETER", "")
        self.internal_api_url = env.get("INTERNAL_API_URL", "")
        self.port = int(env.get("PORT", "3001"))


# -- seed 004's payment rule ------------------------------------------------------------------------
def parse_time(value):
    """An ISO 8601 time (``Z`` or an offset; naive means UTC) as an aware datetime."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def payment_deadline(reservation, recovery_started_at, recovery_mode):
    """Until when a HOLDING reservation may be paid, and why: (deadline or None, rule)."""
    held_at = parse_time(reservation["heldAt"]) if reservation.get("heldAt") else None
    if recovery_mode and recovery_started_at and (held_at is None or held_at < recovery_started_at):
        return recovery_started_at + RECOVERY_GRACE, "held before the DR start: 30 minutes from the DR start"
    if held_at is None:
        return None, "no hold time"
    return held_at + HOLD, "10 minutes from the hold"


def payment_decision(reservation, now, recovery_started_at=None, recovery_mode=False):
    """(payable, reason, deadline) for a reservation at ``now``."""
    status = reservation.get("status")
    if status != "HOLDING":
        return False, f"the reservation is {status}, not HOLDING", None
    deadline, rule = payment_deadline(reservation, recovery_started_at, recovery_mode)
    if deadline is None or now > deadline:
        return False, f"the hold expired ({rule})", deadline
    return True, f"payable ({rule})", deadline


def _iso(value):
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


# -- the API ----------------------------------------------------------------------------------------
class MegaTicketApi:
    """The app tier against DynamoDB and SSM in ``AWS_REGION``; ``start()`` serves it on a local port."""

    def __init__(self, env, clock=None, session=None):
        self.settings = Settings(env)
        session = session or boto3.session.Session()
        self.dynamodb = session.client("dynamodb", region_name=self.settings.region, config=AWS_CONFIG)
        self.ssm = session.client("ssm", region_name=self.settings.region, config=AWS_CONFIG)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.health_requests = 0
        self.server = self.thread = None

    # -- endpoints, as (HTTP status, JSON body) --
    def health(self):
        self.health_requests += 1
        tables = {}
        for name, table in sorted(self.settings.tables.items()):
            try:
                status = self.dynamodb.describe_table(TableName=table)["Table"]["TableStatus"]
            except (BotoCoreError, ClientError) as exc:
                return 503, self._error(f"cannot read table {table} in {self.settings.region}", exc)
            if status != "ACTIVE":
                return 503, {"error": f"table {table} in {self.settings.region} is {status}"}
            tables[name] = table
        body = {"status": "ok", "region": self.settings.region, "tables": tables}
        body.update(recovery_mode=self.settings.recovery_mode, internal_api_url=self.settings.internal_api_url)
        return 200, body

    def reservation(self, reservation_id):
        try:
            item = self._get(reservation_id)
        except (BotoCoreError, ClientError) as exc:
            return 503, self._error(f"cannot read reservation {reservation_id} in {self.settings.region}", exc)
        return (200, item) if item else (404, {"error": f"no reservation {reservation_id}"})

    def pay(self, reservation_id, now=None):
        now = now or self.clock()
        try:
            item = self._get(reservation_id)
            if not item:
                return 404, {"error": f"no reservation {reservation_id}"}
            started = self.recovery_started_at()
        except (BotoCoreError, ClientError) as exc:
            return 503, self._error(f"cannot read reservation {reservation_id} in {self.settings.region}", exc)
        payable, reason, deadline = payment_decision(item, now, started, self.settings.recovery_mode)
        body = {"id": reservation_id, "reason": reason, "deadline": _iso(deadline), "now": _iso(now)}
        body["recovery_started_at"] = _iso(started)
        if not payable:
            return (410 if item.get("status") == "HOLDING" else 409), dict(body, status=item.get("status"))
        try:
            self.dynamodb.update_item(
                TableName=self.settings.tables["reservations"],
                Key={"id": {"S": reservation_id}},
                UpdateExpression="SET #status = :confirmed, paidAt = :now",
                ConditionExpression="#status = :holding",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":confirmed": {"S": "CONFIRMED"},
                    ":holding": {"S": "HOLDING"},
                    ":now": {"S": _iso(now)},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return 409, dict(body, reason="paid or released meanwhile")
            return 503, self._error(f"cannot confirm reservation {reservation_id}", exc)
        except BotoCoreError as exc:
            return 503, self._error(f"cannot confirm reservation {reservation_id}", exc)
        return 200, dict(body, status="CONFIRMED")

    def recovery_started_at(self):
        """The DR start the failover recorded (None when not in recovery: no parameter, or none written)."""
        if not (self.settings.recovery_mode and self.settings.recovery_parameter):
            return None
        try:
            value = self.ssm.get_parameter(Name=self.settings.recovery_parameter)["Parameter"]["Value"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ParameterNotFound":
                return None
            raise
        return parse_time(value)

    def _get(self, reservation_id):
        item = self.dynamodb.get_item(
            TableName=self.settings.tables["reservations"], Key={"id": {"S": reservation_id}}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        deserializer = TypeDeserializer()
        return {key: deserializer.deserialize(value) for key, value in item.items()}

    def _error(self, what, exc):
        code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
        return {"error": f"{what}: {code}", "region": self.settings.region}

    # -- HTTP --
    def handle(self, method, target, headers):
        url = urlsplit(target)
        query = parse_qs(url.query)
        if method == "GET" and url.path == "/api/health":
            return self.health()
        match = RESERVATION_PATH.match(url.path)
        if not match:
            return 404, {"error": f"no route {method} {url.path}"}
        reservation_id, pay = unquote(match.group(1)), match.group(2)
        if method == "GET" and not pay:
            return self.reservation(reservation_id)
        if method == "POST" and pay:
            clock = (query.get("now") or [headers.get("X-Now") or ""])[0]
            try:
                now = parse_time(clock) if clock else None
            except ValueError:
                return 400, {"error": f"now={clock!r} is not an ISO 8601 time"}
            return self.pay(reservation_id, now)
        return 405, {"error": f"{method} not allowed on {url.path}"}

    def start(self, host="127.0.0.1", port=0):
        """Serve on a free local port (``port=0``) in a daemon thread; returns the base URL."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method):
                status, body = api.handle(method, self.path, self.headers)
                payload = json.dumps(body, default=str).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802 (http.server's naming)
                self._answer("GET")

            def do_POST(self):  # noqa: N802
                self._answer("POST")

            def log_message(self, format, *args):  # noqa: A002 (quiet: the demo prints its own lines)
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="megaticket-api", daemon=True)
        self.thread.start()
        return self.url

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def health_url(self):
        return f"{self.url}/api/health"

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True, help="the DR region, where the launch templates are")
    parser.add_argument("--app-template", required=True)
    parser.add_argument("--web-template")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    api = MegaTicketApi(dr_environment(args.region, args.app_template, args.web_template))
    print(f"serving {api.start(port=args.port)} for {api.settings.region}", flush=True)
    try:
        api.thread.join()
    except KeyboardInterrupt:
        api.stop()


if __name__ == "__main__":
    main()
