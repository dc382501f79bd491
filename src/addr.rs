//! Socket addresses: the `SocketAddr` class and the JS forms of tokio's `ToSocketAddrs`.

use std::net::{IpAddr, SocketAddr as StdSocketAddr};

use napi::bindgen_prelude::Unknown;
use napi::{Env, sys};

use crate::bridge::sync;
use crate::errors::{IoResultExt, NetError, NetResult};
use crate::js::{Js, Type};

/// A `std::net::SocketAddr` owned by its JS object (no registry entry).
#[napi]
pub struct SocketAddr {
  pub(crate) inner: StdSocketAddr,
}

#[napi]
impl SocketAddr {
  /// Parses one literal address (no name resolution); failure is `InvalidInput`.
  #[napi(factory)]
  pub fn parse(env: Env, addr: Unknown<'_>) -> napi::Result<SocketAddr> {
    sync(&env, |js| {
      let text = js.string_arg(addr_raw(&addr), "addr")?;
      text
        .parse::<StdSocketAddr>()
        .map(|inner| SocketAddr { inner })
        .map_err(|_| invalid(&text))
    })
  }

  /// `SocketAddr::ip`, displayed.
  #[napi]
  pub fn ip(&self) -> String {
    self.inner.ip().to_string()
  }

  /// `SocketAddr::port`.
  #[napi]
  pub fn port(&self) -> u32 {
    u32::from(self.inner.port())
  }

  /// `SocketAddr::is_ipv4`.
  #[napi]
  pub fn is_ipv4(&self) -> bool {
    self.inner.is_ipv4()
  }

  /// `SocketAddr::is_ipv6`.
  #[napi]
  pub fn is_ipv6(&self) -> bool {
    self.inner.is_ipv6()
  }

  /// `SocketAddr`'s `Display` (`[::1]:8080` form for IPv6).
  #[napi(js_name = "toString")]
  pub fn to_js_string(&self) -> String {
    self.inner.to_string()
  }

  /// `==` against `other` if it is a `SocketAddr` of this binding; `false` for anything else.
  #[napi]
  pub fn equals(&self, env: Env, other: Unknown<'_>) -> bool {
    Js::new(env.raw())
      .with_instance(addr_raw(&other), |o: &SocketAddr| o.inner)
      .is_some_and(|o| o == self.inner)
  }
}

pub fn new_socket_addr(js: Js, addr: StdSocketAddr) -> NetResult<sys::napi_value> {
  // SAFETY: napi-rs's conversion of a class value, on this env's JS thread.
  Ok(unsafe {
    <SocketAddr as napi::bindgen_prelude::ToNapiValue>::to_napi_value(
      js.raw(),
      SocketAddr { inner: addr },
    )
  }?)
}

fn addr_raw(value: &Unknown<'_>) -> sys::napi_value {
  crate::js::raw(value)
}

/// One address of a `ToSocketAddrs` argument, before name resolution.
#[derive(Clone, Debug)]
pub enum Target {
  Addr(StdSocketAddr),
  Host(String, u16),
}

/// The addresses of a `ToSocketAddrs` argument, validated on the JS thread.
#[derive(Clone, Debug)]
pub struct Targets(Vec<Target>);

pub const ADDR_TYPE: &str = "string | [string, number] | { ip: string, port: number } | SocketAddr | Array<string | [string, number] | { ip: string, port: number } | SocketAddr>";

impl Targets {
  pub fn from_js(js: Js, value: sys::napi_value, name: &str) -> NetResult<Targets> {
    let mut out = Vec::new();
    collect(js, value, name, &mut out, true)?;
    Ok(Targets(out))
  }

  /// Resolves host names (as tokio's `lookup_host` does); every address, in order.
  pub async fn resolve(self) -> NetResult<Vec<StdSocketAddr>> {
    let mut addrs = Vec::new();
    for target in self.0 {
      match target {
        Target::Addr(a) => addrs.push(a),
        Target::Host(host, port) => {
          let found = tokio::net::lookup_host((host.as_str(), port))
            .await
            .syscall("getaddrinfo")?;
          addrs.extend(found);
        }
      }
    }
    if addrs.is_empty() {
      return Err(NetError::ArgValue(
        "could not resolve to any addresses".into(),
      ));
    }
    Ok(addrs)
  }
}

fn invalid(text: &str) -> NetError {
  NetError::ArgValue(format!("invalid socket address: {text:?}"))
}

/// The most addresses one `ToSocketAddrs` argument may list.
const MAX_ADDRS: usize = 1024;

