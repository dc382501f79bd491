// `npm run demo`: runs every port of tokio's `TcpStream` / `TcpListener` / `TcpSocket` doc
// examples against local servers, prints what each did, and exits non-zero if any failed.

import { activeHandles } from '../index.js'

import { examples } from './_all.js'
import { Servers, describeError, withTimeout } from './_example.js'

const EXAMPLE_TIMEOUT_MS = 15_000

async function demo(): Promise<boolean> {
  const servers = new Servers()
  const failed: string[] = []
  try {
    for (const example of examples) {
      console.log(`== ${example.name} (${example.tokio})`)
      try {
        const addr = await servers.addrFor(example.needs)
        const lines = await withTimeout(example.main(addr), EXAMPLE_TIMEOUT_MS, example.name)
        for (const line of lines) console.log(`   ${line}`)
      } catch (e) {
        failed.push(example.name)
        console.log(`   FAILED: ${describeError(e)}`)
      }
    }
  } finally {
    await servers.close()
  }

  // Every example closes what it opened (Rust's drops, here `using`): nothing may be left.
  console.log('== activeHandles()')
  const handles = activeHandles()
  console.log(`   ${JSON.stringify(handles)}`)
  const leaked = Object.values(handles).some((n) => n !== 0)
  if (leaked) {
    failed.push('activeHandles')
    console.log('   FAILED: handles are still open after every example closed its own')
  }

  console.log('')
  if (failed.length === 0) {
    console.log(`all ${examples.length} examples ran`)
  } else {
    console.log(`${failed.length} failed: ${failed.join(', ')}`)
  }
  return failed.length === 0
}

demo().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  },
)
