"""Load and fault tests for Newsroom on its production stack.

Starts a throwaway PostgreSQL cluster on a spare port (pg_createcluster, so restarts are
`pg_ctlcluster … restart` exactly as on a server), generates an archive of N explainers, starts
gunicorn with production settings on a spare port, and runs wrk (installed with apt-get if
missing) against:

  ok        /_bench/ok/: the bare stack (NEWSROOM_BENCHMARK_VIEWS, never set in production)
  static    /_bench/static/: a page the size of an explainer page, rendered without the database
  explainer a rotation of explainer pages, each rendered afresh (page cache skipped)
  cached    the same rotation served from the page cache (warmed first)
  mixed     a rotation of explainer, topic, fact and API URLs, page cache on as in production

and prints requests/s, p50, p99, non-2xx and socket errors for each. With --faults it then
restarts PostgreSQL in the middle of a mixed run while a write probe saves through the admin, and
kills one gunicorn worker under load, and reports recovery seconds, lost writes and errors.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_VERSION = "15"
CLUSTER = "newsroom_loadtest"


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

    def manage(self, *args, capture=False) -> str:
        result = run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=capture,
            stdout=None if capture else subprocess.DEVNULL,
        )
        return result.stdout if capture else ""

    def start(self) -> None:
        self.log = open(self.env["NEWSROOM_VAR_DIR"] + "/gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={
                **self.env,
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "WEB_CONCURRENCY": str(self.workers),
            },
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if get(self.port, "/healthz/")[0] == 200:
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


HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def get(port: int, path: str, headers=None, timeout: float = 5) -> tuple[int, bytes]:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path, headers={**HEADERS, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""


# --- wrk --------------------------------------------------------------------------------------

LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local api_key = "%(api_key)s"
local bypass = "%(bypass)s"
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter * 7919 + math.random(1, #paths)) %% #paths + 1]
  local headers = {["X-Forwarded-Proto"] = "https"}
  if bypass == "1" then headers["X-Bench-Page-Cache"] = "off" end
  if string.sub(path, 1, 5) == "/api/" then headers["X-Api-Key"] = api_key end
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\": %%d, \"seconds\": %%.3f, \"p50_ms\": %%.2f, \"p99_ms\": %%.2f, " ..
    "\"non_2xx\": %%d, \"socket_errors\": %%d, \"connect\": %%d, \"read\": %%d, \"write\": %%d, \"timeout\": %%d}\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout))
end
"""


def wrk(
    wrk_bin, port, paths, *, seconds, connections, api_key, workdir, threads=2, uncached=False
) -> dict:
    """One wrk run over a rotation of ``paths``; ``uncached`` asks the server to skip its page
    cache (honoured only with NEWSROOM_BENCHMARK_VIEWS), so every page is rendered afresh."""
    paths_file = workdir / f"paths-{secrets.token_hex(4)}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = workdir / f"rotation-{secrets.token_hex(4)}.lua"
    script.write_text(
        LUA % {"paths": paths_file, "api_key": api_key, "bypass": "1" if uncached else "0"}
    )
    out = run(
        [
            wrk_bin,
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
    ).stdout
    result = json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def show(name: str, r: dict) -> None:
    print(
        f"  {name:<10} {r['rps']:>9.1f} req/s   p50 {r['p50_ms']:>7.2f} ms   p99 {r['p99_ms']:>8.2f} ms   "
        f"non-2xx {r['non_2xx']:>5}   socket errors {r['socket_errors']:>4} "
        f"(connect {r['connect']}, read {r['read']}, write {r['write']}, timeout {r['timeout']})",
        flush=True,
    )


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


# --- Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--explainers", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=60, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument(
        "--faults", action="store_true", help="also run the PostgreSQL restart and worker kill"
    )
    parser.add_argument("--only-faults", action="store_true", help="skip the throughput runs")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
    args = parser.parse_args()

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
            if not k.startswith(("DJANGO_", "NEWSROOM_", "DATABASE_URL"))
        },
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg.port}/newsroom_load",
        "DJANGO_PRODUCTION": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",  # wrk plays the TLS-terminating proxy
        "NEWSROOM_BENCHMARK_VIEWS": "1",
        "NEWSROOM_API_RATE_PER_MINUTE": "100000000",
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
        server.start()
        log(
            f"gunicorn on port {server.port} with {args.workers} workers (REDIS_URL={env.get('REDIS_URL', 'unset')})"
        )

        rng = random.Random(1)
        slugs = [
            f"archive-{n}" for n in rng.sample(range(args.explainers), min(args.explainers, 2000))
        ]
        explainer_paths = [f"/explainers/{slug}/" for slug in slugs]
        mixed = (
            explainer_paths[:1000]
            + [f"/topics/archive-topic-{n}/" for n in range(20)] * 5
            + [
                f"/facts/{kind}/archive-{kind[:-1] if kind != 'statistics' else 'statistic'}-{n}/"
                for kind in ("quotes", "statistics", "claims")
                for n in range(0, 200, 2)
            ]
            + [f"/api/v1/explainers/{slug}/" for slug in slugs[:300]]
            + [f"/api/v1/statistics/archive-statistic-{n}/" for n in range(0, 200, 4)]
        )
        for path in mixed[::17] + ["/_bench/ok/"]:
            status, _ = get(
                server.port, path, {"X-Api-Key": api_key} if path.startswith("/api/") else None
            )
            assert status == 200, f"{path} answered {status} before the run"
        page_bytes = len(get(server.port, explainer_paths[0])[1])
        static_path = f"/_bench/static/?bytes={page_bytes}"
        log(
            f"explainer page {page_bytes} bytes; static floor page "
            f"{len(get(server.port, static_path)[1])} bytes"
        )

        results = {}
        if not args.only_faults:
            runs = [
                ("ok", ["/_bench/ok/"], False),
                ("static", [static_path], False),
                ("explainer", explainer_paths, True),
                ("cached", explainer_paths, False),
                ("mixed", mixed, False),
            ]
            for name, paths, uncached in runs:
                if name == "cached":
                    log(f"warming the page cache with {len(paths)} explainer pages")
                    for path in paths:  # with wrk's Host header: the page key includes the host
                        get(server.port, path, {"Host": f"127.0.0.1:{server.port}"})
                log(f"wrk {name}: {args.duration} s at {args.connections} connections")
                results[name] = wrk(
                    wrk_bin,
                    server.port,
                    paths,
                    seconds=args.duration,
                    uncached=uncached,
                    connections=args.connections,
                    api_key=api_key,
                    workdir=workdir,
                )
            print(
                f"\nResults: {args.explainers} explainers, {args.duration} s, {args.connections} connections, "
                f"{args.workers} gunicorn workers, {os.cpu_count()} cores"
            )
            for name, r in results.items():
                show(name, r)
            print(
                f"  uncached explainer / no-database render: {results['explainer']['rps'] / results['static']['rps']:.0%}"
                f" (target at least 50 %)"
            )
            print(
                f"  cached explainer / bare view: {results['cached']['rps'] / results['ok']['rps']:.0%}"
                f" (target at least 80 %)"
            )
            print(
                "WRKRESULTS " + json.dumps({"explainers": args.explainers, **results}), flush=True
            )

        if args.faults or args.only_faults:
            fault_tests(pg, server, wrk_bin, mixed, api_key, password, workdir, args)
    finally:
        server.stop()
        if not args.keep:
            pg.drop()
        shutil.rmtree(workdir, ignore_errors=True)


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
