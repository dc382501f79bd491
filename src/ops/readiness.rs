//! Waiting for readiness: `ready`, `readable`, `writable` and the `poll_*_ready` pair.

use std::future::poll_fn;

use napi::Env;
use napi::bindgen_prelude::Unknown;

use crate::bridge::{self, Handle, Lazy, Promise};
use crate::errors::IoResultExt;
use crate::interest::{Ready, interest_arg};
use crate::js::{Js, raw};
use crate::registry::{self};

use super::to_js_class;

pub fn ready(
  env: &Env,
  h: Handle,
  interest: Unknown<'_>,
  opts: Option<Unknown<'_>>,
) -> napi::Result<Promise> {
  let js = Js::new(env.raw());
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let interest = interest_arg(js, raw(&interest))?;
    let (core, closed) = registry::core(h.id)?;
    Ok((Some(closed), async move {
      let ready = core.io.ready(interest).await.syscall("epoll_wait")?;
      Ok(Lazy(move |js: Js| to_js_class(js, Ready::from(ready))))
    }))
  })
}

pub fn readable(env: &Env, h: Handle, opts: Option<Unknown<'_>>) -> napi::Result<Promise> {
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    Ok((Some(closed), async move {
      core.io.readable().await.syscall("epoll_wait")
    }))
  })
}

pub fn writable(env: &Env, h: Handle, opts: Option<Unknown<'_>>) -> napi::Result<Promise> {
  bridge::spawn(env, opts.as_ref(), Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    Ok((Some(closed), async move {
      core.io.writable().await.syscall("epoll_wait")
    }))
  })
}

pub fn poll_read_ready(env: &Env, h: Handle) -> napi::Result<Promise> {
  bridge::spawn(env, None, Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    let mut turn = core.read_poll.ticket();
    Ok((Some(closed), async move {
      turn.wait().await;
      poll_fn(|cx| core.io.poll_read_ready(cx))
        .await
        .syscall("epoll_wait")
    }))
  })
}

pub fn poll_write_ready(env: &Env, h: Handle) -> napi::Result<Promise> {
  bridge::spawn(env, None, Some(h), || {
    let (core, closed) = registry::core(h.id)?;
    let mut turn = core.write_poll.ticket();
    Ok((Some(closed), async move {
      turn.wait().await;
      poll_fn(|cx| core.io.poll_write_ready(cx))
        .await
        .syscall("epoll_wait")
    }))
  })
}
