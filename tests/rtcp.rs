//! RTCP: every packet type built, read back through the zero-copy view and
//! parsed by `rtc-rtcp`; the compound rules of RFC 3550 A.2 and RFC 5506;
//! real captured compounds; NACK packing; and proof that the per-packet path
//! (validation, walking, the typed readers) allocates nothing.
//!
//! A counting global allocator wraps the system one. Only allocations made
//! by a thread while its `COUNTING` flag is set are counted, so the other
//! tests of this binary, on other threads, do not disturb the measurement.

use std::hint::black_box;

use mediaplane::rtp::rtcp::codec::transport_feedbacks::transport_layer_cc::{
    PacketStatusChunk, RecvDelta, RunLengthChunk, StatusChunkTypeTcc, StatusVectorChunk,
    SymbolSizeTypeTcc, SymbolTypeTcc,
};
use mediaplane::rtp::rtcp::{self, *};
use mediaplane::{Error, ErrorKind};

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_in;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// SR + SDES CNAME as sent by a PBX media server on a G.711 call, captured
/// and quoted in the test script of a public TypeScript SIP station. Its
/// octet count, 172 per packet, includes the 12-byte RTP header, which RFC
/// 3550 §6.4.1 says it should not.
const PBX_SR_SDES: &str = "80c80006 c5278835 da9dbb09 0a070800 53d81a92 000001f4 00014ff0
     81ca000d c5278835 012a 3230393936383333 32365f7461705f33 3730393730363337
     325f414049332d50 4d53534950312d50 5831 00000000";

/// SR + SDES CNAME of an H.264 camera (LIVE555-era RTSP server), captured
/// and replayed by a public Ruby RTSP test streamer.
const CAMERA_SR_SDES: &str = "80c80006 072dee6a d42c300f 76c3b928 377e99e5 006c461b a92d8a30
     81ca0006 072dee6a 010e 49583330444e2d41414a42485136 00000000";

const SENDER: u32 = 0x1234_5678;
const MEDIA: u32 = 0x9abc_def0;

/// Parses `buf` with the crate directly, the reference the view is held to.
fn crate_parse(buf: &[u8]) -> Vec<Box<dyn codec::packet::Packet>> {
    let mut b = buf;
    codec::packet::unmarshal(&mut b).expect("rtc-rtcp rejects the packet")
}

/// Builds with `f`, checks the bytes form one valid reduced-size datagram
/// of packets of `kind`, and returns them.
fn built(kind: Kind, f: impl FnOnce(&mut Vec<u8>) -> Result<usize, Error>) -> Vec<u8> {
    let mut out = vec![0xee; 3];
    let n = f(&mut out).expect("build");
    assert_eq!(out.len(), 3 + n, "returned length");
    assert_eq!(&out[..3], &[0xee; 3], "appends after existing contents");
    let pkt = out.split_off(3);
    let c = RtcpCompound::parse(&pkt, Mode::ReducedSize).expect("view rejects a built packet");
    for p in &c {
        assert_eq!(p.kind(), kind);
        assert_eq!(p.version(), 2);
        assert!(!p.padding());
    }
    pkt
}

/// Decodes a single-packet datagram with `parse_compound`.
fn decoded(buf: &[u8]) -> Packet {
    let mut v = parse_compound(buf, Mode::ReducedSize).expect("parse_compound");
    assert_eq!(v.len(), 1);
    v.remove(0)
}

fn blocks(n: u32) -> Vec<ReportBlock> {
    (0..n)
        .map(|i| ReportBlock {
            ssrc: 0x1000 + i,
            fraction_lost: i as u8,
            cumulative_lost: if i % 2 == 0 {
                i as i32 * 7
            } else {
                -(i as i32)
            },
            extended_highest_seq: 0x0001_0000 + i,
            jitter: 10 * i,
            last_sr: 0xdead_0000 | i,
            delay_since_last_sr: 65536 + i,
        })
        .collect()
}

#[test]
fn sender_report_round_trip() {
    let info = SenderInfo {
        ntp_timestamp: 0xe8f0_1234_8000_0000,
        rtp_timestamp: 160_000,
        packet_count: 1000,
        octet_count: 160_000,
    };
    let bl = blocks(2);
    let pkt = built(Kind::SenderReport, |o| build_sr(SENDER, &info, &bl, o));
    assert_eq!(pkt.len(), 28 + 2 * 24);
    let c = RtcpCompound::parse(&pkt, Mode::Full).unwrap();
    let v = c.first();
    assert_eq!(c.sender_ssrc(), Some(SENDER));
    assert_eq!(v.count(), 2);
    assert_eq!(v.sender_info(), Some(info));
    assert_eq!(v.report_blocks().unwrap().collect::<Vec<_>>(), bl);
    assert!(v.media_ssrc().is_none() && v.nack_pairs().is_none());

    let theirs = crate_parse(&pkt);
    let sr = theirs[0]
        .as_any()
        .downcast_ref::<SenderReport>()
        .expect("an SR");
    assert_eq!(sr.ssrc, SENDER);
    assert_eq!(sr.ntp_time, info.ntp_timestamp);
    assert_eq!(sr.rtp_time, info.rtp_timestamp);
    assert_eq!((sr.packet_count, sr.octet_count), (1000, 160_000));
    let back: Vec<ReportBlock> = sr.reports.iter().map(ReportBlock::from).collect();
    assert_eq!(back, bl);
    assert_eq!(decoded(&pkt), Packet::SenderReport(sr.clone()));
}

