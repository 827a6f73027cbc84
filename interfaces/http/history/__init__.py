"""coderadar history resources: branches, commits, commit log, files, contributors, critical files, imports."""
