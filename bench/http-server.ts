// One HTTP server under measurement: `<node|tokio> [port]`. node:http's createServer answering
// every request with a small body; with `tokio` its connections come from a tokio-net/net Server
// (`server.on('connection', (s) => app.emit('connection', s))`), otherwise it listens itself.
// Prints {"port":N} once listening; exits when stdin closes.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import process from 'node:process'

const [mode, portS] = process.argv.slice(2)
const body = Buffer.from('hello from the benchmark server\n')
const app = http.createServer((_req, res) => {
  res.setHeader('content-type', 'text/plain')
  res.end(body)
})

function ready(port: number): void {
  process.stdout.write(JSON.stringify({ port }) + '\n')
}

if (mode === 'tokio') {
  const tnet = require('../dist/net/index.js') as typeof import('../lib/net/index.js')
  const server = tnet.createServer((s) => app.emit('connection', s))
  server.listen(Number(portS ?? 0), '127.0.0.1', () => ready(server.address()?.port ?? 0))
} else {
  app.listen(Number(portS ?? 0), '127.0.0.1', () => ready((app.address() as AddressInfo).port))
}
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
