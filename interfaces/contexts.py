"""The bounded contexts this server is made of: their applications, read models and HTTP resources.

Adding a context means adding one line to each function here (and its blueprints to
``interfaces/http/blueprints.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from application.analysis.service import AnalysisApplication
from application.builds.service import BuildsApplication
from application.history.service import HistoryApplication
from application.identity.service import IdentityApplication
from application.notifications.service import NotificationsApplication
from application.projects.service import ProjectsApplication
from application.shared.base import ContextApplication
from application.shared.secrets import SecretBox
from application.testing.service import TestingApplication
from interfaces.analysis.complexity import full_catalog
from projections.analysis.analysis import AnalysisProjection
from projections.audit.events import AuditProjection
from projections.behaviour.behaviour import BehaviourProjection
from projections.builds.builds import BuildsProjection
from projections.history.history import HistoryProjection
from projections.identity.users import UsersProjection
from projections.notifications.webhooks import NotificationsProjection
from projections.projection import Projection
from projections.projects.projects import ProjectsProjection
from projections.quality.gates import QualityGatesProjection
from projections.testing.extras import TestRunExtrasProjection
from projections.testing.runs import TestRunsProjection

if TYPE_CHECKING:
    from interfaces.container import Container, Worker
    from interfaces.settings import Settings


def build_applications(settings: Settings) -> list[ContextApplication]:
    env = settings.event_store_env
    return [
        IdentityApplication(env=env(IdentityApplication.name), password_cost=settings.password_cost),
        ProjectsApplication(env=env(ProjectsApplication.name), local_repo_roots=settings.local_repo_roots,
                            analyzers=full_catalog(),
                            secrets=SecretBox.from_secret(settings.resolved_secret_key())),
        HistoryApplication(env=env(HistoryApplication.name),
                           secrets=SecretBox.from_secret(settings.resolved_secret_key(), "push webhook secrets")),
        BuildsApplication(env=env(BuildsApplication.name)),
        TestingApplication(env=env(TestingApplication.name)),
        AnalysisApplication(env=env(AnalysisApplication.name), analyzers=full_catalog()),
        NotificationsApplication(env=env(NotificationsApplication.name),
                                 secrets=SecretBox.from_secret(settings.resolved_secret_key(), "webhook secrets")),
    ]


def build_projections(application_names: tuple[str, ...]) -> list[Projection]:
    return [
        UsersProjection(),
        ProjectsProjection(),
        HistoryProjection(),
        BuildsProjection(),
        TestRunsProjection(),
        TestRunExtrasProjection(),
        AnalysisProjection(),
        AuditProjection(application_names),
        BehaviourProjection(),
        QualityGatesProjection(),
        NotificationsProjection(),
    ]


def build_workers(container: Container) -> list[Worker]:
    """Process managers that follow the event logs and do long work (imports, analyses)."""
    from interfaces.analysis.wiring import build_analysis_worker
    from interfaces.history.worker import build_import_worker
    from interfaces.notifications.worker import build_notification_worker
    from interfaces.testing.retention import build_retention_worker

    return [build_import_worker(container), build_analysis_worker(container), build_retention_worker(container),
            build_notification_worker(container)]
