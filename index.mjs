// ESM entry point of tokio-net (hand-written, not generated).
//
// It loads the CommonJS entry (index.js: the public classes of lib/tokio, over
// the native binding binding.js picks for this platform) and re-exports its
// named exports. `import` and `require` therefore share one copy of the classes,
// one native module instance and one tokio runtime, and the same index.d.ts
// describes both. When lib/tokio/index.ts gains an export, add it here too:
// `npm run test:package` and esm_entry.spec.ts fail when the two lists differ.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const binding = require('./index.js')

export const {
  __napiBindingTarget,
  activeHandles,
  BufReader,
  BufWriter,
  BytesMut,
  copy,
  copyBidirectional,
  copyBuf,
  driverPlace,
  Interest,
  Lines,
  OwnedReadHalf,
  OwnedWriteHalf,
  ReadHalf,
  Ready,
  ReuniteError,
  SocketAddr,
  StdTcpStream,
  TcpListener,
  TcpSocket,
  TcpStream,
  WriteHalf,
} = binding

export default binding
