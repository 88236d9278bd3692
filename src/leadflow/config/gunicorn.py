"""gunicorn's settings for the web app (``gunicorn -c python:leadflow.config.gunicorn``).

``leadflow serve`` passes ``--bind`` and ``--workers`` on top of these; run on its own (the
``Procfile``, a systemd unit) it binds ``0.0.0.0:$PORT`` when ``PORT`` is set and runs
``WEB_PROCESSES`` sync workers. Anything else can be set in ``GUNICORN_CMD_ARGS``.
"""

import os

from leadflow.config.env import env_int

wsgi_app = "leadflow.config.wsgi:application"
bind = [f"0.0.0.0:{os.environ['PORT']}"] if os.environ.get("PORT") else ["127.0.0.1:8000"]
workers = env_int("WEB_PROCESSES", 2)
# Sync workers: one request per process at a time, measured faster than runserver on both
# /healthz and the sign-in page (docs/DEPLOYMENT.md); the pages do no long polling.
worker_class = "sync"
timeout = 30
graceful_timeout = 10
# Behind a proxy on the same machine; X-Forwarded-* is honoured by Django's own settings.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27 would open a control socket in the home directory, one path for every
# gunicorn of the user: two LeadFlows on one machine would take each other's.
control_socket_disable = True
# Without it, a worker that serves for months grows with whatever it cached.
max_requests = 10_000
max_requests_jitter = 1_000
