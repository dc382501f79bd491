// The part of ava's API the suite's spec files use, small enough to run under Bun and Deno, where
// ava itself does not run. `run.ts` points the specifier 'ava' here (a Bun plugin, a Deno import
// map), imports spec files unchanged, and runs what they registered.
//
// It keeps ava's semantics where a test could otherwise pass that fails under ava: a failed
// assertion throws and the test stays failed even if the test catches the throw; a test that ran
// no assertion fails; teardowns run after the test, last registered first; `test.after` hooks run
// only when every test of the file passed (`test.after.always` ones whatever happened). Tests run
// one at a time, `test.serial` ones first.

import { inspect, isDeepStrictEqual } from 'node:util'

export class AssertionError extends Error {
  override name = 'AssertionError'
}

type Implementation = (t: ExecutionContext) => unknown

export interface Registered {
  readonly title: string
  readonly kind: 'test' | 'before' | 'after' | 'after.always'
  readonly serial: boolean
  readonly skip: boolean
  readonly fn: Implementation
}

/** What spec files registered since the last `takeRegistered()`, shared through globalThis so a
 * second instance of this module (another resolution of 'ava') cannot hide a test. */
const REGISTRY = Symbol.for('tokio-net.runtimes.ava-registry')
const registry: Registered[] = ((globalThis as Record<symbol, Registered[] | undefined>)[REGISTRY] ??= [])

export function takeRegistered(): Registered[] {
  return registry.splice(0)
}

interface ThrowsExpectation {
  instanceOf?: new (...args: never[]) => unknown
  is?: unknown
  message?: string | RegExp | ((message: string) => boolean)
  name?: string
  code?: string | number
}

const show = (v: unknown): string => inspect(v, { depth: 6, breakLength: 120 })

/** A plain object or an array with an enumerable key: what `t.like` treats as a nested selector. */
function isSelector(v: unknown): v is Record<PropertyKey, unknown> {
  if (v === null || typeof v !== 'object') return false
  if (!Array.isArray(v) && Reflect.getPrototypeOf(v) !== Object.prototype) return false
  return Object.keys(v).length > 0
}

/** The part of `actual` that `selector` names, recursively (ava's `selectComparable`). */
function select(actual: unknown, selector: Record<PropertyKey, unknown>): unknown {
  if (actual === null || (typeof actual !== 'object' && typeof actual !== 'function')) return actual
  const out = (Array.isArray(selector) ? [] : {}) as Record<PropertyKey, unknown>
  for (const key of Object.keys(selector)) {
    const sub = selector[key]
    const value: unknown = Reflect.get(actual, key)
    out[key] = isSelector(sub) ? select(value, sub) : value
  }
  return out
}

function attempt(fn: () => unknown): { threw: boolean; error: unknown } {
  try {
    fn()
    return { threw: false, error: undefined }
  } catch (error) {
    return { threw: true, error }
  }
}

export class ExecutionContext {
  assertions = 0
  failure: Error | undefined
  readonly logs: string[] = []
  readonly teardowns: Array<() => unknown> = []

  constructor(readonly title: string) {}

  private check(ok: boolean, assertion: string, message: string | undefined, details: () => string): void {
    this.assertions++
    if (ok) return
    const error = new AssertionError(`${assertion}${message ? `: ${message}` : ''}\n${details()}`)
    this.failure ??= error
    throw error
  }