fn collect(
  js: Js,
  value: sys::napi_value,
  name: &str,
  out: &mut Vec<Target>,
  top: bool,
) -> NetResult<()> {
  match js.type_of(value) {
    Type::String => {
      let text = js.string_value(value)?;
      out.push(parse_host_port(&text)?);
      Ok(())
    }
    Type::Object if js.is_array(value) => {
      let items = js.array_items(value, name, MAX_ADDRS)?;
      let is_pair = items.len() == 2
        && js.type_of(items[0]) == Type::String
        && js.type_of(items[1]) == Type::Number;
      if is_pair {
        let host = js.string_value(items[0])?;
        let port = port_of(js, items[1], &host)?;
        out.push(host_target(&host, port)?);
        return Ok(());
      }
      if !top {
        return Err(NetError::arg_type(name, &format!("one of {ADDR_TYPE}")));
      }
      for item in items {
        collect(js, item, name, out, false)?;
      }
      Ok(())
    }
    Type::Object => {
      if let Some(addr) = js.with_instance(value, |a: &SocketAddr| a.inner) {
        out.push(Target::Addr(addr));
        return Ok(());
      }
      let ip = js.get(value, "ip")?;
      let port = js.get(value, "port")?;
      if js.type_of(ip) != Type::String || js.type_of(port) != Type::Number {
        return Err(NetError::arg_type(name, &format!("one of {ADDR_TYPE}")));
      }
      let ip_text = js.string_value(ip)?;
      let port = port_of(js, port, &ip_text)?;
      let ip: IpAddr = ip_text
        .parse()
        .map_err(|_| NetError::ArgValue(format!("invalid IP address: {ip_text:?}")))?;
      out.push(Target::Addr(StdSocketAddr::new(ip, port)));
      Ok(())
    }
    _ => Err(NetError::arg_type(name, &format!("one of {ADDR_TYPE}"))),
  }
}

fn port_of(js: Js, value: sys::napi_value, host: &str) -> NetResult<u16> {
  let n = js.f64_value(value)?;
  if n.fract() != 0.0 || !(0.0..=65535.0).contains(&n) {
    return Err(NetError::ArgValue(format!(
      "invalid port {n} for {host:?}: it must be an integer from 0 to 65535"
    )));
  }
  Ok(n as u16)
}

fn host_target(host: &str, port: u16) -> NetResult<Target> {
  if host.is_empty() {
    return Err(invalid(host));
  }
  let bare = host
    .strip_prefix('[')
    .and_then(|h| h.strip_suffix(']'))
    .unwrap_or(host);
  Ok(match bare.parse::<IpAddr>() {
    Ok(ip) => Target::Addr(StdSocketAddr::new(ip, port)),
    Err(_) => Target::Host(host.to_string(), port),
  })
}

fn parse_host_port(text: &str) -> NetResult<Target> {
  if let Ok(addr) = text.parse::<StdSocketAddr>() {
    return Ok(Target::Addr(addr));
  }
  let (host, port) = text.rsplit_once(':').ok_or_else(|| invalid(text))?;
  if host.contains(':') && !host.starts_with('[') {
    return Err(invalid(text));
  }
  let port: u16 = port.parse().map_err(|_| invalid(text))?;
  if host.starts_with('[') {
    // A bracketed host that did not parse above is not a valid IPv6 address.
    return Err(invalid(text));
  }
  host_target(host, port)
}

impl Targets {
  /// The one literal address given, if that is what was given.
  pub fn literal(&self) -> Option<StdSocketAddr> {
    match self.0.as_slice() {
      [Target::Addr(a)] => Some(*a),
      _ => None,
    }
  }
}

impl Targets {
  /// Resolves host names on the calling thread, as `std::net` does.
  pub fn resolve_blocking(self) -> NetResult<Vec<StdSocketAddr>> {
    use std::net::ToSocketAddrs;
    let mut addrs = Vec::new();
    for target in self.0 {
      match target {
        Target::Addr(a) => addrs.push(a),
        Target::Host(host, port) => addrs.extend(
          (host.as_str(), port)
            .to_socket_addrs()
            .syscall("getaddrinfo")?,
        ),
      }
    }
    Ok(addrs)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn addr(text: &str) -> StdSocketAddr {
    match parse_host_port(text) {
      Ok(Target::Addr(a)) => a,
      other => panic!("{text}: {other:?}"),
    }
  }

  #[test]
  fn literal_addresses_parse_without_resolution() {
    assert_eq!(addr("127.0.0.1:8080").port(), 8080);
    assert!(addr("[::1]:9").is_ipv6());
    assert_eq!(addr("0.0.0.0:0").port(), 0);
  }

  #[test]
  fn host_names_are_kept_for_resolution() {
    match parse_host_port("localhost:80") {
      Ok(Target::Host(host, 80)) => assert_eq!(host, "localhost"),
      other => panic!("{other:?}"),
    }
  }

  #[test]
  fn malformed_addresses_are_invalid_input() {
    for bad in [
      "nope",
      "1.2.3.4",
      "127.0.0.1:99999",
      "127.0.0.1:-1",
      ":80",
      "[::1:80",
      "[zz]:80",
      "::1:80",
      "",
    ] {
      match parse_host_port(bad) {
        Err(NetError::ArgValue(_)) => {}
        other => panic!("{bad:?} gave {other:?}"),
      }
    }
  }

  #[test]
  fn literal_is_only_a_single_address() {
    let one = Targets(vec![Target::Addr(addr("127.0.0.1:1"))]);
    assert_eq!(one.literal(), Some(addr("127.0.0.1:1")));
    let host = Targets(vec![Target::Host("localhost".into(), 1)]);
    assert_eq!(host.literal(), None);
  }

  #[test]
  fn resolve_keeps_the_order_given() {
    let rt = tokio::runtime::Builder::new_current_thread()
      .enable_all()
      .build()
      .unwrap();
    let targets = Targets(vec![
      Target::Addr(addr("127.0.0.1:2")),
      Target::Addr(addr("[::1]:3")),
    ]);
    let resolved = rt.block_on(targets.resolve()).unwrap();
    assert_eq!(resolved, vec![addr("127.0.0.1:2"), addr("[::1]:3")]);
  }
}
