//! The pure-Rust tokio client: the same workloads as the JS clients, as a baseline.
//!
//! Usage: `tokio-net-bench-client <workload> <port> [n1] [n2]`, the same positional
//! arguments every client takes (see bench/README.md). Prints one JSON line on stdout.
//!
//! It is also the one fixed load client of the server-side workloads (a proxy or a line server
//! under test): with `BENCH_PEER_PID=<pid>` it reads that process's CPU time (user + system,
//! every thread, from `/proc/<pid>/stat`) around the timed part and reports it as `peer_cpu`.
//! The `lines` workload (`lines <port> <count>`) is only for those servers.

use std::sync::Mutex;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CHUNK: usize = 64 * 1024;

fn cpu_seconds() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn rss_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
            return kb * 1024;
        }
    }
    0
}

/// CPU seconds of the process `BENCH_PEER_PID` names, if it names one, two ways: the sum of its
/// live threads' run time from `/proc/<pid>/task/*/schedstat` (nanoseconds), and user + system
/// from `/proc/<pid>/stat` (every thread, exited ones too, but in clock ticks of 10 ms).
fn peer_cpu_seconds() -> Option<(f64, f64)> {
    let pid = std::env::var("BENCH_PEER_PID").ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 0, utime 11, stime 12 (clock ticks).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let mut ns = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        if let Ok(s) = std::fs::read_to_string(task.path().join("schedstat")) {
            ns += s.split(' ').next().and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    Some((ns as f64 / 1e9, ticks / hz))
}

/// The peer's CPU seconds over the last timed span, printed with the result.
static PEER_CPU: Mutex<Option<f64>> = Mutex::new(None);

struct Span {
    t0: Instant,
    c0: f64,
    p0: Option<(f64, f64)>,
}
impl Span {
    fn start() -> Self {
        Span { p0: peer_cpu_seconds(), t0: Instant::now(), c0: cpu_seconds() }
    }
    fn stop(&self) -> (f64, f64) {
        let r = (self.t0.elapsed().as_secs_f64(), cpu_seconds() - self.c0);
        if let (Some(p0), Some(p1)) = (self.p0, peer_cpu_seconds()) {
            // The precise figure, unless threads that exited meanwhile took more than the
            // clock-tick figure's resolution with them.
            let (precise, ticks) = (p1.0 - p0.0, p1.1 - p0.1);
            *PEER_CPU.lock().unwrap() = Some(if ticks > precise + 0.02 { ticks } else { precise });
        }
        r
    }
}

async fn connect(port: u16, mode: Option<u8>) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    s.set_nodelay(true).unwrap();
    if let Some(m) = mode {
        s.write_all(&[m]).await.unwrap();
    }
    s
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i]
}

async fn pingpong(s: &mut TcpStream, msg: &[u8], buf: &mut [u8], count: usize, lat: Option<&mut Vec<f64>>) {
    match lat {
        Some(lat) => {
            for _ in 0..count {
                let t = Instant::now();
                s.write_all(msg).await.unwrap();
                s.read_exact(buf).await.unwrap();
                lat.push(t.elapsed().as_secs_f64() * 1e6);
            }
        }
        None => {
            for _ in 0..count {
                s.write_all(msg).await.unwrap();
                s.read_exact(buf).await.unwrap();
            }
        }
    }
}

async fn upload(port: u16, total: u64) -> u64 {
    let mut s = connect(port, Some(b'S')).await;
    let chunk = vec![0xa5u8; CHUNK];
    let mut left = total;
    while left > 0 {
        let k = left.min(CHUNK as u64) as usize;
        s.write_all(&chunk[..k]).await.unwrap();
        left -= k as u64;
    }
    s.shutdown().await.unwrap();
    let mut n = [0u8; 8];
    s.read_exact(&mut n).await.unwrap();
    u64::from_le_bytes(n)
}

async fn download(port: u16, total: u64) -> u64 {
    let mut s = connect(port, Some(b'O')).await;
    s.write_all(&total.to_le_bytes()).await.unwrap();
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0u64;
    loop {
        let n = s.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        got += n as u64;
    }
    got
}

