// The buffered I/O (BufReader, BufWriter, Lines, copy) beyond tokio's own tests: a second poller
// of one direction, the Lines iterator and nextLine sharing one order, closing Lines inside a loop,
// ref()/unref() carried over to wrappers, writes called after a copy into a BufWriter, readiness
// cleared after a short read, the iterator's fast path; and a line longer than a JS string can be
// (V8's limit, Node's `buffer.constants.MAX_STRING_LENGTH`), which rejects with Node's
// `ERR_STRING_TOO_LONG` and is consumed, through each road a line takes to JS: `BufReader.readLine`,
// `Lines.nextLine` and the `Lines` async iterator (whose chunks hold many lines).
//
// The long lines are real: just over 512 MiB each over loopback (under a second each on a 2-core
// machine, written in 4 MiB pieces). The tests that send them are serial, so no two hold their
// gigabytes at once.

import { constants } from 'node:buffer'
import path from 'node:path'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { BufReader, BufWriter, activeHandles, copy } from '../index.js'

import { assertAbort, asyncErr, describeError, guard, NO_HANDLES, pair, quiet, runScript, shape, track, turns } from './helpers/index.js'

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

test('a BufReader read after a short read gets the next bytes when they come: nothing lost after the drained socket\'s readiness is cleared', async (t) => {
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

test('a BufReader reading while the peer keeps writing small pieces gets every byte in order: readiness that arrives between a short read and its clearing is kept', async (t) => {
  const [client, server] = await pair(t)
  const reader = track(t, new BufReader(server, 4096))
  const pieces = 20_000
  const expected = pieces * 3
  const writer = (async () => {
    for (let i = 0; i < pieces; i++) {
      await client.writeAll(Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 0x5a))
      if (i % 64 === 0) await turns(1)
    }
  })()
  const buf = Buffer.alloc(4096)
  const got = Buffer.alloc(expected)
  let at = 0
  await guard(
    (async () => {
      while (at < expected) {
        const n = await reader.read(buf)
        if (n === 0) throw new Error(`EOF after ${at} bytes`)
        buf.copy(got, at, 0, n)
        at += n
      }
    })(),
    'reading every piece',
    30_000,
  )
  await guard(writer, 'writer')
  for (let i = 0; i < pieces; i++) {
    if (got[i * 3] !== (i & 0xff) || got[i * 3 + 1] !== ((i >> 8) & 0xff) || got[i * 3 + 2] !== 0x5a) {
      t.fail(`piece ${i} differs`)
      return
    }
  }
  t.pass()
})

test('Lines: steps asked before any line arrives settle in call order (an aborted one at once), and a step queued behind a rejected one still runs', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server).lines())
  const it = lines[Symbol.asyncIterator]()
  const ac = new AbortController()
  const settled: string[] = []
  const note = <T>(label: string, p: Promise<T>): Promise<T> => {
    p.then(
      () => settled.push(label),
      () => settled.push(label),
    )
    return p
  }
  const outcome = (p: Promise<unknown>, label: string) =>
    guard(
      p.then(
        () => undefined,
        (error: unknown) => error,
      ),
      label,
    )
  const first = note('first', it.next())
  const aborted = quiet(note('aborted', lines.nextLine({ signal: ac.signal })))
  // Rejects in its turn: the options are not an object.
  const invalid = quiet(note('invalid', lines.nextLine(5 as never)))
  const second = note('second', it.next())
  const third = note('third', lines.nextLine())
  ac.abort()
  await client.writeAll(Buffer.from('1\n2\n3\n'))
  assertAbort(t, await outcome(aborted, 'aborted nextLine'), 'nextLine aborted while queued')
  t.deepEqual(await guard(first, 'first step'), { value: '1', done: false })
  const e = await outcome(invalid, 'nextLine(5)')
  t.is((e as { code?: string } | undefined)?.code, 'ERR_INVALID_ARG_TYPE')
  t.deepEqual(await guard(second, 'second step'), { value: '2', done: false })
  t.is(await guard(third, 'nextLine behind it'), '3')
  await turns(1)
  t.deepEqual(settled, ['aborted', 'first', 'invalid', 'second', 'third'])
})

test('Lines: a nextLine waiting in line behind a pending step rejects as soon as its signal aborts, and takes no line', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server).lines())
  const it = lines[Symbol.asyncIterator]()
  const first = it.next()
  const ac = new AbortController()
  const queued = quiet(lines.nextLine({ signal: ac.signal }))
  await turns(5)
  ac.abort()
  const e = await guard(
    queued.then(
      () => undefined,
      (error: unknown) => error,
    ),
    'the queued nextLine after abort (no data was sent)',
  )
  assertAbort(t, e, 'queued nextLine aborted')
  await client.writeAll(Buffer.from('a\nb\n'))
  t.deepEqual(await guard(first, 'the step ahead of it'), { value: 'a', done: false })
  t.is(await guard(lines.nextLine(), 'the next nextLine'), 'b')
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

