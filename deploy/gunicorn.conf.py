"""Reference gunicorn settings for one replica of the observatory, sized for a 2-core machine.

Run from anywhere: ``gunicorn -c deploy/gunicorn.conf.py`` (the app, ``app:server``, is set here).
Several replicas (on one machine with different ports, or on several machines) need nothing in
common but the read-only data folder: no session affinity, no shared cache, no shared secret.
Each setting says why; the environment variables are those of ``.env.example`` plus the three
gunicorn ones at the top.
"""

from __future__ import annotations

import os
from pathlib import Path

# The repository root, where app.py is: the same config works from any working directory.
chdir = str(Path(__file__).resolve().parents[1])
wsgi_app = "app:server"

# Same variables as `python app.py`; behind nginx, keep the loopback address.
bind = f"{os.environ.get('OBSERVATORY_HOST', '127.0.0.1')}:{os.environ.get('OBSERVATORY_PORT', '8050')}"

# Processes: one per core. Each worker holds its own DuckDB connection (one DuckDB thread, see
# observatory/data/db.py) and caches (0.3 to 1 GB once every level has been shown), and the requests
# are CPU-bound (statistics, figures): more processes than cores would only add memory.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads: a worker keeps answering cached requests (pages, geometry, API) while another thread
# computes; the database is used by one thread at a time anyway.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Import Dash, plotly and pandas once in the master and fork: less memory, faster restarts. The
# master checks and reads the database at start (a damaged one stops it with the reason), then
# every DuckDB handle is closed before each fork (os.register_at_fork in observatory/data/db.py): a
# worker that inherited the master's would be handed the file the master had opened, not the one a
# load swapped in (tests/test_load_under_gunicorn.py).
preload_app = True

# The first statistics of a level (all communes, or a profile's every indicator) can take tens of
# seconds on a busy 2-core machine; later ones come from the cache.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Longer than nginx's upstream keepalive_timeout (60 s in deploy/nginx/observatoire.conf), so that
# nginx, not gunicorn, closes an idle connection (else a request may meet a closing socket).
keepalive = 75
# No max_requests: a recycled worker starts with cold caches (a profile then takes 20 to 30 s).
max_requests = 0

# The API accepts up to 200 territory codes in the query string (observatory/web/api.py): let its own
# limit answer (400 with a JSON body) rather than gunicorn's 4094-byte request line.
limit_request_line = 8190
# Trust X-Forwarded-For/-Proto only from the local reverse proxy.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs on stdout/stderr (journald or docker logs). The client is nginx: log the forwarded address,
# the time taken in ms and the worker's pid (which process of which replica answered).
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s" pid=%(p)s'

# Worker heartbeat files on tmpfs, not on the (possibly read-only) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# gunicorn >= 25 opens a control socket for `gunicornc`, by default at the same path for every
# instance of a user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): a second replica would take
# it from the first, and stopping either would remove it. One per replica, in the runtime folder
# systemd gives the service (RuntimeDirectory=, see observatoire.service); none otherwise.
_runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
if _runtime:
    control_socket = os.path.join(_runtime, f"gunicorn-{bind.rsplit(':', 1)[1]}.ctl")
else:
    control_socket_disable = True
