/*
 * C test of the SRTP and SDES part of the C ABI (include/mediaplane.h).
 *
 * Every SRTP/SDES function of the header is called here: with NULL for
 * every pointer parameter, with unknown profile values, short buffers
 * (MP_ERR_BUFFER_TOO_SMALL must report the size needed and leave the
 * packet alone), wrong key lengths, malformed and unsupported a=crypto
 * lines, tampered packets (MP_ERR_AUTH), replays (MP_ERR_REPLAY), key
 * lifetimes running out (MP_ERR_KEY_LIMIT) and fixed-seed random garbage.
 * The AES_CM_128_HMAC_SHA1_80 packets are checked against the reference
 * vectors of libsrtp's srtp_validate() (test/srtp_driver.c). Run it under
 * valgrind to check that nothing leaks or reads out of bounds.
 *
 * Prints "<P> passed, <F> failed" and exits 1 when anything failed.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediaplane.h"

#include "check.h"

#define N_PROFILES 6
static const mp_srtp_profile PROFILES[N_PROFILES] = {
    MP_SRTP_AES_CM_128_HMAC_SHA1_80, MP_SRTP_AES_CM_128_HMAC_SHA1_32,
    MP_SRTP_AES_256_CM_HMAC_SHA1_80, MP_SRTP_AES_256_CM_HMAC_SHA1_32,
    MP_SRTP_AEAD_AES_128_GCM,        MP_SRTP_AEAD_AES_256_GCM,
};
static const char *const NAMES[N_PROFILES] = {
    "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
    "AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32",
    "AEAD_AES_128_GCM",        "AEAD_AES_256_GCM",
};
/* key, salt, RTP overhead, RTCP overhead */
static const size_t SIZES[N_PROFILES][4] = {
    {16, 14, 10, 14}, {16, 14, 4, 14}, {32, 14, 10, 14},
    {32, 14, 4, 14},  {16, 12, 16, 20}, {32, 12, 16, 20},
};

/* libsrtp srtp_validate(): master key and salt, SSRC 0xcafebabe. */
static const uint8_t REF_KEY[16] = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
    0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
};
static const uint8_t REF_SALT[14] = {
    0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};
static const uint8_t REF_RTP[28] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe,
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
    0xab, 0xab, 0xab, 0xab,
};
static const uint8_t REF_SRTP[38] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe,
    0x4e, 0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15,
    0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b,
    0x8d, 0xbb,
};
static const uint8_t REF_RTCP[24] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab, 0xab, 0xab,
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
};
/* SRTCP index 1 (libsrtp counts from 1). */
static const uint8_t REF_SRTCP[38] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28, 0x03, 0x5b,
    0xe4, 0x87, 0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8,
    0x80, 0x00, 0x00, 0x01, 0x99, 0x3e, 0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23,
    0x07, 0x98,
};

/* RFC 4568 §4 example key (the MKI of the RFC line is left out). */
#define RFC_KEY "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

/* Alignment-safe stand-in for "some pointer that is not NULL", to see that
 * a failing call resets *out. Never dereferenced. */
static max_align_t g_sentinel;
#define NOT_NULL_CTX ((mp_srtp_context *)(void *)&g_sentinel)

/* xorshift64*: a fixed seed makes every run feed the same bytes. */
static uint64_t g_rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 2685821657736338717ull;
}

static size_t rtp_packet(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload)
{
    buf[0] = 0x80;
    buf[1] = 0x60;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    uint32_t ts = (uint32_t)seq * 160u;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    for (size_t i = 0; i < payload; i++)
        buf[12 + i] = (uint8_t)(i * 7 + seq);
    return 12 + payload;
}

