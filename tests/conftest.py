"""Session-wide servers, shared by every test.

The controlling pytest process starts two embedded PostgreSQL servers and one Redis (unless
TEST_DATABASE_URL / TEST_SECOND_DATABASE_URL / TEST_REDIS_URL name existing ones); each xdist
worker gets its own database on each (migrated once) and its own Redis database number, so
workers never see each other's data. The second server is the cluster `second`
(DATABASE_CLUSTERS): organizations placed there must work end to end as on the default one.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from finsight.embedded import (
    APP_LOGIN_ROLE,
    EmbeddedPostgres,
    EmbeddedRedis,
    ensure_login_role,
    free_port,
)

from support.mail import MailSink

pytest_plugins = ["support.server_fixtures"]

_embedded: list[EmbeddedPostgres | EmbeddedRedis] = []

# The CLI's console takes its width when first imported: fix it for the whole session, so table
# rows never wrap whatever test imports the CLI first.
os.environ.setdefault("COLUMNS", "200")

TEST_ENVIRONMENT = {
    "ENVIRONMENT": "test",
    "JWT_SECRET": "test-secret-" + "x" * 40,
    # Cheap hashing keeps the suite fast; the benchmark states the production cost.
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST_KIB": "1024",
    "ARGON2_PARALLELISM": "1",
    "LOG_FORMAT": "console",
    "LOG_LEVEL": "WARNING",
    # Above the largest test statement (the worker-kill test's ~20 MB), below the 413 test's.
    "IMPORT_MAX_BYTES": str(30 * 1024 * 1024),
    # Mail retries: a second, not half a minute, before the first retry.
    "SMTP_RETRY_BACKOFF_SECONDS": "1",
    # Alert webhooks go to receivers on 127.0.0.1 (the refusal is tested with this off).
    "ALERTS_ALLOW_PRIVATE_ADDRESSES": "true",
}


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller already started the servers
    root = Path(tempfile.mkdtemp(prefix="finsight-test-"))
    os.environ["FINSIGHT_TEST_ROOT"] = str(root)
    if not os.environ.get("TEST_DATABASE_URL"):
        postgres = EmbeddedPostgres(root / "pg")
        postgres.start(scratch=True)
        _embedded.append(postgres)
        os.environ["TEST_DATABASE_URL"] = postgres.url("postgres")
    if not os.environ.get("TEST_SECOND_DATABASE_URL"):
        second = EmbeddedPostgres(root / "pg-second")
        second.start(scratch=True)
        _embedded.append(second)
        os.environ["TEST_SECOND_DATABASE_URL"] = second.url("postgres")
    if not os.environ.get("TEST_REDIS_URL"):
        redis = EmbeddedRedis(root / "redis", persistent=False)
        redis.start()
        _embedded.append(redis)
        os.environ["TEST_REDIS_URL"] = redis.url


def pytest_unconfigure(config: pytest.Config) -> None:
    while _embedded:
        _embedded.pop().stop()


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


SECOND_CLUSTER = "second"


def _worker_database_urls(server_variable: str = "TEST_DATABASE_URL") -> tuple[str, str]:
    """Create this worker's database afresh on a server; return the URLs of the application's
    login (DATABASE_URL) and of the owner that migrates it (MIGRATION_DATABASE_URL, the
    server's superuser), as production runs them."""
    server = make_url(os.environ[server_variable]).set(drivername="postgresql+psycopg")
    name = f"finsight_test_{worker_id()}"
    admin = server.set(drivername="postgresql", database="postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    ensure_login_role(admin_dsn, APP_LOGIN_ROLE)
    owner = server.set(database=name)
    app = owner.set(username=APP_LOGIN_ROLE, password=None)
    return app.render_as_string(hide_password=False), owner.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[MailSink]:
    """This worker's SMTP server: every server process of the session sends its mail here."""
    with MailSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def test_env(mail_sink: MailSink) -> Iterator[dict[str, str]]:
    """This worker's settings, applied to os.environ and handed to server processes."""
    from finsight.config import get_settings
    from finsight.db import app_login, migration_session, reset_engines
    from finsight.tenancy.migrations import upgrade_platform

    env = dict(TEST_ENVIRONMENT)
    env["SMTP_HOST"], env["SMTP_PORT"] = "127.0.0.1", str(mail_sink.port)
    env["DATABASE_URL"], env["MIGRATION_DATABASE_URL"] = _worker_database_urls()
    # The second cluster runs with two roles too: the application's login, and the owner of its
    # platform schema for migrations and provisioning.
    second_app, second_owner = _worker_database_urls("TEST_SECOND_DATABASE_URL")
    env["DATABASE_CLUSTERS"] = json.dumps({SECOND_CLUSTER: second_app})
    env["MIGRATION_DATABASE_CLUSTERS"] = json.dumps({SECOND_CLUSTER: second_owner})
    env["REDIS_URL"] = f"{os.environ['TEST_REDIS_URL'].rsplit('/', 1)[0]}/{_redis_index()}"
    env["DATA_DIR"] = str(Path(os.environ["FINSIGHT_TEST_ROOT"]) / f"data-{worker_id()}")
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    get_settings.cache_clear()
    reset_engines()
    with migration_session() as session:
        upgrade_platform(session.connection(), app_login=app_login())
    yield {**os.environ, **env}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    reset_engines()
    get_settings.cache_clear()


def _redis_index() -> int:
    return 0 if worker_id() == "main" else int(worker_id().removeprefix("gw")) % 15 + 1


@pytest.fixture
def unique_slug() -> str:
    """Slugs are global per PostgreSQL cluster (roles are), so every test makes its own."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def api_port() -> int:
    return free_port()
