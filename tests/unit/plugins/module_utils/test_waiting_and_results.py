import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import HIDDEN
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import to_result
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

from tests.unit.plugins.module_utils.fakes import FakeClock


def test_wait_until_returns_the_first_truthy_answer():
    clock = FakeClock()
    answers = iter([None, None, {"State": "available"}])
    result = wait_until(lambda: next(answers), Deadline(60, clock=clock), "ami-1", delay=1, sleep=clock.sleep)
    assert result == {"State": "available"}
    assert clock.now == pytest.approx(2.5)  # 1 s, then 1.5 s: the delay grows


def test_wait_until_names_what_timed_out():
    clock = FakeClock()
    with pytest.raises(DRError, match="timed out after 10s waiting for replica of orders in ap-northeast-1"):
        wait_until(lambda: None, Deadline(10, clock=clock), "replica of orders in ap-northeast-1", sleep=clock.sleep)
    assert clock.now >= 10


def test_results_are_snake_case_with_tags_as_dict():
    result = to_result({"ImageId": "ami-1", "CreationDate": "x", "Tags": [{"Key": "Role", "Value": "web"}]})
    assert result == {"image_id": "ami-1", "creation_date": "x", "tags": {"Role": "web"}}


def test_diff_masks_secret_fields_at_any_depth():
    diff = make_diff(
        {"name": "db", "secret_string": "hunter2"},
        {"name": "db", "replicas": [{"secret_string": "hunter2"}]},
        hidden_fields=["secret_string"],
    )
    assert diff["before"] == {"name": "db", "secret_string": HIDDEN}
    assert diff["after"]["replicas"][0]["secret_string"] == HIDDEN
    assert "hunter2" not in repr(diff)
