# syntax=docker/dockerfile:1
# Binance Chain Signing Service. Build: docker build -t bnc-signing-service .
# Run: see README.rst, "Deployment". The config is read from /config/config.yml; state that must
# survive restarts (the SQLite database, if database_url points there) goes to /data.

# One pinned base for both stages, so the venv's interpreter path and ABI match.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# ---- builder: install the runtime requirements into a self-contained venv --------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements.txt .
# Every requirement ships wheels (coincurve, bcrypt, uvloop, ... included), so no compiler is
# installed, here or below; --only-binary makes a requirement without a wheel fail loudly.
RUN pip install --no-cache-dir --only-binary=:all: -r requirements.txt

# ---- runtime: the venv and app/ only, as a fixed non-root user -------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH
RUN groupadd --system --gid 10001 signer \
    && useradd --system --uid 10001 --gid signer --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin signer \
    && mkdir -p /config /data \
    && chown signer:signer /config /data \
    && chmod 0700 /config /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /srv
COPY app/ ./app/
USER 10001:10001
VOLUME ["/config", "/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]
ENTRYPOINT ["python", "-m", "app"]
CMD ["serve", "--config", "/config/config.yml", "--host", "0.0.0.0", "--port", "8000"]
