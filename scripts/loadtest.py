"""Load and fault tests for Newsroom on its production stack.

Starts a throwaway PostgreSQL cluster on a spare port (pg_createcluster, so restarts are
`pg_ctlcluster … restart` exactly as on a server), generates an archive of N explainers, starts
gunicorn with production settings on a spare port, and runs wrk (installed with apt-get if
missing) against these targets:

  ok          /_bench/ok/: the bare stack (NEWSROOM_BENCHMARK_VIEWS, never set in production)
  static      /_bench/static/: a page the size of an explainer page, rendered without the database
  explainer   a rotation of explainer pages, each rendered afresh (page cache skipped)
  cached      the same rotation served from the page cache (warmed first)
  api-detail  /api/v1/explainers/<slug>/ over the same stories, with a partner key
  api-list    /api/v1/explainers/ (the first page), with a partner key
  quotes      /api/v1/quotes/ (the first page), with a partner key
  mixed       a rotation of explainer, topic, fact and API URLs, page cache on as in production

The targets are measured interleaved: each gets --duration seconds in all, in --rounds short
turns taken in rotation, so a noisy moment on the machine falls on every target alike. For each
it prints requests/s, p50, p99, non-2xx and socket errors, and the CPU time per request spent by
gunicorn (master and workers) and by the cluster's PostgreSQL processes, read from /proc before
and after every turn; then the ratios the site is held to, each with its goal.

  --compare-archive M   grows the same database to M explainers and measures the explainer page,
                        API detail and API list again: p50 at M / p50 at N (goal at most 1.1)
  --peer NAME=URL,...   measures any other server's URLs in the same rotation (see --help)
  --varnish             also measures the explainer pages through Varnish (the project's VCL,
                        xkey) in front of the same gunicorn, in the same rotation: "varnish"
  --replica             also starts a streaming standby of the cluster (pg_basebackup) and a
                        second gunicorn reading from it (DATABASE_REPLICA_URLS), and measures
                        its uncached pages and API details in the same rotation
  --recycling           cached-page load under several gunicorn max_requests settings, with
                        worker restarts and p99 every few seconds
  --faults              restarts PostgreSQL in the middle of a mixed run while a write probe
                        saves through the admin, and kills one gunicorn worker under load

    scripts/loadtest --explainers 1000 --duration 60 --connections 64 [--faults]
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_VERSION = "15"
CLUSTER = "newsroom_loadtest"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def spare_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit(f"no spare port from {start}")


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, **kwargs)


def ensure_wrk() -> str:
    if shutil.which("wrk") is None:
        log("wrk is missing: installing the Debian package")
        run(["apt-get", "update", "-qq"])
        run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return shutil.which("wrk")


# --- PostgreSQL -----------------------------------------------------------------------------


class Postgres:
    """A cluster of our own: restarting it cannot disturb anyone else's database."""

    def __init__(self, port: int):
        self.port = port
        self.data_directory = None

    def start(self) -> None:
        self.drop()
        run(
            ["pg_createcluster", PG_VERSION, CLUSTER, "-p", str(self.port), "--", "--auth=trust"],
            stdout=subprocess.DEVNULL,
        )
        conf = Path(f"/etc/postgresql/{PG_VERSION}/{CLUSTER}/conf.d/loadtest.conf")
        conf.write_text(
            "max_connections = 300\nshared_buffers = 256MB\nlisten_addresses = '127.0.0.1'\n"
        )
        run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, CLUSTER, "start"])
        self.wait_ready()
        self.data_directory = Path(self.psql("SHOW data_directory"))

    def postmaster_pid(self) -> int | None:
        """The cluster's postmaster: every backend serving the site is one of its children."""
        try:
            return int((self.data_directory / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError, TypeError):
            return None

    def restart(self) -> None:
        run(
            [
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                PG_VERSION,
                CLUSTER,
                "restart",
                "-m",
                "fast",
            ]
        )

    def ready(self) -> bool:
        return (
            subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode
            == 0
        )

    def wait_ready(self, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while not self.ready():
            if time.monotonic() > deadline:
                raise SystemExit("PostgreSQL did not come up")
            time.sleep(0.05)
        return time.monotonic()

    def psql(self, sql: str, db: str = "postgres") -> str:
        return run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-tAc",
                sql,
            ],
            capture_output=True,
        ).stdout.strip()

    def drop(self) -> None:
        if Path(f"/etc/postgresql/{PG_VERSION}/{CLUSTER}").exists():
            subprocess.run(
                ["pg_dropcluster", "--stop", PG_VERSION, CLUSTER], stderr=subprocess.DEVNULL
            )