#[test]
fn sender_report_with_many_blocks_adds_receiver_reports() {
    let bl = blocks(40);
    let mut out = Vec::new();
    build_sr(SENDER, &SenderInfo::default(), &bl, &mut out).unwrap();
    let c = RtcpCompound::parse(&out, Mode::Full).unwrap();
    assert_eq!(c.packet_count(), 2);
    let kinds: Vec<Kind> = c.iter().map(|p| p.kind()).collect();
    assert_eq!(kinds, [Kind::SenderReport, Kind::ReceiverReport]);
    let all: Vec<ReportBlock> = c.iter().flat_map(|p| p.report_blocks().unwrap()).collect();
    assert_eq!(all, bl);
    assert_eq!(crate_parse(&out).len(), 2);
}

#[test]
fn receiver_report_round_trip() {
    for n in [0, 1, 31, 32, 70] {
        let bl = blocks(n);
        let pkt = built(Kind::ReceiverReport, |o| build_rr(SENDER, &bl, o));
        let c = RtcpCompound::parse(&pkt, Mode::Full).unwrap();
        assert_eq!(c.packet_count(), (n as usize).div_ceil(31).max(1));
        let all: Vec<ReportBlock> = c.iter().flat_map(|p| p.report_blocks().unwrap()).collect();
        assert_eq!(all, bl, "{n} blocks");
        assert!(c.iter().all(|p| p.ssrc() == Some(SENDER)));

        let theirs = crate_parse(&pkt);
        assert_eq!(theirs.len(), c.packet_count());
        let back: Vec<ReportBlock> = theirs
            .iter()
            .flat_map(|p| {
                p.as_any()
                    .downcast_ref::<ReceiverReport>()
                    .unwrap()
                    .reports
                    .iter()
                    .map(ReportBlock::from)
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(back, bl);
        let ours = parse_compound(&pkt, Mode::Full).unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (a, b) in ours.iter().zip(&theirs) {
            let Packet::ReceiverReport(rr) = a else {
                panic!("not an RR: {a:?}")
            };
            assert!(b.equal(rr));
        }
    }
}

#[test]
fn cumulative_lost_is_signed_and_clamped() {
    let mut out = Vec::new();
    let huge = ReportBlock {
        cumulative_lost: i32::MAX,
        ..Default::default()
    };
    let negative = ReportBlock {
        cumulative_lost: i32::MIN,
        ..Default::default()
    };
    build_rr(1, &[huge, negative], &mut out).unwrap();
    let c = RtcpCompound::parse(&out, Mode::Full).unwrap();
    let lost: Vec<i32> = c
        .first()
        .report_blocks()
        .unwrap()
        .map(|b| b.cumulative_lost)
        .collect();
    assert_eq!(lost, [(1 << 23) - 1, -(1 << 23)]);
}

#[test]
fn sdes_round_trip() {
    let pkt = built(Kind::SourceDescription, |o| {
        build_sdes_cname(SENDER, b"user@example.com", o)
    });
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!(v.ssrc(), Some(SENDER));
    let theirs = crate_parse(&pkt);
    let sdes = theirs[0]
        .as_any()
        .downcast_ref::<SourceDescription>()
        .unwrap();
    assert_eq!(sdes.chunks[0].source, SENDER);
    assert_eq!(sdes.chunks[0].items[0].sdes_type, SdesType::SdesCname);
    assert_eq!(&sdes.chunks[0].items[0].text[..], b"user@example.com");
    assert_eq!(decoded(&pkt), Packet::SourceDescription(sdes.clone()));
    assert_eq!(
        build_sdes_cname(1, &[b'x'; 256], &mut Vec::new())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn bye_round_trip() {
    let pkt = built(Kind::Goodbye, |o| build_bye(&[SENDER, MEDIA], b"done", o));
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!(
        v.bye_sources().unwrap().collect::<Vec<_>>(),
        [SENDER, MEDIA]
    );
    let theirs = crate_parse(&pkt);
    let bye = theirs[0].as_any().downcast_ref::<Goodbye>().unwrap();
    assert_eq!(bye.sources, [SENDER, MEDIA]);
    assert_eq!(&bye.reason[..], b"done");
    assert_eq!(decoded(&pkt), Packet::Goodbye(bye.clone()));
    let mut out = vec![1, 2];
    let e = build_bye(&[0; 32], b"", &mut out).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(out, [1, 2], "a failed build leaves the output as it was");
}

#[test]
fn app_round_trip() {
    let app = App {
        subtype: 5,
        ssrc: SENDER,
        name: *b"mpln",
        data: vec![1, 2, 3, 4, 5, 6, 7, 8],
    };
    let pkt = built(Kind::App, |o| Packet::App(app.clone()).marshal_into(o));
    assert_eq!(pkt.len(), 20);
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!((v.count(), v.ssrc()), (5, Some(SENDER)));
    assert_eq!(&v.body()[4..8], b"mpln");
    // The crate has no APP type: it keeps the packet raw.
    let theirs = crate_parse(&pkt);
    let raw = theirs[0]
        .as_any()
        .downcast_ref::<codec::raw_packet::RawPacket>()
        .unwrap();
    assert_eq!(&raw.0[..], &pkt[..]);
    assert_eq!(decoded(&pkt), Packet::App(app));
    let odd = App {
        data: vec![1, 2, 3],
        ..Default::default()
    };
    assert!(Packet::App(odd).marshal_into(&mut Vec::new()).is_err());
}

#[test]
fn nack_round_trip() {
    let lost = [1000, 1001, 1003, 1016, 1017, 1040, 65535, 0, 5];
    let pkt = built(Kind::Nack, |o| build_nack(SENDER, MEDIA, &lost, o));
    assert_eq!(pkt.len(), nack_len(&lost));
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!((v.ssrc(), v.media_ssrc()), (Some(SENDER), Some(MEDIA)));
    let pairs: Vec<NackPair> = v.nack_pairs().unwrap().collect();
    assert_eq!(
        pairs,
        [
            NackPair {
                pid: 1000,
                blp: 0b1000_0000_0000_0101
            },
            NackPair { pid: 1017, blp: 0 },
            NackPair { pid: 1040, blp: 0 },
            NackPair {
                pid: 65535,
                blp: 0b10_0001
            },
        ]
    );
    let back: Vec<u16> = pairs.iter().flat_map(NackPair::lost).collect();
    assert_eq!(back, lost);

    let theirs = crate_parse(&pkt);
    let nack = theirs[0]
        .as_any()
        .downcast_ref::<TransportLayerNack>()
        .unwrap();
    assert_eq!((nack.sender_ssrc, nack.media_ssrc), (SENDER, MEDIA));
    let theirs_lost: Vec<u16> = nack.nacks.iter().flat_map(|p| p.packet_list()).collect();
    assert_eq!(theirs_lost, lost);
    assert_eq!(decoded(&pkt), Packet::Nack(nack.clone()));
}

#[test]
fn pli_round_trip() {
    let pkt = built(Kind::Pli, |o| build_pli(SENDER, MEDIA, o));
    assert_eq!(pkt.len(), PLI_LEN);
    assert_eq!(pkt[..4], [0x81, 206, 0, 2]);
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!((v.ssrc(), v.media_ssrc()), (Some(SENDER), Some(MEDIA)));
    let theirs = crate_parse(&pkt);
    let pli = theirs[0]
        .as_any()
        .downcast_ref::<PictureLossIndication>()
        .unwrap();
    assert_eq!((pli.sender_ssrc, pli.media_ssrc), (SENDER, MEDIA));
    assert_eq!(decoded(&pkt), Packet::Pli(pli.clone()));
}

#[test]
fn fir_round_trip() {
    let req = [
        FirEntry {
            ssrc: MEDIA,
            seq_nr: 7,
        },
        FirEntry {
            ssrc: 0x42,
            seq_nr: 255,
        },
    ];
    let pkt = built(Kind::Fir, |o| build_fir(SENDER, &req, o));
    assert_eq!(pkt.len(), 12 + 16);
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!(v.media_ssrc(), Some(0), "RFC 5104 §4.3.1.2");
    assert_eq!(v.fir_entries().unwrap().collect::<Vec<_>>(), req);
    let theirs = crate_parse(&pkt);
    let fir = theirs[0]
        .as_any()
        .downcast_ref::<FullIntraRequest>()
        .unwrap();
    let back: Vec<FirEntry> = fir.fir.iter().map(FirEntry::from).collect();
    assert_eq!(back, req);
    assert_eq!(decoded(&pkt), Packet::Fir(fir.clone()));
    assert!(build_fir(SENDER, &[], &mut Vec::new()).is_err());
}

#[test]
fn remb_round_trip() {
    for bitrate in [0u64, 1, 262_143, 262_144, 1_500_000, 123_456_789, u64::MAX] {
        let ssrcs = [MEDIA, 0x11];
        let pkt = built(Kind::Afb, |o| build_remb(SENDER, bitrate, &ssrcs, o));
        let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
            .unwrap()
            .first();
        let remb = v.remb().expect("a REMB");
        let (exp, mantissa) = remb_encode(bitrate);
        assert_eq!((remb.exponent(), remb.mantissa()), (exp, mantissa));
        let got = remb.bitrate_bps();
        assert!(got <= bitrate, "REMB overstates {bitrate}: {got}");
        assert!(
            bitrate - got <= bitrate >> 17,
            "REMB loses more than 18 bits of {bitrate}: {got}"
        );
        assert_eq!(remb.sender_ssrc(), SENDER);
        assert_eq!(remb.ssrcs().collect::<Vec<_>>(), ssrcs);

        let theirs = crate_parse(&pkt);
        let r = theirs[0]
            .as_any()
            .downcast_ref::<ReceiverEstimatedMaximumBitrate>()
            .unwrap();
        if bitrate == 0 {
            // rtc-rtcp 0.21 reads a zero mantissa as 2^23 bit/s.
            assert_eq!(r.bitrate, 8_388_608.0);
        } else {
            assert_eq!(r.bitrate as f64, got as f64, "crate decodes {bitrate}");
        }
        assert_eq!(r.ssrcs, ssrcs);
        let Packet::Remb(ours) = decoded(&pkt) else {
            panic!("not a REMB")
        };
        assert_eq!(ours.bitrate as f64, got as f64, "decode of {bitrate}");
        assert_eq!((ours.sender_ssrc, &ours.ssrcs), (SENDER, &r.ssrcs));
    }
    assert!(build_remb(1, 1, &[0; 256], &mut Vec::new()).is_err());
}

#[test]
fn remb_bitrate_saturates() {
    // Exp 63, mantissa 0x3ffff: about 2^81 bits per second.
    let mut pkt = hex("8fce0005 00000001 00000000 52454d42 01ffffff 00000002");
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!(v.remb().unwrap().bitrate_bps(), u64::MAX);
    // Application layer feedback that is not REMB.
    pkt[12..16].copy_from_slice(b"XYZW");
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!(v.kind(), Kind::Afb);
    assert!(v.remb().is_none());
    assert!(matches!(decoded(&pkt), Packet::Other(_)));
}

fn twcc_sample() -> TransportLayerCc {
    TransportLayerCc {
        sender_ssrc: SENDER,
        media_ssrc: MEDIA,
        base_sequence_number: 153,
        packet_status_count: 18,
        reference_time: 4_057_090,
        fb_pkt_count: 23,
        packet_chunks: vec![
            PacketStatusChunk::RunLengthChunk(RunLengthChunk {
                type_tcc: StatusChunkTypeTcc::RunLengthChunk,
                packet_status_symbol: SymbolTypeTcc::PacketReceivedSmallDelta,
                run_length: 4,
            }),
            PacketStatusChunk::StatusVectorChunk(StatusVectorChunk {
                type_tcc: StatusChunkTypeTcc::StatusVectorChunk,
                symbol_size: SymbolSizeTypeTcc::OneBit,
                symbol_list: vec![
                    SymbolTypeTcc::PacketReceivedSmallDelta,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketNotReceived,
                    SymbolTypeTcc::PacketReceivedSmallDelta,
                ],
            }),
        ],
        recv_deltas: [37_000, 250, 0, 63_750, 500, 1000]
            .into_iter()
            .map(|delta| RecvDelta {
                type_tcc_packet: SymbolTypeTcc::PacketReceivedSmallDelta,
                delta,
            })
            .collect(),
    }
}

#[test]
fn transport_cc_round_trip() {
    let twcc = twcc_sample();
    let pkt = built(Kind::TransportCc, |o| {
        Packet::TransportCc(twcc.clone()).marshal_into(o)
    });
    // 20 fixed + 4 of chunks + 6 deltas, zero-padded to the word without
    // the P bit.
    assert_eq!(pkt.len(), 32);
    assert_eq!(pkt[30..], [0, 0]);
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!((v.ssrc(), v.media_ssrc()), (Some(SENDER), Some(MEDIA)));
    let theirs = crate_parse(&pkt);
    let t = theirs[0]
        .as_any()
        .downcast_ref::<TransportLayerCc>()
        .unwrap();
    assert_eq!(t, &twcc);
    assert_eq!(decoded(&pkt), Packet::TransportCc(twcc.clone()));

    // Without the P bit the TWCC may sit inside a compound.
    let mut compound = Vec::new();
    build_rr(SENDER, &[], &mut compound).unwrap();
    compound.extend_from_slice(&pkt);
    build_sdes_cname(SENDER, b"c", &mut compound).unwrap();
    assert_eq!(validate_compound(&compound, Mode::Full), Ok(3));
    assert_eq!(parse_compound(&compound, Mode::Full).unwrap().len(), 3);
}

#[test]
fn transport_cc_padded_with_the_p_bit_decodes_as_the_last_packet() {
    // libwebrtc's style: the last octet counts the padding.
    let mut pkt = Vec::new();
    Packet::TransportCc(twcc_sample())
        .marshal_into(&mut pkt)
        .unwrap();
    pkt[0] |= 0x20;
    *pkt.last_mut().unwrap() = 2;
    let v = RtcpCompound::parse(&pkt, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!(v.padding_len(), 2);
    assert_eq!(decoded(&pkt), Packet::TransportCc(twcc_sample()));
}

#[test]
fn transport_cc_chunks_that_end_the_packet() {
    // Twenty packets and no deltas: the two chunks end exactly at the end of
    // the packet, which rtc-rtcp 0.21 rejects on its own.
    let run = |symbol, n| {
        PacketStatusChunk::RunLengthChunk(RunLengthChunk {
            type_tcc: StatusChunkTypeTcc::RunLengthChunk,
            packet_status_symbol: symbol,
            run_length: n,
        })
    };
    let t = TransportLayerCc {
        sender_ssrc: SENDER,
        media_ssrc: MEDIA,
        packet_status_count: 20,
        packet_chunks: vec![
            run(SymbolTypeTcc::PacketNotReceived, 10),
            run(SymbolTypeTcc::PacketReceivedWithoutDelta, 10),
        ],
        ..Default::default()
    };
    let pkt = built(Kind::TransportCc, |o| {
        Packet::TransportCc(t.clone()).marshal_into(o)
    });
    assert_eq!(pkt.len(), 24);
    let mut b = &pkt[..];
    assert!(codec::packet::unmarshal(&mut b).is_err());
    assert_eq!(decoded(&pkt), Packet::TransportCc(t));
}

#[test]
fn transport_cc_with_missing_deltas_is_refused_before_decoding() {
    // 65535 packets received with small deltas, claimed by eight run-length
    // chunks, and no delta bytes.
    let mut pkt = hex("8fcd0008 12345678 9abcdef0 0000ffff 00000000");
    for _ in 0..8 {
        pkt.extend_from_slice(&[0x3f, 0xff]);
    }
    assert_eq!(validate_compound(&pkt, Mode::ReducedSize), Ok(1));
    let mut result = Ok(Vec::new());
    let n = allocations_in(|| result = parse_compound(&pkt, Mode::ReducedSize));
    let e = result.unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Parse, Some(0)));
    assert!(n <= 2, "{n} allocations to refuse a TWCC");
}

#[test]
fn sdes_items_the_crate_does_not_know_are_skipped() {
    // CNAME "ab", MID "0" (RFC 8843, type 15), NOTE "x".
    let pkt = hex("81ca0004 00000001 0102 6162 0f01 30 070178 00 00");
    assert_eq!(validate_compound(&pkt, Mode::ReducedSize), Ok(1));
    let Packet::SourceDescription(d) = decoded(&pkt) else {
        panic!()
    };
    let items: Vec<(SdesType, &[u8])> = d.chunks[0]
        .items
        .iter()
        .map(|i| (i.sdes_type, &i.text[..]))
        .collect();
    assert_eq!(
        items,
        [
            (SdesType::SdesCname, &b"ab"[..]),
            (SdesType::SdesNote, &b"x"[..])
        ]
    );
}

#[test]
fn twcc_encoder_rejects_what_it_cannot_write() {
    let mut t = twcc_sample();
    if let PacketStatusChunk::StatusVectorChunk(v) = &mut t.packet_chunks[1] {
        v.symbol_list.push(SymbolTypeTcc::PacketNotReceived);
    }
    let e = Packet::TransportCc(t).marshal_into(&mut Vec::new());
    assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn other_packets_are_kept_as_bytes() {
    // An XR with one RRT block (RFC 3611 §4.4).
    let pkt = hex("80cf0004 12345678 04000002 e8f01234 80000000");
    let p = decoded(&pkt);
    let Packet::Other(o) = &p else {
        panic!("{p:?}")
    };
    assert_eq!((o.packet_type, o.count, o.body.len()), (PT_XR, 0, 16));
    let mut out = Vec::new();
    assert_eq!(p.marshal_into(&mut out), Ok(20));
    assert_eq!(out, pkt);
    assert_eq!(p.packet_type(), PT_XR);
}

#[test]
fn compound_marshal_matches_parse() {
    let mut buf = Vec::new();
    build_rr(SENDER, &blocks(3), &mut buf).unwrap();
    build_sdes_cname(SENDER, b"host", &mut buf).unwrap();
    build_pli(SENDER, MEDIA, &mut buf).unwrap();
    build_nack(SENDER, MEDIA, &[7, 9], &mut buf).unwrap();
    build_bye(&[SENDER], b"", &mut buf).unwrap();
    let packets = parse_compound(&buf, Mode::Full).unwrap();
    assert_eq!(packets.len(), 5);
    assert_eq!(crate_parse(&buf).len(), 5);
    let mut again = Vec::new();
    assert_eq!(marshal_compound(&packets, &mut again), Ok(buf.len()));
    assert_eq!(again, buf);
}

#[test]
fn real_world_pbx_sr_and_sdes() {
    let buf = hex(PBX_SR_SDES);
    assert_eq!(buf.len(), 84);
    let c = RtcpCompound::parse(&buf, Mode::Full).unwrap();
    assert_eq!(c.packet_count(), 2);
    assert_eq!(c.sender_ssrc(), Some(0xc527_8835));
    assert_eq!(first_sender_ssrc(&buf), Ok(0xc527_8835));
    let sr = c.first();
    assert_eq!(sr.kind(), Kind::SenderReport);
    let info = sr.sender_info().unwrap();
    assert_eq!(info.ntp_timestamp, 0xda9d_bb09_0a07_0800);
    assert_eq!(info.rtp_timestamp, 0x53d8_1a92);
    // 500 G.711 packets of 20 ms; the sender counts 172 octets each.
    assert_eq!((info.packet_count, info.octet_count), (500, 86_000));
    assert_eq!(sr.report_blocks().unwrap().count(), 0);
    let sdes = c.get(1).unwrap();
    assert_eq!(
        (sdes.kind(), sdes.offset(), sdes.len()),
        (Kind::SourceDescription, 28, 56)
    );
    assert_eq!(sdes.ssrc(), Some(0xc527_8835));

    let packets = parse_compound(&buf, Mode::Full).unwrap();
    let Packet::SourceDescription(d) = &packets[1] else {
        panic!("{:?}", packets[1])
    };
    assert_eq!(d.chunks[0].items[0].sdes_type, SdesType::SdesCname);
    assert_eq!(
        &d.chunks[0].items[0].text[..],
        b"2099683326_tap_3709706372_A@I3-PMSSIP1-PX1"
    );
    let mut again = Vec::new();
    marshal_compound(&packets, &mut again).unwrap();
    assert_eq!(again, buf, "re-encoding a capture changes it");
    assert_eq!(crate_parse(&buf).len(), 2);
}

#[test]
fn real_world_camera_sr_and_sdes() {
    let buf = hex(CAMERA_SR_SDES);
    assert_eq!(validate_compound(&buf, Mode::Full), Ok(2));
    let c = RtcpCompound::parse(&buf, Mode::Full).unwrap();
    let info = c.first().sender_info().unwrap();
    assert_eq!(info.rtp_timestamp, 0x377e_99e5);
    assert_eq!(info.packet_count, 7_095_835);
    let packets = parse_compound(&buf, Mode::Full).unwrap();
    let Packet::SourceDescription(d) = &packets[1] else {
        panic!()
    };
    assert_eq!(&d.chunks[0].items[0].text[..], b"IX30DN-AAJBHQ6");
    let mut again = Vec::new();
    marshal_compound(&packets, &mut again).unwrap();
    assert_eq!(again, buf);
}

/// RR + SDES + PLI, the shape of most WebRTC compounds.
fn sample_compound() -> Vec<u8> {
    let mut buf = Vec::new();
    build_rr(SENDER, &blocks(1), &mut buf).unwrap();
    build_sdes_cname(SENDER, b"abcd", &mut buf).unwrap();
    build_pli(SENDER, MEDIA, &mut buf).unwrap();
    buf
}

fn err(buf: &[u8], mode: Mode) -> Error {
    let e = validate_compound(buf, mode).unwrap_err();
    // The zero-copy and the allocating entry points reject alike.
    assert_eq!(parse_compound(buf, mode).unwrap_err(), e);
    e
}

#[test]
fn compound_validation_accepts_good_compounds() {
    let buf = sample_compound();
    assert_eq!(validate_compound(&buf, Mode::Full), Ok(3));
    assert_eq!(validate_compound(&buf, Mode::ReducedSize), Ok(3));
    let c = RtcpCompound::parse(&buf, Mode::Full).unwrap();
    let offsets: Vec<usize> = c.iter().map(|p| p.offset()).collect();
    assert_eq!(offsets, [0, 32, 48]);
    assert_eq!(c.iter().map(|p| p.len()).sum::<usize>(), buf.len());
    assert!(c.get(3).is_none());
    assert_eq!(c.as_bytes(), &buf[..]);
}

#[test]
fn compound_validation_rejects_bad_version() {
    let mut buf = sample_compound();
    buf[0] = (buf[0] & 0x3f) | 0x40;
    let e = err(&buf, Mode::Full);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Parse, Some(0)));

    let mut buf = sample_compound();
    buf[32] &= 0x3f;
    let e = err(&buf, Mode::ReducedSize);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Parse, Some(32)));
    assert!(e.to_string().contains("version"), "{e}");
}

