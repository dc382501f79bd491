//! `StdTcpStream`: Rust's blocking `std::net::TcpStream`, which tokio's docs hand to and take
//! from tokio (`TcpStream.fromStd`, `stream.intoStd()`).

use std::io::{Read, Write};

use napi::bindgen_prelude::Unknown;
use napi::{Env, sys};

use crate::addr::{Targets, new_socket_addr};
use crate::args::no_args;
use crate::bridge::sync;
use crate::errors::{IoResultExt, NetResult};
use crate::js::{Js, raw};
use crate::registry::{self, Resource};

/// A blocking `std::net::TcpStream` in the registry: its calls block the JS thread.
#[napi]
pub struct StdTcpStream {
  pub(crate) id: u64,
}

drop_releases_handle!(StdTcpStream);

impl StdTcpStream {
  pub(crate) fn register(stream: std::net::TcpStream) -> StdTcpStream {
    StdTcpStream {
      id: registry::insert(Resource::Std(std::sync::Arc::new(stream))),
    }
  }
}

/// A std stream sharing the tokio stream's socket (a duplicated descriptor), in non-blocking
/// mode as tokio's `into_std` leaves it.
pub(crate) fn dup_std(stream: &tokio::net::TcpStream) -> NetResult<std::net::TcpStream> {
  #[cfg(unix)]
  let owned = std::os::fd::AsFd::as_fd(stream).try_clone_to_owned();
  #[cfg(windows)]
  let owned = std::os::windows::io::AsSocket::as_socket(stream).try_clone_to_owned();
  let std = std::net::TcpStream::from(owned.syscall("dup")?);
  std.set_nonblocking(true).syscall("fcntl")?;
  Ok(std)
}

/// Runs `f` on the std stream `id` with the arguments `args` reads, outside the registry: a
/// blocking read holds nothing that another call (or another env) could wait for. The arguments
/// are read before `f` runs and the stream is looked up again after them (see
/// [`crate::bridge::sync_with`]), so a getter that closes or consumes it makes the call throw
/// `ERR_HANDLE_CLOSED`.
fn with_std<A, T>(
  env: &Env,
  id: u64,
  args: impl FnOnce(Js) -> NetResult<A>,
  f: impl FnOnce(Js, A, &std::net::TcpStream) -> NetResult<T>,
) -> napi::Result<T> {
  let lookup = || {
    registry::get(id, "a StdTcpStream", |resource, _| match resource {
      Resource::Std(s) => Some(s.clone()),
      _ => None,
    })
  };
  crate::bridge::sync_with(env, lookup, args, |js, args, stream| f(js, args, stream))
}

#[napi]
impl StdTcpStream {
  /// `std::net::TcpStream::connect`, blocking the JS thread.
  #[napi(factory)]
  pub fn connect(env: Env, addr: Unknown<'_>) -> napi::Result<StdTcpStream> {
    sync(&env, |js| {
      let addrs = Targets::from_js(js, raw(&addr), "addr")?.resolve_blocking()?;
      let stream = std::net::TcpStream::connect(&addrs[..]).syscall("connect")?;
      Ok(StdTcpStream::register(stream))
    })
  }

  /// `set_nonblocking`; `TcpStream.fromStd` needs `true`.
  #[napi]
  pub fn set_nonblocking(&self, env: Env, nonblocking: Unknown<'_>) -> napi::Result<()> {
    with_std(
      &env,
      self.id,
      |js| js.bool_arg(raw(&nonblocking), "nonblocking"),
      |_, on, s| s.set_nonblocking(on).syscall("fcntl"),
    )
  }

  /// `Read::read`, blocking unless non-blocking.
  #[napi]
  pub fn read(&self, env: Env, buf: Unknown<'_>) -> napi::Result<f64> {
    with_std(
      &env,
      self.id,
      // SAFETY: the slice is used within this call, on the JS thread, and no JS runs between
      // taking it and the read.
      |js| unsafe { js.bytes_mut(raw(&buf), "buf") },
      |_, target, s| Ok((&mut &*s).read(target).syscall("read")? as f64),
    )
  }

  /// `Read::read_exact`, blocking.
  #[napi]
  pub fn read_exact(&self, env: Env, buf: Unknown<'_>) -> napi::Result<()> {
    with_std(
      &env,
      self.id,
      // SAFETY: the slice is used within this call, on the JS thread, and no JS runs between
      // taking it and the read.
      |js| unsafe { js.bytes_mut(raw(&buf), "buf") },
      |_, target, s| (&mut &*s).read_exact(target).syscall("read"),
    )
  }

  /// `Write::write`, blocking.
  #[napi]
  pub fn write(&self, env: Env, buf: Unknown<'_>) -> napi::Result<f64> {
    with_std(
      &env,
      self.id,
      // SAFETY: the slice is used within this call, on the JS thread, and no JS runs between
      // taking it and the write.
      |js| unsafe { js.bytes(raw(&buf), "buf") },
      |_, data, s| Ok((&mut &*s).write(data).syscall("write")? as f64),
    )
  }

  /// `Write::write_all`, blocking.
  #[napi]
  pub fn write_all(&self, env: Env, buf: Unknown<'_>) -> napi::Result<()> {
    with_std(
      &env,
      self.id,
      // SAFETY: the slice is used within this call, on the JS thread, and no JS runs between
      // taking it and the write.
      |js| unsafe { js.bytes(raw(&buf), "buf") },
      |_, data, s| (&mut &*s).write_all(data).syscall("write"),
    )
  }

  /// `local_addr`.
  #[napi(ts_return_type = "SocketAddr")]
  pub fn local_addr(&self, env: Env) -> napi::Result<sys::napi_value> {
    with_std(&env, self.id, no_args, |js, (), s| {
      new_socket_addr(js, s.local_addr().syscall("getsockname")?)
    })
  }

  /// `peer_addr`.
  #[napi(ts_return_type = "SocketAddr")]
  pub fn peer_addr(&self, env: Env) -> napi::Result<sys::napi_value> {
    with_std(&env, self.id, no_args, |js, (), s| {
      new_socket_addr(js, s.peer_addr().syscall("getpeername")?)
    })
  }

  /// Closes the registry entry.
  #[napi(catch_unwind)]
  pub fn close(&self) {
    registry::close(self.id);
  }
}

#[napi]
impl StdTcpStream {
  /// `AsRawFd::as_raw_fd`, still owned by the stream; `Unsupported` off Unix.
  #[napi]
  pub fn as_raw_fd(&self, env: Env) -> napi::Result<i32> {
    with_std(&env, self.id, no_args, |_, (), s| {
      crate::platform::raw_fd(s).syscall("asRawFd")
    })
  }

  /// `AsRawSocket::as_raw_socket`, still owned by the stream; `Unsupported` off Windows.
  #[napi]
  pub fn as_raw_socket(&self, env: Env) -> napi::Result<i64> {
    with_std(&env, self.id, no_args, |_, (), s| {
      crate::platform::raw_socket(s).syscall("asRawSocket")
    })
  }
}
