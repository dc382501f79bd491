//! The write side: `tryWrite*`, `write`, `writeAll`, `writeVectored`, `pollWrite*`, `flush`,
//! `shutdown`, and the macro that declares them on every class that writes.

use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::sync::Arc;

use napi::bindgen_prelude::Unknown;
use napi::{Env, sys};

use crate::bridge::{self, Handle, Promise, Start, sync};
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{Js, raw};
use crate::registry::{self, Core};

use super::{Attempt, Count};

/// The write side: `writable`, `tryWrite*`, `write`, `writeAll`, `writeVectored`, `flush`,
/// `shutdown`.
macro_rules! write_methods {
  ($ty:ident) => {
    #[napi]
    impl $ty {
      /// `TcpStream::writable`.
      #[napi(ts_return_type = "Promise<void>")]
      pub fn writable(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::writable(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }

      /// `TcpStream::try_write`.
      #[napi]
      pub fn try_write(&self, env: Env, buf: Unknown<'_>) -> napi::Result<f64> {
        $crate::ops::try_write(&env, self.id, buf)
      }

      /// `TcpStream::try_write_vectored` (`writev`).
      #[napi]
      pub fn try_write_vectored(&self, env: Env, bufs: Unknown<'_>) -> napi::Result<f64> {
        $crate::ops::try_write_vectored(&env, self.id, bufs)
      }

      /// `AsyncWriteExt::write`: writes in the call what the socket takes; copies the rest to wait
      /// in call order.
      #[napi(ts_return_type = "Promise<number>")]
      pub fn write(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::write(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// `AsyncWriteExt::write_all`; not cancel safe.
      #[napi(ts_return_type = "Promise<void>")]
      pub fn write_all(
        &self,
        env: Env,
        this: This<'_>,
        buf: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::write_all(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          buf,
          options,
        )
      }

      /// `AsyncWriteExt::write_vectored`, one `writev`.
      #[napi(ts_return_type = "Promise<number>")]
      pub fn write_vectored(
        &self,
        env: Env,
        this: This<'_>,
        bufs: Unknown<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::write_vectored(
          &env,
          $crate::bridge::Handle::of(self.id, &this),
          bufs,
          options,
        )
      }

      /// No-op for TCP; settles after the writes queued before it.
      #[napi(ts_return_type = "Promise<void>")]
      pub fn flush(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::flush(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }

      /// `AsyncWriteExt::shutdown` after the writes queued before it; idempotent.
      #[napi(ts_return_type = "Promise<void>")]
      pub fn shutdown(
        &self,
        env: Env,
        this: This<'_>,
        options: Option<Unknown<'_>>,
      ) -> napi::Result<$crate::bridge::Promise> {
        $crate::ops::shutdown(&env, $crate::bridge::Handle::of(self.id, &this), options)
      }
    }
  };
}

pub fn try_write(env: &Env, id: u64, buf: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    // SAFETY: the slice is used within this call, on the JS thread, before control returns to JS.
    let data = unsafe { js.bytes(raw(&buf), "buf")? };
    let (core, _) = registry::core(id)?;
    Ok(core.io.try_write(data).syscall("write")? as Count)
  })
}

pub fn try_write_vectored(env: &Env, id: u64, bufs: Unknown<'_>) -> napi::Result<Count> {
  sync(env, |js| {
    // SAFETY: the slice is used within this call, on the JS thread, before control returns to JS.
    let data = unsafe { js.bytes_list(raw(&bufs), "bufs")? };
    let (core, _) = registry::core(id)?;
    let slices: Vec<IoSlice<'_>> = data.iter().map(|d| IoSlice::new(d)).collect();
    Ok(core.io.try_write_vectored(&slices).syscall("writev")? as Count)
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
      // SAFETY: the slice is used within this call, on the JS thread, before control returns to JS.
      unsafe { js.bytes_list(raw(&bufs), "bufs")? }
    } else {
      // SAFETY: the slice is used within this call, on the JS thread, before control returns to JS.
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
    core.io.writable().await.syscall("write")?;
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
    core.io.writable().await.syscall("writev")?;
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