#[test]
fn compound_validation_wants_sr_or_rr_first() {
    let mut buf = Vec::new();
    build_sdes_cname(SENDER, b"abcd", &mut buf).unwrap();
    build_rr(SENDER, &[], &mut buf).unwrap();
    let e = err(&buf, Mode::Full);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Invalid, Some(0)));
    assert_eq!(validate_compound(&buf, Mode::ReducedSize), Ok(2));
}

#[test]
fn reduced_size_pli_only_in_reduced_size_mode() {
    let mut pli = Vec::new();
    build_pli(SENDER, MEDIA, &mut pli).unwrap();
    assert_eq!(err(&pli, Mode::Full).kind(), ErrorKind::Invalid);
    assert_eq!(validate_compound(&pli, Mode::ReducedSize), Ok(1));
    let c = RtcpCompound::parse(&pli, Mode::ReducedSize).unwrap();
    assert_eq!(c.first().kind(), Kind::Pli);
    assert_eq!(c.first().media_ssrc(), Some(MEDIA));
}

#[test]
fn compound_validation_padding_only_on_the_last_packet() {
    // Padding on the last packet: add a padding word to the PLI.
    let mut buf = sample_compound();
    buf[48] |= 0x20;
    buf[51] += 1;
    buf.extend_from_slice(&[0, 0, 0, 4]);
    assert_eq!(validate_compound(&buf, Mode::Full), Ok(3));
    let c = RtcpCompound::parse(&buf, Mode::Full).unwrap();
    let last = c.get(2).unwrap();
    assert_eq!((last.padding(), last.padding_len()), (true, 4));
    assert_eq!(last.body().len(), 8);
    assert_eq!(last.media_ssrc(), Some(MEDIA));
    // The decoded PLI no longer carries the padding.
    let packets = parse_compound(&buf, Mode::Full).unwrap();
    assert!(matches!(&packets[2], Packet::Pli(p) if p.media_ssrc == MEDIA));

    // The same padding on the middle packet.
    let mut buf = sample_compound();
    buf[32] |= 0x20;
    buf[47] = 4; // the SDES's last null octet, now a padding count
    let e = err(&buf, Mode::Full);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Invalid, Some(32)));

    // On the first packet of a compound.
    let mut buf = sample_compound();
    buf[0] |= 0x20;
    buf[31] = 4;
    let e = err(&buf, Mode::Full);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Invalid, Some(0)));
}

