"""The ssh provider against hosts reachable over SSH only (``swarmproof.testhosts``).

A session of its own is given nothing but the inventory: it forms the walkthrough's swarm
on the hosts, runs the swarm, quorum, DNS and Galera discovery scenarios there, and leaves
the hosts as it found them. One host lacks two of the task images, so the session must send
exactly those (by image id) and say so. From outside, the engine's event stream shows that
the session never ran ``docker exec`` into the hosts: it reached them over SSH alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from python_on_whales import DockerClient

from swarmproof import stack, swarm
from swarmproof.engine import Engine
from swarmproof.inventory import load as load_inventory
from swarmproof.plugin.state import SessionState
from swarmproof.progress import Progress
from swarmproof.providers.base import Node
from swarmproof.providers.ssh_swarm import leave_formed
from swarmproof.ssh import SshHost, SshOptions
from swarmproof.testhosts import EngineWatch, TestHosts
from swarmproof.waits import Wait

pytestmark = [pytest.mark.harness]

ROOT = Path(__file__).resolve().parent.parent
SESSION_TIMEOUT = 1800
UNDER_TEST = ("scenarios/test_swarm.py", "scenarios/test_quorum.py", "scenarios/test_dns_vip.py",
              "scenarios/test_galera_discovery.py")
# A Galera member's host loses power (its dockerd and containers killed over SSH): swarm
# reschedules the member, the host's docker service is started again and it rejoins.
CHAOS = "scenarios/test_rescheduling.py::test_killed_galera_node_is_relocated_and_rejoins"
# Stop, pause and partition of a Galera member's host, and a member stranded non-Primary.
FAULTS = "scenarios/test_faults.py"
TESTS = 29  # test_swarm's, test_quorum's, test_dns_vip's and test_galera_discovery's 28, and the chaos one
# Why a test of the session may skip: the VIP's traffic on an engine without ip_vs (as here);
# chaos on hosts without --allow-disruption. (The chaos scenario's workload runs inside the
# overlay where the mesh cannot serve: it is checked, not skipped.)
NO_IP_VS = "needs ip_vs: the hosts' kernels lack IP_VS (absent on docker1, docker2, docker3)"
NO_DISRUPTION = "unless you pass --allow-disruption"
WITHHELD = ("galera", "wordpress")  # what the last host lacks, so that the session must send it
KEEP_SERVICE = "keepme"  # the adopted swarm's own service, which must be untouched


@pytest.fixture(scope="module")
def ssh_hosts(tmp_path_factory: pytest.TempPathFactory, build_engine: Engine, swarmproof_images: dict[str, str],
              swarmproof_state: SessionState, swarmproof_progress: Progress) -> Iterator[TestHosts]:
    capabilities = swarmproof_state.capabilities_of(build_engine, swarmproof_images["node"])
    folder = tmp_path_factory.mktemp("ssh-hosts")
    with TestHosts(build_engine, swarmproof_images, capabilities, folder, swarmproof_progress) as hosts:
        last = hosts.nodes[-1]
        last.docker.image.remove([swarmproof_images[name] for name in WITHHELD])
        yield hosts


def ssh_pytest(folder: Path, inventory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    # The repository's own configuration (its addopts name xdist's --dist): no -n, so no workers.
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--provider", "ssh",
                           "--inventory", str(inventory), f"--basetemp={folder / 'inner'}", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=SESSION_TIMEOUT, check=False)


def run_session(folder: Path, inventory: Path, *args: str) -> tuple[str, ET.Element]:
    report = folder / "ssh.xml"
    done = ssh_pytest(folder, inventory, f"--junitxml={report}", *args)
    output = done.stdout + done.stderr
    (folder / "session.log").write_text(output)
    assert done.returncode == 0, f"the ssh session failed:\n{output[-4000:]}"
    return output, ET.parse(report).getroot()


def watched_session(folder: Path, hosts: TestHosts, engine: Engine, record: Callable[[str, object], None],
                    name: str, *args: str) -> tuple[str, ET.Element]:
    """A session under test given the hosts' inventory, the engine watched meanwhile: it must
    not have run ``docker exec`` into the hosts, nor killed, stopped or paused them from outside."""
    __tracebackhide__ = True
    with EngineWatch(engine, hosts) as watch:
        start = watch.mark()
        started = time.monotonic()
        output, report = run_session(folder, hosts.inventory, *args)
        record(name, round(time.monotonic() - started, 1))
        end = watch.mark()
    assert watch.between(start, end) == [], "the session under test reached into the hosts from outside SSH"
    return output, report


def assert_all_ran(report: ET.Element, output: str, skipped_because: tuple[str, ...]) -> None:
    """Every test of the session passed, but one skipped for each of ``skipped_because``."""
    __tracebackhide__ = True
    suite = report if report.tag == "testsuite" else report.find("testsuite")
    assert suite is not None, output[-3000:]
    counts = {key: int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}
    assert counts["failures"] == counts["errors"] == 0, output[-3000:]
    reasons = [skip.get("message", "") for skip in suite.iter("skipped")]
    unexplained = [reason for reason in reasons if not any(why in reason for why in skipped_because)]
    assert not unexplained, f"skipped for another reason: {unexplained}"
    assert len(reasons) == len(skipped_because), f"expected one skip for each of {skipped_because}: {reasons}"
    assert counts["tests"] >= TESTS, counts


def test_a_session_forms_a_swarm_on_ssh_hosts_and_leaves_them_as_it_found_them(
        tmp_path: Path, ssh_hosts: TestHosts, build_engine: Engine, swarmproof_images: dict[str, str],
        record_property: Callable[[str, object], None]) -> None:
    owner = ssh_hosts.nodes[1]  # the host's owner has things of their own there, which must stay
    owner.sh(f"docker network create owners-net && docker volume create owners-vol && docker create --name "
             f"owners-box -v owners-vol:/data --network owners-net {swarmproof_images['base']} true").checked()
    try:
        bystanders_stay(tmp_path, ssh_hosts, build_engine, swarmproof_images, record_property)
    finally:
        owner.sh("docker rm -f owners-box; docker volume rm owners-vol; docker network rm owners-net").checked()


def bystanders_stay(tmp_path: Path, ssh_hosts: TestHosts, build_engine: Engine, swarmproof_images: dict[str, str],
                    record_property: Callable[[str, object], None]) -> None:
    before = ssh_hosts.state()
    output, report = watched_session(tmp_path, ssh_hosts, build_engine, record_property, "ssh_session_s",
                                     "--allow-disruption", *UNDER_TEST, CHAOS)
    assert_all_ran(report, output, skipped_because=(NO_IP_VS,))
    assert "forming the walkthrough's" in output
    withheld = re.escape(", ".join(swarmproof_images[name] for name in WITHHELD))
    last = ssh_hosts.nodes[-1].hostname
    assert re.search(rf"sent {withheld} \(\d+ MB\) to {last} over ssh in", output), output[-3000:]

    after = ssh_hosts.state()
    for host, then in before.items():
        assert after[host].swarm.state == "inactive", f"{host} is still in a swarm"
        assert after[host] == then, f"{host} differs from before the session"


# dockerd makes ingress's sandbox, and docker_gwbridge with it, once its gossip has bulk-synced
# the ingress network with every peer it knows of. A peer that died with a killed dockerd (the
# chaos scenario's, in an earlier session) outlives `swarm leave` and costs that sync its 30 s
# timeout ("Bulk sync to node ... timed out"): two such peers measured 60 s here, idle.
NETWORKS_MADE_TIMEOUT = 180.0
GOSSIP_LOG = "grep -E 'Bulk sync|ingress|gwbridge|Libnetwork Agent' /var/log/docker.log | tail -n 20"


def swarm_networks_made(node: Node) -> None:
    """Wait for what joining a swarm makes on a host after the join returns: the ingress
    network, then docker_gwbridge for ingress's sandbox (seconds to a minute apart). A
    snapshot of the host taken sooner sees them appear later."""
    made = {"ingress", "docker_gwbridge"}
    Wait(what=f"the networks {sorted(made)} on {node.hostname}", timeout=NETWORKS_MADE_TIMEOUT,
         probe=lambda: {n.name for n in node.docker.network.list()}, done=made.issubset,
         hint="each gossip peer lost with a killed dockerd delays docker_gwbridge by 30 s",
         logs=lambda: node.sh(GOSSIP_LOG).output).until()


def remove_gwbridge(node: Node) -> None:
    """What joining a swarm made and leaving it kept, as it was before (absent when the join
    failed before making it: its error is the one to see)."""
    if node.docker.network.exists("docker_gwbridge"):
        node.docker.network.remove("docker_gwbridge")


@contextlib.contextmanager
def swarm_of_their_own(hosts: TestHosts, image: str) -> Iterator[str]:
    """The hosts formed into a swarm by the helper, a service of its own running on it; the
    swarm's ID. Left, and everything it made removed, after."""
    first, *others = hosts.nodes
    first.docker.swarm.init(advertise_address=first.address)
    try:
        token = first.docker.swarm.join_token("manager")
        for node in others:
            node.docker.swarm.join(f"{first.address}:{swarm.SWARM_PORT}", advertise_address=node.address, token=token)
        swarm.wait_healthy(first.docker, len(hosts.nodes))
        # (python-on-whales's service.create takes no name: the CLI, in the host, does.)
        first.sh(f"docker service create --detach --name {KEEP_SERVICE} {image} sleep infinity").checked()
        Wait(what=f"{KEEP_SERVICE} running", timeout=120.0,
             probe=lambda: stack.running_tasks_by_node(first.docker, KEEP_SERVICE),
             done=lambda tasks: sum(tasks.values()) == 1).until()
        for node in hosts.nodes:
            swarm_networks_made(node)
        yield first.docker.info().swarm.cluster.id
    finally:
        leave_formed(hosts.nodes)  # as the provider leaves a swarm it formed: demoted, then left
        for node in hosts.nodes:
            Wait(what=f"{node.hostname}'s containers gone after leaving", timeout=60.0,
                 probe=lambda node=node: node.docker.container.list(all=True), done=lambda left: not left).until()
            remove_gwbridge(node)


