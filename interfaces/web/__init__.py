"""The web interface: server-rendered pages (Flask blueprints + Jinja2) over the same read-model
queries and application services as the HTTP API. :func:`register` wires it into the app factory."""
