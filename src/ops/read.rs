//! The read side: `tryRead*`, `read`, `readExact`, `peek`, `pollPeek`, `readToEnd`, and the
//! macro that declares them on every class that reads.

use std::future::poll_fn;
use std::io::{self, IoSliceMut};
use std::mem::MaybeUninit;
use std::task::Poll;

use napi::bindgen_prelude::Unknown;
use napi::{Env, sys};
use tokio::io::ReadBuf;

use crate::bridge::{self, Handle, Promise, Start, sync};
use crate::bytes_mut::BytesMut;
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{HeldRef, Js, raw};
use crate::ops::core_io::read_draining;
use crate::registry::{self, Core};

use super::{Attempt, Count};

/// The read side: `peek`, `pollPeek`, `readable`, `tryRead*`, `read`, `readExact`, `readToEnd`.
macro_rules! read_methods {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// `TcpStream::peek`.
      #[napi(ts_return_type = "Promise<number>")]
      pub fn peek(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::peek(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// `TcpStream::poll_peek`, settling on `Ready`; concurrent calls settle one after another.
      #[napi(ts_return_type = "Promise<number>")]
      pub fn poll_peek(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::poll_peek(&env, $crate::bridge::Handle::of(self.id, &this), buf)
      }

      /// `TcpStream::readable`.
      #[napi(ts_return_type = "Promise<void>")]
      pub fn readable(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::readable(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }

      /// `TcpStream::try_read`; a short read also clears readiness where it is edge-triggered
      /// (Linux, macOS, FreeBSD), as tokio's `poll_read` does.
      #[napi]
      pub fn try_read(&self, env: Env, buf: Unknown<'_>) -> napi::Result<f64> {
        $crate::ops::try_read(&env, self.id, buf)
      }

      /// `TcpStream::try_read_vectored` (`readv`).
      #[napi]
      pub fn try_read_vectored(&self, env: Env, bufs: Unknown<'_>) -> napi::Result<f64> {
        $crate::ops::try_read_vectored(&env, self.id, bufs)
      }

      /// `TcpStream::try_read_buf` into a [`crate::bytes_mut::BytesMut`].
      #[napi]
      pub fn try_read_buf(&self, env: Env, buf: Unknown<'_>) -> napi::Result<f64> {
        $crate::ops::try_read_buf(&env, self.id, buf)
      }

      /// `AsyncReadExt::read`: settles in the call when bytes are there, else waits in call order.
      #[napi(ts_return_type = "Promise<number>")]
      pub fn read(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::read(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// `AsyncReadExt::read_exact`; not cancel safe.
      #[napi(ts_return_type = "Promise<number>")]
      pub fn read_exact(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::read_exact(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// `AsyncReadExt::read_to_end` into a fresh `Vec`, handed to JS as a `Buffer`.
      #[napi(ts_return_type = "Promise<Buffer>")]
      pub fn read_to_end(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::read_to_end(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }
    }
  };
}

pub fn try_read(env: &Env, id: u64, buf: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    // SAFETY: the slice is used within this call, on the JS thread, before control returns to JS.
    let target = unsafe { js.bytes_mut(raw(&buf), "buf")? };
    let (core, _) = registry::core(id)?;
    Ok(read_draining(&core.io, target).syscall("read")? as Count)
  })
}

pub fn try_read_vectored(env: &Env, id: u64, bufs: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    // SAFETY: the slice is used within this call, on the JS thread, before control returns to JS.
    let mut targets = unsafe { js.bytes_list_mut(raw(&bufs), "bufs")? };
    let (core, _) = registry::core(id)?;
    let mut slices: Vec<IoSliceMut<'_>> = targets.iter_mut().map(|t| IoSliceMut::new(t)).collect();
    Ok(core.io.try_read_vectored(&mut slices).syscall("readv")? as Count)
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
    Ok(read.syscall("read")? as Count)
  })
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
pub(crate) struct Target(HeldRef);

impl Target {
  pub(crate) fn new(js: Js, value: sys::napi_value) -> NetResult<Target> {
    Ok(Target(HeldRef::new(js, value)?))
  }

  /// The buffer's bytes now; `BufferDetached` if nothing is left of it.
  ///
  /// # Safety
  /// Only while the operation is polled (on the JS thread); the slice must be dropped before
  /// the operation awaits again.
  pub(crate) unsafe fn bytes<'a>(&self) -> NetResult<&'a mut [u8]> {
    let value = self.0.value()?;
    // SAFETY: our own contract: called only while the operation is polled on the JS thread.
    let bytes = unsafe { self.0.js().bytes_mut(value, "buf")? };
    if bytes.is_empty() {
      return Err(NetError::BufferDetached);
    }
    Ok(bytes)
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
    // SAFETY: the slice is used within this call, on the JS thread, before control returns to JS.
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
              .map_err(|e| NetError::io(e, "recv"))
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
    core.io.readable().await.syscall("read")?;
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
    core.io.readable().await.syscall("recv")?;
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

pub(crate) fn unexpected_eof() -> NetError {
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
    core.io.readable().await.syscall("read")?;
    match core.io.try_read(buf) {
      Ok(n) => return Ok(n),
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
      Err(e) => return Err(NetError::io(e, "read")),
    }
  }
}
