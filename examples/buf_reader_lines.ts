// A line protocol over tokio's buffered I/O (`tokio::io::BufWriter`, `BufReader` and
// `AsyncBufReadExt::lines`), the way a tokio program talks to a line-based server.
//
// `addr` is a local echo server: the lines written come back, and are read as lines.

import { BufReader, BufWriter, TcpStream } from '../index.js'

import { assertEq, defineExample } from './_example.js'

export const example = defineExample({
  name: 'buf_reader_lines',
  tokio: 'tokio::io::BufWriter / BufReader::lines',
  needs: 'echo',
  async main(addr) {
    const out: string[] = []
    const stream = await TcpStream.connect(addr)
    const [readHalf, writeHalf] = stream.intoSplit()

    // Many small writes, gathered in Rust and sent in a few large ones.
    using writer = new BufWriter(writeHalf)
    for (let i = 1; i <= 3; i++) await writer.writeAll(Buffer.from(`line ${i}\r\n`))
    await writer.shutdown() // flushes, then the echo server sees end of stream

    using lines = new BufReader(readHalf).lines()
    const received: string[] = []
    for await (const line of lines) {
      received.push(line)
      out.push(`received ${JSON.stringify(line)}`)
    }
    assertEq(received.join('|'), 'line 1|line 2|line 3', 'the lines, without their line endings')
    return out
  },
})
