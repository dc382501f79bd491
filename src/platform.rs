//! Members that only one family of platforms has. Every one of them exists on every platform, so
//! the one `index.d.ts` describes them all; where the OS lacks it, the call throws
//! `kind: 'Unsupported'` (code `ERR_UNSUPPORTED`) instead of being missing.

use std::io;

fn unsupported(what: &str, only: &str) -> io::Error {
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

#[cfg(unix)]
pub fn reuseport(socket: &tokio::net::TcpSocket) -> io::Result<bool> {
  socket.reuseport()
}

#[cfg(unix)]
pub fn set_reuseport(socket: &tokio::net::TcpSocket, on: bool) -> io::Result<()> {
  socket.set_reuseport(on)
}

#[cfg(not(unix))]
pub fn reuseport(_socket: &tokio::net::TcpSocket) -> io::Result<bool> {
  Err(unsupported("SO_REUSEPORT", "Unix"))
}

#[cfg(not(unix))]
pub fn set_reuseport(_socket: &tokio::net::TcpSocket, _on: bool) -> io::Result<()> {
  Err(unsupported("SO_REUSEPORT", "Unix"))
}

#[cfg(unix)]
pub fn tos(socket: &tokio::net::TcpSocket) -> io::Result<u32> {
  socket.tos_v4()
}

#[cfg(unix)]
pub fn set_tos(socket: &tokio::net::TcpSocket, tos: u32) -> io::Result<()> {
  socket.set_tos_v4(tos)
}

#[cfg(not(unix))]
pub fn tos(_socket: &tokio::net::TcpSocket) -> io::Result<u32> {
  Err(unsupported("IP_TOS", "Unix"))
}

#[cfg(not(unix))]
pub fn set_tos(_socket: &tokio::net::TcpSocket, _tos: u32) -> io::Result<()> {
  Err(unsupported("IP_TOS", "Unix"))
}

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
