"""CPU instructions per request, Clientbook against the flat baseline, under callgrind.

On a shared, noisy machine requests per second drift by tens of per cent within minutes,
and wrk cannot resolve a change worth 2 %. Instruction counts can: each server runs under
``valgrind --tool=callgrind`` with instrumentation switched on only while wrk sends a
fixed load (``callgrind_control -i on/off``), so start-up is not counted, and the total
divided by the requests served repeats to a fraction of a per cent whatever else the
machine does. It counts user-space instructions only (not the kernel's side of a round
trip) and says nothing of cache misses' cost, so it decides between versions of the same
code; the wrk benchmark (``bench.run``) still measures the service.

Both servers are started as ``uvicorn --loop uvloop --http httptools`` on a throwaway
database seeded as ``bench.run`` seeds it, and measured at the same time (instruction
counts do not mind sharing the machine). Under valgrind a request takes some 30 times
longer, so the identity cache keeps its entries for the run (as it would between the
requests of one client at full speed).

    python -m bench.instructions [--endpoints client_get,meeting_create] [--seconds 15]
                                 [--candidate-root /path/to/other/tree]

Writes ``bench/out/instructions.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.run import (
    BENCH,
    BIN,
    ENDPOINTS,
    HOST,
    LOGIN,
    ROOT,
    Bench,
    Endpoint,
    Load,
    free_port,
    log,
    parse_args,
    request,
)

UVICORN = ["-m", "uvicorn", "--factory", "--host", HOST, "--workers", "1"]
UVICORN += ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]


@dataclass
class Measured:
    server: str
    endpoint: str
    requests: int
    instructions: int

    @property
    def per_request(self) -> int:
        return self.instructions // max(self.requests, 1)


def _totals(out: Path) -> int:
    """The instructions in every dump of one run (``totals:`` of each file)."""
    total = 0
    for path in out.parent.glob(out.name + "*"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("totals:"):
                total += int(line.split()[1])
    return total


def _control(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], capture_output=True, check=True)


def measure(
    bench: Bench, name: str, app: str, root: Path, endpoint: Endpoint, seconds: int
) -> Measured:
    port = free_port()
    out = bench.cfg.out / f"callgrind.{name}.{endpoint.name}.{port}"
    env = dict(bench.env, PYTHONPATH=str(root), CLIENTBOOK_IDENTITY_CACHE_SECONDS="300")
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    argv += [str(BIN / "python"), *UVICORN, "--port", str(port), app]
    with (bench.cfg.out / f"{name}-callgrind-{port}.log").open("wb") as sink:
        proc = subprocess.Popen(argv, env=env, cwd=root, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while True:
            with contextlib.suppress(OSError):
                if request(port, "GET", "/health", timeout=5)[0] == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start under valgrind (see {sink.name})")
            time.sleep(1)
        token = None
        if name != "baseline":
            assert LOGIN.body is not None
            status, raw = request(port, "POST", LOGIN.path(bench.seed), LOGIN.body(bench.seed))
            if status != 200:
                raise RuntimeError(f"{name}: login failed ({status})")
            token = json.loads(raw)["access_token"]
        load = Load(bench.cfg, bench.seed)
        load.run(port, endpoint, token, 5, cpus=None)  # warm-up, not counted
        _control(proc.pid, "-i", "on")
        result = load.run(port, endpoint, token, seconds, cpus=None)
        _control(proc.pid, "-i", "off")
        _control(proc.pid, "-d")
        if result.failed:
            raise RuntimeError(f"{name} {endpoint.name}: {result.errors}")
        return Measured(name, endpoint.name, result.requests, _totals(out))
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(60)
        if proc.poll() is None:
            proc.kill()
        for path in out.parent.glob(out.name + "*"):
            path.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--endpoints", default="client_get,meeting_create,users_me")
    parser.add_argument("--seconds", type=int, default=15, help="counted load per server")
    parser.add_argument("--candidate-root", type=Path, help="also count this source tree")
    args = parser.parse_args(argv)
    for tool in ("valgrind", "callgrind_control", "wrk"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is missing (Debian packages: valgrind, wrk)")
    chosen = [e for e in ENDPOINTS if e.name in args.endpoints.split(",")]
    cfg = parse_args(["--out", str(BENCH / "out"), "--no-login"])
    cfg.out.mkdir(parents=True, exist_ok=True)
    bench = Bench(cfg)
    servers = [("clientbook", "entrypoints.http.app:create_app", ROOT)]
    if args.candidate_root:
        servers.append(("candidate", "entrypoints.http.app:create_app", args.candidate_root))
    servers.append(("baseline", "bench.baseline_app:create_app", ROOT))
    results: list[Measured] = []
    try:
        bench.prepare()
        for endpoint in chosen:
            with ThreadPoolExecutor(len(servers)) as pool:
                jobs = [
                    pool.submit(measure, bench, name, app, root, endpoint, args.seconds)
                    for name, app, root in servers
                ]
                for job in jobs:
                    found = job.result()
                    results.append(found)
                    log(
                        f"{found.server:<10} {endpoint.name:<15} {found.per_request:>10,} instr/req"
                    )
            if endpoint.write:
                bench.pg.delete_bench_meetings()
    finally:
        with contextlib.suppress(Exception):
            bench.pg.drop()
    by = {(m.server, m.endpoint): m.per_request for m in results}
    names = [name for name, _, _ in servers]
    lines = [
        "| endpoint | " + " | ".join(f"{n} instr/req" for n in names) + " | clientbook ÷ baseline |"
    ]
    lines.append("|---|" + "--:|" * (len(names) + 1))
    for endpoint in chosen:
        row = [f"{by[(n, endpoint.name)]:,}" for n in names]
        ratio = by[("clientbook", endpoint.name)] / by[("baseline", endpoint.name)]
        lines.append(f"| `{endpoint.label}` | " + " | ".join(row) + f" | {ratio:.3f} |")
    report = "\n".join(lines) + "\n"
    (cfg.out / "instructions.json").write_text(
        json.dumps([m.__dict__ | {"per_request": m.per_request} for m in results], indent=2)
    )
    print(report)
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
