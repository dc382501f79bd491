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

/// A TCP stream between a local and a remote socket, driven by tokio.
///
/// Make one with `TcpStream.connect(addr)` or accept one from a `TcpListener`. Reading and
/// writing go through `read`/`write` (and friends) or the readiness + `try*` pairs, with tokio's
/// semantics. The socket closes with `close()`, `using`, or when the object is collected.
///
/// @example
/// ```ts
/// import { TcpStream } from 'tokio-net'
///
/// // Connect to a peer and write some data.
/// using stream = await TcpStream.connect('127.0.0.1:8080')
/// await stream.writeAll(Buffer.from('hello world!'))
/// // Shut the write direction down: the peer reads 0.
/// await stream.shutdown()
/// ```
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
  /// Opens a TCP connection to `addr`. Every resolved address is tried in turn; if all fail,
  /// the last error is reported (e.g. `kind: 'ConnectionRefused'`, `code: 'ECONNREFUSED'`).
  ///
  /// Cancel safety: aborting drops the connection attempt.
  ///
  /// @example
  /// ```ts
  /// import { TcpStream } from 'tokio-net'
  ///
  /// const stream = await TcpStream.connect('127.0.0.1:8080', { signal: AbortSignal.timeout(5_000) })
  /// console.log('connected to', stream.peerAddr().toString())
  /// ```
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

  /// Takes over a `StdTcpStream`, which must already be in non-blocking mode
  /// (`setNonblocking(true)`): a blocking socket is refused with `kind: 'InvalidInput'`, where
  /// in Rust it would block a runtime thread. The `StdTcpStream` is consumed.
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

  /// Turns this stream into a `StdTcpStream`, left in non-blocking mode as tokio leaves it.
  /// This object is consumed: later calls throw `ERR_HANDLE_CLOSED`.
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

  /// Whether `SO_KEEPALIVE` is set. Not part of tokio's `TcpStream`, which leaves keepalive to
  /// socket2 (`SockRef::from(&stream).keepalive()`); `net.Socket.setKeepAlive` needs it.
  #[napi]
  pub fn keepalive(&self, env: Env) -> napi::Result<bool> {
    with_core(&env, self.id, no_args, |_, (), core| {
      socket2::SockRef::from(&*core.io)
        .keepalive()
        .syscall("getsockopt")
    })
  }

  /// Sets `SO_KEEPALIVE` on the connection, with the system's probe timing (socket2's
  /// `set_keepalive`; `setTcpKeepalive` also sets the timing).
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

  /// Turns keepalive on with the given timing, as socket2's `set_tcp_keepalive` does:
  /// `time` is the idle time in ms before the first probe (Node's `initialDelay`), `interval` the
  /// ms between probes and `retries` the probes sent before the connection is dropped
  /// (`ETIMEDOUT`). Omitted fields keep the system's values.
  ///
  /// @example
  /// ```ts
  /// import { TcpStream } from 'tokio-net'
  ///
  /// using stream = await TcpStream.connect('127.0.0.1:8080')
  /// // Probe after 10 s of silence, every 1 s, and give up after 3 unanswered probes.
  /// stream.setTcpKeepalive({ time: 10_000, interval: 1_000, retries: 3 })
  /// ```
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

  /// The pending socket error (`SO_ERROR`), cleared by reading it, or `null`.
  #[napi(ts_return_type = "Error | null")]
  pub fn take_error(&self, env: Env) -> napi::Result<sys::napi_value> {
    with_core(&env, self.id, no_args, |js, (), core| {
      match core.io.take_error().syscall("getsockopt")? {
        Some(err) => Ok(NetError::io(err, "getsockopt").to_js(js)?),
        None => Ok(js.null()?),
      }
    })
  }

  /// Settles when tokio's `poll_read_ready` would return `Ready`. Concurrent calls all settle.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn poll_read_ready(&self, env: Env, this: This<'_>) -> napi::Result<Promise> {
    io::poll_read_ready(&env, bridge::Handle::of(self.id, &this))
  }

  /// Settles when tokio's `poll_write_ready` would return `Ready`. Concurrent calls all settle.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn poll_write_ready(&self, env: Env, this: This<'_>) -> napi::Result<Promise> {
    io::poll_write_ready(&env, bridge::Handle::of(self.id, &this))
  }

  /// `AsyncWrite::poll_write`: settles with the count once some of `buf` was written.
  #[napi(ts_return_type = "Promise<number>")]
  pub fn poll_write(&self, env: Env, this: This<'_>, buf: Unknown<'_>) -> napi::Result<Promise> {
    io::poll_write(&env, bridge::Handle::of(self.id, &this), buf)
  }

  /// `AsyncWrite::poll_write_vectored`, with one `writev`.
  #[napi(ts_return_type = "Promise<number>")]
  pub fn poll_write_vectored(
    &self,
    env: Env,
    this: This<'_>,
    bufs: Unknown<'_>,
  ) -> napi::Result<Promise> {
    io::poll_write_vectored(&env, bridge::Handle::of(self.id, &this), bufs)
  }

  /// `true`: a TCP stream has an efficient `writev`.
  #[napi]
  pub fn is_write_vectored(&self) -> bool {
    true
  }

  /// Runs `f` synchronously if tokio says the socket is ready for `interest`; `f` does its own
  /// I/O on `asRawFd()`. If `f` throws an error whose `code` is `'EAGAIN'`/`'EWOULDBLOCK'` (or
  /// `kind` is `'WouldBlock'`), readiness is cleared and `tryIo` throws `kind: 'WouldBlock'`;
  /// any other error `f` throws comes through as it is. Returns what `f` returned.
  ///
  /// `interest` is one flag: tokio clears readiness per direction, so a combination is refused
  /// (`code: 'ERR_INVALID_ARG_VALUE'`). Inside `f`, do the I/O on the descriptor yourself: calling
  /// this stream's own methods there would take readiness from under `tryIo`.
  #[napi(ts_generic_types = "T", ts_return_type = "T")]
  pub fn try_io(
    &self,
    env: Env,
    interest: Unknown<'_>,
    f: Unknown<'_>,
  ) -> napi::Result<sys::napi_value> {
    io::try_io(&env, self.id, interest, f)
  }

  /// Waits for `interest` readiness and runs `f` as `tryIo` does, again and again until `f`
  /// does not block; resolves with what `f` returned (rejects with what it threw). Between two
  /// rounds the event loop gets a turn, so timers run and an abort can end a closure that keeps
  /// blocking. `interest` is one flag, as for `tryIo`. Inside `f`, do the I/O on the
  /// descriptor yourself: calling this stream's own methods there would take readiness from
  /// under `asyncIo` and can make it wait for an event that already came.
  ///
  /// Cancel safety: cancel safe while waiting; `f` itself always runs to completion.
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
  #[doc = " Whether `TCP_NODELAY` is set (Nagle's algorithm off)."]
  fn nodelay() -> bool;
  #[doc = " Sets `TCP_NODELAY`: with `true`, small writes go out at once instead of being coalesced."]
  fn set_nodelay(nodelay) = |js, nodelay| js.bool_arg(nodelay, "nodelay");
});