async fn pipeline(port: u16, count: usize, size: usize) {
    let s = connect(port, Some(b'E')).await;
    let (mut r, mut w) = s.into_split();
    let msg = vec![0x42u8; size];
    let writer = tokio::spawn(async move {
        for _ in 0..count {
            w.write_all(&msg).await.unwrap();
        }
        w
    });
    let want = (count * size) as u64;
    let mut got = 0u64;
    let mut buf = vec![0u8; CHUNK];
    while got < want {
        let n = r.read(&mut buf).await.unwrap();
        assert!(n > 0, "unexpected EOF");
        got += n as u64;
    }
    let _w = writer.await.unwrap();
}

/// `count` text lines of 20 to 60 bytes (about 40 on average, log-like, ASCII), each ending in
/// a newline; with the number of lines and their total length without the newlines.
fn make_lines(count: usize) -> (Vec<u8>, u64) {
    const METHODS: [&str; 4] = ["GET", "PUT", "POST", "HEAD"];
    let mut out = Vec::with_capacity(count * 41);
    let mut chars = 0u64;
    let mut x: u32 = 0x9e37_79b9;
    for i in 0..count {
        // xorshift: cheap, deterministic variety in the line lengths
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let path_len = 2 + (x % 41) as usize;
        let start = out.len();
        out.extend_from_slice(format!("{:06} {} /", i % 1_000_000, METHODS[(x >> 8) as usize % 4]).as_bytes());
        for k in 0..path_len {
            out.push(b'a' + ((x as usize >> (k % 24)) + k) as u8 % 26);
        }
        out.extend_from_slice(format!(" {}", 200 + (x >> 20) % 4).as_bytes());
        chars += (out.len() - start) as u64;
        out.push(b'\n');
    }
    (out, chars)
}

/// Sends the lines to a line server, then FIN; the server answers `<lines> <chars>\n` and closes.
async fn lines(port: u16, payload: &[u8]) -> (u64, u64) {
    let mut s = connect(port, None).await;
    for chunk in payload.chunks(CHUNK) {
        s.write_all(chunk).await.unwrap();
    }
    s.shutdown().await.unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).await.unwrap();
    let mut it = reply.split_whitespace().map(|x| x.parse::<u64>().unwrap_or(u64::MAX));
    (it.next().unwrap_or(u64::MAX), it.next().unwrap_or(u64::MAX))
}

async fn connect_close(port: u16, count: usize) {
    for _ in 0..count {
        let s = connect(port, None).await;
        drop(s);
    }
}

async fn fanin(port: u16, conns: usize, rts: usize) -> (f64, f64) {
    let mut streams = Vec::with_capacity(conns);
    let mut pending = Vec::with_capacity(conns);
    for _ in 0..conns {
        pending.push(tokio::spawn(connect(port, Some(b'E'))));
    }
    for p in pending {
        streams.push(p.await.unwrap());
    }
    let span = Span::start();
    let mut tasks = Vec::with_capacity(conns);
    for mut s in streams {
        tasks.push(tokio::spawn(async move {
            let msg = [0x42u8; 64];
            let mut buf = [0u8; 64];
            pingpong(&mut s, &msg, &mut buf, rts, None).await;
            s
        }));
    }
    let mut done = Vec::with_capacity(conns);
    for t in tasks {
        done.push(t.await.unwrap());
    }
    let r = span.stop();
    drop(done);
    r
}

