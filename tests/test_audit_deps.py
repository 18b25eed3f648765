"""The dependency audit's decisions (tools/audit_deps.py), on recorded answers, no network."""

from __future__ import annotations

from tools.audit_deps import audit

SKIPPED = "Dependency not found on PyPI and could not be audited"


def project(version: str, *vulns: dict) -> dict:
    return {"info": {"version": version}, "vulnerabilities": list(vulns)}


def vuln(vid: str, fixed: list[str], withdrawn: str | None = None) -> dict:
    return {"id": vid, "fixed_in": fixed, "withdrawn": withdrawn}


def test_packages_pip_audit_checked_are_taken_as_they_are():
    report = {"dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "jinja2", "version": "3.1.4", "vulns": [
            {"id": "GHSA-q2x7-8rv6-6q7h", "fix_versions": ["3.1.5"]}]},
    ]}
    result = audit(report, {}, fetch=lambda name: None)
    assert result.by_pip_audit == ["flask", "jinja2"]
    assert [(f.package, f.vuln_id, f.fixed_in) for f in result.findings] == [
        ("jinja2", "GHSA-q2x7-8rv6-6q7h", ["3.1.5"])]
    assert result.failed


def test_skipped_packages_at_their_newest_release_are_checked_with_the_project_data():
    report = {"dependencies": [{"name": "Flask", "skip_reason": SKIPPED},
                               {"name": "zxcvbn", "skip_reason": SKIPPED}]}
    answers = {"Flask": project("3.1.3"),
               "zxcvbn": project("4.5.0", vuln("PYSEC-1", []), vuln("PYSEC-2", [], "2026-01-01"))}
    result = audit(report, {"flask": "3.1.3", "zxcvbn": "4.5.0"}, fetch=answers.get)
    assert result.by_project_json == ["Flask", "zxcvbn"]
    # a withdrawn advisory does not count; an open one without a fix does
    assert [(f.package, f.vuln_id, f.fixed_in) for f in result.findings] == [
        ("zxcvbn", "PYSEC-1", [])]
    assert result.failed


def test_a_package_behind_its_newest_release_is_named_not_passed_as_audited():
    report = {"dependencies": [{"name": "python-pkcs11", "skip_reason": SKIPPED},
                               {"name": "gone", "skip_reason": SKIPPED},
                               {"name": "cryptography", "skip_reason": SKIPPED}]}
    answers = {"python-pkcs11": project("0.10.1", vuln("GHSA-x", ["0.10.0"])),
               "cryptography": project("50.0.2")}
    result = audit(report, {"python-pkcs11": "0.9.5", "cryptography": "50.0.2"},
                   fetch=answers.get)
    # the newest release's advisories say nothing about 0.9.5: not checked, and said so
    assert result.findings == []
    assert result.by_project_json == ["cryptography"]
    assert "0.9.5 installed, newest 0.10.1" in result.unchecked["python-pkcs11"]
    assert "pyHanko" in result.unchecked["python-pkcs11"]
    assert result.unchecked["gone"] == "PyPI did not answer"
    assert not result.failed


def test_nothing_checkable_is_a_failure_not_a_clean_audit():
    report = {"dependencies": [{"name": "flask", "skip_reason": SKIPPED}]}
    result = audit(report, {"flask": "3.1.3"}, fetch=lambda name: None)
    assert result.checked == 0
    assert result.failed
