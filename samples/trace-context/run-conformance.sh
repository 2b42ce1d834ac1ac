#!/usr/bin/env bash
# Runs the W3C Trace Context test suite (github.com/w3c/trace-context, folder test/) against
# io.meshwork.samples.TraceContextConformance, all on 127.0.0.1.
#
#   TRACE_CONTEXT_SUITE=/path/to/trace-context/test samples/trace-context/run-conformance.sh [options] [test names]
#
# Options:
#   --otel-propagator   run the service with OpenTelemetry's W3CTraceContextPropagator instead of
#                       Meshwork's TraceContextPropagator (to compare)
#   --no-build          reuse the last build
# Test names are passed to the suite (e.g. TraceContextTest.test_tracestate_duplicated_keys).
#
# Environment: TRACE_CONTEXT_SUITE (required: the suite's test/ folder, not part of this
# repository), SERVICE_PORT (5000), HARNESS_PORT (7777), SPEC_LEVEL (2), STRICT_LEVEL (2: every
# test, including the tracestate size limits), RUN_TIMEOUT (180 s for the whole suite).
#
# Needs /usr/bin/python3 with Debian's python3-aiohttp (apt-get install -y python3-aiohttp).
# The service and the suite are bounded by timeouts, and the service is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

SUITE=${TRACE_CONTEXT_SUITE:?set TRACE_CONTEXT_SUITE to the test/ folder of a w3c/trace-context checkout}
[ -f "$SUITE/test.py" ] || { echo "no test.py in $SUITE (expected the suite's test/ folder)" >&2; exit 2; }
PY=/usr/bin/python3
"$PY" -c 'import aiohttp' 2>/dev/null || { echo "aiohttp missing: apt-get install -y python3-aiohttp" >&2; exit 2; }

SERVICE_PORT=${SERVICE_PORT:-5000}
HARNESS_PORT=${HARNESS_PORT:-7777}
RUN_TIMEOUT=${RUN_TIMEOUT:-180}
service_args=()
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --otel-propagator) service_args+=(--otel-propagator); shift ;;
    --no-build) build=0; shift ;;
    *) break ;;
  esac
done

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cp_file=samples/target/conformance.classpath
if [ "$build" = 1 ] || [ ! -f "$cp_file" ]; then
  mvn -q -B -ntp -Dmaven.test.skip=true -pl samples -am package dependency:build-classpath \
    -Dmdep.outputFile="$PWD/$cp_file" -Dmdep.includeScope=runtime
fi

# The service stops by itself a little after the suite's own time limit.
java -cp "samples/target/classes:$(cat "$cp_file")" io.meshwork.samples.TraceContextConformance \
  "$SERVICE_PORT" --max-seconds=$((RUN_TIMEOUT + 30)) "${service_args[@]}" >"$work/service.log" 2>&1 &
pid=$!
for i in $(seq 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$SERVICE_PORT") 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/service.log" >&2; echo "service did not start" >&2; exit 1; }
  [ "$i" = 150 ] && { echo "service not listening on 127.0.0.1:$SERVICE_PORT after 15 s" >&2; exit 1; }
  sleep 0.1
done
head -1 "$work/service.log"

set +e
(cd "$SUITE" && PYTHONDONTWRITEBYTECODE=1 SPEC_LEVEL=${SPEC_LEVEL:-2} STRICT_LEVEL=${STRICT_LEVEL:-2} \
  HARNESS_HOST=127.0.0.1 HARNESS_BIND_HOST=127.0.0.1 HARNESS_PORT="$HARNESS_PORT" \
  timeout -k 5 "$RUN_TIMEOUT" "$PY" test.py "http://127.0.0.1:$SERVICE_PORT/test" "$@") 2>&1 | tee "$work/suite.log"
status=${PIPESTATUS[0]}
set -e

ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in.*/\1/p' "$work/suite.log" | tail -1)
failures=$(sed -n 's/.*failures=\([0-9]*\).*/\1/p' "$work/suite.log" | tail -1)
errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' "$work/suite.log" | tail -1)
skipped=$(sed -n 's/.*skipped=\([0-9]*\).*/\1/p' "$work/suite.log" | tail -1)
if [ -n "$ran" ]; then
  passed=$((ran - ${failures:-0} - ${errors:-0} - ${skipped:-0}))
  echo "W3C trace-context suite: $passed of $ran passed (failures ${failures:-0}, errors ${errors:-0}, skipped ${skipped:-0}; SPEC_LEVEL=${SPEC_LEVEL:-2}, STRICT_LEVEL=${STRICT_LEVEL:-2})"
else
  echo "W3C trace-context suite did not finish (exit $status)" >&2
fi
exit "$status"
