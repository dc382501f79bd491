// Every example, in the order of tokio's sources: stream.rs, split.rs, split_owned.rs,
// listener.rs, socket.rs; then tokio::io's buffered I/O and copies. `demo.ts` and
// `__test__/examples.spec.ts` run them all.

import type { Example } from './_example.js'

import { example as tcpStream } from './tcp_stream.js'
import { example as connect } from './connect.js'
import { example as fromStd } from './from_std.js'
import { example as intoStd } from './into_std.js'
import { example as localAddr } from './local_addr.js'
import { example as peerAddr } from './peer_addr.js'
import { example as pollPeek } from './poll_peek.js'
import { example as ready } from './ready.js'
import { example as readable } from './readable.js'
import { example as tryRead } from './try_read.js'
import { example as tryReadVectored } from './try_read_vectored.js'
import { example as tryReadBuf } from './try_read_buf.js'
import { example as writable } from './writable.js'
import { example as tryWrite } from './try_write.js'
import { example as tryWriteVectored } from './try_write_vectored.js'
import { example as peek } from './peek.js'
import { example as nodelay } from './nodelay.js'
import { example as setNodelay } from './set_nodelay.js'
import { example as quickack } from './quickack.js'
import { example as setQuickack } from './set_quickack.js'
import { example as linger } from './linger.js'
import { example as setLinger } from './set_linger.js'
import { example as setZeroLinger } from './set_zero_linger.js'
import { example as ttl } from './ttl.js'
import { example as setTtl } from './set_ttl.js'
import { example as readHalfPollPeek } from './read_half_poll_peek.js'
import { example as readHalfPeek } from './read_half_peek.js'
import { example as ownedReadHalfPollPeek } from './owned_read_half_poll_peek.js'
import { example as ownedReadHalfPeek } from './owned_read_half_peek.js'
import { example as tcpListener } from './tcp_listener.js'
import { example as listenerBind } from './listener_bind.js'
import { example as listenerAccept } from './listener_accept.js'
import { example as listenerLocalAddr } from './listener_local_addr.js'
import { example as listenerTtl } from './listener_ttl.js'
import { example as listenerSetTtl } from './listener_set_ttl.js'
import { example as tcpSocketConnectEquivalent } from './tcp_socket_connect_equivalent.js'
import { example as tcpSocketBindEquivalent } from './tcp_socket_bind_equivalent.js'
import { example as socketNewV4 } from './socket_new_v4.js'
import { example as socketNewV6 } from './socket_new_v6.js'
import { example as socketSetReuseaddr } from './socket_set_reuseaddr.js'
import { example as socketReuseaddr } from './socket_reuseaddr.js'
import { example as socketSetReuseport } from './socket_set_reuseport.js'
import { example as socketReuseport } from './socket_reuseport.js'
import { example as socketSetNodelay } from './socket_set_nodelay.js'
import { example as socketNodelay } from './socket_nodelay.js'
import { example as socketLocalAddr } from './socket_local_addr.js'
import { example as socketBind } from './socket_bind.js'
import { example as socketConnect } from './socket_connect.js'
import { example as socketListen } from './socket_listen.js'
import { example as bufReaderLines } from './buf_reader_lines.js'
import { example as copyBidirectional } from './copy_bidirectional.js'

export const examples: readonly Example[] = [
  tcpStream,
  connect,
  fromStd,
  intoStd,
  localAddr,
  peerAddr,
  pollPeek,
  ready,
  readable,
  tryRead,
  tryReadVectored,
  tryReadBuf,
  writable,
  tryWrite,
  tryWriteVectored,
  peek,
  nodelay,
  setNodelay,
  quickack,
  setQuickack,
  linger,
  setLinger,
  setZeroLinger,
  ttl,
  setTtl,
  readHalfPollPeek,
  readHalfPeek,
  ownedReadHalfPollPeek,
  ownedReadHalfPeek,
  tcpListener,
  listenerBind,
  listenerAccept,
  listenerLocalAddr,
  listenerTtl,
  listenerSetTtl,
  tcpSocketConnectEquivalent,
  tcpSocketBindEquivalent,
  socketNewV4,
  socketNewV6,
  socketSetReuseaddr,
  socketReuseaddr,
  socketSetReuseport,
  socketReuseport,
  socketSetNodelay,
  socketNodelay,
  socketLocalAddr,
  socketBind,
  socketConnect,
  socketListen,
  bufReaderLines,
  copyBidirectional,
]
