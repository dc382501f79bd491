//! The I/O operations a stream shares with its halves and views, written once.
//!
//! Class methods (`TcpStream`, `ReadHalf`, `OwnedReadHalf`, ...) are thin: they pass their
//! registry id here. Reads and writes go through readiness plus `try_*`, which is how tokio's own
//! `AsyncRead`/`AsyncWrite` impls work, so every operation needs only `&TcpStream` and a read
//! and a write can run at once. Operations are polled on the JS thread (see the bridge), so a
//! read fills the caller's buffer itself, at the moment the socket is ready.

use std::future::{Future, poll_fn};
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use napi::bindgen_prelude::Unknown;
use napi::{Env, sys};
use tokio::io::ReadBuf;

use crate::addr::new_socket_addr;
use crate::bridge::{self, Handle, Lazy, Promise, Start, sync};
use crate::bytes_mut::BytesMut;
use crate::errors::{NetError, NetResult};
use crate::interest::{Ready, interest_arg, single_interest_arg};
use crate::js::{CallError, Js, JsRef, Type, raw};
use crate::registry::{self, Core};

/// The byte count a JS method reports.
pub type Count = f64;

fn io_err(syscall: &'static str) -> impl FnOnce(io::Error) -> NetError {
  move |e| NetError::io(e, syscall)
}

// ---- addresses and readiness ----

pub fn local_addr(env: &Env, id: u64) -> napi::Result<sys::napi_value> {
  sync(env, |js| {
    let (core, _) = registry::core(id)?;
    new_socket_addr(js, core.io.local_addr().map_err(io_err("getsockname"))?)
  })
}

pub fn peer_addr(env: &Env, id: u64) -> napi::Result<sys::napi_value> {
  sync(env, |js| {
    let (core, _) = registry::core(id)?;
    new_socket_addr(js, core.io.peer_addr().map_err(io_err("getpeername"))?)
  })
}

pub fn ready(
  env: &Env,
  h: Handle,
  interest: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let interest = interest_arg(js, raw(&interest))?;
    let (core, closed) = registry::core(h.id)?;
    Ok((Some(closed), async move {
      let ready = core
        .io
        .ready(interest)
        .await
        .map_err(io_err("epoll_wait"))?;
      Ok(Lazy(move |js: Js| to_js_class(js, Ready::from(ready))))
    }))
  })
}

pub fn readable(env: &Env, h: Handle, opts: Option<Unknown<'_>>) -> napi::Result<Promise> {
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    Ok((Some(closed), async move {
      core.io.readable().await.map_err(io_err("epoll_wait"))
    }))
  })
}

pub fn writable(env: &Env, h: Handle, opts: Option<Unknown<'_>>) -> napi::Result<Promise> {
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    Ok((Some(closed), async move {
      core.io.writable().await.map_err(io_err("epoll_wait"))
    }))
  })
}

pub fn poll_read_ready(env: &Env, h: Handle) -> napi::Result<Promise> {
  bridge::spawn(env, None, Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    let mut turn = core.read_poll.ticket();
    Ok((Some(closed), async move {
      turn.wait().await;
      poll_fn(|cx| core.io.poll_read_ready(cx))
        .await
        .map_err(io_err("epoll_wait"))
    }))
  })
}

pub fn poll_write_ready(env: &Env, h: Handle) -> napi::Result<Promise> {
  bridge::spawn(env, None, Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    let mut turn = core.write_poll.ticket();
    Ok((Some(closed), async move {
      turn.wait().await;
      poll_fn(|cx| core.io.poll_write_ready(cx))
        .await
        .map_err(io_err("epoll_wait"))
    }))
  })
}

// ---- reads ----

pub fn try_read(env: &Env, id: u64, buf: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    let target = unsafe { js.bytes_mut(raw(&buf), "buf")? };
    let (core, _) = registry::core(id)?;
    Ok(core.io.try_read(target).map_err(io_err("read"))? as Count)
  })
}

pub fn try_read_vectored(env: &Env, id: u64, bufs: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    let mut targets = unsafe { js.bytes_list_mut(raw(&bufs), "bufs")? };
    let (core, _) = registry::core(id)?;
    let mut slices: Vec<IoSliceMut<'_>> = targets.iter_mut().map(|t| IoSliceMut::new(t)).collect();
    Ok(
      core
        .io
        .try_read_vectored(&mut slices)
        .map_err(io_err("readv"))? as Count,
    )
  })
}

