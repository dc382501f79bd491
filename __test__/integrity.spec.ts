// Data integrity: 64 MiB of seeded random bytes through every read path and every write path,
// sha256 compared on both sides. The paths live in stress/_integrity_paths.ts, shared with the
// stress suite's 1 GiB run.

import test from 'ava'

import { MiB } from '../stress/_helpers.js'
import { registerIntegrityTests } from '../stress/_integrity_paths.js'

registerIntegrityTests(test, { size: 64 * MiB, hangMs: 120_000 })
