"""The readiness_line filter: one line per check, with its outcome, reason and fix."""

from ansible_collections.pilotlight.dr.plugins.filter.readiness import readiness_line


def test_pass_line_names_component_check_and_reason():
    line = readiness_line({"component": "dr_rds", "check": "replica", "status": "pass", "reason": "lag 0 s"})
    assert line == "PASS rds / replica - lag 0 s"


def test_fail_line_carries_the_fix():
    line = readiness_line({"component": "dr_s3", "check": "versioning", "status": "fail",
                           "reason": "DR bucket not versioned", "fix": "enable versioning"})
    assert line == "FAIL s3 / versioning - DR bucket not versioned; fix - enable versioning"


def test_not_checked_is_neither_pass_nor_fail():
    line = readiness_line({"component": "dr_dns", "check": "records", "status": "not_checked", "passed": False,
                           "reason": "could not read the zone: Throttling"})
    assert line.startswith("NOT CHECKED dns / records - could not read")


def test_a_result_without_status_is_read_from_passed():
    assert readiness_line({"component": "dr_iam", "check": "role", "passed": True}) == "PASS iam / role"
    assert readiness_line({"component": "dr_iam", "check": "role", "passed": False}).startswith("FAIL ")
