"""``python -m optimizer.schema`` rewrites the committed JSON Schema file."""

from . import SCHEMA_PATH, schema_text

SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
print(f"wrote {SCHEMA_PATH}")
