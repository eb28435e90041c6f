"""A playbook whose host pattern matches no application fails and says how to fix it (issue 16).

"skipping: no hosts matched" with exit 0 would be a silent success that did nothing, in a disaster
or in an AWX job. Nothing may be called either: the request log stays empty.
"""

import pytest

PLAYBOOKS = ["provision", "readiness", "failover", "failback", "drill"]


@pytest.fixture
def wrong_group_inventory(tmp_path):
    path = tmp_path / "hosts.yml"
    path.write_text("my_apps:\n  hosts:\n    shop:\n      ansible_connection: local\n")
    return path


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_no_matching_application_fails_naming_the_group_and_the_variable(
    name, run_playbook, emulator, wrong_group_inventory
):
    since = emulator.last_seq()
    result = run_playbook(f"playbooks/{name}.yml", "-i", str(wrong_group_inventory))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "No application matches 'pilotlight_apps'" in output
    assert "pilotlight_hosts" in output and str(wrong_group_inventory) in output
    assert emulator.calls(since) == []


def test_a_named_group_is_accepted(run_playbook, wrong_group_inventory):
    result = run_playbook(
        "playbooks/readiness.yml",
        "-i",
        str(wrong_group_inventory),
        "--check",
        "-e",
        "pilotlight_hosts=my_apps",
        "-e",
        "pilotlight_components=[]",
    )
    output = result.stdout + result.stderr
    assert "No application matches" not in output
    # The guard let the play run: the runbook's own input check then refuses an empty component list.
    assert "set pilotlight_components" in output, output[-3000:]