async fn open_many(port: u16, conns: usize) -> Vec<TcpStream> {
    let mut out = Vec::with_capacity(conns);
    let mut i = 0;
    while i < conns {
        let k = (conns - i).min(100);
        let batch: Vec<_> = (0..k).map(|_| tokio::spawn(connect(port, None))).collect();
        for b in batch {
            out.push(b.await.unwrap());
        }
        i += k;
    }
    out
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let workload = args[1].as_str();
    let port: u16 = args[2].parse().unwrap();
    let n1: usize = args.get(3).map(|a| a.parse().unwrap()).unwrap_or(0);
    let n2: usize = args.get(4).map(|a| a.parse().unwrap()).unwrap_or(0);
    let warm = |n: usize| (n / 10).max(1);
    let out = match workload {
        "pingpong" => {
            let (size, count) = (n1, n2);
            let mut s = connect(port, Some(b'E')).await;
            let msg = vec![0x42u8; size];
            let mut buf = vec![0u8; size];
            pingpong(&mut s, &msg, &mut buf, warm(count), None).await;
            let mut lat = Vec::with_capacity(count);
            let span = Span::start();
            pingpong(&mut s, &msg, &mut buf, count, Some(&mut lat)).await;
            let (secs, cpu) = span.stop();
            lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
            format!(
                "{{\"ops\":{count},\"seconds\":{secs},\"cpu\":{cpu},\"p50_us\":{},\"p99_us\":{}}}",
                percentile(&lat, 50.0),
                percentile(&lat, 99.0)
            )
        }
        "upload" | "download" => {
            let total = n1 as u64;
            let f = |t| async move {
                if workload == "upload" { upload(port, t).await } else { download(port, t).await }
            };
            f(total / 16).await;
            let span = Span::start();
            let got = f(total).await;
            let (secs, cpu) = span.stop();
            assert_eq!(got, total, "byte count");
            format!("{{\"ops\":{total},\"bytes\":{total},\"seconds\":{secs},\"cpu\":{cpu}}}")
        }
        // The peers have no buffered writer of their own here: they run their pipeline code.
        "pipeline" | "pipeline-bufwriter" => {
            let (count, size) = (n1, n2);
            pipeline(port, warm(count), size).await;
            let span = Span::start();
            pipeline(port, count, size).await;
            let (secs, cpu) = span.stop();
            format!("{{\"ops\":{count},\"seconds\":{secs},\"cpu\":{cpu}}}")
        }
        "connect" => {
            let count = n1;
            connect_close(port, warm(count)).await;
            let span = Span::start();
            connect_close(port, count).await;
            let (secs, cpu) = span.stop();
            format!("{{\"ops\":{count},\"seconds\":{secs},\"cpu\":{cpu}}}")
        }
        "fanin" => {
            let (conns, rts) = (n1, n2);
            fanin(port, warm(conns), warm(rts)).await;
            let (secs, cpu) = fanin(port, conns, rts).await;
            format!("{{\"ops\":{},\"seconds\":{secs},\"cpu\":{cpu}}}", conns * rts)
        }
        "idle" => {
            let conns = n1;
            drop(open_many(port, warm(conns)).await);
            let before = rss_bytes();
            let span = Span::start();
            let held = open_many(port, conns).await;
            let (secs, cpu) = span.stop();
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let after = rss_bytes();
            let n = held.len();
            drop(held);
            format!(
                "{{\"ops\":{n},\"seconds\":{secs},\"cpu\":{cpu},\"rss_before\":{before},\"rss_after\":{after}}}"
            )
        }
        "lines" => {
            let count = n1;
            let (warm_payload, warm_chars) = make_lines(warm(count));
            assert_eq!(lines(port, &warm_payload).await, (warm(count) as u64, warm_chars), "line server's count");
            let (payload, chars) = make_lines(count);
            let span = Span::start();
            let got = lines(port, &payload).await;
            let (secs, cpu) = span.stop();
            assert_eq!(got, (count as u64, chars), "line server's count (lines, chars)");
            format!("{{\"ops\":{count},\"bytes\":{},\"seconds\":{secs},\"cpu\":{cpu}}}", payload.len())
        }
        w => panic!("unknown workload {w}"),
    };
    let out = match *PEER_CPU.lock().unwrap() {
        Some(p) => format!("{},\"peer_cpu\":{p}}}", &out[..out.len() - 1]),
        None => out,
    };
    println!("{out}");
}
