//! The one error type of the crate and its JavaScript face, as data (`js.rs` makes the value).
//!
//! Every failure becomes a JS `Error` carrying `kind` (the `std::io::ErrorKind` name as Rust
//! prints it), `code` (the errno symbol Node would use, or a stable `ERR_*` code), `errno` and
//! `syscall` where the OS gave them. Sync methods throw it, async methods reject with it.

use std::io;

use std::any::Any;

/// The longest string V8 makes, in characters: its `String::kMaxLength`, which Node exports as
/// `buffer.constants.MAX_STRING_LENGTH` (`2**29 - 24` on 64-bit systems, `2**28 - 16` on 32-bit
/// ones). V8 makes a string from UTF-8 only if the bytes themselves are within it, whatever the
/// count of characters they decode to, as Node's `buf.toString()` does. tokio-net holds every
/// runtime to this limit, so a line that is a string on one is a string on all.
pub const MAX_STRING_LENGTH: usize = if cfg!(target_pointer_width = "64") {
  (1 << 29) - 24
} else {
  (1 << 28) - 16
};

pub type NetResult<T> = Result<T, NetError>;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
  /// An error from the OS or from tokio, with the call that failed where it is known.
  #[error("{}", io_message(err, *syscall))]
  Io {
    err: io::Error,
    syscall: Option<&'static str>,
  },
  /// The handle was closed, or consumed by `intoSplit` / `intoStd` / `reunite`.
  #[error("The handle was closed or consumed")]
  Closed,
  /// A handle of another kind than the call needs: an `asRef()` view asked to `intoSplit()` or
  /// `intoStd()`, or a `TcpSocket` whose `connect` is under way asked to connect again or listen.
  /// JS sees it as [`NetError::Closed`]: as in tokio, where such a call would not compile or the
  /// value is moved, the handle is gone for that call.
  #[error("The handle is not {expected}")]
  WrongKind { expected: &'static str },
  /// An `AbortSignal` fired before the operation completed.
  #[error("The operation was aborted")]
  Aborted,
  /// A wrong argument type (`TypeError`, `ERR_INVALID_ARG_TYPE`).
  #[error("{0}")]
  ArgType(String),
  /// A number outside its allowed range (`RangeError`, `ERR_OUT_OF_RANGE`).
  #[error("{0}")]
  ArgRange(String),
  /// An argument of the right type but an unusable value (`ERR_INVALID_ARG_VALUE`).
  #[error("{0}")]
  ArgValue(String),
  /// A read's buffer was detached (transferred) or shrunk to nothing while the read waited. No
  /// bytes were taken from the socket (`ERR_BUFFER_DETACHED`).
  #[error(
    "The read's buffer was detached or shrunk to nothing while the read waited; no bytes were \
     taken from the socket, the next read gets them"
  )]
  BufferDetached,
  /// `reunite` with halves of two different sockets (`ERR_REUNITE`); the JS side attaches them.
  #[error("tried to reunite halves that are not from the same socket")]
  Reunite,
  /// Text read from the socket (a line) that is too long for a JavaScript string: more than
  /// [`MAX_STRING_LENGTH`] bytes (`ERR_STRING_TOO_LONG`, Node's code for it). `len` is its length
  /// in bytes; the line was consumed.
  #[error(
    "Cannot create a string longer than {MAX_STRING_LENGTH:#x} characters: the line read is \
     {len} bytes long, and was consumed"
  )]
  StringTooLong { len: usize },
  /// A JavaScript exception that is already pending on the env (thrown by a user callback).
  #[error("a JavaScript exception is pending")]
  Pending,
  /// A failure of Node-API itself or of this crate (a caught panic, say).
  #[error("{0}")]
  Internal(String),
}

impl NetError {
  pub fn io(err: io::Error, syscall: &'static str) -> Self {
    NetError::Io {
      err,
      syscall: Some(syscall),
    }
  }

  pub fn arg_type(name: &str, expected: &str) -> Self {
    NetError::ArgType(format!("The \"{name}\" argument must be {expected}"))
  }

  /// A handle that a call still in progress holds, refused to a call that would take it
  /// (`kind: 'ResourceBusy'`), where Rust's borrow checker would refuse the second borrow.
  pub fn busy(message: impl Into<String>) -> Self {
    NetError::io(
      io::Error::new(io::ErrorKind::ResourceBusy, message.into()),
      "take",
    )
  }

  pub fn internal(msg: impl Into<String>) -> Self {
    NetError::Internal(msg.into())
  }

