/*
 * C test of the RTCP part of the C ABI (include/mediaplane.h).
 *
 * Every mp_rtcp_* function is called with NULL for every pointer parameter,
 * with real captured compounds, with every truncation of them, with
 * compounds that break one rule each, with fixed-seed random bytes, and
 * with the size-then-fill buffer contract of the builders (nothing is
 * written past the size reported). Run it under valgrind to check that
 * nothing reads or writes out of bounds.
 *
 * Prints "<P> passed, <F> failed" and exits 1 when anything failed.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediaplane.h"

#include "check.h"

/* SR + SDES CNAME from a PBX media server on a G.711 call. */
static const uint8_t PBX_SR_SDES[] = {
    0x80, 0xc8, 0x00, 0x06, 0xc5, 0x27, 0x88, 0x35, 0xda, 0x9d, 0xbb, 0x09,
    0x0a, 0x07, 0x08, 0x00, 0x53, 0xd8, 0x1a, 0x92, 0x00, 0x00, 0x01, 0xf4,
    0x00, 0x01, 0x4f, 0xf0, 0x81, 0xca, 0x00, 0x0d, 0xc5, 0x27, 0x88, 0x35,
    0x01, 0x2a, '2',  '0',  '9',  '9',  '6',  '8',  '3',  '3',  '2',  '6',
    '_',  't',  'a',  'p',  '_',  '3',  '7',  '0',  '9',  '7',  '0',  '6',
    '3',  '7',  '2',  '_',  'A',  '@',  'I',  '3',  '-',  'P',  'M',  'S',
    'S',  'I',  'P',  '1',  '-',  'P',  'X',  '1',  0x00, 0x00, 0x00, 0x00,
};

/* RR, SDES, BYE, PLI and RRR from a browser session (the "real packet" of
 * the pion/webrtc-rs RTCP test suites). */
static const uint8_t BROWSER_COMPOUND[] = {
    0x81, 0xc9, 0x00, 0x07, 0x90, 0x2f, 0x9e, 0x2e, 0xbc, 0x5e, 0x9a, 0x40,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0xe1, 0x00, 0x00, 0x01, 0x11,
    0x09, 0xf3, 0x64, 0x32, 0x00, 0x02, 0x4a, 0x79, 0x81, 0xca, 0x00, 0x0c,
    0x90, 0x2f, 0x9e, 0x2e, 0x01, 0x26, '{',  '9',  'c',  '0',  '0',  'e',
    'b',  '9',  '2',  '-',  '1',  'a',  'f',  'b',  '-',  '9',  'd',  '4',
    '9',  '-',  'a',  '4',  '7',  'd',  '-',  '9',  '1',  'f',  '6',  '4',
    'e',  'e',  'e',  '6',  '9',  'f',  '5',  '}',  0x00, 0x00, 0x00, 0x00,
    0x81, 0xcb, 0x00, 0x01, 0x90, 0x2f, 0x9e, 0x2e, 0x81, 0xce, 0x00, 0x02,
    0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e, 0x85, 0xcd, 0x00, 0x02,
    0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e,
};

/* A reduced-size PLI (RFC 5506): sender 1, media 2. */
static const uint8_t PLI[] = {
    0x81, 0xce, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
};

/* xorshift64*: a fixed seed makes every run feed the same bytes. */
static uint64_t g_rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 2685821657736338717ull;
}

static int is_known_status(mp_status st)
{
    int v = (int)st;
    return v >= 0 && v <= (int)MP_ERR_UNKNOWN_SSRC && st != MP_ERR_PANIC;
}

/* Walks a datagram with the C API and checks that the packets tile it. */
static void check_walk(const uint8_t *buf, size_t len, size_t want_count)
{
    size_t n = 0;
    CHECK_ST(mp_rtcp_packet_count(buf, len, &n), MP_OK);
    CHECK(n == want_count);
    size_t end = 0;
    for (size_t i = 0; i < n; i++) {
        mp_rtcp_header h;
        memset(&h, 0xee, sizeof h);
        CHECK_ST(mp_rtcp_packet_at(buf, len, i, &h), MP_OK);
        CHECK(h.offset == end);
        CHECK(h.length >= 4 && h.length % 4 == 0);
        CHECK(h.packet_type == buf[h.offset + 1]);
        CHECK(h.count == (buf[h.offset] & 0x1f));
        CHECK(h.padding == ((buf[h.offset] & 0x20) != 0));
        end += h.length;
    }
    CHECK(end == len);
    mp_rtcp_header h;
    CHECK_ST(mp_rtcp_packet_at(buf, len, n, &h), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_rtcp_packet_at(buf, len, SIZE_MAX, &h), MP_ERR_NOT_FOUND);
}

