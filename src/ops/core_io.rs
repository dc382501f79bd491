//! tokio's `AsyncRead` and `AsyncWrite` over a connection the classes share, so that tokio's own
//! `BufReader`, `BufWriter`, `copy`, `copy_buf` and `copy_bidirectional` run on it unchanged,
//! with the bytes staying in Rust.
//!
//! This is what tokio's `TcpStream` impls do: wait with `poll_*_ready`, then `try_*`, and wait
//! again on `WouldBlock` (which clears the readiness). tokio keeps one waker per direction for
//! `poll_*_ready`, so each user of a direction must be the only poller of it: a buffered wrapper
//! owns the handle it took over, and a copy holds the call-order turns of the directions it uses.

use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::registry::Core;

/// A connection seen as tokio's `AsyncRead + AsyncWrite`.
pub struct CoreIo {
  pub core: Arc<Core>,
}

impl CoreIo {
  pub fn new(core: Arc<Core>) -> CoreIo {
    CoreIo { core }
  }

  /// Polls `attempt` until it is not `WouldBlock`, waiting for readiness in `direction` first.
  fn poll_io<T>(
    &self,
    cx: &mut Context<'_>,
    readable: bool,
    mut attempt: impl FnMut(&tokio::net::TcpStream) -> io::Result<T>,
  ) -> Poll<io::Result<T>> {
    loop {
      if readable {
        ready!(self.core.io.poll_read_ready(cx))?;
      } else {
        ready!(self.core.io.poll_write_ready(cx))?;
      }
      match attempt(&self.core.io) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
        other => return Poll::Ready(other),
      }
    }
  }
}

impl AsyncRead for CoreIo {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    // The buffers tokio's helpers read into are initialised once, so this costs nothing after
    // the first read.
    let n = ready!(self.poll_io(cx, true, |io| io.try_read(buf.initialize_unfilled())))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
  }
}

impl AsyncWrite for CoreIo {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    self.poll_io(cx, false, |io| io.try_write(buf))
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    self.poll_io(cx, false, |io| io.try_write_vectored(bufs))
  }

  fn is_write_vectored(&self) -> bool {
    true
  }

  fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    // A TCP socket has no user-space buffer to flush.
    Poll::Ready(Ok(()))
  }

  fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    // What tokio's `TcpStream::poll_shutdown` does: shut the write direction down, at once.
    Poll::Ready(socket2::SockRef::from(&*self.core.io).shutdown(Shutdown::Write))
  }
}
