//! `copy`, `copyBuf` and `copyBidirectional`: tokio's `tokio::io` copies between tokio-net
//! handles. The bytes never leave Rust: no JS runs per chunk.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use napi::bindgen_prelude::Unknown;
use napi::{Env, sys};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::MutexGuard;
use tokio_util::sync::CancellationToken;

use crate::bridge::{self, Handle, Lazy, Promise};
use crate::buf_reader::{self, ReaderTurn};
use crate::buf_writer::{self, WriterTurn};
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{HeldRef, Js, raw};
use crate::ops::core_io::CoreIo;
use crate::queue::Ticket;
use crate::registry::{self, Core, Direction};
use crate::stream::take_over::handle_id;

/// One end of a copy, as found at call time: a plain stream or half (with its place in the
/// call-order queue of the direction used, taken now so the copy runs in call order with the
/// handle's other calls), or a buffered wrapper (locked when the copy starts).
enum End<S> {
  Plain { core: Arc<Core>, order: Ticket },
  Buffered(S),
}

/// An end of a copy with its argument's close token and JS object.
struct Found<S> {
  end: End<S>,
  closed: CancellationToken,
  object: sys::napi_value,
}

fn plain<S>(js: Js, value: sys::napi_value, direction: Direction) -> NetResult<Option<Found<S>>> {
  let Some(id) = handle_id(js, value) else {
    return Ok(None);
  };
  let (core, kind, closed) = registry::conn(id)?;
  if !kind.goes(direction) {
    return Ok(None);
  }
  let order = core.order(direction).ticket();
  Ok(Some(Found {
    end: End::Plain { core, order },
    closed,
    object: value,
  }))
}

const READER: &str = "an instance of TcpStream, ReadHalf, OwnedReadHalf or BufReader";
const WRITER: &str = "an instance of TcpStream, WriteHalf, OwnedWriteHalf or BufWriter";

fn find_reader(js: Js, value: sys::napi_value, name: &str) -> NetResult<Found<ReaderTurn>> {
  if let Some(id) = buf_reader::reader_of(js, value) {
    let (state, closed) = buf_reader::state_of(id)?;
    return Ok(Found {
      end: End::Buffered(ReaderTurn::take(state)),
      closed,
      object: value,
    });
  }
  plain(js, value, Direction::Read)?.ok_or_else(|| NetError::arg_type(name, READER))
}

fn find_writer(js: Js, value: sys::napi_value, name: &str) -> NetResult<Found<WriterTurn>> {
  if let Some(id) = buf_writer::writer_of(js, value) {
    let (state, closed) = buf_writer::state_of(id)?;
    return Ok(Found {
      end: End::Buffered(WriterTurn::take(state)),
      closed,
      object: value,
    });
  }
  plain(js, value, Direction::Write)?.ok_or_else(|| NetError::arg_type(name, WRITER))
}

/// A reading end once it is this copy's turn: tokio's `AsyncRead`.
enum Reading<'a> {
  Plain(CoreIo),
  Buffered(MutexGuard<'a, tokio::io::BufReader<CoreIo>>),
}

/// A writing end once it is this copy's turn: tokio's `AsyncWrite`.
enum Writing<'a> {
  Plain(CoreIo),
  Buffered(MutexGuard<'a, tokio::io::BufWriter<CoreIo>>),
}

impl<'a> End<ReaderTurn> {
  async fn reading(&'a mut self) -> Reading<'a> {
    match self {
      End::Plain { core, order } => {
        order.wait().await;
        Reading::Plain(CoreIo::new(core.clone()))
      }
      End::Buffered(turn) => Reading::Buffered(turn.lock().await),
    }
  }
}

impl<'a> End<WriterTurn> {
  async fn writing(&'a mut self) -> Writing<'a> {
    match self {
      End::Plain { core, order } => {
        order.wait().await;
        Writing::Plain(CoreIo::new(core.clone()))
      }
      End::Buffered(turn) => Writing::Buffered(turn.lock().await),
    }
  }
}

impl AsyncRead for Reading<'_> {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    match self.get_mut() {
      Reading::Plain(io) => Pin::new(io).poll_read(cx, buf),
      Reading::Buffered(reader) => Pin::new(&mut **reader).poll_read(cx, buf),
    }
  }
}

impl AsyncWrite for Writing<'_> {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    match self.get_mut() {
      Writing::Plain(io) => Pin::new(io).poll_write(cx, buf),
      Writing::Buffered(writer) => Pin::new(&mut **writer).poll_write(cx, buf),
    }
  }

  fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    match self.get_mut() {
      Writing::Plain(io) => Pin::new(io).poll_flush(cx),
      Writing::Buffered(writer) => Pin::new(&mut **writer).poll_flush(cx),
    }
  }

  fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    match self.get_mut() {
      Writing::Plain(io) => Pin::new(io).poll_shutdown(cx),
      Writing::Buffered(writer) => Pin::new(&mut **writer).poll_shutdown(cx),
    }
  }
}

/// Runs `copy` until it is done or any of `tokens` is cancelled (checked first): a copy stops
/// when any handle it works on is closed, not only the one the bridge guards.
async fn until_closed<T>(
  copy: impl std::future::Future<Output = NetResult<T>>,
  tokens: Vec<CancellationToken>,
) -> NetResult<T> {
  let mut copy = std::pin::pin!(copy);
  let mut waits: Vec<_> = tokens.iter().map(|t| Box::pin(t.cancelled())).collect();
  std::future::poll_fn(|cx| {
    if waits.iter_mut().any(|w| w.as_mut().poll(cx).is_ready()) {
      return Poll::Ready(Err(NetError::Closed));
    }
    copy.as_mut().poll(cx)
  })
  .await
}

