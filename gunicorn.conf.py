"""gunicorn settings for Newsroom (read automatically from the working directory).

Every value can be set from the environment, so one file serves every app server.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request holds one database connection, kept open between requests.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A worker stuck longer than this (a hung database call) is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound, but rarely, and never
# all together. A recycled worker costs about 1.4 s of CPU (booting, then warming up on its first
# requests), and the requests it takes first wait 2 to 3 s. `scripts/loadtest --recycling`, cached
# pages, 2 cores, 5 workers, 60 s each (bounds scaled to that machine's 300 requests/s so workers
# recycle within the run): p99 1,435 ms at 1,000 requests +10 % jitter (10 restarts), 1,295 ms at
# +50 % (10 restarts: spreading them out does not make each one cheaper), 139 ms with none; CPU
# per request 3.9 ms against 2.8 ms. The old 10,000 (+10 %) recycled every worker of a server at
# 1,700 requests/s within a few seconds of each other, every 30 s, and took p99 from 16 to 106 ms.
# 200,000 plus up to 100,000 recycles each worker every 10 to 15 minutes at that rate, at moments
# spread over 5 minutes, so rarely two at once. GUNICORN_MAX_REQUESTS=0 turns recycling off.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 2))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "newsroom.wsgi:application"
