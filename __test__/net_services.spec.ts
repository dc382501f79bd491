// Real servers over tokio-net/net: node-postgres against PostgreSQL, ioredis against
// redis-server, http.Agent against nginx. Each server is started by the test on loopback
// (see helpers/services.ts); without the Debian package the spec is skipped locally, and fails under
// .ci/run, which installs them.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'

import test from 'ava'
import { AbstractConnector, Redis } from 'ioredis'
import pg from 'pg'

import net from '../lib/net/index.js'
import { Socket } from '../lib/net/index.js'

import { findBinary, guard, serviceAvailable, sha256, startNginx, startPostgres, startRedis } from './helpers/index.js'
import { listen } from './helpers/net.js'

const MiB = 1024 * 1024

const pgTest = serviceAvailable('postgres') ? test : test.skip
const redisTest = serviceAvailable('redis-server') ? test : test.skip
const nginxTest = serviceAvailable('nginx') ? test : test.skip
const wrkTest = serviceAvailable('wrk') ? test : test.skip

pgTest('pg with stream: () => new Socket(): a table, 10,000 rows inserted in a transaction, read back, 10 MiB out', async (t) => {
  const { port } = await startPostgres(t)
  let sockets = 0
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    stream: () => {
      sockets++
      return new Socket()
    },
  })
  await guard(client.connect(), 'pg connect')
  t.teardown(() => client.end().catch(() => {}))
  await client.query('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)')
  await client.query('BEGIN')
  // 100 statements of 100 parameterised rows each.
  for (let batch = 0; batch < 100; batch++) {
    const values: Array<number | string> = []
    const tuples: string[] = []
    for (let j = 0; j < 100; j++) {
      const id = batch * 100 + j
      tuples.push(`($${2 * j + 1}, $${2 * j + 2})`)
      values.push(id, `item-${id}`)
    }
    await guard(client.query(`INSERT INTO items (id, name) VALUES ${tuples.join(', ')}`, values), `insert batch ${batch}`)
  }
  await client.query('COMMIT')
  const rows = (await client.query<{ id: number; name: string }>('SELECT id, name FROM items ORDER BY id')).rows
  t.is(rows.length, 10_000)
  t.true(rows.every((r, i) => r.id === i && r.name === `item-${i}`))
  // COPY ... TO STDOUT needs pg-copy-streams; a 10 MiB result moves the same bytes through the socket.
  const big = await client.query<{ blob: string }>(`SELECT string_agg(md5(g::text), '') AS blob FROM generate_series(1, ${(10 * MiB) / 32}) g`)
  const blob = big.rows[0]?.blob ?? ''
  t.is(blob.length, 10 * MiB)
  t.is(blob.slice(0, 32), 'c4ca4238a0b923820dcc509a6f75849b')
  t.is(sockets, 1)
})

/** ioredis's Connector option: the stream it gets is a tokio-net Socket. */
class TokioNetConnector extends AbstractConnector {
  static opened = 0
  constructor(private readonly options: { host?: string; port?: number; disconnectTimeout?: number }) {
    super(options.disconnectTimeout ?? 2000)
  }

  connect(): Promise<import('node:net').Socket> {
    this.connecting = true
    return new Promise((resolve, reject) => {
      process.nextTick(() => {
        if (!this.connecting) {
          reject(new Error('Connection is closed.'))
          return
        }
        TokioNetConnector.opened++
        const stream = net.createConnection({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 6379 })
        this.stream = stream
        stream.once('error', (err: Error) => {
          this.firstError = err
        })
        resolve(this.stream)
      })
    })
  }
}

/** Records the error and reconnecting events of `redis` (none are expected). */
function recordEvents(redis: Redis, who: string, events: string[]): void {
  redis.on('error', (e: Error) => events.push(`${who} error: ${e.message}`))
  redis.on('reconnecting', (ms: number) => events.push(`${who} reconnecting in ${ms} ms`))
}

