// Memory checking: scripts/memcheck.sh runs a core subset of tokio-net under valgrind's memcheck
// (both I/O drivers) and one hostile-input batch, and fails on any invalid read, write or free. Only under the full profile:
// valgrind makes the run take minutes. Skipped (chosen up front, reason printed and in the title)
// under the short profile or without valgrind.

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import test from 'ava'

import { runCommand } from './_fault_helpers.js'
import { profile } from './_profile.js'

function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'pipe', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}

const skipReason =
  profile !== 'full' ? 'full profile only (npm run test:stress, or npm run test:memcheck alone): valgrind is far too slow for the short one' : hasValgrind() ? null : 'valgrind is not installed (Debian package: valgrind)'
if (skipReason !== null) console.log(`memcheck.spec.ts: skipping: ${skipReason}`)
const memcheckTest = skipReason === null ? test : test.skip
const suffix = skipReason === null ? '' : ` [skipped: ${skipReason}]`

memcheckTest(`valgrind memcheck finds no invalid read, write or free in the core paths (both I/O drivers) or under a hostile-input batch${suffix}`, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokio-net-memcheck-'))
  const r = await runCommand(['bash', 'scripts/memcheck.sh'], { timeoutMs: 30 * 60_000, env: { MEMCHECK_DIR: dir } })
  const summary = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('memcheck:') || l.startsWith('  '))
    .join('\n')
  t.log(`${summary}\n(${r.ms}ms)`)
  t.false(r.timedOut, `memcheck.sh still running after 30 minutes`)
  t.not(r.code, 99, `memcheck found memory errors:\n${summary}`)
  t.is(r.code, 0, `memcheck.sh failed (exit ${String(r.code)}):\n${summary}\n${r.stderr.slice(-3000)}`)
  // The logs stay for a failure's post-mortem; a clean run leaves nothing behind.
  if (r.code === 0) fs.rmSync(dir, { recursive: true, force: true })
  else t.log(`valgrind logs kept in ${dir}`)
})
