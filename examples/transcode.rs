//! transcode: convert audio files between 16-bit linear PCM, G.711 μ-law
//! and A-law, and G.722, with the codec and resampler APIs of
//! `mediaplane::codec`.
//!
//! ```text
//! transcode --from FMT --to FMT IN OUT
//! ```
//! See `USAGE` (printed by `--help`) for the formats, the WAV rule and the
//! exit status.

use std::io::{Read, Write};
use std::process::ExitCode;

use mediaplane::codec::g711;
use mediaplane::codec::g722::{G722Decoder, G722Encoder, G722Mode};
use mediaplane::codec::resample::{Downsampler2x, Upsampler2x};

const USAGE: &str = r"usage: transcode --from FMT --to FMT IN OUT
Converts the audio in file IN from format FMT to file OUT in another.

FMT is one of
  s16le@8000    16-bit signed little-endian linear PCM at 8 kHz
  s16le@16000   the same at 16 kHz
  pcmu          G.711 mu-law, one octet per 8 kHz sample
  pcma          G.711 A-law, one octet per 8 kHz sample
  g722          G.722 at 64 kbit/s, one octet per pair of 16 kHz samples
  g722@56000    G.722 octets decoded in mode 2 (56 kbit/s; input only)
  g722@48000    G.722 octets decoded in mode 3 (48 kbit/s; input only)

Files are raw, with no header, except that a name ending in '.wav' is a
WAV file (RIFF/WAVE, PCM, 16-bit, mono); only the s16le formats can be
WAV files, and a WAV input's sample rate must be the one FMT names. IN or
OUT '-' is standard input or output (raw).

Conversion: pcmu <-> pcma use the direct G.711 conversion; any other pair
decodes to linear PCM, resamples between 8 and 16 kHz when the rates
differ, and encodes. The resampler's delay is taken out (the output lines
up with the input, same duration); the codecs' own delay is kept.
s16le@16000 -> g722 is the plain G.722 encoder at 64 kbit/s; an odd last
16 kHz sample, which no G.722 octet can carry, is dropped.

  --help        print this help
Options may come in any order, as '--opt VALUE' or '--opt=VALUE'.
Exit status: 0 converted, 1 bad input data or an unreadable or unwritable
file, 2 usage error.
";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fmt {
    S16(u32),
    Pcmu,
    Pcma,
    G722(G722Mode),
}

impl Fmt {
    fn parse(s: &str) -> Option<Fmt> {
        Some(match s {
            "s16le@8000" => Fmt::S16(8000),
            "s16le@16000" => Fmt::S16(16000),
            "pcmu" => Fmt::Pcmu,
            "pcma" => Fmt::Pcma,
            "g722" => Fmt::G722(G722Mode::Mode1),
            "g722@56000" => Fmt::G722(G722Mode::Mode2),
            "g722@48000" => Fmt::G722(G722Mode::Mode3),
            _ => return None,
        })
    }

    fn rate(self) -> u32 {
        match self {
            Fmt::S16(r) => r,
            Fmt::Pcmu | Fmt::Pcma => 8000,
            Fmt::G722(_) => 16000,
        }
    }
}

enum Failure {
    Usage(String),
    Data(String),
}

struct Args {
    from: Fmt,
    to: Fmt,
    input: String,
    output: String,
}

fn parse_args(args: &[String]) -> Result<Option<Args>, Failure> {
    let usage = |m: String| Failure::Usage(m);
    let (mut from, mut to) = (None, None);
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--help" || a == "-h" {
            return Ok(None);
        }
        if a == "-" || !a.starts_with('-') {
            files.push(a.clone());
            continue;
        }
        let name = a.split_once('=').map_or(a.as_str(), |(n, _)| n);
        if name != "--from" && name != "--to" {
            return Err(usage(format!("unknown option {name}")));
        }
        let (name, value) = match a.split_once('=') {
            Some((n, v)) => (n, v.to_owned()),
            None => {
                let v = args
                    .get(i)
                    .ok_or_else(|| usage(format!("{a} needs a value")))?;
                i += 1;
                (a.as_str(), v.clone())
            }
        };
        let fmt = Fmt::parse(&value).ok_or_else(|| {
            usage(format!(
                "unknown format '{value}' for {name}: expected s16le@8000, s16le@16000, pcmu, pcma, g722, g722@56000 or g722@48000"
            ))
        })?;
        if name == "--from" {
            from = Some(fmt);
        } else {
            to = Some(fmt);
        }
    }
    let from = from.ok_or_else(|| usage("missing --from FMT".into()))?;
    let to = to.ok_or_else(|| usage("missing --to FMT".into()))?;
    if matches!(to, Fmt::G722(m) if m != G722Mode::Mode1) {
        return Err(usage(
            "g722@56000 and g722@48000 are input formats only; write g722".into(),
        ));
    }
    let [input, output]: [String; 2] = files.try_into().map_err(|f: Vec<String>| {
        usage(format!(
            "expected the two file names IN and OUT, found {}",
            f.len()
        ))
    })?;
    for (name, fmt, side) in [(&input, from, "--from"), (&output, to, "--to")] {
        if is_wav(name) && !matches!(fmt, Fmt::S16(_)) {
            return Err(usage(format!(
                "{name} is a WAV file but {side} is not an s16le format"
            )));
        }
    }
    Ok(Some(Args {
        from,
        to,
        input,
        output,
    }))
}

