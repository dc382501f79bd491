// Resource leaks: registry counts (activeHandles) and process fds after many cycles, after GC,
// across worker_threads; the runtime's worker count under TOKIO_WORKER_THREADS.
// Every test is serial: activeHandles() and /proc/self/fd are process-wide.

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { Worker } from 'node:worker_threads'

import test from 'ava'
import type { ExecutionContext } from 'ava'

import { BytesMut, StdTcpStream, TcpListener, TcpSocket, TcpStream, driverPlace } from '../index.js'
import type { ActiveHandles } from '../index.js'

import { fdCount, getGc, guard, handles, pair, pollUntil, readN, sameHandles, track } from './helpers/index.js'

const INDEX = path.join(process.cwd(), 'index.js')

/** Starts the runtime (its epoll/eventfd descriptors are opened once, on first use) before a baseline is taken. */
async function warmUp(): Promise<void> {
  const l = await TcpListener.bind('127.0.0.1:0')
  const [c, [s]] = await Promise.all([TcpStream.connect(l.localAddr()), l.accept()])
  c.close()
  s.close()
  l.close()
  await pollUntil(() => sameHandles(handles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 }))
}

async function assertSettled(t: ExecutionContext, before: ActiveHandles, fdsBefore: number, label: string, onPoll?: () => void): Promise<void> {
  const handlesOk = await pollUntil(() => {
    onPoll?.()
    return sameHandles(handles(), before)
  })
  t.true(handlesOk, `${label}: activeHandles ${JSON.stringify(handles())}, before ${JSON.stringify(before)}`)
  const fdsOk = await pollUntil(() => {
    onPoll?.()
    return fdCount() <= fdsBefore
  })
  t.true(fdsOk, `${label}: ${fdCount()} fds open, ${fdsBefore} before`)
}

test.serial('2,000 connect/close cycles leave activeHandles and the fd count where they started', async (t) => {
  await warmUp()
  const before = handles()
  const fdsBefore = fdCount()
  const listener = await TcpListener.bind('127.0.0.1:0')
  const addr = listener.localAddr()
  const one = Buffer.alloc(1)
  for (let i = 0; i < 2000; i++) {
    const [client, [server]] = await guard(Promise.all([TcpStream.connect(addr), listener.accept()]), `cycle ${i}`)
    if (i % 4 === 0) {
      await client.writeAll(Buffer.from([i & 0xff]))
      await server.read(one)
    }
    if (i % 2 === 0) {
      client.close()
      server.close()
    } else {
      server.close()
      client.close()
    }
  }
  listener.close()
  const mid = handles()
  t.log(`right after the loop: ${JSON.stringify(mid)}, fds ${fdCount()} (before ${fdsBefore})`)
  await assertSettled(t, before, fdsBefore, '2,000 cycles')
  t.deepEqual(handles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 })
})

test.serial('500 cycles through every other way of ending a handle leave nothing behind', async (t) => {
  await warmUp()
  const before = handles()
  const fdsBefore = fdCount()
  const listener = await TcpListener.bind('127.0.0.1:0')
  const addr = listener.localAddr()
  for (let i = 0; i < 500; i++) {
    const kind = i % 7
    if (kind === 0) {
      // owned halves, closed separately
      const [c, [s]] = await Promise.all([TcpStream.connect(addr), listener.accept()])
      const [r, w] = c.intoSplit()
      w.close()
      r.close()
      s.close()
    } else if (kind === 1) {
      // borrowed halves, closed with the stream; disposal via Symbol.dispose
      const [c, [s]] = await Promise.all([TcpStream.connect(addr), listener.accept()])
      c.split()
      c[Symbol.dispose]()
      await s[Symbol.asyncDispose]()
    } else if (kind === 2) {
      // intoStd then close the std stream; reunite
      const [c, [s]] = await Promise.all([TcpStream.connect(addr), listener.accept()])
      c.intoStd().close()
      const [r, w] = s.intoSplit()
      r.reunite(w).close()
    } else if (kind === 3) {
      // TcpSocket connect; a TcpSocket closed unused
      const sock = TcpSocket.newV4()
      const [c, [s]] = await Promise.all([sock.connect(addr), listener.accept()])
      c.close()
      s.close()
      TcpSocket.newV6().close()
    } else if (kind === 4) {
      // StdTcpStream -> fromStd
      const std = StdTcpStream.connect(addr)
      std.setNonblocking(true)
      const c = TcpStream.fromStd(std)
      const [s] = await listener.accept()
      c.close()
      s.close()
    } else if (kind === 5) {
      // TcpSocket.listen, a listener closed with a pending accept
      const sock = TcpSocket.newV4()
      sock.bind('127.0.0.1:0')
      const l = sock.listen(4)
      const p = l.accept()
      p.catch(() => {})
      l.close()
      await p.catch(() => {})
    } else {
      // forget() the owned write half, then close the read half
      const [c, [s]] = await Promise.all([TcpStream.connect(addr), listener.accept()])
      const [r, w] = c.intoSplit()
      w.forget()
      r.close()
      s.close()
    }
  }
  listener.close()
  await assertSettled(t, before, fdsBefore, '500 mixed cycles')
})