def test_a_session_adopts_the_hosts_swarm_and_changes_nothing_of_it(
        tmp_path: Path, ssh_hosts: TestHosts, build_engine: Engine, swarmproof_images: dict[str, str],
        record_property: Callable[[str, object], None]) -> None:
    with swarm_of_their_own(ssh_hosts, swarmproof_images["base"]) as swarm_id:
        first = ssh_hosts.nodes[0].docker
        kept = first.service.inspect(KEEP_SERVICE)
        before = ssh_hosts.state()
        output, report = watched_session(tmp_path, ssh_hosts, build_engine, record_property, "ssh_adopt_session_s",
                                         *UNDER_TEST, CHAOS)
        assert_all_ran(report, output, skipped_because=(NO_IP_VS, NO_DISRUPTION))
        assert "adopting it, changing nothing of it" in output, output[-3000:]
        assert first.info().swarm.cluster.id == swarm_id, "the adopted swarm was replaced"
        still = first.service.inspect(KEEP_SERVICE)
        assert (still.id, still.version.index) == (kept.id, kept.version.index), f"{KEEP_SERVICE} was changed"
        assert ssh_hosts.state() == before, "the adopted swarm's hosts differ from before the session"


def test_stop_pause_and_partition_of_ssh_hosts_heal(tmp_path: Path, ssh_hosts: TestHosts, build_engine: Engine,
                                                    record_property: Callable[[str, object], None]) -> None:
    before = ssh_hosts.state()
    output, report = watched_session(tmp_path, ssh_hosts, build_engine, record_property, "ssh_faults_session_s",
                                     "--allow-disruption", FAULTS)
    suite = report if report.tag == "testsuite" else report.find("testsuite")
    assert suite is not None, output[-3000:]
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0"), output[-3000:]
    ran = [str(case.get("name")) for case in suite.iter("testcase")]
    for fault in ("stop", "pause", "partition"):
        assert any(name.endswith(f"[{fault}]") for name in ran), f"no {fault} scenario ran: {ran}"
    assert ssh_hosts.state() == before, "the hosts differ from before the session"


