//! Custom I/O under tokio's readiness: `tryIo` and `asyncIo`, whose closure does its own I/O on
//! the descriptor.

use std::future::Future;
use std::io::{self};
use std::pin::Pin;
use std::task::{Context, Poll};

use napi::bindgen_prelude::Unknown;
use napi::{Env, sys};

use crate::bridge::{self, Handle, Promise, Start, sync};
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::interest::single_interest_arg;
use crate::js::{CallError, HeldRef, Js, Type, raw};
use crate::registry::{self, Core};

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
  Ok(IoOutcome::Value(result.syscall("try_io")?))
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
    // The closure, held while the call waits.
    let f = HeldRef::new(js, js.function_arg(raw(&f), "f")?)?;
    let (core, closed) = registry::core(h.id)?;
    let fut = async move {
      loop {
        core.io.ready(interest).await.syscall("epoll_wait")?;
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
