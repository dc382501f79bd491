// Every scenario of the differential harness, in the order the batch children run them.

import type { Scenario } from '../harness.js'
import { scenarios as addresses } from './addresses.js'
import { scenarios as destroy } from './destroy.js'
import { scenarios as encoding } from './encoding.js'
import { scenarios as errors } from './errors.js'
import { scenarios as exit } from './exit.js'
import { scenarios as flow } from './flow.js'
import { scenarios as halfclose } from './halfclose.js'
import { scenarios as keepalive } from './keepalive.js'
import { scenarios as lookup } from './lookup.js'
import { scenarios as server } from './server.js'
import { scenarios as throws } from './throws.js'
import { scenarios as timeout } from './timeout.js'
import { scenarios as unix } from './unix.js'

export const SCENARIOS: readonly Scenario[] = [
  ...halfclose,
  ...destroy,
  ...timeout,
  ...flow,
  ...encoding,
  ...errors,
  ...server,
  ...addresses,
  ...lookup,
  ...throws,
  ...keepalive,
  ...unix,
  ...exit,
]

const seen = new Set<string>()
for (const s of SCENARIOS) {
  if (seen.has(s.name)) throw new Error(`two scenarios named ${s.name}`)
  seen.add(s.name)
}
