"""What every ``codeannals`` command but ``serve`` shares: the settings, refusing a data directory that
does not exist (instead of quietly creating an empty one wherever the command was run)."""

from __future__ import annotations

import os

import click

from interfaces.settings import Settings


def existing_settings() -> Settings:
    """The settings from the environment; a ``ClickException`` (exit 1) naming the data directory when
    it does not exist."""
    settings = Settings.from_env()
    path = settings.data_dir
    if not path.is_dir():
        origin = ("CODEANNALS_DATA_DIR" if os.environ.get("CODEANNALS_DATA_DIR")
                  else "the default ./data, as CODEANNALS_DATA_DIR is not set")
        raise click.ClickException(
            f"the data directory {path.resolve()} does not exist ({origin}). Run the command where the server "
            f"runs, or set CODEANNALS_DATA_DIR to the server's data directory; `codeannals serve` creates it."
        )
    return settings