pub fn try_read_buf(env: &Env, id: u64, buf: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    let (core, _) = registry::core(id)?;
    let read = js
      .with_instance_mut(raw(&buf), |target: &mut BytesMut| {
        core.io.try_read_buf(&mut target.inner)
      })
      .ok_or_else(|| NetError::arg_type("buf", "an instance of BytesMut"))?;
    Ok(read.map_err(io_err("read"))? as Count)
  })
}

/// How far an operation got on the JS thread, without waiting.
enum Attempt {
  /// The operation is complete: this many bytes are in (or out).
  Complete(usize),
  /// The socket had no more for now: this many bytes are in (or out), the rest must wait.
  Partial(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadOp {
  Some,
  Exact,
  Peek,
  PollPeek,
}

/// The fast path of `read` and `readExact`: read straight into the caller's memory while the
/// socket has data.
fn read_now(core: &Core, dest: &mut [u8], op: ReadOp) -> NetResult<Attempt> {
  let mut filled = 0;
  loop {
    match core.io.try_read(&mut dest[filled..]) {
      Ok(0) if op == ReadOp::Exact && filled < dest.len() => {
        return Err(unexpected_eof());
      }
      Ok(n) => filled += n,
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Attempt::Partial(filled)),
      Err(e) => return Err(NetError::io(e, "read")),
    }
    if op == ReadOp::Some || filled == dest.len() {
      return Ok(Attempt::Complete(filled));
    }
  }
}

/// The caller's `Uint8Array` while its read waits. It is looked at afresh each time the socket
/// is ready, because JS may have detached or shrunk it meanwhile: bytes are only taken from the
/// socket when there is somewhere to put them.
struct Target {
  js: Js,
  buf: Option<JsRef>,
}

impl Target {
  fn new(js: Js, value: sys::napi_value) -> NetResult<Target> {
    Ok(Target {
      js,
      buf: Some(js.new_ref(value)?),
    })
  }

