"""The dr_notification filter: what Slack and SNS receive for each event."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.pilotlight.dr.plugins.filter.notification import dr_notification


def test_start_names_application_region_and_mode():
    message = dr_notification("start", "megaticket", "failover", region="ap-northeast-1", mode="ungraceful")
    assert message["text"] == "pilotlight.dr: failover of megaticket to ap-northeast-1 started (ungraceful)"


def test_success_carries_rto_and_rpo_evidence():
    message = dr_notification(
        "success",
        "portforge",
        "failover",
        region="ap-northeast-1",
        rto_seconds=41.26,
        rpo={"rds": {"replica_lag_seconds": 0}},
    )
    assert "succeeded, RTO 41.3 s" in message["subject"]
    assert 'rds: {"replica_lag_seconds": 0}' in message["text"]


def test_failure_names_phase_step_and_error():
    task = {"name": "Promote the replica", "parent": {"name": "inner", "parent": {"name": "Phase: recover in DR"}}}
    message = dr_notification(
        "failure", "portforge", "failover", failed_task=task, failed_result={"msg": "replica lag 900 s over the limit"}
    )
    assert message["subject"].endswith("FAILED")
    assert "in phase recover in DR, step 'Promote the replica': replica lag 900 s over the limit" in message["text"]


def test_failure_without_parents_still_names_the_step():
    message = dr_notification("failure", "app", "failback", failed_task={"name": "Switch DNS"}, failed_result={})
    assert "step 'Switch DNS': no error message" in message["text"]


def test_subject_fits_sns():
    message = dr_notification("start", "x" * 200, "failover")
    assert len(message["subject"]) <= 100 and message["subject"].isascii()


def test_unknown_event_is_refused():
    with pytest.raises(AnsibleFilterError, match="event must be one of"):
        dr_notification("maybe", "app", "failover")
