# 社保批量申报: one image for the web app and the workers (see docker-compose.yml).
#   web:    shebao serve --host 0.0.0.0 --port 8000 --no-worker   (waitress)
#   worker: shebao worker --concurrency N                          (Celery on Redis)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SHEBAO_DATA_DIR=/var/lib/shebao

WORKDIR /src
# Only what the package needs (tests, benches and docs stay out; see .dockerignore).
COPY pyproject.toml ./
COPY shebao/ shebao/
COPY registry/ registry/
COPY validators/ validators/
COPY importer/ importer/
COPY templates_xlsx/ templates_xlsx/
COPY worker/ worker/
COPY web/ web/
# waitress is the production WSGI server `shebao serve` runs the web app under.
RUN pip install . "waitress>=3.0" \
    && rm -rf /src/build

# Never run as root: a fixed uid so volumes can be given to it.
RUN groupadd --system --gid 10001 shebao \
    && useradd --system --uid 10001 --gid shebao --home-dir /var/lib/shebao --create-home shebao
USER shebao
WORKDIR /var/lib/shebao

EXPOSE 8000
CMD ["shebao", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker"]