test('a wrapper keeps the unref() of the handle it took over, and so does what intoInner() gives back', async (t) => {
  for (const wrap of ['new m.BufReader(s).readLine()', 'new m.BufReader(s).lines().nextLine()', 'new m.BufReader(s).intoInner().read(Buffer.alloc(8))']) {
    const r = await runScript(`
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

// ---------------------------------------------------------------------------------------------
// Lines longer than a string can be

const MAX = constants.MAX_STRING_LENGTH
/** A reader buffer large enough that half a gigabyte crosses in few reads. */
const CAPACITY = 4 * 1024 * 1024
/** A guard for the sends of half a gigabyte (hang guard only, not a timing assertion). */
const BIG_MS = 60_000

let body: Buffer | undefined
/** `MAX + 1` bytes of `'a'`, allocated once for every test: one more than a string can hold. */
function tooLong(): Buffer {
  body ??= Buffer.alloc(MAX + 1, 0x61)
  return body
}

/** Writes `bytes` a piece at a time, so no write holds a copy of half a gigabyte. */
async function writeLong(stream: { writeAll(buf: Uint8Array): Promise<void> }, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; at += CAPACITY) await stream.writeAll(bytes.subarray(at, at + CAPACITY))
}

function assertTooLong(t: ExecutionContext, e: unknown, len: number, label: string): void {
  t.true(e instanceof Error, `${label}: not an Error: ${describeError(e)}`)
  // A plain Error, as Node's own ERR_STRING_TOO_LONG.
  t.is(Object.getPrototypeOf(e), Error.prototype, `${label}: ${describeError(e)}`)
  t.is(shape(e).code, 'ERR_STRING_TOO_LONG', `${label}: ${describeError(e)}`)
  t.is(shape(e).kind, 'InvalidData', `${label}: ${describeError(e)}`)
  const message = String(shape(e).message)
  t.true(message.includes(`0x${MAX.toString(16)}`), `${label}: the limit is in the message: ${message}`)
  t.true(message.includes(String(len)), `${label}: the line's length (${len}) is in the message: ${message}`)
}

test.serial('readLine: a line longer than a string can be rejects ERR_STRING_TOO_LONG (not ERR_INTERNAL); it is consumed and the next readLine gets the line after it', async (t) => {
  const [client, server] = await pair(t)
  const reader = track(t, new BufReader(server, CAPACITY))
  const written = (async () => {
    await writeLong(client, tooLong())
    await client.writeAll(Buffer.from('\nnext\n'))
  })()
  written.catch(() => {})
  const e = await asyncErr(t, () => guard(reader.readLine(), 'readLine of the long line', BIG_MS), 'readLine of the long line')
  // readLine keeps the line feed: the string would have been MAX + 2 characters.
  assertTooLong(t, e, MAX + 2, 'readLine')
  t.is(await guard(reader.readLine(), 'readLine after it'), 'next\n')
  await guard(written, 'writer', BIG_MS)
})

test.serial('Lines.nextLine: the lines before a too-long line come first, the long one rejects ERR_STRING_TOO_LONG, and nextLine goes on after it', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server, CAPACITY).lines())
  const written = (async () => {
    await client.writeAll(Buffer.from('first\r\n'))
    await writeLong(client, tooLong())
    // A CR before the LF is not part of the line: the line is still MAX + 1 bytes.
    await client.writeAll(Buffer.from('\r\nafter\n'))
    await client.shutdown()
  })()
  written.catch(() => {})
  t.is(await guard(lines.nextLine(), 'nextLine before the long line'), 'first')
  const e = await asyncErr(t, () => guard(lines.nextLine(), 'nextLine of the long line', BIG_MS), 'nextLine of the long line')
  assertTooLong(t, e, MAX + 1, 'nextLine')
  t.is(await guard(lines.nextLine(), 'nextLine after it'), 'after')
  t.is(await guard(lines.nextLine(), 'nextLine at end of stream'), null)
  await guard(written, 'writer', BIG_MS)
})

test.serial('Lines async iterator: a line of exactly the longest string length is yielded; one byte longer rejects the step with ERR_STRING_TOO_LONG, after the lines before it, and iteration goes on after it', async (t) => {
  const [client, server] = await pair(t)
  const lines = track(t, new BufReader(server, CAPACITY).lines())
  const written = (async () => {
    await client.writeAll(Buffer.from('a\nb\n'))
    await writeLong(client, tooLong().subarray(0, MAX))
    await client.writeAll(Buffer.from('\n'))
    await writeLong(client, tooLong())
    await client.writeAll(Buffer.from('\nc\nd'))
    await client.shutdown()
  })()
  written.catch(() => {})
  const it = lines[Symbol.asyncIterator]()
  t.deepEqual(await guard(it.next(), 'step a'), { value: 'a', done: false })
  t.deepEqual(await guard(it.next(), 'step b'), { value: 'b', done: false })
  const longest = await guard(it.next(), 'step of the longest line', BIG_MS)
  t.false(longest.done)
  const line = longest.value as string
  t.is(line.length, MAX)
  t.true(line.startsWith('aaaa') && line.endsWith('aaaa') && !line.includes('\n'))
  const e = await asyncErr(t, () => guard(it.next(), 'step of the too-long line', BIG_MS), 'step of the too-long line')
  assertTooLong(t, e, MAX + 1, 'iterator step')
  const rest: string[] = []
  for await (const l of lines) rest.push(l)
  t.deepEqual(rest, ['c', 'd'])
  await guard(written, 'writer', BIG_MS)
})

test.after.always('every handle of this file is closed', async (t) => {
  await turns(20)
  t.deepEqual(activeHandles(), NO_HANDLES)
})
