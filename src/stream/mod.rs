//! `TcpStream`: a TCP connection between a local and a remote socket, on tokio.
//!
//! With its halves ([`split`]): a stream makes its halves (`split`, `intoSplit`) and the halves
//! make streams (`reunite`, `asRef`), so they are one module. [`take_over`] hands any of them to a
//! buffered wrapper and back.

use std::time::Duration;

use napi::bindgen_prelude::{This, Unknown};
use napi::{Env, JsValue, sys};

use crate::addr::Targets;
use crate::args::no_args;
use crate::bridge::{self, Lazy, Promise, sync};
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{Js, raw};
use crate::ops::{self as io, to_js_class};
use crate::registry::{self, ConnKind, Core, Direction, Resource};
use crate::std_stream::StdTcpStream;

pub mod split;
pub mod take_over;

use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};

/// A `tokio::net::TcpStream` in the registry (or an `asRef()` view of one).
#[napi]
pub struct TcpStream {
  pub(crate) id: u64,
}

handle_methods!(TcpStream);
read_methods!(TcpStream);
write_methods!(TcpStream);
drop_releases_handle!(TcpStream);

/// What `intoSplit()` and `intoStd()` take: the stream itself, not an `asRef()` view of it.
const NOT_A_VIEW: &str = "a TcpStream that is not an asRef() view";

pub(crate) fn new_stream(js: Js, stream: tokio::net::TcpStream) -> NetResult<sys::napi_value> {
  let id = registry::insert(Resource::Conn(Core::new(stream), ConnKind::Stream));
  to_js_class(js, TcpStream { id })
}

/// The `asRef()` view of the half `id`, whose JS object is `half`.
pub(crate) fn view_of(env: &Env, id: u64, half: sys::napi_value) -> napi::Result<sys::napi_value> {
  sync(env, |js| {
    let (core, _) = registry::core(id)?;
    let view = registry::insert_child(Resource::Conn(core, ConnKind::View), Some(id));
    let view = to_js_class(js, TcpStream { id: view })?;
    js.keep_parent(view, half)?;
    Ok(view)
  })
}

/// Runs `f` on the connection of `id` with the arguments `args` reads. The arguments are read
/// before `f` runs and the connection is looked up again after them (see
/// [`bridge::sync_with`]): a getter of theirs that closes or consumes the stream makes the call
/// throw `ERR_HANDLE_CLOSED`.
fn with_core<A, T>(
  env: &Env,
  id: u64,
  args: impl FnOnce(Js) -> NetResult<A>,
  f: impl FnOnce(Js, A, &Core) -> NetResult<T>,
) -> napi::Result<T> {
  let lookup = || registry::core(id).map(|(core, _)| core);
  bridge::sync_with(env, lookup, args, |js, args, core| f(js, args, core))
}

#[napi]
impl TcpStream {
  /// `TcpStream::connect` to each resolved address in turn; the last error is reported.
  #[napi(ts_return_type = "Promise<TcpStream>")]
  pub fn connect(
    env: Env,
    addr: Unknown<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    let js = Js::new(env.raw());
    bridge::spawn(&env, options.as_ref(), None, || {
      let targets = Targets::from_js(js, raw(&addr), "addr")?;
      Ok((None, async move {
        let addrs = targets.resolve().await?;
        let stream = tokio::net::TcpStream::connect(&addrs[..])
          .await
          .syscall("connect")?;
        Ok(Lazy(move |js: Js| new_stream(js, stream)))
      }))
    })
  }