fn is_wav(name: &str) -> bool {
    name.len() >= 4
        && name
            .get(name.len() - 4..)
            .is_some_and(|e| e.eq_ignore_ascii_case(".wav"))
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The samples and rate of a 16-bit mono PCM WAV file. Chunks other than
/// `fmt ` and `data` are skipped; the RIFF size is not trusted (streamed
/// files leave it 0 or wrong); a data size of 0xFFFFFFFF means "to the end
/// of the file", any other size past the end is a truncated file.
fn read_wav(b: &[u8]) -> Result<(Vec<i16>, u32), String> {
    match b.get(..4) {
        Some(b"RIFF") => {}
        Some(b"RIFX") => return Err("big-endian RIFX WAV files are not supported".into()),
        Some(b"RF64") => return Err("RF64 WAV files are not supported".into()),
        _ => return Err("not a WAV file: it does not start with 'RIFF'".into()),
    }
    if b.get(8..12) != Some(b"WAVE") {
        return Err("not a WAV file: RIFF form type is not 'WAVE'".into());
    }
    let mut at = 12;
    let mut rate = None;
    loop {
        let (Some(id), Some(size)) = (b.get(at..at + 4), le32(b, at + 4)) else {
            return Err(if rate.is_none() {
                "no 'fmt ' chunk before the end of the file".into()
            } else {
                "no 'data' chunk before the end of the file".into()
            });
        };
        let body = at + 8;
        let size = size as usize;
        match id {
            b"fmt " => {
                let f = b
                    .get(body..body + size)
                    .filter(|f| f.len() >= 16)
                    .ok_or("truncated or short 'fmt ' chunk")?;
                let tag = le16(f, 0).unwrap_or(0);
                let pcm = tag == 1 || (tag == 0xFFFE && f.len() >= 26 && le16(f, 24) == Some(1));
                if !pcm {
                    return Err(format!(
                        "unsupported WAV encoding (format tag {tag:#06x}): expected PCM"
                    ));
                }
                let channels = le16(f, 2).unwrap_or(0);
                let bits = le16(f, 14).unwrap_or(0);
                if channels != 1 || bits != 16 {
                    return Err(format!(
                        "WAV file has {channels} channel(s) of {bits}-bit samples: expected mono 16-bit"
                    ));
                }
                rate = le32(f, 4);
            }
            b"data" => {
                let Some(rate) = rate else {
                    return Err("'data' chunk before the 'fmt ' chunk".into());
                };
                let data = if size == 0xFFFF_FFFF {
                    b.get(body..).unwrap_or_default()
                } else {
                    b.get(body..body + size).ok_or_else(|| {
                        format!(
                            "truncated WAV file: the data chunk claims {size} bytes, {} are there",
                            b.len().saturating_sub(body)
                        )
                    })?
                };
                if data.len() % 2 != 0 {
                    return Err("WAV data is an odd number of bytes".into());
                }
                return Ok((samples(data), rate));
            }
            _ => {}
        }
        at = body + size + (size & 1);
    }
}

fn samples(b: &[u8]) -> Vec<i16> {
    b.chunks_exact(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect()
}

fn wav_bytes(pcm: &[i16], rate: u32) -> Vec<u8> {
    let data = (2 * pcm.len()) as u32;
    let mut b = Vec::with_capacity(44 + 2 * pcm.len());
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(2 * rate).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    pcm.iter()
        .for_each(|s| b.extend_from_slice(&s.to_le_bytes()));
    b
}

/// 8 kHz to 16 kHz, the filter's delay taken out: `2n` samples aligned
/// with the input.
fn upsample(pcm: &[i16]) -> Vec<i16> {
    let d = Upsampler2x::DELAY_SAMPLES;
    let mut input = pcm.to_vec();
    input.resize(pcm.len() + d.div_ceil(2), 0);
    let mut out = vec![0; 2 * input.len()];
    Upsampler2x::new().process(&input, &mut out);
    out.drain(..d);
    out.truncate(2 * pcm.len());
    out
}

/// 16 kHz to 8 kHz, the filter's delay taken out: `n / 2` samples aligned
/// with the input.
fn downsample(pcm: &[i16]) -> Vec<i16> {
    let d = Downsampler2x::DELAY_SAMPLES;
    let mut input = pcm.to_vec();
    input.resize(pcm.len() + 2 * d, 0);
    let mut out = vec![0; input.len() / 2];
    let n = Downsampler2x::new().process(&input, &mut out);
    out.truncate(n);
    out.drain(..d.min(out.len()));
    out.truncate(pcm.len() / 2);
    out
}

fn convert(from: Fmt, to: Fmt, data: &[u8]) -> Vec<u8> {
    // Octet-domain paths first.
    match (from, to) {
        (Fmt::Pcmu, Fmt::Pcmu) | (Fmt::Pcma, Fmt::Pcma) => return data.to_vec(),
        (Fmt::G722(G722Mode::Mode1), Fmt::G722(_)) => return data.to_vec(),
        (Fmt::Pcmu, Fmt::Pcma) => {
            let mut out = vec![0; data.len()];
            g711::ulaw_to_alaw_slice(data, &mut out);
            return out;
        }
        (Fmt::Pcma, Fmt::Pcmu) => {
            let mut out = vec![0; data.len()];
            g711::alaw_to_ulaw_slice(data, &mut out);
            return out;
        }
        _ => {}
    }
    let pcm = match from {
        Fmt::S16(_) => samples(data),
        Fmt::Pcmu => {
            let mut v = vec![0; data.len()];
            g711::decode_ulaw(data, &mut v);
            v
        }
        Fmt::Pcma => {
            let mut v = vec![0; data.len()];
            g711::decode_alaw(data, &mut v);
            v
        }
        Fmt::G722(mode) => {
            let mut v = vec![0; 2 * data.len()];
            let n = G722Decoder::new(mode).decode(data, &mut v);
            v.truncate(n);
            v
        }
    };
    let pcm = match (from.rate(), to.rate()) {
        (8000, 16000) => upsample(&pcm),
        (16000, 8000) => downsample(&pcm),
        _ => pcm,
    };
    match to {
        Fmt::S16(_) => pcm.iter().flat_map(|s| s.to_le_bytes()).collect(),
        Fmt::Pcmu => {
            let mut out = vec![0; pcm.len()];
            g711::encode_ulaw(&pcm, &mut out);
            out
        }
        Fmt::Pcma => {
            let mut out = vec![0; pcm.len()];
            g711::encode_alaw(&pcm, &mut out);
            out
        }
        Fmt::G722(_) => {
            let mut out = vec![0; pcm.len() / 2];
            let n = G722Encoder::new(G722Mode::Mode1).encode(&pcm, &mut out);
            out.truncate(n);
            out
        }
    }
}

fn read_input(name: &str) -> Result<Vec<u8>, Failure> {
    let mut data = Vec::new();
    let r = if name == "-" {
        std::io::stdin().read_to_end(&mut data).map(|_| ())
    } else {
        std::fs::read(name).map(|d| data = d)
    };
    r.map_err(|e| Failure::Data(format!("cannot read {name}: {e}")))?;
    Ok(data)
}

fn write_output(name: &str, data: &[u8]) -> Result<(), Failure> {
    let r = if name == "-" {
        let mut o = std::io::stdout().lock();
        o.write_all(data).and_then(|()| o.flush())
    } else {
        std::fs::write(name, data)
    };
    r.map_err(|e| Failure::Data(format!("cannot write {name}: {e}")))
}

fn run(args: &Args) -> Result<(), Failure> {
    let raw = read_input(&args.input)?;
    let data = if is_wav(&args.input) {
        let (pcm, rate) =
            read_wav(&raw).map_err(|e| Failure::Data(format!("{}: {e}", args.input)))?;
        if rate != args.from.rate() {
            return Err(Failure::Data(format!(
                "{}: the WAV file is at {rate} Hz but --from names {} Hz",
                args.input,
                args.from.rate()
            )));
        }
        pcm.iter().flat_map(|s| s.to_le_bytes()).collect()
    } else {
        if matches!(args.from, Fmt::S16(_)) && raw.len() % 2 != 0 {
            return Err(Failure::Data(format!(
                "{}: s16le input is an odd number of bytes ({})",
                args.input,
                raw.len()
            )));
        }
        raw
    };
    let out = convert(args.from, args.to, &data);
    let out = if is_wav(&args.output) {
        wav_bytes(&samples(&out), args.to.rate())
    } else {
        out
    };
    write_output(&args.output, &out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match parse_args(&args) {
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Some(a)) => run(&a),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            let first = USAGE.lines().next().unwrap_or_default();
            eprintln!("transcode: {m}\n{first}\n(transcode --help for more)");
            ExitCode::from(2)
        }
        Err(Failure::Data(m)) => {
            eprintln!("transcode: {m}");
            ExitCode::from(1)
        }
    }
}
