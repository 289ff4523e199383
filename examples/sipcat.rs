//! sipcat: judge SIP messages the way an edge device would, one JSON line
//! each.
//!
//! ```text
//! sipcat [FILE...]        (no FILE, or "-": standard input)
//! ```
//! Each FILE holds one SIP message as one datagram carries it. Accepted:
//! `{"file":F,"ok":true,"type":"request","method":M,"uri":U,...}` or
//! `{"file":F,"ok":true,"type":"response","status":N,"reason":R,...}` with
//! `call_id`, `cseq`, `cseq_method`, `from_tag`, `to_tag`, `via_branches`,
//! `max_forwards`, `content_length`, `body_len`, `header_count`. Rejected:
//! `{"file":F,"ok":false,"error":TEXT,"offset":N|null}`. Exit status 0 when
//! all were accepted, 1 when any was rejected, 2 on a usage or I/O error.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::process::ExitCode;

use mediaplane::sip::{Message, StartLine};
use mediaplane::Error;

const USAGE: &str = "usage: sipcat [FILE...]\n\
Parses each FILE (one SIP message as one datagram carries it; no FILE or '-'\n\
reads standard input) strictly and prints one JSON line per message.\n\
Exit status: 0 all accepted, 1 any rejected, 2 usage or I/O error.\n";

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.push_str("null"),
    }
}

fn json_opt_num(out: &mut String, n: Option<u64>) {
    match n {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str("null"),
    }
}

fn rejected(file: &str, e: &Error) -> String {
    let mut o = String::from("{\"file\":");
    json_str(&mut o, file);
    o.push_str(",\"ok\":false,\"error\":");
    json_str(&mut o, &e.to_string());
    o.push_str(",\"offset\":");
    json_opt_num(&mut o, e.offset().map(|x| x as u64));
    o.push('}');
    o
}

fn judge(file: &str, data: &[u8]) -> Result<String, Error> {
    let m = Message::parse(data)?;
    m.validate()?;
    let mut o = String::from("{\"file\":");
    json_str(&mut o, file);
    o.push_str(",\"ok\":true");
    match *m.start_line() {
        StartLine::Request { method, uri, .. } => {
            o.push_str(",\"type\":\"request\",\"method\":");
            json_str(&mut o, method.as_str());
            o.push_str(",\"uri\":");
            json_str(&mut o, uri);
        }
        StartLine::Response { status, reason, .. } => {
            let _ = write!(o, ",\"type\":\"response\",\"status\":{status},\"reason\":");
            json_str(&mut o, reason);
        }
    }
    let cseq = m.cseq()?;
    o.push_str(",\"call_id\":");
    json_str(&mut o, m.call_id()?);
    let _ = write!(o, ",\"cseq\":{},\"cseq_method\":", cseq.seq);
    json_str(&mut o, cseq.method.as_str());
    o.push_str(",\"from_tag\":");
    json_opt_str(&mut o, m.from()?.tag());
    o.push_str(",\"to_tag\":");
    json_opt_str(&mut o, m.to()?.tag());
    o.push_str(",\"via_branches\":[");
    for (i, v) in m.vias().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_opt_str(&mut o, v?.branch());
    }
    o.push_str("],\"max_forwards\":");
    json_opt_num(&mut o, m.max_forwards()?.map(u64::from));
    o.push_str(",\"content_length\":");
    json_opt_num(&mut o, m.content_length().map(|x| x as u64));
    let _ = write!(
        o,
        ",\"body_len\":{},\"header_count\":{}}}",
        m.body().len(),
        m.header_count()
    );
    Ok(o)
}

fn read_input(name: &str) -> std::io::Result<Vec<u8>> {
    // One datagram is at most 64 KiB; read a little past that so an
    // oversized file is reported by the parser's size limit.
    const CAP: u64 = 64 * 1024 + 1;
    let mut data = Vec::new();
    if name == "-" {
        std::io::stdin().lock().take(CAP).read_to_end(&mut data)?;
    } else {
        std::fs::File::open(name)?
            .take(CAP)
            .read_to_end(&mut data)?;
    }
    Ok(data)
}

fn main() -> ExitCode {
    let mut files = Vec::new();
    let mut options_done = false;
    for a in std::env::args().skip(1) {
        if !options_done && a == "--" {
            options_done = true;
        } else if !options_done && (a == "-h" || a == "--help") {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        } else if !options_done && a.starts_with('-') && a != "-" {
            eprint!("sipcat: unknown option '{a}'\n{USAGE}");
            return ExitCode::from(2);
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        files.push("-".to_owned());
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut any_rejected = false;
    let mut io_error = false;
    for f in &files {
        let line = match read_input(f) {
            Ok(data) => match judge(f, &data) {
                Ok(l) => l,
                Err(e) => {
                    any_rejected = true;
                    rejected(f, &e)
                }
            },
            Err(e) => {
                eprintln!("sipcat: {f}: {e}");
                io_error = true;
                continue;
            }
        };
        if writeln!(out, "{line}").is_err() {
            return ExitCode::from(2);
        }
    }
    if io_error {
        ExitCode::from(2)
    } else if any_rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
