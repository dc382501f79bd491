//! The I/O operations a stream shares with its halves and views, written once.
//!
//! Class methods (`TcpStream`, `ReadHalf`, `OwnedReadHalf`, ...) are thin: they pass their
//! registry id here. Reads and writes go through readiness plus `try_*`, which is how tokio's own
//! `AsyncRead`/`AsyncWrite` impls work, so every operation needs only `&TcpStream` and a read
//! and a write can run at once.

use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::Shutdown;
use std::sync::Arc;

use napi::bindgen_prelude::Unknown;
use napi::{Env, sys};
use tokio::io::ReadBuf;

use crate::addr::new_socket_addr;
use crate::bridge::{self, Lazy, Promise, Start, sync};
use crate::bytes_mut::BytesMut;
use crate::errors::{NetError, NetResult};
use crate::interest::{Ready, interest_arg};
use crate::js::{CallError, Js, JsRef, Type, raw};
use crate::registry::{self, Core};

/// The registry id of the handle an async method runs on, and its JS object, which the
/// operation keeps alive until it settles.
#[derive(Clone, Copy)]
pub struct Handle {
  pub id: u64,
  pub this: sys::napi_value,
}

impl Handle {
  pub fn of(id: u64, this: &napi::bindgen_prelude::This<'_>) -> Handle {
    use napi::JsValue;
    Handle {
      id,
      this: this.object.raw(),
    }
  }
}

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
  bridge::spawn(env, opts.as_ref(), Some(h.this), || {
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
  bridge::spawn(env, opts.as_ref(), Some(h.this), || {
    let (core, closed) = registry::core(h.id)?;
    Ok((Some(closed), async move {
      core.io.readable().await.map_err(io_err("epoll_wait"))
    }))
  })
}

pub fn writable(env: &Env, h: Handle, opts: Option<Unknown<'_>>) -> napi::Result<Promise> {
  bridge::spawn(env, opts.as_ref(), Some(h.this), || {
    let (core, closed) = registry::core(h.id)?;
    Ok((Some(closed), async move {
      core.io.writable().await.map_err(io_err("epoll_wait"))
    }))
  })
}

pub fn poll_read_ready(env: &Env, h: Handle) -> napi::Result<Promise> {
  bridge::spawn(env, None, Some(h.this), || {
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
  bridge::spawn(env, None, Some(h.this), || {
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
    let target = unsafe { js.bytes(raw(&buf), "buf")? };
    let (core, _) = registry::core(id)?;
    Ok(core.io.try_read(target).map_err(io_err("read"))? as Count)
  })
}

pub fn try_read_vectored(env: &Env, id: u64, bufs: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    let mut targets = unsafe { js.bytes_list(raw(&bufs), "bufs")? };
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
      .with_instance(raw(&buf), |target: &mut BytesMut| {
        core.io.try_read_buf(&mut target.inner)
      })
      .ok_or_else(|| NetError::arg_type("buf", "an instance of BytesMut"))?;
    Ok(read.map_err(io_err("read"))? as Count)
  })
}

/// How far a read got on the JS thread, without waiting.
enum Attempt {
  /// The operation is complete: this many bytes are in the caller's buffer.
  Complete(usize),
  /// The socket had no more for now: this many bytes are in, the rest must wait.
  Partial(usize),
}

/// The fast path of `read` and `readExact`: read straight into the caller's memory on the JS
/// thread while the socket has data.
fn read_now(core: &Core, dest: &mut [u8], op: ReadOp) -> NetResult<Attempt> {
  let mut filled = 0;
  loop {
    match core.io.try_read(&mut dest[filled..]) {
      Ok(0) if matches!(op, ReadOp::Exact) && filled < dest.len() => {
        return Err(unexpected_eof());
      }
      Ok(n) => filled += n,
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Attempt::Partial(filled)),
      Err(e) => return Err(NetError::io(e, "read")),
    }
    if matches!(op, ReadOp::Some) || filled == dest.len() {
      return Ok(Attempt::Complete(filled));
    }
  }
}