  /// The buffer's bytes now; `BufferDetached` if nothing is left of it.
  ///
  /// # Safety
  /// Only while the operation is polled (on the JS thread); the slice must be dropped before
  /// the operation awaits again.
  unsafe fn bytes<'a>(&self) -> NetResult<&'a mut [u8]> {
    let buf = self.buf.as_ref().ok_or(NetError::BufferDetached)?;
    let value = self.js.ref_value(buf)?;
    let bytes = unsafe { self.js.bytes_mut(value, "buf")? };
    if bytes.is_empty() {
      return Err(NetError::BufferDetached);
    }
    Ok(bytes)
  }
}

impl Drop for Target {
  fn drop(&mut self) {
    // Operations are dropped on the JS thread (see the bridge's task set).
    if let Some(buf) = self.buf.take() {
      self.js.delete_ref(buf);
    }
  }
}

/// Reads into the caller's buffer: at once if the socket has data, otherwise when it is ready.
fn read_into(
  env: &Env,
  h: Handle,
  buf: Unknown<'_>,
  opts: Option<Unknown<'_>>,
  op: ReadOp,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  bridge::spawn_then(env, opts.as_ref(), Some(h), || {
    let dest = unsafe { js.bytes_mut(raw(&buf), "buf")? };
    let (core, closed) = registry::core(h.id)?;
    let reads = matches!(op, ReadOp::Some | ReadOp::Exact);
    if reads && dest.is_empty() {
      return Ok(Start::Done(js.number(0.0)?));
    }
    let mut offset = 0;
    if reads && core.read_order.is_idle() {
      match read_now(&core, dest, op)? {
        Attempt::Complete(n) => return Ok(Start::Done(js.number(n as f64)?)),
        Attempt::Partial(n) => offset = n,
      }
    }
    let wanted = !dest.is_empty();
    let target = Target::new(js, raw(&buf))?;
    let mut turn = match op {
      ReadOp::Some | ReadOp::Exact => Some(core.read_order.ticket()),
      ReadOp::PollPeek => Some(core.read_poll.ticket()),
      ReadOp::Peek => None,
    };
    let fut = async move {
      if let Some(turn) = turn.as_mut() {
        turn.wait().await;
      }
      match op {
        ReadOp::Some | ReadOp::Exact => read_when_ready(&core, &target, offset, op).await,
        ReadOp::Peek => peek_when_ready(&core, &target, wanted).await,
        ReadOp::PollPeek => {
          poll_fn(|cx| {
            // SAFETY: polled on the JS thread; the slice lives for this poll only.
            let dest = match unsafe { target.bytes() } {
              Ok(dest) => dest,
              Err(_) if !wanted => &mut [],
              Err(e) => return Poll::Ready(Err(e)),
            };
            let mut read_buf = ReadBuf::new(dest);
            core
              .io
              .poll_peek(cx, &mut read_buf)
              .map_err(io_err("recv"))
              .map_ok(|_| read_buf.filled().len())
          })
          .await
        }
      }
    };
    Ok(Start::Run(
      Some(closed),
      fut,
      move |js: Js, outcome: NetResult<usize>| Ok(js.number(outcome? as f64)?),
    ))
  })
}

/// `read` / `readExact` after the fast path: `offset` bytes are already in the buffer.
async fn read_when_ready(
  core: &Core,
  target: &Target,
  offset: usize,
  op: ReadOp,
) -> NetResult<usize> {
  let mut filled = offset;
  loop {
    core.io.readable().await.map_err(io_err("read"))?;
    // SAFETY: polled on the JS thread; the slice is not kept across the next await.
    let dest = unsafe { target.bytes()? };
    if dest.len() < filled {
      // Shrunk below what `readExact` had already put there: those bytes are gone with it.
      return Err(NetError::BufferDetached);
    }
    if dest.len() == filled {
      return Ok(filled);
    }
    match core.io.try_read(&mut dest[filled..]) {
      Ok(0) if op == ReadOp::Exact => return Err(unexpected_eof()),
      Ok(n) => {
        filled += n;
        if op == ReadOp::Some || filled == dest.len() {
          return Ok(filled);
        }
      }
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
      Err(e) => return Err(NetError::io(e, "read")),
    }
  }
}

/// `peek`: copies what is queued into the caller's buffer when the socket is ready, leaving it
/// queued.
async fn peek_when_ready(core: &Core, target: &Target, wanted: bool) -> NetResult<usize> {
  loop {
    core.io.readable().await.map_err(io_err("recv"))?;
    // SAFETY: polled on the JS thread; the slice is not kept across the next await.
    let dest = match unsafe { target.bytes() } {
      Ok(dest) => dest,
      Err(_) if !wanted => &mut [],
      Err(e) => return Err(e),
    };
    let peeked = core.io.try_io(tokio::io::Interest::READABLE, || {
      // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and `recv` only writes to it.
      let uninit = unsafe { &mut *(std::ptr::from_mut(dest) as *mut [MaybeUninit<u8>]) };
      socket2::SockRef::from(&*core.io).peek(uninit)
    });
    match peeked {
      Ok(n) => return Ok(n),
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
      Err(e) => return Err(NetError::io(e, "recv")),
    }
  }
}

fn unexpected_eof() -> NetError {
  NetError::io(
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof"),
    "read",
  )
}

pub fn read(
  env: &Env,
  h: Handle,
  buf: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  read_into(env, h, buf, opts, ReadOp::Some)
}

pub fn read_exact(
  env: &Env,
  h: Handle,
  buf: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  read_into(env, h, buf, opts, ReadOp::Exact)
}

pub fn peek(
  env: &Env,
  h: Handle,
  buf: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  read_into(env, h, buf, opts, ReadOp::Peek)
}

pub fn poll_peek(env: &Env, h: Handle, buf: Unknown<'_>) -> napi::Result<Promise> {
  read_into(env, h, buf, None, ReadOp::PollPeek)
}

pub fn read_to_end(env: &Env, h: Handle, opts: Option<Unknown<'_>>) -> napi::Result<Promise> {
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    let mut turn = core.read_order.ticket();
    Ok((Some(closed), async move {
      turn.wait().await;
      let mut out = Vec::new();
      let mut chunk = vec![0u8; 64 * 1024];
      loop {
        let n = read_some(&core, &mut chunk).await?;
        if n == 0 {
          return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
      }
    }))
  })
}