redisTest('ioredis with a tokio-net Connector: 10,000 SET/GET, a pipeline of 10,000, pub/sub delivery', async (t) => {
  const server = await startRedis(t)
  const options = { host: '127.0.0.1', port: server.port, Connector: TokioNetConnector as never, lazyConnect: true, maxRetriesPerRequest: 0 }
  const events: string[] = []
  try {
    const redis = new Redis(options)
    recordEvents(redis, 'client', events)
    t.teardown(() => redis.disconnect())
    await guard(redis.connect(), 'redis connect')
    const sets: Array<Promise<unknown>> = []
    for (let i = 0; i < 10_000; i++) sets.push(redis.set(`k${i}`, `v${i}`))
    await guard(Promise.all(sets), '10,000 SET')
    const gets = await guard(Promise.all(Array.from({ length: 10_000 }, (_, i) => redis.get(`k${i}`))), '10,000 GET')
    t.true(gets.every((v, i) => v === `v${i}`))

    const pipeline = redis.pipeline()
    for (let i = 0; i < 10_000; i++) pipeline.incr('counter')
    const results = await guard(pipeline.exec(), 'pipeline of 10,000')
    t.is(results?.length, 10_000)
    t.deepEqual(results?.[9_999], [null, 10_000])

    const sub = new Redis(options)
    recordEvents(sub, 'subscriber', events)
    t.teardown(() => sub.disconnect())
    await guard(sub.connect(), 'subscriber connect')
    const got: string[] = []
    const all = new Promise<void>((resolve) =>
      sub.on('message', (_channel: string, message: string) => {
        got.push(message)
        if (got.length === 100) resolve()
      }),
    )
    await sub.subscribe('news')
    for (let i = 0; i < 100; i++) await redis.publish('news', `m${i}`)
    await guard(all, 'pub/sub delivery')
    t.deepEqual(got, Array.from({ length: 100 }, (_, i) => `m${i}`))
    t.is(TokioNetConnector.opened, 2)
  } catch (e) {
    // What the connections and the server said explains a failure (a close, a reconnect, an error).
    t.log(`connection events: ${events.join('; ') || 'none'}`)
    t.log(server.describe())
    throw e
  }
  t.deepEqual(events, [], 'no connection error or reconnect')
})

nginxTest('http.Agent keep-alive with tokio-net createConnection against nginx: 100 requests on one socket, an 8 MiB file hash-checked', async (t) => {
  const big = randomBytes(8 * MiB)
  const { port } = await startNginx(t, { 'small.txt': Buffer.from('small file\n'), 'big.bin': big })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  let created = 0
  agent.createConnection = (options, cb) => {
    created++
    return net.createConnection(options, cb)
  }
  const get = (p: string): Promise<[number | undefined, Buffer]> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve([res.statusCode, Buffer.concat(chunks)]))
        })
        .on('error', reject)
    })
  for (let i = 0; i < 100; i++) {
    const [status, body] = await guard(get('/small.txt'), `request ${i}`)
    if (status !== 200 || body.toString() !== 'small file\n') t.fail(`request ${i}: ${String(status)}`)
  }
  const [status, body] = await guard(get('/big.bin'), 'GET /big.bin')
  t.is(status, 200)
  t.is(sha256(body), sha256(big))
  t.is(created, 1)
})

wrkTest('wrk for 5 s against http.createServer fed by a tokio-net Server: no socket errors, no bad responses', async (t) => {
  const httpServer = http.createServer((_req, res) => res.end('hello from tokio-net'))
  const server = net.createServer((s) => httpServer.emit('connection', s))
  const port = await listen(t, server)
  t.teardown(() => httpServer.closeAllConnections())
  const wrk = findBinary('wrk') ?? 'wrk'
  const out = await new Promise<string>((resolve, reject) => {
    execFile(wrk, ['-t1', '-c8', '-d5s', `http://127.0.0.1:${port}/`], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)))
  })
  t.log(out.trim())
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
  t.true(requests > 1000, `wrk completed ${requests} requests`)
  t.notRegex(out, /Socket errors/)
  t.notRegex(out, /Non-2xx or 3xx responses/)
})
