//! `TcpSocket`: a TCP socket not yet connected or listening, for setting options first.

use napi::bindgen_prelude::{This, Unknown};
use napi::{Env, sys};

use crate::addr::{Targets, new_socket_addr};
use crate::args::no_args;
use crate::bridge::{self, Handle, Promise, Start, sync};
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{Js, raw};
use crate::listener::TcpListener;
use crate::ops::to_js_class;
use crate::platform::unix_only;
use crate::registry::{self, ConnKind, Core, Resource};
use crate::stream::{TcpStream, linger_arg};

/// A `tokio::net::TcpSocket` in the registry; `connect` and `listen` take it out.
#[napi]
pub struct TcpSocket {
  pub(crate) id: u64,
}

drop_releases_handle!(TcpSocket);

/// Runs `f` on the socket `id` with the arguments `args` reads, outside the registry. The
/// arguments are read before `f` runs and the socket is looked up again after them (see
/// [`bridge::sync_with`]): their getters are user code that can call back into tokio-net, and a
/// getter that closes the socket makes the call throw `ERR_HANDLE_CLOSED`.
fn with_socket<A, T>(
  env: &Env,
  id: u64,
  args: impl FnOnce(Js) -> NetResult<A>,
  f: impl FnOnce(Js, A, &tokio::net::TcpSocket) -> NetResult<T>,
) -> napi::Result<T> {
  let lookup = || {
    registry::get(id, SOCKET, |resource, _| match resource {
      Resource::Socket(s) => Some(s.clone()),
      _ => None,
    })
  };
  bridge::sync_with(env, lookup, args, |js, args, socket| f(js, args, socket))
}

/// What a lookup of a `TcpSocket` expects: one whose `connect` is not under way.
const SOCKET: &str = "a TcpSocket not yet connecting";

/// Takes the socket `id` out of the registry, for the methods that consume it.
fn take_socket(id: u64) -> NetResult<tokio::net::TcpSocket> {
  registry::take_sole(id, SOCKET, |r| match r {
    Resource::Socket(s) => Some(s),
    _ => None,
  })
}

/// One literal socket address (no name resolution), as `bind` and `connect` take.
fn one_addr(js: Js, value: sys::napi_value) -> NetResult<std::net::SocketAddr> {
  Targets::from_js(js, value, "addr")?
    .literal()
    .ok_or_else(|| NetError::ArgValue("expected exactly one IP address and port".into()))
}

/// A boolean option pair of `TcpSocket`, its setter's argument named `on`. Led by
/// `unix "NAME":`, the pair is Unix only and throws `Unsupported` elsewhere.
macro_rules! bool_option {
  ($get:ident, $set:ident, $get_doc:literal, $set_doc:literal) => {
    bool_option!(@pair everywhere "", $get, $set, $get_doc, $set_doc);
  };
  (unix $what:literal: $get:ident, $set:ident, $get_doc:literal, $set_doc:literal) => {
    bool_option!(@pair unix_only $what, $get, $set, $get_doc, $set_doc);
  };
  (@pair $gate:ident $what:literal, $get:ident, $set:ident, $get_doc:literal, $set_doc:literal) => {
    option_methods!(TcpSocket via with_socket, $gate $what {
      #[doc = $get_doc]
      fn $get() -> bool;
      #[doc = $set_doc]
      fn $set(on) = |js, on| js.bool_arg(on, "on");
    });
  };
}

/// A size option pair of `TcpSocket`, in bytes.
macro_rules! size_option {
  ($get:ident, $set:ident, $get_doc:literal, $set_doc:literal) => {
    option_methods!(TcpSocket via with_socket, everywhere "" {
      #[doc = $get_doc]
      fn $get() -> u32;
      #[doc = $set_doc]
      fn $set(size) =
        |js, size| Ok(js.uint_arg(size, "size", f64::from(u32::MAX))? as u32);
    });
  };
}

