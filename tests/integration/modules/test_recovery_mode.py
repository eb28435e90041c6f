"""recovery_mode on the emulator: the three parameters in one call, the first start time kept, check mode, diff."""

import boto3

TOKYO, SEOUL = "ap-northeast-1", "ap-northeast-2"
PATH = "/megaticket/dr"


def _stored():
    ssm = boto3.client("ssm", region_name=TOKYO)
    found = ssm.get_parameters_by_path(Path=PATH)["Parameters"]
    return {parameter["Name"].rsplit("/", 1)[1]: parameter["Value"] for parameter in found}


def _on(started_at="2026-12-06T03:00:00Z"):
    return dict(region=TOKYO, path=PATH, recovery_mode=True, active_region=TOKYO, started_at=started_at)


def test_on_writes_three_parameters_in_dr_only_and_a_rerun_keeps_the_start(emulator, run_module):
    emulator.region_down(SEOUL)  # a failover with the primary down: nothing may call it
    first = run_module("recovery_mode", _on())
    assert not first.failed and first.changed, first
    assert _stored() == {
        "recovery_mode": "true",
        "active_region": TOKYO,
        "recovery_started_at": "2026-12-06T03:00:00Z",
    }
    assert {call["region"] for call in emulator.requests()} == {TOKYO}
    since = emulator.last_seq()
    again = run_module("recovery_mode", _on(started_at="2026-12-06T03:09:00Z"))  # a resumed failover
    assert not again.failed and not again.changed and again["recovery_started_at"] == "2026-12-06T03:00:00Z"
    assert emulator.mutating_calls(since=since) == []
    reads = [call["action"] for call in emulator.requests(since=since)]
    assert reads == ["GetParameters"], reads  # one read, no write


def test_off_removes_the_start_and_points_at_the_primary(emulator, run_module):
    run_module("recovery_mode", _on())
    off_args = dict(region=TOKYO, path=PATH, recovery_mode=False, active_region=SEOUL)
    off = run_module("recovery_mode", off_args, diff=True)
    assert not off.failed and off.changed and off["recovery_started_at"] is None, off
    assert _stored() == {"recovery_mode": "false", "active_region": SEOUL}
    assert off["diff"]["before"][f"{PATH}/recovery_started_at"] == "2026-12-06T03:00:00Z"
    assert sorted(off["changes"]) == sorted(
        [f"put {PATH}/recovery_mode", f"put {PATH}/active_region", f"delete {PATH}/recovery_started_at"]
    )


def test_check_mode_predicts_and_writes_nothing(emulator, run_module):
    since = emulator.last_seq()
    result = run_module("recovery_mode", _on(), check=True)
    assert not result.failed and result.changed and result["parameters"][f"{PATH}/recovery_mode"] == "true"
    assert emulator.mutating_calls(since=since) == []
    assert _stored() == {}


def test_on_without_a_start_time_is_refused_before_any_call(emulator, run_module):
    since = emulator.last_seq()
    result = run_module("recovery_mode", dict(region=TOKYO, path=PATH, recovery_mode=True, active_region=TOKYO))
    assert result.failed and "started_at is required with recovery_mode=true" in result["msg"]
    assert emulator.requests(since=since) == []
