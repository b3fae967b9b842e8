"""Benchmark: throughput of the SVG badge and the public lookup with 10,000 certified products in the
database, beside a bare endpoint of the same app returning a constant, as a ratio measured in the same run.

Set-up: a temporary SQLite database (or `--database-url`, e.g. an empty PostgreSQL database) is migrated with
`api.core.db.upgrade` and filled with Core bulk inserts: 200 vendors, 10,000 products with Vietnamese names (search_text
folded as Product.refresh_search_text does), one valid certificate each, plus 3% older certificates, revoked,
expired, or "valid" past their end date. The real app (`create_app`) is served by uvicorn in a subprocess (its own
interpreter and GIL), one worker, access log off, jobs worker off. `GET /bench/constant`, a sync route (the
framework's usual kind, and what the public routes were) returning {"ok": true}, is added to that same app object:
same framework, middleware, server and process. (`/bench/constant-async` is its `async def` twin, which skips the
thread-pool hop, as the public routes do for what memory holds; shown for reference.)

Scenarios, each driven by `--concurrency` keep-alive connections for `--seconds`, split into `--rounds` slices
taken round robin (so a change in the machine's load falls on all alike), after a warm-up:
bare constant; badge /badge/{id}.svg (200); the badge revalidated with its ETag in If-None-Match (304);
public search /api/v1/public/products?q=...&per_page=20 (16 queries, with and without diacritics, with and without
a type, on a random page of their results); search as typed (page 1 of every prefix of those queries from two
letters on, with and without a type: each prefix is a query of its own, first ranked in the measured rounds, which
this scenario's warm-up skips); certificate lookup; product lookup.

Printed per scenario: requests/s, p50 and p99 latency, errors (any response but the expected 200, or 304 for
the ETag scenario, and any failed request: must be 0), the server process's CPU time per request, the CPU used
by the server, the client and every other process, and the throughput as a fraction of the bare endpoint's
("badge: 0.42× bare"). Also: row counts, seeding time, and the slowest of a first burst of `--concurrency`
badge requests on the freshly started server (cold caches). Before measuring, a few responses are checked
(search hits match the query, revoked or expired certificates read so, the 304 has no body); a problem, or any
error, is printed with the server log and makes the exit status 1.

The load generator and the server share this machine's cores (2 here), and other work on the machine slows
both: the absolute rates are indicative only. The figures to compare are the ratio to the bare endpoint
measured in the same run and the server CPU per request. The load generator is a lean asyncio HTTP/1.1
client (about 0.15 ms of CPU per request here); `--client httpx` uses httpx.AsyncClient instead, which costs
2-3 ms of client CPU per request on this machine, more than the server's bare endpoint, so that every scenario
then measures mostly the client.

The public routes read the registry's read model and search index (migration 0006: FTS5 on SQLite, tsvector +
pg_trgm on PostgreSQL), which the database's triggers fill as the bulk inserts go in: the seeding time includes
building them. Search hits are checked to hold every word of the query (the last as a prefix) in their name, vendor
or description, and a one-letter typo must find products and say which query it answered (`suggestion`).

Goals (issue 14), printed as met or not: search ≥ 0.5× bare with p99 < 50 ms (at 10,000 products, and growing at
most logarithmically to 100,000: run with --products 100000 too), product and certificate lookup ≥ 0.7×, badge 304
≥ 0.9×; the goal's p99 is over every round, the first reads of each page and of the blocks of rows included (the
last round's alone is printed beside it). Not included there: the first ranking of each query, which the preparation
reads when it fetches page 1 of each query and type to learn their totals; "search as typed" has the same goal with
them included. "× bare CPU" beside "× bare" is the bare endpoint's server CPU per request over the scenario's: when other
work crowds the machine, the rates say more about the crowd than the code, and that column less so.
Every request must succeed (0 errors).

    .venv/bin/python benchmarks/bench_public.py [--seconds 10] [--products 10000] [--concurrency 16]
    .venv/bin/python benchmarks/bench_public.py --quick     # smoke test: 2 s per scenario, 1,000 products
    .venv/bin/python benchmarks/bench_public.py --products 100000   # how search grows
    .venv/bin/python benchmarks/bench_public.py --database-url postgresql://user@host/empty_db

On PostgreSQL, give a database created for the run: seeding 100,000 products again into one a run has emptied took
about 50 times as long here (1,769 s instead of 35 s; a VACUUM ANALYZE after emptying did not help).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from api.core.db import make_engine, normalise_url, upgrade  # noqa: E402
from api.core.models import Certificate, Organisation, Product, utcnow  # noqa: E402
from api.core.search import TERM, fold, terms  # noqa: E402
from reports.badge import STATUS_WORDS  # noqa: E402

PRODUCT_TYPES = ("filtering_app", "dns_proxy_filter", "kid_browser", "parental_dashboard", "children_platform")
PLATFORMS_BY_TYPE = {
    "filtering_app": ("android", "ios", "windows", "macos", "chromeos"),
    "dns_proxy_filter": ("router", "dns"),
    "kid_browser": ("android", "ios", "windows", "macos", "linux"),
    "parental_dashboard": ("web", "android", "ios"),
    "children_platform": ("web", "android", "ios"),
}
NAME_HEADS = (
    "Bảo vệ",
    "An toàn",
    "Lá chắn",
    "Bé Vui",
    "Gia đình",
    "Mắt Thần",
    "Người Gác",
    "Cánh Diều",
    "Sao Mai",
    "Hoa Sen",
    "Tổ Ấm",
    "Đồng Hành",
)
NAME_TAILS = ("trẻ em", "Gia đình", "học đường", "Số", "Xanh", "Nhí", "An toàn", "Mầm non", "Tuổi thơ", "Việt")
VENDOR_WORDS = ("Công nghệ", "Phần mềm", "Giải pháp số", "An ninh mạng", "Truyền thông", "Giáo dục")
VENDOR_PLACES = ("Hà Nội", "Sài Gòn", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Nha Trang", "Biên Hòa")
# What people type: folded and not, one word or several (the API folds the query itself).
QUERIES = (
    "bao ve",
    "tre em",
    "gia dinh",
    "an toan",
    "la chan",
    "be vui",
    "bao ve tre em",
    "an toan gia dinh",
    "Bảo vệ",
    "Lá chắn",
    "mat than",
    "sao mai",
    "hoc duong",
    "cong nghe",
    "ha noi",
    "dong hanh 12",
)
# (scenario label, least throughput as a fraction of the bare endpoint's, greatest p99 in ms or None): issue 14.
GOALS = (
    ("search", 0.5, 50),
    ("search typed", 0.5, 50),  # the same goal, with each query's first ranking in the measured rounds
    ("product", 0.7, None),
    ("certificate", 0.7, None),
    ("badge 304", 0.9, None),
)
FIRST_READS = {
    "search": "the first reads of each page and block; each query was first ranked by the preparation",
    "search typed": "each prefix's first ranking and page",
}
# A one-letter typo, and what the index must correct it to (api.domain.registry: `suggestion`).
TYPO, TYPO_FIXED = "bao ve tre emm", "bao ve tre em"
CRITERIA_VERSION = "vcsc-2025.1"
PER_PAGE = 20
ETAG_SAMPLE = 500


# --- seeding -----------------------------------------------------------------------------------------


@dataclass
class Seeded:
    product_ids: list[int]
    certificate_ids: list[str]
    older: dict[str, str]  # the older certificates' ids -> the status the public must see (revoked, expired)
    counts: dict[str, int]
    migrate_s: float
    insert_s: float
    rows: int


def seed(url: str, products: int, vendors: int, rng: random.Random) -> Seeded:
    start = time.perf_counter()
    upgrade(url)
    migrate_s = time.perf_counter() - start

    engine = make_engine(url)
    now = utcnow()
    try:
        with engine.begin() as conn:
            existing = sum(
                conn.scalar(sa.select(sa.func.count()).select_from(_table(model))) or 0
                for model in (Product, Organisation, Certificate)
            )
            if existing:
                raise SystemExit(
                    "the database already holds organisations, products or certificates; "
                    "give --database-url an empty scratch database"
                )

        start = time.perf_counter()
        orgs: list[dict[str, Any]] = []
        for i in range(1, vendors + 1):
            name = f"Công ty {VENDOR_WORDS[i % len(VENDOR_WORDS)]} {VENDOR_PLACES[i % len(VENDOR_PLACES)]} {i:03d}"
            orgs.append(
                {
                    "id": i,
                    "name": name,
                    "kind": "vendor",
                    "contact_email": f"lienhe{i}@vendor{i}.example.vn",
                    "website": f"https://vendor{i}.example.vn",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        org_names = {o["id"]: o["name"] for o in orgs}

        rows: list[dict[str, Any]] = []
        certs: list[dict[str, Any]] = []
        older: dict[str, str] = {}
        for i in range(1, products + 1):
            org_id = rng.randint(1, vendors)
            product_type = PRODUCT_TYPES[i % len(PRODUCT_TYPES)]
            name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)} {rng.randint(1, 999)}"
            pool = PLATFORMS_BY_TYPE[product_type]
            rows.append(
                {
                    "id": i,
                    "organisation_id": org_id,
                    "name": name,
                    "product_type": product_type,
                    "url": f"https://vendor{org_id}.example.vn/san-pham/{i}",
                    "platforms": sorted(rng.sample(pool, rng.randint(1, len(pool)))),
                    # as Product.refresh_search_text does
                    "search_text": fold(f"{name} {org_names[org_id]}")[:500],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            certs.append(
                _certificate(
                    f"VCSC-2026-{i:06d}",
                    i,
                    i - 1,
                    "valid",
                    rng,
                    issued_at=now - timedelta(days=1),
                    valid_until=now + timedelta(days=364),
                )
            )
        # Older certificates of some of the products: revoked, expired (by the column or by date only).
        for j in range(1, max(3, products * 3 // 100) + 1):
            product_id = rng.randint(1, products)
            kind = ("revoked", "revoked", "expired", "past_end")[j % 4]
            issued = now - timedelta(days=rng.randint(370, 700))
            cert = _certificate(
                f"VCSC-2025-{j:06d}",
                product_id,
                products + j - 1,
                "valid" if kind == "past_end" else kind,
                rng,
                issued_at=issued,
                valid_until=issued + timedelta(days=365),
                criteria_version="vcsc-2024.1",
            )
            if kind == "revoked":
                cert.update(status_reason="Bench: revoked", status_changed_at=issued + timedelta(days=30))
            certs.append(cert)
            older[cert["id"]] = "revoked" if kind == "revoked" else "expired"

        with engine.begin() as conn:
            conn.execute(_table(Organisation).insert(), orgs)
            conn.execute(_table(Product).insert(), rows)
            conn.execute(_table(Certificate).insert(), certs)
            if conn.dialect.name == "postgresql":  # explicit ids: keep the sequences ahead of them
                for table in ("organisations", "products"):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
            # Statistics for every table, the read model's included (without them PostgreSQL's planner reads a block
            # of products by a full scan of the name index); autovacuum would gather them a minute later.
            conn.exec_driver_sql("ANALYZE")
        insert_s = time.perf_counter() - start

        with engine.connect() as conn:
            c = Certificate.__table__.c
            counts: dict[str, int] = {
                name: conn.scalar(sa.select(sa.func.count()).select_from(_table(model))) or 0
                for name, model in (
                    ("organisations", Organisation),
                    ("products", Product),
                    ("certificates", Certificate),
                )
            }
            for status, n in conn.execute(sa.select(c.status, sa.func.count()).group_by(c.status)):
                counts[f"status {status}"] = n
            counts["valid past end date"] = (
                conn.scalar(sa.select(sa.func.count()).where(c.status == "valid", c.valid_until < now)) or 0
            )
    finally:
        engine.dispose()
    return Seeded(
        product_ids=[r["id"] for r in rows],
        certificate_ids=[c["id"] for c in certs],
        older=older,
        counts=counts,
        migrate_s=migrate_s,
        insert_s=insert_s,
        rows=len(orgs) + len(rows) + len(certs),
    )


def _table(model: Any) -> sa.Table:
    """The table of a mapped class (SQLAlchemy types `__table__` as a FromClause)."""
    return cast(sa.Table, model.__table__)


def _certificate(
    cert_id, product_id, status_index, status, rng, *, issued_at, valid_until, criteria_version=CRITERIA_VERSION
) -> dict:
    return {
        "id": cert_id,
        "product_id": product_id,
        "submission_id": None,
        "criteria_version": criteria_version,
        "level": "advanced" if rng.random() < 0.3 else "basic",
        "status": status,
        "issued_at": issued_at,
        "valid_until": valid_until,
        "note": None,
        "status_index": status_index,
        "status_reason": None,
        "status_changed_at": None,
        "created_at": issued_at,
        "updated_at": issued_at,
    }


def unseed(url: str, seeded: Seeded) -> None:
    """Remove what `seed` inserted (a --database-url database is left as it was found, migrations aside)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(_table(Certificate).delete())
            conn.execute(_table(Product).delete())
            conn.execute(_table(Organisation).delete())
    finally:
        engine.dispose()