  /// `TcpStream::from_std`, taking the `StdTcpStream`'s entry; a blocking socket is refused with
  /// `InvalidInput` instead of blocking a runtime thread.
  #[napi(factory, js_name = "fromStd")]
  pub fn from_std(env: Env, stream: Unknown<'_>) -> napi::Result<TcpStream> {
    sync(&env, |js| {
      let std_id = js
        .with_instance(raw(&stream), |s: &StdTcpStream| s.id)
        .ok_or_else(|| NetError::arg_type("stream", "an instance of StdTcpStream"))?;
      registry::with(std_id, |resource, _| match resource {
        Resource::Std(s) if is_blocking(s)? => Err(NetError::io(
          std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the std stream is in blocking mode; call setNonblocking(true) first",
          ),
          "fromStd",
        )),
        _ => Ok(()),
      })?;
      let std = registry::take_sole(std_id, "a StdTcpStream", |r| match r {
        Resource::Std(s) => Some(s),
        _ => None,
      })?;
      let handle = crate::runtime::handle()?;
      let _guard = handle.enter();
      let stream = tokio::net::TcpStream::from_std(std).syscall("fromStd")?;
      let id = registry::insert(Resource::Conn(Core::new(stream), ConnKind::Stream));
      Ok(TcpStream { id })
    })
  }

  /// `TcpStream::into_std`, consuming this entry; the socket stays non-blocking.
  #[napi(ts_return_type = "StdTcpStream")]
  #[allow(
    clippy::wrong_self_convention,
    reason = "consumes the registry entry, not the JS object (an `expect` is not seen through #[napi])"
  )]
  pub fn into_std(&self, env: Env) -> napi::Result<StdTcpStream> {
    sync(&env, |_| {
      let core = registry::get(self.id, NOT_A_VIEW, |r, _| match r {
        Resource::Conn(core, ConnKind::Stream) => Some(core.clone()),
        _ => None,
      })?;
      let std = crate::std_stream::dup_std(&core.io)?;
      registry::take(self.id)?;
      Ok(StdTcpStream::register(std))
    })
  }

  /// socket2's `keepalive` (`SO_KEEPALIVE`); not in tokio's `TcpStream`.
  #[napi]
  pub fn keepalive(&self, env: Env) -> napi::Result<bool> {
    with_core(&env, self.id, no_args, |_, (), core| {
      socket2::SockRef::from(&*core.io)
        .keepalive()
        .syscall("getsockopt")
    })
  }

  /// socket2's `set_keepalive`; not in tokio's `TcpStream`.
  #[napi]
  pub fn set_keepalive(&self, env: Env, on: Unknown<'_>) -> napi::Result<()> {
    with_core(
      &env,
      self.id,
      |js| js.bool_arg(raw(&on), "on"),
      |_, on, core| {
        socket2::SockRef::from(&*core.io)
          .set_keepalive(on)
          .syscall("setsockopt")
      },
    )
  }

  /// socket2's `set_tcp_keepalive`, fields read one by one by [`tcp_keepalive_arg`].
  #[napi]
  pub fn set_tcp_keepalive(&self, env: Env, params: Unknown<'_>) -> napi::Result<()> {
    with_core(
      &env,
      self.id,
      |js| tcp_keepalive_arg(js, raw(&params)),
      |_, params, core| {
        socket2::SockRef::from(&*core.io)
          .set_tcp_keepalive(&params)
          .syscall("setsockopt")
      },
    )
  }

  /// `TcpStream::take_error` (`SO_ERROR`), or `null`.
  #[napi(ts_return_type = "Error | null")]
  pub fn take_error(&self, env: Env) -> napi::Result<sys::napi_value> {
    with_core(&env, self.id, no_args, |js, (), core| {
      match core.io.take_error().syscall("getsockopt")? {
        Some(err) => Ok(NetError::io(err, "getsockopt").to_js(js)?),
        None => Ok(js.null()?),
      }
    })
  }

  /// `TcpStream::poll_read_ready`, settling on `Ready`; concurrent calls all settle.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn poll_read_ready(&self, env: Env, this: This<'_>) -> napi::Result<Promise> {
    io::poll_read_ready(&env, bridge::Handle::of(self.id, &this))
  }

  /// `TcpStream::poll_write_ready`, settling on `Ready`; concurrent calls all settle.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn poll_write_ready(&self, env: Env, this: This<'_>) -> napi::Result<Promise> {
    io::poll_write_ready(&env, bridge::Handle::of(self.id, &this))
  }

  /// `AsyncWrite::poll_write`, settling with the count.
  #[napi(ts_return_type = "Promise<number>")]
  pub fn poll_write(&self, env: Env, this: This<'_>, buf: Unknown<'_>) -> napi::Result<Promise> {
    io::poll_write(&env, bridge::Handle::of(self.id, &this), buf)
  }

  /// `AsyncWrite::poll_write_vectored`, one `writev`.
  #[napi(ts_return_type = "Promise<number>")]
  pub fn poll_write_vectored(
    &self,
    env: Env,
    this: This<'_>,
    bufs: Unknown<'_>,
  ) -> napi::Result<Promise> {
    io::poll_write_vectored(&env, bridge::Handle::of(self.id, &this), bufs)
  }

  /// `AsyncWrite::is_write_vectored`: always `true`.
  #[napi]
  pub fn is_write_vectored(&self) -> bool {
    true
  }

  /// `TcpStream::try_io` running the JS `f`; an `EAGAIN`/`WouldBlock` it throws clears readiness.
  /// One interest only (see [`crate::interest::single_interest_arg`]).
  #[napi(ts_generic_types = "T", ts_return_type = "T")]
  pub fn try_io(
    &self,
    env: Env,
    interest: Unknown<'_>,
    f: Unknown<'_>,
  ) -> napi::Result<sys::napi_value> {
    io::try_io(&env, self.id, interest, f)
  }

  /// `TcpStream::async_io` running the JS `f` until it does not block, yielding to the event loop
  /// between rounds. One interest only.
  #[napi(ts_generic_types = "T", ts_return_type = "Promise<T>")]
  pub fn async_io(
    &self,
    env: Env,
    this: This<'_>,
    interest: Unknown<'_>,
    f: Unknown<'_>,
    options: Option<Unknown<'_>>,
  ) -> napi::Result<Promise> {
    io::async_io(
      &env,
      bridge::Handle::of(self.id, &this),
      interest,
      f,
      options,
    )
  }
}

