// Loads tokio-net for the bench programs the same way on Node (tsx), Bun and Deno.
//
// `import { TcpStream } from '../index.js'` does not work under Deno (it loads index.js as an ES
// module, which has no named exports); a require made with createRequire loads the CommonJS
// loader everywhere.
import { createRequire } from 'node:module'
import type * as TokioNet from '../index.js'

// tsc types these files as CommonJS (no "type": "module"), where it refuses import.meta; tsx and
// Bun run them with import.meta.url set, and Deno runs them as ES modules.
// @ts-expect-error TS1470
const require = createRequire(import.meta.url)
export const tokioNet = require('../index.js') as typeof TokioNet

