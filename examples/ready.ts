// Port of the `# Examples` section of tokio's `TcpStream::ready`
// (tokio/src/net/tcp/stream.rs): "Concurrently read and write to the stream on the same task
// without splitting."
//
// tokio connects to `127.0.0.1:8080` and loops until an error. Here `addr` is a local echo server,
// and the loop ends once "hello world" was written `ROUNDS` times and all of it was read back;
// after the last write it waits for `READABLE` only, or it would spin on a writable socket.

import { Interest, TcpStream } from '../index.js'

import { debugText, defineExample, isWouldBlock } from './_example.js'

const ROUNDS = 3

export const example = defineExample({
  name: 'ready',
  tokio: 'TcpStream::ready',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []

    using stream = await TcpStream.connect(addr)

    const sent: Uint8Array[] = []
    const received: Uint8Array[] = []
    let written = 0
    let read = 0

    while (sent.length < ROUNDS || read < written) {
      const interest =
        sent.length < ROUNDS ? Interest.READABLE | Interest.WRITABLE : Interest.READABLE
      const ready = await stream.ready(interest)

      if (ready.isReadable()) {
        const data = new Uint8Array(1024)
        // Try to read data, this may still fail with `WouldBlock`
        // if the readiness event is a false positive.
        let n: number
        try {
          n = stream.tryRead(data)
        } catch (e) {
          if (isWouldBlock(e)) continue
          throw e
        }
        out.push(`read ${n} bytes`)
        if (n === 0) throw new Error('the echo server closed the connection early')
        received.push(data.slice(0, n))
        read += n
      }

      if (ready.isWritable() && sent.length < ROUNDS) {
        // Try to write data, this may still fail with `WouldBlock`
        // if the readiness event is a false positive.
        const message = Buffer.from('hello world')
        let n: number
        try {
          n = stream.tryWrite(message)
        } catch (e) {
          if (isWouldBlock(e)) continue
          throw e
        }
        out.push(`write ${n} bytes`)
        sent.push(message.subarray(0, n))
        written += n
      }
    }

    out.push(`echoed back: ${debugText(Buffer.concat(received))}`)
    return out
  },
})
