"""Kernels forked from the zygote (labkit.tools.prewarmed) start as a fresh ipykernel kernel would, and behave as one
under Jupyter: forked only for an environment the zygote was started with, interrupted, ended with their manager."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.manager import KernelManager

from labkit.tools import prewarmed
from labkit.tools.notebooks import backend_environment, notebook_client

REPO = Path(__file__).resolve().parents[1]

#: What a kernel's start leaves that a cell could tell apart, read in the kernel after importing what the lab
#: notebooks import (``preloaded``: whether moto was there before this cell, i.e. the kernel was forked).
PROBE = r"""
import gc, json, logging, os, signal, sys, warnings
preloaded = "moto" in sys.modules
import boto3, matplotlib, matplotlib.pyplot, moto, numpy, pandas
import pandas._config.config as pandas_config
filters = [[action, getattr(message, "pattern", message), category.__module__ + "." + category.__qualname__,
            getattr(module, "pattern", module), line] for action, message, category, module, line in warnings.filters]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pandas warns of its deprecated options as they are read
    options = {key: repr(pandas.get_option(key)) for key in pandas_config._registered_options}
loggers = {name: (logger.level, [type(h).__name__ for h in logger.handlers], logger.propagate, logger.disabled)
           for name, logger in logging.root.manager.loggerDict.items() if isinstance(logger, logging.Logger)}
print(json.dumps({
    "preloaded": preloaded,
    "pandas": options,
    "matplotlib": {key: repr(value) for key, value in matplotlib.rcParams.items()},
    "backend": matplotlib.get_backend(),
    "numpy": repr(numpy.get_printoptions()),
    "warnings": filters,
    "loggers": loggers,
    "root": [logging.root.level, [type(h).__name__ for h in logging.root.handlers]],
    "path": sys.path,
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "environment": {key: value for key, value in os.environ.items() if not key.startswith("JPY_")},
    "signals": {s.name: repr(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE, signal.SIGHUP)},
    "flags": repr(sys.flags),
    "limits": [sys.getrecursionlimit(), sys.getswitchinterval(), gc.get_threshold(), gc.isenabled()],
    "hooks": [type(sys.displayhook).__name__, type(sys.stdout).__name__, type(sys.stderr).__name__, repr(sys.excepthook)[:40]],
    "main": sys.modules["__main__"].__name__,
    "process": [os.getpid() == os.getpgid(0), os.getsid(0) == os.getpid()],
}))
"""


def _state(kernel: str, workdir: Path = REPO / "notebooks") -> dict[str, Any]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(PROBE)]
    executed = notebook_client(notebook, workdir, timeout=120, kernel_name=kernel).execute()
    printed = "".join(o.get("text", "") for o in executed.cells[0].outputs if o.get("name") == "stdout")
    state: dict[str, Any] = json.loads(printed)
    state["argv"] = [re.sub(r"[^/]+\.json$", "connection.json", arg) for arg in state["argv"]]  # a temporary file
    return state


def _may_pass_each_other(first: list[Any], second: list[Any]) -> bool:
    """Whether two warning filters match disjoint warnings or do the same to a warning both match, so that their
    order in ``warnings.filters`` decides nothing."""
    return first[0] == second[0] or not (first[2] == second[2] or "builtins.Warning" in (first[2], second[2]))


@pytest.mark.notebook
def test_a_forked_kernel_starts_as_a_fresh_one_would() -> None:
    with backend_environment("moto"):
        assert prewarmed.kernel_name() == prewarmed.KERNEL_NAME, "the test process's zygote is not running"
        fresh, forked = _state("python3"), _state(prewarmed.KERNEL_NAME)
    assert not fresh.pop("preloaded") and forked.pop("preloaded")
    # Loggers: the zygote imported more modules (each made its logger, unset); those both have are set alike.
    common = fresh["loggers"].keys() & forked["loggers"].keys()
    assert len(common) > 50
    assert {name: fresh["loggers"][name] for name in common} == {name: forked["loggers"][name] for name in common}
    assert all(forked["loggers"][name] == [0, [], True, False] for name in forked["loggers"].keys() - common)
    # Warning filters: the same ones; where two are in another order, that order decides nothing.
    fresh_filters, forked_filters = fresh.pop("warnings"), forked.pop("warnings")
    assert sorted(map(json.dumps, fresh_filters)) == sorted(map(json.dumps, forked_filters))
    for i, first in enumerate(fresh_filters):
        for second in fresh_filters[i + 1 :]:
            if forked_filters.index(first) > forked_filters.index(second):
                assert _may_pass_each_other(first, second), (first, second)
    del fresh["loggers"], forked["loggers"]
    assert fresh == forked


#: Ids a lab draws from its seeded streams (labkit.emulator.moto_ids patches moto's modules as they load).
IDS = r"""
import json, labkit
lab = labkit.connect("moto")
reservation = lab.client("ec2").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
trust = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = lab.client("iam").create_role(RoleName="lab-probe", AssumeRolePolicyDocument=json.dumps(trust))
profile = lab.client("iam").create_instance_profile(InstanceProfileName="lab-probe")["InstanceProfile"]
print(json.dumps([reservation["Instances"][0]["InstanceId"], reservation["ReservationId"], role["Role"]["RoleId"],
                  role["ResponseMetadata"]["RequestId"], profile["InstanceProfileId"]]))
