// Data integrity at stress size: 1 GiB (full; short 64 MiB) of seeded random bytes through every
// read path and every write path, hashes equal. The paths are shared with the unit suite's
// 64 MiB run (__test__/integrity.spec.ts): see _integrity_paths.ts.

import test from 'ava'

import { registerIntegrityTests } from './_integrity_paths.js'
import { MiB, report } from './_helpers.js'
import { pick } from './_profile.js'

registerIntegrityTests(test, {
  size: pick(64, 1024) * MiB,
  hangMs: pick(120_000, 900_000),
  onDone: (t, id, size, ms) => {
    report(t, 'integrity', { path: id, bytes: size, wall_ms: Math.round(ms), mib_per_s: Math.round(size / MiB / (ms / 1000)) })
  },
})