  pass(_message?: string): void {
    this.check(true, 't.pass()', undefined, () => '')
  }
  fail(message?: string): void {
    this.check(false, 't.fail()', message, () => '')
  }
  is(actual: unknown, expected: unknown, message?: string): void {
    this.check(Object.is(actual, expected), 't.is()', message, () => `  actual: ${show(actual)}\nexpected: ${show(expected)}`)
  }
  not(actual: unknown, expected: unknown, message?: string): void {
    this.check(!Object.is(actual, expected), 't.not()', message, () => `both: ${show(actual)}`)
  }
  true(actual: unknown, message?: string): void {
    this.check(actual === true, 't.true()', message, () => `actual: ${show(actual)}`)
  }
  false(actual: unknown, message?: string): void {
    this.check(actual === false, 't.false()', message, () => `actual: ${show(actual)}`)
  }
  truthy(actual: unknown, message?: string): void {
    this.check(Boolean(actual), 't.truthy()', message, () => `actual: ${show(actual)}`)
  }
  falsy(actual: unknown, message?: string): void {
    this.check(!actual, 't.falsy()', message, () => `actual: ${show(actual)}`)
  }
  deepEqual(actual: unknown, expected: unknown, message?: string): void {
    this.check(isDeepStrictEqual(actual, expected), 't.deepEqual()', message, () => `  actual: ${show(actual)}\nexpected: ${show(expected)}`)
  }
  notDeepEqual(actual: unknown, expected: unknown, message?: string): void {
    this.check(!isDeepStrictEqual(actual, expected), 't.notDeepEqual()', message, () => `both: ${show(actual)}`)
  }
  like(actual: unknown, selector: Record<PropertyKey, unknown>, message?: string): void {
    if (!isSelector(selector)) this.check(false, 't.like()', 'the selector must be a non-empty object', () => show(selector))
    const comparable = select(actual, selector)
    this.check(isDeepStrictEqual(comparable, selector), 't.like()', message, () => `  actual: ${show(comparable)}\nselector: ${show(selector)}`)
  }
  regex(s: string, re: RegExp, message?: string): void {
    this.check(typeof s === 'string' && re.test(s), 't.regex()', message, () => `${show(s)} does not match ${re}`)
  }
  notRegex(s: string, re: RegExp, message?: string): void {
    this.check(typeof s === 'string' && !re.test(s), 't.notRegex()', message, () => `${show(s)} matches ${re}`)
  }
  notThrows(fn: () => unknown, message?: string): void {
    const { threw, error } = attempt(fn)
    this.check(!threw, 't.notThrows()', message, () => `threw: ${show(error)}`)
  }
  /** Returns the thrown error; `expectation` as ava's: `instanceOf`, `is`, `message`, `name`, `code`. */
  throws(fn: () => unknown, expectation?: ThrowsExpectation, message?: string): unknown {
    const { threw, error } = attempt(fn)
    this.check(threw, 't.throws()', message, () => 'the function did not throw')
    const e = error as { message?: unknown; name?: unknown; code?: unknown }
    const exp = expectation ?? {}
    const mismatch = (what: string) => () => `${what}; thrown: ${show(error)}`
    if (exp.instanceOf) this.check(error instanceof exp.instanceOf, 't.throws()', message, mismatch(`not an instance of ${exp.instanceOf.name}`))
    if ('is' in exp) this.check(Object.is(error, exp.is), 't.throws()', message, mismatch('not the expected value'))
    if (exp.name !== undefined) this.check(e?.name === exp.name, 't.throws()', message, mismatch(`name is not ${exp.name}`))
    if (exp.code !== undefined) this.check(e?.code === exp.code, 't.throws()', message, mismatch(`code is not ${exp.code}`))
    if (exp.message !== undefined) {
      const m = String(e?.message)
      const want = exp.message
      const ok = typeof want === 'string' ? m === want : want instanceof RegExp ? want.test(m) : want(m)
      this.check(ok, 't.throws()', message, mismatch(`message does not match ${String(want)}`))
    }
    return error
  }
  log(...values: unknown[]): void {
    this.logs.push(values.map((v) => (typeof v === 'string' ? v : show(v))).join(' '))
  }
  teardown(fn: () => unknown): void {
    this.teardowns.push(fn)
  }
}

interface Register {
  (title: string, fn: Implementation): void
  skip(title: string, fn: Implementation): void
}

function register(kind: Registered['kind'], serial: boolean): Register {
  const add = (title: string, fn: Implementation, skip: boolean) => {
    registry.push({ title, kind, serial, skip, fn })
  }
  return Object.assign((title: string, fn: Implementation) => add(title, fn, false), {
    skip: (title: string, fn: Implementation) => add(title, fn, true),
  })
}

/** A hook may be registered without a title, as in ava. */
function hook(kind: 'before' | 'after' | 'after.always'): (titleOrFn: string | Implementation, fn?: Implementation) => void {
  return (titleOrFn, fn) => {
    const [title, impl] = typeof titleOrFn === 'string' ? [titleOrFn, fn] : [`${kind} hook`, titleOrFn]
    if (impl === undefined) throw new TypeError(`test.${kind}: no implementation`)
    registry.push({ title, kind, serial: true, skip: false, fn: impl })
  }
}

const test = Object.assign(register('test', false), {
  serial: register('test', true),
  before: hook('before'),
  after: Object.assign(hook('after'), { always: hook('after.always') }),
})

export default test