"""


@pytest.mark.notebook
def test_a_forked_kernel_draws_the_ids_a_fresh_one_draws() -> None:
    def drawn(kernel: str) -> list[str]:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(IDS)]
        executed = notebook_client(notebook, REPO / "notebooks", timeout=120, kernel_name=kernel).execute()
        return json.loads("".join(o.get("text", "") for o in executed.cells[0].outputs if o.get("name") == "stdout"))

    with backend_environment("moto"):
        fresh, forked = drawn("python3"), drawn(prewarmed.KERNEL_NAME)
    assert fresh == forked and fresh[0].startswith("i-") and fresh[2].startswith("AROA")


@pytest.mark.notebook
def test_a_kernel_whose_environment_differs_from_the_zygotes_starts_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    with backend_environment("moto"):
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")  # botocore and moto could have read it on import
        state = _state(prewarmed.kernel_name())
    assert not state["preloaded"] and state["environment"]["AWS_DEFAULT_REGION"] == "eu-west-3"


@pytest.mark.notebook
def test_the_kernelspec_starts_a_fresh_kernel_when_no_zygote_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with backend_environment("moto"):
        monkeypatch.setenv(prewarmed.SOCKET_VARIABLE, str(tmp_path / "gone.sock"))
        state = _state(prewarmed.KERNEL_NAME)
    assert not state["preloaded"] and state["process"] == [True, True]


def _started(kernel: str) -> tuple[KernelManager, Any]:
    manager = KernelManager(kernel_name=kernel)
    manager.start_kernel(cwd=str(REPO / "notebooks"))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client


def _run(client: Any, code: str, timeout: float = 60) -> tuple[dict[str, Any], str]:
    printed: list[str] = []
    reply = client.execute_interactive(
        code, timeout=timeout, output_hook=lambda m: printed.append(m["content"].get("text", ""))
    )
    return reply["content"], "".join(printed)


@pytest.mark.notebook
def test_an_interrupt_reaches_the_forked_kernel_which_goes_on() -> None:
    with backend_environment("moto"):
        manager, client = _started(prewarmed.kernel_name())
    try:
        _, printed = _run(client, "import sys; print('moto' in sys.modules)")
        assert printed.strip() == "True"
        client.execute("import time; time.sleep(60)")
        time.sleep(1)
        started = time.monotonic()
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=20)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - started < 10
        # ipykernel aborts what reaches it just after an error (as a fresh kernel does), then runs the next.
        for _ in range(5):
            content, printed = _run(client, "print(6 * 7)")
            if content["status"] != "aborted":
                break
            time.sleep(0.5)
        assert content["status"] == "ok" and printed.strip() == "42"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.notebook
def test_a_forked_kernel_ends_with_its_launcher_killed_or_shut_down() -> None:
    with backend_environment("moto"):
        killed_manager, killed = _started(prewarmed.kernel_name())
        asked_manager, asked = _started(prewarmed.kernel_name())
    pids = []
    for client in (killed, asked):
        pid = int(_run(client, "import os; print(os.getpid())")[1])
        assert pid != client.parent.provisioner.process.pid  # the kernel is not the launcher Jupyter started
        pids.append(pid)
        client.stop_channels()
    killed_manager.shutdown_kernel(now=True)  # SIGKILL to the launcher, as nbclient's "immediate" and crash tests do
    asked_manager.shutdown_kernel()  # shutdown_request, then the launcher ends with the kernel
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)


@pytest.mark.parametrize(
    ("kernel", "zygote", "forked"),
    [
        ({"PATH": "/bin", "HOME": "/root"}, {"PATH": "/bin", "HOME": "/root"}, True),
        ({"PATH": "/bin", "LABKIT_LANG": "ja", "JPY_PARENT_PID": "7"}, {"PATH": "/bin"}, True),
        ({"PATH": "/bin", "COLUMNS": "80", "PYTEST_CURRENT_TEST": "a.py::t (call)"}, {"PATH": "/bin"}, True),
        ({"PATH": "/bin", "MPLBACKEND": prewarmed.INLINE_BACKEND}, {"PATH": "/bin"}, True),
        ({"PATH": "/bin", "MPLBACKEND": "agg"}, {"PATH": "/bin"}, False),
        (
            {"PATH": "/bin", "AWS_DEFAULT_REGION": "eu-west-3"},
            {"PATH": "/bin", "AWS_DEFAULT_REGION": "us-east-1"},
            False,
        ),
        ({"PATH": "/bin", "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}, {"PATH": "/bin"}, False),
        ({"PATH": "/bin"}, {"PATH": "/bin", "PYTHONHASHSEED": "0"}, False),
    ],
)
def test_a_kernel_is_forked_only_for_the_zygotes_environment(
    kernel: dict[str, str], zygote: dict[str, str], forked: bool
) -> None:
    assert prewarmed.compatible(kernel, zygote) is forked


def test_the_kernelspec_is_ipykernels_but_for_its_launcher() -> None:
    from ipykernel.kernelspec import get_kernel_dict

    spec = json.loads((prewarmed.JUPYTER_DATA / "kernels" / prewarmed.KERNEL_NAME / "kernel.json").read_text())
    python3 = get_kernel_dict()
    assert spec["argv"] == ["python", "-I", "{resource_dir}/launch.py", *python3["argv"][3:]]
    assert python3["argv"][1:3] == ["-m", "ipykernel_launcher"]
    assert {k: v for k, v in spec.items() if k not in ("argv", "display_name")} == {
        k: v for k, v in python3.items() if k not in ("argv", "display_name")
    }


#: A module run with ``python -m probe``: what it was started with, then an exit as the case asks.
MODULE_PROBE = r"""
import json, os, sys
print(json.dumps({
    "preloaded": "moto" in sys.modules,
    "argv": sys.argv[1:],
    "argv0": os.path.basename(sys.argv[0]),
    "path0": sys.path[0],
    "cwd": os.getcwd(),
    "stdin": sys.stdin.read(),
    "name": __name__,
    "variable": os.environ.get("LABKIT_PROBE"),
}))
sys.stdout.flush()
print("to stderr", file=sys.stderr)
case = sys.argv[1]
if case == "status":
    sys.exit(3)
