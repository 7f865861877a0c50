"""The import pipeline: read → normalise → validate → check against the registry → split →
apply → report. Entry points: `create_batch` (store the upload) and `run_batch`."""
