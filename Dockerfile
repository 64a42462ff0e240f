# One image for every hitl process; the command picks which (docker/entrypoint.sh): web,
# worker, deliver, migrate, or any manage.py command. README "Deploying" > "With Docker Compose".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The dependencies from pyproject.toml alone, in their own layer: a code change reuses it.
# All are wheels but djangorestframework-camel-case, pure Python: the slim image needs no compiler.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# WhiteNoise serves the static files from the image. With DEBUG off the settings need only a
# SECRET_KEY to load, and collectstatic opens no database: this key signs nothing, ever.
RUN DEBUG=false SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput \
    && python -m compileall -q hitl_project agents handoffs channels_adapters

# The code stays root's and read-only; the one place the processes write is MEDIA_ROOT (a
# volume: Docker copies this directory's owner into a new named volume). A numeric USER lets
# Kubernetes' runAsNonRoot check it.
RUN groupadd --system --gid 10001 hitl \
    && useradd --system --uid 10001 --gid hitl --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin hitl \
    && mkdir -p /data/media \
    && chown hitl:hitl /data/media
ENV MEDIA_ROOT=/data/media
USER 10001:10001

EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
