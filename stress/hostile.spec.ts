// Hostile input: fast-check calls every export of tokio-net (constructors, statics, methods,
// getters, enumerated from the module so a new method is covered without touching this file)
// with random argument lists: out-of-range numbers, NaN, -0, bigints, symbols, proxies that throw
// on every trap, getters that throw or close the handle they are handed to, detached, shared and
// resizable buffers, sparse arrays with huge lengths, other classes' instances, callbacks that
// throw or re-enter. Each call must return, throw a TypeError / RangeError / typed error, or
// return a promise that settles once its handles are closed; the process must never abort.
//
// The property runs in child processes (stress/fixtures/hostile_batch.ts), one per batch, so an
// abort is reported with its seed and the call that caused it. Where the test may (root, with
// `unshare` and `ip`), each batch runs in a private network namespace holding only a loopback
// interface, so no random string can reach a real host or wait on DNS; elsewhere every random
// string is made unresolvable instead. Replay a batch with the command in its log line.
//
// Before the random batches, a deterministic sweep calls every method once per way an argument's
// getters can turn on the call (closing the receiver, detaching the call's buffers, throwing),
// so a re-entrancy deadlock or crash shows on every run rather than by chance.

import { execFileSync } from 'node:child_process'
import { randomInt } from 'node:crypto'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { describeExit, fixtureArgv, lastJsonLine, runCommand } from './_fault_helpers.js'
import { pick, profile } from './_profile.js'

interface Violation {
  run: number
  call: number
  desc: string
  problem: string
}

interface BatchResult {
  seed: number
  runs: number
  calls: number
  targets: number
  ms: number
  fastCheckFailed: string | null
  violations: Violation[]
  harnessErrors: string[]
  outcomes: Record<string, number>
  signatures: Record<string, number>
}

// About 2.4 calls per run (1 to 4), so short makes ~2,000 calls and full ~50,000.
const BATCHES = pick(4, 20)
const RUNS_PER_BATCH = pick(210, 1050)
const BATCH_BOUND_MS = pick(60_000, 300_000)
const BASE_SEED = Number(process.env.TOKIO_NET_HOSTILE_SEED ?? randomInt(1, 2 ** 31))

function canUseNetns(): string | null {
  if (process.getuid?.() !== 0) return 'not root'
  try {
    execFileSync('unshare', ['--net', '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'pipe', timeout: 10_000 })
    return null
  } catch (e) {
    return `unshare --net / ip failed: ${(e as Error).message.split('\n')[0]}`
  }
}

const netnsUnavailable = canUseNetns()

function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}

/**
 * The command of one batch. Its data segment is capped (`ulimit -d`, 4 GiB): a length taken at
 * face value (a sparse array of length 2**31) must end as an allocation failure, not by eating
 * the machine's memory.
 */
function batchArgv(seed: number, extra: string[] = []): string[] {
  const node = fixtureArgv('hostile_batch.ts', [String(seed), String(RUNS_PER_BATCH), '-', ...extra])
  node.splice(1, 0, '--expose-gc')
  const cap = 'ulimit -d 4194304'
  if (netnsUnavailable !== null) return ['sh', '-c', `${cap} && exec "$@"`, 'sh', ...node, '--unresolvable-strings']
  return ['unshare', '--net', '--', 'sh', '-c', `${cap} && ip link set lo up && exec "$@"`, 'sh', ...node]
}

const totals = { calls: 0, batches: 0 }

/** Runs one batch and fails `t` with everything needed to replay it if anything went wrong. */
async function runBatch(t: ExecutionContext, seed: number, extra: string[] = []): Promise<void> {
  const argv = batchArgv(seed, extra)
  const replay = shellQuote(argv)
  const r = await runCommand(argv, { timeoutMs: BATCH_BOUND_MS, keepStdout: 256 * 1024 })
  const result = lastJsonLine<BatchResult>(r.stdout, 'RESULT')
  if (!result || r.code !== 0) {
    const lastCall = r.stdout.split('\n').filter((l) => l.startsWith('CALL ')).at(-1) ?? '(none)'
    t.fail(`batch seed ${seed} died: ${describeExit(r)}\nlast call started: ${lastCall}\nreplay: ${replay}`)
    return
  }
  if (extra.length === 0) {
    totals.calls += result.calls
    totals.batches++
  }
  t.log(
    `${result.calls} calls (${result.runs} runs over ${result.targets} targets) in ${result.ms}ms (child process ${r.ms}ms); ` +
      `batches so far: ${totals.calls} calls in ${totals.batches}/${BATCHES} (${profile} profile); outcomes ${JSON.stringify(result.outcomes)}`,
  )
  t.deepEqual(result.harnessErrors, [], 'the fixture could not build some values')
  t.is(result.fastCheckFailed, null)
  const signatures = Object.entries(result.signatures).sort((a, b) => b[1] - a[1])
  if (signatures.length > 0) {
    const examples = result.violations
      .slice(0, 12)
      .map((v) => `  run ${v.run} call ${v.call}: ${v.desc}\n    -> ${v.problem}`)
      .join('\n')
    t.fail(
      `${signatures.length} kinds of bad outcome (count: signature):\n${signatures.map(([s, n]) => `  ${n}: ${s}`).join('\n')}\nan example of each:\n${examples}\nreplay: ${replay}`,
    )
  }
}

test.serial('re-entrancy sweep: every method, its argument read through getters that close the receiver, detach buffers or throw: no deadlock, no crash', async (t) => {
  t.log(netnsUnavailable === null ? 'batches run in a private network namespace (loopback only)' : `no private network namespace (${netnsUnavailable}): random strings are made unresolvable instead`)
  await runBatch(t, 0, ['--sweep'])
})

for (let b = 0; b < BATCHES; b++) {
  const seed = BASE_SEED + b
  test.serial(`hostile calls, batch ${b + 1}/${BATCHES} (seed ${seed}): no abort, no hang, only TypeError / RangeError / typed errors`, async (t) => {
    await runBatch(t, seed)
  })
}
