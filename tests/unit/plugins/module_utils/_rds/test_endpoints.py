"""rds_replica's publish_endpoint and the promoted instance's resilience, without AWS."""

from ansible_collections.pilotlight.dr.plugins.module_utils._rds import endpoints
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import promoted


def test_a_parameter_holds_the_address_or_address_and_port():
    assert endpoints.parameter_value({"name": "/p", "format": "address"}, "db.example", 3306) == "db.example"
    assert endpoints.parameter_value({"name": "/p", "format": "address_port"}, "db.example", 3306) == "db.example:3306"


def test_a_secret_keeps_its_other_fields_and_the_type_of_its_port():
    value = {"host": "old", "port": "5432", "password": "p"}
    target = {"name": "s", "key": "host", "port_key": "port"}
    assert endpoints.secret_update(value, target, "new", 5432) == {"host": "new", "port": "5432", "password": "p"}
    assert endpoints.secret_update({"host": "new", "port": "5432"}, target, "new", 5432) is None
    assert endpoints.secret_update(
        {"db_host": "old", "port": 1}, {"name": "s", "key": "db_host", "port_key": "port"}, "n", 2
    ) == {
        "db_host": "n",
        "port": 2,
    }


def test_only_the_names_of_changed_targets_are_diffed():
    record = {
        "targets": [
            {"kind": "ssm_parameter", "name": "/a", "changed": True},
            {"kind": "secret", "name": "s", "changed": False},
        ]
    }
    assert endpoints.diff_names(record) == ["ssm:/a"]
    assert not endpoints.wanted({"ssm_parameters": [], "secrets": []}) and not endpoints.wanted(None)


def test_resilience_asks_only_what_is_neither_set_nor_pending():
    wanted = {"multi_az": True, "backup_retention_period": 7}
    assert promoted.resilience_changes({"MultiAZ": False, "BackupRetentionPeriod": 1}, wanted) == {
        "MultiAZ": True,
        "BackupRetentionPeriod": 7,
    }
    pending = {"MultiAZ": False, "BackupRetentionPeriod": 7, "PendingModifiedValues": {"MultiAZ": True}}
    assert promoted.resilience_changes(pending, wanted) == {}
    assert promoted.resilience_changes({"MultiAZ": False}, {"multi_az": None, "backup_retention_period": None}) == {}
