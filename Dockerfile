# One image for every finsight service (api, web, worker, beat, operator, migrations): the chart
# picks the command. Runs as 10001 on a read-only root filesystem; it writes only under /tmp
# (an emptyDir in the chart), where DATA_DIR and HOME point.
ARG PYTHON_VERSION=3.11

# --- builder: every wheel, ours and our dependencies', installed into a virtualenv ------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS builder
# Bytecode is written here, at install, so the read-only runtime never needs to.
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Dependencies change less often than code: a layer of their own would need a lock file; the
# wheel cache of one `pip wheel` is what we have.
COPY pyproject.toml README.md ./
COPY platform/src platform/src
COPY operator/src operator/src
COPY frontend/src frontend/src
# Installed (and byte-compiled) here, from the wheels only: the runtime copies the virtualenv
# (same base image, same paths) and never runs pip. No BuildKit-only syntax, so the legacy
# docker builder, podman and buildah all build it.
RUN pip wheel --wheel-dir /wheels . \
    && python -m venv /opt/finsight \
    && /opt/finsight/bin/pip install --no-index --find-links=/wheels /wheels/finsight-*.whl

# --- runtime: the virtualenv, nothing to build with ---------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="finsight" \
      org.opencontainers.image.description="Multi-tenant financial analytics: api, web, worker, beat, operator" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ENVIRONMENT=production \
    MIGRATIONS_DIR=/app/migrations \
    DATA_DIR=/tmp/finsight \
    HOME=/tmp \
    PATH=/opt/finsight/bin:$PATH
RUN groupadd --system --gid 10001 finsight \
    && useradd --system --uid 10001 --gid finsight --home-dir /tmp --no-create-home \
       --shell /usr/sbin/nologin finsight
# Owned by root: the code is read-only to the user that runs it.
COPY --from=builder /opt/finsight /opt/finsight
WORKDIR /app
COPY migrations /app/migrations
USER 10001:10001
EXPOSE 8000 8080
CMD ["finsight", "serve", "api", "--host", "0.0.0.0"]