bool_option!(
  reuseaddr,
  set_reuseaddr,
  "`TcpSocket::reuseaddr`.",
  "`TcpSocket::set_reuseaddr`; before `bind`."
);
bool_option!(
  keepalive,
  set_keepalive,
  "`TcpSocket::keepalive`.",
  "`TcpSocket::set_keepalive`."
);
bool_option!(
  nodelay,
  set_nodelay,
  "`TcpSocket::nodelay`.",
  "`TcpSocket::set_nodelay`."
);
bool_option!(
  unix "SO_REUSEPORT": reuseport,
  set_reuseport,
  "`TcpSocket::reuseport`; `Unsupported` off Unix.",
  "`TcpSocket::set_reuseport`, before `bind`; `Unsupported` off Unix."
);
size_option!(
  send_buffer_size,
  set_send_buffer_size,
  "`TcpSocket::send_buffer_size` as the kernel reports it (Linux doubles it).",
  "`TcpSocket::set_send_buffer_size`."
);
size_option!(
  recv_buffer_size,
  set_recv_buffer_size,
  "`TcpSocket::recv_buffer_size` as the kernel reports it (Linux doubles it).",
  "`TcpSocket::set_recv_buffer_size`."
);

#[napi]
impl TcpSocket {
  /// `TcpSocket::new_v4`.
  #[napi(factory)]
  pub fn new_v4(env: Env) -> napi::Result<TcpSocket> {
    sync(&env, |_| new_socket(tokio::net::TcpSocket::new_v4()))
  }

  /// `TcpSocket::new_v6`.
  #[napi(factory)]
  pub fn new_v6(env: Env) -> napi::Result<TcpSocket> {
    sync(&env, |_| new_socket(tokio::net::TcpSocket::new_v6()))
  }

  /// `TcpSocket::bind` to one literal address.
  #[napi]
  pub fn bind(&self, env: Env, addr: Unknown<'_>) -> napi::Result<()> {
    with_socket(
      &env,
      self.id,
      |js| one_addr(js, raw(&addr)),
      |_, addr, s| s.bind(addr).syscall("bind"),
    )
  }

  /// `TcpSocket::connect`, taking the socket out of the registry; until it settles only `close` and
  /// `ref`/`unref` reach the entry.
  #[napi(ts_return_type = "Promise<TcpStream>")]
  pub fn connect(
    &self,
    env: Env,
    this: This<'_>,
    addr: Unknown<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    let js = Js::new(env.raw());
    let id = self.id;
    bridge::spawn_then(&env, options.as_ref(), Some(Handle::of(id, &this)), || {
      let addr = one_addr(js, raw(&addr))?;
      let (socket, closed) = registry::start_connect(id)?;
      let attempt = async move { socket.connect(addr).await.syscall("connect") };
      Ok(Start::Run(
        Some(closed),
        attempt,
        move |js: Js, outcome: NetResult<tokio::net::TcpStream>| {
          // The socket is consumed whatever the outcome; the stream keeps its ref state.
          let refed = registry::is_refed(id);
          registry::close(id);
          let stream_id = registry::insert(Resource::Conn(Core::new(outcome?), ConnKind::Stream));
          if !refed {
            registry::set_ref(stream_id, false)?;
          }
          to_js_class(js, TcpStream { id: stream_id })
        },
      ))
    })
  }

  /// socket2's `only_v6` (`IPV6_V6ONLY`); not in tokio's `TcpSocket`.
  #[napi]
  pub fn only_v6(&self, env: Env) -> napi::Result<bool> {
    with_socket(&env, self.id, no_args, |_, (), s| {
      socket2::SockRef::from(s).only_v6().syscall("getsockopt")
    })
  }

  /// socket2's `set_only_v6`; before `bind`.
  #[napi]
  pub fn set_only_v6(&self, env: Env, on: Unknown<'_>) -> napi::Result<()> {
    with_socket(
      &env,
      self.id,
      |js| js.bool_arg(raw(&on), "on"),
      |_, on, s| {
        socket2::SockRef::from(s)
          .set_only_v6(on)
          .syscall("setsockopt")
      },
    )
  }

  /// socket2's `set_tcp_keepalive`; not in tokio's `TcpSocket`.
  #[napi]
  pub fn set_tcp_keepalive(&self, env: Env, params: Unknown<'_>) -> napi::Result<()> {
    with_socket(
      &env,
      self.id,
      |js| crate::stream::tcp_keepalive_arg(js, raw(&params)),
      |_, params, s| {
        socket2::SockRef::from(s)
          .set_tcp_keepalive(&params)
          .syscall("setsockopt")
      },
    )
  }
}

