"""Settings of the service, and the rule that guards a bind beyond this machine."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

from ..errors import Issue, OptimizerError

TOKEN_VARIABLE = "IOP_TOKEN"
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = ("localhost",)


class ServiceConfigError(OptimizerError):
    """The service cannot start with these settings (e.g. a public address without a token)."""


@dataclass(frozen=True)
class ServiceConfig:
    """What ``serve`` runs with; every limit is there to keep one machine responsive.

    Units: seconds for times, bytes for sizes. ``solve_workers`` is CP-SAT's worker count
    per solve (``None``: the library default).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    concurrent_solves: int = 1
    """Solves running at once, each in its own process."""
    queue_size: int = 8
    """Solves accepted but not finished (running or waiting) at most; more get 429."""
    concurrent_tasks: int = 1
    """explain / place calls running at once (each in its own process)."""
    task_queue_size: int = 4
    """explain / place calls waiting or running at most; more get 429."""
    keep_seconds: float = 3600.0
    """How long a finished solve's result stays available (then it is forgotten)."""
    keep_results: int = 100
    """Finished solves kept at most (the oldest is forgotten first)."""
    max_time_limit: float = 600.0
    default_time_limit: float = 60.0
    max_explain_seconds: float = 30.0
    solve_workers: int | None = None
    max_body_bytes: int = 20 * 2**20
    """Largest request body; a 5,000-client scenario as JSON is about 2 MiB."""
    max_upload_files: int = 50
    """Files in an uploaded .zip at most."""
    max_unzipped_bytes: int = 100 * 2**20
    """Bytes an uploaded .zip may unpack to."""

    @property
    def loopback(self) -> bool:
        """True when the service listens on this machine only."""
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_token(token: str | None) -> str | None:
    """The token given, else ``IOP_TOKEN`` from the environment, else None."""
    return token or os.environ.get(TOKEN_VARIABLE) or None


def check_config(config: ServiceConfig) -> None:
    """Refuse settings that would expose client data: raises :class:`ServiceConfigError`.

    Any address other than loopback needs a token (``--token`` or ``IOP_TOKEN``) of at
    least ``MIN_TOKEN_LENGTH`` characters; limits must be positive.
    """
    issues = []
    if not config.loopback and not config.token:
        issues.append(
            Issue(
                f"--host {config.host}",
                "is not a loopback address, and no token is set",
                f"set {TOKEN_VARIABLE} (or --token) to a long random secret; every request "
                "must then carry 'Authorization: Bearer <token>'",
            )
        )
    if config.token is not None and len(config.token) < MIN_TOKEN_LENGTH:
        issues.append(
            Issue(
                "token",
                f"has {len(config.token)} characters",
                f"use at least {MIN_TOKEN_LENGTH}, e.g. python -c "
                "'import secrets; print(secrets.token_urlsafe(32))'",
            )
        )
    for name in ("concurrent_solves", "queue_size", "concurrent_tasks", "task_queue_size"):
        if getattr(config, name) < 1:
            issues.append(Issue(name, "must be at least 1", "give a positive number"))
    if config.queue_size < config.concurrent_solves:
        issues.append(Issue("queue_size", "is below concurrent_solves", "allow at least as many"))
    if issues:
        raise ServiceConfigError(issues)
