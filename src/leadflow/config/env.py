"""Reading settings from the environment: typed, with clear errors, and no third-party magic."""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    file_path: str = ""
    default_from: str = ""


def parse_email_url(url: str) -> EmailConfig:
    """``EMAIL_URL`` in the form ``smtp://user:pass@host:port`` (``smtp+tls``, ``smtp+ssl``),
    ``console://``, ``file:///path`` or ``memory://``; ``?from=`` sets the sender."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    default_from = query.get("from", [""])[0]
    scheme = parts.scheme.lower()
    if scheme == "console":
        # One line per message (EMAIL_CONSOLE_FULL=1 for the whole message).
        return EmailConfig("leadflow.notifications.console.EmailBackend", default_from=default_from)
    if scheme == "memory":
        return EmailConfig(
            "django.core.mail.backends.locmem.EmailBackend", default_from=default_from
        )
    if scheme == "file":
        return EmailConfig(
            "django.core.mail.backends.filebased.EmailBackend",
            file_path=unquote(parts.path),
            default_from=default_from,
        )
    if scheme in {"smtp", "smtp+tls", "smtp+ssl", "smtps"}:
        use_ssl = scheme in {"smtp+ssl", "smtps"}
        return EmailConfig(
            "django.core.mail.backends.smtp.EmailBackend",
            host=parts.hostname or "localhost",
            port=parts.port or (465 if use_ssl else 587 if scheme == "smtp+tls" else 25),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_tls=scheme == "smtp+tls",
            use_ssl=use_ssl,
            default_from=default_from,
        )
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {parts.scheme!r} is not one of smtp, smtp+tls, smtp+ssl, console, "
        "file, memory"
    )


def secret_key(var_dir: Path, *, debug: bool) -> str:
    """``SECRET_KEY`` from the environment; for local use a random key kept in ``var/``."""
    value = os.environ.get("SECRET_KEY", "")
    if value:
        return value
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    from django.core.management.utils import get_random_secret_key

    var_dir.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