/// What a copy found when it was called: the future, the close tokens of every handle it uses,
/// and their JS objects, kept alive until it settles.
struct Plan<F> {
  copy: F,
  closed: Vec<CancellationToken>,
  objects: Vec<sys::napi_value>,
}

/// Runs a copy as an operation of the handle `on` (for `ref()`/`unref()`); `start` checks the
/// arguments and takes the copy's places in line, at call time.
fn run_copy<T, F>(
  env: &Env,
  options: Option<&Unknown<'_>>,
  on: Option<Handle>,
  start: impl FnOnce(Js) -> NetResult<Plan<F>>,
) -> napi::Result<Promise>
where
  T: bridge::IntoJs,
  F: std::future::Future<Output = NetResult<T>> + 'static,
{
  let js = Js::new(env.raw());
  bridge::spawn(env, options, on, || {
    let plan = start(js)?;
    let kept = plan
      .objects
      .iter()
      .map(|object| HeldRef::new(js, *object))
      .collect::<napi::Result<Vec<_>>>()?;
    let tokens = plan.closed;
    Ok((None, async move {
      let _kept = kept;
      until_closed(plan.copy, tokens).await
    }))
  })
}

/// `tokio::io::copy` between two borrowed entries, holding both's call order until it is done; the
/// bytes stay in Rust.
#[napi(ts_return_type = "Promise<number>")]
pub fn copy(
  env: Env,
  reader: Unknown<'_>,
  writer: Unknown<'_>,
  options: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  copy_between(env, reader, writer, options, false)
}

/// `tokio::io::copy_buf` from a `BufReader`, using its buffer.
#[napi(ts_return_type = "Promise<number>")]
pub fn copy_buf(
  env: Env,
  reader: Unknown<'_>,
  writer: Unknown<'_>,
  options: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  copy_between(env, reader, writer, options, true)
}

fn copy_between(
  env: Env,
  reader: Unknown<'_>,
  writer: Unknown<'_>,
  options: Option<Unknown<'_>>,
  buffered_only: bool,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  let (reader, writer) = (raw(&reader), raw(&writer));
  let on = buf_reader::reader_of(js, reader)
    .or_else(|| handle_id(js, reader))
    .map(|id| Handle { id, this: reader });
  run_copy(&env, options.as_ref(), on, |js| {
    if buffered_only && buf_reader::reader_of(js, reader).is_none() {
      return Err(NetError::arg_type("reader", "an instance of BufReader"));
    }
    let mut from = find_reader(js, reader, "reader")?;
    let mut to = find_writer(js, writer, "writer")?;
    Ok(Plan {
      closed: vec![from.closed.clone(), to.closed.clone()],
      objects: vec![from.object, to.object],
      copy: async move {
        // The writer first: a `BufWriter` is locked when the copy is called (the task's first
        // poll), so writes made after the call wait for the copy, in call order.
        let mut to = to.end.writing().await;
        let mut from = from.end.reading().await;
        let n = match &mut from {
          Reading::Buffered(buffered) if buffered_only => {
            tokio::io::copy_buf(&mut **buffered, &mut to).await
          }
          _ => tokio::io::copy(&mut from, &mut to).await,
        }
        .syscall("copy")?;
        Ok(Lazy(move |js: Js| Ok(js.number(n as f64)?)))
      },
    })
  })
}

/// `tokio::io::copy_bidirectional` between two distinct streams; resolves with `[aToB, bToA]`.
#[napi(ts_return_type = "Promise<[number, number]>")]
pub fn copy_bidirectional(
  env: Env,
  a: Unknown<'_>,
  b: Unknown<'_>,
  options: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  let (a, b) = (raw(&a), raw(&b));
  let stream_id = |value| js.with_instance(value, |s: &crate::stream::TcpStream| s.id);
  let on = stream_id(a).map(|id| Handle { id, this: a });
  run_copy(&env, options.as_ref(), on, |_| {
    let stream = |value, name: &str| -> NetResult<(Arc<Core>, CancellationToken)> {
      let id =
        stream_id(value).ok_or_else(|| NetError::arg_type(name, "an instance of TcpStream"))?;
      registry::core(id)
    };
    let (a_core, a_closed) = stream(a, "a")?;
    let (b_core, b_closed) = stream(b, "b")?;
    if Arc::ptr_eq(&a_core, &b_core) {
      return Err(NetError::ArgValue(
        "The arguments \"a\" and \"b\" must be two different connections".into(),
      ));
    }
    // Both directions of both, in call order with their other reads and writes.
    let mut turns =
      [&a_core, &b_core].map(|core| [core.read_order.ticket(), core.write_order.ticket()]);
    Ok(Plan {
      closed: vec![a_closed, b_closed],
      objects: vec![a, b],
      copy: async move {
        for turn in turns.iter_mut().flatten() {
          turn.wait().await;
        }
        let mut a = CoreIo::new(a_core);
        let mut b = CoreIo::new(b_core);
        let (a_to_b, b_to_a) = tokio::io::copy_bidirectional(&mut a, &mut b)
          .await
          .syscall("copy")?;
        Ok(Lazy(move |js: Js| {
          Ok(js.array(&[js.number(a_to_b as f64)?, js.number(b_to_a as f64)?])?)
        }))
      },
    })
  })
}
