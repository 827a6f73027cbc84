"""The history context: commits, branches, tags and contributors imported from git.

- ``records``: the commit and file-change records an import carries (compact lists in events).
- ``import_job``: ``ImportJob`` (one per project and generation: status, lease, progress, refs) and
  ``CommitBatch`` (one immutable aggregate per batch of about 500 commits).
- ``contributors``: ``ProjectContributors`` (merges and display-name changes, as events).
- ``rules``: commit-hash prefixes and repository paths as the API accepts them.
"""