# --- the server (a subprocess: its own interpreter, so its GIL is not the load generator's) ---------------


def serve(args) -> None:
    import uvicorn

    from api.app import create_app
    from api.core.settings import Settings

    state = Path(args.state_dir)
    settings = Settings(
        database_url=args.database_url,
        jobs_worker=False,
        keys_dir=state / "keys",
        artifacts_dir=state / "artifacts",
        public_url=f"http://127.0.0.1:{args.port}",
    )
    app = create_app(settings)

    # The bare endpoints, on the same app object: same framework, middleware, server and process.
    @app.get("/bench/constant", include_in_schema=False)
    def constant():  # sync, the framework's usual cost: it also pays the thread-pool hop
        return {"ok": True}

    @app.get("/bench/constant-async", include_in_schema=False)
    async def constant_async():
        return {"ok": True}

    uvicorn.run(app, host="127.0.0.1", port=args.port, workers=1, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, state_dir: Path) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log_path = state_dir / "server.log"
    with open(log_path, "wb") as log:  # the server holds its own copy of the file
        proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--serve",
                "--port",
                str(port),
                "--database-url",
                url,
                "--state-dir",
                str(state_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}):\n{log_path.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port, log_path
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not start in 60 s:\n{log_path.read_text(errors='replace')}")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads included."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_s() -> float:
    """CPU seconds spent by the whole machine (all cores, all processes; idle, iowait and steal excluded)."""
    with open("/proc/stat") as fh:
        user, nice, system, _idle, _iowait, irq, softirq = map(int, fh.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


# --- the load generator ------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    label: str  # as in "badge: 0.42× bare"
    requests: list[tuple[str, dict[str, str]]]  # (path with query, headers), drawn at random
    expected: frozenset[int] = frozenset({200})
    warm_up: bool = True  # False: its first reads fall in the measured rounds


@dataclass
class Result:
    """A scenario's figures, summed over its rounds."""

    scenario: Scenario
    count: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    last_round: list[float] = field(default_factory=list)  # the latencies of the last slice alone
    statuses: dict[object, int] = field(default_factory=dict)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    other_cpu: float = 0.0  # CPU used by other processes on the machine meanwhile

    @property
    def rate(self) -> float:
        return self.count / self.elapsed

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code not in self.scenario.expected)

    def percentile(self, p: float, latencies: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if latencies is None else latencies)
        return ordered[min(len(ordered) - 1, int(math.ceil(p / 100 * len(ordered))) - 1)] * 1000


class RawConnection:
    """One keep-alive HTTP/1.1 connection: writes a prepared request, reads the status line, headers and body.
    The default load generator: far cheaper per request than httpx (see the module's docstring)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> RawConnection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def request(self, raw: bytes, keep: dict | None = None) -> tuple[int, bool, bytes]:
        """Send one request; (status, whether the connection can be reused, body). The headers go in `keep`."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, reusable, body = None, False, True, b""
        for line in head[:-4].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if keep is not None:
                keep[name.decode("latin-1")] = value.strip().decode("latin-1")
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                reusable = b"close" not in value.lower()
        if status < 200 or status in (204, 304):
            pass
        elif chunked:
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")  # no trailers from this server
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body = await self.reader.read()
            reusable = False
        return status, reusable, body

    def close(self) -> None:
        self.writer.close()


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]  # names in lower case
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.content)


