"""The words each API family uses for the domain's fields, in its error messages.

The domain says what is wrong in its own words (:class:`domain.shared.errors.InvalidField`: the field
as the domain names it, ``default_branch``, and the rule it breaks); each API answers with the field's
name in its own requests: coderadar ``defaultBranch``, Projektor's and Testery's run metadata
``branchName``, Copr its snake_case fields as they are."""

from __future__ import annotations

from domain.shared.errors import DomainError, InvalidField

# The names every API has answered with so far (a Testery upload's bad branch is "branchName ...", as
# Projektor's metadata calls it): a family words a field differently by an entry of its own.
_RUN_METADATA = {
    "repo": "repoName",
    "project_name": "projectName",
    "branch": "branchName",
    "build_key": "buildKey",
    "pull_request_number": "pullRequestNumber",
    "wall_clock_duration": "wallClockDuration",
}
_PROJECT = {
    "vcs_url": "vcsUrl",
    "vcs_username": "vcsUsername",
    "vcs_password": "vcsPassword",
    "default_branch": "defaultBranch",
    "start_date": "startDate",
}
_ALWAYS = {**_PROJECT, **_RUN_METADATA}
FIELD_NAMES: dict[str, dict[str, str]] = {
    "coderadar": _ALWAYS,
    "projektor": _ALWAYS,
    "testery": _ALWAYS,
    "copr": _ALWAYS,  # Copr's own fields (``build_enable_net``) are named as the domain names them
}


def api_message(exc: DomainError, family: str) -> str:
    """The error's message as the API family words it."""
    if isinstance(exc, InvalidField):
        return f"{FIELD_NAMES.get(family, {}).get(exc.field, exc.field)} {exc.rule}"
    return exc.message
