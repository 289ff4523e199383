/*
 * C test of the RTP and demux part of the C ABI (include/mediaplane.h).
 *
 * Every mp_rtp_* and mp_demux_* function is called here: with NULL for
 * every pointer parameter, with every short length of a real packet, with
 * fixed-seed random bytes, and with real packets (CSRCs, RFC 8285
 * extensions, padding) whose fields are checked after each edit. The
 * rewriter is driven through a source switch and its refusals. Run it under
 * valgrind to check that nothing leaks or reads out of bounds.
 *
 * Prints "<P> passed, <F> failed" and exits 1 when anything failed.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediaplane.h"

#include "check.h"

/* xorshift64*: a fixed seed makes every run feed the same bytes. */
static uint64_t g_rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 2685821657736338717ull;
}

/*
 * V=2, P=1, X=1, CC=2, M=1, PT=96, seq 0x1234, ts 0xdeadbeef,
 * ssrc 0x11223344, CSRCs 0xa1a2a3a4 and 0xb1b2b3b4, a one-byte-header
 * extension of 2 words (id 1 with 1 byte, id 2 with 2 bytes, padding),
 * 5 payload bytes, 3 padding bytes.
 */
static const uint8_t PACKET[] = {
    0xB2, 0xE0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x11, 0x22, 0x33, 0x44,
    0xA1, 0xA2, 0xA3, 0xA4, 0xB1, 0xB2, 0xB3, 0xB4,
    0xBE, 0xDE, 0x00, 0x02, 0x10, 0x55, 0x21, 0x66, 0x77, 0x00, 0x00, 0x00,
    'h', 'e', 'l', 'l', 'o',
    0x00, 0x00, 0x03,
};
#define PACKET_HEADER_LEN 32u

/* A plain 12-byte header and 20 bytes of payload. */
static void simple_packet(uint8_t *buf, uint8_t pt, uint16_t seq, uint32_t ts,
                          uint32_t ssrc)
{
    memset(buf, 0x5a, 32);
    buf[0] = 0x80;
    buf[1] = pt;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    buf[4] = (uint8_t)(ts >> 24);
    buf[5] = (uint8_t)(ts >> 16);
    buf[6] = (uint8_t)(ts >> 8);
    buf[7] = (uint8_t)ts;
    buf[8] = (uint8_t)(ssrc >> 24);
    buf[9] = (uint8_t)(ssrc >> 16);
    buf[10] = (uint8_t)(ssrc >> 8);
    buf[11] = (uint8_t)ssrc;
}

static mp_rtp_header parse_ok(const uint8_t *buf, size_t len)
{
    mp_rtp_header h;
    memset(&h, 0, sizeof h);
    CHECK_ST(mp_rtp_parse(buf, len, &h), MP_OK);
    return h;
}

static void test_parse_fields(void)
{
    mp_rtp_header h = parse_ok(PACKET, sizeof PACKET);
    CHECK(h.version == 2);
    CHECK(h.padding);
    CHECK(h.extension);
    CHECK(h.csrc_count == 2);
    CHECK(h.marker);
    CHECK(h.payload_type == 96);
    CHECK(h.sequence == 0x1234);
    CHECK(h.timestamp == 0xDEADBEEFu);
    CHECK(h.ssrc == 0x11223344u);
    CHECK(h.header_len == PACKET_HEADER_LEN);
    CHECK(h.payload_offset == PACKET_HEADER_LEN);
    CHECK(h.payload_len == 5);
    CHECK(h.padding_len == 3);
    CHECK(memcmp(PACKET + h.payload_offset, "hello", 5) == 0);

    /* 12 bytes, nothing else: empty payload */
    uint8_t bare[12] = {0x80, 0x00};
    h = parse_ok(bare, sizeof bare);
    CHECK(h.header_len == 12 && h.payload_len == 0 && h.padding_len == 0);
    CHECK(!h.marker && !h.extension && !h.padding && h.csrc_count == 0);
}

