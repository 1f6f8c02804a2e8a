"""gunicorn settings for the Procfile and bin/serve: `-c python:ogptracker.gunicorn_conf`.

Requests are logged by the application (ops.logs.RequestIdMiddleware), with the request id and
with tokens taken out of paths; gunicorn's own access log would print raw paths, so it is off.
gunicorn's error log (start, stop, worker timeouts) uses the application's format.
"""

import os

accesslog = None
errorlog = "-"
# The same default as the settings: JSON unless DEBUG is on (and DEBUG is on unless said off).
debug = os.environ.get("DEBUG", "true").lower() in {"1", "true", "yes", "on"}
if os.environ.get("LOG_FORMAT", "plain" if debug else "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ops.logs.JsonLogFormatter"}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False}
        },
        "root": {"level": "INFO", "handlers": []},
    }