  /// The `io::ErrorKind` of this error, if it is an I/O error.
  pub fn kind(&self) -> Option<io::ErrorKind> {
    match self {
      NetError::Io { err, .. } => Some(err.kind()),
      _ => None,
    }
  }

  /// The JS error this becomes (`to_js` in `js.rs` makes it). `None` for
  /// [`NetError::Pending`], which is a JS value already.
  pub fn face(&self) -> Option<JsFace> {
    let (class, code, kind) = match self {
      NetError::Pending => return None,
      NetError::Io { err, .. } => (ErrorClass::Error, io_code(err), format!("{:?}", err.kind())),
      // The handle is gone for this call, as a moved value is in Rust: JS sees it closed.
      NetError::WrongKind { .. } => return NetError::Closed.face(),
      NetError::Closed => (
        ErrorClass::Error,
        "ERR_HANDLE_CLOSED".into(),
        "Other".into(),
      ),
      NetError::Aborted => (ErrorClass::Error, "ABORT_ERR".into(), "Interrupted".into()),
      NetError::ArgType(_) => (
        ErrorClass::Type,
        "ERR_INVALID_ARG_TYPE".into(),
        "InvalidInput".into(),
      ),
      NetError::ArgRange(_) => (
        ErrorClass::Range,
        "ERR_OUT_OF_RANGE".into(),
        "InvalidInput".into(),
      ),
      // Node's own `ERR_INVALID_ARG_VALUE` is a TypeError too.
      NetError::ArgValue(_) => (
        ErrorClass::Type,
        "ERR_INVALID_ARG_VALUE".into(),
        "InvalidInput".into(),
      ),
      NetError::BufferDetached => (
        ErrorClass::Error,
        "ERR_BUFFER_DETACHED".into(),
        "InvalidInput".into(),
      ),
      NetError::Reunite => (ErrorClass::Error, "ERR_REUNITE".into(), "Other".into()),
      // Node's own `ERR_STRING_TOO_LONG` is a plain Error, with the message Node gives it.
      NetError::StringTooLong { .. } => (
        ErrorClass::Error,
        "ERR_STRING_TOO_LONG".into(),
        "InvalidData".into(),
      ),
      NetError::Internal(_) => (ErrorClass::Error, "ERR_INTERNAL".into(), "Other".into()),
    };
    Some(JsFace {
      class,
      code,
      kind,
      message: self.to_string(),
    })
  }
}

/// A JS error as data: what the JS side of an error is made of, besides `errno` and `syscall`.
pub struct JsFace {
  pub class: ErrorClass,
  pub code: String,
  pub kind: String,
  pub message: String,
}

/// Which JS constructor an error is made with.
#[derive(Clone, Copy)]
pub enum ErrorClass {
  Error,
  Type,
  Range,
}

/// What a caught panic says, as the internal error it becomes.
pub fn panic_message(panic: &Box<dyn Any + Send>) -> String {
  let text = panic
    .downcast_ref::<&str>()
    .map(|s| s.to_string())
    .or_else(|| panic.downcast_ref::<String>().cloned())
    .unwrap_or_else(|| "unknown panic".to_string());
  format!("internal error in tokio-net: {text}")
}

/// Names the call that failed on an OS or tokio error, as `.syscall("setsockopt")?`: the
/// `syscall` of its JS face and the first word of its message.
pub trait IoResultExt<T> {
  fn syscall(self, call: &'static str) -> NetResult<T>;
}

impl<T> IoResultExt<T> for io::Result<T> {
  fn syscall(self, call: &'static str) -> NetResult<T> {
    self.map_err(|err| NetError::io(err, call))
  }
}

impl From<io::Error> for NetError {
  fn from(err: io::Error) -> Self {
    NetError::Io { err, syscall: None }
  }
}

impl From<napi::Error> for NetError {
  fn from(err: napi::Error) -> Self {
    NetError::Internal(format!("{}: {}", err.status, err.reason))
  }
}

/// An OS or tokio error's message: the call that failed, the code, and the OS's words.
fn io_message(err: &io::Error, syscall: Option<&'static str>) -> String {
  let code = io_code(err);
  match syscall {
    Some(call) => format!("{call} {code}: {err}"),
    None => format!("{code}: {err}"),
  }
}

/// The errno symbol Node would use, or a stable `ERR_*` code for errors the OS did not give.
fn io_code(err: &io::Error) -> String {
  if let Some(name) = err.raw_os_error().and_then(errno_name) {
    return name.to_string();
  }
  match err.kind() {
    io::ErrorKind::WouldBlock => "EAGAIN".to_string(),
    io::ErrorKind::ConnectionRefused if err.raw_os_error().is_some() => "ECONNREFUSED".into(),
    io::ErrorKind::ConnectionReset if err.raw_os_error().is_some() => "ECONNRESET".into(),
    io::ErrorKind::ConnectionAborted if err.raw_os_error().is_some() => "ECONNABORTED".into(),
    io::ErrorKind::BrokenPipe if err.raw_os_error().is_some() => "EPIPE".into(),
    io::ErrorKind::TimedOut if err.raw_os_error().is_some() => "ETIMEDOUT".into(),
    io::ErrorKind::AddrInUse if err.raw_os_error().is_some() => "EADDRINUSE".into(),
    io::ErrorKind::AddrNotAvailable if err.raw_os_error().is_some() => "EADDRNOTAVAIL".into(),
    io::ErrorKind::NotConnected if err.raw_os_error().is_some() => "ENOTCONN".into(),
    kind => {
      let mut code = String::from("ERR");
      for ch in format!("{kind:?}").chars() {
        if ch.is_ascii_uppercase() {
          code.push('_');
        }
        code.push(ch.to_ascii_uppercase());
      }
      code
    }
  }
}

#[cfg(not(unix))]
fn errno_name(_errno: i32) -> Option<&'static str> {
  None
}

