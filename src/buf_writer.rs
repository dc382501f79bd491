//! `BufWriter`: tokio's `tokio::io::BufWriter` over a stream or write half. Small writes are
//! gathered in a buffer held in Rust and go out in large writes.

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use napi::bindgen_prelude::{This, Unknown};
use napi::{Env, sys};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

use crate::bridge::{self, Handle, Promise, Start, sync};
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{HeldRef, Js, raw};
use crate::ops::core_io::CoreIo;
use crate::ops::{turn, wrapper};
use crate::registry::{self, Direction};
use crate::stream::take_over;

type TokioBufWriter = tokio::io::BufWriter<CoreIo>;

/// A `BufWriter` call's place in line (see `Turn`).
pub(crate) type WriterTurn = turn::Turn<TokioBufWriter>;

/// What a `BufWriter` entry of the registry holds.
pub(crate) type WriterState = wrapper::Wrapped<TokioBufWriter>;

/// tokio's `BufWriter` over a connection taken over from a stream or write half; calls run one at
/// a time in call order, and the sync members throw `ResourceBusy` while one runs.
#[napi]
pub struct BufWriter {
  pub(crate) id: u64,
  /// The object handed in, which keeps a borrowed half's stream alive.
  kept: HeldRef,
}

drop_releases_handle!(BufWriter);
ref_methods!(BufWriter);

const WRITER: &str = "an instance of TcpStream, WriteHalf or OwnedWriteHalf";
const BUSY: &str = "a call on this BufWriter is still in progress";

fn writer_state(id: u64) -> NetResult<(Rc<WriterState>, tokio_util::sync::CancellationToken)> {
  let (state, _, closed) = registry::buffered::<WriterState>(id)?;
  Ok((state, closed))
}

/// How much of `data` a write takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Amount {
  /// What `write` takes: as much as fits or goes out in one go.
  Some,
  /// `writeAll`: everything.
  All,
}

#[napi]
impl BufWriter {
  /// Takes `writer`'s registry entry over (the old object is closed); 8 KiB by default.
  #[napi(constructor)]
  pub fn new(env: Env, writer: Unknown<'_>, capacity: Option<Unknown<'_>>) -> napi::Result<Self> {
    sync(&env, |js| {
      let capacity = wrapper::capacity_arg(js, capacity.as_ref())?;
      let (taken, kept) =
        take_over::take_over(js, raw(&writer), "writer", WRITER, Direction::Write)?;
      let state = WriterState {
        io: Mutex::new(TokioBufWriter::with_capacity(
          capacity,
          CoreIo::new(taken.core.clone()),
        )),
        core: taken.core.clone(),
        capacity,
      };
      let id = wrapper::insert_wrapper(state, &taken);
      Ok(BufWriter { id, kept })
    })
  }

  /// `AsyncWriteExt::write` on the `BufWriter`; `buf` is copied in the call.
  #[napi(ts_return_type = "Promise<number>")]
  pub fn write(
    &self,
    env: Env,
    this: This<'_>,
    buf: Unknown<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    self.write_from(&env, &this, buf, options, Amount::Some)
  }

