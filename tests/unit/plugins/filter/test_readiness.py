"""The readiness_line filter: one line per check, with its outcome, reason and fix."""

from ansible_collections.pilotlight.dr.plugins.filter.readiness import readiness_line


def test_pass_line_names_component_check_and_reason():
    line = readiness_line({"component": "dr_rds", "check": "replica", "status": "pass", "reason": "lag 0 s"})
    assert line == "PASS rds / replica - lag 0 s"


def test_fail_line_carries_the_fix():
    line = readiness_line(
        {
            "component": "dr_s3",
            "check": "versioning",
            "status": "fail",
            "reason": "DR bucket not versioned",
            "fix": "enable versioning",
        }
    )
    assert line == "FAIL s3 / versioning - DR bucket not versioned; fix - enable versioning"


def test_not_checked_is_neither_pass_nor_fail():
    line = readiness_line(
        {
            "component": "dr_dns",
            "check": "records",
            "status": "not_checked",
            "passed": False,
            "reason": "could not read the zone: Throttling",
        }
    )
    assert line.startswith("NOT CHECKED dns / records - could not read")


def test_a_result_without_status_is_read_from_passed():
    assert readiness_line({"component": "dr_iam", "check": "role", "passed": True}) == "PASS iam / role"
    assert readiness_line({"component": "dr_iam", "check": "role", "passed": False}).startswith("FAIL ")


def _check(status, side="dr"):
    return {
        "component": "dr_x",
        "check": f"{status}-{side}",
        "status": status,
        "passed": status == "pass",
        "side": side,
    }


def test_summary_graceful_is_not_ready_on_any_not_checked():
    from ansible_collections.pilotlight.dr.plugins.filter.readiness import readiness_summary

    verdict = readiness_summary([_check("pass"), _check("not_checked", "primary")], "graceful")
    assert not verdict["ready"] and [c["check"] for c in verdict["blocking"]] == ["not_checked-primary"]


def test_summary_ungraceful_goes_past_primary_side_not_checked_and_lists_it():
    from ansible_collections.pilotlight.dr.plugins.filter.readiness import readiness_summary

    verdict = readiness_summary([_check("pass"), _check("not_checked", "primary")], "ungraceful")
    assert verdict["ready"] and [c["check"] for c in verdict["skipped"]] == ["not_checked-primary"]
    assert not readiness_summary([_check("not_checked", "dr")], "ungraceful")["ready"]
    assert not readiness_summary([_check("fail", "primary")], "ungraceful")["ready"]


def test_summary_reads_results_of_the_older_shape():
    from ansible_collections.pilotlight.dr.plugins.filter.readiness import readiness_summary

    verdict = readiness_summary(
        [{"component": "dr_x", "check": "a", "passed": True}, {"component": "dr_x", "check": "b", "passed": False}]
    )
    assert verdict["passed"] == 1 and [c["check"] for c in verdict["failed"]] == ["b"] and not verdict["ready"]