async fn read_some(core: &Core, buf: &mut [u8]) -> NetResult<usize> {
  if buf.is_empty() {
    return Ok(0);
  }
  loop {
    core.io.readable().await.map_err(io_err("read"))?;
    match core.io.try_read(buf) {
      Ok(n) => return Ok(n),
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
      Err(e) => return Err(NetError::io(e, "read")),
    }
  }
}

// ---- writes ----

pub fn try_write(env: &Env, id: u64, buf: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    let data = unsafe { js.bytes(raw(&buf), "buf")? };
    let (core, _) = registry::core(id)?;
    Ok(core.io.try_write(data).map_err(io_err("write"))? as Count)
  })
}

pub fn try_write_vectored(env: &Env, id: u64, bufs: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    let data = unsafe { js.bytes_list(raw(&bufs), "bufs")? };
    let (core, _) = registry::core(id)?;
    let slices: Vec<IoSlice<'_>> = data.iter().map(|d| IoSlice::new(d)).collect();
    Ok(
      core
        .io
        .try_write_vectored(&slices)
        .map_err(io_err("writev"))? as Count,
    )
  })
}

#[derive(Clone, Copy)]
enum WriteOp {
  Some,
  All,
  Vectored,
  Poll,
  PollVectored,
}

/// The fast path of the writes: write straight from the caller's memory on the JS thread while
/// the socket takes it. Returns how many bytes went out.
fn write_now(core: &Core, chunks: &[&[u8]], op: WriteOp) -> NetResult<Attempt> {
  let vectored = matches!(op, WriteOp::Vectored | WriteOp::PollVectored);
  if vectored {
    let slices: Vec<IoSlice<'_>> = chunks.iter().map(|c| IoSlice::new(c)).collect();
    return match core.io.try_write_vectored(&slices) {
      Ok(n) => Ok(Attempt::Complete(n)),
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Attempt::Partial(0)),
      Err(e) => Err(NetError::io(e, "writev")),
    };
  }
  let data = chunks[0];
  let mut written = 0;
  loop {
    match core.io.try_write(&data[written..]) {
      Ok(n) => written += n,
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Attempt::Partial(written)),
      Err(e) => return Err(NetError::io(e, "write")),
    }
    if !matches!(op, WriteOp::All) || written == data.len() {
      return Ok(Attempt::Complete(written));
    }
  }
}

/// Writes from the caller's memory at once if the socket takes it; otherwise copies what is left
/// (so the caller may reuse its buffer) and writes it when the socket is ready.
fn write_from(
  env: &Env,
  h: Handle,
  bufs: Unknown<'_>,
  opts: Option<Unknown<'_>>,
  op: WriteOp,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  let settled = move |js: Js, n: usize| -> NetResult<sys::napi_value> {
    Ok(match op {
      WriteOp::All => js.undefined()?,
      _ => js.number(n as f64)?,
    })
  };
  bridge::spawn_then(env, opts.as_ref(), Some(h), || {
    let vectored = matches!(op, WriteOp::Vectored | WriteOp::PollVectored);
    let chunks: Vec<&[u8]> = if vectored {
      unsafe { js.bytes_list(raw(&bufs), "bufs")? }
    } else {
      vec![unsafe { js.bytes(raw(&bufs), "buf")? }]
    };
    let (core, closed) = registry::core(h.id)?;
    // `pollWrite` too keeps call order with the other writes: its bytes never land in the
    // middle of another write's.
    let queue = &core.write_order;
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    let mut offset = 0;
    if total > 0 && queue.is_idle() {
      match write_now(&core, &chunks, op)? {
        Attempt::Complete(n) => return Ok(Start::Done(settled(js, n)?)),
        Attempt::Partial(n) => offset = n,
      }
    } else if total == 0 && queue.is_idle() {
      return Ok(Start::Done(settled(js, 0)?));
    }
    let rest: Vec<Vec<u8>> = if vectored {
      chunks.iter().map(|c| c.to_vec()).collect()
    } else {
      vec![chunks[0][offset..].to_vec()]
    };
    let mut turn = queue.ticket();
    let fut = async move {
      turn.wait().await;
      let written = match op {
        WriteOp::Some | WriteOp::Poll => write_some(&core, &rest[0]).await?,
        WriteOp::All => {
          let mut written = 0;
          while written < rest[0].len() {
            written += write_some(&core, &rest[0][written..]).await?;
          }
          written
        }
        WriteOp::Vectored | WriteOp::PollVectored => writev_some(&core, &rest).await?,
      };
      Ok(offset + written)
    };
    Ok(Start::Run(
      Some(closed),
      fut,
      move |js: Js, outcome: NetResult<usize>| settled(js, outcome?),
    ))
  })
}