#[test]
fn padding_counts_are_checked() {
    let mut pli = Vec::new();
    build_pli(SENDER, MEDIA, &mut pli).unwrap();
    pli[0] |= 0x20;
    pli[11] = 0;
    assert_eq!(err(&pli, Mode::ReducedSize).kind(), ErrorKind::Parse);
    pli[11] = 9; // more than the 8-byte body
    let e = err(&pli, Mode::ReducedSize);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Parse, Some(11)));
    pli[11] = 8; // the whole body is padding: the view allows it...
    assert_eq!(validate_compound(&pli, Mode::ReducedSize), Ok(1));
    let v = RtcpCompound::parse(&pli, Mode::ReducedSize)
        .unwrap()
        .first();
    assert!(v.body().is_empty() && v.ssrc().is_none() && v.media_ssrc().is_none());
    // ...and the decoder finds the PLI too short.
    let e = parse_compound(&pli, Mode::ReducedSize).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Parse, Some(0)));
    pli[11] = 3; // not whole words
    assert_eq!(validate_compound(&pli, Mode::ReducedSize), Ok(1));
    assert_eq!(
        parse_compound(&pli, Mode::ReducedSize).unwrap_err().kind(),
        ErrorKind::Parse
    );
}

#[test]
fn compound_validation_length_mismatch() {
    let buf = sample_compound();
    // Trailing bytes that are not a whole header.
    let mut long = buf.clone();
    long.extend_from_slice(&[0x80, 201]);
    let e = err(&long, Mode::Full);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Parse, Some(buf.len())));
    // A trailing header whose length runs past the end.
    let mut long = buf.clone();
    long.extend_from_slice(&[0x80, 201, 0, 1]);
    let e = err(&long, Mode::Full);
    assert_eq!(
        (e.kind(), e.offset()),
        (ErrorKind::Parse, Some(buf.len() + 2))
    );
    // Cut short.
    let e = err(&buf[..buf.len() - 4], Mode::Full);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Parse, Some(50)));
    // A length field one word too long on the middle packet.
    let mut bad = buf.clone();
    bad[35] += 1;
    assert_eq!(err(&bad, Mode::Full).kind(), ErrorKind::Parse);
    // One word too short: the walk lands inside the SDES.
    let mut bad = buf.clone();
    bad[35] -= 1;
    assert!(validate_compound(&bad, Mode::Full).is_err());
    // Empty and tiny.
    assert_eq!(err(&[], Mode::ReducedSize).kind(), ErrorKind::Parse);
    assert_eq!(err(&[0x80], Mode::ReducedSize).kind(), ErrorKind::Parse);
    // Bigger than a datagram.
    let mut huge = vec![0u8; MAX_COMPOUND_LEN + 1];
    huge[..4].copy_from_slice(&[0x80, 201, 0x40, 0]);
    assert_eq!(err(&huge, Mode::ReducedSize).kind(), ErrorKind::Limit);
}

