"""The sample MegaTicket API of the demo: the environment parsed from dr_compute's user data, and seed 004's
payment rule (a hold lasts 10 minutes; in recovery mode a hold from before the DR start lasts 30 minutes
from the DR start)."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

import jinja2
import pytest

from tests.demo.megaticket_api import MegaTicketApi
from tests.demo.megaticket_api import Settings
from tests.demo.megaticket_api import parse_user_data
from tests.demo.megaticket_api import payment_decision

TEMPLATE = Path(__file__).resolve().parents[3] / "roles" / "dr_compute" / "templates" / "user_data.sh.j2"
START = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)
APP_ENV = {
    "AWS_REGION": "ap-northeast-1",
    "PORT": "3001",
    "DR_RECOVERY_MODE": "true",
    "DR_RECOVERY_STARTED_AT_PARAMETER": "/megaticket/dr/recovery_started_at",
    "DYNAMODB_PERFORMANCES_TABLE": "KDT-Msp4-PLDR-performances",
    "DYNAMODB_RESERVATIONS_TABLE": "KDT-Msp4-PLDR-reservations",
    "DYNAMODB_SCHEDULES_TABLE": "KDT-Msp4-PLDR-schedules",
    "DYNAMODB_VENUES_TABLE": "KDT-Msp4-PLDR-venues",
}


def render_user_data(env, tier="app"):
    """The user data as dr_compute renders it (its own template, with Ansible's quote filter)."""
    environment = jinja2.Environment(keep_trailing_newline=True)
    environment.filters["quote"] = lambda value: __import__("shlex").quote(str(value))
    return environment.from_string(TEMPLATE.read_text()).render(
        item={"env": env, "tier": tier, "app_dir": "/home/ec2-user/megaticket/apps/app", "pm2_name": "app-backend"},
        dr_compute_name="MegaTicket-DR",
        dr_compute_run_as="ec2-user",
    )


def test_the_environment_is_parsed_from_the_user_data_dr_compute_renders():
    web = dict(APP_ENV, INTERNAL_API_URL="http://MegaTicket-DR-API-NLB-1.elb.ap-northeast-1.amazonaws.com:3001")
    web["NEXT_PUBLIC_AWS_REGION"] = "ap-northeast-1"
    web["ODD"] = "it's a 'quoted' value; with $HOME and spaces"
    assert parse_user_data(render_user_data(APP_ENV)) == APP_ENV
    assert parse_user_data(render_user_data(web, tier="web")) == web


def test_settings_name_the_tables_and_the_recovery_mode():
    settings = Settings(dict(APP_ENV, INTERNAL_API_URL="http://nlb:3001"))
    assert settings.region == "ap-northeast-1" and settings.port == 3001
    assert settings.tables == {
        "performances": "KDT-Msp4-PLDR-performances",
        "reservations": "KDT-Msp4-PLDR-reservations",
        "schedules": "KDT-Msp4-PLDR-schedules",
        "venues": "KDT-Msp4-PLDR-venues",
    }
    assert settings.recovery_mode and settings.recovery_parameter == "/megaticket/dr/recovery_started_at"
    assert settings.internal_api_url == "http://nlb:3001"
    assert not Settings(dict(APP_ENV, DR_RECOVERY_MODE="false")).recovery_mode
    with pytest.raises(ValueError, match="AWS_REGION"):
        Settings({k: v for k, v in APP_ENV.items() if k != "AWS_REGION"})


HELD_IN_SEOUL = {"id": "r-1", "status": "HOLDING", "heldAt": "2026-12-06T02:55:00Z"}


@pytest.mark.parametrize(
    ("minutes", "payable"),
    [(0, True), (25, True), (30, True), (31, False), (35, False)],
)
def test_a_hold_from_before_the_dr_start_is_payable_for_30_minutes_from_it(minutes, payable):
    ok, reason, deadline = payment_decision(HELD_IN_SEOUL, START + timedelta(minutes=minutes), START, True)
    assert ok is payable, reason
    assert deadline == START + timedelta(minutes=30)


def test_without_recovery_mode_the_hold_lasts_10_minutes_from_the_hold():
    # at DR start + 25 min the original 10-minute hold (02:55 + 10) is long gone
    ok, reason, deadline = payment_decision(HELD_IN_SEOUL, START + timedelta(minutes=25), START, False)
    assert not ok and "expired" in reason and deadline == datetime(2026, 12, 6, 3, 5, tzinfo=timezone.utc)
    # no DR start recorded (no failover): the 10-minute rule too
    assert not payment_decision(HELD_IN_SEOUL, START + timedelta(minutes=25), None, True)[0]
    assert payment_decision(HELD_IN_SEOUL, datetime(2026, 12, 6, 3, 4, tzinfo=timezone.utc), None, True)[0]


def test_a_hold_taken_in_dr_after_the_start_keeps_its_10_minutes():
    held_in_dr = {"status": "HOLDING", "heldAt": "2026-12-06T03:20:00Z"}
    assert payment_decision(held_in_dr, START + timedelta(minutes=29), START, True)[0]
    assert not payment_decision(held_in_dr, START + timedelta(minutes=31), START, True)[0]


def test_a_hold_without_a_time_gets_the_grace_only_in_recovery():
    assert payment_decision({"status": "HOLDING"}, START + timedelta(minutes=25), START, True)[0]
    assert not payment_decision({"status": "HOLDING"}, START + timedelta(minutes=25), None, True)[0]


def test_only_holding_reservations_can_be_paid():
    ok, reason, _deadline = payment_decision({"status": "CONFIRMED"}, START, START, True)
    assert not ok and "CONFIRMED" in reason


class FakeApi(MegaTicketApi):
    """The HTTP routing and the clock, without AWS."""

    def __init__(self):
        super().__init__(APP_ENV, clock=lambda: START)
        self.paid = []

    def health(self):
        return 200, {"status": "ok"}

    def reservation(self, reservation_id):
        return 200, {"id": reservation_id}

    def pay(self, reservation_id, now=None):
        self.paid.append((reservation_id, now))
        return 200, {}


def test_routes_and_the_injected_clock():
    api = FakeApi()
    assert api.handle("GET", "/api/health", {})[0] == 200
    assert api.handle("GET", "/api/reservations/a%2Fb", {}) == (200, {"id": "a/b"})
    api.handle("POST", "/api/reservations/r-1/pay?now=2026-12-06T03:25:00Z", {})
    api.handle("POST", "/api/reservations/r-2/pay", {"X-Now": "2026-12-06T03:35:00+00:00"})
    api.handle("POST", "/api/reservations/r-3/pay", {})
    assert api.paid == [
        ("r-1", START + timedelta(minutes=25)),
        ("r-2", START + timedelta(minutes=35)),
        ("r-3", None),  # pay() falls back to the constructor's clock
    ]
    assert api.handle("POST", "/api/reservations/r-1/pay?now=soon", {})[0] == 400
    assert api.handle("GET", "/api/reservations/r-1/pay", {})[0] == 405
    assert api.handle("GET", "/nowhere", {})[0] == 404