#[napi]
impl TcpStream {
  /// Whether `TCP_QUICKACK` is set. Linux only; elsewhere throws `kind: 'Unsupported'`.
  #[napi]
  pub fn quickack(&self, env: Env) -> napi::Result<bool> {
    with_core(&env, self.id, no_args, |_, (), core| quickack(core))
  }

  /// Sets `TCP_QUICKACK` (send ACKs at once). The kernel may clear it again by itself.
  /// Linux only; elsewhere throws `kind: 'Unsupported'`.
  #[napi]
  pub fn set_quickack(&self, env: Env, quickack: Unknown<'_>) -> napi::Result<()> {
    with_core(
      &env,
      self.id,
      |js| js.bool_arg(raw(&quickack), "quickack"),
      |_, on, core| set_quickack(core, on),
    )
  }

  /// `SO_LINGER` in milliseconds, or `null` when it is off.
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

  /// Sets `SO_LINGER` to `ms` milliseconds, or turns it off with `null`. With a non-zero linger
  /// the OS's close waits until the unsent data is out or the time is up; tokio-net does that
  /// close on a thread of its own, so `close()` returns at once and the event loop never waits.
  /// `setZeroLinger()` (reset on close) is the useful case.
  ///
  /// @deprecated tokio deprecates `set_linger` because the close it causes blocks a thread; use
  /// `setZeroLinger()` for a reset, or `shutdown()` and wait for the peer for a graceful close.
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