#[test]
fn decode_errors_name_the_packet() {
    // RR + an SDES whose count says 2 chunks but holds one.
    let mut buf = sample_compound();
    buf[32] = (buf[32] & 0xe0) | 2;
    assert_eq!(validate_compound(&buf, Mode::Full), Ok(3));
    let e = parse_compound(&buf, Mode::Full).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Parse, Some(32)));
    assert!(e.to_string().contains("sdes"), "{e}");
}

#[test]
fn readers_refuse_short_bodies() {
    // An RR that claims two blocks but carries one.
    let mut rr = Vec::new();
    build_rr(SENDER, &blocks(1), &mut rr).unwrap();
    rr[0] = (rr[0] & 0xe0) | 2;
    let v = RtcpCompound::parse(&rr, Mode::Full).unwrap().first();
    assert!(v.report_blocks().is_none());
    // An SR too short for its sender info.
    let sr = hex("80c80002 00000001 00000002");
    let v = RtcpCompound::parse(&sr, Mode::Full).unwrap().first();
    assert!(v.sender_info().is_none() && v.report_blocks().is_none());
    // A NACK without FCI, and a FIR with half an entry.
    let nack = hex("81cd0002 00000001 00000002");
    let v = RtcpCompound::parse(&nack, Mode::ReducedSize)
        .unwrap()
        .first();
    assert!(v.nack_pairs().is_none());
    let fir = hex("84ce0003 00000001 00000000 00000002");
    let v = RtcpCompound::parse(&fir, Mode::ReducedSize)
        .unwrap()
        .first();
    assert!(v.fir_entries().is_none());
    // A REMB that declares more SSRCs than it has.
    let remb = hex("8fce0005 00000001 00000000 52454d42 02000001 00000002");
    let v = RtcpCompound::parse(&remb, Mode::ReducedSize)
        .unwrap()
        .first();
    assert!(v.remb().is_none());
    // A BYE whose count runs past the body.
    let bye = hex("82cb0001 00000001");
    let v = RtcpCompound::parse(&bye, Mode::ReducedSize)
        .unwrap()
        .first();
    assert!(v.bye_sources().is_none());
    // SDES and BYE with a count of zero name no SSRC.
    let bye = hex("80cb0000");
    let v = RtcpCompound::parse(&bye, Mode::ReducedSize)
        .unwrap()
        .first();
    assert_eq!(v.ssrc(), None);
}

