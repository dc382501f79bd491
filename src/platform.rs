//! Members that only one family of platforms has. Every one of them exists on every platform, so
//! the one `index.d.ts` describes them all; where the OS lacks it, the call throws
//! `kind: 'Unsupported'` (code `ERR_UNSUPPORTED`) instead of being missing.

use std::io;

pub(crate) fn unsupported(what: &str, only: &str) -> io::Error {
  io::Error::new(
    io::ErrorKind::Unsupported,
    format!("{what} is only available on {only}"),
  )
}

/// The file descriptor of a socket (Unix).
#[cfg(unix)]
pub fn raw_fd(socket: &impl std::os::fd::AsRawFd) -> io::Result<i32> {
  Ok(socket.as_raw_fd())
}

#[cfg(not(unix))]
pub fn raw_fd<S>(_socket: &S) -> io::Result<i32> {
  Err(unsupported(
    "asRawFd()",
    "Unix (use asRawSocket() on Windows)",
  ))
}

/// The socket handle of a socket (Windows).
#[cfg(windows)]
pub fn raw_socket(socket: &impl std::os::windows::io::AsRawSocket) -> io::Result<i64> {
  Ok(socket.as_raw_socket() as i64)
}

#[cfg(not(windows))]
pub fn raw_socket<S>(_socket: &S) -> io::Result<i64> {
  Err(unsupported(
    "asRawSocket()",
    "Windows (use asRawFd() elsewhere)",
  ))
}

/// `$call` on Unix; elsewhere an `Unsupported` error saying `$what` is Unix only. On other
/// platforms `$call` is not even compiled, so it may use Unix-only methods.
macro_rules! unix_only {
  ($what:literal, $call:expr) => {{
    #[cfg(unix)]
    let result = $call;
    #[cfg(not(unix))]
    let result = Err($crate::platform::unsupported($what, "Unix"));
    result
  }};
}
pub(crate) use unix_only;

/// `$call` as it is: the counterpart of [`unix_only`] for members every platform has.
macro_rules! everywhere {
  ($what:literal, $call:expr) => {
    $call
  };
}
pub(crate) use everywhere;

#[cfg(test)]
mod tests {
  #[cfg(unix)]
  #[test]
  fn the_other_platforms_member_is_unsupported() {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    assert!(super::raw_fd(&socket).unwrap() >= 0);
    let err = super::raw_socket(&socket).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    assert!(err.to_string().contains("asRawSocket()"), "{err}");
  }
}
