"""Known vulnerabilities in the installed packages: pip-audit, with a fallback for this network.

    make audit        (CI runs it after the test suites)

pip-audit asks PyPI's per-release JSON (``/pypi/<name>/<version>/json``) for each package. Where
that address is not reachable (on this project's build machines it answers 404, and OSV's API
does not resolve), pip-audit skips every package and reports nothing, which must not pass for a
clean audit. For each package pip-audit skipped, this asks PyPI's project JSON instead
(``/pypi/<name>/json``): its ``vulnerabilities`` are those of the newest release, from the same
OSV data pip-audit uses, so they answer for every package installed at its newest release.
A package behind its newest release cannot be checked that way; it is listed by name with the
reason, so a reader sees exactly what was and was not audited.

Exit status 1 when any installed release has a known vulnerability (unless it is excused with
a reason in IGNORED) or when nothing at all could be checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from urllib.error import URLError
from urllib.request import urlopen

PROJECT_JSON = "https://pypi.org/pypi/{name}/json"

# Vulnerability id -> why it does not apply here. Keep empty unless a finding is reviewed.
IGNORED: dict[str, str] = {}

# Packages known to stay behind their newest release, and why (shown with the result).
HELD_BACK = {
    "python-pkcs11": "pyHanko 0.38 requires python-pkcs11 ~= 0.9.3",
    "deprecated": "newer releases need Python 3.12; this project runs on 3.11",
}


@dataclass
class Finding:
    package: str
    version: str
    vuln_id: str
    fixed_in: list[str]
    source: str


@dataclass
class Audit:
    by_pip_audit: list[str] = field(default_factory=list)
    by_project_json: list[str] = field(default_factory=list)
    unchecked: dict[str, str] = field(default_factory=dict)  # package -> reason
    findings: list[Finding] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return len(self.by_pip_audit) + len(self.by_project_json)

    @property
    def failed(self) -> bool:
        return bool(self.findings) or self.checked == 0


def run_pip_audit() -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"],
        capture_output=True, text=True, check=False)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stderr)
        return {"dependencies": []}


def fetch_project(name: str) -> dict | None:
    try:
        with urlopen(PROJECT_JSON.format(name=name), timeout=30) as response:  # noqa: S310
            return json.load(response)
    except (URLError, TimeoutError, json.JSONDecodeError):
        return None


def audit(report: dict, installed: dict[str, str], fetch=fetch_project) -> Audit:
    """Combine pip-audit's ``report`` with the project-JSON check of what it skipped."""
    result = Audit()
    skipped = []
    for dep in report.get("dependencies", []):
        name = dep["name"]
        if "skip_reason" in dep:
            skipped.append(name)
            continue
        result.by_pip_audit.append(name)
        for vuln in dep.get("vulns", []):
            result.findings.append(Finding(name, dep.get("version", ""), vuln["id"],
                                           vuln.get("fix_versions", []), "pip-audit"))
    with ThreadPoolExecutor(8) as pool:
        projects = dict(zip(skipped, pool.map(fetch, skipped), strict=True))
    for name in skipped:
        version = installed.get(_canonical(name), "?")
        project = projects[name]
        if project is None:
            result.unchecked[name] = "PyPI did not answer"
            continue
        newest = project["info"]["version"]
        if newest != version:
            reason = HELD_BACK.get(_canonical(name), "not the newest release")
            result.unchecked[name] = f"{version} installed, newest {newest}: {reason}"
            continue
        result.by_project_json.append(name)
        for vuln in project.get("vulnerabilities") or []:
            if vuln.get("withdrawn"):
                continue
            result.findings.append(Finding(name, version, vuln["id"],
                                           vuln.get("fixed_in") or [], "PyPI project data"))
    result.findings = [f for f in result.findings if f.vuln_id not in IGNORED]
    return result


def installed_versions() -> dict[str, str]:
    return {_canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def main() -> int:
    result = audit(run_pip_audit(), installed_versions())
    print(f"audited: {len(result.by_pip_audit)} packages by pip-audit, "
          f"{len(result.by_project_json)} at their newest release by PyPI's project data")
    if result.unchecked:
        print(f"not checkable here ({len(result.unchecked)}):")
        for name, reason in sorted(result.unchecked.items()):
            print(f"  {name}: {reason}")
    for f in result.findings:
        fixed = ", ".join(f.fixed_in) or "no fixed release yet"
        print(f"VULNERABLE {f.package} {f.version}: {f.vuln_id} (fixed in {fixed}; {f.source})")
    if result.checked == 0:
        print("nothing could be audited: no vulnerability data reachable")
    if not result.failed:
        print("no known vulnerabilities in the audited packages")
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
