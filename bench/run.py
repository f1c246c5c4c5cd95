"""The benchmark (`make bench`): the portal under gunicorn, as in production, loaded with wrk over loopback.

For each size (10,000 and 100,000 published stories by default; BENCH_SIZES=1000,5000 for a quick run) and for
a warm cache (Redis) and no cache at all, every page is loaded for BENCH_SECONDS (default 5), in BENCH_ROUNDS
rounds (default 2) of which the best is kept, and reported as
requests per second, its ratio to a bare Django view measured in the same run, p50/p95/p99 latency, errors and
queries per request. Also: the database side of 300 searches with varied words (p95), renditions of a
12-megapixel JPEG, face detection on it (CPU seconds) and on a 1280x960 photo, no-op Celery tasks per second
through Redis with one worker, and the import of a 100,000-row file in the format of UHRI's export
(BENCH_IMPORT_ROWS) with `manage.py import_recommendations`.
Each size has as many recommendations as stories (`bench_data --recommendations`). Results:
bench/results/<date>.md, bench/results/latest.md and a PNG plot of the ratios.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379, as in CI; installs Debian's
wrk when missing (as root). Uses its own database (goodstories_bench) and Redis databases 2 and 3.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TMP = ROOT / "bench" / "tmp"
RESULTS = ROOT / "bench" / "results"
PORT = 8765
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
# Warm cache: 16 connections, far more than the server's 4 threads, to find its throughput. No cache: one
# connection per gunicorn thread (2 workers x 2 threads), so that a page's latency is its own work on the
# 2 cores rather than time spent queued behind 15 others (with 16, p95 would be about 16 / throughput).
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
COLD_CONNECTIONS = int(os.environ.get("BENCH_COLD_CONNECTIONS", "4"))
MODES = {"warm cache": ("true", CONNECTIONS), "no cache": ("false", COLD_CONNECTIONS)}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))  # each page's best round is reported (see measure)
DATABASE = "goodstories_bench"
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
COOPERATION_REQUESTS = int(os.environ.get("BENCH_COOPERATION_REQUESTS", "30"))

ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/2",
    "CACHE_URL": "redis://127.0.0.1:6379/3",
    "CELERY_TASK_DEFAULT_QUEUE": "bench",
    "SECRET_KEY": "benchmark-only-" + "x" * 40,
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "BENCHMARK": "true",
    "STATIC_ROOT": str(TMP / "static"),
    "MEDIA_ROOT": str(TMP / "media"),
    "PRIVATE_MEDIA_ROOT": str(TMP / "private"),
    "LOG_LEVEL": "WARNING",
}

TARGETS = {
    "warm_ratio": 0.40,  # gallery and story page: at least 40% of the bare view's throughput
    "warm_p95_ms": 30,
    "cold_p95_ms": 150,
    "search_p95_ms": 50,
    "renditions_ms": 300,
    "tasks_per_second": 500,
    "import_seconds": 120,  # 100,000 UHRI rows
}


def run(*args: str, env: dict | None = None, check: bool = True, quiet: bool = True) -> str:
    result = subprocess.run(
        list(args), cwd=ROOT, env=env or ENV, capture_output=quiet, text=True, check=False
    )
    if check and result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout if quiet else ""


def manage(*args: str, env: dict | None = None) -> str:
    return run(PYTHON, "manage.py", *args, env=env)


def ensure_tools() -> None:
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode != 0:
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432 (start it as .ci/run does).")
    if subprocess.run(["redis-cli", "ping"], capture_output=True, check=False).returncode != 0:
        sys.exit("Redis does not answer on 127.0.0.1:6379 (start it as .ci/run does).")
    if shutil.which("wrk") is None:
        if os.geteuid() != 0:
            sys.exit("wrk is missing: apt-get install wrk")
        run("apt-get", "install", "-y", "-q", "wrk")


def prepare_database() -> None:
    run("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", DATABASE)
    run("createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE)
    shutil.rmtree(TMP, ignore_errors=True)
    manage("migrate", "--no-input")
    manage("collectstatic", "--no-input")
    manage("load_demo", "--force")  # the benchmark runs with DEBUG off


def query(code: str, **env: str) -> str:
    return manage("shell", "-c", code, env={**ENV, **env}).strip().splitlines()[-1]


class Server:
    def __init__(self, public_cache: str):
        env = {**ENV, "PUBLIC_CACHE": public_cache}
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "coalition.wsgi", "--bind", f"127.0.0.1:{PORT}",
             "--workers", "2", "--threads", "2", "--access-logfile", "/dev/null", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.2)  # still starting
        self.process.kill()
        sys.exit("gunicorn did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def queries_of(path: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=30) as response:
        return int(response.headers.get("X-Query-Count", "-1"))


def wrk(path: str, connections: int) -> dict:
    for _ in range(5):  # fill the cache (warm runs), outside the measurement
        urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=30).read()
    # One second of the same load first, not measured: every gunicorn thread has then served this page
    # (templates compiled, connections open), so the figures are the page's, not a worker's first steps.
    run("wrk", "-t2", f"-c{connections}", "-d1s", "--timeout", "10s", f"http://127.0.0.1:{PORT}{path}")
    output = run(
        "wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "report.lua"), f"http://127.0.0.1:{PORT}{path}",
    )  # fmt: skip
    line = next(line for line in output.splitlines() if line.startswith("JSON "))
    data = json.loads(line[5:])
    seconds = data["duration_us"] / 1e6
    return {
        "rps": data["requests"] / seconds,
        "p50": data["p50"] / 1000,
        "p95": data["p95"] / 1000,
        "p99": data["p99"] / 1000,
        "errors": data["errors"],
    }


def pages() -> dict[str, str]:
    story = query(
        "from stories.models import Story; print(Story.objects.published().order_by('-pk')[0].slug)"
    )
    meeting = query(
        "from meetings.models import Meeting; print(Meeting.objects.order_by('-starts_at')[0].slug)"
    )
    recommendation = query(
        "from recommendations.models import Recommendation; "
        "print(Recommendation.objects.filter(citations__story__status='published').order_by('-pk')[0].pk)"
    )
    return {
        "bare view": "/bench/bare/",
        "gallery": "/en/stories/",
        "gallery, two filters": "/en/stories/?region=grulac&sdg=16",
        "gallery, full-text search": "/en/stories/?q=justice",
        "story page": f"/en/stories/{story}/",
        "members": "/en/members/",
        "meeting page": f"/en/meetings/{meeting}/",
        "feed": "/en/feeds/stories/",
        "JSON API": "/en/api/stories.json",
        "recommendations": "/en/recommendations/",
        "recommendation page": f"/en/recommendations/{recommendation}/",
        "replication": "/en/replication/",
        "healthz": "/healthz",
    }


def measure(public_cache: str, connections: int, paths: dict[str, str]) -> dict[str, dict]:
    """Every page, ROUNDS times over, keeping each page's best round: other tenants of a shared machine
    slow down stretches of a run, and a page measured during one of them would say more about them than
    about the page. The bare view goes through the same rounds, so the ratios compare like with like."""
    run("redis-cli", "-n", "3", "flushdb")  # the cache starts empty; "warm" fills it in the warm-up requests
    server = Server(public_cache)
    try:
        results: dict[str, dict] = {}
        for round_number in range(1, ROUNDS + 1):
            for name, path in paths.items():
                measured = wrk(path, connections)
                if name not in results or measured["rps"] > results[name]["rps"]:
                    results[name] = {**measured, "queries": queries_of(path)}
                print(
                    f"    {round_number}/{ROUNDS} {name:28} {measured['rps']:8.0f} req/s  "
                    f"p95 {measured['p95']:7.1f} ms"
                )
        return results
    finally:
        server.stop()


def search_queries_ms(searches: int = 300) -> float:
    """p95 of the database side of a gallery search, with varied words and no cache: the matches counted up
    to 1,001, the first page of cards with their images, translations and themes, and the snippets. What a
    search costs PostgreSQL, apart from rendering the page."""
    code = (
        "import time\n"
        "from django.http import QueryDict\n"
        "from django.utils import translation\n"
        "from coalition.management.commands.bench_data import WORDS\n"
        "from core.pagination import CachedCountPaginator\n"
        "from stories.filters import MATCH_LIMIT, filtered_stories\n"
        "from stories.search import add_snippets\n"
        "translation.activate('en')\n"
        "times = []\n"
        f"for i in range({searches}):\n"
        "    params = QueryDict(mutable=True)\n"
        "    first, second = WORDS[i % len(WORDS)], WORDS[i * 7 % len(WORDS)]\n"
        "    params['q'] = first if i % 2 else f'{first} {second}'\n"
        "    start = time.perf_counter()\n"
        "    filterset, _ignored = filtered_stories(params)\n"
        "    paginator = CachedCountPaginator(filterset.qs.cards(), 12, count_limit=MATCH_LIMIT)\n"
        "    page = paginator.page(1)\n"
        "    cards = list(page.object_list)\n"
        "    add_snippets(cards, params['q'], 'en')\n"
        "    times.append((time.perf_counter() - start) * 1000)\n"
        "times.sort()\n"
        "print(times[int(len(times) * 0.95)])"
    )
    return float(query(code, PUBLIC_CACHE="false"))


# The secretariat's pages need a login, which wrk does not do: they are measured in process, with Django's
# test client (logged in as the secretariat, no public cache), N requests each after one warm-up request.
COOPERATION_CODE = """
import json, time
from django.db import connection
from django.test import Client
from django.utils import timezone
from members.models import Member, User
counted = []
def count(execute, sql, params, many, context):
    counted.append(sql)
    return execute(sql, params, many, context)
