"""Projektor and Testery resources: publishing and reading test runs and coverage."""