ref_methods!(TcpSocket {
  #[doc = " Sets the entry's ref flag: a pending `connect` keeps the loop alive (the default)."]
  fn ref_;
  #[doc = " Clears the entry's ref flag; the `TcpStream` that `connect` makes inherits it."]
  fn unref;
});

#[napi]
impl TcpSocket {
  /// `TcpSocket::listen`, taking the socket out of the registry.
  #[napi]
  pub fn listen(&self, env: Env, backlog: Unknown<'_>) -> napi::Result<TcpListener> {
    sync(&env, |js| {
      let backlog = js.uint_arg(raw(&backlog), "backlog", f64::from(u32::MAX))? as u32;
      let socket = take_socket(self.id)?;
      let handle = crate::runtime::handle()?;
      let _guard = handle.enter();
      let listener = socket.listen(backlog).syscall("listen")?;
      Ok(crate::listener::register(listener))
    })
  }

  /// `TcpSocket::local_addr`.
  #[napi(ts_return_type = "SocketAddr")]
  pub fn local_addr(&self, env: Env) -> napi::Result<sys::napi_value> {
    with_socket(&env, self.id, no_args, |js, (), s| {
      new_socket_addr(js, s.local_addr().syscall("getsockname")?)
    })
  }

  /// `TcpSocket::take_error` (`SO_ERROR`), or `null`.
  #[napi(ts_return_type = "Error | null")]
  pub fn take_error(&self, env: Env) -> napi::Result<sys::napi_value> {
    with_socket(&env, self.id, no_args, |js, (), s| {
      match s.take_error().syscall("getsockopt")? {
        Some(err) => Ok(NetError::io(err, "getsockopt").to_js(js)?),
        None => Ok(js.null()?),
      }
    })
  }

  /// `TcpSocket::linger` in ms, or `null`.
  #[napi]
  pub fn linger(&self, env: Env) -> napi::Result<Option<f64>> {
    with_socket(&env, self.id, no_args, |_, (), s| {
      Ok(
        s.linger()
          .syscall("getsockopt")?
          .map(|d| d.as_millis() as f64),
      )
    })
  }

  /// `TcpSocket::set_linger` in ms (deprecated in tokio); a lingering close gets its own thread.
  #[napi]
  pub fn set_linger(&self, env: Env, ms: Unknown<'_>) -> napi::Result<()> {
    with_socket(
      &env,
      self.id,
      |js| linger_arg(js, raw(&ms)),
      |_, dur, s| {
        socket2::SockRef::from(s)
          .set_linger(dur)
          .syscall("setsockopt")
      },
    )
  }

  /// `TcpSocket::set_zero_linger`.
  #[napi]
  pub fn set_zero_linger(&self, env: Env) -> napi::Result<()> {
    with_socket(&env, self.id, no_args, |_, (), s| {
      s.set_zero_linger().syscall("setsockopt")
    })
  }

  /// Closes the registry entry, cancelling a pending `connect`.
  #[napi(catch_unwind)]
  pub fn close(&self) {
    registry::close(self.id);
  }
}

fn new_socket(socket: std::io::Result<tokio::net::TcpSocket>) -> NetResult<TcpSocket> {
  let handle = crate::runtime::handle()?;
  let _guard = handle.enter();
  let socket = socket.syscall("socket")?;
  Ok(TcpSocket {
    id: registry::insert(Resource::Socket(std::sync::Arc::new(socket))),
  })
}

#[napi]
impl TcpSocket {
  /// `TcpSocket::tos` (`IP_TOS`); `Unsupported` off Unix.
  #[napi]
  pub fn tos(&self, env: Env) -> napi::Result<u32> {
    with_socket(&env, self.id, no_args, |_, (), s| {
      unix_only!("IP_TOS", s.tos_v4()).syscall("getsockopt")
    })
  }

  /// `TcpSocket::set_tos` (`IP_TOS`); `Unsupported` off Unix.
  #[napi]
  pub fn set_tos(&self, env: Env, tos: Unknown<'_>) -> napi::Result<()> {
    with_socket(
      &env,
      self.id,
      |js| Ok(js.uint_arg(raw(&tos), "tos", 255.0)? as u32),
      |_, tos, s| unix_only!("IP_TOS", s.set_tos_v4(tos)).syscall("setsockopt"),
    )
  }
}
