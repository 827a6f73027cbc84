"""coderadar analysis resources: jobs, metric values, metric trees."""
