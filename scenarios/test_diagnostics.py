"""A failing scenario explains itself: a session of its own, made to fail on purpose, leaves
a complete diagnostics bundle, named in the report and the JUnit XML, with no password in
it, nor in the JUnit XML or the session's output.

The inner session provisions its own swarm and stack on the local engine (a second VM
would double the emulated CI's bulk for a check that does not depend on the kernel).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = [pytest.mark.harness]

SESSION_TIMEOUT = 1200
HOSTNAMES = ("docker1", "docker2", "docker3")

# The inner scenario: it hands its passwords to the outer test through a private file
# (never printed), so the outer test can look for them in the bundle, then fails.
FAILING = '''
import os, pathlib

def test_fails_on_purpose(galera_stack):
    path = pathlib.Path(os.environ["SWARMPROOF_TEST_SECRETS"])
    path.touch(mode=0o600)
    path.write_text("\\n".join(p.value for p in galera_stack.passwords.all()))
    assert False, "failing on purpose to produce a diagnostics bundle"
'''


@pytest.fixture(scope="module")
def failed_session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run the inner failing session once; its folder, bundle, JUnit XML and output."""
    root = tmp_path_factory.mktemp("failing-session")
    (root / "test_fails_on_purpose.py").write_text(FAILING)
    paths = {"root": root, "bundles": root / "diagnostics", "junit": root / "junit.xml",
             "secrets": root / "secrets", "output": root / "output.txt"}
    env = {**os.environ, "SWARMPROOF_TEST_SECRETS": str(paths["secrets"])}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--engine", "local",
         f"--basetemp={root / 'basetemp'}", f"--diagnostics-dir={paths['bundles']}", f"--junitxml={paths['junit']}",
         "test_fails_on_purpose.py"],
        cwd=root, env=env, capture_output=True, text=True, timeout=SESSION_TIMEOUT, check=False)
    paths["output"].write_text(done.stdout + done.stderr)
    assert done.returncode == 1, f"the inner session should fail its one test (exit 1), got {done.returncode}:\n" \
                                 f"{done.stdout[-3000:]}{done.stderr[-2000:]}"
    return paths


def bundle_of(session: dict[str, Path]) -> Path:
    __tracebackhide__ = True
    folders = [p for p in session["bundles"].iterdir() if p.is_dir()]
    assert len(folders) == 1, f"one bundle expected under {session['bundles']}, found {folders}"
    return folders[0]


def test_the_report_and_the_junit_xml_name_the_bundle(failed_session: dict[str, Path]) -> None:
    bundle = bundle_of(failed_session)
    assert f"bundle written to {bundle}" in failed_session["output"].read_text()
    properties = {p.get("name"): p.get("value") for p in ET.parse(failed_session["junit"]).iter("property")}
    assert properties.get("diagnostics") == str(bundle)


@pytest.mark.parametrize("hostname", HOSTNAMES)
def test_each_node_tells_its_view_of_the_swarm(failed_session: dict[str, Path], hostname: str) -> None:
    node = bundle_of(failed_session) / hostname
    assert (node / "dockerd.log").read_text().count("level=") >= 100, "the dockerd log tail is 200 lines"
    assert (node / "node-ls.txt").read_text().count("Ready") == len(HOSTNAMES)
    assert (node / "service-ps.txt").read_text().count("galera_mysql-galera.") == 3
    networks = (node / "networks.json").read_text()
    assert '"Name": "mynet"' in networks and '"Name": "ingress"' in networks
    answers = dns_answers((node / "dns.txt").read_text())
    assert [len(answers[name]) for name in ("etcd", "tasks.etcd", "mysql-galera", "tasks.mysql-galera")] \
        == [1, 1, 1, 3], answers
    assert (node / "ipvs.txt").read_text().count("\n") >= 2, "the IPVS table, or why there is none"


def dns_answers(text: str) -> dict[str, list[str]]:
    """'== name' headers, each followed by its addresses, as written by diagnostics.dns_script."""
    answers: dict[str, list[str]] = {}
    name = None
    for line in text.splitlines():
        if line.startswith("== "):
            name = line[3:]
            answers[name] = []
        elif name is not None and line[:1].isdigit():
            answers[name].append(line)
    return answers


def test_the_stack_tells_galera_etcd_and_task_logs(failed_session: dict[str, Path]) -> None:
    bundle = bundle_of(failed_session)
    members = "".join((bundle / "galera" / f"{h}.txt").read_text() for h in HOSTNAMES)
    assert members.count("wsrep_cluster_size\t3") == 3
    etcd = (bundle / "etcd.txt").read_text()
    assert '"health":"true"' in etcd and '"key":"/galera/galera"' in etcd
    for service in ("etcd", "mysql-galera", "wordpress"):
        assert (bundle / "tasks" / f"{service}.log").read_text().count("\n") > 1


def test_no_password_appears_in_the_bundle_the_junit_xml_or_the_output(failed_session: dict[str, Path]) -> None:
    passwords = failed_session["secrets"].read_text().split()
    assert len(passwords) == 3
    files = [path for path in bundle_of(failed_session).rglob("*") if path.is_file()]
    for path in [*files, failed_session["junit"], failed_session["output"]]:
        text = path.read_text(errors="replace")
        leaked = [i for i, password in enumerate(passwords) if password in text]
        assert not leaked, f"password(s) {leaked} of the inner run appear in {path}"
