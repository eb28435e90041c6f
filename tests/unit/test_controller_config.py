"""playbooks/controller.yml against the awx.awx modules' own argument specs (issue 12, part 2).

No controller runs here, so every task's arguments are rendered with the playbook's variables (each
loop item, every optional part switched on) and validated with the argument spec each awx.awx module
builds in its main(), captured before it would connect. ansible-lint's args rule does not catch an
unknown awx.awx option (tried), hence this test. A mutated copy proves that it fails on a bad argument.
"""

import copy
import importlib
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.template import trust_as_template

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = REPO_ROOT / "playbooks" / "controller.yml"
# Every optional part on: Slack and SNS notification templates.
SWITCHED_ON = {
    "controller_slack_token": "T000/B000/XXXX",
    "controller_sns_topic_arn": "arn:aws:sns:ap-northeast-1:123456789012:dr",
}


class _Captured(Exception):
    def __init__(self, kwargs):
        super().__init__("captured")
        self.kwargs = kwargs


def module_spec(fqcn, monkeypatch):
    """The AnsibleModule keyword arguments (argument_spec, mutually_exclusive, ...) an awx.awx module builds."""
    namespace, collection, name = fqcn.split(".")

    def capture(self, *args, **kwargs):
        raise _Captured(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "__init__", capture)
    module = importlib.import_module(f"ansible_collections.{namespace}.{collection}.plugins.modules.{name}")
    with pytest.raises(_Captured) as captured:
        module.main()
    monkeypatch.undo()
    return captured.value.kwargs


def trusted(data):
    """ansible-core 2.19 renders only strings trusted as templates (as a playbook's own are)."""
    if isinstance(data, dict):
        return {key: trusted(value) for key, value in data.items()}
    if isinstance(data, list):
        return [trusted(value) for value in data]
    return trust_as_template(data) if isinstance(data, str) else data


def rendered_tasks(play):
    play = trusted(play)
    variables = dict(play["vars"], **SWITCHED_ON)
    templar = Templar(loader=DataLoader(), variables=variables)
    for task in play["tasks"]:
        fqcn = [key for key in task if key.startswith("awx.awx.")][0]
        loop = templar.template(task.get("loop", [None]))
        for item in loop:
            templar.available_variables = dict(variables, item=item)
            yield task["name"], fqcn, templar.template(task[fqcn])


def validate(fqcn, args, monkeypatch):
    kwargs = module_spec(fqcn, monkeypatch)
    validator = ArgumentSpecValidator(
        kwargs["argument_spec"],
        mutually_exclusive=kwargs.get("mutually_exclusive"),
        required_together=kwargs.get("required_together"),
        required_one_of=kwargs.get("required_one_of"),
        required_if=kwargs.get("required_if"),
        required_by=kwargs.get("required_by"),
    )
    return validator.validate(args).error_messages


@pytest.fixture(scope="module")
def play():
    return yaml.safe_load(PLAYBOOK.read_text())[0]


def test_every_task_uses_awx_modules_with_valid_arguments(play, monkeypatch):
    checked = 0
    for name, fqcn, args in rendered_tasks(play):
        errors = validate(fqcn, args, monkeypatch)
        assert not errors, f"{name} ({fqcn}): {errors}"
        checked += 1
    assert checked >= 15  # every loop item of every task was validated


def test_a_wrong_argument_is_caught(play, monkeypatch):
    bad = copy.deepcopy(play)
    task = next(t for t in bad["tasks"] if "awx.awx.job_template" in t)
    task["awx.awx.job_template"]["job_slices"] = 2  # the real option is job_slice_count
    errors = [
        validate(fqcn, args, monkeypatch) for _name, fqcn, args in rendered_tasks(bad) if fqcn == "awx.awx.job_template"
    ]
    assert all(any("job_slices" in message for message in e) for e in errors)


def test_the_failover_workflow_and_schedules(play):
    tasks = {next(k for k in t if k.startswith("awx.awx.")): t for t in play["tasks"]}
    nodes = {
        node["identifier"]: node
        for node in tasks["awx.awx.workflow_job_template"]["awx.awx.workflow_job_template"]["workflow_nodes"]
    }
    assert nodes["readiness"]["related"]["success_nodes"] == [{"identifier": "approve"}]
    assert nodes["approve"]["unified_job_template"]["type"] == "workflow_approval"
    assert nodes["approve"]["related"]["success_nodes"] == [{"identifier": "failover"}]
    assert nodes["failover"]["related"]["success_nodes"] == [{"identifier": "notify-success"}]
    for step in ("readiness", "approve", "failover"):  # every failure path notifies
        assert nodes[step]["related"]["failure_nodes"] == [{"identifier": "notify-failure"}]
    rrules = {item["name"]: item["rrule"] for item in tasks["awx.awx.schedule"]["loop"]}
    assert rrules["readiness hourly"].startswith("FREQ=HOURLY")
    assert "BYDAY=WE;BYSETPOS=1" in rrules["full drill monthly"] and rrules["full drill monthly"].startswith(
        "FREQ=MONTHLY"
    )
    templates = {jt["playbook"]: jt for jt in play["vars"]["controller_job_templates"]}
    assert set(templates) >= {"provision", "readiness", "failover", "failback", "drill"}
    assert templates["failover"]["slices"] == "{{ controller_failover_slices }}"
    for name in templates:
        assert (REPO_ROOT / "playbooks" / f"{name}.yml").is_file(), f"job template {name} has no playbook"
