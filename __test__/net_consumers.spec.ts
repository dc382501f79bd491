// Real consumers over tokio-net/net: http.Agent (keep-alive) with createConnection, an
// http.createServer fed by a tokio-net Server and driven by fetch, and undici's Client with a
// connect function. The servers are local; the bodies are hash-checked.

import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

import test from 'ava'
import { Agent as UndiciAgent, Client } from 'undici'

import net from '../lib/net/index.js'
import type { Socket } from '../lib/net/index.js'

import { guard, sha256 } from './helpers/index.js'
import { listen, waitFor } from './helpers/net.js'

const MiB = 1024 * 1024

/** A node:http server: GET /big sends `big`, POST hashes the body, anything else says ok. */
async function nodeHttpServer(t: import('ava').ExecutionContext, big: Buffer): Promise<[http.Server, number]> {
  const server = http.createServer((req, res) => {
    if (req.url === '/big') {
      res.end(big)
      return
    }
    const h = createHash('sha256')
    req.on('data', (c: Buffer) => h.update(c))
    req.on('end', () => res.end(req.method === 'POST' ? h.digest('hex') : `ok ${req.url}`))
  })
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return [server, (server.address() as AddressInfo).port]
}

function get(agent: http.Agent, port: number, path: string): Promise<[http.IncomingMessage, Buffer]> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve([res, Buffer.concat(chunks)]))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

test('http.Agent keep-alive with tokio-net createConnection: 100 requests on one socket, then an 8 MiB body hash-checked', async (t) => {
  const big = randomBytes(8 * MiB)
  const [server, port] = await nodeHttpServer(t, big)
  let connections = 0
  server.on('connection', () => connections++)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const created: Socket[] = []
  agent.createConnection = (options, cb) => {
    const s = net.createConnection(options, cb)
    created.push(s)
    return s
  }
  for (let i = 0; i < 100; i++) {
    const [res, body] = await guard(get(agent, port, `/r${i}`), `request ${i}`)
    t.is(res.statusCode, 200)
    if (body.toString() !== `ok /r${i}`) t.fail(`request ${i}: ${body.toString()}`)
  }
  const [res, body] = await guard(get(agent, port, '/big'), 'GET /big')
  t.is(res.statusCode, 200)
  t.is(body.length, big.length)
  t.is(sha256(body), sha256(big))
  t.is(created.length, 1, 'one tokio-net socket carried every request')
  t.is(connections, 1, 'the server saw one connection')
})

test('http.createServer fed by a tokio-net Server: 1,000 keep-alive fetch requests, three with 10 MiB bodies', async (t) => {
  const httpServer = http.createServer((req, res) => {
    const h = createHash('sha256')
    let n = 0
    req.on('data', (c: Buffer) => {
      n += c.length
      h.update(c)
    })
    req.on('end', () => res.end(JSON.stringify({ n, hash: h.digest('hex'), url: req.url })))
  })
  const server = net.createServer((s) => httpServer.emit('connection', s))
  let connections = 0
  server.on('connection', () => connections++)
  const port = await listen(t, server)
  t.teardown(() => httpServer.closeAllConnections())
  const dispatcher = new UndiciAgent({ connections: 4 })
  t.teardown(() => dispatcher.close())
  const bodies = new Map<number, Buffer>()
  for (const i of [0, 500, 999]) bodies.set(i, randomBytes(10 * MiB))
  let next = 0
  const failures: string[] = []
  async function worker(): Promise<void> {
    while (next < 1000) {
      const i = next++
      const body = bodies.get(i)
      const res = await fetch(`http://127.0.0.1:${port}/q${i}`, {
        method: body ? 'POST' : 'GET',
        body,
        // @ts-expect-error: undici's dispatcher option, not in lib.dom's RequestInit
        dispatcher,
      })
      const got = (await res.json()) as { n: number; hash: string; url: string }
      const want = body ? { n: body.length, hash: sha256(body), url: `/q${i}` } : { n: 0, hash: sha256(), url: `/q${i}` }
      if (res.status !== 200 || JSON.stringify(got) !== JSON.stringify(want)) failures.push(`request ${i}: ${res.status} ${JSON.stringify(got)}`)
    }
  }
  await guard(Promise.all([worker(), worker(), worker(), worker()]), '1,000 fetch requests', 90_000)
  t.deepEqual(failures, [])
  t.true(connections >= 1 && connections <= 4, `keep-alive: ${connections} connections for 1,000 requests`)
})

test('undici Client with a connect function returning a tokio-net Socket: GET and a 10 MiB POST', async (t) => {
  const big = randomBytes(MiB)
  const [, port] = await nodeHttpServer(t, big)
  let sockets = 0
  const client = new Client(`http://127.0.0.1:${port}`, {
    connect: (opts, callback) => {
      sockets++
      const s = net.connect({ host: opts.hostname, port: Number(opts.port) })
      s.once('connect', () => callback(null, s))
      s.once('error', (e) => callback(e, null))
      return s
    },
  })
  t.teardown(() => client.close())
  const r1 = await client.request({ path: '/hello', method: 'GET' })
  t.is(r1.statusCode, 200)
  t.is(await r1.body.text(), 'ok /hello')
  const payload = randomBytes(10 * MiB)
  const r2 = await client.request({ path: '/upload', method: 'POST', body: payload })
  t.is(r2.statusCode, 200)
  t.is(await r2.body.text(), sha256(payload))
  const r3 = await client.request({ path: '/big', method: 'GET' })
  t.is(sha256(Buffer.from(await r3.body.arrayBuffer())), sha256(big))
  t.is(sockets, 1)
})

test('http.get with agent: false and createConnection from tokio-net/net', async (t) => {
  const [, port] = await nodeHttpServer(t, Buffer.alloc(0))
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/solo', agent: false, createConnection: net.createConnection }, resolve)
      .on('error', reject)
  })
  res.setEncoding('utf8')
  let body = ''
  res.on('data', (c: string) => (body += c))
  await waitFor(res, 'end')
  t.is(body, 'ok /solo')
})

test('fetch with an undici Agent whose connect function opens tokio-net sockets', async (t) => {
  const big = randomBytes(2 * MiB)
  const [, port] = await nodeHttpServer(t, big)
  let opened = 0
  const dispatcher = new UndiciAgent({
    connect: (opts, callback) => {
      opened++
      const socket = net.connect({ host: opts.hostname, port: Number(opts.port) })
      socket.once('connect', () => callback(null, socket))
      socket.once('error', (err) => callback(err, null))
      return socket
    },
  })
  t.teardown(() => dispatcher.close())
  for (let i = 0; i < 10; i++) {
    // @ts-expect-error: undici's dispatcher option, not in lib.dom's RequestInit
    const res = await fetch(`http://127.0.0.1:${port}/f${i}`, { dispatcher })
    t.is(await res.text(), `ok /f${i}`)
  }
  // @ts-expect-error: undici's dispatcher option, not in lib.dom's RequestInit
  const res = await fetch(`http://127.0.0.1:${port}/big`, { dispatcher })
  t.is(sha256(Buffer.from(await res.arrayBuffer())), sha256(big))
  // undici's pool opens a second connection for the second request (it does with node:net too),
  // then keeps reusing them: 11 requests, at most 2 sockets.
  t.true(opened >= 1 && opened <= 2, `keep-alive: ${opened} tokio-net sockets for 11 requests`)
})
