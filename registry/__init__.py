"""Domain and persistence: models, migrations, unit of work, services, policy, queries."""
