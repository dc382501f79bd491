//! tokio's `AsyncRead` and `AsyncWrite` over a connection the classes share, so that tokio's own
//! `BufReader`, `BufWriter`, `copy`, `copy_buf` and `copy_bidirectional` run on it unchanged,
//! with the bytes staying in Rust.
//!
//! tokio's `TcpStream` impls wait with `poll_read_ready`/`poll_write_ready`, which keep one waker
//! per direction: a second poller of a direction (a `pollReadReady()` from JS on the stream a
//! borrowed half belongs to, say) would steal it and leave the other waiting forever. So this
//! waits with `readable()`/`writable()`, which take any number of waiters, and otherwise does
//! what tokio does: try the call, and on `WouldBlock` (which clears the readiness) wait again.

use std::future::Future;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::registry::{Core, Direction};

type Wait = Pin<Box<dyn Future<Output = io::Result<()>>>>;

/// A connection seen as tokio's `AsyncRead + AsyncWrite`.
pub struct CoreIo {
  pub core: Arc<Core>,
  /// The readiness wait of each direction, kept across polls until it completes.
  read_wait: Option<Wait>,
  write_wait: Option<Wait>,
}

impl CoreIo {
  pub fn new(core: Arc<Core>) -> CoreIo {
    CoreIo {
      core,
      read_wait: None,
      write_wait: None,
    }
  }

  /// Polls `attempt` until it is not `WouldBlock`, waiting for readiness in between.
  fn poll_io<T>(
    &mut self,
    cx: &mut Context<'_>,
    direction: Direction,
    mut attempt: impl FnMut(&tokio::net::TcpStream) -> io::Result<T>,
  ) -> Poll<io::Result<T>> {
    loop {
      let wait = match direction {
        Direction::Read => &mut self.read_wait,
        Direction::Write => &mut self.write_wait,
      };
      if let Some(pending) = wait.as_mut() {
        let outcome = ready!(pending.as_mut().poll(cx));
        *wait = None;
        outcome?;
      }
      match attempt(&self.core.io) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
          let core = self.core.clone();
          *wait = Some(match direction {
            Direction::Read => Box::pin(async move { core.io.readable().await }),
            Direction::Write => Box::pin(async move { core.io.writable().await }),
          });
        }
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
    let n = ready!(
      self
        .get_mut()
        .poll_io(cx, Direction::Read, |io| read_draining(
          io,
          buf.initialize_unfilled()
        ))
    )?;
    buf.advance(n);
    Poll::Ready(Ok(()))
  }
}

/// Whether readiness is edge-triggered here (epoll, kqueue), as in tokio's own `poll_read`.
/// Elsewhere (Windows, or mio forced onto `poll(2)`, which re-arms only on `WouldBlock`) only
/// `WouldBlock` may clear it.
const EDGE_TRIGGERED: bool = cfg!(all(
  not(mio_unsupported_force_poll_poll),
  any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd"
  )
));

/// `try_read`, and after a read that did not fill `buf`, the read readiness cleared, as tokio's
/// own `poll_read` does where readiness is edge-triggered: a short read drained the socket, so
/// the next read waits for the next readiness event instead of spending a syscall to learn
/// `WouldBlock`. The readiness is cleared through `try_io`, which took its readiness tick
/// before the read: readiness that arrived after that is kept.
pub(crate) fn read_draining(io: &tokio::net::TcpStream, buf: &mut [u8]) -> io::Result<usize> {
  if !EDGE_TRIGGERED {
    return io.try_read(buf);
  }
  let mut short = None;
  let outcome = io.try_io(tokio::io::Interest::READABLE, || {
    let n = io.try_read(buf)?;
    if n > 0 && n < buf.len() {
      short = Some(n);
      return Err(io::ErrorKind::WouldBlock.into());
    }
    Ok(n)
  });
  short.map_or(outcome, Ok)
}

impl AsyncWrite for CoreIo {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    self
      .get_mut()
      .poll_io(cx, Direction::Write, |io| io.try_write(buf))
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    self
      .get_mut()
      .poll_io(cx, Direction::Write, |io| io.try_write_vectored(bufs))
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
