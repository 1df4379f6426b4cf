#!/usr/bin/env bash
# Writes drf-spectacular's schema for the reference server to stdout (or to $2), for the version named by $1:
#   test/reference-server/export-schema.sh current   # equivalent to openapi/openapi-v2.yaml (test/reference/drift.test.ts)
#   test/reference-server/export-schema.sh next test/fixtures/drf-next-spec.yaml   # the committed next-version fixture
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="${1:-current}"
out="${2:-/dev/stdout}"
case "$mode" in
  current) next=0 ;;
  next) next=1 ;;
  *) echo "usage: $0 current|next [file]" >&2; exit 2 ;;
esac
schema="$(cd "$here" && PYTHONDONTWRITEBYTECODE=1 PARADIGM_REF_NEXT="$next" /usr/bin/python3 manage.py spectacular --validate --fail-on-warn)"
{
  if [ "$mode" = next ]; then
    echo "# Test fixture, generated: a \"next version\" of Paradigm API v2 as drf-spectacular 0.25 writes it, from the"
    echo "# DRF 3.14 reference server in test/reference-server (next mode). Do not edit; regenerate with:"
    echo "#   test/reference-server/export-schema.sh next test/fixtures/drf-next-spec.yaml"
    echo "# Today's rate operation is unchanged; new: feedbacks list/detail/delete, feedback types, attachment upload."
  fi
  printf '%s\n' "$schema"
} > "$out"
