//! `BufReader`: tokio's `tokio::io::BufReader` over a stream or read half. The buffer lives in
//! Rust; only what a call returns crosses into JS.

use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, ready};

use napi::bindgen_prelude::{This, Unknown};
use napi::{Env, sys};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, ReadBuf};
use tokio::sync::Mutex;

use crate::bridge::{self, Handle, Lazy, Promise, Start, sync};
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{HeldRef, Js, raw};
use crate::lines::Lines;
use crate::ops::core_io::CoreIo;
use crate::ops::read::{Target, unexpected_eof};
use crate::ops::turn;
use crate::ops::wrapper::{self, TokioBufReader};
use crate::registry::{self, Direction, Resource};
use crate::stream::take_over;

/// A `BufReader` call's place in line (see `Turn`).
pub(crate) type ReaderTurn = turn::Turn<TokioBufReader>;

/// What a `BufReader` entry of the registry holds.
pub(crate) type ReaderState = wrapper::Wrapped<TokioBufReader>;

/// tokio's `BufReader` over a connection taken over from a stream or read half; calls run one at
/// a time in call order, and the sync members throw `ResourceBusy` while one runs.
#[napi]
pub struct BufReader {
  pub(crate) id: u64,
  /// The object handed in, which keeps a borrowed half's stream alive.
  kept: HeldRef,
}

drop_releases_handle!(BufReader);
ref_methods!(BufReader);

const READER: &str = "an instance of TcpStream, ReadHalf or OwnedReadHalf";
const BUSY: &str = "a call on this BufReader is still in progress";

fn reader_state(id: u64) -> NetResult<(Rc<ReaderState>, tokio_util::sync::CancellationToken)> {
  let (state, _, closed) = registry::buffered::<ReaderState>(id)?;
  Ok((state, closed))
}

/// Runs a call of `BufReader` `h` that needs the reader to itself: `op` gets it, locked.
fn reader_call<T, F>(
  env: &Env,
  h: Handle,
  opts: Option<Unknown<'_>>,
  op: impl FnOnce(ReaderTurn) -> F,
) -> napi::Result<Promise>
where
  T: bridge::IntoJs,
  F: std::future::Future<Output = NetResult<T>> + 'static,
{
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let (state, closed) = reader_state(h.id)?;
    Ok((Some(closed), op(ReaderTurn::take(state))))
  })
}

#[napi]
impl BufReader {
  /// Takes `reader`'s registry entry over (the old object is closed); 8 KiB by default.
  #[napi(constructor)]
  pub fn new(env: Env, reader: Unknown<'_>, capacity: Option<Unknown<'_>>) -> napi::Result<Self> {
    sync(&env, |js| {
      let capacity = wrapper::capacity_arg(js, capacity.as_ref())?;
      let (taken, kept) =
        take_over::take_over(js, raw(&reader), "reader", READER, Direction::Read)?;
      let state = ReaderState {
        io: Mutex::new(TokioBufReader::with_capacity(
          capacity,
          CoreIo::new(taken.core.clone()),
        )),
        core: taken.core.clone(),
        capacity,
      };
      let id = wrapper::insert_wrapper(state, &taken);
      Ok(BufReader { id, kept })
    })
  }

  /// `AsyncReadExt::read` on the `BufReader`.
  #[napi(ts_return_type = "Promise<number>")]
  pub fn read(
    &self,
    env: Env,
    this: This<'_>,
    buf: Unknown<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    self.read_into(&env, &this, buf, options, false)
  }

  /// `AsyncReadExt::read_exact`; not cancel safe.
  #[napi(ts_return_type = "Promise<number>")]
  pub fn read_exact(
    &self,
    env: Env,
    this: This<'_>,
    buf: Unknown<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    self.read_into(&env, &this, buf, options, true)
  }

  /// `AsyncBufReadExt::read_line` into a string; a non-UTF-8 or over-long line is consumed, then
  /// rejected.
  #[napi(ts_return_type = "Promise<string>")]
  pub fn read_line(
    &self,
    env: Env,
    this: This<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    reader_call(
      &env,
      Handle::of(self.id, &this),
      options,
      |mut turn| async move {
        let mut reader = turn.lock().await;
        let mut line = String::new();
        reader.read_line(&mut line).await.syscall("read")?;
        Ok(Lazy(move |js: Js| js.text(&line)))
      },
    )
  }

  /// `AsyncBufReadExt::read_until` into a fresh `Vec`, handed to JS as a `Buffer`.
  #[napi(ts_return_type = "Promise<Buffer>")]
  pub fn read_until(
    &self,
    env: Env,
    this: This<'_>,
    byte: Unknown<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    let js = Js::new(env.raw());
    let delimiter = js.uint_arg(raw(&byte), "byte", 255.0);
    reader_call(
      &env,
      Handle::of(self.id, &this),
      options,
      |mut turn| async move {
        let delimiter = delimiter? as u8;
        let mut reader = turn.lock().await;
        let mut out = Vec::new();
        reader
          .read_until(delimiter, &mut out)
          .await
          .syscall("read")?;
        Ok(out)
      },
    )
  }

  /// `AsyncBufRead::poll_fill_buf`; the bytes stay buffered until `consume`.
  #[napi(ts_return_type = "Promise<Buffer>")]
  pub fn fill_buf(
    &self,
    env: Env,
    this: This<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    reader_call(
      &env,
      Handle::of(self.id, &this),
      options,
      |mut turn| async move {
        let mut reader = turn.lock().await;
        let filled = reader.fill_buf().await.syscall("read")?;
        Ok(filled.to_vec())
      },
    )
  }

