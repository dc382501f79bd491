// The node:net servers under test, run with Node and, unchanged, with Bun (see serve-common.ts).
// - proxy: `pipe()` both ways between the accepted socket and one to the fixed server
//   (allowHalfOpen, so a FIN travels through as `end()` and the answer can still come back).
// - lines: `readline.createInterface({ input: socket })`, counting the 'line' events.
import net from 'node:net'
import readline from 'node:readline'
import { exitWithStdin, linesReply, parseArgs, ready } from './serve-common.ts'

const { role, upstream } = parseArgs()

function proxy(c: net.Socket): void {
  c.setNoDelay(true)
  const u = net.connect({ port: upstream, host: '127.0.0.1', allowHalfOpen: true })
  u.setNoDelay(true)
  const kill = (): void => {
    c.destroy()
    u.destroy()
  }
  c.on('error', kill)
  u.on('error', kill)
  c.pipe(u)
  u.pipe(c)
}

function lines(s: net.Socket): void {
  s.setNoDelay(true)
  s.on('error', () => s.destroy())
  let n = 0
  let chars = 0
  const rl = readline.createInterface({ input: s, crlfDelay: Infinity })
  rl.on('line', (line: string) => {
    n++
    chars += line.length
  })
  rl.on('close', () => s.end(linesReply(n, chars)))
}

const server = net.createServer({ allowHalfOpen: true }, role === 'proxy' ? proxy : lines)
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => ready((server.address() as net.AddressInfo).port))
exitWithStdin()
