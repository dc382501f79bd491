// Differential tests of tokio-net/net against node:net. Every scenario in
// __test__/differential/scenarios runs on three implementations, each in child processes:
//   node     plain node:net (the reference)
//   tokio    tokio-net/net (lib/net, through tsx)
//   preload  node:net under `--require ./dist/net/register.js` (its connect, createConnection,
//            createServer and http.Agent#createConnection are tokio-net's; `new net.Socket()` and
//            http.createServer stay node:net's)
// and each ava test compares one scenario's observations (events in order with normalized
// arguments, received data, byte counts, states, return values, thrown errors, process exit)
// on tokio and under the preload with node:net's. A difference fails the test unless it is in
// KNOWN_DIFFERENCES (harness.ts), each with its reason.
//
// The batch scenarios run in one child per implementation (two shards side by side), each
// scenario under its own hang guard; the ref/unref and process-exit scenarios run in a child
// each. Children inherit the environment, TOKIO_NET_IO_DRIVER included. Run one scenario's
// implementation by hand with:
//   node [--require ./dist/net/register.js] --import tsx __test__/differential/child.ts <node|tokio|preload> batch
//   node [--require ./dist/net/register.js] --import tsx __test__/differential/child.ts <impl> one <scenario>

import test from 'ava'

import { KNOWN_DIFFERENCES, type ImplName, type Outcome, knownDifference } from './differential/harness.js'
import { type AllResults, runAll } from './differential/run.js'
import { SCENARIOS } from './differential/scenarios/index.js'

let pending: Promise<AllResults> | null = null
/** Every scenario on every implementation, run once for the whole file. */
function results(): Promise<AllResults> {
  pending ??= runAll()
  return pending
}

/** What is compared: the outcome without the child's stderr (shown only in messages). */
function observed(o: (Outcome & { stderr?: string }) | undefined): Outcome | undefined {
  if (!o) return undefined
  const { stderr, ...rest } = o
  void stderr
  return rest
}

const COMPARED: ReadonlyArray<Exclude<ImplName, 'node'>> = ['tokio', 'preload']

test('the scenarios: at least 47, unique names; the allow-list is small and names real scenarios', (t) => {
  t.true(SCENARIOS.length >= 47, `${SCENARIOS.length} scenarios`)
  t.is(new Set(SCENARIOS.map((s) => s.name)).size, SCENARIOS.length)
  t.true(KNOWN_DIFFERENCES.length <= 3)
  for (const d of KNOWN_DIFFERENCES) {
    t.truthy(
      SCENARIOS.find((s) => s.name === d.scenario),
      `allow-list entry for a missing scenario: ${d.scenario}`,
    )
    t.true(d.reason.length > 20, `allow-list entry without a reason: ${d.scenario}`)
  }
})

for (const scenario of SCENARIOS) {
  test(scenario.name, async (t) => {
    const all = await results()
    const reference = all.node.get(scenario.name)
    if (!reference || reference.status !== 'ok') {
      t.fail(`the node:net reference run did not complete: ${JSON.stringify(reference)}`)
      return
    }
    const actual: Record<string, Outcome | undefined> = {}
    const expected: Record<string, Outcome | undefined> = {}
    const notes: string[] = []
    for (const impl of COMPARED) {
      const outcome = all[impl].get(scenario.name)
      const known = knownDifference(scenario.name, impl)
      if (known) {
        // Documented: not compared with node:net, but what it documents must hold.
        t.regex(JSON.stringify(observed(outcome)), known.mustMatch, `${impl}: the documented difference (${known.reason})`)
        continue
      }
      actual[impl] = observed(outcome)
      expected[impl] = observed(reference)
      if (outcome?.stderr) notes.push(`${impl} stderr: ${outcome.stderr}`)
    }
    t.deepEqual(actual, expected, `what tokio-net/net (tokio) and the preload observe, against node:net (the reference)${notes.length ? `\n${notes.join('\n')}` : ''}`)
  })
}
