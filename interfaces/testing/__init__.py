"""The ``testing`` context's adapters: report-format parsers for test results and coverage."""
