#!/usr/bin/env bash
# Development helper: regenerate the initial migration from the models (only before 0001 is released).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f /tmp/tonearm-gen.db src/tonearm/db/migrations/versions/0001_initial_schema.py
.venv/bin/python -c "from tonearm.db.migrate import revision; revision('sqlite:////tmp/tonearm-gen.db', 'initial schema')"
f=$(ls src/tonearm/db/migrations/versions/*_initial_schema.py)
id=$(basename "$f" | cut -d_ -f1)
sed -i "s/'$id'/'0001'/; s/Revision ID: $id/Revision ID: 0001/; s/astext_type=Text()/astext_type=sa.Text()/g" "$f"
mv "$f" src/tonearm/db/migrations/versions/0001_initial_schema.py
