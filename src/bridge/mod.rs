//! The one road from a tokio future to a JS promise.
//!
//! Every async method calls [`spawn`] (or [`spawn_then`]): it makes the promise and wires an
//! optional `AbortSignal` to it ([`promise`]), runs the arguments check, and hands the future,
//! guarded by the handle's close token and the abort, to the env's task set ([`tasks`]), which
//! polls it on the JS thread while tokio's I/O driver wakes it. Wake-ups reach the JS thread
//! through the env's channel ([`channel`]). How completions reach the JS thread is decided in
//! these four files and nowhere else.

mod channel;
mod promise;
mod tasks;

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, sys};
use tokio_util::sync::CancellationToken;

use crate::errors::{NetError, NetResult, panic_message};
use crate::js::Js;
use crate::runtime;

pub use channel::init_env;
pub use promise::{IntoJs, Lazy, Pending, Promise, begin};

/// The registry id of the handle an async method runs on, and its JS object, which the
/// operation keeps alive until it settles.
#[derive(Clone, Copy)]
pub struct Handle {
  pub id: u64,
  pub this: sys::napi_value,
}

impl Handle {
  pub fn of(id: u64, this: &napi::bindgen_prelude::This<'_>) -> Handle {
    Handle {
      id,
      this: this.object.raw(),
    }
  }
}

/// Runs `fut` for `pending` (polled on the JS thread, woken by tokio's I/O driver), then
/// `finish` on the JS thread with its outcome. `closed` is the close token of the handle the
/// operation runs on, `handle` its registry id.
pub fn run<T, F, D>(
  js: Js,
  mut pending: Pending,
  handle: Option<u64>,
  closed: Option<CancellationToken>,
  fut: F,
  finish: D,
) where
  T: 'static,
  F: Future<Output = NetResult<T>> + 'static,
  D: FnOnce(Js, NetResult<T>, Pending) + 'static,
{
  let started = runtime::handle().and_then(|runtime| Ok((runtime, channel::current()?)));
  let (runtime, channel) = match started {
    Ok(started) => started,
    Err(err) => return pending.settle(js, Err(err)),
  };
  pending.start_on(handle);
  let abort = pending.abort_token();
  let job = async move {
    let outcome = CatchUnwind(guarded(fut, closed, abort)).await;
    let outcome = outcome.unwrap_or_else(|panic| Err(NetError::internal(panic_message(&panic))));
    Box::new(move |js: Js| finish(js, outcome, pending)) as tasks::Settle
  };
  tasks::spawn(js, &runtime, &channel, Box::pin(job));
}

/// How an operation goes on once its arguments are checked.
pub enum Start<F, D> {
  /// It completed on the JS thread without waiting (the fast path): the promise is settled
  /// with this value at once, and the runtime is not involved.
  Done(sys::napi_value),
  /// It has to wait: poll `F` until it is done (cancelled by the close token, if any), then `D`
  /// turns its outcome into the JS value.
  Run(Option<CancellationToken>, F, D),
}

/// The common case: start `fut` (made by `start`, which validates arguments first) and settle
/// the promise with its value.
pub fn spawn<T, F>(
  env: &Env,
  opts: Option<&Unknown<'_>>,
  on: Option<Handle>,
  start: impl FnOnce() -> NetResult<(Option<CancellationToken>, F)>,
) -> napi::Result<Promise>
where
  T: IntoJs,
  F: Future<Output = NetResult<T>> + 'static,
{
  spawn_then(env, opts, on, || {
    let (closed, fut) = start()?;
    Ok(Start::Run(closed, fut, |js: Js, outcome: NetResult<T>| {
      outcome.and_then(|v| v.into_js(js))
    }))
  })
}

/// The general case: `start` checks the arguments, may finish the operation at once, or hands
/// back the future to run and the `finish` step, which runs on the JS thread whatever the
/// outcome, so it can release what the operation held on the JS side.
pub fn spawn_then<T, F, D>(
  env: &Env,
  opts: Option<&Unknown<'_>>,
  on: Option<Handle>,
  start: impl FnOnce() -> NetResult<Start<F, D>>,
) -> napi::Result<Promise>
where
  T: 'static,
  F: Future<Output = NetResult<T>> + 'static,
  D: FnOnce(Js, NetResult<T>) -> NetResult<sys::napi_value> + 'static,
{
  let (promise, pending) = begin(env, opts)?;
  let Ok(mut pending) = pending else {
    return Ok(promise);
  };
  let js = Js::new(env.raw());
  match catch_unwind(AssertUnwindSafe(start)) {
    Ok(Ok(Start::Done(value))) => pending.settle(js, Ok(value)),
    Ok(Ok(Start::Run(closed, fut, finish))) => {
      if let Some(on) = on
        && let Err(err) = pending.keep_object(js, on.this)
      {
        pending.settle(js, Err(err));
        return Ok(promise);
      }
      run(
        js,
        pending,
        on.map(|h| h.id),
        closed,
        fut,
        move |js, outcome, pending| {
          let value = finish(js, outcome);
          pending.settle(js, value)
        },
      )
    }
    Ok(Err(err)) => pending.settle(js, Err(err)),
    Err(panic) => pending.settle(js, Err(NetError::internal(panic_message(&panic)))),
  }
  Ok(promise)
}

