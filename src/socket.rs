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

/// A TCP socket that has not been turned into a `TcpStream` or `TcpListener` yet: create it with
/// `newV4()`/`newV6()`, set options, `bind`, then `connect` or `listen` (both consume it).
///
/// @example
/// ```ts
/// import { TcpSocket } from 'tokio-net'
///
/// const socket = TcpSocket.newV4()
/// socket.setReuseaddr(true)
/// socket.bind('127.0.0.1:0')
/// const listener = socket.listen(1024)
/// console.log('listening on', listener.localAddr().toString())
/// ```
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
  "Whether `SO_REUSEADDR` is set (reuse a local address in TIME_WAIT).",
  "Sets `SO_REUSEADDR`, before `bind`."
);
bool_option!(
  keepalive,
  set_keepalive,
  "Whether `SO_KEEPALIVE` is set (TCP keepalive probes).",
  "Sets `SO_KEEPALIVE`."
);
bool_option!(
  nodelay,
  set_nodelay,
  "Whether `TCP_NODELAY` is set (Nagle's algorithm off).",
  "Sets `TCP_NODELAY`: with `true`, small writes go out at once."
);
bool_option!(
  unix "SO_REUSEPORT": reuseport,
  set_reuseport,
  "Whether `SO_REUSEPORT` is set. Unix only: on Windows it throws `kind: 'Unsupported'`.",
  "Sets `SO_REUSEPORT` (several sockets may bind the same port), before `bind`. Unix only: on Windows it throws `kind: 'Unsupported'`."
);
size_option!(
  send_buffer_size,
  set_send_buffer_size,
  "The send buffer size (`SO_SNDBUF`) in bytes, as the kernel reports it (Linux doubles what was set).",
  "Sets the send buffer size (`SO_SNDBUF`) in bytes."
);
size_option!(
  recv_buffer_size,
  set_recv_buffer_size,
  "The receive buffer size (`SO_RCVBUF`) in bytes, as the kernel reports it (Linux doubles what was set).",
  "Sets the receive buffer size (`SO_RCVBUF`) in bytes."
);

#[napi]
impl TcpSocket {
  /// A new IPv4 socket.
  #[napi(factory)]
  pub fn new_v4(env: Env) -> napi::Result<TcpSocket> {
    sync(&env, |_| new_socket(tokio::net::TcpSocket::new_v4()))
  }

  /// A new IPv6 socket.
  #[napi(factory)]
  pub fn new_v6(env: Env) -> napi::Result<TcpSocket> {
    sync(&env, |_| new_socket(tokio::net::TcpSocket::new_v6()))
  }

  /// Binds the socket to a local address (`'127.0.0.1:0'` picks a free port).
  #[napi]
  pub fn bind(&self, env: Env, addr: Unknown<'_>) -> napi::Result<()> {
    with_socket(
      &env,
      self.id,
      |js| one_addr(js, raw(&addr)),
      |_, addr, s| s.bind(addr).syscall("bind"),
    )
  }

  /// Connects to `addr`, consuming the socket; resolves with the `TcpStream`. Until it settles,
  /// `close()` cancels the attempt (it rejects with `ERR_HANDLE_CLOSED`) and `unref()` lets the
  /// process exit without waiting for it; every other member throws `ERR_HANDLE_CLOSED`.
  ///
  /// Cancel safety: aborting drops the connection attempt and the socket.
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

  /// Whether `IPV6_V6ONLY` is set: an IPv6 socket that takes no IPv4-mapped traffic. Not part
  /// of tokio's `TcpSocket` (socket2's `only_v6`); `net.Server`'s `ipv6Only` needs it.
  #[napi]
  pub fn only_v6(&self, env: Env) -> napi::Result<bool> {
    with_socket(&env, self.id, no_args, |_, (), s| {
      socket2::SockRef::from(s).only_v6().syscall("getsockopt")
    })
  }

  /// Sets `IPV6_V6ONLY` on an IPv6 socket, before `bind` (socket2's `set_only_v6`). An IPv4
  /// socket refuses it with the OS's error.
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

  /// Sets `SO_KEEPALIVE` with the given probe timing, as `setTcpKeepalive` on a `TcpStream`
  /// does (socket2's `set_tcp_keepalive`; not part of tokio's `TcpSocket`).
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
  #[doc = " Lets a pending `connect` keep the process alive (the default): the opposite of `unref()`."]
  fn ref_;
  #[doc = " Lets the process exit while a `connect` of this socket is pending, as `unref()` on a"]
  #[doc = " `TcpStream` does for its operations. The `TcpStream` that `connect` makes starts unref'd"]
  #[doc = " too. Not part of tokio (Node's and Deno's handles have it)."]
  fn unref;
});

#[napi]
impl TcpSocket {
  /// Starts listening with a queue of `backlog` pending connections, consuming the socket.
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

  /// The local address the socket is bound to.
  #[napi(ts_return_type = "SocketAddr")]
  pub fn local_addr(&self, env: Env) -> napi::Result<sys::napi_value> {
    with_socket(&env, self.id, no_args, |js, (), s| {
      new_socket_addr(js, s.local_addr().syscall("getsockname")?)
    })
  }

  /// The pending socket error (`SO_ERROR`), cleared by reading it, or `null`.
  #[napi(ts_return_type = "Error | null")]
  pub fn take_error(&self, env: Env) -> napi::Result<sys::napi_value> {
    with_socket(&env, self.id, no_args, |js, (), s| {
      match s.take_error().syscall("getsockopt")? {
        Some(err) => Ok(NetError::io(err, "getsockopt").to_js(js)?),
        None => Ok(js.null()?),
      }
    })
  }

  /// `SO_LINGER` in milliseconds, or `null` when it is off.
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

  /// Sets `SO_LINGER` to `ms` milliseconds, or off with `null`. A stream made from this socket
  /// is closed on a thread of its own when it lingers, so `close()` never blocks the event loop.
  ///
  /// @deprecated tokio deprecates `set_linger` because the close it causes blocks a thread; use
  /// `setZeroLinger()` for a reset.
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

  /// Sets `SO_LINGER` to zero: closing resets the connection.
  #[napi]
  pub fn set_zero_linger(&self, env: Env) -> napi::Result<()> {
    with_socket(&env, self.id, no_args, |_, (), s| {
      s.set_zero_linger().syscall("setsockopt")
    })
  }

  /// Closes the socket.
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
  /// The IPv4 type-of-service byte (`IP_TOS`). Unix only: on Windows it throws
  /// `kind: 'Unsupported'`.
  #[napi]
  pub fn tos(&self, env: Env) -> napi::Result<u32> {
    with_socket(&env, self.id, no_args, |_, (), s| {
      unix_only!("IP_TOS", s.tos_v4()).syscall("getsockopt")
    })
  }

  /// Sets the IPv4 type-of-service byte (`IP_TOS`, 0 to 255). Unix only: on Windows it throws
  /// `kind: 'Unsupported'`.
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
