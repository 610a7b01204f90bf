#!/bin/sh
# Verifies this Verdict evidence pack offline. Needs a POSIX sh, sha256sum, tar with gzip, and the
# opa binary (on PATH, or named by $OPA). Run it from anywhere: sh verify.sh
# Exit status: 0 when every check passes, 1 when any fails (each failure is printed with where).
set -u
OPA=${OPA:-opa}
cd "$(dirname "$0")" || exit 2
command -v "$OPA" >/dev/null 2>&1 || { echo "verify: opa not found (put it on PATH or set OPA=/path/to/opa)"; exit 2; }
command -v sha256sum >/dev/null 2>&1 || { echo "verify: sha256sum not found"; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/verdict-verify.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT INT TERM
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
pass() { echo "ok   $*"; }

# 1. Every file is exactly as exported.
if sha256sum -c --quiet --strict SHA256SUMS >"$WORK/sums.txt" 2>&1; then
  pass "files: every file matches SHA256SUMS"
else
  while IFS= read -r line; do fail "files: $line"; done <"$WORK/sums.txt"
fi
listed=$(sed 's/^[0-9a-f]*  //' SHA256SUMS | sort)
present=$(find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort)
if [ "$listed" != "$present" ]; then
  echo "$present" | while IFS= read -r f; do
    echo "$listed" | grep -qxF "$f" || echo "FAIL files: $f is not listed in SHA256SUMS"
  done
  failures=$((failures + 1))
fi

# 2. Every bundle revision carries a valid signature by its key, and its .signatures.json is kept
#    for the content checks below.
mkdir -p "$WORK/sigs/signatures"
while IFS='	' read -r key tarball kid alg keyfile; do
  [ -n "$key" ] || continue
  if "$OPA" build -b "$tarball" --verification-key "$keyfile" --verification-key-id "$kid" \
      --signing-alg "$alg" --scope write -o "$WORK/checked.tar.gz" >"$WORK/opa.txt" 2>&1; then
    pass "signature: $tarball (key $kid)"
  else
    fail "signature: $tarball: $(tr '\n' ' ' <"$WORK/opa.txt" | cut -c1-300)"
  fi
  name=$(echo "$key" | tr '/' '_')
  { printf '{"%s":' "$key"; tar -xzOf "$tarball" .signatures.json 2>/dev/null || printf 'null'; printf '}'; } \
    >"$WORK/sigs/signatures/$name.json"
done <bundles.tsv

# 3. Content hashes against approvals, signed file hashes against approved versions, the audit
#    chain and its anchors: verify.rego over the pack's data.
if "$OPA" eval -f raw -d verify.rego -d data -d "$WORK/sigs" 'concat("\n", data.verify.report)' >"$WORK/report.txt" 2>&1; then
  while IFS= read -r line; do
    case "$line" in
      FAIL*) echo "$line"; failures=$((failures + 1)) ;;
      "") ;;
      *) echo "$line" ;;
    esac
  done <"$WORK/report.txt"
else
  fail "checks: opa could not evaluate verify.rego: $(tr '\n' ' ' <"$WORK/report.txt" | cut -c1-300)"
fi

# 4. A sample of decisions re-evaluated against the revisions that made them.
while IFS='	' read -r group part bundles; do
  [ -n "$group" ] || continue
  set --
  for b in $bundles; do set -- "$@" -b "$b"; done
  if "$OPA" eval -f raw "$@" -d "replay/$group.json" --input "$part" "$(cat "replay/$group.query")" \
      >"$WORK/replay.txt" 2>&1; then
    if [ "$(cat "$WORK/replay.txt")" = "[]" ]; then
      pass "replay: group $group decides as recorded"
    else
      fail "replay: group $group differs from what was recorded: $(cut -c1-500 "$WORK/replay.txt")"
    fi
  else
    fail "replay: group $group could not be evaluated: $(tr '\n' ' ' <"$WORK/replay.txt" | cut -c1-300)"
  fi
done <replay/groups.tsv

if [ "$failures" -eq 0 ]; then
  echo "VERIFIED: every check passed"
  exit 0
fi
echo "NOT VERIFIED: $failures check(s) failed"
exit 1