# --- The app server ---------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict, port: int, workers: int):
        self.env, self.port, self.workers = env, port, workers
        self.process = None
        self.log = None
        self.log_path = Path(self.env["NEWSROOM_VAR_DIR"]) / "gunicorn.log"

    def manage(self, *args, capture=False) -> str:
        result = run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=capture,
            stdout=None if capture else subprocess.DEVNULL,
        )
        return result.stdout if capture else ""

    def start(self, **extra_env: str) -> None:
        """Start gunicorn; ``extra_env`` overrides gunicorn.conf.py's settings for this start."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={
                **self.env,
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": str(self.workers),
                **extra_env,
            },
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if get(self.port, "/healthz/")[0] == 200 and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz/")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.log is not None:
            self.log.close()
            self.log = None


class Varnish:
    """varnishd (Debian's varnish and varnish-modules) with the project's VCL in front of
    gunicorn: ``python -m newsroom.varnish`` fills in the backend."""

    def __init__(self, port: int, backend_port: int, workdir: Path):
        self.port, self.backend_port, self.workdir = port, backend_port, workdir
        self.process = None

    def start(self) -> None:
        binary = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin")
        if binary is None:
            run(["apt-get", "install", "-y", "-q", "varnish", "varnish-modules"])
            binary = shutil.which("varnishd", path="/usr/sbin:/usr/bin")
        config = self.workdir / "newsroom.vcl"
        config.write_text(
            run(
                [PY, "-m", "newsroom.varnish"],
                cwd=ROOT,
                capture_output=True,
                env={**os.environ, "NEWSROOM_VARNISH_BACKEND": f"127.0.0.1:{self.backend_port}"},
            ).stdout
        )
        self.log = open(self.workdir / "varnishd.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [binary, "-F", "-j", "none", "-T", "none", "-n", str(self.workdir / "varnish")]
            + ["-a", f"127.0.0.1:{self.port}", "-f", str(config), "-s", "malloc,512m"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("varnishd did not start; see varnishd.log")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.log.close()


class Standby:
    """A streaming standby of the load test's cluster (``pg_basebackup -R``) on its own port,
    run as the postgres user, with its own minimal configuration."""

    BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")

    def __init__(self, primary: Postgres, port: int):
        self.primary, self.port = primary, port
        self.root = Path(tempfile.mkdtemp(prefix="newsroom-standby-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"

    def as_postgres(self, *args) -> None:
        run(
            [str(self.BIN / args[0]), *args[1:]], user="postgres", group="postgres", extra_groups=[]
        )

    def start(self) -> None:
        self.as_postgres(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        (self.data / "postgresql.conf").write_text(
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\nmax_connections = 300\n"
            "shared_buffers = 256MB\nhot_standby = on\n"
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        for name in ("postgresql.conf", "pg_hba.conf"):
            shutil.chown(self.data / name, "postgres", "postgres")
        self.as_postgres(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "start"
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/newsroom_load"

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        if self.postmaster_pid():
            subprocess.run(
                [str(self.BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                user="postgres",
                capture_output=True,
            )
        shutil.rmtree(self.root, ignore_errors=True)


HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def get(port: int, path: str, headers=None, timeout: float = 5) -> tuple[int, bytes]:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path, headers={**HEADERS, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""


def get_url(url: str, timeout: float = 10) -> tuple[int, bytes]:
    """GET an absolute URL as wrk sends it (no proxy headers), without following redirects."""
    parts = urllib.parse.urlsplit(url)
    connection = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    try:
        conn = connection(parts.hostname, parts.port, timeout=timeout)
        conn.request("GET", urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, "")))
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""


# --- CPU time from /proc ------------------------------------------------------------------------


def process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, CPU ticks): utime + stime of the process, plus cutime + cstime, the
    time of its children that have exited and been reaped (a recycled gunicorn worker's, a closed
    PostgreSQL backend's), so the sum over a process tree keeps counting them after they go."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()  # the name may hold spaces and brackets
        table[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    return table


def tree_ticks(roots: list[int], table: dict[int, tuple[int, int]]) -> int:
    children = defaultdict(list)
    for pid, (ppid, _) in table.items():
        children[ppid].append(pid)
    total, seen, stack = 0, set(), [pid for pid in roots if pid in table]
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.add(pid)
            total += table[pid][1]
            stack.extend(children[pid])
    return total


@dataclass
class CpuMeter:
    """CPU ticks of named process trees (``group -> callable giving the trees' root pids``)."""

    groups: dict[str, Callable[[], list[int]]]

    def read(self) -> dict[str, int]:
        table = process_table()
        return {
            name: tree_ticks([p for p in roots() if p], table)
            for name, roots in self.groups.items()
        }

    def wait_idle(self, timeout: float = 300) -> None:
        """Until the processes measured (but a shared Redis) spend at most one tick in 0.3 s."""

        def busy() -> int:
            return sum(ticks for group, ticks in self.read().items() if group != "redis")

        deadline = time.monotonic() + timeout
        last = busy()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = busy()
            if now - last <= 1:
                return
            last = now


def redis_pid(url: str) -> int | None:
    """The Redis server's pid when it runs on this machine (its CPU is shown apart: it is shared)."""
    if not shutil.which("redis-cli"):
        return None
    out = subprocess.run(["redis-cli", "-u", url, "INFO", "server"], capture_output=True, text=True)
    found = re.search(r"^process_id:(\d+)", out.stdout, re.M)
    return int(found.group(1)) if found and Path(f"/proc/{found.group(1)}").exists() else None


# --- wrk --------------------------------------------------------------------------------------

# Percentiles each wrk run reports; turns are merged by weighting each percentile's value with
# the requests between it and the one before (exact for a single turn, to 0.1 % near p99).
GRID = (
    [n / 2 for n in range(1, 199)]
    + [99 + n / 10 for n in range(1, 10)]
    + [99.9 + n / 100 for n in range(1, 10)]
    + [100]
)

LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local fixed = {%(headers)s}
local api_key = "%(api_key)s"
local grid = {%(grid)s}
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter * 7919 + math.random(1, #paths)) %% #paths + 1]
  local headers = {}
  for k, v in pairs(fixed) do headers[k] = v end
  if api_key ~= "" and string.sub(path, 1, 5) == "/api/" then headers["X-Api-Key"] = api_key end
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  local q = {}
  for _, p in ipairs(grid) do
    local v = p < 100 and latency:percentile(p) or latency.max
    q[#q + 1] = string.format("[%%g, %%d]", p, v)
  end
  io.write(string.format(
    "WRKJSON {\"requests\": %%d, \"seconds\": %%.3f, \"non_2xx\": %%d, \"socket_errors\": %%d, " ..
    "\"connect\": %%d, \"read\": %%d, \"write\": %%d, \"timeout\": %%d, \"quantiles\": [%%s]}\n",
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout, table.concat(q, ", ")))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal for these values


def wrk_script(workdir: Path, paths: list[str], headers: dict, api_key: str = "") -> Path:
    """A wrk script sending ``paths`` in rotation with ``headers`` (and the partner key on
    /api/ paths)."""
    name = secrets.token_hex(4)
    paths_file = workdir / f"paths-{name}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = workdir / f"rotation-{name}.lua"
    script.write_text(
        LUA
        % {
            "paths": paths_file,
            "headers": ", ".join(
                f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()
            ),
            "api_key": api_key,
            "grid": ", ".join(f"{p:g}" for p in GRID),
        }
    )
    return script


def wrk_run(wrk_bin, base_url: str, script: Path, *, seconds: int, connections: int) -> dict:
    out = run(
        [
            wrk_bin,
            "-t",
            str(min(2, connections)),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base_url,
        ],
        capture_output=True,
    ).stdout
    return json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])


@dataclass
class Tally:
    """wrk turns of one target added up, with the CPU ticks each process group spent in them."""

    requests: int = 0
    seconds: float = 0.0
    non_2xx: int = 0
    errors: dict = field(
        default_factory=lambda: {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    )
    points: list = field(default_factory=list)  # (latency ms, weight in requests)
    ticks: dict = field(default_factory=lambda: defaultdict(int))
    turns: int = 0

    def add(self, result: dict, ticks: dict[str, int] | None = None) -> None:
        self.turns += 1
        self.requests += result["requests"]
        self.seconds += result["seconds"]
        self.non_2xx += result["non_2xx"]
        for kind in self.errors:
            self.errors[kind] += result[kind]
        previous = 0.0
        for p, microseconds in result["quantiles"]:
            self.points.append((microseconds / 1000, (p - previous) / 100 * result["requests"]))
            previous = p
        for group, spent in (ticks or {}).items():
            self.ticks[group] += spent

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.values())

    def percentile(self, p: float) -> float:
        points = sorted(self.points)
        total = sum(weight for _, weight in points)
        reached = 0.0
        for value, weight in points:
            reached += weight
            if reached >= p / 100 * total - 1e-9:
                return value
        return points[-1][0] if points else 0.0

    def cpu_ms(self, *groups: str) -> float | None:
        """CPU milliseconds per request spent by ``groups`` (None when not measured)."""
        if not self.requests or not any(group in self.ticks for group in groups):
            return None
        return (
            sum(self.ticks.get(group, 0) for group in groups) * 1000 / CLOCK_TICKS / self.requests
        )

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": self.percentile(50),
            "p99_ms": self.percentile(99),
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            **self.errors,
            "cpu_ms_per_request": {
                group: round(self.cpu_ms(group), 3) for group in self.ticks if self.requests
            },
        }


@dataclass
class Target:
    """URLs measured together: a rotation of ``paths`` on ``base_url``."""

    name: str
    paths: list[str]
    base_url: str
    headers: dict = field(default_factory=dict)
    api_key: str = ""
    cpu: CpuMeter | None = None
    compare: str | None = None  # for a peer: the Newsroom target it is compared with
    script: Path | None = None
    tally: Tally = field(default_factory=Tally)

    def measure(self, wrk_bin, workdir: Path, *, seconds: int, connections: int) -> dict:
        if self.script is None:
            self.script = wrk_script(workdir, self.paths, self.headers, self.api_key)
        before = self.cpu.read() if self.cpu else None
        result = wrk_run(
            wrk_bin, self.base_url, self.script, seconds=seconds, connections=connections
        )
        if self.cpu:
            after = self.cpu.read()
            ticks = {group: after[group] - before[group] for group in after}
            # Requests wrk abandoned at the end (in the workers, or queued in the listen socket)
            # are still served: let the server finish them before the next target's turn, or
            # they would count against its latency and CPU.
            self.cpu.wait_idle()
        else:
            ticks = None
            time.sleep(1)
        self.tally.add(result, ticks)
        return result


def rotate(targets: list[Target], wrk_bin, workdir, *, rounds: int, seconds: int, connections: int):
    """Every target ``rounds`` times, ``seconds`` a turn, the order shifted by one every round so
    that no target always follows the same one."""
    for n in range(rounds):
        order = targets[n % len(targets) :] + targets[: n % len(targets)]
        line = []
        for target in order:
            result = target.measure(wrk_bin, workdir, seconds=seconds, connections=connections)
            line.append(f"{target.name} {result['requests'] / result['seconds']:.0f}")
        log(f"round {n + 1}/{rounds} (req/s): " + ", ".join(line))


def fmt(value: float | None, width: int, digits: int = 2) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


def show_table(targets: list[Target]) -> None:
    print(
        f"  {'target':<14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}   "
        f"{'CPU ms/req: app':>15} {'db':>6} {'total':>6} {'redis':>6}   "
        f"{'requests':>9} {'non-2xx':>8} {'errors':>7}"
    )
    for target in targets:
        t = target.tally
        peer = "app" not in t.ticks
        print(
            f"  {target.name:<14} {t.rps:>9.1f} {t.percentile(50):>8.2f} {t.percentile(99):>8.2f}   "
            f"{fmt(None if peer else t.cpu_ms('app'), 15)} {fmt(None if peer else t.cpu_ms('db'), 6)} "
            f"{fmt(t.cpu_ms(*t.ticks) if peer else t.cpu_ms('app', 'db'), 6)} "
            f"{fmt(t.cpu_ms('redis'), 6)}   {t.requests:>9} {t.non_2xx:>8} {t.socket_errors:>7}",
            flush=True,
        )


def show(name: str, r: dict) -> None:
    """One wrk run (the fault tests)."""
    t = Tally()
    t.add(r)
    print(
        f"  {name:<10} {t.rps:>9.1f} req/s   p50 {t.percentile(50):>7.2f} ms   "
        f"p99 {t.percentile(99):>8.2f} ms   non-2xx {r['non_2xx']:>5}   "
        f"socket errors {r['socket_errors']:>4} (connect {r['connect']}, read {r['read']}, "
        f"write {r['write']}, timeout {r['timeout']})",
        flush=True,
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


# --- Write probe --------------------------------------------------------------------------------


class WriteProbe(threading.Thread):
    """An editor saving topics through the admin, once every ``interval`` seconds; it records the
    saves the server acknowledged (302 after the add form) so they can all be checked later."""

    def __init__(self, port: int, username: str, password: str, interval: float = 0.05):
        super().__init__(daemon=True)
        self.port, self.interval = port, interval
        self.cookies: dict[str, str] = {}
        self.acknowledged: list[str] = []
        self.failed = 0
        self.stopping = threading.Event()
        self.login(username, password)

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        origin = f"https://127.0.0.1:{self.port}"
        headers = {
            **HEADERS,
            "Host": f"127.0.0.1:{self.port}",
            "Origin": origin,
            "Referer": origin + path,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.read().decode(errors="replace")

    def csrf(self, path) -> str:
        _status, html = self.request("GET", path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def login(self, username, password):
        token = self.csrf("/admin/login/")
        status, _ = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        assert status == 302, f"probe login failed: {status}"

    def run(self):
        n = 0
        while not self.stopping.is_set():
            n += 1
            slug = f"probe-{n}-{secrets.token_hex(3)}"
            try:
                status, _ = self.request(
                    "POST",
                    "/admin/explainers/topic/add/",
                    {
                        "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
                        "name": f"Probe {slug}",
                        "slug": slug,
                        "description": "write probe",
                    },
                )
                if status == 302:
                    self.acknowledged.append(slug)
                else:
                    self.failed += 1
            except OSError:
                self.failed += 1
            time.sleep(self.interval)


# --- Peers: other servers measured in the same rotation ------------------------------------------


def parse_peer(spec: str) -> Target:
    """``NAME[:TARGET]=URL[,URL...]``: the URLs (one scheme, host and port) are sent in rotation
    and the peer is compared with Newsroom's TARGET (default: explainer)."""
    name, sep, urls = spec.strip().partition("=")
    name, _, compare = name.strip().partition(":")
    urls = [url for url in re.split(r"[,\s]+", urls) if url]
    if not sep or not name or not urls:
        raise SystemExit(f"--peer {spec!r}: expected NAME[:TARGET]=URL[,URL...]")
    parts = [urllib.parse.urlsplit(url) for url in urls]
    bases = {(p.scheme, p.netloc) for p in parts}
    if len(bases) != 1 or not all(p.scheme in ("http", "https") and p.netloc for p in parts):
        raise SystemExit(
            f"--peer {name}: give absolute http(s) URLs on one host and port "
            "(a second server is a second --peer)"
        )
    scheme, netloc = bases.pop()
    return Target(
        name=name,
        paths=[urllib.parse.urlunsplit(("", "", p.path or "/", p.query, "")) for p in parts],
        base_url=f"{scheme}://{netloc}",
        compare=compare or "explainer",
    )


def load_peers(args) -> list[Target]:
    specs = list(args.peer)
    for file in args.peer_file:
        for line in Path(file).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                specs.append(line)
    peers = [parse_peer(spec) for spec in specs]
    by_name = {peer.name: peer for peer in peers}
    for spec in args.peer_pids:
        name, _, pids = spec.partition("=")
        if name not in by_name or not pids:
            raise SystemExit(f"--peer-pids {spec!r}: expected NAME=PID[,PID...] for a --peer NAME")
        roots = [int(pid) for pid in pids.split(",")]
        by_name[name].cpu = CpuMeter({"peer": lambda roots=roots: roots})
    return peers


def check_peer(peer: Target) -> None:
    for path in peer.paths[:: max(1, len(peer.paths) // 20)]:
        status, body = get_url(peer.base_url + path)
        if not 200 <= status < 300:
            raise SystemExit(
                f"peer {peer.name}: {peer.base_url}{path} answered {status or 'nothing'} "
                f"{body[:200]!r}; only URLs answering 2xx are worth measuring"
            )


# --- Main ---------------------------------------------------------------------------------------

# max_requests/max_requests_jitter settings compared by --recycling.
RECYCLING_SETTINGS = "10000/1000,10000/5000,200000/100000,0/0"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--explainers", type=int, default=1000)
    parser.add_argument(
        "--duration", type=int, default=60, help="seconds of load per target, over all rounds"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="turns per target, taken in rotation (default 5)"
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--sample", type=int, default=2000, help="stories in the rotations (default 2000)"
    )
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument(
        "--compare-archive",
        type=int,
        metavar="M",
        help="then grow the archive to M explainers and compare p50 at M with p50 at N",
    )
    parser.add_argument(
        "--peer",
        action="append",
        default=[],
        metavar="NAME[:TARGET]=URL[,URL...]",
        help="another server's URLs, measured in the same rotation and compared with Newsroom's "
        "TARGET (default explainer); repeatable",
    )
    parser.add_argument(
        "--peer-file",
        action="append",
        default=[],
        metavar="FILE",
        help="peers, one a line in --peer's format (URLs may be separated by spaces); # comments",
    )
    parser.add_argument(
        "--peer-pids",
        action="append",
        default=[],
        metavar="NAME=PID[,PID...]",
        help="processes whose CPU (with all their descendants) a peer's requests cost",
    )
    parser.add_argument(
        "--recycling",
        nargs="?",
        const=RECYCLING_SETTINGS,
        metavar="MAX/JITTER,...",
        help="cached-page load under each gunicorn max_requests/max_requests_jitter setting, "
        "with worker restarts and p99 every few seconds (default %(const)s)",
    )
    parser.add_argument(
        "--recycling-seconds", type=int, default=60, help="seconds of load per setting"
    )
    parser.add_argument(
        "--varnish", action="store_true", help="also measure the pages through Varnish"
    )
    parser.add_argument(
        "--replica",
        action="store_true",
        help="also measure a second gunicorn reading a streaming standby of the cluster",
    )
    parser.add_argument(
        "--faults", action="store_true", help="also run the PostgreSQL restart and worker kill"
    )
    parser.add_argument("--only-faults", action="store_true", help="skip the throughput runs")
    parser.add_argument(
        "--only-recycling", action="store_true", help="skip the throughput runs: --recycling only"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
    args = parser.parse_args()
    if args.only_recycling and not args.recycling:
        args.recycling = RECYCLING_SETTINGS
    if args.compare_archive is not None and args.compare_archive <= args.explainers:
        parser.error("--compare-archive must be larger than --explainers")
    peers = load_peers(args)
    for peer in peers:
        check_peer(peer)
    rounds = max(1, args.rounds)
    turn = max(1, round(args.duration / rounds))

    wrk_bin = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-loadtest-"))
    pg = Postgres(spare_port(5544))
    log(f"PostgreSQL cluster {CLUSTER} on port {pg.port}")
    pg.start()
    pg.psql("CREATE DATABASE newsroom_load")
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "NEWSROOM_", "DATABASE_URL", "GUNICORN_"))
        },
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg.port}/newsroom_load",
        "DJANGO_PRODUCTION": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",  # wrk plays the TLS-terminating proxy
        "NEWSROOM_BENCHMARK_VIEWS": "1",
        # The partner key's default rate (keys created without --rate): no 429s under load.
        "NEWSROOM_API_RATE_PER_MINUTE": "100000000",
        # Cached pages must still be cached in the last round of a long run.
        "NEWSROOM_PAGE_CACHE_SECONDS": "86400",
        "NEWSROOM_VAR_DIR": str(workdir / "var"),
    }
    redis_ok = (
        subprocess.run(
            ["redis-cli", "-u", args.redis_url, "FLUSHDB"], capture_output=True
        ).returncode
        == 0
        if shutil.which("redis-cli")
        else False
    )
    if redis_ok or not shutil.which("redis-cli"):
        env["REDIS_URL"] = args.redis_url
    server = Server(env, spare_port(8700), args.workers)
    varnish = Varnish(spare_port(6181), server.port, workdir) if args.varnish else None
    standby = replica_server = None
    failed = []
    try:
        server.manage("migrate", "--noinput", "-v", "0")
        server.manage("collectstatic", "--noinput", "-v", "0")
        started = time.monotonic()
        log(server.manage("generate_archive", str(args.explainers), capture=True).strip())
        log(f"archive ready in {time.monotonic() - started:.1f} s; ANALYZE")
        pg.psql("VACUUM ANALYZE", db="newsroom_load")
        api_key = server.manage(
            "create_partner_key", "--name", "loadtest", "--print", capture=True
        ).strip()
        password = secrets.token_urlsafe(16)
        server.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_superuser('probe', 'probe@example.org', '{password}')",
        )
        if varnish:
            varnish.start()
            log(f"varnishd on port {varnish.port} in front of gunicorn")
        # With Varnish in front, the app lets it keep pages a day (purges keep them exact).
        server.start(
            **({"NEWSROOM_VARNISH_URLS": f"http://127.0.0.1:{varnish.port}"} if varnish else {})
        )
        if args.replica:
            standby = Standby(pg, spare_port(5644))
            standby.start()
            replica_server = Server(
                {
                    **env,
                    "DATABASE_REPLICA_URLS": standby.url,  # same static files and log
                },
                spare_port(8800),
                args.workers,
            )
            replica_server.start()
            log(
                f"standby on port {standby.port}; gunicorn reading it on port {replica_server.port}"
            )
        log(
            f"gunicorn on port {server.port} with {args.workers} workers (REDIS_URL={env.get('REDIS_URL', 'unset')})"
        )
        groups = {
            "app": lambda: [server.process.pid],
            "db": lambda: [pg.postmaster_pid()],
        }
        shared_redis = redis_pid(args.redis_url) if "REDIS_URL" in env else None
        if shared_redis:
            groups["redis"] = lambda: [shared_redis]
        cpu = CpuMeter(groups)

        site = Site(server, api_key, cpu, args.explainers, args.sample)
        for path in site.mixed[::17] + ["/_bench/ok/"]:
            status, _ = get(
                server.port, path, {"X-Api-Key": api_key} if path.startswith("/api/") else None
            )
            assert status == 200, f"{path} answered {status} before the run"
        log(
            f"explainer page {site.page_bytes} bytes; static floor page "
            f"{len(get(server.port, site.static_path)[1])} bytes"
        )

        if not (args.only_faults or args.only_recycling):
            targets = site.targets()
            extra = extra_targets(site, pg, server, varnish, standby, replica_server)
            for target in targets:
                site.check(target)
            site.warm()
            try:
                warm_extra(extra)
            except SystemExit:
                for logged in (server, replica_server):
                    if logged is not None and logged.log_path.exists():
                        print(logged.log_path.read_text()[-6000:], file=sys.stderr)
                raise
            targets += extra
            log(
                f"{len(targets) + len(peers)} targets, {rounds} rounds of {turn} s each, "
                f"{args.connections} connections"
            )
            rotate(
                targets + peers,
                wrk_bin,
                workdir,
                rounds=rounds,
                seconds=turn,
                connections=args.connections,
            )
            print(
                f"\nResults: {args.explainers} explainers, {rounds} × {turn} s per target "
                f"(interleaved), {args.connections} connections, {args.workers} gunicorn "
                f"workers, {os.cpu_count()} cores; CPU: app = gunicorn, db = the cluster's "
                f"PostgreSQL processes, total = app + db (redis: the shared server, not in total)"
            )
            show_table(targets + peers)
            by_name = {target.name: target.tally for target in targets}
            show_goals(by_name)
            show_extra(by_name)
            if peers:
                show_peers(peers, by_name)
            failed += check_errors(targets + peers)
            results = {
                "explainers": args.explainers,
                **{target.name: target.tally.summary() for target in targets + peers},
            }
            print("WRKRESULTS " + json.dumps(results), flush=True)

            if args.compare_archive:
                failed += compare_archive(
                    pg, server, site, by_name, wrk_bin, workdir, args, rounds=rounds, turn=turn
                )

        if args.recycling:
            recycling_test(server, site, wrk_bin, workdir, args)

        if args.faults or args.only_faults:
            fault_tests(pg, server, wrk_bin, site.mixed, api_key, password, workdir, args)
    finally:
        server.stop()
        for extra_process in (replica_server, standby, varnish):
            if extra_process is not None:
                extra_process.stop()
        if not args.keep:
            pg.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        print("\nFAILED: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


class Site:
    """The URLs of the generated archive, and the targets made of them."""

    def __init__(self, server: Server, api_key: str, cpu: CpuMeter, explainers: int, sample: int):
        self.server, self.api_key, self.cpu = server, api_key, cpu
        self.sample_size = sample
        self.base_url = f"http://127.0.0.1:{server.port}"
        self.sample(explainers)
        slugs = self.slugs
        self.mixed = (
            self.explainer_paths[:1000]
            + [f"/topics/archive-topic-{n}/" for n in range(20)] * 5
            + [
                f"/facts/{kind}/archive-{kind[:-1] if kind != 'statistics' else 'statistic'}-{n}/"
                for kind in ("quotes", "statistics", "claims")
                for n in range(0, 200, 2)
            ]
            + [f"/api/v1/explainers/{slug}/" for slug in slugs[:300]]
            + [f"/api/v1/statistics/archive-statistic-{n}/" for n in range(0, 200, 4)]
        )
        self.page_bytes = len(get(server.port, self.explainer_paths[0])[1])
        self.static_path = f"/_bench/static/?bytes={self.page_bytes}"

    def sample(self, explainers: int) -> None:
        """``--sample`` stories (or all) drawn from the whole archive."""
        rng = random.Random(explainers)
        size = min(explainers, self.sample_size)
        self.slugs = [f"archive-{n}" for n in rng.sample(range(explainers), size)]
        self.explainer_paths = [f"/explainers/{slug}/" for slug in self.slugs]

    def target(self, name: str, paths: list[str], *, uncached: bool = False) -> Target:
        headers = {"X-Forwarded-Proto": "https"}
        if uncached:  # honoured only with NEWSROOM_BENCHMARK_VIEWS
            headers["X-Bench-Page-Cache"] = "off"
        return Target(name, paths, self.base_url, headers, self.api_key, self.cpu)

    def targets(self, names=None) -> list[Target]:
        every = {
            "ok": lambda: self.target("ok", ["/_bench/ok/"]),
            "static": lambda: self.target("static", [self.static_path]),
            "explainer": lambda: self.target("explainer", self.explainer_paths, uncached=True),
            "cached": lambda: self.target("cached", self.explainer_paths),
            "api-detail": lambda: self.target(
                "api-detail", [f"/api/v1/explainers/{slug}/" for slug in self.slugs], uncached=True
            ),
            "api-list": lambda: self.target("api-list", ["/api/v1/explainers/"], uncached=True),
            "quotes": lambda: self.target("quotes", ["/api/v1/quotes/"], uncached=True),
            "mixed": lambda: self.target("mixed", self.mixed),
        }
        return [every[name]() for name in (names or every)]

    def check(self, target: Target) -> None:
        """Every URL sampled must answer 200 (an API answer: JSON) before the run: a load test
        of error pages or 429s measures nothing."""
        for path in target.paths[:: max(1, len(target.paths) // 20)]:
            headers = {**target.headers}
            if path.startswith("/api/"):
                headers["X-Api-Key"] = self.api_key
            status, body = get(self.server.port, path, headers)
            if status != 200:
                raise SystemExit(f"{target.name}: {path} answered {status}: {body[:300]!r}")
            if path.startswith("/api/"):
                try:
                    json.loads(body)
                except ValueError as error:
                    raise SystemExit(
                        f"{target.name}: {path} is not JSON: {body[:300]!r}"
                    ) from error

    def warm(self, api: bool = True) -> None:
        """Every story sampled asked for once, as a page and from the API: the page cache is
        filled for `cached`, and whatever a story's first request prepares (its stored
        rendering) is ready, so every target measures the steady state."""
        paths = self.explainer_paths + (
            [f"/api/v1/explainers/{slug}/" for slug in self.slugs] if api else []
        )
        log(f"warming: {len(paths)} explainer pages" + (" and API details" if api else ""))
        started = time.monotonic()
        # With wrk's Host header: the page key includes the host.
        headers = {"Host": f"127.0.0.1:{self.server.port}", "X-Api-Key": self.api_key}
        with ThreadPoolExecutor(self.server.workers) as pool:
            statuses = list(
                pool.map(lambda path: get(self.server.port, path, headers, 60)[0], paths)
            )
        bad = len(paths) - statuses.count(200)
        log(f"warmed in {time.monotonic() - started:.1f} s" + (f"; {bad} not 200" if bad else ""))


def extra_targets(site, pg, server, varnish, standby, replica_server) -> list[Target]:
    """The story pages through Varnish; the uncached pages and API details of the gunicorn that
    reads the standby. Each with its own CPU groups: the table's "app" is the server answering."""
    found = []
    headers = {"X-Forwarded-Proto": "https"}
    if varnish:
        meter = CpuMeter(
            {
                "app": lambda: [server.process.pid],
                "db": lambda: [pg.postmaster_pid()],
                "varnish": lambda: [varnish.process.pid],
            }
        )
        found.append(
            Target(
                "varnish",
                site.explainer_paths,
                f"http://127.0.0.1:{varnish.port}",
                headers,
                "",
                meter,
            )
        )
    if replica_server:
        meter = CpuMeter(
            {
                "app": lambda: [replica_server.process.pid],
                "db": lambda: [pg.postmaster_pid()],
                "standby": lambda: [standby.postmaster_pid()],
            }
        )
        base = f"http://127.0.0.1:{replica_server.port}"
        uncached = {**headers, "X-Bench-Page-Cache": "off"}
        api = [f"/api/v1/explainers/{slug}/" for slug in site.slugs]
        found.append(
            Target("replica-page", site.explainer_paths, base, uncached, site.api_key, meter)
        )
        found.append(Target("replica-api", api, base, uncached, site.api_key, meter))
    return found


def warm_extra(targets: list[Target]) -> None:
    """Varnish filled with every page of the rotation (its misses go to gunicorn's page cache);
    the replica's server asked once for each URL."""
    for target in targets:
        port = int(target.base_url.rsplit(":", 1)[1])
        headers = {"X-Forwarded-Proto": "https", "X-Api-Key": target.api_key}
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(lambda path, p=port, h=headers: get(p, path, h, 60), target.paths)
            )
        statuses = [status for status, _ in answers]
        bad = [(status, body[:300]) for status, body in answers if status != 200]
        if bad:
            raise SystemExit(
                f"{target.name}: {len(bad)} of {len(statuses)} URLs not 200 while warming, "
                f"e.g. {bad[0]}"
            )
        log(f"{target.name} warmed: {len(statuses)} URLs")


def show_extra(by_name: dict[str, Tally]) -> None:
    if "varnish" in by_name:
        v = by_name["varnish"]
        line = f"\nBehind Varnish: {v.rps:.1f} req/s"
        for other, label in (
            ("cached", "Django's page cache"),
            ("explainer", "uncached"),
            ("ok", "bare view"),
        ):
            if other in by_name and by_name[other].rps:
                line += f"; {v.rps / by_name[other].rps:.2f}× {label} ({by_name[other].rps:.1f})"
        print(line)
        print(
            f"  CPU per request: varnish {fmt(v.cpu_ms('varnish'), 0)} ms, "
            f"gunicorn {fmt(v.cpu_ms('app'), 0)} ms, db {fmt(v.cpu_ms('db'), 0)} ms"
        )
    for name, direct in (("replica-page", "explainer"), ("replica-api", "api-detail")):
        if name in by_name and direct in by_name and by_name[direct].rps:
            r, d = by_name[name], by_name[direct]
            print(
                f"With one replica, {name}: {r.rps:.1f} req/s = {r.rps / d.rps:.2f}× {direct} "
                f"on the primary ({d.rps:.1f}); CPU per request: app {fmt(r.cpu_ms('app'), 0)} ms, "
                f"primary {fmt(r.cpu_ms('db'), 0)} ms, standby {fmt(r.cpu_ms('standby'), 0)} ms "
                f"(direct: primary {fmt(d.cpu_ms('db'), 0)} ms)"
            )


GOALS = [
    # (target, floor, lowest share of the floor's req/s, highest CPU ms per request)
    ("explainer", "static", 0.5, 11.0),
    ("api-detail", "static", 0.5, 11.0),
    ("api-list", "static", 0.5, 11.0),
    ("quotes", "static", 0.5, 11.0),
    ("cached", "ok", 0.8, None),
]


def show_goals(by_name: dict[str, Tally]) -> None:
    """Goals missed are reported, not failures of the load test itself."""
    print("\nGoals (req/s against the floor measured in the same run; CPU = app + db):")
    for name, floor, share, cpu_limit in GOALS:
        if name not in by_name or floor not in by_name or not by_name[floor].rps:
            continue
        t = by_name[name]
        ratio = t.rps / by_name[floor].rps
        print(
            f"  {name + ' / ' + floor + ' req/s':<28} {ratio:>7.0%}      goal at least "
            f"{share:.0%}   {verdict(ratio >= share)}"
        )
        cpu = t.cpu_ms("app", "db")
        if cpu_limit is not None and cpu is not None:
            print(
                f"  {name + ' CPU per request':<28} {cpu:>7.2f} ms   goal at most "
                f"{cpu_limit:g} ms   {verdict(cpu <= cpu_limit)}"
            )


def show_peers(peers: list[Target], by_name: dict[str, Tally]) -> None:
    print("\nNewsroom / peer (same rotation):")
    for peer in peers:
        ours = by_name.get(peer.compare)
        if ours is None:
            print(f"  {peer.name}: no Newsroom target called {peer.compare!r}")
            continue
        line = (
            f"  {peer.compare} / {peer.name}: req/s {ours.rps / peer.tally.rps:.2f}×"
            if peer.tally.rps
            else ""
        )
        theirs, mine = peer.tally.cpu_ms(*peer.tally.ticks), ours.cpu_ms("app", "db")
        if theirs and mine:
            line += (
                f", CPU per request {mine / theirs:.2f}× ({mine:.2f} ms against {theirs:.2f} ms)"
            )
        p50 = peer.tally.percentile(50)
        if p50:
            line += f", p50 {ours.percentile(50) / p50:.2f}×"
        print(line)


def check_errors(targets: list[Target]) -> list[str]:
    """Non-2xx answers fail the run loudly for the site's own targets (an API key refused or
    throttled, a page erroring); socket errors are reported."""
    failed = []
    for target in targets:
        t = target.tally
        if t.non_2xx and target.compare is None:
            failed.append(f"{target.name}: {t.non_2xx} non-2xx answers of {t.requests}")
        if t.socket_errors:
            print(f"  warning: {target.name}: socket errors {t.errors}")
    for message in failed:
        print(f"  ERROR {message}", flush=True)
    return failed


def compare_archive(pg, server, site, small, wrk_bin, workdir, args, *, rounds, turn) -> list[str]:
    """Grow the archive (generate_archive appends) and measure the pages that must not slow
    down as the archive grows."""
    print()
    started = time.monotonic()
    log(
        f"growing the archive to {args.compare_archive} explainers: "
        + server.manage(
            "generate_archive", str(args.compare_archive - args.explainers), capture=True
        ).strip()
    )
    pg.psql("VACUUM ANALYZE", db="newsroom_load")
    log(f"archive grown and analysed in {time.monotonic() - started:.1f} s")
    site.sample(args.compare_archive)
    site.warm()
    targets = site.targets(["static", "explainer", "api-detail", "api-list"])
    for target in targets:
        site.check(target)
    rotate(targets, wrk_bin, workdir, rounds=rounds, seconds=turn, connections=args.connections)
    print(
        f"\nResults: {args.compare_archive} explainers (stories drawn from the whole archive), "
        f"{rounds} × {turn} s per target"
    )
    show_table(targets)
    print(f"\np50 at {args.compare_archive} explainers / p50 at {args.explainers}:")
    comparison = {}
    for target in targets:
        before, after = small[target.name].percentile(50), target.tally.percentile(50)
        ratio = after / before if before else float("inf")
        comparison[target.name] = {"p50_small_ms": before, "p50_large_ms": after, "ratio": ratio}
        goal = (
            f"goal at most 1.1×   {verdict(ratio <= 1.1)}"
            if target.name != "static"
            else "(no database: the machine's drift)"
        )
        print(
            f"  {target.name:<11} {before:>7.2f} ms -> {after:>7.2f} ms   {ratio:>5.2f}×   {goal}"
        )
    print(
        "COMPARERESULTS "
        + json.dumps(
            {
                "small": args.explainers,
                "large": args.compare_archive,
                "targets": {t.name: t.tally.summary() for t in targets},
                "p50": comparison,
            }
        ),
        flush=True,
    )
    return check_errors(targets)


# --- Worker recycling ---------------------------------------------------------------------------


class WorkerWatch(threading.Thread):
    """Notes every gunicorn worker pid seen, and when, so restarts can be counted per turn."""

    def __init__(self, server: Server, interval: float = 0.1):
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.first = set(self.pids())
        self.born: dict[int, float] = {}
        self.stopping = threading.Event()

    def pids(self) -> list[int]:
        master = self.server.process.pid
        try:
            return [
                int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()
            ]
        except OSError:
            return self.server.worker_pids()

    def run(self):
        while not self.stopping.is_set():
            for pid in self.pids():
                if pid not in self.first and pid not in self.born:
                    self.born[pid] = time.monotonic()
            self.stopping.wait(self.interval)

    def restarts_between(self, start: float, end: float) -> int:
        return sum(1 for at in self.born.values() if start <= at < end)


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(found.group(1)) if found else 0
    return total / 1024


def recycling_test(server: Server, site: Site, wrk_bin, workdir, args) -> None:
    """Cached pages (the highest request rate, so the soonest recycling) under each
    max_requests/jitter setting, in 5-second turns: worker restarts and p99 as they happen."""
    seconds, turn = args.recycling_seconds, 5
    settings = [setting.split("/") for setting in args.recycling.split(",")]
    site.warm(api=False)
    summary = []
    for max_requests, jitter in settings:
        server.stop()
        server.start(
            GUNICORN_MAX_REQUESTS=max_requests,
            GUNICORN_MAX_REQUESTS_JITTER=jitter,
            GUNICORN_LOG_LEVEL="info",
        )
        log_start = server.log_path.stat().st_size
        print(
            f"\nRecycling: max_requests {max_requests}, jitter {jitter}: cached pages, "
            f"{seconds} s at {args.connections} connections, {args.workers} workers"
        )
        target = site.targets(["cached"])[0]
        rss_start = rss_mb(server.worker_pids())
        watch = WorkerWatch(server)
        watch.start()
        worst = 0.0
        began = time.monotonic()
        for _ in range(max(1, seconds // turn)):
            start = time.monotonic()
            result = target.measure(wrk_bin, workdir, seconds=turn, connections=args.connections)
            one = Tally()
            one.add(result)
            restarts = watch.restarts_between(start, time.monotonic())
            worst = max(worst, one.percentile(99))
            print(
                f"  {start - began:>5.0f} s  {one.rps:>8.1f} req/s   p50 {one.percentile(50):>6.2f} ms"
                f"   p99 {one.percentile(99):>7.2f} ms   workers restarted {restarts}",
                flush=True,
            )
        watch.stopping.set()
        watch.join()
        with open(server.log_path, errors="replace") as f:
            f.seek(log_start)
            autorestarts = f.read().count("Autorestarting worker")
        t = target.tally
        summary.append(
            (
                f"{max_requests}/{jitter}",
                t,
                worst,
                len(watch.born),
                autorestarts,
                rss_start,
                rss_mb(server.worker_pids()),
            )
        )
    print(
        f"\nRecycling summary ({seconds} s of cached pages each; restarts = new worker pids seen, "
        "gunicorn's 'Autorestarting worker' lines in brackets):"
    )
    print(
        f"  {'max/jitter':<16} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'worst 5 s p99':>14} "
        f"{'restarts':>12} {'CPU ms/req':>11} {'workers RSS MB':>16}"
    )
    for setting, t, worst, restarts, logged, rss_before, rss_after in summary:
        print(
            f"  {setting:<16} {t.rps:>9.1f} {t.percentile(50):>8.2f} {t.percentile(99):>8.2f} "
            f"{worst:>14.2f} {restarts:>6} ({logged:>3}) {fmt(t.cpu_ms('app', 'db'), 11)} "
            f"{rss_before:>7.0f} -> {rss_after:<6.0f}",
            flush=True,
        )
    # Back to gunicorn.conf.py's own settings for whatever runs next.
    server.stop()
    server.start()


def wrk(wrk_bin, port, paths, *, seconds, connections, api_key, workdir) -> dict:
    """One wrk run over a rotation of ``paths`` with the page cache on (the fault tests)."""
    script = wrk_script(workdir, paths, {"X-Forwarded-Proto": "https"}, api_key)
    return wrk_run(
        wrk_bin, f"http://127.0.0.1:{port}", script, seconds=seconds, connections=connections
    )


def fault_tests(pg, server, wrk_bin, mixed, api_key, password, workdir, args) -> None:
    seconds = max(args.duration, 30)
    print(
        f"\nFault 1: PostgreSQL restarted {seconds // 3} s into a {seconds} s mixed run, with a write probe"
    )
    probe = WriteProbe(server.port, "probe", password)
    probe.start()
    box = {}
    runner = threading.Thread(
        target=lambda: box.update(
            r=wrk(
                wrk_bin,
                server.port,
                mixed,
                seconds=seconds,
                connections=args.connections,
                api_key=api_key,
                workdir=workdir,
            )
        )
    )
    runner.start()
    time.sleep(seconds // 3)
    restart_at = time.monotonic()
    pg.restart()
    accepting = pg.wait_ready()
    serving = None
    while time.monotonic() - accepting < 60:
        if (
            get(server.port, "/healthz/", timeout=2)[0] == 200
            and get(server.port, mixed[0], timeout=2)[0] == 200
        ):
            serving = time.monotonic()
            break
        time.sleep(0.02)
    runner.join()
    time.sleep(1)
    probe.stopping.set()
    probe.join(timeout=20)
    acknowledged = probe.acknowledged
    present = set(
        pg.psql(
            "SELECT slug FROM explainers_topic WHERE slug LIKE 'probe-%'", db="newsroom_load"
        ).split()
    )
    lost = [slug for slug in acknowledged if slug not in present]
    # No worker hangs: every worker answers promptly after the restart.
    hung = sum(
        1 for _ in range(server.workers * 4) if get(server.port, "/healthz/", timeout=5)[0] != 200
    )
    show("mixed", box["r"])
    serving_text = f"{serving - accepting:.2f} s" if serving else "not within 60 s"
    print(
        f"  restart took {accepting - restart_at:.2f} s; serving again {serving_text} after PostgreSQL accepted "
        f"connections (target at most 5 s)"
    )
    print(
        f"  write probe: {len(acknowledged)} saves acknowledged, {len(lost)} lost, {probe.failed} refused "
        f"or failed while the database was down (not acknowledged, so not lost)"
    )
    print(f"  health checks failing after the restart: {hung} of {server.workers * 4}")

    print(
        f"\nFault 2: one gunicorn worker killed (SIGKILL) {seconds // 2} s into a {seconds} s mixed run"
    )
    box = {}
    runner = threading.Thread(
        target=lambda: box.update(
            r=wrk(
                wrk_bin,
                server.port,
                mixed,
                seconds=seconds,
                connections=args.connections,
                api_key=api_key,
                workdir=workdir,
            )
        )
    )
    runner.start()
    time.sleep(seconds // 2)
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    runner.join()
    r = box["r"]
    show("mixed", r)
    print(
        f"  killed worker {victim}; requests lost: {r['non_2xx'] + r['socket_errors']} "
        f"(non-2xx {r['non_2xx']}, socket errors {r['socket_errors']}; target at most 1, its in-flight request); "
        f"workers now {len(server.worker_pids())} of {server.workers}"
    )
    print(
        "FAULTRESULTS "
        + json.dumps(
            {
                "restart_seconds": accepting - restart_at,
                "recovery_seconds": (serving - accepting) if serving else None,
                "acknowledged": len(acknowledged),
                "lost": len(lost),
                "probe_failed": probe.failed,
                "hung": hung,
                "kill_lost": r["non_2xx"] + r["socket_errors"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
