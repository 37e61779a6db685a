# One image for every part; docker-compose picks the part with `uplift serve --service X`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.runtime.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.runtime.lock

COPY pyproject.toml ./
COPY common ./common
COPY services ./services
COPY gateway ./gateway
COPY uplift_cli ./uplift_cli
COPY migrations ./migrations
RUN pip install --no-cache-dir --no-deps -e . && useradd --system --uid 10001 uplift
USER uplift

ENV UPLIFT_ENVIRONMENT=production UPLIFT_GATEWAY_ENVIRONMENT=production
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uplift", "serve", "--service", "gateway", "--host", "0.0.0.0", "--port", "8000"]
