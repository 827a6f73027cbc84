"""History use cases: import jobs (created and run by the importer process manager), refresh requests,
and contributors' merges and display names."""

from __future__ import annotations

from uuid import UUID

from application.history import compression
from application.shared.base import ContextApplication
from application.shared.secrets import SecretBox
from domain.history.contributors import ProjectContributors, contributors_id
from domain.history.import_job import CommitBatch, ImportJob, batch_id
from domain.history.push_hooks import PushDelivery, PushHookSecret, new_secret
from domain.shared.errors import Conflict


class HistoryApplication(ContextApplication):
    name = "history"
    snapshotting_intervals = {ImportJob: 100, ProjectContributors: 50}

    def __init__(self, env: dict[str, str] | None = None, secrets: SecretBox | None = None) -> None:
        env = dict(env or {})
        if env.get("COMPRESSOR_TOPIC") == compression.DEFAULT_ZLIB:
            env["COMPRESSOR_TOPIC"] = compression.TOPIC  # the same format, at a quarter of the CPU
        super().__init__(env)
        self.secrets = secrets or SecretBox.from_secret("unset", "push webhook secrets")

    def job(self, job_uuid: UUID) -> ImportJob | None:
        job: ImportJob | None = self.find_aggregate(job_uuid)
        return job

    def batch(self, job_uuid: UUID, seq: int) -> CommitBatch:
        batch: CommitBatch = self.repository.get(batch_id(job_uuid, seq))
        return batch

    def request_refresh(self, job_uuid: UUID, actor: str) -> bool:
        """Ask the importer to fetch the project's repository again now. False when there is no
        current import job (the importer will import the project anyway)."""
        for _ in range(4):
            job = self.job(job_uuid)
            if job is None or job.terminal:
                return False
            job.request_refresh(actor=actor)
            try:
                self.save(job)
                return True
            except Conflict:  # a concurrent change (a batch recorded): try again on the newest state
                continue
        return False

    # --- contributors ---------------------------------------------------------------------------
    def _contributors(self, project_uuid: UUID, project_num: int, actor: str) -> ProjectContributors:
        found: ProjectContributors | None = self.find_aggregate(contributors_id(project_uuid))
        return found or ProjectContributors(project_id=project_uuid, project_num=project_num, actor=actor)

    def merge_contributors(self, project_uuid: UUID, project_num: int, contributor_ids: list[int],
                           display_name: str, actor: str) -> None:
        """Merge contributors (ids checked by the caller against the read model); the first survives."""
        contributors = self._contributors(project_uuid, project_num, actor)
        contributors.merge(contributor_ids, display_name, actor=actor)
        self.save(contributors)

    def change_contributor_name(self, project_uuid: UUID, project_num: int, contributor_id: int,
                                display_name: str, actor: str) -> None:
        contributors = self._contributors(project_uuid, project_num, actor)
        contributors.change_display_name(contributor_id, display_name, actor=actor)
        self.save(contributors)

    # --- push webhooks --------------------------------------------------------------------------
    def replace_push_secret(self, project_uuid: UUID, actor: str) -> str:
        """A new webhook secret for the project (the old one stops working); answered once, kept sealed."""
        secret = new_secret()
        sealed = self.secrets.seal(secret)
        assert sealed is not None
        for _ in range(4):
            holder: PushHookSecret | None = self.find_aggregate(PushHookSecret.create_id(project_uuid))
            holder = holder or PushHookSecret.for_project(project_uuid)
            holder.replace(sealed, actor=actor)
            try:
                self.save(holder)
                return secret
            except Conflict:
                continue
        raise Conflict("the webhook secret was replaced concurrently; try again")

    def push_secret(self, project_uuid: UUID) -> str | None:
        holder: PushHookSecret | None = self.find_aggregate(PushHookSecret.create_id(project_uuid))
        return None if holder is None or holder.sealed is None else self.secrets.open(holder.sealed)

    def accept_push(self, project_uuid: UUID, project_id: int, job_uuid: UUID | None, forge: str,
                    delivery_id: str, ref: str | None, after: str | None, actor: str) -> bool:
        """Record a push delivery and ask the import job for a fetch now, in one save. False (and nothing
        recorded) when the delivery was recorded before."""
        delivery_uuid = PushDelivery.create_id(project_uuid, forge, delivery_id)
        for _ in range(6):
            if self.find_aggregate(delivery_uuid) is not None:
                return False
            delivery = PushDelivery(project_uuid=project_uuid, project_id=project_id, forge=forge,
                                    delivery_id=delivery_id, ref=ref, after=after, actor=actor)
            job = self.job(job_uuid) if job_uuid is not None else None
            if job is not None and not job.terminal:
                job.request_refresh(actor=actor)
            try:
                self.save(delivery, *([job] if job is not None else []))
                return True
            except Conflict:  # the same delivery at the same moment, or the job changed: look again
                continue
        raise Conflict("the push could not be recorded; try again")
