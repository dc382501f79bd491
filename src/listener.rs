//! `TcpListener`: a socket server on tokio, with async iteration over incoming connections.

use napi::bindgen_prelude::{This, Unknown};
use napi::{Env, sys};

use crate::addr::{Targets, new_socket_addr};
use crate::bridge::{self, Lazy, Promise, sync};
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{Js, raw};
use crate::registry::{self, ListenerCore, Resource};
use crate::stream::new_stream;

/// A `tokio::net::TcpListener` in the registry.
#[napi]
pub struct TcpListener {
  pub(crate) id: u64,
}

drop_releases_handle!(TcpListener);

type Listener = std::sync::Arc<ListenerCore>;

fn listener(id: u64) -> NetResult<(Listener, tokio_util::sync::CancellationToken)> {
  registry::get(id, "a TcpListener", |resource, closed| match resource {
    Resource::Listener(l) => Some((l.clone(), closed.clone())),
    _ => None,
  })
}

/// Runs `f` on the listener `id` with the arguments `args` reads, which are read first: they
/// are plain numbers, no user code runs.
fn with_listener<A, T>(
  env: &Env,
  id: u64,
  args: impl FnOnce(Js) -> NetResult<A>,
  f: impl FnOnce(Js, A, &tokio::net::TcpListener) -> NetResult<T>,
) -> napi::Result<T> {
  sync(env, |js| {
    let args = args(js)?;
    let (l, _) = listener(id)?;
    f(js, args, &l.io)
  })
}

pub(crate) fn register(listener: tokio::net::TcpListener) -> TcpListener {
  let id = registry::insert(Resource::Listener(std::sync::Arc::new(ListenerCore {
    io: listener,
    poll_order: Default::default(),
  })));
  TcpListener { id }
}

/// Accepts one connection, as `[TcpStream, SocketAddr]`. `finish` sees every outcome, even a
/// listener closed before the call.
fn accept_then<D>(
  env: &Env,
  h: bridge::Handle,
  opts: Option<&Unknown<'_>>,
  poll: bool,
  finish: D,
) -> napi::Result<Promise>
where
  D: FnOnce(Js, NetResult<sys::napi_value>) -> NetResult<sys::napi_value> + 'static,
{
  let js = Js::new(env.raw());
  bridge::spawn_then(env, opts, Some(h), || {
    let (listener, closed) = match listener(h.id) {
      Ok(found) => found,
      Err(err) => return Ok(bridge::Start::Done(finish(js, Err(err))?)),
    };
    // tokio's `poll_accept` keeps one waker: concurrent calls take turns.
    let mut turn = poll.then(|| listener.poll_order.ticket());
    let fut = async move {
      if let Some(turn) = turn.as_mut() {
        turn.wait().await;
      }
      let (stream, addr) = if poll {
        std::future::poll_fn(|cx| listener.io.poll_accept(cx)).await
      } else {
        listener.io.accept().await
      }
      .syscall("accept")?;
      Ok(Lazy(move |js: Js| {
        let stream = new_stream(js, stream)?;
        let addr = new_socket_addr(js, addr)?;
        Ok(js.array(&[stream, addr])?)
      }))
    };
    Ok(bridge::Start::Run(
      Some(closed),
      fut,
      move |js: Js, outcome: NetResult<Lazy<_>>| {
        finish(
          js,
          outcome.and_then(|lazy| bridge::IntoJs::into_js(lazy, js)),
        )
      },
    ))
  })
}

#[napi]
impl TcpListener {
  /// `TcpListener::bind` on every resolved address; the first that binds wins.
  #[napi(ts_return_type = "Promise<TcpListener>")]
  pub fn bind(env: Env, addr: Unknown<'_>, options: Option<Unknown<'_>>) -> napi::Result<Promise> {
    let js = Js::new(env.raw());
    bridge::spawn(&env, options.as_ref(), None, || {
      let targets = Targets::from_js(js, raw(&addr), "addr")?;
      Ok((None, async move {
        let addrs = targets.resolve().await?;
        let listener = tokio::net::TcpListener::bind(&addrs[..])
          .await
          .syscall("bind")?;
        Ok(Lazy(move |js: Js| {
          crate::ops::to_js_class(js, register(listener))
        }))
      }))
    })
  }
}

ref_methods!(TcpListener {
  #[doc = " Sets the entry's ref flag: pending `accept`s keep the loop alive (the default)."]
  fn ref_;
  #[doc = " Clears the entry's ref flag for pending `accept`s."]
  fn unref;
});

#[napi]
impl TcpListener {
  /// `TcpListener::accept`; resolves with `[TcpStream, SocketAddr]`.
  #[napi(ts_return_type = "Promise<[TcpStream, SocketAddr]>")]
  pub fn accept(
    &self,
    env: Env,
    this: This<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    accept_then(
      &env,
      bridge::Handle::of(self.id, &this),
      options.as_ref(),
      false,
      |_, v| v,
    )
  }

  /// `TcpListener::poll_accept`, settling on `Ready`.
  #[napi(ts_return_type = "Promise<[TcpStream, SocketAddr]>")]
  pub fn poll_accept(&self, env: Env, this: This<'_>) -> napi::Result<Promise> {
    accept_then(
      &env,
      bridge::Handle::of(self.id, &this),
      None,
      true,
      |_, v| v,
    )
  }

  /// The async iterator's step: `{ value: [stream, addr], done }`, done once closed.
  #[napi(skip_typescript)]
  pub fn accept_next(&self, env: Env, this: This<'_>) -> napi::Result<Promise> {
    accept_then(
      &env,
      bridge::Handle::of(self.id, &this),
      None,
      false,
      |js, outcome| {
        let result = js.object()?;
        match outcome {
          Ok(value) => {
            js.set(result, "value", value)?;
            js.set(result, "done", js.boolean(false)?)?;
          }
          Err(NetError::Closed) => {
            js.set(result, "value", js.undefined()?)?;
            js.set(result, "done", js.boolean(true)?)?;
          }
          Err(e) => return Err(e),
        }
        Ok(result)
      },
    )
  }

  /// `TcpListener::local_addr`.
  #[napi(ts_return_type = "SocketAddr")]
  pub fn local_addr(&self, env: Env) -> napi::Result<sys::napi_value> {
    sync(&env, |js| {
      let (l, _) = listener(self.id)?;
      new_socket_addr(js, l.io.local_addr().syscall("getsockname")?)
    })
  }
}

option_methods!(TcpListener via with_listener, ttl {
  #[doc = " `TcpListener::ttl`."]
});

#[napi]
impl TcpListener {
  /// Closes the registry entry: pending `accept`s reject, `acceptNext` ends.
  #[napi(catch_unwind)]
  pub fn close(&self) {
    registry::close(self.id);
  }
}
