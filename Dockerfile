# E-Hab: one image for the web process (gunicorn), the Celery workers and Celery beat.
# Runtime configuration comes from the environment (see README, "Configuration").
FROM python:3.11-slim

# PYTHONPATH: the settings find templates/ and static/ beside the source (BASE_DIR), so the code
# must be imported from /app, not from the copy that `pip install .` puts in site-packages.
# DJANGO_SETTINGS_MODULE: manage.py and ehab/celery.py default to the local settings; in this
# image every process uses the production settings unless told otherwise.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=ehab.settings.production

RUN groupadd --system ehab \
    && useradd --system --gid ehab --home-dir /app --no-create-home --shell /usr/sbin/nologin ehab

WORKDIR /app

# The dependencies first, exactly as locked (versions and hashes), in their own layer; then the
# project itself without resolving anything again.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .

RUN pip install --no-deps . \
    && rm -rf build *.egg-info

# Static files are collected once, at build time. Production settings refuse to load without
# these variables, so the line below passes placeholders that exist only for this command;
# collectstatic opens no database or broker connection. Real values come at run time.
RUN DJANGO_SETTINGS_MODULE=ehab.settings.production \
    DJANGO_SECRET_KEY=build-only-placeholder-never-used-at-runtime-0123456789abcdefghij \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build:build@build.invalid:5432/build \
    REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput

# The code and the collected static files stay owned by root (read-only to the app); only var/
# (the Celery beat heartbeat file and similar runtime state) is writable.
RUN mkdir -p /app/var && chown ehab:ehab /app/var

USER ehab

EXPOSE 8000

# No gunicorn access log: URL paths can carry one-time keys (email confirmation, password
# reset). The application logs every request failure with its request id instead.
CMD ["gunicorn", "ehab.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