class RawClient:
    """`get(path, headers)` over a pool of RawConnections: the preparation's client (checks, ETags, totals)."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[RawConnection] = []

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        conn = self.idle.pop() if self.idle else await RawConnection.open(self.port)
        kept: dict[str, str] = {}
        try:
            status, reusable, body = await conn.request(raw_request(path, headers or {}, self.port), kept)
        except BaseException:
            conn.close()
            raise
        if reusable:
            self.idle.append(conn)
        else:
            conn.close()
        return Reply(status, kept, body)

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle = []


def raw_request(path: str, headers: dict[str, str], port: int) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def drive(
    target, scenario: Scenario, concurrency: int, seconds: float, rng: random.Random, record: bool
) -> tuple[int, float, list[float], dict]:
    """`concurrency` workers, each on its own connection, send requests drawn from the scenario for `seconds`.
    `target` is a port (the raw client) or an httpx.AsyncClient."""
    latencies: list[float] = []
    statuses: dict[object, int] = {}
    clock = time.perf_counter
    raw = isinstance(target, int)
    requests: list[Any]  # raw request bytes, or (path, headers) for httpx
    if raw:
        requests = [raw_request(path, headers, target) for path, headers in scenario.requests]
        connections: list[RawConnection | None] = list(
            await asyncio.gather(*(RawConnection.open(target) for _ in range(concurrency)))
        )
    else:
        requests = scenario.requests

    async def worker(slot: int):
        while clock() < deadline:
            request: Any = requests[rng.randrange(len(requests))]
            t = clock()
            code: int | str
            try:
                if raw:
                    conn = connections[slot] or await RawConnection.open(target)
                    connections[slot] = conn
                    code, reusable, _ = await conn.request(request)
                    if not reusable:
                        conn.close()
                        connections[slot] = None
                else:
                    code = (await target.get(request[0], headers=request[1])).status_code
            except Exception as exc:  # a failed request is an error, not a crash of the benchmark
                code = type(exc).__name__
                if raw and (broken := connections[slot]) is not None:
                    broken.close()
                    connections[slot] = None
            if record:
                latencies.append(clock() - t)
                statuses[code] = statuses.get(code, 0) + 1

    start = clock()
    deadline = start + seconds
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = clock() - start
    if raw:
        for conn in connections:
            if conn is not None:
                conn.close()
    return len(latencies), elapsed, latencies, statuses


async def measure(target, result: Result, seconds: float, args, server_pid: int, rng: random.Random) -> float:
    """One measured slice of `result`'s scenario, added to its figures; returns the slice's requests/s."""
    server0, client0, machine0 = process_cpu_s(server_pid), time.process_time(), machine_cpu_s()
    count, elapsed, latencies, statuses = await drive(
        target, result.scenario, args.concurrency, seconds, rng, record=True
    )
    server, client = process_cpu_s(server_pid) - server0, time.process_time() - client0
    result.count += count
    result.elapsed += elapsed
    result.latencies += latencies
    result.last_round = latencies
    for code, n in statuses.items():
        result.statuses[code] = result.statuses.get(code, 0) + n
    result.server_cpu += server
    result.client_cpu += client
    result.other_cpu += max(0.0, machine_cpu_s() - machine0 - server - client)
    return count / elapsed


async def bounded_gather(coros, limit: int):
    semaphore = asyncio.Semaphore(limit)

    async def one(coro):
        async with semaphore:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


def matches(q: str, item: dict) -> bool:
    """Whether a search hit has every word of the query (the last as a prefix) in its name, vendor or description
    (product type and platforms), diacritics aside: what api.domain.registry.search promises of exact hits."""
    words = terms(q)
    have = TERM.findall(
        fold(f"{item['name']} {item['vendor']} {item['product_type'].replace('_', ' ')} {' '.join(item['platforms'])}")
    )
    return all(w in have for w in words[:-1]) and any(h.startswith(words[-1]) for h in have)


def typed() -> list[tuple[str, dict[str, str]]]:
    """Page 1 of every prefix of QUERIES as someone types it, from two letters on (a trailing space aside), with and
    without a type: each a query the server has not ranked before the measured rounds."""
    prefixes = {q[:n] for q in QUERIES for n in range(2, len(q) + 1) if not q[:n].endswith(" ")}
    return [(search_path(p, t, 1), {}) for p in sorted(prefixes) for t in (None, *PRODUCT_TYPES)]


def search_path(q: str, product_type: str | None, page: int) -> str:
    path = f"/api/v1/public/products?q={quote(q)}&per_page={PER_PAGE}&page={page}"
    return path + (f"&type={product_type}" if product_type else "")


async def prepare(
    client, seeded: Seeded, rng: random.Random, concurrency: int
) -> tuple[list[Scenario], list[str], float]:
    """The scenarios' request mixes (ETags and search totals fetched first), a few correctness checks, and the
    time the slowest request of a first burst of badge requests after the server started took."""
    problems: list[str] = []
    cert_ids, product_ids = seeded.certificate_ids, seeded.product_ids

    async def timed(path: str) -> tuple[str, Reply, float]:
        t = time.perf_counter()
        reply = await client.get(path)
        return path, reply, time.perf_counter() - t

    # Cold: `concurrency` badges at once (both criteria versions) on a server that has answered nothing else.
    burst = [f"/badge/{cid}.svg" for cid in [*cert_ids[: concurrency - 1], next(iter(seeded.older))]]
    replies = await asyncio.gather(*(timed(path) for path in burst))
    cold_s = max(elapsed for _, _, elapsed in replies)
    problems += [f"GET {path} (first burst): {r.status_code}" for path, r, _ in replies if r.status_code != 200]

    sample = rng.sample(cert_ids, min(ETAG_SAMPLE, len(cert_ids)))
    responses = await bounded_gather([client.get(f"/badge/{cid}.svg") for cid in sample], concurrency)
    conditional = []
    for cid, r in zip(sample, responses, strict=True):
        if (
            r.status_code != 200
            or not r.headers.get("content-type", "").startswith("image/svg+xml")
            or "etag" not in r.headers
        ):
            problems.append(
                f"GET /badge/{cid}.svg: {r.status_code} {r.headers.get('content-type')} etag={r.headers.get('etag')}"
            )
            continue
        conditional.append((f"/badge/{cid}.svg", {"If-None-Match": r.headers["etag"]}))
    if conditional:  # the 304 path answers 304, with no body and the same ETag
        path, headers = conditional[0]
        r = await client.get(path, headers=headers)
        if r.status_code != 304 or r.content or r.headers.get("etag") != headers["If-None-Match"]:
            problems.append(
                f"GET {path} with If-None-Match: {r.status_code}, {len(r.content)} bytes body, "
                f"etag {r.headers.get('etag')!r} (expected 304, empty, same ETag)"
            )

    combos = [(q, t) for q in QUERIES for t in (None, *PRODUCT_TYPES)]
    firsts = await bounded_gather([client.get(search_path(q, t, 1)) for q, t in combos], concurrency)
    searches: list[tuple[str, dict[str, str]]] = []
    for (q, t), r in zip(combos, firsts, strict=True):
        if r.status_code != 200:
            problems.append(f"GET {search_path(q, t, 1)}: {r.status_code} {r.text[:200]}")
            continue
        body = r.json()
        total = body["total"]
        if any(
            not matches(q, item) or item["certificate"]["status"] != "valid" or (t and item["product_type"] != t)
            for item in body["items"]
        ) or body.get("suggestion"):
            problems.append(f"GET {search_path(q, t, 1)}: an item does not match the query, type or status")
        if total:  # each query and type equally often, on a random page of its results
            pages = math.ceil(total / PER_PAGE)
            searches.extend((search_path(q, t, rng.randint(1, pages)), {}) for _ in range(20))
    if not searches:
        problems.append("no search query found any product")
    r = await client.get(search_path(TYPO, None, 1))  # typo tolerance: found, and said so
    if r.status_code != 200 or not r.json()["items"] or TYPO_FIXED not in (r.json().get("suggestion") or ""):
        problems.append(
            f"GET {search_path(TYPO, None, 1)}: {r.status_code} {r.text[:200]} "
            f"(expected hits and the suggestion {TYPO_FIXED!r})"
        )

    # Spot checks: revoked, expired and past-their-end-date ("valid" in the column) certificates, looked up
    # and as badges, show the status the public must see.
    for cid, status in list(seeded.older.items())[:8]:
        r = await client.get(f"/api/v1/public/certificates/{cid}")
        if r.status_code != 200 or r.json().get("status") != status:
            problems.append(
                f"GET /api/v1/public/certificates/{cid}: {r.status_code} {r.text[:200]} (expected status {status})"
            )
        r = await client.get(f"/badge/{cid}.svg?lang=en")
        if r.status_code != 200 or STATUS_WORDS[status]["en"] not in r.text:
            problems.append(f"GET /badge/{cid}.svg?lang=en: {r.status_code}, no {STATUS_WORDS[status]['en']!r}")
    r = await client.get(f"/api/v1/public/products/{product_ids[0]}")
    if r.status_code != 200 or r.json()["certificate"]["status"] != "valid":
        problems.append(f"GET /api/v1/public/products/{product_ids[0]}: {r.status_code} {r.text[:200]}")

    scenarios = [
        Scenario("bare constant (def)", "bare", [("/bench/constant", {})]),
        Scenario("bare constant (async def)", "bare async", [("/bench/constant-async", {})]),
        Scenario("badge 200", "badge", [(f"/badge/{cid}.svg", {}) for cid in cert_ids]),
        Scenario("badge 304 (If-None-Match)", "badge 304", conditional, frozenset({304})),
        Scenario("public search", "search", searches),
        Scenario("search as typed", "search typed", typed(), warm_up=False),
        Scenario("certificate lookup", "certificate", [(f"/api/v1/public/certificates/{cid}", {}) for cid in cert_ids]),
        Scenario("product lookup", "product", [(f"/api/v1/public/products/{pid}", {}) for pid in product_ids]),
    ]
    return scenarios, problems, cold_s


async def run_load(
    seeded: Seeded, port: int, server_pid: int, args, rng: random.Random
) -> tuple[list[Result], list[str], float, float]:
    started = time.perf_counter()
    preparer = RawClient(port)
    try:
        scenarios, problems, cold_s = await prepare(preparer, seeded, rng, args.concurrency)
    finally:
        preparer.close()
    prepare_s = time.perf_counter() - started
    problems += [f"{s.name}: no requests to make" for s in scenarios if not s.requests]
    results = [Result(s) for s in scenarios if s.requests]

    httpx_client = None
    if args.client == "httpx":
        import httpx

        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        httpx_client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30.0, trust_env=False
        )
    target = httpx_client or port
    try:
        warmed = [r for r in results if r.scenario.warm_up] if args.warmup > 0 else []
        for result in warmed:  # caches, compiled statements, database pages
            await drive(target, result.scenario, args.concurrency, args.warmup, rng, record=False)
        # Round robin, so that a change in the machine's load over the run falls on every scenario alike.
        for round_no in range(1, args.rounds + 1):
            rates = [
                await measure(target, result, args.seconds / args.rounds, args, server_pid, rng) for result in results
            ]
            print(
                f"  round {round_no}/{args.rounds}: "
                + ", ".join(f"{r.scenario.label} {rate:,.0f}/s" for r, rate in zip(results, rates, strict=True)),
                file=sys.stderr,
                flush=True,
            )
    finally:
        if httpx_client is not None:
            await httpx_client.aclose()
    return results, problems, prepare_s, cold_s


# --- report --------------------------------------------------------------------------------------------


def report(results: list[Result], args) -> None:
    bare = next(r for r in results if r.scenario.label == "bare")
    print()
    print(
        f"{'scenario':<27} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'srv CPU ms/req':>14} {'srv CPU':>7} {'client CPU':>10} {'other CPU':>9} {'× bare':>7} {'× bare CPU':>10}"
    )
    bare_cpu = bare.server_cpu / bare.count
    for r in results:
        cpu_per_req = r.server_cpu / r.count * 1000 if r.count else float("nan")
        print(
            f"{r.scenario.name:<27} {r.rate:>8,.0f} {r.percentile(50):>7.1f} {r.percentile(99):>7.1f} "
            f"{r.errors:>6} {cpu_per_req:>14.2f} {r.server_cpu / r.elapsed:>7.0%} "
            f"{r.client_cpu / r.elapsed:>10.0%} {r.other_cpu / r.elapsed:>9.0%} {r.rate / bare.rate:>6.2f}× "
            f"{bare_cpu * 1000 / cpu_per_req:>9.2f}×"
        )
    print(
        "(× bare CPU: the bare endpoint's server CPU per request over the scenario's, a figure that other work on the "
        "machine disturbs less than the rates)"
    )
    print(
        "(CPU columns: % of one core; srv = the uvicorn process, other = every other process on the machine"
        + (", the database server's included)" if args.database_url else ")")
    )
    busy = max(r.other_cpu / r.elapsed for r in results)
    if busy > 0.2:
        print(
            f"warning: other processes used up to {busy:.0%} of a core during the measurements; "
            f"the rates are depressed and noisier than on a quiet machine"
        )
    print()
    for r in results:
        if r is not bare:
            print(f"{r.scenario.label}: {r.rate / bare.rate:.2f}× bare")
    print()
    by_label = {r.scenario.label: r for r in results}
    for label, floor, p99_ms in GOALS:
        goal = by_label.get(label)
        if goal is None:
            continue
        r = goal
        ratio, p99 = r.rate / bare.rate, r.percentile(99)
        met = ratio >= floor and (p99_ms is None or p99 < p99_ms)
        print(
            f"goal {label}: ≥ {floor:.1f}× bare"
            + (f" and p99 < {p99_ms} ms" if p99_ms else "")
            + f": {ratio:.2f}×"
            + (f", p99 {p99:.1f} ms" if p99_ms else "")
            + (" — met" if met else " — NOT met")
            + (
                f" (p99 in the last round alone: {r.percentile(99, r.last_round):.1f} ms; the rounds before it include "
                f"{FIRST_READS[label]})"
                if p99_ms
                else ""
            )
        )
    errors = [
        (r, {code: n for code, n in r.statuses.items() if code not in r.scenario.expected}) for r in results if r.errors
    ]
    print()
    if errors:
        for r, codes in errors:
            print(f"ERRORS in {r.scenario.name}: {r.errors} of {r.count} ({codes})")
    else:
        print("errors: 0 in every scenario (every response was the expected 200, or 304 for the ETag scenario)")


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--vendors", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per scenario, before all")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="the measured seconds of each scenario are split into this many round-robin slices",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator: a lean asyncio HTTP/1.1 client (default) or httpx.AsyncClient",
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 s per scenario, 1,000 products")
    parser.add_argument(
        "--database-url",
        help="an empty PostgreSQL (or other) database instead of a temporary "
        "SQLite file; the rows inserted are deleted afterwards",
    )
    parser.add_argument("--keep", action="store_true", help="with --database-url: leave the inserted rows")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    if args.quick:
        args.seconds, args.products, args.warmup, args.rounds = 2.0, 1_000, 0.5, 2
    rng = random.Random(args.seed)

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_public_") as tmp:
        state = Path(tmp)
        url = args.database_url or f"sqlite:///{state / 'bench.db'}"
        backend = normalise_url(url).get_backend_name()
        seeded = seed(url, args.products, args.vendors, rng)
        print(
            f"database: {backend}{' (temporary file)' if not args.database_url else ''}; rows: "
            + ", ".join(f"{k} {v:,}" for k, v in seeded.counts.items())
        )
        print(
            f"seeding: migrations {seeded.migrate_s:.2f} s, bulk inserts {seeded.insert_s:.2f} s ({seeded.rows:,} rows)"
        )
        print(
            f"server: uvicorn, 1 worker, access log off, in a subprocess; client: "
            f"{'httpx.AsyncClient' if args.client == 'httpx' else 'asyncio HTTP/1.1 keep-alive (--client raw)'}, "
            f"{args.concurrency} connections, {args.seconds:g} s per scenario in {args.rounds} round-robin slices "
            f"after {args.warmup:g} s warm-up"
        )
        print(
            f"note: the load generator and the server share this machine's {os.cpu_count()} cores: the absolute "
            f"rates are indicative; compare the ratio to the bare endpoint measured in this run.",
            flush=True,
        )
        proc, server_log = None, ""
        try:
            started = time.perf_counter()
            proc, port, log_path = start_server(url, state)
            start_s = time.perf_counter() - started
            results, problems, prepare_s, cold_s = asyncio.run(run_load(seeded, port, proc.pid, args, rng))
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                server_log = (state / "server.log").read_text(errors="replace")
            if args.database_url and not args.keep:
                unseed(url, seeded)

    report(results, args)
    badge = next(r for r in results if r.scenario.label == "badge")
    print(
        f"\ncold start: {args.concurrency} concurrent badge requests, the first after the server started: the "
        f"slowest took {cold_s * 1000:,.0f} ms (steady-state badge p99: {badge.percentile(99):,.0f} ms)"
    )
    if problems:
        print("\ncorrectness problems found while preparing:")
        for p in problems[:20]:
            print(f"  {p}")
    failed = bool(problems or any(r.errors for r in results))
    if failed and server_log.strip():
        print("\nserver log (last 3,000 characters):")
        print(server_log[-3000:])
    print(
        f"\nrun: server start {start_s:.1f} s, preparation (cold burst, ETags, search totals, checks) "
        f"{prepare_s:.1f} s, total {time.perf_counter() - began:.0f} s"
    )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
