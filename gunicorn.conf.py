"""gunicorn settings for ivig_home: `gunicorn -c gunicorn.conf.py ivig_home.wsgi:app`.

Environment: IVIG_HOME_BIND (default 127.0.0.1:5000), WEB_CONCURRENCY (workers; default
two per core plus one), IVIG_HOME_PRELOAD=0 to load the app in each worker instead.
Run `ivig-home init-db` once before starting: workers never create or upgrade the schema.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("IVIG_HOME_BIND", "127.0.0.1:5000")
# Sync workers: each request has a process to itself (a PDF takes a core for ~0.15 s).
# Two per core plus one: with one per core plus one, step pages waited behind PDF renders
# (bench/load.py: journeys p99 about 200 ms instead of about 30 ms) for little more
# throughput when every patient presses buttons as fast as the server answers.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# The slowest request renders a six-page PDF in well under a second; 30 s means stuck.
timeout = 30
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, so slow leaks never add up.
max_requests = 5000
max_requests_jitter = 500
# Loading the app once in the master makes a killed worker's replacement ready at once;
# each worker then drops the database connections it inherited (`post_fork` below).
preload_app = os.environ.get("IVIG_HOME_PRELOAD", "1") != "0"

# The app logs each request (method, route pattern, status, duration, request id) without
# its path, so gunicorn's access log stays off; if turned on, its format has no path either.
accesslog = None
access_log_format = '{"method": "%(m)s", "status": "%(s)s", "bytes": "%(B)s", "ms": "%(M)s"}'
errorlog = "-"
loglevel = os.environ.get("IVIG_HOME_GUNICORN_LOG_LEVEL", "info")
logger_class = "ivig_home.gunicorn_logs.GunicornLogger"
# gunicorn (20.1 on) sends `Server: gunicorn` with no version number. It has no setting to
# drop or change the header, and replaces any Server header the app sets, so none is set.
# Signals manage ivig_home; a control socket in the home folder would be shared by every
# gunicorn this user runs.
control_socket_disable = True


def pre_fork(server, worker):
    """Move what the master has loaded (the app, its libraries, compiled templates) out of
    the garbage collector's sight before a worker is forked. A worker's full collections
    then never walk those objects again, and the memory pages they sit on stay shared with
    the master instead of being copied on write. See "Running in production" in README.md."""
    gc.freeze()


def post_fork(server, worker):
    """Give each worker database connections of its own, never the master's."""
    app = server.app.wsgi()
    dispose = getattr(app, "dispose_connections", None)
    if dispose is not None:
        dispose()
