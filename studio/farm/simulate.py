"""A render farm of several "PCs" on this one, for the tests and the benchmark: a real `dask
scheduler` process and, per node, a real `dask worker` process tree (nanny + worker) in its own
process group with its own name, resources and scratch folder, started the way the README starts
them on real PCs. `remove_node` kills a node's whole tree at once, as a PC switched off would go.
POSIX only (process groups)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping

STUDIO_ROOT = Path(__file__).resolve().parents[2]


class SimulatedFarm:
    """`with SimulatedFarm(folder, {"node-a": {"CPU": 1}, "node-b": {"CPU": 1}}) as farm:` then
    `cluster_runner(farm.address)`."""

    def __init__(self, folder: Path, nodes: Mapping[str, Mapping[str, float]], start_timeout_s: float = 60.0) -> None:
        self.folder = Path(folder)
        self.wanted = {name: dict(res) for name, res in nodes.items()}
        self.timeout = start_timeout_s
        self.address = ""
        self._scheduler: subprocess.Popen | None = None
        self.nodes: dict[str, subprocess.Popen] = {}
        self._client = None

    def __enter__(self) -> "SimulatedFarm":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _env(self) -> dict:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(STUDIO_ROOT), env.get("PYTHONPATH", "")) if p)
        return env

    def start(self) -> None:
        from distributed import Client

        self.folder.mkdir(parents=True, exist_ok=True)
        info = self.folder / "scheduler.json"
        info.unlink(missing_ok=True)
        self._scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(info)],
            stdout=subprocess.DEVNULL, stderr=open(self.folder / "scheduler.log", "wb"), env=self._env(),
            start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while not info.exists():
            if self._scheduler.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test scheduler did not start (see {self.folder / 'scheduler.log'})")
            time.sleep(0.1)
        import json

        for _ in range(50):
            try:
                self.address = json.loads(info.read_text())["address"]
                break
            except (ValueError, KeyError):
                time.sleep(0.1)
        self._client = Client(self.address, timeout="30s")
        for name, resources in self.wanted.items():
            self.add_node(name, resources, wait=False)
        self.wait_for(set(self.wanted))

    def add_node(self, name: str, resources: Mapping[str, float] | None = None, wait: bool = True) -> None:
        """Start node `name` (one worker process, one render at a time)."""
        cmd = [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--name", name, "--nworkers", "1",
               "--nthreads", "1", "--no-dashboard", "--local-directory", str(self.folder / name)]
        if resources:
            cmd += ["--resources", ",".join(f"{k}={v}" for k, v in resources.items())]
        self.nodes[name] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(self.folder / f"{name}.log", "ab"),
                                            env=self._env(), cwd=STUDIO_ROOT, start_new_session=True)
        if wait:
            self.wait_for({name})

    def names(self) -> set[str]:
        return {str(w.get("name")) for w in self._client.scheduler_info(n_workers=-1)["workers"].values()}

    def wait_for(self, names: set[str]) -> None:
        deadline = time.monotonic() + self.timeout
        while not names <= self.names():
            if time.monotonic() > deadline:
                raise RuntimeError(f"farm node(s) {sorted(names - self.names())} did not start (see {self.folder}/*.log)")
            time.sleep(0.2)

    def remove_node(self, name: str) -> None:
        """Kill node `name` at once, nanny and worker together (a PC switched off), and wait until the
        scheduler has noticed."""
        proc = self.nodes.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + self.timeout
        while name in self.names() and time.monotonic() < deadline:
            time.sleep(0.2)

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception:
                pass
            self._client = None
        for proc in [*self.nodes.values(), *( [self._scheduler] if self._scheduler else [])]:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in [*self.nodes.values(), *([self._scheduler] if self._scheduler else [])]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.nodes.clear()
        self._scheduler = None


__all__ = ["SimulatedFarm"]