test.serial('objects that become garbage are dropped: registry entries and fds are released', async (t) => {
  const gc = getGc()
  await warmUp()
  const before = handles()
  const fdsBefore = fdCount()
  // Everything is created inside this function and nothing escapes it.
  await (async () => {
    const l = await TcpListener.bind('127.0.0.1:0')
    const [c, [s]] = await Promise.all([TcpStream.connect(l.localAddr()), l.accept()])
    await c.writeAll(Buffer.from('gc'))
    await readN(s, 2)
    const [c2, [s2]] = await Promise.all([TcpStream.connect(l.localAddr()), l.accept()])
    c2.intoSplit()
    s2.split()
    const sock = TcpSocket.newV4()
    sock.bind('127.0.0.1:0')
    StdTcpStream.connect(l.localAddr())
    new BytesMut(1024)
    const mid = handles()
    t.true(mid.streams >= before.streams + 3, JSON.stringify(mid))
    t.true(mid.halves >= before.halves + 2, JSON.stringify(mid))
    t.is(mid.listeners, before.listeners + 1)
    t.is(mid.sockets, before.sockets + 1)
    t.is(mid.stdStreams, before.stdStreams + 1)
  })()
  const ok = await pollUntil(() => {
    gc()
    return sameHandles(handles(), before)
  })
  t.true(ok, `after gc: ${JSON.stringify(handles())}, before ${JSON.stringify(before)}`)
  await assertSettled(t, before, fdsBefore, 'garbage collected', gc)
})

function socketInodes(): Set<string> {
  const out = new Set<string>()
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const link = fs.readlinkSync(`/proc/self/fd/${fd}`)
      if (link.startsWith('socket:')) out.add(link)
    } catch {
      // closed meanwhile
    }
  }
  return out
}

const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const m = require(workerData.index)
const sockets = () => new Set(fs.readdirSync('/proc/self/fd').map((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd) } catch { return '' } }).filter((l) => l.startsWith('socket:')))
;(async () => {
  const pre = sockets()
  const l = await m.TcpListener.bind('127.0.0.1:0')
  const [c, [s]] = await Promise.all([m.TcpStream.connect(l.localAddr()), l.accept()])
  await c.writeAll(Buffer.from('w'))
  const b = Buffer.alloc(1)
  await s.read(b)
  const [r, w] = s.intoSplit()
  // leave operations pending when the worker is terminated
  c.read(Buffer.alloc(8)).catch(() => {})
  l.accept().catch(() => {})
  r.readable().catch(() => {})
  const mine = [...sockets()].filter((x) => !pre.has(x))
  parentPort.postMessage({ handles: m.activeHandles(), inodes: mine, byte: b[0] })
  setInterval(() => {}, 1000) // keep running until terminated
  void w
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }))
`

interface WorkerReport {
  handles?: ActiveHandles
  inodes?: string[]
  byte?: number
  error?: string
}

test.serial('worker_threads: a worker has its own handles; terminating it closes its sockets and leaves the main thread alone', async (t) => {
  await warmUp()
  const before = handles()
  const fdsBefore = fdCount()
  // the main thread has its own pair open all along
  const [mc, ms] = await pair(t)
  const mainOpen = handles()
  const worker = new Worker(WORKER_SRC, { eval: true, workerData: { index: INDEX } })
  worker.on('error', () => {})
  t.teardown(() => void worker.terminate())
  const report = await guard(
    new Promise<WorkerReport>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    }),
    'worker report',
  )
  t.is(report.error, undefined, report.error)
  t.deepEqual(report.handles, { streams: 1, halves: 2, listeners: 1, sockets: 0, stdStreams: 0 }, 'the worker counts its own handles (client stream + 2 owned halves + listener)')
  t.is(report.byte, 'w'.charCodeAt(0))
  t.true(sameHandles(handles(), mainOpen), `main thread counts changed while the worker runs: ${JSON.stringify(handles())} vs ${JSON.stringify(mainOpen)}`)
  const inodes = report.inodes ?? []
  t.is(inodes.length, 3, `worker sockets: ${inodes.join(', ')}`)
  const live = socketInodes()
  t.true(inodes.every((i) => live.has(i)), 'the worker sockets are open while it runs')

  await guard(worker.terminate(), 'worker.terminate()')
  const gone = await pollUntil(() => {
    const now = socketInodes()
    return inodes.every((i) => !now.has(i))
  })
  t.true(gone, `worker sockets still open after terminate: ${inodes.filter((i) => socketInodes().has(i)).join(', ')}`)
  t.true(sameHandles(handles(), mainOpen), `main thread counts after terminate: ${JSON.stringify(handles())}`)

  // the shared runtime still drives the main thread's sockets
  await guard(mc.writeAll(Buffer.from('still alive')), 'main write after terminate')
  t.is((await readN(ms, 11, 'main read after terminate')).toString(), 'still alive')
  mc.close()
  ms.close()
  await assertSettled(t, before, fdsBefore, 'after the worker test')
})

test.serial('worker_threads: a worker that closes everything reports zeros and exits cleanly', async (t) => {
  const before = handles()
  const src = `
