// Bun and Deno, installed from npm into a cache folder on first use: the benchmark measures them
// (`bench/run.ts`) and `npm run test:runtimes` runs the addon under them. They are not
// dependencies of the package. The versions are pinned so every run measures and tests the same.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, realpathSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(__dirname, '..')

/** Gitignored (`bench/.gitignore`); shared by the benchmark and the runtime tests. */
export const PEERS_DIR = path.join(ROOT, 'bench', '.peers')
export const PEER_PACKAGES = ['bun@1.4.5', 'deno@2.9.6']

/** A runtime found ready to run: its binary and the version it reports, or why not. */
export interface Peer {
  bin?: string
  version?: string
  why?: string
}

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() }
}

/** Installs the pinned packages into PEERS_DIR unless both are there (only the npm registry is needed). */
export function installPeers(log: (msg: string) => void): void {
  if (existsSync(path.join(PEERS_DIR, 'node_modules', 'bun')) && existsSync(path.join(PEERS_DIR, 'node_modules', 'deno'))) return
  log(`installing the peers ${PEER_PACKAGES.join(', ')} into bench/.peers`)
  mkdirSync(PEERS_DIR, { recursive: true })
  spawnSync('npm', ['install', '--prefix', PEERS_DIR, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', ...PEER_PACKAGES], {
    stdio: 'ignore',
  })
}

export function findBun(log: (msg: string) => void): Peer {
  const pkg = path.join(PEERS_DIR, 'node_modules', 'bun')
  const shim = path.join(pkg, 'bin', 'bun.exe')
  if (!existsSync(pkg)) return { why: 'npm package bun could not be installed' }
  let v = existsSync(shim) ? sh(shim, ['--version']) : { ok: false, out: '' }
  if (!v.ok) {
    // Installed with --ignore-scripts: the postinstall puts the binary from @oven/bun-linux-x64 in place.
    log('bun: running its postinstall (node install.js)')
    spawnSync('node', ['install.js'], { cwd: pkg, stdio: 'ignore' })
    v = existsSync(shim) ? sh(shim, ['--version']) : { ok: false, out: '' }
  }
  if (!v.ok) return { why: `bun does not run here: ${v.out.split('\n')[0] || 'no binary'}` }
  return { bin: realpathSync(shim), version: v.out }
}

export function findDeno(): Peer {
  const direct = path.join(PEERS_DIR, 'node_modules', '@deno', 'linux-x64-glibc', 'deno')
  if (!existsSync(direct)) {
    if (!existsSync(path.join(PEERS_DIR, 'node_modules', 'deno'))) return { why: 'npm package deno could not be installed' }
    return { why: 'the deno binary (@deno/linux-x64-glibc) is missing' }
  }
  const v = sh(direct, ['--version'])
  if (!v.ok) return { why: `deno does not run here: ${v.out.split('\n')[0]}` }
  return { bin: direct, version: v.out.split('\n')[0].replace(/^deno /, '') }
}
