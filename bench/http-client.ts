// One HTTP client measurement: `<port> <node|tokio> <requests> <concurrency>`. Keep-alive
// http.Agent requests (GET, small body) against a fixed local server; with `tokio` the agent's
// connections come from tokio-net/net's createConnection, otherwise from node:net. Prints one
// JSON line: ops, seconds, cpu (the whole process, every thread), sockets opened.
import http from 'node:http'
import process from 'node:process'

const [portS, mode, requestsS, concS] = process.argv.slice(2)
const port = Number(portS)
const requests = Number(requestsS)
const concurrency = Number(concS)

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
let sockets = 0
if (mode === 'tokio') {
  const tnet = require('../dist/net/index.js') as typeof import('../lib/net/index.js')
  agent.createConnection = (o, cb) => {
    sockets++
    return tnet.createConnection(o, cb)
  }
} else {
  agent.on('free', () => {})
  const original = agent.createConnection.bind(agent) as (...a: unknown[]) => unknown
  ;(agent as unknown as { createConnection: unknown }).createConnection = (...a: unknown[]) => {
    sockets++
    return original(...a)
  }
}

function get(): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.on('data', () => {})
        res.on('end', resolve)
      })
      .on('error', reject)
  })
}

async function run(n: number): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++
        await get()
      }
    }),
  )
}

async function main(): Promise<void> {
  await run(Math.max(1, Math.floor(requests / 10)))
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await run(requests)
  const seconds = (performance.now() - t0) / 1000
  const c = process.cpuUsage(c0)
  agent.destroy()
  process.stdout.write(JSON.stringify({ ops: requests, seconds, cpu: (c.user + c.system) / 1e6, sockets }) + '\n', () => process.exit(0))
}

main().catch((e: unknown) => {
  process.stderr.write(`http client failed: ${String((e as Error)?.stack ?? e)}\n`)
  process.exit(1)
})
