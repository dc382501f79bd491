#!/usr/bin/env bash
# Runs a core subset of tokio-net (stress/fixtures/memcheck_core.ts) under valgrind's memcheck,
# once per I/O driver (the runtime's workers, and the JS thread), then one batch of the hostile-input
# property (stress/fixtures/hostile_batch.ts: detached, shared and resizable buffers, throwing
# getters, wrong receivers), and summarizes the invalid reads, writes and frees it finds, telling
# those with a frame in the addon from Node/V8's own.
#
# MEMCHECK_ROUNDS (default 2): rounds of the core script. MEMCHECK_HOSTILE_RUNS (default 150, 0 to
# skip): property runs of the hostile batch (~2.4 calls each), with seed MEMCHECK_SEED (default
# random, printed). The batch caps sparse-array lengths: a huge length is a known abort that the
# hostile stress test reports, and an abort would end the run before memcheck has looked at the rest.
#
# Undefined-value tracking is off (--undef-value-errors=no): that is where nearly all of V8's
# noise is, and the defects that matter at the addon boundary are invalid accesses and frees.
# The addon is built stripped, so its frames show as "in tokio-net.linux-x64-gnu.node" without
# function names.
#
# Exit status: 0 clean; 99 memcheck found errors; 2 valgrind missing; else the core script failed.
# Logs are kept in $MEMCHECK_DIR (default: a new directory under $TMPDIR), one per process.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
  echo "memcheck: valgrind is not installed (Debian/Ubuntu package: valgrind)" >&2
  exit 2
fi

dir="${MEMCHECK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tokio-net-memcheck.XXXXXX")}"
mkdir -p "$dir"
echo "memcheck: $(valgrind --version), node $(node --version), logs in $dir"

# Prints one line per error kind and where it was found, then the error headers with their
# first frames, for every log given.
summarize() {
  awk '
    /^==[0-9]+== (Invalid (read|write|free)|Mismatched free|Source and destination overlap|Syscall param|Conditional jump|Use of uninitialised|Process terminating)/ {
      sub(/^==[0-9]+== /, ""); kind = $0; sub(/ of size [0-9]+/, "", kind); frames = ""; inaddon = 0; inerr = 1; inaddr = 0; next
    }
    inerr && /^==[0-9]+== +Address / {
      line = $0; sub(/^==[0-9]+== +/, "", line); frames = frames "\n      " line; inaddr = 1; next
    }
    inerr && /^==[0-9]+== +(at|by) / {
      line = $0; sub(/^==[0-9]+== +/, "", line)
      if (line ~ /tokio-net[^ ]*\.node/) inaddon = 1
      if (!inaddr && nframes++ < 5) frames = frames "\n      " line
      next
    }
    inerr && /^==[0-9]+== *$/ {
      where = inaddon ? "with an addon frame" : "in Node/V8/libc only"
      count[kind " (" where ")"]++
      if (shown++ < 12) details = details "\n  " kind " (" where "):" frames
      inerr = 0; nframes = 0; next
    }
    /ERROR SUMMARY/ { sub(/^==[0-9]+== /, ""); summaries = summaries "\n  " FILENAME ": " $0 }
    END {
      for (k in count) printf "memcheck: %d x %s\n", count[k], k
      if (shown > 0) printf "memcheck: first errors:%s\n", details
      printf "memcheck: per process:%s\n", summaries
    }
  ' "$@"
}

status=0
for driver in workers js-thread; do
  mkdir -p "$dir/$driver"
  echo "memcheck: TOKIO_NET_IO_DRIVER=$driver"
  set +e
  TOKIO_NET_IO_DRIVER="$driver" MEMCHECK_ROUNDS="${MEMCHECK_ROUNDS:-2}" valgrind \
    --error-exitcode=99 --undef-value-errors=no --leak-check=no --num-callers=40 \
    --suppressions=scripts/memcheck.supp --log-file="$dir/$driver/valgrind.%p.log" \
    node --expose-gc --import tsx stress/fixtures/memcheck_core.ts > "$dir/$driver/stdout" 2> "$dir/$driver/stderr"
  rc=$?
  set -e
  summarize "$dir/$driver"/valgrind.*.log
  if ! grep -q '^MEMCHECK-CORE OK' "$dir/$driver/stdout"; then
    echo "memcheck: the core script did not finish under $driver (exit $rc); its stderr:" >&2
    tail -n 30 "$dir/$driver/stderr" >&2
    [ "$rc" -eq 0 ] && rc=1
  fi
  echo "memcheck: $driver: exit $rc"
  if [ "$rc" -ne 0 ] && { [ "$status" -eq 0 ] || [ "$rc" -eq 99 ]; }; then status=$rc; fi
done

runs="${MEMCHECK_HOSTILE_RUNS:-150}"
if [ "$runs" -gt 0 ]; then
  seed="${MEMCHECK_SEED:-$((RANDOM * 32768 + RANDOM))}"
  mkdir -p "$dir/hostile"
  echo "memcheck: hostile batch, seed $seed, $runs runs"
  batch=(node --expose-gc --import tsx stress/fixtures/hostile_batch.ts "$seed" "$runs" - --cap-sparse-length)
  # As in hostile.spec.ts: a private network namespace where we may, so no random string reaches
  # a real host; else strings that cannot resolve.
  if [ "$(id -u)" -eq 0 ] && unshare --net -- ip link set lo up 2>/dev/null; then
    wrap=(unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh)
  else
    wrap=()
    batch+=(--unresolvable-strings)
  fi
  set +e
  # Bounded: a hostile call that deadlocks must end this run, not stall it.
  timeout -s KILL "${MEMCHECK_HOSTILE_BOUND:-900}" "${wrap[@]}" valgrind --error-exitcode=99 --undef-value-errors=no --leak-check=no --num-callers=40 \
    --suppressions=scripts/memcheck.supp --log-file="$dir/hostile/valgrind.%p.log" \
    "${batch[@]}" > "$dir/hostile/stdout" 2> "$dir/hostile/stderr"
  rc=$?
  set -e
  summarize "$dir/hostile"/valgrind.*.log
  if ! grep -q '^RESULT ' "$dir/hostile/stdout"; then
    [ "$rc" -eq 137 ] && echo "memcheck: the hostile batch was killed after ${MEMCHECK_HOSTILE_BOUND:-900}s" >&2
    echo "memcheck: the hostile batch did not finish (exit $rc); last call: $(grep '^CALL ' "$dir/hostile/stdout" | tail -n 1)" >&2
    tail -n 30 "$dir/hostile/stderr" >&2
    [ "$rc" -eq 0 ] && rc=1
  fi
  calls=$(grep -o '"calls":[0-9]*' "$dir/hostile/stdout" | cut -d: -f2)
  echo "memcheck: hostile: ${calls:-?} calls, exit $rc (replay: MEMCHECK_SEED=$seed MEMCHECK_HOSTILE_RUNS=$runs)"
  if [ "$rc" -ne 0 ] && { [ "$status" -eq 0 ] || [ "$rc" -eq 99 ]; }; then status=$rc; fi
fi
exit "$status"