#[test]
fn first_sender_ssrc_reads_only_the_clear_text() {
    // An SRTCP-like datagram: a valid first header, then bytes that do not
    // walk.
    let mut buf = hex("80c90001 cafebabe");
    buf.extend_from_slice(&[0xff; 20]);
    assert_eq!(first_sender_ssrc(&buf), Ok(0xcafe_babe));
    assert!(validate_compound(&buf, Mode::Full).is_err());
    assert!(first_sender_ssrc(&buf[..7]).is_err());
    assert!(first_sender_ssrc(&[]).is_err());
    assert!(first_sender_ssrc(&hex("00c90001 cafebabe")).is_err());
}

#[test]
fn nack_packing() {
    fn pairs(lost: &[u16]) -> Vec<(u16, u16)> {
        pack_nack(lost).map(|p| (p.pid, p.blp)).collect()
    }
    assert_eq!(pairs(&[]), []);
    assert_eq!(pairs(&[5]), [(5, 0)]);
    // 1 to 16 after the PID share its entry; 17 starts a new one.
    assert_eq!(pairs(&[10, 11, 26]), [(10, 0x8001)]);
    assert_eq!(pairs(&[10, 27]), [(10, 0), (27, 0)]);
    assert_eq!(pairs(&(100..=116).collect::<Vec<_>>()), [(100, 0xffff)]);
    assert_eq!(
        pairs(&(100..=117).collect::<Vec<_>>()),
        [(100, 0xffff), (117, 0)]
    );
    // Wrap-around.
    assert_eq!(pairs(&[65534, 65535, 0, 1]), [(65534, 0b111)]);
    assert_eq!(pairs(&[65535, 15]), [(65535, 0x8000)]);
    // Duplicates collapse; out-of-order numbers are still reported.
    assert_eq!(pairs(&[7, 7, 8, 8]), [(7, 1)]);
    assert_eq!(pairs(&[20, 10, 12]), [(20, 0), (10, 2)]);

    // Every number comes back, in any order of input.
    let mut x = 0x2545_f491u32;
    let lost: Vec<u16> = (0..500)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x % 3000) as u16
        })
        .collect();
    let mut want = lost.clone();
    want.sort_unstable();
    want.dedup();
    let mut got: Vec<u16> = pack_nack(&lost).flat_map(|p| p.lost()).collect();
    got.sort_unstable();
    got.dedup();
    assert_eq!(got, want);
}