/// Reads what the fast path could not on the runtime, into a Rust buffer, then copies it into
/// the caller's `Uint8Array` on the JS thread, so JS memory is never touched from another thread.
fn read_into(
  env: &Env,
  h: Handle,
  buf: Unknown<'_>,
  opts: Option<Unknown<'_>>,
  op: ReadOp,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  bridge::spawn_then(env, opts.as_ref(), Some(h.this), || {
    let dest = unsafe { js.bytes(raw(&buf), "buf")? };
    let (core, closed) = registry::core(h.id)?;
    let mut offset = 0;
    if matches!(op, ReadOp::Some | ReadOp::Exact) && !dest.is_empty() && core.read_order.is_idle() {
      match read_now(&core, dest, op)? {
        Attempt::Complete(n) => return Ok(Start::Done(js.number(n as f64)?)),
        Attempt::Partial(n) => offset = n,
      }
    }
    let len = dest.len() - offset;
    let target = js.new_ref(raw(&buf))?;
    let mut turn = match op {
      ReadOp::Some | ReadOp::Exact => Some(core.read_order.ticket()),
      ReadOp::PollPeek => Some(core.read_poll.ticket()),
      ReadOp::Peek => None,
    };
    let fut = async move {
      if let Some(turn) = turn.as_mut() {
        turn.wait().await;
      }
      let mut data = vec![0u8; len];
      let n = match op {
        ReadOp::Some => read_some(&core, &mut data).await?,
        ReadOp::Exact => fill(&core, &mut data).await?,
        ReadOp::Peek => core.io.peek(&mut data).await.map_err(io_err("recv"))?,
        ReadOp::PollPeek => poll_fn(|cx| {
          let mut read_buf = ReadBuf::new(&mut data);
          core
            .io
            .poll_peek(cx, &mut read_buf)
            .map_ok(|_| read_buf.filled().len())
        })
        .await
        .map_err(io_err("recv"))?,
      };
      data.truncate(n);
      Ok(data)
    };
    Ok(Start::Run(
      Some(closed),
      fut,
      move |js: Js, outcome: NetResult<Vec<u8>>| copy_back(js, target, offset, outcome),
    ))
  })
}

#[derive(Clone, Copy)]
enum ReadOp {
  Some,
  Exact,
  Peek,
  PollPeek,
}