pub fn write(
  env: &Env,
  h: Handle,
  buf: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  write_from(env, h, buf, opts, WriteOp::Some)
}

pub fn write_all(
  env: &Env,
  h: Handle,
  buf: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  let promise = write_from(env, h, buf, opts, WriteOp::All)?;
  Ok(promise)
}

pub fn write_vectored(
  env: &Env,
  h: Handle,
  bufs: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  write_from(env, h, bufs, opts, WriteOp::Vectored)
}

pub fn poll_write(env: &Env, h: Handle, buf: Unknown<'_>) -> napi::Result<Promise> {
  write_from(env, h, buf, None, WriteOp::Poll)
}

pub fn poll_write_vectored(env: &Env, h: Handle, bufs: Unknown<'_>) -> napi::Result<Promise> {
  write_from(env, h, bufs, None, WriteOp::PollVectored)
}

async fn write_some(core: &Core, data: &[u8]) -> NetResult<usize> {
  if data.is_empty() {
    return Ok(0);
  }
  loop {
    core.io.writable().await.map_err(io_err("write"))?;
    match core.io.try_write(data) {
      Ok(n) => return Ok(n),
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
      Err(e) => return Err(NetError::io(e, "write")),
    }
  }
}

async fn writev_some(core: &Core, chunks: &[Vec<u8>]) -> NetResult<usize> {
  let slices: Vec<IoSlice<'_>> = chunks.iter().map(|c| IoSlice::new(c)).collect();
  if slices.iter().all(|s| s.is_empty()) {
    return Ok(0);
  }
  loop {
    core.io.writable().await.map_err(io_err("writev"))?;
    match core.io.try_write_vectored(&slices) {
      Ok(n) => return Ok(n),
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
      Err(e) => return Err(NetError::io(e, "writev")),
    }
  }
}

/// tokio's `flush` on a TCP stream has nothing to flush; it waits for writes queued before it.
pub fn flush(env: &Env, h: Handle, opts: Option<Unknown<'_>>) -> napi::Result<Promise> {
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    let mut turn = core.write_order.ticket();
    Ok((Some(closed), async move {
      turn.wait().await;
      Ok(())
    }))
  })
}

/// Shuts the write direction down after the writes queued before it.
pub fn shutdown(env: &Env, h: Handle, opts: Option<Unknown<'_>>) -> napi::Result<Promise> {
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    let mut turn = core.write_order.ticket();
    Ok((Some(closed), async move {
      turn.wait().await;
      shutdown_write(&core)
    }))
  })
}

fn shutdown_write(core: &Arc<Core>) -> NetResult<()> {
  match socket2::SockRef::from(&*core.io).shutdown(Shutdown::Write) {
    Ok(()) => Ok(()),
    // Shutting down a socket whose peer already closed it is not an error for the caller.
    Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
    Err(e) => Err(NetError::io(e, "shutdown")),
  }
}

// ---- custom I/O ----

fn is_would_block(js: Js, error: sys::napi_value) -> bool {
  if js.type_of(error) != Type::Object {
    return false;
  }
  let text = |name: &str| {
    js.get(error, name)
      .ok()
      .filter(|v| js.type_of(*v) == Type::String)
      .and_then(|v| js.string_value(v).ok())
  };
  matches!(text("code").as_deref(), Some("EAGAIN" | "EWOULDBLOCK"))
    || text("kind").as_deref() == Some("WouldBlock")
}

enum IoOutcome {
  Value(sys::napi_value),
  Threw(sys::napi_value),
}

