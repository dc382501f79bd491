// Real servers for the consumer specs (Debian's redis-server, postgresql, nginx), each started by
// the test on a free loopback port in a throwaway directory and stopped when the test ends.

import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

import type { ExecutionContext } from 'ava'

import { TcpListener } from '../../index.js'

const execFileAsync = promisify(execFile)

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
 * Missing where `.ci/run` asks for every server (TOKIO_NET_REQUIRE_SERVICES=1): they fail, because
 * it installs them.
 */
export function serviceAvailable(binary: string): boolean {
  return findBinary(binary) !== null || process.env.TOKIO_NET_REQUIRE_SERVICES === '1'
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

/** A server started by a test (a service): its port, and what it printed, for a failure's message. */
export interface Service {
  port: number
  describe(): string
}

/** How to run one server on a given port, and how it says that it serves there. */
interface ServerLaunch {
  what: string
  spawn: (port: number) => ChildProcess
  /**
   * Whether the server serves. Each server here exits when it cannot bind its port, and says it
   * is ready only after binding it: so "ready and still running" means this process took the port.
   */
  ready: (log: string) => boolean
}

const ATTEMPTS = 3

/**
 * Starts a server on a free loopback port and waits until it serves there. freePort() only
 * picks a port that was free a moment ago: any listener of the tests running beside this one can
 * bind it before the server does. The server then exits (address in use) while the port accepts
 * connections for somebody else, so "the port accepts" is not enough: the server itself must
 * say it is ready. A server that lost its port is started again on another one.
 */
async function startOnFreePort(t: ExecutionContext, launch: ServerLaunch): Promise<Service> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const child = launch.spawn(port)
    const log = capture(child)
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
    let spawnError: Error | undefined
    child.once('error', (e) => (spawnError = e))
    stopOnTeardown(t, child)
    const exited = () => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null
    const describe = () => `${launch.what} on port ${port}, ${exited() ? `exited (${spawnError?.message ?? child.exitCode ?? child.signalCode})` : 'running'}; its output: ${log() || '(none)'}`
    const deadline = Date.now() + 30_000
    while (!exited() && Date.now() < deadline) {
      if (launch.ready(log())) return { port, describe }
      await new Promise((r) => setTimeout(r, 50))
    }
    if (!exited()) throw new Error(`${launch.what} did not serve within 30 s: ${describe()}`)
    // Its last output may still be in the pipe when the exit is seen.
    await closed
    if (attempt === ATTEMPTS || !/in use/i.test(log())) throw new Error(`${launch.what} did not start: ${describe()}`)
  }
}

/** The environment of the servers: English messages, which the ready and retry checks read. */
const SERVER_ENV = { ...process.env, LC_ALL: 'C' }

function capture(child: ChildProcess): () => string {
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  return () => out.slice(-4000)
}

/** A redis-server with no persistence on a free port. */
export async function startRedis(t: ExecutionContext): Promise<Service> {
  const bin = findBinary('redis-server')
  if (!bin) throw new Error('redis-server not found: install Debian package redis-server')
  const dir = tempDir(t, 'tokio-net-redis-')
  return startOnFreePort(t, {
    what: 'redis-server',
    spawn: (port) => spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: SERVER_ENV }),
    ready: (log) => /Ready to accept connections/.test(log),
  })
}

/** A throwaway PostgreSQL cluster (trust auth, user postgres) on a free port. */
export async function startPostgres(t: ExecutionContext): Promise<Service> {
  const initdb = findBinary('initdb')
  const postgres = findBinary('postgres')
  if (!initdb || !postgres) throw new Error('PostgreSQL not found: install Debian package postgresql')
  const dir = tempDir(t, 'tokio-net-pg-')
  const data = path.join(dir, 'data')
  // PostgreSQL refuses to run as root: run it as the postgres user then.
  const asUser = (cmd: string, args: string[]): [string, string[]] =>
    process.getuid?.() === 0 ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args]] : [cmd, args]
  if (process.getuid?.() === 0) await execFileAsync('chown', ['postgres:postgres', dir])
  // initdb takes seconds: run asynchronously, so the tests running beside this one keep their
  // event loop (a blocked loop fires their timers late, before the I/O that would have met them).
  const [c1, a1] = asUser(initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'])
  await execFileAsync(c1, a1, { env: SERVER_ENV })
  return startOnFreePort(t, {
    what: 'postgres',
    spawn: (port) => {
      const [c2, a2] = asUser(postgres, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'])
      return spawn(c2, a2, { stdio: ['ignore', 'pipe', 'pipe'], env: SERVER_ENV })
    },
    ready: (log) => /database system is ready to accept connections/.test(log),
  })
}

/** nginx serving `files` (name → contents) from a throwaway root, keep-alive on. */
export async function startNginx(t: ExecutionContext, files: Record<string, Buffer>): Promise<Service> {
  const bin = findBinary('nginx')
  if (!bin) throw new Error('nginx not found: install Debian package nginx')
  const dir = tempDir(t, 'tokio-net-nginx-')
  const root = path.join(dir, 'root')
  fs.mkdirSync(root)
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(root, name), body)
  if (process.getuid?.() === 0) await execFileAsync('chmod', ['-R', 'a+rX', dir])
  const conf = path.join(dir, 'nginx.conf')
  const pidFile = path.join(dir, 'nginx.pid')
  return startOnFreePort(t, {
    what: 'nginx',
    spawn: (port) => {
      fs.writeFileSync(conf, nginxConf(dir, root, pidFile, port))
      fs.rmSync(pidFile, { force: true })
      return spawn(bin, ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'], env: SERVER_ENV })
    },
    // nginx prints nothing when it starts; it writes its pid file once its sockets listen.
    ready: () => fs.existsSync(pidFile),
  })
}

function nginxConf(dir: string, root: string, pidFile: string, port: number): string {
  return `worker_processes 1;
error_log ${dir}/error.log;
pid ${pidFile};
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
`
}
