// What every example file shares: its description, how to run it on its own, and small helpers
// standing in for the Rust idioms the tokio examples use (`Err(e) if e.kind() == WouldBlock`,
// `tokio::spawn`).

import path from 'node:path'

import { type ExampleServer, type ServerKind, freePort, startServer } from './_server.js'

/**
 * What an example's `main` is given:
 * - a server kind: the address of such a server (`_server.ts`), where tokio's example connects
 *   to `127.0.0.1:8080`;
 * - `'bind-v4'` / `'bind-v6'`: a free `127.0.0.1:PORT` / `[::1]:PORT` to bind, where tokio's
 *   example binds `127.0.0.1:8080` / `[::1]:8080` itself;
 * - `'none'`: nothing (the example binds port 0 or needs no address, as tokio's does); `main`
 *   gets an empty string.
 */
export type Needs = ServerKind | 'bind-v4' | 'bind-v6' | 'none'

export interface Example {
  /** The file name without `.ts`: the tokio method, prefixed with the type where it is not `TcpStream`. */
  readonly name: string
  /** The tokio item whose `# Examples` section this is, e.g. `'TcpStream::try_read'`. */
  readonly tokio: string
  readonly needs: Needs
  /** Does what the tokio example does against `addr` and returns what it printed. */
  main(addr: string): Promise<string[]>
}

/** Declares an example, and runs it with its own local server when its file is run directly. */
export function defineExample(example: Example): Example {
  const script = process.argv[1]
  if (script !== undefined && path.basename(script).replace(/\.[cm]?[jt]s$/, '') === example.name) {
    runStandalone(example).then(
      (ok) => {
        process.exitCode = ok ? 0 : 1
      },
      (e: unknown) => {
        console.error(e)
        process.exitCode = 1
      },
    )
  }
  return example
}

/** The servers an example run needs, started lazily and shared. */
export class Servers {
  private readonly started = new Map<ServerKind, Promise<ExampleServer>>()

  server(kind: ServerKind): Promise<ExampleServer> {
    let s = this.started.get(kind)
    if (s === undefined) {
      s = startServer(kind)
      this.started.set(kind, s)
    }
    return s
  }

  async addrFor(needs: Needs): Promise<string> {
    switch (needs) {
      case 'bind-v4':
        return `127.0.0.1:${await freePort('127.0.0.1')}`
      case 'bind-v6':
        return `[::1]:${await freePort('::1')}`
      case 'none':
        return ''
      default:
        return (await this.server(needs)).addr
    }
  }

  async close(): Promise<void> {
    const all = await Promise.all(this.started.values())
    this.started.clear()
    await Promise.all(all.map((s) => s.close()))
  }
}

async function runStandalone(example: Example): Promise<boolean> {
  const servers = new Servers()
  try {
    const addr = await servers.addrFor(example.needs)
    console.log(`== ${example.name} (${example.tokio})${addr ? ` with ${addr}` : ''}`)
    const lines = await withTimeout(example.main(addr), 15_000, example.name)
    for (const line of lines) console.log(line)
    return true
  } catch (e) {
    console.error(`FAILED: ${describeError(e)}`)
    return false
  } finally {
    await servers.close()
  }
}

/** `Err(ref e) if e.kind() == io::ErrorKind::WouldBlock` */
export function isWouldBlock(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'kind' in e && e.kind === 'WouldBlock'
}

/** `tokio::spawn(async { ... })`: starts `f` now; await the returned handle to join it. */
export function spawn<T>(f: () => Promise<T>): Promise<T> {
  const handle = f()
  // A failure is reported when the handle is awaited, not as an unhandled rejection.
  handle.catch(() => {})
  return handle
}

/** Rejects if `p` has not settled after `ms`: a hang becomes a failure that names `what`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: did not finish within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

/** `assert_eq!` */
export function assertEq<T>(left: T, right: T, what: string): void {
  const l = left instanceof Uint8Array ? Buffer.from(left).toString('hex') : left
  const r = right instanceof Uint8Array ? Buffer.from(right).toString('hex') : right
  if (l !== r) {
    throw new Error(`assertion failed: ${what}\n  left: ${String(l)}\n right: ${String(r)}`)
  }
}

/** Rust's `{:?}` of a byte slice: `[72, 101, 108]`. */
export function debugBytes(bytes: Uint8Array): string {
  return `[${Array.from(bytes).join(', ')}]`
}

/** Rust's `{:?}` of a `&str`-ish byte slice, as a JSON string: `"hello world"`. */
export function debugText(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes).toString('utf8'))
}

/** A one-line description of a thrown value, with the fields the addon's errors carry. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const fields: string[] = []
    for (const key of ['kind', 'code', 'errno', 'syscall'] as const) {
      if (key in e) fields.push(`${key}=${String((e as unknown as Record<string, unknown>)[key])}`)
    }
    return `${e.name}: ${e.message}${fields.length ? ` (${fields.join(', ')})` : ''}`
  }
  return String(e)
}