/// Calls `f` under tokio's `try_io`: only when the socket is ready, and a WouldBlock thrown by
/// `f` clears the readiness.
fn try_io_once(
  js: Js,
  core: &Core,
  interest: tokio::io::Interest,
  f: sys::napi_value,
) -> NetResult<IoOutcome> {
  let mut thrown = None;
  let result = core.io.try_io(interest, || {
    let this = js.undefined().map_err(io::Error::other)?;
    match js.call(this, f, &[]) {
      Ok(value) => Ok(value),
      Err(CallError::Threw(e)) if is_would_block(js, e) => Err(io::ErrorKind::WouldBlock.into()),
      Err(CallError::Threw(e)) => {
        thrown = Some(e);
        Err(io::Error::other("the callback threw"))
      }
      Err(CallError::Failed(e)) => Err(io::Error::other(e.reason)),
    }
  });
  if let Some(e) = thrown {
    return Ok(IoOutcome::Threw(e));
  }
  Ok(IoOutcome::Value(result.map_err(io_err("try_io"))?))
}

pub fn try_io(
  env: &Env,
  id: u64,
  interest: Unknown<'_>,
  f: Unknown<'_>,
) -> napi::Result<sys::napi_value> {
  sync(env, |js| {
    let interest = single_interest_arg(js, raw(&interest))?;
    let f = js.function_arg(raw(&f), "f")?;
    let (core, _) = registry::core(id)?;
    match try_io_once(js, &core, interest, f)? {
      IoOutcome::Value(v) => Ok(v),
      IoOutcome::Threw(e) => {
        js.throw_value(e);
        Err(NetError::Pending)
      }
    }
  })
}

/// tokio's `async_io`: waits for `interest` readiness and calls `f` as `tryIo` does, again
/// until `f` does not block. Each retry goes back through the event loop first (as tokio's
/// co-op budget makes a task yield), so a closure that keeps blocking on a socket whose
/// readiness never clears (a peer that shut down) cannot starve timers or an abort.
pub fn async_io(
  env: &Env,
  h: Handle,
  interest: Unknown<'_>,
  f: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  bridge::spawn_then(env, opts.as_ref(), Some(h), || {
    let interest = single_interest_arg(js, raw(&interest))?;
    let f = Callback::new(js, js.function_arg(raw(&f), "f")?)?;
    let (core, closed) = registry::core(h.id)?;
    let fut = async move {
      loop {
        core
          .io
          .ready(interest)
          .await
          .map_err(io_err("epoll_wait"))?;
        match try_io_once(js, &core, interest, f.value()?) {
          Err(e) if e.kind() == Some(io::ErrorKind::WouldBlock) => YieldOnce(false).await,
          outcome => return outcome,
        }
      }
    };
    Ok(Start::Run(
      Some(closed),
      fut,
      // The value (or exception) comes from the same poll that settles the promise, so it is
      // still live in the current handle scope.
      |js: Js, outcome: NetResult<IoOutcome>| match outcome? {
        IoOutcome::Value(v) => Ok(v),
        IoOutcome::Threw(e) => {
          js.throw_value(e);
          Err(NetError::Pending)
        }
      },
    ))
  })
}

/// The closure of an `asyncIo` call, referenced while the call waits.
struct Callback {
  js: Js,
  f: Option<JsRef>,
}

impl Callback {
  fn new(js: Js, f: sys::napi_value) -> NetResult<Callback> {
    Ok(Callback {
      js,
      f: Some(js.new_ref(f)?),
    })
  }

  fn value(&self) -> NetResult<sys::napi_value> {
    let f = self.f.as_ref().ok_or(NetError::Closed)?;
    Ok(self.js.ref_value(f)?)
  }
}

impl Drop for Callback {
  fn drop(&mut self) {
    // Operations are dropped on the JS thread (see the bridge's task set).
    if let Some(f) = self.f.take() {
      self.js.delete_ref(f);
    }
  }
}

/// Pending once, waking itself: the task goes back through the event loop before it goes on.
struct YieldOnce(bool);

impl Future for YieldOnce {
  type Output = ();

  fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
    if self.0 {
      return Poll::Ready(());
    }
    self.0 = true;
    cx.waker().wake_by_ref();
    Poll::Pending
  }
}

// ---- helpers for the classes ----

pub fn to_js_class<T: napi::bindgen_prelude::ToNapiValue>(
  js: Js,
  value: T,
) -> NetResult<sys::napi_value> {
  Ok(unsafe { T::to_napi_value(js.raw(), value) }?)
}