user = User.objects.filter(role="secretariat", is_active=True).first() or User.objects.create_user(
    "bench-secretariat@example.org", full_name="Bench secretariat", role="secretariat")
member = Member.objects.filter(visit_requests__isnull=False).order_by("pk").first()
year = timezone.localdate().year - 1
client = Client(HTTP_HOST="localhost")
client.force_login(user)
pages = {
    "dashboard": "/en/my/cooperation/dashboard/",
    "a member's review": f"/en/my/cooperation/review/{year}/?member={member.country.code}",
    "the coalition's review": f"/en/my/cooperation/coalition/{year}/",
    "the coalition's review, CSV": f"/en/my/cooperation/coalition/{year}.csv",
}
results = {"members": Member.objects.filter(visit_requests__isnull=False).distinct().count()}
for name, path in pages.items():
    assert client.get(path).status_code == 200, path
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    counted.clear()
    with connection.execute_wrapper(count):
        client.get(path)
    times.sort()
    results[name] = {"p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95)],
                     "queries": len(counted)}
print(json.dumps(results))
"""


def cooperation_pages(requests: int = COOPERATION_REQUESTS) -> dict:
    """p50/p95 (ms, in process, uncached) and queries of the secretariat's dashboard, a member's review and
    the coalition's review, at the data of `bench_data --cooperation`."""
    return json.loads(query(COOPERATION_CODE.replace("REQUESTS", str(requests)), PUBLIC_CACHE="false"))