static void test_parse_refusals(void)
{
    mp_rtp_header h;
    /* every prefix shorter than the header, and the ones that cut the
     * padding count off, fail; *out is left alone */
    for (size_t n = 0; n < sizeof PACKET; n++) {
        memset(&h, 0xEE, sizeof h);
        mp_status st = mp_rtp_parse(PACKET, n, &h);
        if (n < PACKET_HEADER_LEN) {
            CHECK_ST(st, MP_ERR_PARSE);
            CHECK(h.version == 0xEE);
        } else {
            /* the last byte is read as the padding count */
            CHECK(st == MP_OK || st == MP_ERR_PARSE);
        }
    }
    uint8_t v1[12] = {0x40};
    CHECK_ST(mp_rtp_parse(v1, sizeof v1, &h), MP_ERR_PARSE);
    uint8_t pad0[13] = {0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_ST(mp_rtp_parse(pad0, sizeof pad0, &h), MP_ERR_PARSE);
    uint8_t pad_big[13] = {0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    CHECK_ST(mp_rtp_parse(pad_big, sizeof pad_big, &h), MP_ERR_PARSE);
    /* an RTCP packet is version 2 too: parse accepts it as RTP (demux
     * first), the rewriter refuses it */
    uint8_t sr[28] = {0x80, 200, 0x00, 0x06};
    CHECK_ST(mp_rtp_parse(sr, sizeof sr, &h), MP_OK);
}

static void test_null_arguments(void)
{
    mp_rtp_header h;
    uint8_t buf[32];
    mp_slice s;
    simple_packet(buf, 0, 1, 2, 3);

    CHECK_ST(mp_rtp_parse(buf, sizeof buf, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_parse(NULL, sizeof buf, &h), MP_ERR_NULL_POINTER);
    /* NULL with length 0 is an empty packet, not a NULL error */
    CHECK_ST(mp_rtp_parse(NULL, 0, &h), MP_ERR_PARSE);

    CHECK_ST(mp_rtp_set_marker(NULL, sizeof buf, true), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_set_payload_type(NULL, sizeof buf, 0), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_set_sequence(NULL, sizeof buf, 0), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_set_timestamp(NULL, sizeof buf, 0), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_set_ssrc(NULL, sizeof buf, 0), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_set_marker(NULL, 0, true), MP_ERR_PARSE);
    CHECK_ST(mp_rtp_set_ssrc(NULL, 0, 1), MP_ERR_PARSE);

    CHECK_ST(mp_rtp_extension_find(NULL, sizeof PACKET, 1, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_extension_find(PACKET, sizeof PACKET, 1, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_extension_find(NULL, 0, 1, &s), MP_ERR_PARSE);

    CHECK_ST(mp_rtp_rewriter_new(1, 160, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_rewriter_map_payload_type(NULL, 0, 8), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_rewriter_map_extension(NULL, 1, 2), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_rewriter_set_marker_on_switch(NULL, true), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_rewriter_switch_source(NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_rewriter_rewrite(NULL, buf, sizeof buf), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_rewriter_rewrite_at(NULL, buf, sizeof buf, 0), MP_ERR_NULL_POINTER);
    mp_rtp_rewriter_free(NULL);

    mp_rtp_rewriter *rw = NULL;
    CHECK_ST(mp_rtp_rewriter_new(1, 160, &rw), MP_OK);
    CHECK(rw != NULL);
    CHECK_ST(mp_rtp_rewriter_rewrite(rw, NULL, sizeof buf), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_rewriter_rewrite_at(rw, NULL, sizeof buf, 0), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtp_rewriter_rewrite(rw, NULL, 0), MP_ERR_PARSE);
    mp_rtp_rewriter_free(rw);

    CHECK(mp_demux_classify(NULL, 0) == MP_PACKET_KIND_UNKNOWN);
    CHECK(mp_demux_classify(NULL, 100) == MP_PACKET_KIND_UNKNOWN);
}

static void test_setters(void)
{
    uint8_t buf[sizeof PACKET];
    memcpy(buf, PACKET, sizeof buf);

    CHECK_ST(mp_rtp_set_marker(buf, sizeof buf, false), MP_OK);
    CHECK_ST(mp_rtp_set_payload_type(buf, sizeof buf, 127), MP_OK);
    CHECK_ST(mp_rtp_set_payload_type(buf, sizeof buf, 128), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_rtp_set_sequence(buf, sizeof buf, 65535), MP_OK);
    CHECK_ST(mp_rtp_set_timestamp(buf, sizeof buf, 0x01020304u), MP_OK);
    CHECK_ST(mp_rtp_set_ssrc(buf, sizeof buf, 0xCAFEBABEu), MP_OK);

    mp_rtp_header h = parse_ok(buf, sizeof buf);
    CHECK(!h.marker);
    CHECK(h.payload_type == 127);
    CHECK(h.sequence == 65535);
    CHECK(h.timestamp == 0x01020304u);
    CHECK(h.ssrc == 0xCAFEBABEu);
    /* everything after the fixed header is untouched */
    CHECK(memcmp(buf + 12, PACKET + 12, sizeof buf - 12) == 0);
    CHECK(buf[0] == PACKET[0]);

    CHECK_ST(mp_rtp_set_marker(buf, sizeof buf, true), MP_OK);
    h = parse_ok(buf, sizeof buf);
    CHECK(h.marker && h.payload_type == 127);

    /* a buffer that is not RTP is refused and left alone */
    uint8_t junk[16];
    memset(junk, 0x41, sizeof junk);
    uint8_t copy[16];
    memcpy(copy, junk, sizeof copy);
    CHECK_ST(mp_rtp_set_sequence(junk, sizeof junk, 7), MP_ERR_PARSE);
    CHECK_ST(mp_rtp_set_marker(junk, sizeof junk, true), MP_ERR_PARSE);
    CHECK_ST(mp_rtp_set_payload_type(junk, sizeof junk, 1), MP_ERR_PARSE);
    CHECK_ST(mp_rtp_set_timestamp(junk, sizeof junk, 7), MP_ERR_PARSE);
    CHECK_ST(mp_rtp_set_ssrc(junk, 11, 7), MP_ERR_PARSE);
    CHECK(memcmp(junk, copy, sizeof junk) == 0);
}

static void test_extension_find(void)
{
    mp_slice s = {NULL, 0};
    CHECK_ST(mp_rtp_extension_find(PACKET, sizeof PACKET, 1, &s), MP_OK);
    CHECK(s.len == 1 && s.ptr == PACKET + 25 && s.ptr[0] == 0x55);
    CHECK_ST(mp_rtp_extension_find(PACKET, sizeof PACKET, 2, &s), MP_OK);
    CHECK(s.len == 2 && s.ptr == PACKET + 27 && s.ptr[0] == 0x66 && s.ptr[1] == 0x77);
    CHECK_ST(mp_rtp_extension_find(PACKET, sizeof PACKET, 3, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_rtp_extension_find(PACKET, sizeof PACKET, 0, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_rtp_extension_find(PACKET, 20, 1, &s), MP_ERR_PARSE);

    /* two-byte form: id 200 with 3 bytes, id 7 with none */
    uint8_t two[] = {
        0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
        0x10, 0x00, 0x00, 0x02, 200, 3, 'a', 'b', 'c', 7, 0, 0,
    };
    CHECK_ST(mp_rtp_extension_find(two, sizeof two, 200, &s), MP_OK);
    CHECK(s.len == 3 && s.ptr == two + 18 && memcmp(s.ptr, "abc", 3) == 0);
    CHECK_ST(mp_rtp_extension_find(two, sizeof two, 7, &s), MP_OK);
    CHECK(s.len == 0);

    /* no extension at all */
    uint8_t plain[32];
    simple_packet(plain, 0, 1, 2, 3);
    CHECK_ST(mp_rtp_extension_find(plain, sizeof plain, 1, &s), MP_ERR_NOT_FOUND);
}

static void test_rewriter(void)
{
    mp_rtp_rewriter *rw = (mp_rtp_rewriter *)(void *)&g_rng;
    CHECK_ST(mp_rtp_rewriter_new(0x0B0B0B0Bu, 0, &rw), MP_ERR_INVALID_ARGUMENT);
    CHECK(rw == NULL);
    CHECK_ST(mp_rtp_rewriter_new(0x0B0B0B0Bu, 160, &rw), MP_OK);
    if (rw == NULL)
        return;
    CHECK_ST(mp_rtp_rewriter_map_payload_type(rw, 8, 0), MP_OK);
    CHECK_ST(mp_rtp_rewriter_map_payload_type(rw, 128, 0), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_rtp_rewriter_map_payload_type(rw, 0, 128), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_rtp_rewriter_map_extension(rw, 0, 3), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_rtp_rewriter_map_extension(rw, 1, 3), MP_OK);
    CHECK_ST(mp_rtp_rewriter_map_extension(rw, 2, 0), MP_OK); /* strip */
    CHECK_ST(mp_rtp_rewriter_set_marker_on_switch(rw, true), MP_OK);

    /* source A: seq 100.., ts 8000.. */
    uint8_t buf[32];
    mp_rtp_header h;
    uint16_t last_seq = 0;
    uint32_t last_ts = 0;
    for (int i = 0; i < 5; i++) {
        simple_packet(buf, 8, (uint16_t)(100 + i), 8000u + 160u * (uint32_t)i, 0xA);
        CHECK_ST(mp_rtp_rewriter_rewrite(rw, buf, sizeof buf), MP_OK);
        h = parse_ok(buf, sizeof buf);
        CHECK(h.ssrc == 0x0B0B0B0Bu);
        CHECK(h.payload_type == 0);
        CHECK(h.sequence == 100 + i);
        CHECK(h.marker == (i == 0));
        last_seq = h.sequence;
        last_ts = h.timestamp;
    }
    /* source B continues the numbering */
    simple_packet(buf, 8, 40000, 123, 0xB);
    CHECK_ST(mp_rtp_rewriter_rewrite(rw, buf, sizeof buf), MP_OK);
    h = parse_ok(buf, sizeof buf);
    CHECK(h.sequence == (uint16_t)(last_seq + 1));
    CHECK(h.timestamp == last_ts + 160);
    CHECK(h.marker);
    last_seq = h.sequence;
    last_ts = h.timestamp;

    /* with an arrival time, then a forced switch 4000 ticks later: the
     * gap is the time that passed */
    simple_packet(buf, 8, 40001, 283, 0xB);
    CHECK_ST(mp_rtp_rewriter_rewrite_at(rw, buf, sizeof buf, 1000), MP_OK);
    h = parse_ok(buf, sizeof buf);
    CHECK(h.sequence == (uint16_t)(last_seq + 1) && h.timestamp == last_ts + 160);
    CHECK(!h.marker);
    last_seq = h.sequence;
    last_ts = h.timestamp;
    CHECK_ST(mp_rtp_rewriter_switch_source(rw), MP_OK);
    simple_packet(buf, 8, 40002, 443, 0xB);
    CHECK_ST(mp_rtp_rewriter_rewrite_at(rw, buf, sizeof buf, 1000 + 4000), MP_OK);
    h = parse_ok(buf, sizeof buf);
    CHECK(h.sequence == (uint16_t)(last_seq + 1));
    CHECK(h.timestamp == last_ts + 4000);
    CHECK(h.marker);

    /* extension ids: 1 -> 3, 2 stripped into padding */
    uint8_t ext[sizeof PACKET];
    memcpy(ext, PACKET, sizeof ext);
    ext[1] = 0x08; /* PT 8, no marker */
    CHECK_ST(mp_rtp_rewriter_rewrite(rw, ext, sizeof ext), MP_OK);
    mp_slice s;
    CHECK_ST(mp_rtp_extension_find(ext, sizeof ext, 3, &s), MP_OK);
    CHECK(s.len == 1 && s.ptr[0] == 0x55);
    CHECK_ST(mp_rtp_extension_find(ext, sizeof ext, 1, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_rtp_extension_find(ext, sizeof ext, 2, &s), MP_ERR_NOT_FOUND);
    CHECK(ext[26] == 0 && ext[27] == 0 && ext[28] == 0);
    CHECK(memcmp(ext + 32, "hello", 5) == 0);

    /* an id above 14 cannot go into a one-byte header: refused, unchanged */
    CHECK_ST(mp_rtp_rewriter_map_extension(rw, 3, 100), MP_OK);
    uint8_t before[sizeof ext];
    memcpy(before, ext, sizeof ext);
    CHECK_ST(mp_rtp_rewriter_rewrite(rw, ext, sizeof ext), MP_ERR_UNSUPPORTED);
    CHECK(memcmp(before, ext, sizeof ext) == 0);

    /* RTCP and garbage are refused and left alone */
    uint8_t sr[28] = {0x80, 200, 0x00, 0x06, 0, 0, 0, 9};
    uint8_t sr_copy[28];
    memcpy(sr_copy, sr, sizeof sr);
    CHECK_ST(mp_rtp_rewriter_rewrite(rw, sr, sizeof sr), MP_ERR_INVALID);
    CHECK(memcmp(sr, sr_copy, sizeof sr) == 0);
    for (size_t n = 0; n < 12; n++) {
        simple_packet(buf, 8, 1, 1, 1);
        CHECK_ST(mp_rtp_rewriter_rewrite(rw, buf, n), MP_ERR_PARSE);
    }

    mp_rtp_rewriter_free(rw);
}

static void test_demux(void)
{
    static const struct {
        uint8_t b0, b1;
        mp_packet_kind want;
    } table[] = {
        {0x00, 0x01, MP_PACKET_KIND_STUN},
        {0x03, 0x00, MP_PACKET_KIND_STUN},
        {0x04, 0x00, MP_PACKET_KIND_UNKNOWN},
        {16, 0, MP_PACKET_KIND_ZRTP},
        {19, 0, MP_PACKET_KIND_ZRTP},
        {20, 0xFE, MP_PACKET_KIND_DTLS},
        {22, 0xFE, MP_PACKET_KIND_DTLS},
        {63, 0, MP_PACKET_KIND_DTLS},
        {64, 0, MP_PACKET_KIND_TURN_CHANNEL},
        {79, 0, MP_PACKET_KIND_TURN_CHANNEL},
        {80, 0, MP_PACKET_KIND_UNKNOWN},
        {127, 0, MP_PACKET_KIND_UNKNOWN},
        {0x80, 0x00, MP_PACKET_KIND_RTP},
        {0x80, 0xE0, MP_PACKET_KIND_RTP},
        {0x80, 0x60, MP_PACKET_KIND_RTP},
        {0x80, 200, MP_PACKET_KIND_RTCP},
        {0x81, 201, MP_PACKET_KIND_RTCP},
        {0x80, 192, MP_PACKET_KIND_RTCP},
        {0x80, 223, MP_PACKET_KIND_RTCP},
        {0x80, 72, MP_PACKET_KIND_RTCP},
        {0x80, 224, MP_PACKET_KIND_RTP},
        {0xBF, 0x00, MP_PACKET_KIND_RTP},
        {0xC0, 0x00, MP_PACKET_KIND_UNKNOWN},
        {0xFF, 0xFF, MP_PACKET_KIND_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        uint8_t b[2] = {table[i].b0, table[i].b1};
        mp_packet_kind k = mp_demux_classify(b, 2);
        if (k != table[i].want)
            fprintf(stderr, "demux %02x %02x: got %d\n", b[0], b[1], (int)k);
        CHECK(k == table[i].want);
    }
    uint8_t one = 0x80;
    CHECK(mp_demux_classify(&one, 1) == MP_PACKET_KIND_UNKNOWN);
    CHECK(mp_demux_classify(PACKET, sizeof PACKET) == MP_PACKET_KIND_RTP);
}

/* Random bytes through every entry point: no panic, only the statuses the
 * documentation names, and a parsed header that adds up. */
static void test_garbage(void)
{
    mp_rtp_rewriter *rw = NULL;
    CHECK_ST(mp_rtp_rewriter_new(5, 960, &rw), MP_OK);
    if (rw == NULL)
        return;
    CHECK_ST(mp_rtp_rewriter_map_extension(rw, 1, 2), MP_OK);
    unsigned bad = 0, parsed_ok = 0, rewritten = 0;
    uint8_t buf[96];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)(rnd() % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rnd();
        /* mostly version 2, so the checks past the first byte run */
        if (len > 0 && iter % 4 != 0)
            buf[0] = (uint8_t)(0x80 | (buf[0] & 0x3F));

        mp_rtp_header h;
        mp_status st = mp_rtp_parse(buf, len, &h);
        if (st == MP_OK) {
            parsed_ok++;
            if (h.header_len + h.payload_len + h.padding_len != len ||
                h.payload_offset != h.header_len || h.version != 2 ||
                h.payload_type > 127 || h.csrc_count > 15)
                bad++;
        } else if (st != MP_ERR_PARSE) {
            bad++;
        }
        mp_slice s;
        mp_status fs = mp_rtp_extension_find(buf, len, (uint8_t)(rnd() % 16), &s);
        if (fs == MP_OK) {
            if (len == 0 || (s.len > 0 && (s.ptr < buf || s.ptr + s.len > buf + len)))
                bad++;
        } else if (fs != MP_ERR_NOT_FOUND && fs != MP_ERR_PARSE) {
            bad++;
        }
        mp_status ss = mp_rtp_set_sequence(buf, len, 1);
        if (ss != st)
            bad++;
        mp_status rs = mp_rtp_rewriter_rewrite(rw, buf, len);
        if (rs == MP_OK)
            rewritten++;
        else if (rs != MP_ERR_PARSE && rs != MP_ERR_INVALID)
            bad++;
        mp_packet_kind k = mp_demux_classify(buf, len);
        if ((int)k < 0 || (int)k > 6)
            bad++;
    }
    CHECK(bad == 0);
    CHECK(parsed_ok > 1000);
    CHECK(rewritten > 1000);
    mp_rtp_rewriter_free(rw);
}

int main(void)
{
    test_parse_fields();
    test_parse_refusals();
    test_null_arguments();
    test_setters();
    test_extension_find();
    test_rewriter();
    test_demux();
    test_garbage();
    printf("%u passed, %u failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