option_methods!(TcpStream via with_core.io, everywhere "" {
  #[doc = " `TcpStream::nodelay`."]
  fn nodelay() -> bool;
  #[doc = " `TcpStream::set_nodelay`."]
  fn set_nodelay(nodelay) = |js, nodelay| js.bool_arg(nodelay, "nodelay");
});

#[napi]
impl TcpStream {
  /// `TcpStream::quickack` (`TCP_QUICKACK`); `Unsupported` off Linux.
  #[napi]
  pub fn quickack(&self, env: Env) -> napi::Result<bool> {
    with_core(&env, self.id, no_args, |_, (), core| quickack(core))
  }

  /// `TcpStream::set_quickack`; `Unsupported` off Linux.
  #[napi]
  pub fn set_quickack(&self, env: Env, quickack: Unknown<'_>) -> napi::Result<()> {
    with_core(
      &env,
      self.id,
      |js| js.bool_arg(raw(&quickack), "quickack"),
      |_, on, core| set_quickack(core, on),
    )
  }

  /// `TcpStream::linger` in ms, or `null`.
  #[napi]
  pub fn linger(&self, env: Env) -> napi::Result<Option<f64>> {
    with_core(&env, self.id, no_args, |_, (), core| {
      Ok(
        core
          .io
          .linger()
          .syscall("getsockopt")?
          .map(|d| d.as_millis() as f64),
      )
    })
  }

  /// `TcpStream::set_linger` in ms (deprecated in tokio); a lingering close gets its own thread.
  #[napi]
  pub fn set_linger(&self, env: Env, ms: Unknown<'_>) -> napi::Result<()> {
    with_core(
      &env,
      self.id,
      |js| linger_arg(js, raw(&ms)),
      |_, dur, core| {
        socket2::SockRef::from(&*core.io)
          .set_linger(dur)
          .syscall("setsockopt")
      },
    )
  }

  /// `TcpStream::set_zero_linger`.
  #[napi]
  pub fn set_zero_linger(&self, env: Env) -> napi::Result<()> {
    with_core(&env, self.id, no_args, |_, (), core| {
      core.io.set_zero_linger().syscall("setsockopt")
    })
  }
}

option_methods!(TcpStream via with_core.io, ttl {
  #[doc = " `TcpStream::ttl`."]
});

#[napi]
impl TcpStream {
  /// Borrowed halves as two entries sharing this connection; they hold a reference to `this`, so
  /// the stream is not collected while they live.
  #[napi(ts_return_type = "[ReadHalf, WriteHalf]")]
  pub fn split(&self, env: Env, this: This<'_>) -> napi::Result<sys::napi_value> {
    sync(&env, |js| {
      let (core, _) = registry::core(self.id)?;
      let half = |direction| ConnKind::Half {
        direction,
        owned: false,
      };
      let read = registry::insert_child(
        Resource::Conn(core.clone(), half(Direction::Read)),
        Some(self.id),
      );
      let write =
        registry::insert_child(Resource::Conn(core, half(Direction::Write)), Some(self.id));
      let read = to_js_class(js, ReadHalf { id: read })?;
      let write = to_js_class(js, WriteHalf { id: write })?;
      js.keep_parent(read, this.object.raw())?;
      js.keep_parent(write, this.object.raw())?;
      Ok(js.array(&[read, write])?)
    })
  }

  /// Owned halves, consuming this entry; closing the write half shuts down unless `forget`.
  #[napi(ts_return_type = "[OwnedReadHalf, OwnedWriteHalf]")]
  #[allow(
    clippy::wrong_self_convention,
    reason = "consumes the registry entry, not the JS object (an `expect` is not seen through #[napi])"
  )]
  pub fn into_split(&self, env: Env) -> napi::Result<sys::napi_value> {
    sync(&env, |js| {
      // Only a stream can be split; a view (`asRef()`) is left as it is.
      registry::get(self.id, NOT_A_VIEW, |r, _| match r {
        Resource::Conn(_, ConnKind::Stream) => Some(()),
        _ => None,
      })?;
      let Resource::Conn(core, _) = registry::take(self.id)? else {
        return Err(NetError::WrongKind {
          expected: NOT_A_VIEW,
        });
      };
      let (read, write) = split::owned_pair(core);
      let read = to_js_class(js, OwnedReadHalf { id: read })?;
      let write = to_js_class(js, OwnedWriteHalf { id: write })?;
      Ok(js.array(&[read, write])?)
    })
  }
}

