"""The testing context: publishing test runs and coverage (Projektor, Testery)."""
