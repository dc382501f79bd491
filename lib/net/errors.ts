// Errors shaped as node:net shapes them, so code that inspects `code`, `errno`, `syscall`,
// `address` and `port` (retry logic, pg, ioredis, http.Agent) behaves as it does on node:net.

import os from 'node:os'
import util from 'node:util'

/** The error node:net reports for a failed system call. */
export interface SystemError extends Error {
  code: string
  /** Negative, as libuv and therefore Node report it. */
  errno: number
  syscall: string
  address?: string
  port?: number
}

interface RawError {
  name?: unknown
  code?: unknown
  errno?: unknown
  message?: unknown
}

const errnoByCode = os.constants.errno as Readonly<Record<string, number>>

function uvMessage(errno: number): string | undefined {
  return util.getSystemErrorMap().get(errno)?.[1]
}

/**
 * Turns a tokio-net error into node:net's shape: `connect ECONNREFUSED 127.0.0.1:1`. Errors
 * that did not come from the OS (aborts, `ERR_*` codes) are returned as they are.
 * `withMessage` adds libuv's text after the code, as Node does for `listen`.
 */
export function netError(raw: unknown, syscall: string, address?: string, port?: number, withMessage = false): Error {
  const e = (raw && typeof raw === 'object' ? raw : {}) as RawError
  const code = typeof e.code === 'string' ? e.code : undefined
  if (!code || code.startsWith('ERR_') || code === 'ABORT_ERR' || e.name === 'AbortError') {
    return raw instanceof Error ? raw : new Error(String(raw))
  }
  const osErrno = errnoByCode[code] ?? (typeof e.errno === 'number' ? Math.abs(e.errno) : undefined)
  const errno = osErrno === undefined ? 0 : -osErrno
  const text = withMessage && errno ? uvMessage(errno) : undefined
  let details = ''
  if (address !== undefined) details = port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`
  const err = new Error(`${syscall} ${code}${text ? `: ${text}` : ''}${details}`) as SystemError
  err.errno = errno
  err.code = code
  err.syscall = syscall
  if (address !== undefined) err.address = address
  if (port !== undefined && port > 0) err.port = port
  return err
}

/** An error with a Node `ERR_*` code, of the class Node uses for it. */
export function codedError<E extends Error>(Base: new (message: string) => E, code: string, message: string): E & { code: string } {
  const err = new Base(message) as E & { code: string }
  err.code = code
  // Node prints these as `TypeError [ERR_X]: ...`.
  Object.defineProperty(err, 'name', { value: Base.name, enumerable: false, configurable: true, writable: true })
  err.stack = err.stack?.replace(/^\w+/, `${Base.name} [${code}]`)
  return err
}

export function onlyTcp(what: string, value: unknown): TypeError {
  return codedError(
    TypeError,
    'ERR_INVALID_ARG_VALUE',
    `The argument '${what}' is invalid. Received ${util.inspect(value)}. tokio-net/net supports TCP only (no Unix domain sockets or pipes); use node:net for those`,
  )
}

export function socketClosed(): Error {
  return codedError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed')
}

export function isWouldBlock(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { code?: unknown }).code === 'EAGAIN'
}

export function isHandleClosed(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { code?: unknown }).code === 'ERR_HANDLE_CLOSED'
}

/**
 * Reports an exception thrown by user code (an event handler, a write callback) that ran inside
 * one of our promise continuations. node:net calls those handlers from the event loop, where a
 * throw reaches `process.on('uncaughtException')` and the socket goes on; thrown here it would
 * only reject a promise nobody holds, and stop whatever the continuation was about to do next.
 */
export function reportUncaught(err: unknown): void {
  process.nextTick(() => {
    throw err
  })
}

/** `emitter.emit(...)`, with a throwing listener reported as uncaught instead of thrown at the caller. */
export function emitGuarded(emitter: { emit(event: string, ...args: unknown[]): boolean }, event: string, ...args: unknown[]): void {
  try {
    emitter.emit(event, ...args)
  } catch (e) {
    reportUncaught(e)
  }
}

/** `cb(err)`, with an exception it throws reported as uncaught instead of thrown at the caller. */
export function callGuarded(cb: (err?: Error | null) => void, err?: Error | null): void {
  try {
    cb(err)
  } catch (e) {
    reportUncaught(e)
  }
}