#[test]
fn nack_splits_past_one_packet() {
    // 300 entries, each on its own: 253 in the first NACK, 47 in a second.
    let lost: Vec<u16> = (0..300).map(|i| i * 20).collect();
    let mut out = Vec::new();
    let n = build_nack(SENDER, MEDIA, &lost, &mut out).unwrap();
    assert_eq!(n, nack_len(&lost));
    assert_eq!(n, 2 * 12 + 300 * 4);
    let c = RtcpCompound::parse(&out, Mode::ReducedSize).unwrap();
    assert_eq!(c.packet_count(), 2);
    let counts: Vec<usize> = c.iter().map(|p| p.nack_pairs().unwrap().len()).collect();
    assert_eq!(
        counts,
        [MAX_NACK_PAIRS_PER_PACKET, 300 - MAX_NACK_PAIRS_PER_PACKET]
    );
    let back: Vec<u16> = c
        .iter()
        .flat_map(|p| p.nack_pairs().unwrap())
        .flat_map(|p| p.lost())
        .collect();
    assert_eq!(back, lost);
    assert_eq!(crate_parse(&out).len(), 2);
    assert_eq!(
        build_nack(1, 2, &[], &mut Vec::new()).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

/// Everything an SFU reads per packet, on a datagram it must accept.
fn route(buf: &[u8], mode: Mode) -> Result<u64, Error> {
    let mut acc = 0u64;
    let mut mix = |v: u64| acc = acc.rotate_left(5) ^ v;
    let c = RtcpCompound::parse(buf, mode)?;
    mix(u64::from(c.sender_ssrc().unwrap_or(0)));
    mix(c.packet_count() as u64);
    mix(u64::from(first_sender_ssrc(buf)?));
    for p in &c {
        mix(u64::from(p.packet_type()) << 32 | p.len() as u64);
        mix(p.offset() as u64);
        mix(u64::from(p.ssrc().unwrap_or(0)) << 32 | u64::from(p.media_ssrc().unwrap_or(0)));
        if let Some(i) = p.sender_info() {
            mix(i.ntp_timestamp);
            mix(u64::from(i.packet_count));
        }
        for b in p.report_blocks().into_iter().flatten() {
            mix(u64::from(b.extended_highest_seq));
            mix(b.cumulative_lost as u64);
        }
        for pair in p.nack_pairs().into_iter().flatten() {
            pair.lost().for_each(|s| mix(u64::from(s)));
        }
        for e in p.fir_entries().into_iter().flatten() {
            mix(u64::from(e.ssrc) << 8 | u64::from(e.seq_nr));
        }
        if let Some(r) = p.remb() {
            mix(r.bitrate_bps());
            r.ssrcs().for_each(|s| mix(u64::from(s)));
        }
        for s in p.bye_sources().into_iter().flatten() {
            mix(u64::from(s));
        }
    }
    Ok(black_box(acc))
}

#[test]
fn counter_sees_allocations() {
    let n = allocations_in(|| {
        black_box(vec![0u8; 64]);
    });
    assert!(
        n >= 1,
        "the counting allocator did not see a Vec allocation"
    );
}

#[test]
fn view_and_validation_allocate_nothing() {
    let mut feedback = Vec::new();
    build_rr(SENDER, &blocks(3), &mut feedback).unwrap();
    build_sdes_cname(SENDER, b"abcd", &mut feedback).unwrap();
    build_nack(SENDER, MEDIA, &[1, 2, 3, 40, 41], &mut feedback).unwrap();
    build_pli(SENDER, MEDIA, &mut feedback).unwrap();
    build_fir(SENDER, &[FirEntry { ssrc: 1, seq_nr: 2 }], &mut feedback).unwrap();
    build_remb(SENDER, 2_000_000, &[MEDIA], &mut feedback).unwrap();
    Packet::TransportCc(twcc_sample())
        .marshal_into(&mut feedback)
        .unwrap();
    build_bye(&[SENDER], b"bye", &mut feedback).unwrap();
    let mut sr = Vec::new();
    build_sr(SENDER, &SenderInfo::default(), &blocks(2), &mut sr).unwrap();
    let mut pli = Vec::new();
    build_pli(SENDER, MEDIA, &mut pli).unwrap();
    let cases: [(&str, Vec<u8>, Mode); 5] = [
        ("feedback compound", feedback, Mode::Full),
        ("sr", sr, Mode::Full),
        ("reduced-size pli", pli, Mode::ReducedSize),
        ("pbx capture", hex(PBX_SR_SDES), Mode::Full),
        ("camera capture", hex(CAMERA_SR_SDES), Mode::Full),
    ];
    for (name, buf, mode) in &cases {
        let mut result = Ok(0);
        let n = allocations_in(|| result = route(buf, *mode));
        if let Err(e) = result {
            panic!("{name}: {e}");
        }
        assert_eq!(n, 0, "{name}: the view allocated {n} times");
    }
    // Rejections allocate nothing either.
    let bad = [0x80u8, 202, 0, 0];
    let n = allocations_in(|| {
        black_box(validate_compound(&bad, Mode::Full).is_err());
        black_box(validate_compound(&[], Mode::Full).is_err());
    });
    assert_eq!(n, 0);
}

#[test]
fn the_crate_allocates_where_the_view_does_not() {
    // What the module doc claims, measured: one decode of the capture.
    let buf = hex(PBX_SR_SDES);
    let n = allocations_in(|| {
        black_box(crate_parse(&buf));
    });
    assert!(n >= 3, "rtc-rtcp allocated only {n} times");
    let _ = rtcp::MAX_PACKET_LEN;
}

#[test]
fn long_nacks_decode_and_encode() {
    // One NACK with 300 entries, more than rtc-rtcp writes into a packet.
    let mut pkt = hex("81cd012e 00000001 00000002");
    for i in 0..300u16 {
        pkt.extend_from_slice(&(i * 20).to_be_bytes());
        pkt.extend_from_slice(&[0, 1]);
    }
    let p = decoded(&pkt);
    let Packet::Nack(n) = &p else { panic!() };
    assert_eq!(n.nacks.len(), 300);
    let mut out = Vec::new();
    assert_eq!(p.marshal_into(&mut out), Ok(pkt.len()));
    assert_eq!(out, pkt);
}