def cooperation_report(results: dict) -> list[str]:
    lines = [
        "",
        f"### Cooperation with the Special Procedures: {results['members']} members, 50 visit requests "
        "and 200 communications each",
        "",
        "Pages behind the secretariat's login, which wrk cannot measure: timed in process with Django's test "
        f"client (one request at a time, no cache, {COOPERATION_REQUESTS} requests each after a warm-up), so "
        "without gunicorn and the network; the figures are computed by the database in a fixed number of "
        "grouped queries (the test suite checks that the counts do not grow with members).",
        "",
        "| page | p50 ms | p95 ms | queries |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        if name != "members":
            lines.append(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['queries']} |")
    return lines


UHRI_HEADERS = [
    "Text", "Countries Concerned", "Reccomending Body", "Document Symbol", "Themes", "Affected Persons",
    "Sdgs", "Document Publication Date", "UPR Reccomending States", "UPR Position", "Type",
    "OHCHR Annotation Id", "UPR Session", "Regions Concerned", "Recommending Regions",
]  # fmt: skip
# The seeded members, as UHRI names them, and a few states that are not members (skipped by the import).
UHRI_STATES = [
    ("Argentina", "ARG"), ("Burkina Faso", "BFA"), ("Cabo Verde", "CPV"), ("Chile", "CHL"),
    ("Georgia", "GEO"), ("Indonesia", "IDN"), ("New Zealand", "NZL"), ("Norway", "NOR"), ("Peru", "PER"),
    ("Republic of Korea", "KOR"), ("Gambia", "GMB"), ("Tunisia", "TUN"), ("Uruguay", "URY"),
    ("Colombia", "COL"),
]  # fmt: skip
UHRI_TEXTS = [
    "Ratify the Optional Protocol to the Convention against Torture",
    "Strengthen the independence of the national human rights institution in line with the Paris Principles",
    "Adopt a comprehensive law against discrimination covering all grounds",
    "Guarantee access to justice for indigenous peoples in rural areas",
    "Ensure birth registration for all children, including children of migrants",
    "Combat violence against women and girls and ensure that perpetrators are prosecuted",
    "Improve conditions of detention and reduce overcrowding in prisons",
    "Protect human rights defenders and journalists from threats and attacks",
]
UHRI_SDGS = [
    "16.3 - Promote the rule of law",
    "5.2 - Eliminate violence against women and girls",
    "16.10 - Public access to information",
    "10.3 - Ensure equal opportunity",
    "4.5 - Eliminate discrimination in education",
    "16.a - Strengthen national institutions",
]


def write_uhri_csv(path: Path, rows: int, seed: int = 11) -> Path:
    """A file as UHRI exports it: UPR (70%), treaty bodies and special procedures recommendations to the
    seeded members, each with its own document and paragraph, and a few to other states (skipped)."""
    rng = random.Random(seed)  # noqa: S311 - test data
    bodies = ["CEDAW", "CRC", "CCPR", "CESCR", "CAT", "CERD", "CRPD"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(UHRI_HEADERS)
        for i in range(rows):
            name, iso3 = UHRI_STATES[i % len(UHRI_STATES)]
            if i % 50 == 49:
                name, iso3 = "France", "FRA"
            n = i // len(UHRI_STATES)
            # Each state's documents are its own (as at UHRI): the symbols differ by state.
            document = (n // 250) * len(UHRI_STATES) + i % len(UHRI_STATES)
            paragraph = n % 250 + 1
            kind = rng.random()
            text = f"{rng.choice(UHRI_TEXTS)}, {rng.choice(WORDS_FOR_TEXTS)} {rng.choice(WORDS_FOR_TEXTS)}"
            states, position, session = "", "", ""
            if kind < 0.7:
                body, symbol = "- UPR", f"A/HRC/{27 + document % 28}/{document + 1}"
                text = f"{110 + document % 20}.{paragraph} {text} ({rng.choice(UHRI_STATES)[0]});"
                states = "\n".join(f"- {rng.choice(UHRI_STATES)[0]}" for _ in range(rng.randint(1, 3)))
                position = rng.choice(["- Supported", "- Noted"])
                session = f"- {27 + document % 28}th session"
            elif kind < 0.95:
                code = rng.choice(bodies)
                body, symbol = f"- {code}", f"{code}/C/{iso3}/CO/{document + 1}"
                text = f"{paragraph}. The Committee recommends that the State party: {text}."
            else:
                body = "- SR on torture\n- Special Procedures"
                symbol = f"A/HRC/{40 + document % 20}/{document}/Add.1"
                text = f"{paragraph}. {text}."
            sdgs = "\n".join(f"- {code}" for code in rng.sample(UHRI_SDGS, rng.randint(0, 2)))
            writer.writerow([
                text, f"- {name}", body, symbol, "- Administration of justice & fair trial",
                "- Women & girls", sdgs, f"{2008 + document % 17}-0{1 + document % 9}-15", states, position,
                "- Recommendations", f"bench-{i:08d}", session, "", "",
            ])  # fmt: skip
    return path


WORDS_FOR_TEXTS = ["promptly", "effectively", "in consultation with civil society", "with adequate resources",
                   "in all regions", "in law and in practice", "as a matter of priority"]  # fmt: skip


def import_times(rows: int = IMPORT_ROWS) -> dict:
    """Seconds to import `rows` UHRI rows with the command (a fresh import, then the same file again, when
    nothing changes), including the command's start-up."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_uhri_csv(Path(folder) / "uhri-export.csv", rows)
        times = {}
        for name in ("first", "again"):
            start = time.perf_counter()
            output = manage("import_recommendations", str(path))
            times[name] = time.perf_counter() - start
            times[f"{name} summary"] = output.strip().splitlines()[1].strip() if output.strip() else ""
    return {"rows": rows, **times, "rows_per_second": rows / times["first"]}


def renditions_ms() -> float:
    code = (
        "import io, time, statistics; from PIL import Image; from stories.images import make_renditions\n"
        "image = Image.effect_noise((400, 300), 40).convert('RGB').resize((4000, 3000))\n"
        "buffer = io.BytesIO(); image.save(buffer, 'JPEG', quality=90)\n"
        "times = []\n"
        "for _ in range(5):\n"
        "    buffer.seek(0); start = time.perf_counter(); make_renditions(buffer)\n"
        "    times.append((time.perf_counter() - start) * 1000)\n"
        "print(statistics.median(times))"
    )
    return float(query(code))


def face_detection_seconds() -> dict:
    """Face detection (stories/faces.py, as the rendition task runs it) on a 12-megapixel JPEG and on a
    1280x960 photo: median CPU seconds (all threads) and wall seconds of 5 runs after a warm-up."""
    code = (
        "import io, time, statistics, json; from PIL import Image; from stories import faces\n"
        "big = Image.effect_noise((400, 300), 40).convert('RGB').resize((4000, 3000))\n"
        "buffer = io.BytesIO(); big.save(buffer, 'JPEG', quality=90)\n"
        "small = big.resize((1280, 960))\n"
        "faces.detect_faces(small)\n"
        "out = {}\n"
        "for name, source in (('12mp', buffer), ('1280x960', small)):\n"
        "    cpu, wall = [], []\n"
        "    for _ in range(5):\n"
        "        buffer.seek(0); c, w = time.process_time(), time.perf_counter()\n"
        "        detection = faces.detect_faces(source)\n"
        "        cpu.append(time.process_time() - c); wall.append(time.perf_counter() - w)\n"
        "    out[name] = {'cpu': statistics.median(cpu), 'wall': statistics.median(wall)}\n"
        "out['detector'] = detection.detector\n"
        "print(json.dumps(out))"
    )
    return json.loads(query(code))


def tasks_per_second(count: int = 3000) -> float:
    run("redis-cli", "-n", "2", "flushdb")
    query(f"from coalition.tasks import noop\nfor _ in range({count}): noop.delay()\nprint('queued')")
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "coalition", "worker", "-Q", "bench", "--concurrency", "2",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    start = None
    try:
        while True:
            waiting = int(run("redis-cli", "-n", "2", "llen", "bench").strip() or 0)
            unacked = int(run("redis-cli", "-n", "2", "hlen", "unacked").strip() or 0)
            if start is None and waiting < count:
                start = time.perf_counter()  # the worker has started consuming
            if waiting == 0 and unacked == 0 and start is not None:
                return count / (time.perf_counter() - start)
            time.sleep(0.01)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = next(
        line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    postgres = run("psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version").strip()
    redis = run("redis-server", "--version").split()[2]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory.split(':')[1].strip()} memory, "
        f"Python {platform.python_version()}, PostgreSQL {postgres}, Redis {redis}, "
        f"gunicorn 2 workers x 2 threads; wrk with 2 threads for {SECONDS} s per page, best of {ROUNDS} "
        "rounds, "
        f"{CONNECTIONS} connections with the warm cache and {COLD_CONNECTIONS} (one per gunicorn thread) "
        "with no cache; on the same machine (loopback)"
    )


# Why a target is missed when it is, from profiling these pages (printed under the targets only for a miss).
WHY = {
    "warm: p95": (
        "With the warm cache a page is one Redis read, and at 16 connections on 2 cores its latency is "
        "mostly waiting for a thread: p95 is about 16 / throughput, so it moves with the machine's other "
        "load (see the bare view's own p95 in the same table)."
    ),
    "no cache: p95": (
        "Each uncached page is computed in full: 20 to 30 ms of CPU on this machine, of which PostgreSQL "
        "takes 5 to 10 ms (the queries are in the table) and Django's templates most of the rest; 4 requests "
        "in flight share 2 cores with PostgreSQL, so a request waits for about as long as it works."
    ),
    "full-text search, no cache": (
        "An uncached search page costs about 25 ms of CPU (the matches counted up to 1,001, the page, the "
        "snippets, then the template): 50 ms at p95 leaves room for one request per core, not for 4 in "
        "flight."
    ),
    "full-text search, warm cache": (
        "A cached search page is served like any other cached page; see the warm p95 note."
    ),
    "renditions": (
        "Encoding WebP dominates (the 1600 px rendition alone takes about 70 ms at effort 2 of 6), then the "
        "LANCZOS resizes and the progressive JPEGs."
    ),
}


def verdict(value: float, target: float, higher_is_better: bool) -> str:
    ok = value >= target if higher_is_better else value <= target
    if ok:
        return "met"
    missed = (target - value) / target if higher_is_better else (value - target) / target
    return f"missed by {missed:.0%}"


def report(
    all_results: dict,
    search_queries: float,
    renditions: float,
    tasks: float,
    description: str,
    imports: dict | None = None,
    cooperation: dict | None = None,
    faces: dict | None = None,
) -> str:
    lines = [f"# Benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC", "", description, ""]
    checks = []
    for size, modes in all_results.items():
        for mode, results in modes.items():
            bare = results["bare view"]["rps"]
            lines += [
                f"## {size:,} stories, {mode} ({MODES[mode][1]} connections)",
                "",
                "| page | req/s | ratio to bare | p50 ms | p95 ms | p99 ms | errors | queries |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            for name, r in results.items():
                lines.append(
                    f"| {name} | {r['rps']:.0f} | {r['rps'] / bare:.2f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                    f"{r['p99']:.1f} | {r['errors']} | {r['queries']} |"
                )
            lines.append("")
            if size == max(all_results):
                for name in ("gallery", "story page"):
                    r = results[name]
                    if mode == "warm cache":
                        ratio = r["rps"] / bare
                        checks.append(
                            (f"{name}, warm: ratio ≥ 0.40", f"{ratio:.2f}", verdict(ratio, 0.40, True))
                        )
                        checks.append(
                            (f"{name}, warm: p95 ≤ 30 ms", f"{r['p95']:.1f}", verdict(r["p95"], 30, False))
                        )
                    else:
                        checks.append(
                            (
                                f"{name}, no cache: p95 ≤ 150 ms",
                                f"{r['p95']:.1f}",
                                verdict(r["p95"], 150, False),
                            )
                        )
                search = results["gallery, full-text search"]["p95"]
                checks.append(
                    (f"full-text search, {mode}: p95 ≤ 50 ms", f"{search:.1f}", verdict(search, 50, False))
                )
                if mode == "no cache":
                    gallery = results["gallery"]["p95"]
                    for name in ("recommendations", "recommendation page"):
                        checks.append(
                            (
                                f"{name}, no cache: p95 ≤ the gallery's ({gallery:.1f} ms)",
                                f"{results[name]['p95']:.1f}",
                                verdict(results[name]["p95"], gallery, False),
                            )
                        )
    checks.append(
        (
            "full-text search, database work alone, varied words, no cache: p95 ≤ 50 ms",
            f"{search_queries:.1f}",
            verdict(search_queries, 50, False),
        )
    )
    checks.append(
        ("renditions of a 12-megapixel JPEG ≤ 300 ms", f"{renditions:.0f}", verdict(renditions, 300, False))
    )
    if faces:
        big, small = faces["12mp"], faces["1280x960"]
        checks.append(
            (
                f"face detection ({faces['detector']}) on a 12-megapixel JPEG ≤ 1 s of CPU",
                f"{big['cpu']:.2f} (wall {big['wall']:.2f})",
                verdict(big["cpu"], 1.0, False),
            )
        )
        checks.append(
            (
                f"face detection ({faces['detector']}) on a 1280x960 photo ≤ 0.5 s",
                f"{small['wall']:.2f} (CPU {small['cpu']:.2f})",
                verdict(small["wall"], 0.5, False),
            )
        )
    checks.append(("no-op tasks per second ≥ 500", f"{tasks:.0f}", verdict(tasks, 500, True)))
    if imports:
        checks.append(
            (
                f"import of {imports['rows']:,} UHRI rows ≤ 120 s ({imports['rows_per_second']:,.0f} rows/s)",
                f"{imports['first']:.1f}",
                verdict(imports["first"], TARGETS["import_seconds"], False),
            )
        )
    sizes = list(all_results)
    same_queries = all(
        all_results[sizes[0]][mode][page]["queries"] == all_results[sizes[-1]][mode][page]["queries"]
        for mode in all_results[sizes[0]]
        for page in all_results[sizes[0]][mode]
    )
    checks.append(("query counts independent of the number of stories", "same" if same_queries else "differ",
                   "met" if same_queries else "missed"))  # fmt: skip
    lines += [
        f"## Targets at {max(all_results):,} stories",
        "",
        "| target | measured | result |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| {name} | {value} | {result} |" for name, value, result in checks]
    missed = [name for name, _value, result in checks if result != "met"]
    reasons = {reason for name in missed for cue, reason in WHY.items() if cue in name}
    if reasons:
        lines += ["", "### Why the missed targets are missed", ""]
        lines += [f"- {reason}" for reason in sorted(reasons)]
    if imports:
        lines += [
            "",
            f"### Importing {imports['rows']:,} rows of a UHRI export (CSV), with `import_recommendations`",
            "",
            "| run | seconds | rows/s | what it did |",
            "| --- | ---: | ---: | --- |",
            f"| first | {imports['first']:.1f} | {imports['rows'] / imports['first']:,.0f} | "
            f"{imports['first summary']} |",
            f"| again, same file | {imports['again']:.1f} | {imports['rows'] / imports['again']:,.0f} | "
            f"{imports['again summary']} |",
            "",
            "Times include the command's start-up; 2% of the rows are for states that are not members "
            "(skipped).",
        ]
    if cooperation:
        lines += cooperation_report(cooperation)
    lines += ["", "![Throughput as a ratio of the bare view](latest.png)", ""]
    return "\n".join(lines)


def plot(all_results: dict, path: Path) -> None:
    """A bar chart of throughput ratios per page (Pillow only)."""
    from PIL import Image, ImageDraw

    series = [
        (f"{size // 1000}k {mode}", results)
        for size, modes in all_results.items()
        for mode, results in modes.items()
    ]
    names = [name for name in next(iter(series))[1] if name != "bare view"]
    colours = [(0, 90, 156), (120, 170, 220), (200, 90, 40), (240, 170, 120)]
    width, row, left = 1100, 18 * len(series) + 14, 230
    image = Image.new("RGB", (width, 60 + row * len(names)), "white")
    draw = ImageDraw.Draw(image)
    draw.text(
        (10, 10), "Throughput as a ratio of the bare view (1.0 = as fast as a bare Django view)", fill="black"
    )
    for index, (label, _results) in enumerate(series):
        draw.rectangle([left + index * 200, 30, left + index * 200 + 12, 42], fill=colours[index % 4])
        draw.text((left + index * 200 + 16, 30), label, fill="black")
    scale = (width - left - 40) / 1.2
    for i, name in enumerate(names):
        top = 55 + i * row
        draw.text((10, top + 4), name, fill="black")
        for j, (_label, results) in enumerate(series):
            ratio = results[name]["rps"] / results["bare view"]["rps"]
            y = top + j * 18
            draw.rectangle([left, y, left + max(1, int(ratio * scale)), y + 14], fill=colours[j % 4])
            draw.text((left + int(ratio * scale) + 4, y + 1), f"{ratio:.2f}", fill="black")
    x40 = left + int(0.4 * scale)
    draw.line([(x40, 50), (x40, image.height)], fill=(180, 0, 0))
    image.save(path)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, even into a file
    ensure_tools()
    print("Preparing the database …")
    prepare_database()
    paths = None
    all_results: dict[int, dict[str, dict]] = {}
    created = 0
    for size in SIZES:
        print(f"Creating stories and recommendations up to {size:,} each …")
        manage("bench_data", "--stories", str(size - created), "--recommendations", str(size - created))
        created = size
        paths = paths or pages()  # the same story and meeting at every size, so query counts compare
        all_results[size] = {}
        for mode, (public_cache, connections) in MODES.items():
            print(f"  {mode}:")
            all_results[size][mode] = measure(public_cache, connections, paths)
    print("Cooperation: 200 members with visit requests and communications …")
    manage("bench_data", "--cooperation")
    cooperation = cooperation_pages()
    print("Full-text search queries alone …")
    search_queries = search_queries_ms()
    print("Renditions of a 12-megapixel JPEG …")
    renditions = renditions_ms()
    print("Face detection on a 12-megapixel JPEG and a 1280x960 photo …")
    faces = face_detection_seconds()
    print("No-op Celery tasks through Redis …")
    tasks = tasks_per_second()
    print(f"Importing {IMPORT_ROWS:,} UHRI rows …")
    imports = import_times()
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = report(all_results, search_queries, renditions, tasks, machine(), imports, cooperation, faces)
    stamp = f"{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M}"
    (RESULTS / f"{stamp}.md").write_text(text.replace("latest.png", f"{stamp}.png"))
    (RESULTS / "latest.md").write_text(text)
    plot(all_results, RESULTS / "latest.png")
    shutil.copy(RESULTS / "latest.png", RESULTS / f"{stamp}.png")
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {
                "results": all_results,
                "search_queries_p95_ms": search_queries,
                "renditions_ms": renditions,
                "face_detection_seconds": faces,
                "tasks_per_second": tasks,
                "import": imports,
                "cooperation": cooperation,
            },
            indent=1,
        )
    )
    print(text)
    run("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE)
    shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