if case == "message":
    sys.exit("it went wrong")
if case == "raise":
    raise ValueError("uncaught")
"""


@pytest.mark.notebook
@pytest.mark.parametrize(("case", "status"), [("ok", 0), ("status", 3), ("message", 1), ("raise", 1)])
def test_a_module_command_forked_from_the_zygote_runs_as_python_dash_m_does(
    case: str, status: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``module_command`` (the crash-recovery tests' ``labkit`` commands): the same output, standard input, exit
    status, arguments, path and environment as a fresh ``python -m``, in a process forked from the zygote."""
    import subprocess
    import sys

    (tmp_path / "probe.py").write_text(MODULE_PROBE, encoding="utf-8")
    monkeypatch.setenv("LABKIT_PROBE", case)  # labkit's own variables may differ from the zygote's
    monkeypatch.setenv("MPLBACKEND", prewarmed.INLINE_BACKEND)  # the backend the zygote imported matplotlib with
    with prewarmed.prewarmed_kernels():
        forked_command = prewarmed.module_command("probe", case, "two words")
        forked = subprocess.run(forked_command, cwd=tmp_path, input="typed", capture_output=True, text=True, timeout=60)
    fresh = subprocess.run(
        [sys.executable, "-m", "probe", case, "two words"],
        cwd=tmp_path,
        input="typed",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert forked_command[:3] == [sys.executable, "-I", str(prewarmed.LAUNCHER)]
    started = [json.loads(run.stdout.splitlines()[0]) for run in (forked, fresh)]
    assert started[0].pop("preloaded") is True and started[1].pop("preloaded") is False
    assert started[0] == started[1]
    assert started[1] == {
        "argv": [case, "two words"],
        "argv0": "probe.py",
        "path0": str(tmp_path),
        "cwd": str(tmp_path),
        "stdin": "typed",
        "name": "__main__",
        "variable": case,
    }
    assert forked.returncode == fresh.returncode == status
    assert len(forked.stdout.splitlines()) == len(fresh.stdout.splitlines()) == 1
    assert forked.stderr.splitlines()[0] == fresh.stderr.splitlines()[0] == "to stderr"
    assert forked.stderr.splitlines()[-1] == fresh.stderr.splitlines()[-1]  # the message, the exception


@pytest.mark.notebook
def test_a_module_command_without_a_zygote_or_with_the_zygotes_backend_unset_is_fresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    (tmp_path / "probe.py").write_text(MODULE_PROBE, encoding="utf-8")
    monkeypatch.delenv(prewarmed.SOCKET_VARIABLE, raising=False)
    assert prewarmed.module_command("probe", "ok") == [sys.executable, "-m", "probe", "ok"]
    monkeypatch.delenv("MPLBACKEND", raising=False)  # a fresh process would import matplotlib with its default
    with prewarmed.prewarmed_kernels():
        command = prewarmed.module_command("probe", "ok")
        run = subprocess.run(command, cwd=tmp_path, input="", capture_output=True, text=True, timeout=60)
    assert command[1:3] == ["-I", str(prewarmed.LAUNCHER)]
    assert run.returncode == 0 and json.loads(run.stdout.splitlines()[0])["preloaded"] is False


@pytest.mark.parametrize(
    ("command", "zygote", "forked"),
    [
        ({"PATH": "/bin", "MPLBACKEND": prewarmed.INLINE_BACKEND}, {"PATH": "/bin"}, True),
        ({"PATH": "/bin"}, {"PATH": "/bin"}, False),
        ({"PATH": "/bin", "MPLBACKEND": "agg"}, {"PATH": "/bin", "MPLBACKEND": "agg"}, True),
        ({"PATH": "/bin", "MPLBACKEND": "agg"}, {"PATH": "/bin"}, False),
        (
            {"PATH": "/bin", "LABKIT_BACKEND": "moto-server", "MPLBACKEND": prewarmed.INLINE_BACKEND},
            {"PATH": "/bin"},
            True,
        ),
    ],
)
def test_a_module_command_is_forked_only_if_it_names_the_backend_the_zygote_imported_matplotlib_with(
    command: dict[str, str], zygote: dict[str, str], forked: bool
) -> None:
    assert prewarmed.compatible(command, zygote, is_kernel=False) is forked


def test_while_the_zygote_loads_moto_every_botocore_session_has_one_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    # moto.ec2 makes three boto3 sessions as it loads; each new loader parsed the EC2 model again.
    import boto3
    import botocore.loaders

    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    with prewarmed._one_botocore_loader():
        inside = [boto3.Session()._session.get_component("data_loader") for _ in range(2)]
        monkeypatch.setenv("AWS_DATA_PATH", "/nonexistent-models")
        own_path = boto3.Session()._session.get_component("data_loader")
        monkeypatch.delenv("AWS_DATA_PATH")
    after = boto3.Session()._session.get_component("data_loader")
    assert isinstance(inside[0], botocore.loaders.Loader) and inside[0] is inside[1]
    assert own_path is not inside[0] and "/nonexistent-models" in own_path.search_paths
    assert after is not inside[0]
