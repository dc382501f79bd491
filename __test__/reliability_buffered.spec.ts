// Reliability of the buffered I/O: regressions found by review (a second poller of one
// direction, the Lines iterator and nextLine sharing one order, closing Lines inside a loop,
// ref()/unref() carried over to wrappers, writes called after a copy into a BufWriter), and the
// guards of later speed-ups (readiness cleared after a short read, the iterator's fast path).

import { execFile } from 'node:child_process'
import path from 'node:path'

import test from 'ava'

import { BufReader, BufWriter, activeHandles, copy } from '../index.js'

import { assertAbort, guard, pair, quiet, track, turns } from './_helpers.js'

const INDEX = path.resolve(__dirname, '..', 'index.js')

test('a BufReader over a borrowed ReadHalf keeps reading while JS polls the stream\'s own read readiness', async (t) => {
  const [client, server] = await pair(t)
  const [readHalf] = server.split()
  const reader = track(t, new BufReader(readHalf))
  const line = reader.readLine()
  await turns()
  const ready = server.pollReadReady()
  await turns()
  await client.writeAll(Buffer.from('hello\n'))
  await guard(ready, 'pollReadReady')
  t.is(await guard(line, 'readLine beside pollReadReady'), 'hello\n')
})

test('a copy from a stream waits for a BufReader read called before it on the same connection', async (t) => {
  const [client, server] = await pair(t)
  const [other, sink] = await pair(t)
  const [readHalf] = server.split()
  const reader = track(t, new BufReader(readHalf))
  const line = reader.readLine()
  const copied = quiet(copy(server, other))
  await client.writeAll(Buffer.from('first\nsecond'))
  t.is(await guard(line, 'readLine'), 'first\n')
  await client.shutdown()
  reader.close()
  // The BufReader had buffered "second" too; the copy gets what the socket still holds.
  t.is(await guard(copied, 'copy'), 0)
  void sink
})

test('Lines: return() while steps are pending ends them, and the lines they took stay for nextLine()', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server).lines())
  const it = lines[Symbol.asyncIterator]()
  const first = it.next()
  const second = it.next()
  t.deepEqual(await it.return!(), { value: undefined, done: true })
  await client.writeAll(Buffer.from('a\nb\nc\n'))
  t.deepEqual(await guard(first, 'first step'), { value: undefined, done: true })
  t.deepEqual(await guard(second, 'second step'), { value: undefined, done: true })
  t.deepEqual(await it.next(), { value: undefined, done: true })
  t.is(await guard(lines.nextLine(), 'nextLine'), 'a')
  t.is(await guard(lines.nextLine(), 'nextLine'), 'b')
  t.is(await guard(lines.nextLine(), 'nextLine'), 'c')
})

test('Lines: nextLine() and a for await share one order; a break keeps the lines not yet yielded', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server).lines())
  await client.writeAll(Buffer.from('a\nb\nc\n'))
  const seen: string[] = []
  let asked: Promise<string | null> | undefined
  for await (const line of lines) {
    seen.push(line)
    asked = lines.nextLine()
    break
  }
  t.deepEqual(seen, ['a'])
  t.is(await guard(asked!, 'nextLine asked inside the loop'), 'b')
  t.is(await guard(lines.nextLine(), 'nextLine'), 'c')
  await client.writeAll(Buffer.from('d\n'))
  await client.shutdown()
  const rest: string[] = []
  for await (const line of lines) rest.push(line)
  t.deepEqual(rest, ['d'])
})

test('a BufReader read after a short read waits for the next bytes and gets them: the drained socket\'s readiness is cleared, never a wake-up lost', async (t) => {
  const [client, server] = await pair(t)
  const reader = track(t, new BufReader(server, 64))
  const buf = Buffer.alloc(64)
  for (let i = 0; i < 2000; i++) {
    const pending = reader.read(buf)
    // Half the reads start waiting before the byte is sent, half find it already there.
    if (i % 2 === 0) await turns(1)
    await client.writeAll(Uint8Array.of(i & 0xff))
    const n = await guard(pending, `read ${i}`)
    if (n !== 1 || buf[0] !== (i & 0xff)) {
      t.fail(`read ${i}: ${n} bytes, first ${buf[0]}`)
      return
    }
  }
  t.pass()
})

test('Lines: steps asked before any line arrives settle in call order, and a step queued behind a rejected one still runs', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server).lines())
  const it = lines[Symbol.asyncIterator]()
  const ac = new AbortController()
  const first = it.next()
  const aborted = quiet(lines.nextLine({ signal: ac.signal }))
  const second = it.next()
  const third = lines.nextLine()
  ac.abort()
  await client.writeAll(Buffer.from('1\n2\n3\n'))
  t.deepEqual(await guard(first, 'first step'), { value: '1', done: false })
  const e = await guard(
    aborted.then(
      () => undefined,
      (error: unknown) => error,
    ),
    'aborted nextLine',
  )
  assertAbort(t, e, 'nextLine aborted while queued')
  t.deepEqual(await guard(second, 'second step'), { value: '2', done: false })
  t.is(await guard(third, 'nextLine behind it'), '3')
})

test('Lines: close() inside a for await ends the loop, as it does for a TcpListener', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server).lines())
  await client.writeAll(Buffer.from('a\nb\n'))
  const seen: string[] = []
  await t.notThrowsAsync(async () => {
    for await (const line of lines) {
      seen.push(line)
      lines.close()
    }
  })
  // 'b' came in the same chunk as 'a': it was already split off when the Lines closed.
  t.true(seen[0] === 'a' && seen.length <= 2, JSON.stringify(seen))
})

test('a BufWriter write called after a copy into it waits for the copy', async (t) => {
  const [source, from] = await pair(t)
  const [to, sink] = await pair(t)
  const writer = track(t, new BufWriter(to))
  const copied = copy(from, writer)
  const later = writer.write(Buffer.from('X'))
  await source.writeAll(Buffer.from('BC'))
  await source.shutdown()
  t.is(await guard(copied, 'copy'), 2)
  t.is(await guard(later, 'the later write'), 1)
  await writer.flush()
  await writer.shutdown()
  t.is((await guard(sink.readToEnd(), 'sink')).toString(), 'BCX')
})

function run(src: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', src], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr })
    })
  })
}

test('a wrapper keeps the unref() of the handle it took over, and so does what intoInner() gives back', async (t) => {
  for (const wrap of ['new m.BufReader(s).readLine()', 'new m.BufReader(s).lines().nextLine()', 'new m.BufReader(s).intoInner().read(Buffer.alloc(8))']) {
    const r = await run(`
const m = require(${JSON.stringify(INDEX)})
;(async () => {
  const l = await m.TcpListener.bind('127.0.0.1:0')
  const [c, [s]] = await Promise.all([m.TcpStream.connect(l.localAddr()), l.accept()])
  l.close()
  s.unref()
  ${wrap}.then(() => console.log('settled'), () => {})
  setTimeout(() => { console.log('still alive'); process.exit(0) }, 1500).unref()
})()`)
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout.trim(), '', wrap)
  }
})

test.after.always('every handle of this file is closed', async (t) => {
  await turns(20)
  t.deepEqual(activeHandles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 })
})
