//! The pure-Rust servers under test of the server-side benchmarks: what tokio-net's own
//! copies and buffered readers are measured against (tokio multi-thread runtime, as
//! `#[tokio::main]` gives).
//!
//! Usage: `tokio-net-bench-floor proxy <upstream-port>` or `tokio-net-bench-floor lines`.
//! - `proxy`: accept on 127.0.0.1, connect each connection to 127.0.0.1:<upstream-port> and
//!   `tokio::io::copy_bidirectional` the two (a FIN is passed on as a shutdown).
//! - `lines`: read newline-terminated lines with `BufReader::lines` until EOF, then answer
//!   `<lines> <chars>\n` (chars: the lines' total length without the newlines) and close.
//!
//! Prints `{"port":N}` on stdout once listening, and runs until stdin closes.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

async fn proxy(mut c: TcpStream, upstream: u16) -> std::io::Result<()> {
    c.set_nodelay(true)?;
    let mut u = TcpStream::connect(("127.0.0.1", upstream)).await?;
    u.set_nodelay(true)?;
    tokio::io::copy_bidirectional(&mut c, &mut u).await?;
    Ok(())
}

async fn lines(s: TcpStream) -> std::io::Result<()> {
    s.set_nodelay(true)?;
    let (r, mut w) = s.into_split();
    let mut lines = BufReader::new(r).lines();
    let (mut n, mut chars) = (0u64, 0u64);
    while let Some(line) = lines.next_line().await? {
        n += 1;
        chars += line.len() as u64;
    }
    w.write_all(format!("{n} {chars}\n").as_bytes()).await?;
    w.shutdown().await
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let role = args.get(1).map(String::as_str).unwrap_or("");
    let upstream: u16 = match role {
        "proxy" => args.get(2).and_then(|p| p.parse().ok()).expect("proxy <upstream-port>"),
        "lines" => 0,
        other => panic!("unknown role {other:?}: proxy <upstream-port> | lines"),
    };
    // A backlog of 4096 as the fixed server has: when 1,000 connections arrive at once, a full
    // SYN queue makes Linux fall back to SYN cookies, and a connection completed by a data
    // segment instead of the lost handshake ACK then silently loses its first bytes.
    let sock = TcpSocket::new_v4()?;
    sock.bind(([127, 0, 0, 1], 0).into())?;
    let listener = sock.listen(4096)?;
    println!("{{\"port\":{}}}", listener.local_addr()?.port());
    // Exit when the harness goes away (stdin closes), so no server is ever left behind.
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        std::process::exit(0);
    });
    let lines_role = role == "lines";
    loop {
        let (s, _) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("bench-floor: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        tokio::spawn(async move {
            let r = if lines_role { lines(s).await } else { proxy(s, upstream).await };
            if let Err(e) = r {
                if !matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe) {
                    eprintln!("bench-floor: {e}");
                }
            }
        });
    }
}
