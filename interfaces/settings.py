"""Server settings, read from the environment (``CODEANNALS_*``)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from domain.shared.errors import Invalid


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise Invalid(f"{key} must be a whole number, not {raw!r}") from None


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise Invalid(f"{key} must be a number, not {raw!r}") from None


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class PostgresTarget:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def conninfo(self) -> str:
        parts = {"host": self.host, "port": str(self.port), "user": self.user, "dbname": self.dbname}
        if self.password:
            parts["password"] = self.password
        return " ".join(f"{k}='{v}'" for k, v in parts.items())


def parse_database_url(url: str) -> PostgresTarget:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres"):
        raise Invalid("CODEANNALS_DATABASE_URL must be a postgresql://user:pass@host:port/db URL")
    dbname = parsed.path.lstrip("/")
    if not dbname:
        raise Invalid("CODEANNALS_DATABASE_URL must name a database")
    return PostgresTarget(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=unquote(parsed.username or "postgres"),
        password=unquote(parsed.password or ""),
        dbname=dbname,
    )


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str | None = None
    secret_key: str | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 60
    max_request_bytes: int = 150 * 1024 * 1024
    max_decompressed_bytes: int = 512 * 1024 * 1024
    max_test_cases: int = 500_000
    read_wait_seconds: float = 5.0
    password_cost: int = 14
    local_repo_roots: tuple[Path, ...] = ()
    poll_seconds: int = 60
    run_projections: bool = True
    run_workers: bool = True
    postgres_pool_size: int = 4
    login_failures_per_user: int = 10
    login_failures_per_address: int = 50
    login_window_seconds: int = 600
    public_test_results: bool = True
    attachment_max_bytes: int = 50 * 1024 * 1024
    attachment_max_run_bytes: int = 200 * 1024 * 1024
    test_run_retention_days: int | None = None
    projektor_messages: tuple[str, ...] = ()
    projektor_async_parsing: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        roots = tuple(Path(p).resolve() for p in env.get("CODEANNALS_LOCAL_REPO_ROOTS", "").split(":") if p.strip())
        return cls(
            data_dir=Path(env.get("CODEANNALS_DATA_DIR") or "data"),
            database_url=env.get("CODEANNALS_DATABASE_URL") or None,
            secret_key=env.get("CODEANNALS_SECRET_KEY") or None,
            access_token_minutes=_int(env, "CODEANNALS_ACCESS_TOKEN_MINUTES", 15),
            refresh_token_days=_int(env, "CODEANNALS_REFRESH_TOKEN_DAYS", 60),
            max_request_bytes=_int(env, "CODEANNALS_MAX_REQUEST_BYTES", 150 * 1024 * 1024),
            max_decompressed_bytes=_int(env, "CODEANNALS_MAX_DECOMPRESSED_BYTES", 512 * 1024 * 1024),
            max_test_cases=_int(env, "CODEANNALS_MAX_TEST_CASES", 500_000),
            read_wait_seconds=_float(env, "CODEANNALS_READ_WAIT_SECONDS", 5.0),
            password_cost=_int(env, "CODEANNALS_PASSWORD_COST", 14),
            local_repo_roots=roots,
            poll_seconds=_int(env, "CODEANNALS_POLL_SECONDS", 60),
            run_projections=_bool(env, "CODEANNALS_RUN_PROJECTIONS", True),
            run_workers=_bool(env, "CODEANNALS_RUN_WORKERS", True),
            postgres_pool_size=_int(env, "CODEANNALS_POSTGRES_POOL_SIZE", 4),
            login_failures_per_user=_int(env, "CODEANNALS_LOGIN_FAILURES_PER_USER", 10),
            login_failures_per_address=_int(env, "CODEANNALS_LOGIN_FAILURES_PER_ADDRESS", 50),
            login_window_seconds=_int(env, "CODEANNALS_LOGIN_WINDOW_SECONDS", 600),
            public_test_results=_bool(env, "CODEANNALS_PUBLIC_TEST_RESULTS", True),
            attachment_max_bytes=_int(env, "CODEANNALS_ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024),
            attachment_max_run_bytes=_int(env, "CODEANNALS_ATTACHMENT_MAX_RUN_BYTES", 200 * 1024 * 1024),
            test_run_retention_days=_int(env, "CODEANNALS_TEST_RUN_RETENTION_DAYS", 0) or None,
            projektor_async_parsing=_bool(env, "CODEANNALS_PROJEKTOR_ASYNC_PARSING", False),
            projektor_messages=tuple(m.strip() for m in env.get("CODEANNALS_PROJEKTOR_MESSAGES", "").split("|")
                                     if m.strip()),
            extra={k: v for k, v in env.items() if k.startswith("CODEANNALS_")},
        )

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"

    @property
    def postgres(self) -> PostgresTarget:
        if not self.database_url:
            raise Invalid("no CODEANNALS_DATABASE_URL is set")
        return parse_database_url(self.database_url)

    def resolved_secret_key(self) -> str:
        """The JWT signing key: from the environment, or generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(key)
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: the first process to create it wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_text().strip()

    def event_store_env(self, application: str) -> dict[str, str]:
        env = {"COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}
        if self.database_url:
            pg = self.postgres
            env.update(
                PERSISTENCE_MODULE="interfaces.persistence.postgres:Factory",
                POSTGRES_DBNAME=pg.dbname,
                POSTGRES_HOST=pg.host,
                POSTGRES_PORT=str(pg.port),
                POSTGRES_USER=pg.user,
                POSTGRES_PASSWORD=pg.password,
                # One idle connection per application; up to postgres_pool_size under load.
                POSTGRES_POOL_SIZE="1",
                POSTGRES_MAX_OVERFLOW=str(max(0, self.postgres_pool_size - 1)),
                POSTGRES_CONNECT_TIMEOUT="5",
                POSTGRES_LOCK_TIMEOUT="10",
                POSTGRES_PRE_PING="y",
            )
        else:
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=str(self.data_dir / f"events-{application}.sqlite"),
                SQLITE_LOCK_TIMEOUT="30",
            )
        return env
