"""The web service's settings, from the environment (and `.env`), like the rest of finsight."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    api_url: str = "http://127.0.0.1:8000"  # where the REST API answers
    redis_url: str | None = None  # sessions; default: the local Redis
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # Cookies only over HTTPS (browsers treat http://127.0.0.1 and localhost as secure too).
    web_cookie_secure: bool = True
    web_session_idle_seconds: int = 8 * 3600  # signed out after this long without a request
    web_api_timeout_seconds: float = 60.0
    web_upload_draft_seconds: int = 1800  # an upload waiting for its column mapping
    import_max_bytes: int = 200 * 1024 * 1024  # the API's setting too: refused here first

    @property
    def session_redis_url(self) -> str:
        return self.redis_url or "redis://127.0.0.1:6379/0"


@lru_cache
def get_web_settings() -> WebSettings:
    return WebSettings()
