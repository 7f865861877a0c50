"""Background processing: the Celery app built from settings and its thin tasks."""