  /// `AsyncBufRead::consume`, clamped to what is buffered.
  #[napi]
  pub fn consume(&self, env: Env, n: Unknown<'_>) -> napi::Result<()> {
    sync(&env, |js| {
      let n = js.uint_arg(raw(&n), "n", 2f64.powi(53) - 1.0)?;
      let (state, _) = reader_state(self.id)?;
      let mut reader = state.io.try_lock().map_err(|_| NetError::busy(BUSY))?;
      Pin::new(&mut *reader).consume(usize::try_from(n).unwrap_or(usize::MAX));
      Ok(())
    })
  }

  /// Copies `BufReader::buffer()` out.
  #[napi(ts_return_type = "Buffer")]
  pub fn buffer(&self, env: Env) -> napi::Result<sys::napi_value> {
    sync(&env, |js| {
      let (state, _) = reader_state(self.id)?;
      let reader = state.io.try_lock().map_err(|_| NetError::busy(BUSY))?;
      Ok(js.buffer_copy(reader.buffer())?)
    })
  }

  /// `BufReader::capacity()`.
  #[napi]
  pub fn capacity(&self, env: Env) -> napi::Result<u32> {
    sync(&env, |_| {
      let (state, _) = reader_state(self.id)?;
      Ok(state.capacity.min(u32::MAX as usize) as u32)
    })
  }

  /// Moves this reader's state, buffered bytes included, into a new [`Lines`] entry; this object is
  /// closed.
  #[napi]
  pub fn lines(&self, env: Env) -> napi::Result<Lines> {
    sync(&env, |js| {
      let (state, kind, _) = registry::buffered::<ReaderState>(self.id)?;
      if Rc::strong_count(&state) > 2 {
        return Err(NetError::busy(BUSY));
      }
      drop(state);
      let (parent, _) = registry::parent_and_kind(self.id)?;
      let refed = registry::is_refed(self.id);
      let Resource::Buffered(wrapper, _) = registry::take(self.id)? else {
        return Err(NetError::WrongKind {
          expected: "a BufReader",
        });
      };
      let wrapper: Rc<dyn std::any::Any> = wrapper;
      let state = wrapper
        .downcast::<ReaderState>()
        .ok()
        .and_then(|rc| Rc::try_unwrap(rc).ok())
        .ok_or_else(|| NetError::busy(BUSY))?;
      let kept = HeldRef::new(js, self.kept.value()?)?;
      Ok(Lines::over(
        state.io.into_inner(),
        kind,
        parent,
        refed,
        kept,
      ))
    })
  }

  /// Gives the inner connection back as a new object of its original kind, dropping buffered bytes;
  /// `ResourceBusy` while a call holds the state.
  #[napi(ts_return_type = "TcpStream | ReadHalf | OwnedReadHalf")]
  #[allow(
    clippy::wrong_self_convention,
    reason = "consumes the registry entry, not the JS object"
  )]
  pub fn into_inner(&self, env: Env) -> napi::Result<sys::napi_value> {
    sync(&env, |js| {
      let (state, _) = reader_state(self.id)?;
      // The table's reference and this one: any other is a call still running.
      if Rc::strong_count(&state) > 2 {
        return Err(NetError::busy(BUSY));
      }
      let core = state.core.clone();
      drop(state);
      take_over::give_back(js, self.id, core, Some(&self.kept))
    })
  }

  /// Closes the registry entry and the connection under it.
  #[napi(catch_unwind)]
  pub fn close(&self) {
    registry::close(self.id);
  }
}

impl BufReader {
  fn read_into(
    &self,
    env: &Env,
    this: &This<'_>,
    buf: Unknown<'_>,
    options: Option<Unknown<'_>>,
    exact: bool,
  ) -> napi::Result<Promise> {
    let js = Js::new(env.raw());
    bridge::spawn_then(
      env,
      options.as_ref(),
      Some(Handle::of(self.id, this)),
      || {
        // SAFETY: the slice is only measured here, on the JS thread, during this call.
        let len = unsafe { js.bytes_mut(raw(&buf), "buf")? }.len();
        let (state, closed) = reader_state(self.id)?;
        if len == 0 {
          return Ok(Start::Done(js.number(0.0)?));
        }
        let target = Target::new(js, raw(&buf))?;
        let mut turn = ReaderTurn::take(state);
        let fut = async move {
          let mut reader = turn.lock().await;
          let mut filled = 0;
          poll_fn(|cx| {
            loop {
              // SAFETY: polled on the JS thread; the slice is dropped before this poll returns.
              let dest = unsafe { target.bytes()? };
              if dest.len() < filled {
                return Poll::Ready(Err(NetError::BufferDetached));
              }
              if dest.len() == filled {
                return Poll::Ready(Ok(filled));
              }
              let mut read_buf = ReadBuf::new(&mut dest[filled..]);
              ready!(Pin::new(&mut *reader).poll_read(cx, &mut read_buf)).syscall("read")?;
              let n = read_buf.filled().len();
              if n == 0 && exact {
                return Poll::Ready(Err(unexpected_eof()));
              }
              filled += n;
              if !exact || n == 0 {
                return Poll::Ready(Ok(filled));
              }
            }
          })
          .await
        };
        Ok(Start::Run(
          Some(closed),
          fut,
          |js: Js, outcome: NetResult<usize>| Ok(js.number(outcome? as f64)?),
        ))
      },
    )
  }
}

/// The reader of a `BufReader` object, for `copyBuf` and `copy`.
pub(crate) fn reader_of(js: Js, value: sys::napi_value) -> Option<u64> {
  js.with_instance(value, |r: &BufReader| r.id)
}

pub(crate) fn state_of(
  id: u64,
) -> NetResult<(Rc<ReaderState>, tokio_util::sync::CancellationToken)> {
  reader_state(id)
}