  /// `AsyncWriteExt::write_all`; not cancel safe.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn write_all(
    &self,
    env: Env,
    this: This<'_>,
    buf: Unknown<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    self.write_from(&env, &this, buf, options, Amount::All)
  }

  /// `AsyncWriteExt::flush`; what is not written out stays buffered.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn flush(
    &self,
    env: Env,
    this: This<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    bridge::spawn(
      &env,
      options.as_ref(),
      Some(Handle::of(self.id, &this)),
      || {
        let (state, closed) = writer_state(self.id)?;
        let mut turn = WriterTurn::take(state);
        Ok((Some(closed), async move {
          turn.lock().await.flush().await.syscall("write")
        }))
      },
    )
  }

  /// `AsyncWriteExt::shutdown`: flushes, then shuts the write direction down.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn shutdown(
    &self,
    env: Env,
    this: This<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    bridge::spawn(
      &env,
      options.as_ref(),
      Some(Handle::of(self.id, &this)),
      || {
        let (state, closed) = writer_state(self.id)?;
        let mut turn = WriterTurn::take(state);
        Ok((Some(closed), async move {
          turn.lock().await.shutdown().await.syscall("shutdown")
        }))
      },
    )
  }

  /// Copies `BufWriter::buffer()` out; `ResourceBusy` while a call holds the state.
  #[napi(ts_return_type = "Buffer")]
  pub fn buffer(&self, env: Env) -> napi::Result<sys::napi_value> {
    sync(&env, |js| {
      let (state, _) = writer_state(self.id)?;
      let writer = state.io.try_lock().map_err(|_| NetError::busy(BUSY))?;
      Ok(js.buffer_copy(writer.buffer())?)
    })
  }

  /// `BufWriter::capacity()`.
  #[napi]
  pub fn capacity(&self, env: Env) -> napi::Result<u32> {
    sync(&env, |_| {
      let (state, _) = writer_state(self.id)?;
      Ok(state.capacity.min(u32::MAX as usize) as u32)
    })
  }

  /// Gives the inner connection back as a new object of its original kind, dropping buffered bytes;
  /// `ResourceBusy` while a call holds the state.
  #[napi(ts_return_type = "TcpStream | WriteHalf | OwnedWriteHalf")]
  #[allow(
    clippy::wrong_self_convention,
    reason = "consumes the registry entry, not the JS object"
  )]
  pub fn into_inner(&self, env: Env) -> napi::Result<sys::napi_value> {
    sync(&env, |js| {
      let (state, _) = writer_state(self.id)?;
      // The table's reference and this one: any other is a call still running.
      if Rc::strong_count(&state) > 2 {
        return Err(NetError::busy(BUSY));
      }
      let core = state.core.clone();
      drop(state);
      take_over::give_back(js, self.id, core, Some(&self.kept))
    })
  }

  /// Closes the registry entry and the connection under it, dropping what is buffered unwritten.
  #[napi(catch_unwind)]
  pub fn close(&self) {
    registry::close(self.id);
  }
}

impl BufWriter {
  fn write_from(
    &self,
    env: &Env,
    this: &This<'_>,
    buf: Unknown<'_>,
    options: Option<Unknown<'_>>,
    amount: Amount,
  ) -> napi::Result<Promise> {
    let js = Js::new(env.raw());
    bridge::spawn_then(
      env,
      options.as_ref(),
      Some(Handle::of(self.id, this)),
      || {
        // SAFETY: the slice is used within this call, on the JS thread, before control returns.
        let data = unsafe { js.bytes(raw(&buf), "buf")? };
        let (state, closed) = writer_state(self.id)?;
        let done = |n: usize| -> NetResult<sys::napi_value> {
          Ok(match amount {
            Amount::Some => js.number(n as f64)?,
            Amount::All => js.undefined()?,
          })
        };
        // The fast path: a write that fits in the buffer of an idle writer is a copy into it. The
        // lock is free only when nobody waits for it, and the queue idle only when no write of the
        // connection waits, so this never jumps the line.
        if state.core.write_order.is_idle()
          && let Ok(mut writer) = state.io.try_lock()
          && (data.is_empty() || writer.buffer().len() + data.len() < state.capacity)
        {
          let mut cx = Context::from_waker(Waker::noop());
          if let Poll::Ready(outcome) = Pin::new(&mut *writer).poll_write(&mut cx, data) {
            return Ok(Start::Done(done(outcome.syscall("write")?)?));
          }
        }
        let data = data.to_vec();
        let mut turn = WriterTurn::take(state);
        let fut = async move {
          let mut writer = turn.lock().await;
          match amount {
            Amount::Some => writer.write(&data).await.syscall("write"),
            Amount::All => writer
              .write_all(&data)
              .await
              .map(|()| data.len())
              .syscall("write"),
          }
        };
        Ok(Start::Run(
          Some(closed),
          fut,
          move |js: Js, outcome: NetResult<usize>| {
            let n = outcome?;
            Ok(match amount {
              Amount::Some => js.number(n as f64)?,
              Amount::All => js.undefined()?,
            })
          },
        ))
      },
    )
  }
}

/// The id of a `BufWriter` object, for `copy`.
pub(crate) fn writer_of(js: Js, value: sys::napi_value) -> Option<u64> {
  js.with_instance(value, |w: &BufWriter| w.id)
}

pub(crate) fn state_of(
  id: u64,
) -> NetResult<(Rc<WriterState>, tokio_util::sync::CancellationToken)> {
  writer_state(id)
}
