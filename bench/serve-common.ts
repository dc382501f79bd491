// Shared by the servers under test of the server-side workloads (serve-*.ts; see run.ts and
// README.md): the command line, the ready line, and exiting when the harness goes away.
//
// Usage of every server: `<program> proxy <upstream-port>` or `<program> lines`. It prints
// `{"port":N}` once listening on 127.0.0.1, and exits when its stdin closes.
//
// Every server listens with a backlog of 4096 where the API lets it choose (Deno.listen does
// not): the fan-in workload opens 1,000 connections at once, and when the SYN queue overflows
// Linux answers with SYN cookies, under which a connection completed by a data segment instead
// of the lost handshake ACK silently loses its first bytes (the server then sees a ping byte
// where the mode byte should be).
import process from 'node:process'

export type Role = 'proxy' | 'lines'

export function parseArgs(): { role: Role; upstream: number } {
  const [role, up] = process.argv.slice(2)
  if (role !== 'proxy' && role !== 'lines') throw new Error(`usage: proxy <upstream-port> | lines (got ${String(role)})`)
  const upstream = Number(up ?? 0)
  if (role === 'proxy' && !(upstream > 0)) throw new Error('proxy needs the upstream port')
  return { role, upstream }
}

export function ready(port: number): void {
  process.stdout.write(JSON.stringify({ port }) + '\n')
}

/** Exits once the harness closes our stdin (it never writes to it). */
export function exitWithStdin(): void {
  process.stdin.on('data', () => {})
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}

/** The line server's answer: `<lines> <chars>\n`, chars being the lines' total length. */
export function linesReply(n: number, chars: number): Uint8Array {
  return new TextEncoder().encode(`${n} ${chars}\n`)
}