const { parentPort, workerData } = require('node:worker_threads')
const m = require(workerData.index)
;(async () => {
  const l = await m.TcpListener.bind('127.0.0.1:0')
  const [c, [s]] = await Promise.all([m.TcpStream.connect(l.localAddr()), l.accept()])
  const during = m.activeHandles()
  c.close(); s.close(); l.close()
  parentPort.postMessage({ during, after: m.activeHandles() })
})()`
  const worker = new Worker(src, { eval: true, workerData: { index: INDEX } })
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve))
  const msg = await guard(new Promise<{ during: ActiveHandles; after: ActiveHandles }>((resolve) => worker.once('message', resolve)), 'worker message')
  t.is(msg.during.streams, 2)
  t.is(msg.during.listeners, 1)
  t.deepEqual(msg.after, { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 })
  t.is(await guard(exited, 'worker exit'), 0)
  t.true(sameHandles(handles(), before))
})

function runtimeThreads(env: Record<string, string>, expected: number): string[] {
  // A new thread names itself once it runs, so a worker that has not been scheduled yet still
  // carries its parent's name: read the names until the expected workers show up (bounded), then
  // once more a little later, so that a surplus worker would be seen too.
  const script = `
const fs = require('node:fs')
const m = require(${JSON.stringify(INDEX)})
const names = () => fs.readdirSync('/proc/self/task').map((id) => { try { return fs.readFileSync('/proc/self/task/' + id + '/comm', 'utf8').trim() } catch { return '' } })
const workers = () => names().filter((n) => n.startsWith('tokio-net') || n.startsWith('tokio-runtime-w')).length
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
;(async () => {
  const l = await m.TcpListener.bind('127.0.0.1:0')
  const [c, [s]] = await Promise.all([m.TcpStream.connect(l.localAddr()), l.accept()])
  for (let i = 0; i < 500 && workers() < ${expected}; i++) await sleep(10)
  await sleep(100)
  process.stdout.write(JSON.stringify(names()))
  process.exit(0)
})().catch((e) => { console.error(e); process.exit(1) })`
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, ...env },
    timeout: 60_000,
    encoding: 'utf8',
  })
  return JSON.parse(out) as string[]
}

test.serial('TOKIO_WORKER_THREADS=1 in a child process gives a runtime with one worker thread', (t) => {
  const isRuntime = (n: string) => n.startsWith('tokio-net') || n.startsWith('tokio-runtime-w')
  const one = runtimeThreads({ TOKIO_WORKER_THREADS: '1', TOKIO_NET_IO_DRIVER: 'workers' }, 1)
  const three = runtimeThreads({ TOKIO_WORKER_THREADS: '3', TOKIO_NET_IO_DRIVER: 'workers' }, 3)
  const names = [...new Set([...one, ...three].filter(isRuntime))]
  t.log(`runtime thread names observed: ${JSON.stringify(names)}; all threads with 1: ${JSON.stringify(one)}`)
  t.is(one.filter(isRuntime).length, 1, `threads: ${JSON.stringify(one)}`)
  t.is(three.filter(isRuntime).length, 3, `threads: ${JSON.stringify(three)}`)
})

test.serial('TOKIO_NET_IO_DRIVER=js-thread in a child process drives sockets with no runtime worker thread', (t) => {
  const isRuntime = (n: string) => n.startsWith('tokio-net') || n.startsWith('tokio-runtime-w')
  const threads = runtimeThreads({ TOKIO_WORKER_THREADS: '3', TOKIO_NET_IO_DRIVER: 'js-thread' }, 0)
  t.deepEqual(threads.filter(isRuntime), [], `threads: ${JSON.stringify(threads)}`)
})

test.serial('by default, on Node on Linux, the driver runs on the JS thread: driverPlace() says so and no runtime worker thread starts', (t) => {
  const isRuntime = (n: string) => n.startsWith('tokio-net') || n.startsWith('tokio-runtime-w')
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (k !== 'TOKIO_NET_IO_DRIVER' && v !== undefined) env[k] = v
  const script = `const m = require(${JSON.stringify(INDEX)}); process.stdout.write(m.driverPlace())`
  const place = execFileSync(process.execPath, ['-e', script], { env, timeout: 60_000, encoding: 'utf8' })
  t.is(place, 'js-thread')
  // runtimeThreads spreads process.env: an empty value is the unset default too.
  const threads = runtimeThreads({ TOKIO_WORKER_THREADS: '3', TOKIO_NET_IO_DRIVER: '' }, 0)
  t.deepEqual(threads.filter(isRuntime), [], `threads: ${JSON.stringify(threads)}`)
})

test.serial('driverPlace() reports the place TOKIO_NET_IO_DRIVER forces, in the main thread and in a worker_threads env', (t) => {
  const script = `
