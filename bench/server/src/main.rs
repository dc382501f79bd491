//! The one server every benchmark client talks to. Pure tokio, multi-thread runtime.
//!
//! Protocol: the client's first byte picks the mode of the connection.
//! - `E` echo: every byte read is written back.
//! - `S` sink: read and discard until EOF, then write the byte count (u64 LE) and close.
//! - `O` source: read a u64 LE count N, write N bytes (64 KiB writes), then close.
//! - EOF before any byte: close (connect/close and idle-connection workloads).
//!
//! Usage: `tokio-net-bench-server [port]` (0 or nothing: any free port). Prints
//! `{"port":N}` on stdout once listening, and runs until killed or stdin closes.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const CHUNK: usize = 64 * 1024;

async fn serve(mut s: TcpStream) -> std::io::Result<()> {
    s.set_nodelay(true)?;
    let mut mode = [0u8; 1];
    if s.read(&mut mode).await? == 0 {
        return Ok(());
    }
    match mode[0] {
        b'E' => {
            let mut buf = vec![0u8; CHUNK];
            loop {
                let n = s.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                s.write_all(&buf[..n]).await?;
            }
        }
        b'S' => {
            let mut buf = vec![0u8; CHUNK];
            let mut total: u64 = 0;
            loop {
                let n = s.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                total += n as u64;
            }
            s.write_all(&total.to_le_bytes()).await?;
            s.shutdown().await
        }
        b'O' => {
            let mut n = [0u8; 8];
            s.read_exact(&mut n).await?;
            let mut left = u64::from_le_bytes(n);
            let buf = vec![0x5au8; CHUNK];
            while left > 0 {
                let k = left.min(CHUNK as u64) as usize;
                s.write_all(&buf[..k]).await?;
                left -= k as u64;
            }
            s.shutdown().await
        }
        other => {
            eprintln!("bench-server: unknown mode byte {other:#x}");
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).map(|p| p.parse().expect("port")).unwrap_or(0);
    let sock = TcpSocket::new_v4()?;
    sock.set_reuseaddr(true)?;
    sock.bind(([127, 0, 0, 1], port).into())?;
    let listener = sock.listen(4096)?;
    println!("{{\"port\":{}}}", listener.local_addr()?.port());
    // Exit when the harness goes away (stdin closes), so no server is ever left behind.
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        std::process::exit(0);
    });
    loop {
        match listener.accept().await {
            Ok((s, _)) => {
                tokio::spawn(async move {
                    if let Err(e) = serve(s).await {
                        if !matches!(
                            e.kind(),
                            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                        ) {
                            eprintln!("bench-server: {e}");
                        }
                    }
                });
            }
            Err(e) => {
                // EMFILE and friends: report, back off a little, keep serving.
                eprintln!("bench-server: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}
