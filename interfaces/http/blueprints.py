"""Every blueprint the server serves, one module per resource."""

from __future__ import annotations

from flask_smorest import Blueprint


def all_blueprints() -> list[Blueprint]:
    from interfaces.http.analysis import jobs, metrics
    from interfaces.http.builds import build_tasks, builds, chroots, mock_chroots, root
    from interfaces.http.builds import projects as copr_projects
    from interfaces.http.history import behaviour as behaviour_api
    from interfaces.http.history import branches, commits, contributors, critical_files, files, imports, push_hooks
    from interfaces.http.identity import tokens, users
    from interfaces.http.notifications import webhooks
    from interfaces.http.projects import analyzers, file_patterns, history, modules, projects, roles, teams
    from interfaces.http.quality import gates as quality_gates
    from interfaces.http.system import audit, health
    from interfaces.http.testing import (
        badges,
        commit_runs,
        patch_coverage,
        projektor_attachments,
        projektor_coverage,
        projektor_lifecycle,
        projektor_publish,
        projektor_repo,
        projektor_runs,
        testery_runs,
    )

    return [health.blp, audit.blp, users.blp, tokens.blp,
            projects.blp, modules.blp, file_patterns.blp, analyzers.blp, roles.blp, teams.blp, history.blp,
            branches.blp, commits.blp, files.blp, contributors.blp, critical_files.blp, imports.blp,
            root.blp, copr_projects.blp, chroots.blp, builds.blp, build_tasks.blp, mock_chroots.blp,
            projektor_publish.blp, projektor_runs.blp, projektor_coverage.blp, projektor_repo.blp, badges.blp,
            testery_runs.blp, commit_runs.blp, projektor_attachments.blp, projektor_lifecycle.blp,
            jobs.blp, metrics.blp,
            behaviour_api.blp, patch_coverage.blp, push_hooks.blp, quality_gates.blp, webhooks.blp]
