//! `sip_uas`: a UDP SIP user agent server on 127.0.0.1 that answers every
//! call with an SDP answer, for load tests with SIPp (`sipp -sn uac`) and for
//! trying the SIP layer by hand. The behaviour, and what it leaves out, is
//! described in `examples/common/uas.rs`.
//!
//! Exit status: 0 after `--max-calls` calls (or `--help`), 1 on an I/O error
//! (the port cannot be bound, receiving fails), 2 on a usage error.

#[path = "common/uas.rs"]
mod uas;

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

use uas::{serve, Config, Serve, Uas};

const USAGE: &str = "\
usage: sip_uas [--port N] [--max-calls N] [--ring-ms N] [--quiet | --verbose]

A SIP user agent server over UDP on 127.0.0.1. It answers INVITE with 100,
180 and 200 carrying an SDP answer, BYE and CANCEL with 200 (and 487 for a
CANCELled INVITE that is still ringing), OPTIONS with 200 and Allow, requests
that fail validation with 400 and a Warning, other methods with 501.

options:
  --port N       UDP port to listen on (default 5060; 0 picks a free port)
  --max-calls N  exit with status 0 once N calls have ended with a BYE
  --ring-ms N    ring N milliseconds between the 180 and the 200 (default 0)
  --quiet        print nothing but errors (and the port, with --port 0)
  --verbose      one line per message received or sent, on stderr
  -h, --help     print this help and exit

exit status: 0 done, 1 I/O error, 2 usage error
";

#[derive(Debug)]
struct Options {
    port: u16,
    max_calls: Option<u64>,
    ring: Duration,
    quiet: bool,
    verbose: bool,
}

/// `Ok(None)` asks for the help text.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut opts = Options {
        port: 5060,
        max_calls: None,
        ring: Duration::ZERO,
        quiet: false,
        verbose: false,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let v = value("--port")?;
                opts.port = v
                    .parse()
                    .map_err(|_| format!("--port wants a number in 0..=65535, not {v:?}"))?;
            }
            "--max-calls" => {
                let v = value("--max-calls")?;
                match v.parse::<u64>() {
                    Ok(n) if n > 0 => opts.max_calls = Some(n),
                    _ => return Err(format!("--max-calls wants a positive number, not {v:?}")),
                }
            }
            "--ring-ms" => {
                let v = value("--ring-ms")?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--ring-ms wants a number of milliseconds, not {v:?}"))?;
                opts.ring = Duration::from_millis(ms);
            }
            "--quiet" | "-q" => opts.quiet = true,
            "--verbose" | "-v" => opts.verbose = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
        if inline.is_some() && matches!(flag.as_str(), "--quiet" | "--verbose") {
            return Err(format!("{flag} takes no value"));
        }
    }
    if opts.quiet && opts.verbose {
        return Err("--quiet and --verbose exclude each other".into());
    }
    Ok(Some(opts))
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sip_uas: {e}\ntry 'sip_uas --help'");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port));
    let socket = match UdpSocket::bind(addr) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sip_uas: cannot bind udp {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = match socket.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sip_uas: cannot read the bound address: {e}");
            return ExitCode::FAILURE;
        }
    };
    // With --port 0 the port is the one thing a caller cannot guess.
    if !opts.quiet || opts.port == 0 {
        println!("sip_uas: listening on udp {local}");
    }
    let config = Config {
        ring: opts.ring,
        ..Config::default()
    };
    let mut engine = Uas::new(local, config);
    let run = Serve {
        max_calls: opts.max_calls,
        deadline: None,
        verbose: opts.verbose,
        quiet: opts.quiet,
    };
    match serve(&socket, &mut engine, &run) {
        Ok(served) => {
            if !opts.quiet {
                println!(
                    "sip_uas: {} calls completed, {} datagrams received",
                    served.calls, served.datagrams
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sip_uas: udp {local}: {e}");
            ExitCode::FAILURE
        }
    }
}