  /// Sets `SO_LINGER` to zero: closing then resets the connection (an RST) instead of a FIN.
  #[napi]
  pub fn set_zero_linger(&self, env: Env) -> napi::Result<()> {
    with_core(&env, self.id, no_args, |_, (), core| {
      core.io.set_zero_linger().syscall("setsockopt")
    })
  }
}

option_methods!(TcpStream via with_core.io, ttl {
  #[doc = " The IP time-to-live of outgoing packets."]
});

#[napi]
impl TcpStream {
  /// Borrowed halves: a `ReadHalf` and a `WriteHalf` sharing this stream, which stays usable.
  /// They are closed with the stream. Closing a `WriteHalf` does not shut anything down. As in
  /// Rust, where the halves borrow the stream, the halves keep this object alive: a stream
  /// you no longer refer to is not collected while its halves are in use.
  ///
  /// @example
  /// ```ts
  /// import { TcpStream } from 'tokio-net'
  ///
  /// using stream = await TcpStream.connect('127.0.0.1:8080')
  /// const [reader, writer] = stream.split()
  /// await writer.writeAll(Buffer.from('hello'))
  /// const buf = Buffer.alloc(5)
  /// await reader.readExact(buf)
  /// ```
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

  /// Owned halves that can live and be closed apart. This stream is consumed. Closing the
  /// `OwnedWriteHalf` shuts the write direction down (unless `forget()` was called); the
  /// socket closes when both halves are closed. `reunite` puts them back together.
  ///
  /// @example
  /// ```ts
  /// import { TcpStream } from 'tokio-net'
  ///
  /// const [reader, writer] = (await TcpStream.connect('127.0.0.1:8080')).intoSplit()
  /// // The halves live apart: write on one side while the other reads.
  /// const echo = reader.readToEnd()
  /// await writer.writeAll(Buffer.from('ping'))
  /// writer.close() // sends a FIN, as dropping tokio's OwnedWriteHalf does
  /// console.log((await echo).toString())
  /// ```
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
  /// The OS file descriptor. The stream still owns it: do not close it. Unix only: on Windows
  /// it throws `kind: 'Unsupported'` (use `asRawSocket()`).
  #[napi]
  pub fn as_raw_fd(&self, env: Env) -> napi::Result<i32> {
    with_core(&env, self.id, no_args, |_, (), core| {
      crate::platform::raw_fd(&*core.io).syscall("asRawFd")
    })
  }

  /// The OS socket handle. The stream still owns it: do not close it. Windows only: elsewhere
  /// it throws `kind: 'Unsupported'` (use `asRawFd()`).
  #[napi]
  pub fn as_raw_socket(&self, env: Env) -> napi::Result<i64> {
    with_core(&env, self.id, no_args, |_, (), core| {
      crate::platform::raw_socket(&*core.io).syscall("asRawSocket")
    })
  }
}

/// The timing of TCP keepalive probes, for `setTcpKeepalive` (socket2's `TcpKeepalive`).
#[napi(object)]
#[allow(
  dead_code,
  reason = "declares the TypeScript type; tcp_keepalive_arg reads the fields one by one, for Node-style errors"
)]
pub struct TcpKeepaliveParams {
  /// Idle time in ms before the first probe (`TCP_KEEPIDLE`).
  pub time: Option<f64>,
  /// Time in ms between probes (`TCP_KEEPINTVL`). **[Unix, Win]**
  pub interval: Option<f64>,
  /// Unanswered probes before the connection is dropped (`TCP_KEEPCNT`). **[Unix]**
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