/// Copies what the runtime read into the caller's buffer after the `offset` bytes the fast path
/// already put there; resolves with the total.
fn copy_back(
  js: Js,
  target: JsRef,
  offset: usize,
  outcome: NetResult<Vec<u8>>,
) -> NetResult<sys::napi_value> {
  let target = js.take_ref(target)?;
  let data = outcome?;
  let dest = unsafe { js.bytes(target, "buf")? };
  let dest = dest.get_mut(offset..).unwrap_or_default();
  let n = data.len().min(dest.len());
  dest[..n].copy_from_slice(&data[..n]);
  Ok(js.number((offset + n) as f64)?)
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
  bridge::spawn(env, opts.as_ref(), Some(h.this), || {
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

async fn fill(core: &Core, buf: &mut [u8]) -> NetResult<usize> {
  let mut filled = 0;
  while filled < buf.len() {
    let n = read_some(core, &mut buf[filled..]).await?;
    if n == 0 {
      return Err(unexpected_eof());
    }
    filled += n;
  }
  Ok(filled)
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
fn write_now(core: &Core, chunks: &[&mut [u8]], op: WriteOp) -> NetResult<Attempt> {
  let vectored = matches!(op, WriteOp::Vectored | WriteOp::PollVectored);
  if vectored {
    let slices: Vec<IoSlice<'_>> = chunks.iter().map(|c| IoSlice::new(c)).collect();
    return match core.io.try_write_vectored(&slices) {
      Ok(n) => Ok(Attempt::Complete(n)),
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Attempt::Partial(0)),
      Err(e) => Err(NetError::io(e, "writev")),
    };
  }
  let data = &chunks[0][..];
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
/// on the JS thread (so the caller may reuse its buffer) and writes it on the runtime.
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
  bridge::spawn_then(env, opts.as_ref(), Some(h.this), || {
    let vectored = matches!(op, WriteOp::Vectored | WriteOp::PollVectored);
    let chunks: Vec<&mut [u8]> = if vectored {
      unsafe { js.bytes_list(raw(&bufs), "bufs")? }
    } else {
      vec![unsafe { js.bytes(raw(&bufs), "buf")? }]
    };
    let (core, closed) = registry::core(h.id)?;
    let queue = match op {
      WriteOp::Poll | WriteOp::PollVectored => &core.write_poll,
      _ => &core.write_order,
    };
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
  bridge::spawn(env, opts.as_ref(), Some(h.this), || {
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
  bridge::spawn(env, opts.as_ref(), Some(h.this), || {
    let (core, closed) = registry::core(h.id)?;
    let mut turn = core.write_order.ticket();
    Ok((Some(closed), async move {
      turn.wait().await;
      shutdown_write(&core)
    }))
  })
}

fn shutdown_write(core: &Arc<Core>) -> NetResult<()> {
  match socket2::SockRef::from(&core.io).shutdown(Shutdown::Write) {
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
    let interest = interest_arg(js, raw(&interest))?;
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

pub fn async_io(
  env: &Env,
  h: Handle,
  interest: Unknown<'_>,
  f: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  let (promise, pending) = bridge::begin(env, opts.as_ref())?;
  let Ok(mut pending) = pending else {
    return Ok(promise);
  };
  if let Err(err) = pending.keep_alive(js, Some(h.this)) {
    pending.settle(js, Err(err));
    return Ok(promise);
  }
  let start = || -> NetResult<_> {
    let interest = interest_arg(js, raw(&interest))?;
    let f = js.function_arg(raw(&f), "f")?;
    let (core, closed) = registry::core(h.id)?;
    Ok((interest, js.new_ref(f)?, core, closed))
  };
  match start() {
    Ok((interest, f, core, closed)) => async_io_step(pending, interest, f, core, closed),
    Err(err) => pending.settle(js, Err(err)),
  }
  Ok(promise)
}

/// One round of tokio's `async_io` loop: wait for readiness, call `f`; on WouldBlock, again.
fn async_io_step(
  pending: bridge::Pending,
  interest: tokio::io::Interest,
  f: JsRef,
  core: Arc<Core>,
  closed: tokio_util::sync::CancellationToken,
) {
  let waiter = core.clone();
  let fut = async move {
    waiter
      .io
      .ready(interest)
      .await
      .map_err(io_err("epoll_wait"))?;
    Ok(())
  };
  let token = closed.clone();
  bridge::run(pending, Some(closed), fut, move |js, outcome, pending| {
    let step = outcome.and_then(|()| {
      let func = js.ref_value(&f)?;
      try_io_once(js, &core, interest, func)
    });
    match step {
      Err(e) if e.kind() == Some(io::ErrorKind::WouldBlock) => {
        async_io_step(pending, interest, f, core, token)
      }
      Ok(IoOutcome::Value(v)) => {
        let _ = js.take_ref(f);
        pending.settle(js, Ok(v))
      }
      Ok(IoOutcome::Threw(e)) => {
        let _ = js.take_ref(f);
        js.throw_value(e);
        pending.settle(js, Err(NetError::Pending))
      }
      Err(e) => {
        let _ = js.take_ref(f);
        pending.settle(js, Err(e))
      }
    }
  });
}

// ---- helpers for the classes ----

pub fn to_js_class<T: napi::bindgen_prelude::ToNapiValue>(
  js: Js,
  value: T,
) -> NetResult<sys::napi_value> {
  Ok(unsafe { T::to_napi_value(js.raw(), value) }?)
}