/* A receiver report with one report block. */
static size_t rtcp_packet(uint8_t *buf, uint32_t ssrc, uint8_t fill)
{
    memset(buf, fill, 32);
    buf[0] = 0x81;
    buf[1] = 201;
    buf[2] = 0;
    buf[3] = 7;
    for (int i = 0; i < 4; i++)
        buf[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    return 32;
}

static mp_srtp_context *make_ctx(size_t i, uint8_t seed)
{
    uint8_t key[32], salt[14];
    for (size_t k = 0; k < sizeof key; k++)
        key[k] = (uint8_t)(seed + k);
    for (size_t k = 0; k < sizeof salt; k++)
        salt[k] = (uint8_t)(0xa0 + seed + k);
    mp_srtp_context *c = NULL;
    mp_status st = mp_srtp_context_new(PROFILES[i], key, SIZES[i][0], salt, SIZES[i][1], &c);
    if (st != MP_OK) {
        fprintf(stderr, "context for %s: %s\n", NAMES[i], mp_status_str(st));
        return NULL;
    }
    return c;
}

static void test_profiles(void)
{
    for (size_t i = 0; i < N_PROFILES; i++) {
        mp_srtp_profile p = 0;
        CHECK_ST(mp_srtp_profile_from_name(NAMES[i], &p), MP_OK);
        CHECK(p == PROFILES[i]);
        const char *name = mp_srtp_profile_name(PROFILES[i]);
        CHECK(name != NULL && strcmp(name, NAMES[i]) == 0);
        size_t n = 0, k = 0, s = 0;
        CHECK_ST(mp_srtp_profile_overhead(PROFILES[i], false, &n), MP_OK);
        CHECK(n == SIZES[i][2]);
        CHECK_ST(mp_srtp_profile_overhead(PROFILES[i], true, &n), MP_OK);
        CHECK(n == SIZES[i][3]);
        CHECK_ST(mp_srtp_profile_key_lengths(PROFILES[i], &k, &s), MP_OK);
        CHECK(k == SIZES[i][0] && s == SIZES[i][1]);
        CHECK_ST(mp_srtp_profile_key_lengths(PROFILES[i], NULL, NULL), MP_OK);
        CHECK_ST(mp_srtp_profile_overhead(PROFILES[i], false, NULL), MP_ERR_NULL_POINTER);
    }
    mp_srtp_profile p = 0;
    CHECK(MP_SRTP_AES_CM_128_HMAC_SHA1_80 == 1 && MP_SRTP_AEAD_AES_256_GCM == 8);
    CHECK_ST(mp_srtp_profile_from_name("SRTP_AEAD_AES_128_GCM", &p), MP_OK);
    CHECK(p == MP_SRTP_AEAD_AES_128_GCM);
    CHECK_ST(mp_srtp_profile_from_name("aes_cm_128_hmac_sha1_80", &p), MP_ERR_UNSUPPORTED);
    CHECK_ST(mp_srtp_profile_from_name("", &p), MP_ERR_UNSUPPORTED);
    CHECK_ST(mp_srtp_profile_from_name("\xff\xfe", &p), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_srtp_profile_from_name(NULL, &p), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_srtp_profile_from_name(NAMES[0], NULL), MP_ERR_NULL_POINTER);

    const mp_srtp_profile bad[] = {0, 3, 5, 6, 9, 0x100, 0x103, 0xffffffffu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = 99;
        CHECK(mp_srtp_profile_name(bad[i]) == NULL);
        CHECK_ST(mp_srtp_profile_overhead(bad[i], false, &n), MP_ERR_INVALID_ARGUMENT);
        CHECK(n == 99);
        CHECK_ST(mp_srtp_profile_key_lengths(bad[i], &n, &n), MP_ERR_INVALID_ARGUMENT);
    }
}

static void test_context_new(void)
{
    uint8_t key[64] = {1}, salt[64] = {2};
    mp_srtp_context *c = NOT_NULL_CTX;
    CHECK_ST(mp_srtp_context_new(MP_SRTP_AEAD_AES_128_GCM, NULL, 16, salt, 12, &c),
             MP_ERR_NULL_POINTER);
    CHECK(c == NULL);
    c = NOT_NULL_CTX;
    CHECK_ST(mp_srtp_context_new(MP_SRTP_AEAD_AES_128_GCM, key, 16, NULL, 12, &c),
             MP_ERR_NULL_POINTER);
    CHECK(c == NULL);
    CHECK_ST(mp_srtp_context_new(MP_SRTP_AEAD_AES_128_GCM, key, 16, salt, 12, NULL),
             MP_ERR_NULL_POINTER);
    /* every wrong key or salt length, for every profile */
    for (size_t i = 0; i < N_PROFILES; i++) {
        const size_t lens[] = {0, 1, 12, 14, 15, 16, 17, 24, 31, 32, 33, 64};
        for (size_t a = 0; a < sizeof lens / sizeof lens[0]; a++) {
            for (size_t b = 0; b < sizeof lens / sizeof lens[0]; b++) {
                bool fits = lens[a] == SIZES[i][0] && lens[b] == SIZES[i][1];
                c = NOT_NULL_CTX;
                mp_status st = mp_srtp_context_new(PROFILES[i], key, lens[a], salt, lens[b], &c);
                if (fits) {
                    CHECK(st == MP_OK && c != NULL && c != NOT_NULL_CTX);
                    mp_srtp_context_free(c);
                } else if (st != MP_ERR_INVALID_ARGUMENT || c != NULL) {
                    CHECK_ST(st, MP_ERR_INVALID_ARGUMENT);
                    CHECK(c == NULL);
                }
            }
        }
    }
    g_passed++; /* the loop above checked every combination */
    c = NOT_NULL_CTX;
    CHECK_ST(mp_srtp_context_new(42, key, 16, salt, 14, &c), MP_ERR_INVALID_ARGUMENT);
    CHECK(c == NULL);
    mp_srtp_context_free(NULL);
    CHECK(mp_srtp_context_last_error(NULL) == NULL);
}

/* libsrtp's reference packets, byte for byte. */
static void test_reference_vectors(void)
{
    mp_srtp_context *tx = NULL, *rx = NULL;
    CHECK_ST(mp_srtp_context_new(MP_SRTP_AES_CM_128_HMAC_SHA1_80, REF_KEY, 16, REF_SALT, 14, &tx),
             MP_OK);
    CHECK_ST(mp_srtp_context_new(MP_SRTP_AES_CM_128_HMAC_SHA1_80, REF_KEY, 16, REF_SALT, 14, &rx),
             MP_OK);
    uint8_t buf[64];
    size_t n = 0;
    memcpy(buf, REF_RTP, sizeof REF_RTP);
    CHECK_ST(mp_srtp_protect(tx, buf, sizeof REF_RTP, sizeof buf, &n), MP_OK);
    CHECK(n == sizeof REF_SRTP && memcmp(buf, REF_SRTP, n) == 0);
    CHECK_ST(mp_srtp_unprotect(rx, buf, n, &n), MP_OK);
    CHECK(n == sizeof REF_RTP && memcmp(buf, REF_RTP, n) == 0);

    memcpy(buf, REF_SRTCP, sizeof REF_SRTCP);
    CHECK_ST(mp_srtcp_unprotect(rx, buf, sizeof REF_SRTCP, &n), MP_OK);
    CHECK(n == sizeof REF_RTCP && memcmp(buf, REF_RTCP, n) == 0);
    memcpy(buf, REF_SRTCP, sizeof REF_SRTCP);
    CHECK_ST(mp_srtcp_unprotect(rx, buf, sizeof REF_SRTCP, &n), MP_ERR_REPLAY);
    CHECK(n == 0);

    /* the 32-bit tag is the first four bytes of the 80-bit one */
    mp_srtp_context *tx32 = NULL;
    CHECK_ST(mp_srtp_context_new(MP_SRTP_AES_CM_128_HMAC_SHA1_32, REF_KEY, 16, REF_SALT, 14, &tx32),
             MP_OK);
    memcpy(buf, REF_RTP, sizeof REF_RTP);
    CHECK_ST(mp_srtp_protect(tx32, buf, sizeof REF_RTP, sizeof buf, &n), MP_OK);
    CHECK(n == 32 && memcmp(buf, REF_SRTP, 32) == 0);
    mp_srtp_context_free(tx32);
    mp_srtp_context_free(tx);
    mp_srtp_context_free(rx);
}

static void test_round_trips(void)
{
    for (size_t i = 0; i < N_PROFILES; i++) {
        mp_srtp_context *tx = make_ctx(i, 1), *rx = make_ctx(i, 1), *other = make_ctx(i, 2);
        CHECK(tx != NULL && rx != NULL && other != NULL);
        if (tx == NULL || rx == NULL || other == NULL)
            return;
        uint8_t plain[256], buf[256];
        for (uint16_t k = 0; k < 40; k++) {
            /* across the sequence number wrap */
            uint16_t seq = (uint16_t)(65520u + k);
            size_t len = rtp_packet(plain, seq, 0x11223344, 20 + k), n = 0, m = 0;
            memcpy(buf, plain, len);
            CHECK_ST(mp_srtp_protect(tx, buf, len, sizeof buf, &n), MP_OK);
            CHECK(n == len + SIZES[i][2]);
            CHECK(memcmp(buf + 12, plain + 12, len - 12) != 0);
            CHECK(memcmp(buf, plain, 12) == 0);
            uint8_t copy[256];
            memcpy(copy, buf, n);
            /* a context with another key cannot read it */
            CHECK_ST(mp_srtp_unprotect(other, copy, n, &m), MP_ERR_AUTH);
            CHECK(m == 0);
            CHECK(memcmp(copy, buf, n) == 0);
            CHECK_ST(mp_srtp_unprotect(rx, buf, n, &m), MP_OK);
            CHECK(m == len && memcmp(buf, plain, len) == 0);
        }
        for (uint8_t k = 0; k < 10; k++) {
            size_t len = rtcp_packet(plain, 0x11223344, k), n = 0, m = 0;
            memcpy(buf, plain, len);
            CHECK_ST(mp_srtcp_protect(tx, buf, len, sizeof buf, &n), MP_OK);
            CHECK(n == len + SIZES[i][3]);
            CHECK(memcmp(buf + 8, plain + 8, len - 8) != 0);
            CHECK_ST(mp_srtcp_unprotect(rx, buf, n, &m), MP_OK);
            CHECK(m == len && memcmp(buf, plain, len) == 0);
        }
        mp_srtp_context_free(tx);
        mp_srtp_context_free(rx);
        mp_srtp_context_free(other);
    }
}

static void test_buffers_and_nulls(void)
{
    for (size_t i = 0; i < N_PROFILES; i++) {
        mp_srtp_context *c = make_ctx(i, 3);
        CHECK(c != NULL);
        if (c == NULL)
            return;
        for (int rtcp = 0; rtcp < 2; rtcp++) {
            uint8_t plain[64], buf[64];
            size_t len = rtcp ? rtcp_packet(plain, 5, 0x33) : rtp_packet(plain, 7, 5, 10);
            size_t need = len + SIZES[i][rtcp ? 3 : 2];
            mp_status (*prot)(mp_srtp_context *, uint8_t *, size_t, size_t, size_t *) =
                rtcp ? mp_srtcp_protect : mp_srtp_protect;
            mp_status (*unprot)(mp_srtp_context *, uint8_t *, size_t, size_t *) =
                rtcp ? mp_srtcp_unprotect : mp_srtp_unprotect;
            size_t n = 0;
            /* every capacity below the need is refused with the need, and
             * leaves the packet as it was */
            for (size_t cap = len; cap < need; cap++) {
                memcpy(buf, plain, len);
                n = 0;
                CHECK_ST(prot(c, buf, len, cap, &n), MP_ERR_BUFFER_TOO_SMALL);
                CHECK(n == need);
                CHECK(memcmp(buf, plain, len) == 0);
            }
            const char *text = mp_srtp_context_last_error(c);
            CHECK(text != NULL && strstr(text, "buffer too small") != NULL);
            memcpy(buf, plain, len);
            CHECK_ST(prot(c, buf, len, len - 1, &n), MP_ERR_INVALID_ARGUMENT);
            CHECK(n == 0);
            CHECK_ST(prot(NULL, buf, len, sizeof buf, &n), MP_ERR_NULL_POINTER);
            CHECK_ST(prot(c, NULL, len, sizeof buf, &n), MP_ERR_NULL_POINTER);
            CHECK_ST(prot(c, buf, len, sizeof buf, NULL), MP_ERR_NULL_POINTER);
            CHECK_ST(unprot(NULL, buf, len, &n), MP_ERR_NULL_POINTER);
            CHECK_ST(unprot(c, NULL, len, &n), MP_ERR_NULL_POINTER);
            CHECK_ST(unprot(c, buf, len, NULL), MP_ERR_NULL_POINTER);
            /* the exact size works */
            CHECK_ST(prot(c, buf, len, need, &n), MP_OK);
            CHECK(n == need);
            /* too short to be a packet at all */
            uint8_t tiny[4] = {0x80, 0, 0, 0};
            CHECK_ST(unprot(c, tiny, sizeof tiny, &n), MP_ERR_PARSE);
            CHECK_ST(prot(c, tiny, sizeof tiny, sizeof tiny + 20, &n), MP_ERR_PARSE);
            CHECK_ST(unprot(c, tiny, 0, &n), MP_ERR_PARSE);
        }
        mp_srtp_context_free(c);
    }
}

static void test_tamper_and_replay(void)
{
    for (size_t i = 0; i < N_PROFILES; i++) {
        mp_srtp_context *tx = make_ctx(i, 4), *rx = make_ctx(i, 4);
        CHECK(tx != NULL && rx != NULL);
        if (tx == NULL || rx == NULL)
            return;
        uint8_t plain[128], good[128], buf[128];
        size_t len = rtp_packet(plain, 1000, 0xdecafbad, 60), n = 0, m = 0;
        memcpy(good, plain, len);
        CHECK_ST(mp_srtp_protect(tx, good, len, sizeof good, &n), MP_OK);
        /* a flipped bit anywhere, header, payload or tag, fails to verify
         * (a flipped version bit is a parse error first) */
        size_t auth = 0, other = 0;
        for (size_t bit = 0; bit < n * 8; bit += 3) {
            memcpy(buf, good, n);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            mp_status st = mp_srtp_unprotect(rx, buf, n, &m);
            if (st == MP_ERR_AUTH)
                auth++;
            else if (!(bit / 8 == 0 && st == MP_ERR_PARSE))
                other++;
        }
        CHECK(auth > 0 && other == 0);
        const char *text = mp_srtp_context_last_error(rx);
        CHECK(text != NULL && strstr(text, "authentication failed") != NULL);
        /* a truncated tag fails too */
        memcpy(buf, good, n);
        CHECK_ST(mp_srtp_unprotect(rx, buf, n - 1, &m), MP_ERR_AUTH);
        /* failures changed nothing: the good packet is still accepted, once */
        memcpy(buf, good, n);
        CHECK_ST(mp_srtp_unprotect(rx, buf, n, &m), MP_OK);
        CHECK(m == len && memcmp(buf, plain, len) == 0);
        memcpy(buf, good, n);
        CHECK_ST(mp_srtp_unprotect(rx, buf, n, &m), MP_ERR_REPLAY);
        text = mp_srtp_context_last_error(rx);
        CHECK(text != NULL && strstr(text, "replayed packet") != NULL);
        CHECK(m == 0);

        /* far behind the replay window */
        uint8_t old[128];
        size_t old_len = rtp_packet(old, 1001, 0xdecafbad, 5), old_n = 0;
        CHECK_ST(mp_srtp_protect(tx, old, old_len, sizeof old, &old_n), MP_OK);
        for (uint16_t s = 1002; s < 1300; s++) {
            size_t l = rtp_packet(buf, s, 0xdecafbad, 5), k = 0;
            CHECK_ST(mp_srtp_protect(tx, buf, l, sizeof buf, &k), MP_OK);
            if (s % 50 == 0) {
                CHECK_ST(mp_srtp_unprotect(rx, buf, k, &k), MP_OK);
            }
        }
        CHECK_ST(mp_srtp_unprotect(rx, old, old_n, &m), MP_ERR_REPLAY);

        /* RTCP: tamper, then replay */
        size_t rl = rtcp_packet(plain, 0xdecafbad, 9);
        memcpy(good, plain, rl);
        CHECK_ST(mp_srtcp_protect(tx, good, rl, sizeof good, &n), MP_OK);
        memcpy(buf, good, n);
        buf[10] ^= 0x40;
        CHECK_ST(mp_srtcp_unprotect(rx, buf, n, &m), MP_ERR_AUTH);
        memcpy(buf, good, n);
        buf[n - 1] ^= 0x01;
        CHECK_ST(mp_srtcp_unprotect(rx, buf, n, &m), MP_ERR_AUTH);
        memcpy(buf, good, n);
        CHECK_ST(mp_srtcp_unprotect(rx, buf, n, &m), MP_OK);
        CHECK(m == rl && memcmp(buf, plain, rl) == 0);
        memcpy(buf, good, n);
        CHECK_ST(mp_srtcp_unprotect(rx, buf, n, &m), MP_ERR_REPLAY);
        mp_srtp_context_free(tx);
        mp_srtp_context_free(rx);
    }
}

static void test_garbage(void)
{
    for (size_t i = 0; i < N_PROFILES; i++) {
        mp_srtp_context *c = make_ctx(i, 5);
        CHECK(c != NULL);
        if (c == NULL)
            return;
        size_t ok = 0, panics = 0;
        for (int round = 0; round < 2000; round++) {
            uint8_t buf[200];
            size_t len = (size_t)(rnd() % sizeof buf), n = 0;
            for (size_t k = 0; k < len; k++)
                buf[k] = (uint8_t)rnd();
            if (len > 0 && (round & 1))
                buf[0] = (uint8_t)(0x80 | (buf[0] & 0x3f));
            mp_status a = (round & 2) ? mp_srtcp_unprotect(c, buf, len, &n)
                                      : mp_srtp_unprotect(c, buf, len, &n);
            ok += a == MP_OK;
            panics += a == MP_ERR_PANIC;
            CHECK(n == 0 || a == MP_OK);
        }
        CHECK(ok == 0 && panics == 0);
        mp_srtp_context_free(c);
    }
}

static void test_sdes_parse(void)
{
    mp_sdes_crypto c;
    CHECK_ST(mp_sdes_parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20\r\n", &c),
             MP_OK);
    CHECK(c.tag == 1 && c.profile == MP_SRTP_AES_CM_128_HMAC_SHA1_80);
    CHECK(c.key_salt_len == 30 && c.key_salt[0] == 0x3d && c.key_salt[1] == 0x2d);
    CHECK(c.lifetime == 1048576ull && c.window_size_hint == 0);
    CHECK(c.fec_order == MP_SDES_FEC_ORDER_NONE);

    CHECK_ST(mp_sdes_parse("crypto:9 AES_CM_128_HMAC_SHA1_32 inline:" RFC_KEY
                           " FEC_ORDER=SRTP_FEC WSH=512 -vendor",
                           &c),
             MP_OK);
    CHECK(c.tag == 9 && c.profile == MP_SRTP_AES_CM_128_HMAC_SHA1_32);
    CHECK(c.window_size_hint == 512 && c.fec_order == MP_SDES_FEC_ORDER_SRTP_FEC);
    CHECK(c.lifetime == 0);

    struct {
        const char *line;
        mp_status want;
        const char *says;
    } bad[] = {
        {"", MP_ERR_PARSE, "expected \"a=crypto:\""},
        {"a=crypto:", MP_ERR_PARSE, "tag"},
        {"a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY, MP_ERR_PARSE,
         "tag longer than 9 digits"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80", MP_ERR_PARSE, "key-params"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVe!", MP_ERR_PARSE, "base64"},
        {"a=crypto:1 AEAD_AES_128_GCM inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", MP_ERR_PARSE,
         "padding"},
        {"a=crypto:1 AEAD_AES_128_GCM inline:" RFC_KEY, MP_ERR_INVALID,
         "key and salt must be 28 bytes"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|0", MP_ERR_INVALID, "lifetime"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " WSH=32", MP_ERR_INVALID,
         "window size hint"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20|1:32", MP_ERR_UNSUPPORTED,
         "mki"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=1", MP_ERR_UNSUPPORTED,
         "KDR=1"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " UNENCRYPTED_SRTCP",
         MP_ERR_UNSUPPORTED, "UNENCRYPTED_SRTCP"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " UNAUTHENTICATED_SRTP",
         MP_ERR_UNSUPPORTED, "UNAUTHENTICATED_SRTP"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " FEC_KEY=inline:" RFC_KEY,
         MP_ERR_UNSUPPORTED, "FEC_KEY"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " NEW_THING", MP_ERR_UNSUPPORTED,
         "unknown session parameter"},
        {"a=crypto:1 F8_128_HMAC_SHA1_80 inline:" RFC_KEY, MP_ERR_UNSUPPORTED, "F8_128_HMAC_SHA1_80"},
        {"a=crypto:1 MADE_UP inline:" RFC_KEY, MP_ERR_UNSUPPORTED, "unknown crypto-suite"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:sip:k", MP_ERR_UNSUPPORTED, "key method"},
        {"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "\xc3\xa9", MP_ERR_PARSE,
         "visible ascii"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&c, 0xee, sizeof c);
        mp_status st = mp_sdes_parse(bad[i].line, &c);
        if (st != bad[i].want) {
            fprintf(stderr, "line %zu: %s\n", i, bad[i].line);
        }
        CHECK_ST(st, bad[i].want);
        CHECK(c.key_salt_len == 0 && c.key_salt[0] == 0 && c.profile == 0);
        char msg[256];
        CHECK_ST(mp_sdes_check(bad[i].line, msg, sizeof msg), bad[i].want);
        if (strstr(msg, bad[i].says) == NULL) {
            fprintf(stderr, "line %zu: \"%s\" does not say \"%s\"\n", i, msg, bad[i].says);
        }
        CHECK(strstr(msg, bad[i].says) != NULL);
        /* truncated and NULL messages */
        char small[8];
        memset(small, 'x', sizeof small);
        CHECK_ST(mp_sdes_check(bad[i].line, small, sizeof small), bad[i].want);
        CHECK(small[7] == '\0' && strlen(small) == 7);
        CHECK_ST(mp_sdes_check(bad[i].line, NULL, 0), bad[i].want);
        CHECK_ST(mp_sdes_check(bad[i].line, small, 0), bad[i].want);
        CHECK(small[0] != '\0');
    }
    char msg[64] = "not cleared";
    CHECK_ST(mp_sdes_check("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY, msg, sizeof msg),
             MP_OK);
    CHECK(msg[0] == '\0');
    CHECK_ST(mp_sdes_parse(NULL, &c), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sdes_parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY, NULL),
             MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sdes_check(NULL, msg, sizeof msg), MP_ERR_NULL_POINTER);
    CHECK(strstr(msg, "null pointer") != NULL);

    /* random garbage and mutated lines never crash and never half-fill */
    const char *base = "a=crypto:12 AES_256_CM_HMAC_SHA1_32 "
                       "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==|2^31 "
                       "WSH=128";
    CHECK_ST(mp_sdes_parse(base, &c), MP_OK);
    CHECK(c.key_salt_len == 46 && c.key_salt[45] == 45);
    for (int round = 0; round < 3000; round++) {
        char line[MP_SDES_LINE_MAX];
        size_t n = strlen(base);
        memcpy(line, base, n + 1);
        int edits = 1 + (int)(rnd() % 3);
        for (int e = 0; e < edits; e++)
            line[rnd() % n] = (char)(1 + rnd() % 255);
        if (round % 5 == 0)
            line[rnd() % n] = '\0';
        mp_status st = mp_sdes_parse(line, &c);
        CHECK(st != MP_ERR_PANIC);
        if (st == MP_OK) {
            char out[MP_SDES_LINE_MAX];
            size_t need = 0;
            CHECK(c.key_salt_len <= MP_SDES_KEY_SALT_MAX);
            CHECK_ST(mp_sdes_format(&c, out, sizeof out, &need), MP_OK);
            mp_sdes_crypto again;
            CHECK_ST(mp_sdes_parse(out, &again), MP_OK);
            CHECK(memcmp(&again.key_salt, &c.key_salt, sizeof c.key_salt) == 0);
            CHECK(again.tag == c.tag && again.profile == c.profile);
        }
    }
}

static void test_sdes_generate_format(void)
{
    for (size_t i = 0; i < N_PROFILES; i++) {
        mp_sdes_crypto a, b;
        CHECK_ST(mp_sdes_generate((uint32_t)(i + 1), PROFILES[i], &a), MP_OK);
        CHECK_ST(mp_sdes_generate((uint32_t)(i + 1), PROFILES[i], &b), MP_OK);
        CHECK(a.tag == i + 1 && a.profile == PROFILES[i]);
        CHECK(a.key_salt_len == SIZES[i][0] + SIZES[i][1]);
        CHECK(memcmp(a.key_salt, b.key_salt, a.key_salt_len) != 0);
        CHECK(a.lifetime == 0 && a.window_size_hint == 0 && a.fec_order == MP_SDES_FEC_ORDER_NONE);

        /* size query, then too small by one, then exact */
        size_t need = 0;
        CHECK_ST(mp_sdes_format(&a, NULL, 0, &need), MP_ERR_BUFFER_TOO_SMALL);
        CHECK(need > 40 && need <= MP_SDES_LINE_MAX);
        char *exact = malloc(need);
        CHECK(exact != NULL);
        if (exact == NULL)
            return;
        size_t need2 = 0;
        memset(exact, 'x', need);
        CHECK_ST(mp_sdes_format(&a, exact, need - 1, &need2), MP_ERR_BUFFER_TOO_SMALL);
        CHECK(need2 == need);
        CHECK_ST(mp_sdes_format(&a, exact, need, NULL), MP_OK);
        CHECK(exact[need - 1] == '\0' && strlen(exact) == need - 1);
        CHECK(strncmp(exact, "a=crypto:", 9) == 0 && strstr(exact, NAMES[i]) != NULL);
        mp_sdes_crypto back;
        CHECK_ST(mp_sdes_parse(exact, &back), MP_OK);
        CHECK(back.tag == a.tag && back.profile == a.profile &&
              back.key_salt_len == a.key_salt_len &&
              memcmp(back.key_salt, a.key_salt, a.key_salt_len) == 0);
        free(exact);

        /* parameters survive formatting */
        a.lifetime = 1000;
        a.window_size_hint = 300;
        a.fec_order = MP_SDES_FEC_ORDER_FEC_SRTP;
        char line[MP_SDES_LINE_MAX];
        CHECK_ST(mp_sdes_format(&a, line, sizeof line, &need), MP_OK);
        CHECK(strstr(line, "|1000 FEC_ORDER=FEC_SRTP WSH=300") != NULL);
        CHECK_ST(mp_sdes_parse(line, &back), MP_OK);
        CHECK(back.lifetime == 1000 && back.window_size_hint == 300 &&
              back.fec_order == MP_SDES_FEC_ORDER_FEC_SRTP);

        /* inconsistent structures are refused, not formatted */
        mp_sdes_crypto x = a;
        x.key_salt_len = a.key_salt_len - 1;
        CHECK_ST(mp_sdes_format(&x, line, sizeof line, &need), MP_ERR_INVALID_ARGUMENT);
        x.key_salt_len = 1000;
        CHECK_ST(mp_sdes_format(&x, line, sizeof line, &need), MP_ERR_INVALID_ARGUMENT);
        x = a;
        x.profile = 77;
        CHECK_ST(mp_sdes_format(&x, line, sizeof line, &need), MP_ERR_INVALID_ARGUMENT);
        x = a;
        x.tag = 1000000000u;
        CHECK_ST(mp_sdes_format(&x, line, sizeof line, &need), MP_ERR_INVALID_ARGUMENT);
        x = a;
        x.window_size_hint = 63;
        CHECK_ST(mp_sdes_format(&x, line, sizeof line, &need), MP_ERR_INVALID_ARGUMENT);
        x = a;
        x.fec_order = 3;
        CHECK_ST(mp_sdes_format(&x, line, sizeof line, &need), MP_ERR_INVALID_ARGUMENT);
        mp_srtp_context *ctx = NOT_NULL_CTX;
        CHECK_ST(mp_srtp_context_new_from_sdes(&x, &ctx), MP_ERR_INVALID_ARGUMENT);
        CHECK(ctx == NULL);
    }
    mp_sdes_crypto a;
    CHECK_ST(mp_sdes_generate(1000000000u, MP_SRTP_AEAD_AES_128_GCM, &a), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_sdes_generate(1, 0, &a), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_sdes_generate(1, MP_SRTP_AEAD_AES_128_GCM, NULL), MP_ERR_NULL_POINTER);
    size_t need = 0;
    char line[8];
    CHECK_ST(mp_sdes_format(NULL, line, sizeof line, &need), MP_ERR_NULL_POINTER);
}

/* Both ends of an SDES exchange: the offerer keeps its generated key, the
 * answerer parses the line; their contexts interoperate. */
static void test_sdes_contexts(void)
{
    for (size_t i = 0; i < N_PROFILES; i++) {
        mp_sdes_crypto mine, theirs;
        CHECK_ST(mp_sdes_generate(1, PROFILES[i], &mine), MP_OK);
        mine.lifetime = 3;
        char line[MP_SDES_LINE_MAX];
        size_t need = 0;
        CHECK_ST(mp_sdes_format(&mine, line, sizeof line, &need), MP_OK);
        CHECK_ST(mp_sdes_parse(line, &theirs), MP_OK);
        mp_srtp_context *tx = NULL, *rx = NULL, *raw = NULL;
        CHECK_ST(mp_srtp_context_new_from_sdes(&mine, &tx), MP_OK);
        CHECK_ST(mp_srtp_context_new_from_sdes(&theirs, &rx), MP_OK);
        CHECK_ST(mp_srtp_context_new(PROFILES[i], mine.key_salt, SIZES[i][0],
                                     mine.key_salt + SIZES[i][0], SIZES[i][1], &raw),
                 MP_OK);
        CHECK(tx != NULL && rx != NULL && raw != NULL);
        if (tx == NULL || rx == NULL || raw == NULL)
            return;
        uint8_t plain[64], buf[64];
        for (uint16_t s = 0; s < 3; s++) {
            size_t len = rtp_packet(plain, s, 9, 16), n = 0, m = 0;
            memcpy(buf, plain, len);
            CHECK_ST(mp_srtp_protect(tx, buf, len, sizeof buf, &n), MP_OK);
            uint8_t copy[64];
            memcpy(copy, buf, n);
            CHECK_ST(mp_srtp_unprotect(rx, buf, n, &m), MP_OK);
            CHECK(m == len && memcmp(buf, plain, len) == 0);
            CHECK_ST(mp_srtp_unprotect(raw, copy, n, &m), MP_OK);
        }
        /* the lifetime of 3 packets is used up */
        size_t len = rtp_packet(buf, 3, 9, 16), n = 0;
        CHECK_ST(mp_srtp_protect(tx, buf, len, sizeof buf, &n), MP_ERR_KEY_LIMIT);
        const char *text = mp_srtp_context_last_error(tx);
        CHECK(text != NULL && strstr(text, "key usage limit") != NULL);
        mp_srtp_context_free(tx);
        mp_srtp_context_free(rx);
        mp_srtp_context_free(raw);
    }
    mp_srtp_context *c = NOT_NULL_CTX;
    CHECK_ST(mp_srtp_context_new_from_sdes(NULL, &c), MP_ERR_NULL_POINTER);
    CHECK(c == NULL);
    mp_sdes_crypto a;
    CHECK_ST(mp_sdes_generate(1, MP_SRTP_AEAD_AES_256_GCM, &a), MP_OK);
    CHECK_ST(mp_srtp_context_new_from_sdes(&a, NULL), MP_ERR_NULL_POINTER);
}

int main(void)
{
    test_profiles();
    test_context_new();
    test_reference_vectors();
    test_round_trips();
    test_buffers_and_nulls();
    test_tamper_and_replay();
    test_garbage();
    test_sdes_parse();
    test_sdes_generate_format();
    test_sdes_contexts();
    printf("%u passed, %u failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
