"""The plugin as another test suite sees it: options, markers, fast errors for bad input."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from swarmproof import providers
from swarmproof.config import Settings, SettingsError
from swarmproof.engine import Engine
from swarmproof.errors import EngineUnavailable


def test_unknown_engine_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--engine", "kvm")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --engine: invalid choice: 'kvm'*"])


def test_unknown_provider_is_a_usage_error_naming_the_registered_ones(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--provider", "lxd")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --provider: invalid choice: 'lxd' (choose from *dind*)*"])


def test_the_help_lists_the_registered_providers(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == pytest.ExitCode.OK
    help_text = " ".join(result.stdout.str().split())  # argparse wraps the help
    assert f"one of the registered providers: {', '.join(providers.names())}" in help_text


def test_options_are_grouped_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["swarmproof: Docker Swarm scenarios:", "*--engine*", "*--keep-cluster*"])


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.swarm:*", "@pytest.mark.requires(capability):*"])


def test_settings_reject_unknown_values_in_one_line() -> None:
    with pytest.raises(SettingsError, match=r"^--node-mode='root' is not known; use one of: auto, privileged"):
        Settings(node_mode="root")


def test_no_engine_is_one_line_with_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    started = time.monotonic()
    with pytest.raises(EngineUnavailable) as caught:
        Engine.connect(timeout=5)
    assert time.monotonic() - started < 5
    assert "no Docker engine answers at unix://" in caught.value.cause
    assert "infra/engine.sh" in caught.value.hint


def test_no_engine_fails_scenarios_in_one_line(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{pytester.path}/no.sock")
    pytester.makepyfile("def test_needs_a_swarm(swarm_cluster):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*EngineUnavailable: no Docker engine answers at unix://*(start one with*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_missing_stack_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    started = time.monotonic()
    result = pytester.runpytest("--stack-file", "nowhere/stack.yml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--stack-file=nowhere/stack.yml: no such file; give the path of a compose file*"])
    assert time.monotonic() - started < 10


needs_docker_cli = pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI (no engine)")


@needs_docker_cli
def test_a_stack_file_docker_cannot_read_is_a_usage_error_before_anything_starts(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", stack="services:\n  etcd: [\n")
    started = time.monotonic()
    result = pytester.runpytest("--stack-file", "stack.yml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--stack-file: stack.yml is not a compose file docker can read: *yaml: *"
                                 "(fix the file, or give another with --stack-file)"])
    assert time.monotonic() - started < 10


@needs_docker_cli
def test_a_stack_file_without_a_walkthrough_service_is_a_usage_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", stack='version: "3.8"\nservices:\n  etcd:\n    image: e\n  wordpress:\n    image: w\n')
    result = pytester.runpytest("--stack-file", "stack.yml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--stack-file: stack.yml defines no service named mysql-galera (a swarmproof*"])


@needs_docker_cli
def test_a_stack_file_using_the_harness_variables_passes_the_check(pytester: pytest.Pytester) -> None:
    service = ("    image: ${SWARMPROOF_GALERA_IMAGE:?}\n"
               "    healthcheck:\n      interval: ${SWARMPROOF_HEALTH_INTERVAL}\n")
    pytester.makefile(".yml", stack='version: "3.8"\nservices:\n' + "".join(
        f"  {name}:\n{service}" for name in ("etcd", "mysql-galera", "wordpress")))
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--stack-file", "stack.yml")
    result.assert_outcomes(passed=1)


def test_a_heartbeat_out_of_range_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--heartbeat", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--heartbeat=0 is out of range; give seconds between 0.1 and 60*"])


def test_reuse_without_any_kept_cluster_is_a_usage_error_that_leaves_nothing(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    started = time.monotonic()
    result = pytester.runpytest("--reuse-cluster")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--reuse-cluster: no cluster was kept with --keep-cluster on this machine "
                                 "(run once with --keep-cluster first*"])
    assert time.monotonic() - started < 10
    assert not (tmp_path / "cache").exists()


def test_chaos_scenarios_run_after_the_read_only_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.mark.chaos\ndef test_a_kill(): pass\n"
        "def test_b_read(): pass\n"
        "@pytest.mark.chaos\ndef test_c_partition(): pass\n"
        "def test_d_read(): pass\n")
    result = pytester.runpytest("-v", "--strict-markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*test_b_read*", "*test_d_read*", "*test_a_kill*", "*test_c_partition*"])


def test_a_recorded_timing_lands_in_the_junit_xml(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_timed(record_timing):\n    record_timing('kill_to_node_down_s', 13.71)\n")
    result = pytester.runpytest("-o", "junit_family=xunit1", "--junitxml=report.xml", "-W", "error")
    assert result.ret == pytest.ExitCode.OK
    report = (pytester.path / "report.xml").read_text()
    assert '<property name="kill_to_node_down_s" value="13.7"' in report


def test_what_uses_the_deployed_stack_is_marked_walkthrough(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.fixture\n"
        "def galera_stack():\n    return 'a stand-in: this test is about selection only'\n"
        "@pytest.fixture\n"
        "def steady(galera_stack):\n    return galera_stack\n"
        "def test_through_the_stack(steady):\n    pass\n"
        "def test_swarm_only():\n    pass\n")
    result = pytester.runpytest("-m", "walkthrough", "-v")
    result.stdout.fnmatch_lines(["*test_through_the_stack PASSED*", "*1 deselected*"])
    result = pytester.runpytest("-m", "not walkthrough", "-v")
    result.stdout.fnmatch_lines(["*test_swarm_only PASSED*", "*1 deselected*"])
