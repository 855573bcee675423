# Production image of the liaison system: gunicorn + whitenoise for web, the same image
# runs the Celery worker and beat (see docker-compose.yml). Configuration comes from the
# environment at run time (see .env.example); nothing secret is baked into the image.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Unprivileged user that runs every process of the container. It gets a writable home
# because gunicorn puts its control socket in $HOME/.gunicorn/ (the source stays root-owned).
RUN groupadd --system liaison \
    && useradd --system --gid liaison --create-home --home-dir /home/liaison \
       --shell /usr/sbin/nologin liaison

WORKDIR /app

# Dependencies first, for layer caching. pyproject.toml declares no packages
# ([tool.setuptools] packages = []), so `pip install .` installs only the dependencies;
# it is built outside /app so no build/ or *.egg-info ends up next to the source.
COPY pyproject.toml /tmp/build/
RUN pip install /tmp/build && rm -rf /tmp/build

# The source: manage.py, liaison/, districts/, templates/, static/ ... (see .dockerignore).
COPY . .

# Static files for whitenoise (CompressedManifestStaticFilesStorage needs DEBUG off). The
# throwaway SECRET_KEY lives only in this step's environment, not in the runtime image.
RUN DEBUG=0 SECRET_KEY=collectstatic-build-only-not-secret \
    python manage.py collectstatic --no-input

# Uploaded imports; a named volume mounted here inherits this ownership on first use.
RUN mkdir -p /app/media && chown liaison:liaison /app/media

USER liaison

EXPOSE 8000

# Any HTTP answer below 500 means gunicorn and Django are up (a 400 only means 127.0.0.1
# is not in ALLOWED_HOSTS). Worker and beat containers disable this in docker-compose.yml.
# It says it came through the TLS proxy (X-Forwarded-Proto), or SECURE_TLS=1 would redirect
# it to an HTTPS port that gunicorn does not serve.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request, urllib.error\ntry:\n    urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/accounts/login/', headers={'X-Forwarded-Proto': 'https'}), timeout=4)\nexcept urllib.error.HTTPError as e:\n    sys.exit(e.code >= 500)\nexcept Exception:\n    sys.exit(1)"]

CMD ["gunicorn", "liaison.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
