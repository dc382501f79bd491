//! `Interest` (what to wait for) and `Ready` (what happened), as tokio's `tokio::io` has them.

use napi::sys;
use tokio::io::{Interest as TokioInterest, Ready as TokioReady};

use crate::errors::{NetError, NetResult};
use crate::js::Js;

/// tokio's `Interest` bits as a JS enum; [`interest_arg`] turns a combination back into one.
#[napi]
#[expect(
  clippy::upper_case_acronyms,
  reason = "tokio names its interests READABLE, WRITABLE, ..."
)]
pub enum Interest {
  READABLE = 1,
  WRITABLE = 2,
  ERROR = 4,
  PRIORITY = 8,
}

/// Reads an interest bit set from JS: a whole number made of `Interest` flags, at least one.
pub fn interest_arg(js: Js, value: sys::napi_value) -> NetResult<TokioInterest> {
  let bits = js.uint_arg(value, "interest", 15.0)?;
  let flags = [
    (1, Some(TokioInterest::READABLE)),
    (2, Some(TokioInterest::WRITABLE)),
    (4, Some(TokioInterest::ERROR)),
    (8, priority()),
  ];
  let mut interest: Option<TokioInterest> = None;
  for (bit, flag) in flags {
    if bits & bit == 0 {
      continue;
    }
    let flag = flag.ok_or_else(|| {
      NetError::ArgValue("Interest.PRIORITY is only available on Linux and Android".into())
    })?;
    interest = Some(match interest {
      Some(i) => i | flag,
      None => flag,
    });
  }
  interest
    .ok_or_else(|| NetError::ArgValue("interest must contain at least one Interest flag".into()))
}

/// One interest, for `tryIo` and `asyncIo`: tokio tracks and clears readiness per direction,
/// and its `try_io` finds a combined interest never ready, so a combined one is refused instead
/// of blocking forever.
pub fn single_interest_arg(js: Js, value: sys::napi_value) -> NetResult<TokioInterest> {
  let interest = interest_arg(js, value)?;
  let bits = js.uint_arg(value, "interest", 15.0)?;
  if bits.count_ones() != 1 {
    return Err(NetError::ArgValue(format!(
      "interest must be a single Interest flag (READABLE, WRITABLE, ERROR or PRIORITY), not a \
       combination; received {bits}"
    )));
  }
  Ok(interest)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn priority() -> Option<TokioInterest> {
  Some(TokioInterest::PRIORITY)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn priority() -> Option<TokioInterest> {
  None
}

/// A `tokio::io::Ready` owned by its JS object.
#[napi]
pub struct Ready {
  inner: TokioReady,
}

impl From<TokioReady> for Ready {
  fn from(inner: TokioReady) -> Self {
    Ready { inner }
  }
}

#[napi]
impl Ready {
  /// `Ready::is_readable`.
  #[napi]
  pub fn is_readable(&self) -> bool {
    self.inner.is_readable()
  }

  /// `Ready::is_writable`.
  #[napi]
  pub fn is_writable(&self) -> bool {
    self.inner.is_writable()
  }

  /// `Ready::is_read_closed`.
  #[napi]
  pub fn is_read_closed(&self) -> bool {
    self.inner.is_read_closed()
  }

  /// `Ready::is_write_closed`.
  #[napi]
  pub fn is_write_closed(&self) -> bool {
    self.inner.is_write_closed()
  }

  /// `Ready::is_error`.
  #[napi]
  pub fn is_error(&self) -> bool {
    self.inner.is_error()
  }

  /// `Ready::is_priority`. Always `false` off Linux and Android.
  #[napi]
  pub fn is_priority(&self) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
      self.inner.is_priority()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
      false
    }
  }

  /// `Ready::is_empty`.
  #[napi]
  pub fn is_empty(&self) -> bool {
    self.inner.is_empty()
  }
}