/// Runs `fut` unless its handle is closed or its signal aborted. Both are looked at before the
/// operation is polled, so an operation whose handle was closed or consumed (by `intoStd`, say)
/// never touches the socket again: the bytes it would have taken belong to the new owner.
async fn guarded<T>(
  fut: impl Future<Output = NetResult<T>>,
  closed: Option<CancellationToken>,
  abort: Option<CancellationToken>,
) -> NetResult<T> {
  let was_closed = closed.clone();
  let closed = async {
    match closed {
      Some(token) => token.cancelled_owned().await,
      None => std::future::pending().await,
    }
  };
  let aborted = async {
    match abort {
      Some(token) => token.cancelled_owned().await,
      None => std::future::pending().await,
    }
  };
  tokio::select! {
    biased;
    _ = closed => Err(NetError::Closed),
    _ = aborted => Err(NetError::Aborted),
    // An operation that fails because its handle was closed under it (an owned write half's
    // close shuts the socket down at once) reports the close, not the side effect.
    result = fut => match result {
      Err(_) if was_closed.is_some_and(|t| t.is_cancelled()) => Err(NetError::Closed),
      result => result,
    },
  }
}

/// Turns a panic inside a future into an error instead of a promise that never settles.
struct CatchUnwind<F>(F);

impl<F: Future> Future for CatchUnwind<F> {
  type Output = Result<F::Output, Box<dyn Any + Send>>;

  fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
    // SAFETY: the inner future is never moved out of the pinned wrapper.
    let inner = unsafe { self.map_unchecked_mut(|s| &mut s.0) };
    match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
      Ok(Poll::Pending) => Poll::Pending,
      Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
      Err(panic) => Poll::Ready(Err(panic)),
    }
  }
}

/// Runs a synchronous method body: its error is thrown as the JS error of docs/CONTRACT.md, a
/// panic is caught and thrown as an internal error.
pub fn sync<T>(env: &Env, f: impl FnOnce(Js) -> NetResult<T>) -> napi::Result<T> {
  let js = Js::new(env.raw());
  match catch_unwind(AssertUnwindSafe(|| f(js))) {
    Ok(Ok(v)) => Ok(v),
    // A getter that threw while the arguments were read: its exception is the error.
    Ok(Err(_)) if js.is_exception_pending() => Err(NetError::Pending.throw(js)),
    Ok(Err(err)) => Err(err.throw(js)),
    Err(panic) => Err(NetError::internal(panic_message(&panic)).throw(js)),
  }
}

/// Runs a synchronous method of a handle that reads arguments: `lookup` finds what the method
/// acts on, `args` reads the arguments, and `f` acts on what `lookup` found, with them.
///
/// Reading arguments can run user code (an options object's getters) that uses the handle. What
/// `lookup` found is held while they are read, as `&self` stays borrowed through a Rust method
/// call, so a method that consumes only a handle nothing else holds refuses it there
/// (`TcpSocket.listen`: `kind: 'ResourceBusy'`). A close, or any other consumption, is seen by
/// a second `lookup` once the arguments are read: the method throws `ERR_HANDLE_CLOSED` and `f`
/// never acts on the handle.
pub fn sync_with<R, A, T>(
  env: &Env,
  lookup: impl Fn() -> NetResult<R>,
  args: impl FnOnce(Js) -> NetResult<A>,
  f: impl FnOnce(Js, A, &R) -> NetResult<T>,
) -> napi::Result<T> {
  sync(env, |js| {
    let held = lookup()?;
    let args = args(js)?;
    lookup()?;
    f(js, args, &held)
  })
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::io;

  fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
      .enable_all()
      .build()
      .unwrap()
      .block_on(f)
  }

  #[test]
  fn a_closed_handle_never_polls_its_operation() {
    let closed = CancellationToken::new();
    closed.cancel();
    let polled = std::cell::Cell::new(false);
    let out = block_on(guarded(
      async {
        polled.set(true);
        Ok(7)
      },
      Some(closed),
      None,
    ));
    assert!(matches!(out, Err(NetError::Closed)));
    assert!(!polled.get());
  }

  #[test]
  fn close_and_abort_end_a_pending_future() {
    let closed = CancellationToken::new();
    closed.cancel();
    let out: NetResult<()> = block_on(guarded(std::future::pending(), Some(closed), None));
    assert!(matches!(out, Err(NetError::Closed)));
    let abort = CancellationToken::new();
    abort.cancel();
    let out: NetResult<()> = block_on(guarded(std::future::pending(), None, Some(abort)));
    assert!(matches!(out, Err(NetError::Aborted)));
  }

  #[test]
  fn a_failure_caused_by_closing_reports_the_close() {
    let closed = CancellationToken::new();
    closed.cancel();
    let failing = async { Err::<(), _>(NetError::io(io::ErrorKind::BrokenPipe.into(), "write")) };
    let out = block_on(guarded(failing, Some(closed), None));
    assert!(matches!(out, Err(NetError::Closed)));
  }

  #[test]
  fn a_panicking_future_becomes_an_error() {
    let out = block_on(CatchUnwind(async {
      if true {
        panic!("boom");
      }
    }));
    let panic = out.unwrap_err();
    assert!(panic_message(&panic).contains("boom"));
  }
}
