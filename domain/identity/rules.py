"""Rules for usernames and passwords."""

from __future__ import annotations

import re

from domain.shared.errors import Invalid

USERNAME_MIN, USERNAME_MAX = 3, 64
PASSWORD_MIN, PASSWORD_MAX = 8, 128
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


def check_username(username: str) -> str:
    if not isinstance(username, str) or not username.strip():
        raise Invalid("username must not be empty")
    username = username.strip()
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
        raise Invalid(f"username must be {USERNAME_MIN} to {USERNAME_MAX} characters long")
    if not _USERNAME.match(username):
        raise Invalid("username may hold letters, digits and . _ @ - and must start with a letter or digit")
    return username


def check_password(password: str) -> str:
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise Invalid(f"password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long")
    if "\x00" in password:
        raise Invalid("password must not contain NUL characters")
    return password


def check_token_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid("token name must not be empty")
    if len(name) > 100:
        raise Invalid("token name must be at most 100 characters long")
    return name.strip()