static void test_null_arguments(void)
{
    size_t n = 0;
    mp_rtcp_header h;
    uint8_t out[64];
    size_t w = 0;
    const uint16_t seqs[] = {1, 2, 3};

    CHECK_ST(mp_rtcp_validate(NULL, 12, false), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtcp_validate(NULL, 12, true), MP_ERR_NULL_POINTER);
    /* NULL with length 0 is the empty datagram, which is malformed. */
    CHECK_ST(mp_rtcp_validate(NULL, 0, true), MP_ERR_PARSE);
    CHECK_ST(mp_rtcp_validate(PLI, SIZE_MAX, true), MP_ERR_INVALID_ARGUMENT);

    CHECK_ST(mp_rtcp_packet_count(NULL, sizeof PLI, &n), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtcp_packet_count(PLI, sizeof PLI, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtcp_packet_count(NULL, 0, &n), MP_ERR_PARSE);

    CHECK_ST(mp_rtcp_packet_at(NULL, sizeof PLI, 0, &h), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtcp_packet_at(PLI, sizeof PLI, 0, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_rtcp_build_pli(1, 2, out, sizeof out, NULL), MP_ERR_NULL_POINTER);
    /* A NULL out is a buffer of size 0: the size needed comes back. */
    w = 0;
    CHECK_ST(mp_rtcp_build_pli(1, 2, NULL, 0, &w), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(w == 12);
    w = 0;
    CHECK_ST(mp_rtcp_build_pli(1, 2, NULL, sizeof out, &w), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(w == 12);

    CHECK_ST(mp_rtcp_build_nack(1, 2, seqs, 3, out, sizeof out, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtcp_build_nack(1, 2, NULL, 3, out, sizeof out, &w), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_rtcp_build_nack(1, 2, NULL, 0, out, sizeof out, &w),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_rtcp_build_nack(1, 2, seqs, 0, out, sizeof out, &w),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_rtcp_build_nack(1, 2, seqs, SIZE_MAX, out, sizeof out, &w),
             MP_ERR_INVALID_ARGUMENT);
    w = 0;
    CHECK_ST(mp_rtcp_build_nack(1, 2, seqs, 3, NULL, 0, &w), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(w == 16);
}

static void test_real_compounds(void)
{
    CHECK_ST(mp_rtcp_validate(PBX_SR_SDES, sizeof PBX_SR_SDES, false), MP_OK);
    CHECK_ST(mp_rtcp_validate(PBX_SR_SDES, sizeof PBX_SR_SDES, true), MP_OK);
    check_walk(PBX_SR_SDES, sizeof PBX_SR_SDES, 2);
    mp_rtcp_header h;
    CHECK_ST(mp_rtcp_packet_at(PBX_SR_SDES, sizeof PBX_SR_SDES, 0, &h), MP_OK);
    CHECK(h.packet_type == 200 && h.count == 0 && !h.padding && h.offset == 0 && h.length == 28);
    CHECK_ST(mp_rtcp_packet_at(PBX_SR_SDES, sizeof PBX_SR_SDES, 1, &h), MP_OK);
    CHECK(h.packet_type == 202 && h.count == 1 && h.offset == 28 && h.length == 56);

    CHECK_ST(mp_rtcp_validate(BROWSER_COMPOUND, sizeof BROWSER_COMPOUND, false), MP_OK);
    check_walk(BROWSER_COMPOUND, sizeof BROWSER_COMPOUND, 5);
    const uint8_t types[] = {201, 202, 203, 206, 205};
    const uint8_t counts[] = {1, 1, 1, 1, 5};
    for (size_t i = 0; i < 5; i++) {
        CHECK_ST(mp_rtcp_packet_at(BROWSER_COMPOUND, sizeof BROWSER_COMPOUND, i, &h), MP_OK);
        CHECK(h.packet_type == types[i] && h.count == counts[i]);
    }
}

static void test_reduced_size(void)
{
    CHECK_ST(mp_rtcp_validate(PLI, sizeof PLI, false), MP_ERR_INVALID);
    CHECK_ST(mp_rtcp_validate(PLI, sizeof PLI, true), MP_OK);
    /* The walk accepts what reduced-size mode accepts. */
    check_walk(PLI, sizeof PLI, 1);
    mp_rtcp_header h;
    CHECK_ST(mp_rtcp_packet_at(PLI, sizeof PLI, 0, &h), MP_OK);
    CHECK(h.packet_type == 206 && h.count == 1 && h.length == 12);
}

static void test_short_buffers(void)
{
    /* Every prefix of a compound is refused, except the one that ends on
     * the packet boundary; none crashes. */
    for (size_t len = 0; len < sizeof PBX_SR_SDES; len++) {
        /* A heap copy of exactly `len` bytes, so valgrind sees any read
         * past the end. */
        uint8_t *p = malloc(len == 0 ? 1 : len);
        CHECK(p != NULL);
        if (p == NULL)
            continue;
        memcpy(p, PBX_SR_SDES, len);
        mp_status want = len == 28 ? MP_OK : MP_ERR_PARSE;
        CHECK_ST(mp_rtcp_validate(p, len, true), want);
        CHECK_ST(mp_rtcp_validate(p, len, false), want);
        size_t n = 0;
        CHECK_ST(mp_rtcp_packet_count(p, len, &n), want);
        free(p);
    }
}

static void test_broken_rules(void)
{
    uint8_t buf[sizeof BROWSER_COMPOUND + 8];
    mp_rtcp_header h;
    size_t n;

    /* Version 1 on the third packet. */
    memcpy(buf, BROWSER_COMPOUND, sizeof BROWSER_COMPOUND);
    buf[84] = (uint8_t)((buf[84] & 0x3f) | 0x40);
    CHECK_ST(mp_rtcp_validate(buf, sizeof BROWSER_COMPOUND, false), MP_ERR_PARSE);
    CHECK_ST(mp_rtcp_packet_count(buf, sizeof BROWSER_COMPOUND, &n), MP_ERR_PARSE);
    CHECK_ST(mp_rtcp_packet_at(buf, sizeof BROWSER_COMPOUND, 0, &h), MP_ERR_PARSE);

    /* Padding on the (middle) BYE: its last octet becomes a count of 4. */
    memcpy(buf, BROWSER_COMPOUND, sizeof BROWSER_COMPOUND);
    buf[84] |= 0x20;
    buf[91] = 4;
    CHECK_ST(mp_rtcp_validate(buf, sizeof BROWSER_COMPOUND, false), MP_ERR_INVALID);
    CHECK_ST(mp_rtcp_validate(buf, sizeof BROWSER_COMPOUND, true), MP_ERR_INVALID);

    /* Padding on the last packet is fine: one word added to the RRR. */
    memcpy(buf, BROWSER_COMPOUND, sizeof BROWSER_COMPOUND);
    buf[104] |= 0x20;
    buf[107] = 3;
    memcpy(buf + sizeof BROWSER_COMPOUND, "\0\0\0\4", 4);
    CHECK_ST(mp_rtcp_validate(buf, sizeof BROWSER_COMPOUND + 4, false), MP_OK);
    CHECK_ST(mp_rtcp_packet_at(buf, sizeof BROWSER_COMPOUND + 4, 4, &h), MP_OK);
    CHECK(h.padding && h.length == 16);

    /* First packet not an SR or RR. */
    CHECK_ST(mp_rtcp_validate(BROWSER_COMPOUND + 84, sizeof BROWSER_COMPOUND - 84, false),
             MP_ERR_INVALID);
    CHECK_ST(mp_rtcp_validate(BROWSER_COMPOUND + 84, sizeof BROWSER_COMPOUND - 84, true),
             MP_OK);

    /* Lengths that do not add up: trailing bytes, a length one word long. */
    memcpy(buf, BROWSER_COMPOUND, sizeof BROWSER_COMPOUND);
    memcpy(buf + sizeof BROWSER_COMPOUND, "\x81\xc9\0", 3);
    CHECK_ST(mp_rtcp_validate(buf, sizeof BROWSER_COMPOUND + 3, false), MP_ERR_PARSE);
    memcpy(buf, BROWSER_COMPOUND, sizeof BROWSER_COMPOUND);
    buf[107] = 3;
    CHECK_ST(mp_rtcp_validate(buf, sizeof BROWSER_COMPOUND, false), MP_ERR_PARSE);

    /* Bigger than a datagram. */
    size_t big_len = 65536;
    uint8_t *big = calloc(1, big_len);
    CHECK(big != NULL);
    if (big != NULL) {
        big[0] = 0x80;
        big[1] = 201;
        big[2] = 0x3f;
        big[3] = 0xff;
        CHECK_ST(mp_rtcp_validate(big, big_len, true), MP_ERR_LIMIT);
        free(big);
    }
}

static void test_build_pli(void)
{
    uint8_t out[16];
    size_t w = 0;

    memset(out, 0xaa, sizeof out);
    CHECK_ST(mp_rtcp_build_pli(0x01020304, 0x05060708, out, 11, &w), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(w == 12);
    CHECK(out[0] == 0xaa); /* nothing written to a small buffer */

    memset(out, 0xaa, sizeof out);
    CHECK_ST(mp_rtcp_build_pli(0x01020304, 0x05060708, out, 12, &w), MP_OK);
    CHECK(w == 12);
    const uint8_t want[] = {0x81, 0xce, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(memcmp(out, want, sizeof want) == 0);
    CHECK(out[12] == 0xaa); /* nothing written past the size reported */
    CHECK_ST(mp_rtcp_validate(out, w, true), MP_OK);
    CHECK_ST(mp_rtcp_validate(out, w, false), MP_ERR_INVALID);
}

static void test_build_nack(void)
{
    uint8_t out[32];
    size_t w = 0;

    /* 101 is bit 0 and 116 bit 15 of 100's BLP; 117 starts a new entry. */
    const uint16_t seqs[] = {100, 101, 116, 117};
    CHECK_ST(mp_rtcp_build_nack(1, 2, seqs, 4, NULL, 0, &w), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(w == 20);
    memset(out, 0xaa, sizeof out);
    CHECK_ST(mp_rtcp_build_nack(1, 2, seqs, 4, out, 19, &w), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(w == 20 && out[0] == 0xaa);
    CHECK_ST(mp_rtcp_build_nack(1, 2, seqs, 4, out, 20, &w), MP_OK);
    const uint8_t want[] = {0x81, 0xcd, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2,
                            0x00, 0x64, 0x80, 0x01, 0x00, 0x75, 0x00, 0x00};
    CHECK(w == 20 && memcmp(out, want, sizeof want) == 0);
    CHECK(out[20] == 0xaa);
    CHECK_ST(mp_rtcp_validate(out, w, true), MP_OK);

    /* Wrap-around packs into one entry. */
    const uint16_t wrap[] = {65535, 0, 1};
    CHECK_ST(mp_rtcp_build_nack(1, 2, wrap, 3, out, sizeof out, &w), MP_OK);
    CHECK(w == 16);
    CHECK(out[12] == 0xff && out[13] == 0xff && out[14] == 0x00 && out[15] == 0x03);

    /* 300 entries: two NACK packets, 253 + 47 entries. */
    uint16_t many[300];
    for (size_t i = 0; i < 300; i++)
        many[i] = (uint16_t)(i * 20);
    CHECK_ST(mp_rtcp_build_nack(1, 2, many, 300, NULL, 0, &w), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(w == 2 * 12 + 300 * 4);
    uint8_t *big = malloc(w);
    CHECK(big != NULL);
    if (big != NULL) {
        size_t need = w;
        CHECK_ST(mp_rtcp_build_nack(1, 2, many, 300, big, need, &w), MP_OK);
        CHECK(w == need);
        CHECK_ST(mp_rtcp_validate(big, w, true), MP_OK);
        check_walk(big, w, 2);
        mp_rtcp_header h;
        CHECK_ST(mp_rtcp_packet_at(big, w, 1, &h), MP_OK);
        CHECK(h.packet_type == 205 && h.count == 1 && h.length == 12 + 47 * 4);
        free(big);
    }
}

static void test_garbage(void)
{
    uint8_t buf[256];
    unsigned valid = 0, bad = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rnd() % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rnd();
        /* Half the rounds start from a plausible header. */
        if (round % 2 == 0 && len >= 4) {
            buf[0] = (uint8_t)(0x80 | (buf[0] & 0x3f));
            buf[1] = (uint8_t)(200 + rnd() % 8);
            buf[2] = 0;
            buf[3] = (uint8_t)((len / 4) - 1 - rnd() % 2);
        }
        mp_status full = mp_rtcp_validate(buf, len, false);
        mp_status reduced = mp_rtcp_validate(buf, len, true);
        if (!is_known_status(full) || !is_known_status(reduced))
            bad++;
        if (full == MP_OK && reduced != MP_OK)
            bad++;
        size_t n = 0;
        mp_status st = mp_rtcp_packet_count(buf, len, &n);
        if (st != reduced)
            bad++;
        if (st == MP_OK) {
            valid++;
            size_t end = 0;
            for (size_t i = 0; i < n; i++) {
                mp_rtcp_header h;
                if (mp_rtcp_packet_at(buf, len, i, &h) != MP_OK || h.offset != end)
                    bad++;
                end += h.length;
            }
            if (end != len)
                bad++;
        }
    }
    CHECK(bad == 0);
    /* The plausible headers must reach past the first checks. */
    CHECK(valid > 100);
}

int main(void)
{
    test_null_arguments();
    test_real_compounds();
    test_reduced_size();
    test_short_buffers();
    test_broken_rules();
    test_build_pli();
    test_build_nack();
    test_garbage();
    printf("%u passed, %u failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