def variant(hosts: TestHosts, folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The hosts' inventory with ``change`` made to it, written into ``folder``."""
    data = yaml.safe_load(hosts.inventory.read_text())
    for field in ("identity_file", "known_hosts"):
        data[field] = str(hosts.folder / data[field])
    change(data)
    path = folder / "inventory.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def other_key(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, capture_output=True)
    return key


def refused_at_once(hosts: TestHosts, folder: Path, inventory: Path, expected: str,
                    record_property: Callable[[str, object], None], name: str) -> None:
    """A session given ``inventory`` stops with a usage error naming ``expected`` in one line,
    before anything is built or provisioned, and every host is as it was."""
    __tracebackhide__ = True
    before = hosts.state()
    started = time.monotonic()
    done = ssh_pytest(folder, inventory, "scenarios/test_swarm.py")
    record_property(f"{name}_s", round(time.monotonic() - started, 1))
    output = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, f"expected a usage error:\n{output[-3000:]}"
    lines = [line for line in output.splitlines() if expected in line]
    assert lines, f"no line says {expected!r}:\n{output[-3000:]}"
    assert lines[0].startswith("ERROR: --provider ssh: "), lines[0]
    assert hosts.state() == before, "a refused session changed a host"


def test_an_unknown_host_key_is_refused_in_one_line(ssh_hosts: TestHosts, tmp_path: Path,
                                                    record_property: Callable[[str, object], None]) -> None:
    (tmp_path / "empty_known_hosts").write_text("")
    inventory = variant(ssh_hosts, tmp_path, lambda d: d.update(known_hosts=str(tmp_path / "empty_known_hosts")))
    refused_at_once(ssh_hosts, tmp_path, inventory, "Host key verification failed", record_property, "unknown_key")


def test_a_changed_host_key_is_refused_in_one_line(ssh_hosts: TestHosts, tmp_path: Path,
                                                   record_property: Callable[[str, object], None]) -> None:
    impostor = other_key(tmp_path, "impostor").with_suffix(".pub").read_text().split()[:2]
    lines = ssh_hosts.known_hosts.read_text().splitlines()
    first = lines[0].split()[0]
    (tmp_path / "changed").write_text("\n".join([f"{first} {' '.join(impostor)}", *lines[1:]]) + "\n")
    inventory = variant(ssh_hosts, tmp_path, lambda d: d.update(known_hosts=str(tmp_path / "changed")))
    refused_at_once(ssh_hosts, tmp_path, inventory, "the host's key differs from known_hosts", record_property,
                    "changed_key")


def test_a_key_the_hosts_do_not_accept_is_refused_without_a_prompt(
        ssh_hosts: TestHosts, tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    stranger = other_key(tmp_path, "stranger")
    inventory = variant(ssh_hosts, tmp_path, lambda d: d.update(identity_file=str(stranger)))
    refused_at_once(ssh_hosts, tmp_path, inventory, "Permission denied", record_property, "refused_key")


def test_a_user_who_may_not_use_docker_is_refused(ssh_hosts: TestHosts, tmp_path: Path,
                                                  record_property: Callable[[str, object], None]) -> None:
    first = ssh_hosts.nodes[0]
    first.sh("id guest >/dev/null 2>&1 || useradd -m guest; mkdir -p ~guest/.ssh; "
             "cp /root/.ssh/authorized_keys ~guest/.ssh/; chown -R guest ~guest/.ssh").checked()
    try:
        inventory = variant(ssh_hosts, tmp_path, lambda d: d["hosts"][first.hostname].update(
            ssh=d["hosts"][first.hostname]["ssh"].replace("root@", "guest@")))
        refused_at_once(ssh_hosts, tmp_path, inventory, f"{first.hostname}: docker does not answer as guest",
                        record_property, "no_docker")
    finally:
        first.sh("userdel -r guest").checked()


def test_a_host_named_otherwise_than_it_calls_itself_is_refused(
        ssh_hosts: TestHosts, tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    first = ssh_hosts.nodes[0].hostname

    def rename(data: dict[str, Any]) -> None:
        data["hosts"] = {("lab-1" if name == first else name): spec for name, spec in data["hosts"].items()}

    inventory = variant(ssh_hosts, tmp_path, rename)
    refused_at_once(ssh_hosts, tmp_path, inventory, f"the host given as lab-1 calls itself '{first}'",
                    record_property, "misnamed")


def test_hosts_in_mixed_swarm_states_are_refused_and_left_alone(
        ssh_hosts: TestHosts, tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    first, *others = ssh_hosts.nodes
    first.docker.swarm.init(advertise_address=first.address)
    try:
        swarm_networks_made(first)  # the "before" must come after them
        inventory = variant(ssh_hosts, tmp_path, lambda d: None)
        expected = f"{first.hostname} in a swarm but {', '.join(n.hostname for n in others)} not"
        refused_at_once(ssh_hosts, tmp_path, inventory, expected, record_property, "mixed")
        assert first.docker.info().swarm.local_node_state == "active", "the refused session changed the swarm"
    finally:
        first.docker.swarm.leave(force=True)
        remove_gwbridge(first)


# A process that opens one host's master as the harness does, says so, and waits to be killed.
HOLDER = """
import sys, time
from pathlib import Path
from swarmproof import inventory, ssh
hosts = inventory.load(Path(sys.argv[1]))
options = ssh.SshOptions(hosts.identity_file, hosts.known_hosts, Path(sys.argv[2]), persist=int(sys.argv[3]))
ssh.SshHost(hosts.hosts[0], options).open()
print("open", flush=True)
time.sleep(3600)
"""
PERSIST = 3  # seconds, for this test: the masters a session opens persist 300


def master_pid(host: SshHost) -> int | None:
    said = subprocess.run(host.ssh("-O", "check", host.spec.destination), capture_output=True, text=True, check=False)
    found = re.search(r"pid=(\d+)", said.stdout + said.stderr)
    return int(found.group(1)) if found else None


def test_a_master_outlives_idleness_while_its_harness_lives_and_ends_once_it_dies(ssh_hosts: TestHosts) -> None:
    # Scenarios may leave a host alone for minutes (they talk to the first manager): its master
    # must not idle out under the run, taking the forwarded docker socket with it; and a harness
    # killed outright must still leave no connection behind for good.
    folder = Path(tempfile.mkdtemp(prefix="sp-lease-"))  # short: a control socket's path is limited
    spec = load_inventory(ssh_hosts.inventory)
    host = SshHost(spec.hosts[0], SshOptions(spec.identity_file, spec.known_hosts, folder))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(ssh_hosts.inventory), str(folder), str(PERSIST)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        time.sleep(PERSIST * 4)  # the stimulus itself: nothing sent over the master meanwhile
        pid = master_pid(host)
        assert pid is not None, f"the master idled out after {PERSIST * 4} s while its harness lived"
        assert DockerClient(host=host.docker_host).info().name == host.spec.name
        holder.kill()
        holder.wait()
        Wait(what=f"the master (pid {pid}) to exit once its harness was killed", timeout=PERSIST + 30.0,
             probe=lambda: Path(f"/proc/{pid}").exists(), done=lambda alive: not alive).until()
    finally:
        holder.kill()
        host.close()
        shutil.rmtree(folder, ignore_errors=True)
