"""A cluster kept by one session is attached to by the next with --reuse-cluster, when
nothing that shapes it changed; with a changed setting the next session says why and
provisions a new one. Sessions of their own on the local engine, their kept-cluster
records in a private cache folder; every cluster they keep is removed at the end.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmproof.cleanup import remove_run
from swarmproof.engine import Engine

pytestmark = [pytest.mark.harness]

SESSION_TIMEOUT = 900
USES_A_CLUSTER = '''
def test_uses_a_cluster(swarm_cluster):
    assert [n.hostname for n in swarm_cluster.nodes] == ["docker1", "docker2", "docker3"]
    assert all(m.state == "ready" for m in swarm_cluster.members())
'''


@pytest.fixture
def sessions(tmp_path: Path, build_engine: Engine) -> Iterator[list[str]]:
    """Runs a session with the given options, returns its output; removes what they kept."""
    (tmp_path / "test_uses_a_cluster.py").write_text(USES_A_CLUSTER)
    outputs: list[str] = []
    yield outputs
    for run_id in set(re.findall(r"cluster kept \(run (\w+)", "".join(outputs))):
        remove_run(build_engine.client, run_id)


def run_session(root: Path, outputs: list[str], *options: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    env["XDG_CACHE_HOME"] = str(root / "cache")
    # A basetemp of its own: a numbered one would prune the outer session's (pytest keeps three).
    basetemp = tempfile.mkdtemp(prefix="basetemp-", dir=root)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--engine", "local", f"--basetemp={basetemp}", *options, "test_uses_a_cluster.py"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=SESSION_TIMEOUT, check=False)
    output = done.stdout + done.stderr
    outputs.append(output)
    assert done.returncode == 0, f"session {options} failed:\n{output[-3000:]}"
    return output


def test_a_kept_cluster_is_reused_and_a_changed_one_is_not(tmp_path: Path, sessions: list[str]) -> None:
    kept = run_session(tmp_path, sessions, "--keep-cluster")
    (run_id,) = re.findall(r"cluster kept \(run (\w+)", kept)
    assert "starting nodes" in kept
    assert re.search(r"docker1: .* node ls .*published 80 -> 127\.0\.0\.1:\d+", kept), kept[-2000:]

    reused = run_session(tmp_path, sessions, "--reuse-cluster")
    assert f"--reuse-cluster: reusing kept cluster {run_id}" in reused
    assert "starting nodes" not in reused, "a reused cluster is attached to, not provisioned"
    assert f"cluster kept (run {run_id}" in reused

    changed = run_session(tmp_path, sessions, "--reuse-cluster", "--heartbeat", "2")
    assert f"kept cluster {run_id} differs from this session in: heartbeat" in changed
    assert "provisioning a new cluster (kept)" in changed and "starting nodes" in changed