#[cfg(unix)]
fn errno_name(errno: i32) -> Option<&'static str> {
  use libc::*;
  let names: &[(i32, &str)] = &[
    (EAGAIN, "EAGAIN"),
    (ECONNREFUSED, "ECONNREFUSED"),
    (ECONNRESET, "ECONNRESET"),
    (ECONNABORTED, "ECONNABORTED"),
    (EPIPE, "EPIPE"),
    (ETIMEDOUT, "ETIMEDOUT"),
    (EADDRINUSE, "EADDRINUSE"),
    (EADDRNOTAVAIL, "EADDRNOTAVAIL"),
    (ENOTCONN, "ENOTCONN"),
    (EISCONN, "EISCONN"),
    (EINVAL, "EINVAL"),
    (EBADF, "EBADF"),
    (EHOSTUNREACH, "EHOSTUNREACH"),
    (ENETUNREACH, "ENETUNREACH"),
    (ENETDOWN, "ENETDOWN"),
    (EACCES, "EACCES"),
    (EPERM, "EPERM"),
    (EINPROGRESS, "EINPROGRESS"),
    (EALREADY, "EALREADY"),
    (ENOTSOCK, "ENOTSOCK"),
    (EMFILE, "EMFILE"),
    (ENFILE, "ENFILE"),
    (ENOBUFS, "ENOBUFS"),
    (ENOMEM, "ENOMEM"),
    (EAFNOSUPPORT, "EAFNOSUPPORT"),
    (EPROTONOSUPPORT, "EPROTONOSUPPORT"),
    (EOPNOTSUPP, "EOPNOTSUPP"),
    (ENOPROTOOPT, "ENOPROTOOPT"),
    (EINTR, "EINTR"),
    (EFAULT, "EFAULT"),
    (EMSGSIZE, "EMSGSIZE"),
    (EDESTADDRREQ, "EDESTADDRREQ"),
    (ESHUTDOWN, "ESHUTDOWN"),
    (ENOENT, "ENOENT"),
  ];
  names.iter().find(|(n, _)| *n == errno).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn os_errors_use_the_errno_symbol() {
    #[cfg(unix)]
    {
      let refused = io::Error::from_raw_os_error(libc::ECONNREFUSED);
      assert_eq!(io_code(&refused), "ECONNREFUSED");
      let again = io::Error::from_raw_os_error(libc::EAGAIN);
      assert_eq!(io_code(&again), "EAGAIN");
    }
  }

  #[test]
  fn messages_name_the_call_and_the_code() {
    let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "early eof");
    assert_eq!(
      NetError::io(eof, "read").to_string(),
      "read ERR_UNEXPECTED_EOF: early eof"
    );
    #[cfg(target_pointer_width = "64")]
    assert_eq!(
      NetError::StringTooLong { len: 7 }.to_string(),
      "Cannot create a string longer than 0x1fffffe8 characters: the line read is 7 bytes long, \
       and was consumed"
    );
  }

  #[test]
  fn other_errors_get_a_stable_err_code() {
    let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "early eof");
    assert_eq!(io_code(&eof), "ERR_UNEXPECTED_EOF");
    let would_block: io::Error = io::ErrorKind::WouldBlock.into();
    assert_eq!(io_code(&would_block), "EAGAIN");
    let invalid = io::Error::new(io::ErrorKind::InvalidInput, "x");
    assert_eq!(io_code(&invalid), "ERR_INVALID_INPUT");
  }
}
