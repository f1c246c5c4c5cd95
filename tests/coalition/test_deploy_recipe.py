"""The production recipe (Dockerfile, .dockerignore, docker-compose.yml, .env.example) against the settings.

No image is built here (CI has no Docker engine): the tests read the recipe, run the web container's health
probe against a live server, and validate the compose file with Debian's docker-compose when it is installed
(CI installs it; with REQUIRE_SERVICES=1 a missing one fails).
"""

import ast
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.http.request import validate_host

from coalition.management.commands.backup import Command as BackupCommand
from meetings.forms import MAX_DOCUMENT_BYTES
from members.demo import DEMO_DOMAIN, DEMO_PASSWORD
from members.models import User
from stories.images import MAX_UPLOAD_BYTES
from tests.services import require

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
NGINX_CONF_PATH = ROOT / "deploy" / "nginx" / "nginx.conf"
NGINX_CONF = NGINX_CONF_PATH.read_text()
PORTAL_SERVICES = ["migrate", "web", "worker", "beat"]
# Read by something other than coalition/settings.py: docker compose itself, or boto3 (django-storages).
NOT_READ_BY_SETTINGS = {"POSTGRES_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}

spec = importlib.util.spec_from_file_location("deploy_healthcheck", ROOT / "deploy" / "healthcheck.py")
healthcheck = importlib.util.module_from_spec(spec)
spec.loader.exec_module(healthcheck)


# --- Reading the recipe ---------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments left out."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def names_read_by_settings() -> set[str]:
    """Every NAME in an `env.<kind>("NAME", ...)` (or `env("NAME")`) call of coalition/settings.py."""
    tree = ast.parse((ROOT / "coalition" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        )
        if reads_env and isinstance(node.args[0].value, str):
            names.add(node.args[0].value)
    return names


def names_in_env_example() -> set[str]:
    """Variables of .env.example, set or shown commented out (`#NAME=...`)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE))


def parse_dotenv(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


class MissingVariable(Exception):
    pass


INTERPOLATION = re.compile(r"\$\$|\$\{(?P<braced>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>\w+)")


def interpolate(value, variables: dict[str, str]):
    """Compose's interpolation (`$$`, `${VAR}`, `${VAR:-default}`, `${VAR:?error}`), in lists and maps."""
    if isinstance(value, dict):
        return {key: interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, variables) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = variables.get(name)
        unset = current is None or (op is not None and op.startswith(":") and current == "")
        if op and op.endswith("-"):
            return arg if unset else current
        if op and op.endswith("?"):
            if unset:
                raise MissingVariable(f"{name}: {arg}")
            return current
        return current or ""

    return INTERPOLATION.sub(replace, value)


def service_environment(service: str, dotenv: dict[str, str], exported: dict | None = None) -> dict[str, str]:
    """What a container of the service gets: env_file (.env), then `environment:` interpolated with .env and
    the variables exported in the shell (those winning), as docker compose does."""
    compose = interpolate(COMPOSE, {**dotenv, **(exported or {})})
    definition = compose["services"][service]
    environment = dict(dotenv) if definition.get("env_file") else {}
    environment.update({key: str(value) for key, value in (definition.get("environment") or {}).items()})
    return environment


def example_dotenv(**changes: str) -> dict[str, str]:
    """.env.example as someone fills it in: a SECRET_KEY and a database password, plus `changes`."""
    values = parse_dotenv(ENV_EXAMPLE)
    values.update(SECRET_KEY="k" * 50, POSTGRES_PASSWORD="a-generated-password")
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern:
    out, index = "", 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out, index = out + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            out, index = out + ".*", index + 2
        elif pattern[index] == "*":
            out, index = out + "[^/]*", index + 1
        elif pattern[index] == "?":
            out, index = out + "[^/]", index + 1
        else:
            out, index = out + re.escape(pattern[index]), index + 1
    return re.compile(out)


def in_build_context(path: str) -> bool:
    """Docker's rule: the last pattern that matches the path, or one of the folders above it, decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:count]) for count in range(1, len(parts) + 1)]
    included = True
    for raw in dockerignore_patterns():
        negated = raw.startswith("!")
        regex = _pattern_regex(raw.lstrip("!").strip("/"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            included = negated
    return included


def project_packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [name.rstrip("*") for name in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]


# --- The image --------------------------------------------------------------------------------------------


def test_the_image_compiles_the_catalogues_from_the_copied_code():
    instructions = dockerfile_instructions()
    copy_all = instructions.index(("COPY", ". ."))
    compiles = [
        index
        for index, (keyword, arguments) in enumerate(instructions)
        if keyword == "RUN" and "python -m coalition.catalogues" in arguments
    ]
    assert compiles, "the Dockerfile never runs `python -m coalition.catalogues`: /fr/ would be English"
    assert compiles[0] > copy_all, "the catalogues must be compiled after the code (locale/) is copied"
    # Catalogues compiled on the developer's machine stay out: the image compiles its own from the .po files.
    assert not in_build_context("locale/fr/LC_MESSAGES/django.mo")
    assert in_build_context("locale/fr/LC_MESSAGES/django.po")


def test_the_image_installs_the_postgresql_client_of_the_compose_database():
    pg_major = re.search(r"^ARG PG_MAJOR=(\d+)$", DOCKERFILE, flags=re.MULTILINE)
    assert pg_major, "the Dockerfile names the PostgreSQL major version in `ARG PG_MAJOR=`"
    db_tag = COMPOSE["services"]["db"]["image"].split(":", 1)[1]
    assert db_tag.split(".")[0].split("-")[0] == pg_major.group(1), (
        "pg_dump must be of the server's major version: Dockerfile PG_MAJOR and the db image disagree"
    )
    assert '"postgresql-client-${PG_MAJOR}"' in DOCKERFILE


def test_backups_go_to_a_volume_the_portal_user_can_write():
    instructions = dockerfile_instructions()
    assert ("WORKDIR", "/app") in instructions
    assert ("USER", "portal") in instructions
    chown = [args for keyword, args in instructions if keyword == "RUN" and "chown portal:portal" in args]
    assert chown and "/app/backups" in chown[-1]
    assert "backups:/app/backups" in COMPOSE["services"]["web"]["volumes"]
    assert "backups" in COMPOSE["volumes"]
    # `manage.py backup` with no --to writes backups/<time>/ under the working directory: /app/backups.
    options = BackupCommand().create_parser("manage.py", "backup").parse_args([])
    assert options.to.startswith("backups/")


def test_every_package_of_the_project_is_in_the_build_context():
    needed = [f"{package}/__init__.py" for package in project_packages()]
    needed += ["pyproject.toml", "README.md", "manage.py", "templates/base.html", "static/css/x.css"]
    needed += ["locale/fr/LC_MESSAGES/django.po", "deploy/healthcheck.py"]
    assert [path for path in needed if not in_build_context(path)] == []


@pytest.mark.parametrize(
    "path",
    [
        "private_media/originals/photo.jpg",
        "media/renditions/photo.webp",
        "backups/20260101-120000/database.dump",
        ".env",
        "db.sqlite3",
        ".venv/bin/python",
        ".git/config",
        "staticfiles/css/site.css",
        "bench/results/latest.md",
        "celerybeat-schedule",
        "coalition/__pycache__/settings.cpython-311.pyc",
    ],
)
def test_local_data_stays_out_of_the_build_context(path):
    assert not in_build_context(path), f"{path} would be copied into the image"


# --- The compose file -------------------------------------------------------------------------------------


def test_every_image_is_pinned_to_a_version():
    for name, service in COMPOSE["services"].items():
        if "build" in service:
            continue  # the portal's own image, built from this checkout
        image = service["image"]
        assert ":" in image, f"{name}: {image} has no tag"
        tag = image.rsplit(":", 1)[1]
        assert tag != "latest" and re.match(r"v?\d+\.\d+", tag), f"{name}: {image} is not pinned to a version"


def test_long_running_services_restart_and_migrate_runs_once():
    for name, service in COMPOSE["services"].items():
        expected = "no" if name == "migrate" else "unless-stopped"
        assert service.get("restart") == expected, name


def test_every_setting_read_from_the_environment_is_set_or_documented():
    read = names_read_by_settings()
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "ALLOWED_HOSTS"} <= read  # the parser finds them
    set_by_compose = set(COMPOSE["x-portal"]["environment"])
    assert sorted(read - set_by_compose - names_in_env_example()) == []


def test_env_example_lists_no_variable_nobody_reads():
    assert sorted(names_in_env_example() - names_read_by_settings() - NOT_READ_BY_SETTINGS) == []


def test_the_readme_configuration_table_names_every_variable():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = names_read_by_settings() | {"POSTGRES_PASSWORD"}
    missing = [name for name in names if f"`{name}`" not in section]
    assert sorted(missing) == []


@pytest.mark.parametrize("service", PORTAL_SERVICES)
def test_dotenv_wins_over_the_compose_defaults(service):
    production = {
        "DATABASE_URL": "postgres://portal:secret@db.internal:5432/goodstories",
        "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
        "CACHE_URL": "redis://cache.internal:6379/1",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    }

    environment = service_environment(service, example_dotenv(**production))

    assert {name: environment[name] for name in production} == production


@pytest.mark.parametrize("service", PORTAL_SERVICES)
def test_services_left_out_of_dotenv_default_to_the_compose_ones(service):
    dotenv = example_dotenv(DATABASE_URL=None, CELERY_BROKER_URL=None, CACHE_URL=None, EMAIL_URL=None)

    environment = service_environment(service, dotenv)

    assert environment["DATABASE_URL"] == "postgres://postgres@db:5432/coalition"
    assert environment["PGPASSWORD"] == "a-generated-password"
    assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert environment["CACHE_URL"] == "redis://redis:6379/1"
    assert environment["EMAIL_URL"] == "smtp://mail:1025"


def test_the_shell_wins_over_dotenv_as_in_the_settings():
    environment = service_environment("web", example_dotenv(), exported={"EMAIL_URL": "smtp://relay:25"})

    assert environment["EMAIL_URL"] == "smtp://relay:25"


def test_the_database_password_comes_from_dotenv_only():
    assert "postgres:postgres" not in COMPOSE_TEXT
    assert re.search(r"POSTGRES_PASSWORD: \$\{POSTGRES_PASSWORD:\?", COMPOSE_TEXT)
    assert service_environment("db", example_dotenv())["POSTGRES_PASSWORD"] == "a-generated-password"
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD"):
        service_environment("web", example_dotenv(POSTGRES_PASSWORD=""))
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD"):
        service_environment("db", example_dotenv(POSTGRES_PASSWORD=None))


def test_media_folders_are_where_the_volumes_are_mounted():
    environment = service_environment("web", example_dotenv(MEDIA_ROOT="/elsewhere"))
    volumes = COMPOSE["services"]["web"]["volumes"]

    assert f"media:{environment['MEDIA_ROOT']}" in volumes
    assert f"private_media:{environment['PRIVATE_MEDIA_ROOT']}" in volumes


# --- The web healthcheck ------------------------------------------------------------------------------------


def test_the_web_healthcheck_runs_the_probe_script():
    assert COMPOSE["services"]["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]


@pytest.mark.parametrize(
    "allowed_hosts",
    [
        "goodstories.example",
        "www.goodstories.example,goodstories.example",
        ".goodstories.example",
        "*",
        "localhost,127.0.0.1",
    ],
)
def test_the_probe_sends_a_host_that_allowed_hosts_accepts(allowed_hosts):
    hosts = allowed_hosts.split(",")

    assert validate_host(healthcheck.probe_host(hosts), hosts)


def test_the_probe_host_is_allowed_by_what_compose_gives_the_web_container():
    for dotenv in (example_dotenv(), example_dotenv(ALLOWED_HOSTS="goodstories.example")):
        hosts = service_environment("web", dotenv)["ALLOWED_HOSTS"].split(",")

        assert validate_host(healthcheck.probe_host(hosts), hosts), hosts


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_probe_passes_where_a_plain_request_to_loopback_is_refused(live_server, settings):
    settings.ALLOWED_HOSTS = ["goodstories.example"]
    url = f"{live_server.url}/healthz"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310 - the test's own live server
    assert refused.value.code == 400  # what the old healthcheck got with a production ALLOWED_HOSTS

    def probe(allowed_hosts: str) -> subprocess.CompletedProcess:
        environment = {**os.environ, "ALLOWED_HOSTS": allowed_hosts, "SECRET_KEY": "k" * 50}
        return subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "healthcheck.py"), url],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert probe("goodstories.example").returncode == 0
    wrong = probe("other.example")  # a Host the server does not accept: the probe says so and fails
    assert wrong.returncode == 1
    assert "400" in wrong.stderr


# --- docker-compose's own reading of the file -------------------------------------------------------------


def compose_config(folder: Path, dotenv: dict[str, str]) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "docker-compose.yml", folder / "docker-compose.yml")
    (folder / ".env").write_text("".join(f"{name}={value}\n" for name, value in dotenv.items()))
    # A clean environment: CI's own DATABASE_URL and friends must not stand in for .env.
    environment = {"PATH": os.environ["PATH"], "HOME": str(folder)}
    return subprocess.run(
        ["docker-compose", "config"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_docker_compose_reads_the_file_as_these_tests_do(tmp_path):
    require(shutil.which("docker-compose") is not None, "docker-compose is not installed")
    dotenv = example_dotenv(EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587")

    result = compose_config(tmp_path, dotenv)

    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for service in [*PORTAL_SERVICES, "db"]:
        assert services[service]["environment"] == service_environment(service, dotenv), service
    assert services["web"]["environment"]["EMAIL_URL"] == dotenv["EMAIL_URL"]


def test_docker_compose_refuses_to_run_without_a_database_password(tmp_path):
    require(shutil.which("docker-compose") is not None, "docker-compose is not installed")

    result = compose_config(tmp_path, example_dotenv(POSTGRES_PASSWORD=None))

    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


# --- nginx in front of web ---------------------------------------------------------------------------------


def nginx_directives(name: str) -> list[str]:
    """The arguments of every `name ...;` directive of deploy/nginx/nginx.conf, comments left out."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF)
    return [" ".join(args.split()) for args in re.findall(rf"(?:^|[{{;\s]){name}\s+([^;{{]*);", text)]


def test_nginx_is_pinned_and_reads_the_repository_config_read_only():
    nginx = COMPOSE["services"]["nginx"]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+(-[a-z0-9.]+)?", nginx["image"]), nginx["image"]
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert nginx["restart"] == "unless-stopped"
    assert nginx["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert "/nginx-health" in " ".join(nginx["healthcheck"]["test"])
    assert "location = /nginx-health" in NGINX_CONF


def test_web_is_reached_only_through_nginx_which_it_trusts():
    assert "ports" not in COMPOSE["services"]["web"], "web publishes its port: clients could bypass nginx"
    assert any(port.endswith(":80") for port in COMPOSE["services"]["nginx"]["ports"])
    # nginx's upstream is gunicorn's bind address in the image.
    assert "web:8000" in nginx_directives("server")
    assert '"--bind", "0.0.0.0:8000"' in DOCKERFILE
    # Whatever .env says, web trusts X-Forwarded-Proto (nginx sets it) and leaves /media/ to nginx.
    for dotenv in (example_dotenv(), example_dotenv(TRUST_X_FORWARDED_PROTO="false", SERVE_MEDIA="true")):
        environment = service_environment("web", dotenv)
        assert environment["TRUST_X_FORWARDED_PROTO"] == "true"
        assert environment["SERVE_MEDIA"] == "false"
        # The rest of the portal's environment is still there (web merges it, not replaces it).
        assert environment["DATABASE_URL"] == "postgres://postgres@db:5432/coalition"
        assert environment["MEDIA_ROOT"] == "/app/media"
    # The other containers serve no HTTP and keep .env's value.
    assert service_environment("worker", example_dotenv())["TRUST_X_FORWARDED_PROTO"] == "false"


def test_nginx_serves_public_media_read_only_and_never_private_media():
    volumes = COMPOSE["services"]["nginx"]["volumes"]
    assert "media:/srv/media:ro" in volumes
    assert not [volume for volume in volumes if "private" in volume]
    assert "private" not in " ".join(nginx_directives("alias") + nginx_directives("root"))
    # Public media, and the open-data releases within it (with CORS): never anything else.
    assert sorted(nginx_directives("alias")) == ["/srv/media/", "/srv/media/releases/"]
    assert "location /media/" in NGINX_CONF
    assert service_environment("web", example_dotenv())["MEDIA_ROOT"] == "/app/media"  # the same volume


def test_nginx_sets_the_forwarded_headers_itself():
    headers = dict(args.split(" ", 1) for args in nginx_directives("proxy_set_header"))
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$remote_addr"  # never $proxy_add_x_forwarded_for: the client's list
    assert headers["Host"] == "$host"


def test_nginx_takes_the_largest_upload_a_form_sends():
    (size,) = nginx_directives("client_max_body_size")
    limit = int(size.rstrip("m")) * 1024 * 1024
    # One file per submission (a photo or a meeting document) plus the other fields, at most 2.5 MB.
    largest_file = max(MAX_UPLOAD_BYTES, MAX_DOCUMENT_BYTES)
    assert largest_file + 2.5 * 1024 * 1024 < limit <= largest_file + 10 * 1024 * 1024


def test_nginx_compresses_text():
    assert nginx_directives("gzip") == ["on"]
    (types,) = nginx_directives("gzip_types")
    expected = "text/css application/javascript application/json text/csv application/atom+xml image/svg+xml"
    assert set(expected.split()) | {"text/calendar"} <= set(types.split())


def test_nginx_micro_caches_anonymous_pages_only():
    assert "5s" in " ".join(nginx_directives("proxy_cache_valid"))
    assert nginx_directives("add_header").count("X-Cache-Status $upstream_cache_status always") == 2
    assert "updating error timeout" in nginx_directives("proxy_cache_use_stale")
    (bypass,) = nginx_directives("proxy_cache_bypass")
    (no_cache,) = nginx_directives("proxy_no_cache")
    assert {"$personal_request", "$not_get_or_head"} <= set(bypass.split())
    assert {"$personal_request", "$not_get_or_head", "$private_response", "$upstream_http_set_cookie"} <= set(
        no_cache.split()
    )
    assert re.search(r"\(sessionid\|messages\|", NGINX_CONF)


def local_nginx_conf(folder: Path, upstream: str = "127.0.0.1:8000", listen: str | None = None) -> Path:
    """A copy of deploy/nginx/nginx.conf that runs here: temporary paths, a local upstream and port."""
    for name in ("cache", "log", "media", "temp"):
        (folder / name).mkdir(exist_ok=True)
    text = NGINX_CONF.replace("/var/cache/nginx/", f"{folder}/cache/").replace(
        "/var/log/nginx/", f"{folder}/log/"
    )
    text = text.replace("/srv/media/", f"{folder}/media/").replace("server web:8000;", f"server {upstream};")
    temp_paths = "".join(f"    {kind}_temp_path {folder}/temp/{kind};\n" for kind in ("client_body", "proxy"))
    temp_paths += "".join(
        f"    {kind}_temp_path {folder}/temp/{kind};\n" for kind in ("fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {\n", "http {\n" + temp_paths, 1)
    if listen:
        text = text.replace("listen 80 default_server;", f"listen {listen} default_server;")
    assert f"{folder}/cache/" in text and f"server {upstream};" in text
    path = folder / "nginx.conf"
    path.write_text(text)
    return path


def nginx_globals(folder: Path, *extra: str) -> str:
    # Debian's nginx as root runs its workers as nobody, which cannot write into pytest's temporary folder.
    user = ["user root;"] if os.geteuid() == 0 else []
    return " ".join([f"pid {folder}/nginx.pid;", f"error_log {folder}/error.log;", *user, *extra])


def test_nginx_accepts_the_configuration(tmp_path):
    require(
        shutil.which("nginx") is not None, "Debian's nginx is not installed (apt-get install nginx-light)"
    )
    config = local_nginx_conf(tmp_path)

    result = subprocess.run(
        ["nginx", "-t", "-c", str(config), "-g", nginx_globals(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


class FakePortal(BaseHTTPRequestHandler):
    """gunicorn's stand-in: counts requests and echoes the forwarded headers it got."""

    hits: dict[str, int] = {}

    def do_GET(self):
        FakePortal.hits[self.path] = FakePortal.hits.get(self.path, 0) + 1
        body = (
            f"hit={FakePortal.hits[self.path]} proto={self.headers.get('X-Forwarded-Proto')} "
            f"for={self.headers.get('X-Forwarded-For')} host={self.headers.get('Host')}\n"
        ).encode() + b" " * 300  # long enough for gzip_min_length
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if self.path.startswith("/private"):
            self.send_header("Cache-Control", "private, no-store")
        else:
            self.send_header("Cache-Control", "public, max-age=30")
            self.send_header("Vary", "Cookie, Accept-Language")
        if self.path.startswith("/cookie"):
            self.send_header("Set-Cookie", "csrftoken=abc; Path=/")
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nginx_in_front_of_a_fake_portal(tmp_path):
    require(
        shutil.which("nginx") is not None, "Debian's nginx is not installed (apt-get install nginx-light)"
    )
    FakePortal.hits = {}
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), FakePortal)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    config = local_nginx_conf(
        tmp_path, upstream=f"127.0.0.1:{upstream.server_port}", listen=f"127.0.0.1:{port}"
    )
    (tmp_path / "media" / "photo.webp").write_bytes(b"RIFF....WEBP")
    nginx = subprocess.Popen(
        ["nginx", "-c", str(config), "-g", nginx_globals(tmp_path, "daemon off;")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get(path: str, method: str = "GET", **headers: str):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers, method=method)
        with opener.open(request, data=b"x" if method == "POST" else None, timeout=10) as response:
            return response.read().decode(), response.headers

    try:
        for _ in range(100):
            try:
                get("/nginx-health")
                break
            except OSError:
                time.sleep(0.05)
        body, headers = get("/page", **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "6.6.6.6"})
        assert "proto=http " in body and "for=127.0.0.1 " in body  # the client's values are overwritten
        assert headers["X-Cache-Status"] == "MISS"
        body, headers = get("/page")
        assert body.startswith("hit=1 ") and headers["X-Cache-Status"] == "HIT"
        # Signed in, or a message waiting: past the cache, and not stored.
        assert get("/page", Cookie="sessionid=s")[0].startswith("hit=2 ")
        assert get("/page", Cookie="a=b; messages=m")[0].startswith("hit=3 ")
        assert get("/page", method="POST")[0].startswith("hit=4 ")
        assert get("/page")[0].startswith("hit=1 ")
        # Never stored: private or no-store pages, and responses that set a cookie.
        for path in ("/private", "/cookie"):
            get(path)
            assert get(path)[0].startswith("hit=2 "), path
        # After 5 seconds the page is fetched again (stale answered while it is).
        time.sleep(6.2)  # nginx counts whole seconds: stored at t, the page is fresh until t + 5 to 6 s
        statuses, body = [], "hit=1 "
        for _ in range(100):  # up to 10 s more: a loaded machine answers late, never wrongly
            body, headers = get("/page")
            statuses.append(headers["X-Cache-Status"])
            if not body.startswith("hit=1 "):
                break
            time.sleep(0.1)
        assert not body.startswith("hit=1 "), statuses  # fetched again from the portal
        assert set(statuses) & {"STALE", "UPDATING", "EXPIRED"}, statuses
        # Public media from the media folder; text compressed.
        assert get("/media/photo.webp")[1]["X-Content-Type-Options"] == "nosniff"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/page", headers={"Accept-Encoding": "gzip"})
        with opener.open(request, timeout=10) as response:
            assert response.headers["Content-Encoding"] == "gzip"
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        upstream.shutdown()


# --- The demo data ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force") as refused:
        call_command("load_demo", stdout=StringIO())

    assert "DEBUG is off" in str(refused.value)
    assert DEMO_PASSWORD in str(refused.value)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_load_demo_loads_with_force_when_debug_is_off(settings):
    settings.DEBUG = False

    call_command("load_demo", "--force", stdout=StringIO())

    assert User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists()


@pytest.mark.django_db
def test_load_demo_needs_no_force_with_debug_on_as_in_make_run(settings):
    settings.DEBUG = True

    call_command("load_demo", stdout=StringIO())

    assert User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists()
    assert re.search(r"^run: export DEBUG = true$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
