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

use crate::registry::Core;

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
    readable: bool,
    mut attempt: impl FnMut(&tokio::net::TcpStream) -> io::Result<T>,
  ) -> Poll<io::Result<T>> {
    loop {
      let wait = if readable {
        &mut self.read_wait
      } else {
        &mut self.write_wait
      };
      if let Some(pending) = wait.as_mut() {
        let outcome = ready!(pending.as_mut().poll(cx));
        *wait = None;
        outcome?;
      }
      match attempt(&self.core.io) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
          let core = self.core.clone();
          *wait = Some(if readable {
            Box::pin(async move { core.io.readable().await })
          } else {
            Box::pin(async move { core.io.writable().await })
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
        .poll_io(cx, true, |io| read_draining(io, buf.initialize_unfilled()))
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
    self.get_mut().poll_io(cx, false, |io| io.try_write(buf))
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    self
      .get_mut()
      .poll_io(cx, false, |io| io.try_write_vectored(bufs))
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

/// The registry id behind a `TcpStream` or one of the four halves, if `value` is one.
pub fn handle_id(js: crate::js::Js, value: napi::sys::napi_value) -> Option<u64> {
  use crate::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
  use crate::stream::TcpStream;
  js.with_instance(value, |s: &TcpStream| s.id)
    .or_else(|| js.with_instance(value, |h: &ReadHalf| h.id))
    .or_else(|| js.with_instance(value, |h: &OwnedReadHalf| h.id))
    .or_else(|| js.with_instance(value, |h: &WriteHalf| h.id))
    .or_else(|| js.with_instance(value, |h: &OwnedWriteHalf| h.id))
}

/// The JS object of a stream, view or half `id` of kind `inner`.
pub fn inner_to_js(
  js: crate::js::Js,
  id: u64,
  inner: crate::registry::Inner,
) -> crate::errors::NetResult<napi::sys::napi_value> {
  use super::to_js_class;
  use crate::registry::Inner;
  use crate::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
  use crate::stream::TcpStream;
  match inner {
    Inner::Stream | Inner::View => to_js_class(js, TcpStream { id }),
    Inner::ReadHalf { owned: false } => to_js_class(js, ReadHalf { id }),
    Inner::ReadHalf { owned: true } => to_js_class(js, OwnedReadHalf { id }),
    Inner::WriteHalf { owned: false } => to_js_class(js, WriteHalf { id }),
    Inner::WriteHalf { owned: true } => to_js_class(js, OwnedWriteHalf { id }),
  }
}

/// tokio's default buffer size for `BufReader` and `BufWriter`.
pub const DEFAULT_CAPACITY: usize = 8 * 1024;
const MAX_CAPACITY: f64 = 1024.0 * 1024.0 * 1024.0;

/// The `capacity` argument of a buffered wrapper: at least 1 byte (tokio would accept 0, and
/// then never make progress), at most 1 GiB; `undefined` means tokio's default.
pub fn capacity_arg(
  js: crate::js::Js,
  capacity: Option<&napi::bindgen_prelude::Unknown<'_>>,
) -> crate::errors::NetResult<usize> {
  use crate::js::{Type, raw};
  match capacity.map(raw) {
    Some(value) if js.type_of(value) != Type::Undefined => {
      let n = js.uint_arg(value, "capacity", MAX_CAPACITY)? as usize;
      if n == 0 {
        return Err(crate::errors::NetError::ArgRange(format!(
          "The value of \"capacity\" is out of range. It must be >= 1 && <= {MAX_CAPACITY}. Received 0"
        )));
      }
      Ok(n)
    }
    _ => Ok(DEFAULT_CAPACITY),
  }
}

/// Takes over the stream or half `value` for a buffered wrapper, as tokio's `BufReader::new`
/// and `BufWriter::new` move theirs: `value` is closed for other use from here on. Also hands
/// back a reference to `value`, which the wrapper keeps: it keeps a borrowed half's stream alive.
pub fn take_over(
  js: crate::js::Js,
  value: napi::sys::napi_value,
  name: &str,
  expected: &str,
  fits: impl Fn(crate::registry::Inner) -> bool,
) -> crate::errors::NetResult<(crate::registry::Taken, crate::js::HeldRef)> {
  use crate::errors::NetError;
  // The type first: Node-API makes no reference to a primitive.
  let id = handle_id(js, value).ok_or_else(|| NetError::arg_type(name, expected))?;
  let kept = crate::js::HeldRef::new(js, value)?;
  let kind = crate::registry::with(id, |resource, _| Ok(crate::registry::Inner::of(resource)))?;
  match kind {
    Some(inner) if fits(inner) => Ok((crate::registry::take_io(id, fits)?, kept)),
    Some(_) => Err(NetError::arg_type(name, expected)),
    None => Err(NetError::Closed),
  }
}

/// What a buffered wrapper's registry entry holds: tokio's `BufReader` or `BufWriter`, locked by
/// each call for its whole run (calls are served one at a time in call order, as the `&mut self`
/// of tokio's methods serves them), the connection under it, and its capacity.
pub(crate) struct Wrapped<T> {
  pub(crate) io: tokio::sync::Mutex<T>,
  pub(crate) core: Arc<Core>,
  pub(crate) capacity: usize,
}

/// The direction of the connection a wrapper uses: its calls queue with that direction's calls.
pub(crate) trait Direction {
  fn order(core: &Core) -> &crate::ops::queue::Queue;
}

impl Direction for tokio::io::BufReader<CoreIo> {
  fn order(core: &Core) -> &crate::ops::queue::Queue {
    &core.read_order
  }
}

impl Direction for tokio::io::BufWriter<CoreIo> {
  fn order(core: &Core) -> &crate::ops::queue::Queue {
    &core.write_order
  }
}

/// A wrapper call's place in line, taken when the call is made: behind the calls of the same
/// direction made before it on the connection (its stream, halves and copies included), then
/// behind the wrapper's other calls.
pub(crate) struct Turn<T> {
  state: std::rc::Rc<Wrapped<T>>,
  ticket: crate::ops::queue::Ticket,
}

impl<T: Direction> Turn<T> {
  pub(crate) fn take(state: std::rc::Rc<Wrapped<T>>) -> Turn<T> {
    let ticket = T::order(&state.core).ticket();
    Turn { state, ticket }
  }

  /// Waits for this call's turn, then for the wrapper.
  pub(crate) async fn lock(&mut self) -> tokio::sync::MutexGuard<'_, T> {
    self.ticket.wait().await;
    self.state.io.lock().await
  }
}

/// Registers the wrapper `state` over what `take_over` took; the wrapper keeps the handle's
/// parent and its `ref()`/`unref()` setting.
pub(crate) fn insert_wrapper<T: 'static>(state: Wrapped<T>, taken: &crate::registry::Taken) -> u64 {
  crate::registry::insert_handed_over(
    crate::registry::Resource::Buffered(std::rc::Rc::new(state), taken.inner),
    taken.parent,
    taken.refed,
  )
}

/// `intoInner()` of a buffered wrapper: hands the stream or half back as a new object of its
/// kind (a borrowed half or view again belongs to its stream). The wrapper is consumed.
pub fn give_back(
  js: crate::js::Js,
  id: u64,
  core: Arc<Core>,
  kept: Option<&crate::js::HeldRef>,
) -> crate::errors::NetResult<napi::sys::napi_value> {
  use crate::registry;
  let (parent, inner) = registry::parent_and_inner(id)?;
  let refed = registry::is_refed(id);
  let resource = registry::take(id)?;
  drop(resource);
  let new_id = registry::insert_handed_over(inner.resource(core), parent, refed);
  let object = inner_to_js(js, new_id, inner)?;
  if parent.is_some()
    && let Some(original) = kept
  {
    // The object handed in keeps its stream alive; the one handed back does so through it.
    js.keep_parent(object, original.value()?)?;
  }
  Ok(object)
}