#[napi]
impl TcpStream {
  /// `AsRawFd::as_raw_fd`, still owned by the stream; `Unsupported` off Unix.
  #[napi]
  pub fn as_raw_fd(&self, env: Env) -> napi::Result<i32> {
    with_core(&env, self.id, no_args, |_, (), core| {
      crate::platform::raw_fd(&*core.io).syscall("asRawFd")
    })
  }

  /// `AsRawSocket::as_raw_socket`, still owned by the stream; `Unsupported` off Windows.
  #[napi]
  pub fn as_raw_socket(&self, env: Env) -> napi::Result<i64> {
    with_core(&env, self.id, no_args, |_, (), core| {
      crate::platform::raw_socket(&*core.io).syscall("asRawSocket")
    })
  }
}

/// socket2's `TcpKeepalive` fields, only declared for the TypeScript type.
#[napi(object)]
#[allow(
  dead_code,
  reason = "declares the TypeScript type; tcp_keepalive_arg reads the fields one by one, for Node-style errors"
)]
pub struct TcpKeepaliveParams {
  /// `TCP_KEEPIDLE`, in ms.
  pub time: Option<f64>,
  /// `TCP_KEEPINTVL`, in ms.
  pub interval: Option<f64>,
  /// `TCP_KEEPCNT`.
  pub retries: Option<f64>,
}

/// Reads a `TcpKeepaliveParams` object: whole milliseconds up to a day, retries up to 255; the
/// OS rounds times to whole seconds.
pub(crate) fn tcp_keepalive_arg(
  js: Js,
  value: sys::napi_value,
) -> NetResult<socket2::TcpKeepalive> {
  if js.type_of(value) != crate::js::Type::Object {
    return Err(NetError::arg_type("params", "of type object"));
  }
  const DAY_MS: f64 = 86_400_000.0;
  let field = |name: &str, max: f64| -> NetResult<Option<u64>> {
    let v = js.get(value, name)?;
    if js.type_of(v) == crate::js::Type::Undefined {
      return Ok(None);
    }
    Ok(Some(js.uint_arg(v, &format!("params.{name}"), max)?))
  };
  let mut keepalive = socket2::TcpKeepalive::new();
  if let Some(ms) = field("time", DAY_MS)? {
    keepalive = keepalive.with_time(Duration::from_millis(ms));
  }
  let interval = field("interval", DAY_MS)?;
  let retries = field("retries", 255.0)?;
  #[cfg(any(unix, windows))]
  if let Some(ms) = interval {
    keepalive = keepalive.with_interval(Duration::from_millis(ms));
  }
  #[cfg(unix)]
  if let Some(n) = retries {
    keepalive = keepalive.with_retries(n as u32);
  }
  #[cfg(not(unix))]
  let _ = retries;
  Ok(keepalive)
}

pub(crate) fn linger_arg(js: Js, value: sys::napi_value) -> NetResult<Option<Duration>> {
  if js.is_nullish(value) {
    return Ok(None);
  }
  let ms = js
    .f64_arg(value, "ms")
    .map_err(|_| NetError::arg_type("ms", "of type number or null"))?;
  if !(0.0..=f64::from(u32::MAX)).contains(&ms) {
    return Err(NetError::ArgRange(format!(
      "The value of \"ms\" is out of range. It must be >= 0. Received {ms}"
    )));
  }
  Ok(Some(Duration::from_secs_f64(ms / 1000.0)))
}

fn is_blocking(stream: &std::net::TcpStream) -> NetResult<bool> {
  #[cfg(unix)]
  {
    use std::os::fd::AsRawFd;
    // SAFETY: `F_GETFL` on a descriptor the stream owns; it changes nothing.
    let flags = unsafe { libc::fcntl(stream.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
      return Err(NetError::io(std::io::Error::last_os_error(), "fcntl"));
    }
    Ok(flags & libc::O_NONBLOCK == 0)
  }
  #[cfg(not(unix))]
  {
    // Windows cannot read a socket's blocking mode back.
    let _ = stream;
    Ok(false)
  }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn quickack(core: &Core) -> NetResult<bool> {
  core.io.quickack().syscall("getsockopt")
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_quickack(core: &Core, on: bool) -> NetResult<()> {
  core.io.set_quickack(on).syscall("setsockopt")
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn quickack(_core: &Core) -> NetResult<bool> {
  Err(unsupported("TCP_QUICKACK"))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_quickack(_core: &Core, _on: bool) -> NetResult<()> {
  Err(unsupported("TCP_QUICKACK"))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn unsupported(what: &str) -> NetError {
  NetError::io(
    std::io::Error::new(
      std::io::ErrorKind::Unsupported,
      format!("{what} is Linux only"),
    ),
    "setsockopt",
  )
}
