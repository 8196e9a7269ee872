#!/usr/bin/env bash
# Lint every model in bpmn/ the way Camunda Modeler does: bpmnlint with the Camunda 8.8 rules.
# Installs pinned versions of bpmnlint, its Camunda plugin and the Zeebe moddle extension into a
# temporary folder (nothing is written to the repository) and fails when any file has an error.
# Warnings are printed but do not fail. Needs node and npm; set BPMNLINT_DIR to reuse an install.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

BPMNLINT_VERSION=11.15.0
CAMUNDA_COMPAT_VERSION=2.61.0
ZEEBE_MODDLE_VERSION=2.0.0
RULES=camunda-cloud-8-8

shopt -s nullglob
models=("$repo"/bpmn/*.bpmn)
if [ "${#models[@]}" -eq 0 ]; then
  echo "lint-bpmn: no models in bpmn/" >&2
  exit 1
fi

if [ -n "${BPMNLINT_DIR:-}" ]; then
  work="$BPMNLINT_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

cd "$work"
if [ ! -x node_modules/.bin/bpmnlint ] \
   || ! grep -q "\"version\": \"$BPMNLINT_VERSION\"" node_modules/bpmnlint/package.json 2>/dev/null; then
  echo "== installing bpmnlint $BPMNLINT_VERSION, bpmnlint-plugin-camunda-compat $CAMUNDA_COMPAT_VERSION, zeebe-bpmn-moddle $ZEEBE_MODDLE_VERSION"
  [ -f package.json ] || echo '{"name": "bpmn-lint", "private": true}' > package.json
  npm install --no-audit --no-fund --silent --save-dev --save-exact \
    "bpmnlint@$BPMNLINT_VERSION" \
    "bpmnlint-plugin-camunda-compat@$CAMUNDA_COMPAT_VERSION" \
    "zeebe-bpmn-moddle@$ZEEBE_MODDLE_VERSION"
fi

cat > .bpmnlintrc <<JSON
{
  "extends": ["plugin:camunda-compat/$RULES"],
  "moddleExtensions": {
    "zeebe": "zeebe-bpmn-moddle/resources/zeebe.json"
  }
}
JSON

echo "== bpmnlint ($RULES): ${#models[@]} model(s)"
status=0
for model in "${models[@]}"; do
  if ./node_modules/.bin/bpmnlint "$model"; then
    echo "ok    ${model#"$repo"/}"
  else
    echo "FAIL  ${model#"$repo"/}"
    status=1
  fi
done
exit "$status"