const { Worker } = require('node:worker_threads')
const m = require(${JSON.stringify(INDEX)})
const w = new Worker('require("node:worker_threads").parentPort.postMessage(require(' + JSON.stringify(${JSON.stringify(INDEX)}) + ').driverPlace())', { eval: true })
w.once('message', (inWorker) => { process.stdout.write(JSON.stringify([m.driverPlace(), inWorker])); w.terminate() })`
  for (const place of ['workers', 'js-thread']) {
    const env = { ...process.env, TOKIO_NET_IO_DRIVER: place }
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { env, timeout: 60_000, encoding: 'utf8' })) as string[]
    t.deepEqual(out, [place, place])
  }
})

// Where this env's driver is on its JS thread (the default; `npm run test:workers` forces the
// workers), the shared multi-thread runtime must never have been started.
;(driverPlace() === 'js-thread' ? test.serial : test.serial.skip)(
  'with the driver on the JS thread this env drives its sockets itself: no runtime worker thread exists',
  async (t) => {
    const l = track(t, await TcpListener.bind('127.0.0.1:0'))
    const [c, [s]] = await Promise.all([TcpStream.connect(l.localAddr()), l.accept()])
    track(t, c)
    track(t, s)
    await c.writeAll(Buffer.from('x'))
    const b = Buffer.alloc(1)
    await s.readExact(b)
    const names = fs
      .readdirSync('/proc/self/task')
      .map((id) => {
        try {
          return fs.readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim()
        } catch {
          return '' // the thread exited meanwhile
        }
      })
    t.false(names.some((n) => n.startsWith('tokio-net-worke')), JSON.stringify(names))
  },
)

test.serial('a malformed TOKIO_NET_IO_DRIVER or TOKIO_WORKER_THREADS does not stop the module loading; each operation fails saying why', (t) => {
  const script = `
const m = require(${JSON.stringify(INDEX)})
;(async () => {
  const out = { place: m.driverPlace() }
  try { await m.TcpListener.bind('127.0.0.1:0'); out.bind = 'resolved' } catch (e) { out.bind = e.message }
  try { m.TcpSocket.newV4(); out.socket = 'returned' } catch (e) { out.socket = e.message }
  process.stdout.write(JSON.stringify(out))
})()`
  // TOKIO_WORKER_THREADS only matters with the driver on the runtime's workers.
  for (const [name, value] of [['TOKIO_NET_IO_DRIVER', 'main'], ['TOKIO_WORKER_THREADS', 'many']]) {
    const env = { ...process.env, TOKIO_NET_IO_DRIVER: 'workers', [name]: value }
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { env, timeout: 60_000, encoding: 'utf8' }),
    ) as { place: string; bind: string; socket: string }
    t.log(`${name}=${value}: ${JSON.stringify(out)}`)
    t.is(out.place, 'workers')
    for (const message of [out.bind, out.socket]) {
      t.regex(message, /could not start the tokio runtime/)
      t.true(message.includes(name), message)
    }
  }
})

test.serial('leak baseline: everything opened by this file is closed at the end', async (t) => {
  await pollUntil(() => sameHandles(handles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 }))
  t.deepEqual(handles(), { streams: 0, halves: 0, listeners: 0, sockets: 0, stdStreams: 0 })
  void track
})
