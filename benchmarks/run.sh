#!/usr/bin/env bash
# Runs Meshwork's JMH benchmarks. Usage:
#   benchmarks/run.sh overhead [--short] # engine, http, grpc, http-tls and grpc-tls below, one after the other
#   benchmarks/run.sh engine          # engine vs Resilience4j, 1 and 2 threads, with -prof gc
#   benchmarks/run.sh engine --short  # a quick look (fewer, shorter iterations)
#   benchmarks/run.sh engine-cost     # where the engine's time goes: one part taken away at a time, 1 thread, -prof gc
#   benchmarks/run.sh http            # bare OkHttp vs mesh OkHttp on loopback, 1 and 2 threads (each), -prof gc
#   benchmarks/run.sh http --short
#   benchmarks/run.sh http-tls        # bare OkHttp + HttpsServer mTLS vs mesh client and server in strict mTLS, same certificates, 1 and 2 threads, -prof gc
#   benchmarks/run.sh http-tls --short
#   benchmarks/run.sh grpc            # bare grpc-java (round robin) vs mesh channel on loopback, 1 and 2 threads (each), -prof gc
#   benchmarks/run.sh grpc --short
#   benchmarks/run.sh grpc-tls        # bare grpc-java mTLS vs mesh channel and servers in strict mTLS, same certificates, 1 and 2 threads, -prof gc
#   benchmarks/run.sh grpc-tls --short
#   benchmarks/run.sh admin-state     # state.json for 10 and 100 destinations x 10 endpoints: json() and document(), 1 thread, -prof gc
#   benchmarks/run.sh admin-state --short
#   benchmarks/run.sh -- <jmh args>   # anything JMH accepts
# Results (JSON) land in benchmarks/results/. Loopback only; every run ends by itself.
# Experiments (open-loop load against real servers on 127.0.0.1; markdown, CSV and PNG in benchmarks/results/experiments/):
#   benchmarks/run.sh slow-replica [--short]   # 11 replicas, one turns slow: round robin vs least-request vs peak-EWMA, blocking and async callers (~16 min; --short ~5 min)
#   benchmarks/run.sh retry-storm [--short]    # 3 replicas fail for 10 s: no retries vs Resilience4j 3 attempts vs the mesh's budget (~4 min; --short ~2 min)
#   benchmarks/run.sh registry-scale [--short] # ZooKeeper vs file registry: propagation to 10 and 100 meshes, heap of 100 and 1,000 services (~1.5 min, longer under load; --short ~20 s)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${MESHWORK_BENCH_BUILT:-}" ] || mvn -q -B -ntp -Dmaven.test.skip=true -pl benchmarks -am package
JAR=benchmarks/target/benchmarks.jar
mkdir -p benchmarks/results
what=${1:-engine}; shift || true
short=()
if [ "${1:-}" = "--short" ]; then short=(-wi 2 -w 1 -i 3 -r 1); shift; fi
# Runs CLASS's separate benchmarks (-t N) and its pair group (-tg N,N: N threads for each of
# its two sides) with 1 and 2 threads; -tg applies to every benchmark of a run and breaks the
# ungrouped ones, hence two runs per count. Results: NAME-tN.json and NAME-pair-tN.json.
separate_and_pair() {
  local class=$1 separate=$2 name=$3
  shift 3
  for t in 1 2; do
    java -jar "$JAR" "$class\\.($separate)\$" -t "$t" -prof gc "${short[@]}" \
      -rf json -rff "benchmarks/results/$name-t$t.json" "$@"
    java -jar "$JAR" "$class\\.pair" -tg "$t,$t" -prof gc "${short[@]}" \
      -rf json -rff "benchmarks/results/$name-pair-t$t.json" "$@"
  done
}

case "$what" in
  overhead)
    # The engine benchmark and the HTTP and gRPC overhead benchmarks (plaintext and mTLS), one
    # after the other from one build; --short for a quick look (about 15 minutes instead of 60).
    for set in engine http grpc http-tls grpc-tls; do
      echo "== $set"
      MESHWORK_BENCH_BUILT=1 "$0" "$set" ${short[@]:+--short} "$@"
    done
    ;;
  engine)
    for t in 1 2; do
      java -jar "$JAR" 'EngineBenchmark' -t "$t" -prof gc "${short[@]}" \
        -rf json -rff "benchmarks/results/engine-t$t.json" "$@"
    done
    ;;
  engine-cost)
    java -jar "$JAR" 'EngineCostBenchmark' -t 1 -prof gc "${short[@]}" \
      -rf json -rff "benchmarks/results/engine-cost-t1.json" "$@"
    ;;
  admin-state)
    java -jar "$JAR" 'AdminStateBenchmark' -t 1 -prof gc "${short[@]}" \
      -rf json -rff "benchmarks/results/admin-state-t1.json" "$@"
    ;;
  http)     separate_and_pair HttpBenchmark 'bare|mesh|meshPassThrough|inMemoryBare|inMemoryMesh' http "$@" ;;
  http-tls) separate_and_pair HttpTlsBenchmark 'bare|mesh' http-tls "$@" ;;
  grpc)     separate_and_pair GrpcBenchmark 'bare|mesh' grpc "$@" ;;
  grpc-tls) separate_and_pair GrpcTlsBenchmark 'bare|mesh' grpc-tls "$@" ;;
  slow-replica|retry-storm)
    main=$([ "$what" = slow-replica ] && echo SlowReplica || echo RetryStorm)
    java -cp "$JAR" "io.meshwork.benchmarks.experiments.$main" ${short[@]:+--short} "$@"
    ;;
  registry-scale)
    # A fixed heap, so that "used heap after full collections" is read the same way in every run.
    java -Xms512m -Xmx512m -XX:+UseG1GC -cp "$JAR" io.meshwork.benchmarks.experiments.RegistryScale ${short[@]:+--short} "$@"
    ;;
  --) java -jar "$JAR" "$@" ;;
  *) echo "unknown benchmark set: $what (expected: overhead, engine, engine-cost, admin-state, http, http-tls, grpc, grpc-tls, slow-replica, retry-storm, registry-scale, or -- followed by JMH arguments)" >&2; exit 2 ;;
esac
