// Real servers for the consumer specs (Debian's redis-server, postgresql, nginx), each started by
// the test on a free loopback port in a throwaway directory and stopped when the test ends.
// Not a `.spec.ts` file, so ava does not run it as a test file.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type { ExecutionContext } from 'ava'

import net from '../lib/net/index.js'
import { TcpListener } from '../index.js'

/** The path of `name` on PATH (or in PostgreSQL's bin directory), or null. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...listPostgresBins()]
  for (const dir of dirs) {
    const p = path.join(dir, name)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      return p
    } catch {
      // not here
    }
  }
  return null
}

function listPostgresBins(): string[] {
  try {
    return fs.readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`)
  } catch {
    return []
  }
}

/**
 * Whether the specs needing `binary` run. Missing locally: they are skipped (ava lists them).
 * Missing under CI: they fail, because .ci/run is meant to install it.
 */
export function serviceAvailable(binary: string): boolean {
  return findBinary(binary) !== null || process.env.CI === 'true'
}

/** A port nothing listens on: bound and closed with no accept pending, so the socket closes at once. */
export async function freePort(): Promise<number> {
  const l = await TcpListener.bind('127.0.0.1:0')
  const port = l.localAddr().port()
  l.close()
  return port
}

function tempDir(t: ExecutionContext, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function stopOnTeardown(t: ExecutionContext, child: ChildProcess): void {
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  })
}

async function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

async function waitUntilListening(port: number, child: ChildProcess, what: string, log: () => string): Promise<void> {
  let ready = false
  for (let i = 0; i < 600 && !ready; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${log()}`)
    ready = await acceptsConnections(port)
    if (!ready) await new Promise((r) => setTimeout(r, 50))
  }
  if (!ready) throw new Error(`${what} did not listen on ${port} within 30 s: ${log()}`)
}

function capture(child: ChildProcess): () => string {
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  return () => out.slice(-4000)
}

/** A redis-server with no persistence on a free port. */
export async function startRedis(t: ExecutionContext): Promise<number> {
  const bin = findBinary('redis-server')
  if (!bin) throw new Error('redis-server not found: install Debian package redis-server')
  const port = await freePort()
  const dir = tempDir(t, 'tokio-net-redis-')
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  stopOnTeardown(t, child)
  await waitUntilListening(port, child, 'redis-server', capture(child))
  return port
}

/** A throwaway PostgreSQL cluster (trust auth, user postgres) on a free port. */
export async function startPostgres(t: ExecutionContext): Promise<number> {
  const initdb = findBinary('initdb')
  const postgres = findBinary('postgres')
  if (!initdb || !postgres) throw new Error('PostgreSQL not found: install Debian package postgresql')
  const port = await freePort()
  const dir = tempDir(t, 'tokio-net-pg-')
  const data = path.join(dir, 'data')
  // PostgreSQL refuses to run as root: run it as the postgres user then.
  const asUser = (cmd: string, args: string[]): [string, string[]] =>
    process.getuid?.() === 0 ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args]] : [cmd, args]
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir])
  const [c1, a1] = asUser(initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'])
  execFileSync(c1, a1, { stdio: 'ignore' })
  const [c2, a2] = asUser(postgres, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'])
  const child = spawn(c2, a2, { stdio: ['ignore', 'pipe', 'pipe'] })
  stopOnTeardown(t, child)
  await waitUntilListening(port, child, 'postgres', capture(child))
  return port
}

/** nginx serving `files` (name → contents) from a throwaway root, keep-alive on. */
export async function startNginx(t: ExecutionContext, files: Record<string, Buffer>): Promise<number> {
  const bin = findBinary('nginx')
  if (!bin) throw new Error('nginx not found: install Debian package nginx')
  const port = await freePort()
  const dir = tempDir(t, 'tokio-net-nginx-')
  const root = path.join(dir, 'root')
  fs.mkdirSync(root)
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(root, name), body)
  if (process.getuid?.() === 0) execFileSync('chmod', ['-R', 'a+rX', dir])
  const conf = path.join(dir, 'nginx.conf')
  fs.writeFileSync(
    conf,
    `worker_processes 1;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  )
  const child = spawn(bin, ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] })
  stopOnTeardown(t, child)
  await waitUntilListening(port, child, 'nginx', capture(child))
  return port
}
