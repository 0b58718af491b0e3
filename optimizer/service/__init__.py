"""The HTTP service (SPEC §8) and the coordinator's web page.

Needs the ``service`` extra (``pip install -e ".[service]"``: FastAPI and uvicorn).

    from optimizer.service import ServiceConfig, serve
    serve(ServiceConfig(port=8000))          # http://127.0.0.1:8000/

:func:`create_app` gives the ASGI application for another server or a test client.
"""

from __future__ import annotations

import logging

from .app import create_app
from .config import ServiceConfig, ServiceConfigError, check_config, is_loopback, resolve_token
from .jobs import JobManager

__all__ = [
    "JobManager",
    "ServiceConfig",
    "ServiceConfigError",
    "check_config",
    "create_app",
    "is_loopback",
    "resolve_token",
    "serve",
]

log = logging.getLogger(__name__)


def serve(config: ServiceConfig) -> None:
    """Run the service until Ctrl-C or SIGTERM (then running solves are stopped).

    Raises :class:`ServiceConfigError` before listening when the settings would expose
    client data (an address other than loopback without a token).
    """
    import uvicorn

    check_config(config)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("optimizer.service").setLevel(logging.INFO)
    app = create_app(config)
    host = f"[{config.host}]" if ":" in config.host else config.host
    log.info(
        "serving the page at http://%s:%d/ (%s)",
        host,
        config.port,
        "token required" if config.token else "this machine only, no token",
    )
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        access_log=False,  # our own access log carries no query strings
        server_header=False,
        log_level="warning",
        timeout_graceful_shutdown=10,
    )
