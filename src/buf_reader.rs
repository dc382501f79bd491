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

/// tokio's `BufReader`: reads from a `TcpStream`, `ReadHalf` or `OwnedReadHalf` in large,
/// infrequent reads into a buffer held in Rust (8 KiB unless `capacity` says otherwise), and
/// serves `read`, `readLine`, `readUntil`, `lines()` and `fillBuf` from it.
///
/// `new BufReader(reader)` takes `reader` over, as `BufReader::new(reader)` moves it in Rust:
/// the object passed in is closed from then on (its pending operations reject with
/// `ERR_HANDLE_CLOSED`), and `intoInner()` gives it back as a new object. Calls are served one at
/// a time, in call order. The sync members (`buffer()`, `consume()`, `lines()`, `intoInner()`)
/// throw `kind: 'ResourceBusy'` while a call is running, where Rust's borrow checker would refuse
/// them. `close()` (or collection) closes the socket, or the half.
///
/// @example
/// ```ts
/// import { EOL } from 'node:os'
/// import { BufReader, TcpStream } from 'tokio-net'
///
/// const stream = await TcpStream.connect('127.0.0.1:8080')
/// const [readHalf, writeHalf] = stream.intoSplit()
/// await writeHalf.writeAll(Buffer.from('PING' + EOL))
/// using reader = new BufReader(readHalf)
/// const line = await reader.readLine() // the reply, line ending included; '' at end of stream
/// console.log(line.trimEnd())
/// ```
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
  /// Wraps `reader` (a `TcpStream`, `ReadHalf` or `OwnedReadHalf`) with a buffer of `capacity`
  /// bytes (default 8 KiB, tokio's). `reader` is taken over: using it afterwards throws
  /// `ERR_HANDLE_CLOSED`.
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

  /// Reads into `buf`: from the buffer if it holds anything, else from the socket (straight into
  /// `buf` when `buf` is at least as large as the buffer, as tokio does). Resolves with the
  /// count, 0 at end of stream (or for an empty `buf`).
  ///
  /// Cancel safety: cancel safe. If aborted, no data was read.
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

  /// Fills `buf` completely, from the buffer first; rejects with `kind: 'UnexpectedEof'` if the
  /// stream ends first. Resolves with `buf.length`.
  ///
  /// Cancel safety: not cancel safe. If aborted, some bytes may already be in `buf` and gone
  /// from the reader.
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

  /// Reads up to and including the next line feed (LF) and resolves with that line as a string (the line
  /// ending kept, as tokio's `read_line` keeps it); `''` at end of stream. A line that is not
  /// UTF-8 rejects with `kind: 'InvalidData'`.
  ///
  /// A line longer than a JS string can be (`buffer.constants.MAX_STRING_LENGTH`: 2**29 - 24
  /// bytes of UTF-8, about 512 MiB, on 64-bit systems) rejects with `code: 'ERR_STRING_TOO_LONG'`
  /// (`kind: 'InvalidData'`) once it has been read to its end; the message gives its length.
  /// Both failures consume the line: the next call reads the one after it. Where lines may be
  /// that long, read them with `readUntil(0x0a)`, which resolves with a `Buffer`.
  ///
  /// Cancel safety: not cancel safe. If aborted, the part of a line read so far is lost; use
  /// `lines()`, whose `nextLine` is cancel safe.
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

  /// Reads up to and including the next `byte` (0-255), or to the end of the stream, and resolves
  /// with those bytes; an empty `Buffer` at end of stream.
  ///
  /// Cancel safety: not cancel safe. If aborted, the bytes read so far are lost (in Rust they
  /// would be left in the caller's `Vec`).
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

  /// Returns the buffered bytes, reading from the socket first if the buffer is empty; an empty
  /// `Buffer` at end of stream. The bytes stay buffered until `consume(n)`.
  ///
  /// Cancel safety: cancel safe.
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

  /// Marks `n` buffered bytes as read, so `fillBuf` and reads no longer return them. `n` beyond
  /// what is buffered consumes all of it (tokio clamps too).
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

  /// A copy of the bytes buffered and not yet read (tokio's `buffer()`).
  #[napi(ts_return_type = "Buffer")]
  pub fn buffer(&self, env: Env) -> napi::Result<sys::napi_value> {
    sync(&env, |js| {
      let (state, _) = reader_state(self.id)?;
      let reader = state.io.try_lock().map_err(|_| NetError::busy(BUSY))?;
      Ok(js.buffer_copy(reader.buffer())?)
    })
  }

  /// The size of the buffer in bytes.
  #[napi]
  pub fn capacity(&self, env: Env) -> napi::Result<u32> {
    sync(&env, |_| {
      let (state, _) = reader_state(self.id)?;
      Ok(state.capacity.min(u32::MAX as usize) as u32)
    })
  }

  /// Turns this reader into its lines: an async iterator of strings without the line ending,
  /// ending at end of stream (`for await (const line of reader.lines())`). This `BufReader` is
  /// consumed, as `lines(self)` consumes it in Rust; bytes it had buffered are kept.
  ///
  /// @example
  /// ```ts
  /// import { BufReader, TcpStream } from 'tokio-net'
  ///
  /// const stream = await TcpStream.connect('127.0.0.1:8080')
  /// for await (const line of new BufReader(stream).lines()) {
  ///   console.log(line)
  /// }
  /// ```
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

  /// Gives the stream or half back as a new object of its kind, consuming this reader. As in
  /// tokio, bytes still buffered are lost: read them (`buffer()`) first if they matter. Throws
  /// `kind: 'ResourceBusy'` while a call is running.
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

  /// Closes the reader and the stream or half under it; pending calls reject with
  /// `ERR_HANDLE_CLOSED`. Closing twice is a no-op.
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
