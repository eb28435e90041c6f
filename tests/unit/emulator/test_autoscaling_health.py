"""Target health seen by in-process observers (Route 53 health checks) while instances boot or a region is down.

The API of a region that is down cannot be called, so this is checked on the wrapper itself.
"""

import pytest

from tests.emulator.extensions import autoscaling as extension
from tests.emulator.state import STATE

TOKYO = "ap-northeast-1"


class Status:
    def __init__(self, status="healthy"):
        self.instance_id, self.port, self.health_check_port, self.status = "i-0123456789abcdef0", 3000, None, status


class Group:
    region_name = TOKYO


@pytest.fixture(autouse=True)
def clean():
    yield
    STATE.set_region(TOKYO, up=True)
    extension._BOOTING.clear()


@pytest.mark.parametrize(
    "down, booting, original, expected",
    [
        (False, False, "healthy", "healthy"),
        (False, True, "healthy", "initial"),
        (True, False, "healthy", "unhealthy"),
        (True, True, "healthy", "unhealthy"),
        (True, False, "unused", "unused"),
        (False, True, "draining", "draining"),
    ],
)
def test_target_health(down, booting, original, expected):
    STATE.set_region(TOKYO, up=not down)
    if booting:
        extension._BOOTING.add("i-0123456789abcdef0")
    health_for = extension._wrap_health_for(lambda self, target, backend: Status(original))
    assert health_for(Group(), {"Id": "i-0123456789abcdef0"}, None).status == expected
