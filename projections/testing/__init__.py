"""Read models of the testing context: test runs, suites, cases and coverage."""
