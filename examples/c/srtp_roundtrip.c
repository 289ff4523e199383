/*
 * srtp_roundtrip: an SDES-keyed SRTP call leg in miniature, for every
 * profile the library implements.
 *
 * For each profile it generates an a=crypto line as an offerer would,
 * parses it back as the answerer would, makes a sender context from the
 * offerer's key and a receiver context from the parsed line, and sends a
 * handful of RTP and RTCP packets through them in place, in caller-owned
 * buffers sized with mp_srtp_profile_overhead. It then shows the receiver
 * refusing a tampered packet (MP_ERR_AUTH) and a replayed one
 * (MP_ERR_REPLAY), with the context's error text.
 *
 * Exit status: 0 every profile worked, 1 something failed, 2 usage error.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mediaplane.h"

#define PACKETS 5
#define EXIT_FAILED 1
#define EXIT_USAGE 2

static const mp_srtp_profile PROFILES[] = {
    MP_SRTP_AES_CM_128_HMAC_SHA1_80, MP_SRTP_AES_CM_128_HMAC_SHA1_32,
    MP_SRTP_AES_256_CM_HMAC_SHA1_80, MP_SRTP_AES_256_CM_HMAC_SHA1_32,
    MP_SRTP_AEAD_AES_128_GCM,        MP_SRTP_AEAD_AES_256_GCM,
};

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--quiet]\n"
            "\n"
            "For every SRTP profile: generates an SDES a=crypto line, parses it\n"
            "back, protects %d RTP and %d RTCP packets with a sender context and\n"
            "unprotects them with a receiver context made from the parsed line,\n"
            "then checks that a tampered and a replayed packet are refused.\n"
            "The generated keys are random, so the lines differ on every run.\n"
            "\n"
            "  --quiet  print only the summary line\n"
            "  --help   print this help\n"
            "\n"
            "Exit status: 0 all profiles ok, 1 a check failed, 2 usage error.\n"
            "mediaplane %s\n",
            prog, PACKETS, PACKETS, mp_version());
}

static bool g_quiet;

static bool fail(const char *profile, const char *what, mp_status st, mp_srtp_context *ctx)
{
    fprintf(stderr, "%s: %s: %s", profile, what, mp_status_str(st));
    if (ctx != NULL)
        fprintf(stderr, " (%s)", mp_srtp_context_last_error(ctx));
    fputc('\n', stderr);
    return false;
}

/* An RTP packet: 12-byte header, `payload` bytes of audio-like data. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload)
{
    uint32_t ts = (uint32_t)seq * 160u;
    buf[0] = 0x80;
    buf[1] = 0; /* PCMU */
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    for (size_t i = 0; i < payload; i++)
        buf[12 + i] = (uint8_t)(0xff - (i & 0x7f));
    return 12 + payload;
}

/* An RTCP receiver report with no report blocks, then an SDES CNAME. */
static size_t make_rtcp(uint8_t *buf, uint32_t ssrc)
{
    static const char cname[] = "roundtrip@example.com";
    size_t n = 0;
    buf[n++] = 0x80;
    buf[n++] = 201;
    buf[n++] = 0;
    buf[n++] = 1;
    for (int i = 0; i < 4; i++)
        buf[n++] = (uint8_t)(ssrc >> (24 - 8 * i));
    /* SDES: header, SSRC, CNAME item, end, padded to 32 bits */
    size_t item = 2 + sizeof cname - 1;
    size_t words = (4 + item + 1 + 3) / 4;
    buf[n++] = 0x81;
    buf[n++] = 202;
    buf[n++] = 0;
    buf[n++] = (uint8_t)words;
    for (int i = 0; i < 4; i++)
        buf[n++] = (uint8_t)(ssrc >> (24 - 8 * i));
    buf[n++] = 1;
    buf[n++] = (uint8_t)(sizeof cname - 1);
    memcpy(buf + n, cname, sizeof cname - 1);
    n += sizeof cname - 1;
    size_t end = 8 + 4 + words * 4;
    while (n < end)
        buf[n++] = 0;
    return n;
}

static bool run_profile(mp_srtp_profile profile)
{
    const char *name = mp_srtp_profile_name(profile);
    mp_sdes_crypto offer, answer;
    mp_status st = mp_sdes_generate(1, profile, &offer);
    if (st != MP_OK)
        return fail(name, "mp_sdes_generate", st, NULL);

    /* Size query, then the line into a buffer of exactly that size. */
    size_t need = 0;
    char line[MP_SDES_LINE_MAX];
    st = mp_sdes_format(&offer, NULL, 0, &need);
    if (st != MP_ERR_BUFFER_TOO_SMALL || need > sizeof line)
        return fail(name, "mp_sdes_format size query", st, NULL);
    st = mp_sdes_format(&offer, line, need, NULL);
    if (st != MP_OK)
        return fail(name, "mp_sdes_format", st, NULL);
    st = mp_sdes_parse(line, &answer);
    if (st != MP_OK)
        return fail(name, "mp_sdes_parse", st, NULL);
    if (answer.key_salt_len != offer.key_salt_len ||
        memcmp(answer.key_salt, offer.key_salt, offer.key_salt_len) != 0)
        return fail(name, "parsed key differs from the generated one", MP_ERR_INVALID, NULL);
    if (!g_quiet)
        printf("%s\n  %s\n", name, line);

    mp_srtp_context *tx = NULL, *rx = NULL;
    bool ok = true;
    st = mp_srtp_context_new_from_sdes(&offer, &tx);
    if (st != MP_OK) {
        ok = fail(name, "sender context", st, NULL);
        goto out;
    }
    st = mp_srtp_context_new_from_sdes(&answer, &rx);
    if (st != MP_OK) {
        ok = fail(name, "receiver context", st, NULL);
        goto out;
    }

    size_t rtp_over = 0, rtcp_over = 0;
    mp_srtp_profile_overhead(profile, false, &rtp_over);
    mp_srtp_profile_overhead(profile, true, &rtcp_over);
    uint8_t plain[256], wire[256], last[256];
    for (int i = 0; i < PACKETS; i++) {
        size_t len = make_rtp(plain, (uint16_t)(4000 + i), 0x5eed5eed, 160), n = 0, m = 0;
        memcpy(wire, plain, len);
        st = mp_srtp_protect(tx, wire, len, len + rtp_over, &n);
        if (st != MP_OK) {
            ok = fail(name, "mp_srtp_protect", st, tx);
            goto out;
        }
        st = mp_srtp_unprotect(rx, wire, n, &m);
        if (st != MP_OK || m != len || memcmp(wire, plain, len) != 0) {
            ok = fail(name, "mp_srtp_unprotect", st, rx);
            goto out;
        }
        if (!g_quiet && i == 0)
            printf("  rtp  %zu -> %zu -> %zu bytes\n", len, n, m);
    }
    for (int i = 0; i < PACKETS; i++) {
        size_t len = make_rtcp(plain, 0x5eed5eed), n = 0, m = 0;
        memcpy(wire, plain, len);
        st = mp_srtcp_protect(tx, wire, len, len + rtcp_over, &n);
        if (st != MP_OK) {
            ok = fail(name, "mp_srtcp_protect", st, tx);
            goto out;
        }
        st = mp_srtcp_unprotect(rx, wire, n, &m);
        if (st != MP_OK || m != len || memcmp(wire, plain, len) != 0) {
            ok = fail(name, "mp_srtcp_unprotect", st, rx);
            goto out;
        }
        if (!g_quiet && i == 0)
            printf("  rtcp %zu -> %zu -> %zu bytes\n", len, n, m);
    }

    /* One more packet: the receiver refuses it with a flipped payload bit,
     * accepts the genuine one, and refuses that again as a replay. */
    size_t len = make_rtp(plain, 4000 + PACKETS, 0x5eed5eed, 160), n = 0, m = 0;
    memcpy(last, plain, len);
    st = mp_srtp_protect(tx, last, len, len + rtp_over, &n);
    if (st != MP_OK) {
        ok = fail(name, "mp_srtp_protect", st, tx);
        goto out;
    }
    memcpy(wire, last, n);
    wire[20] ^= 0x01;
    st = mp_srtp_unprotect(rx, wire, n, &m);
    if (st != MP_ERR_AUTH) {
        ok = fail(name, "tampered packet not refused", st, rx);
        goto out;
    }
    if (!g_quiet)
        printf("  tampered: %s\n", mp_srtp_context_last_error(rx));
    for (int round = 0; round < 2; round++) {
        memcpy(wire, last, n);
        st = mp_srtp_unprotect(rx, wire, n, &m);
        if (st != (round == 0 ? MP_OK : MP_ERR_REPLAY)) {
            ok = fail(name, round == 0 ? "genuine packet refused" : "replay not refused", st, rx);
            goto out;
        }
    }
    if (!g_quiet)
        printf("  replayed: %s\n", mp_srtp_context_last_error(rx));
    if (!g_quiet)
        printf("  ok: %d rtp and %d rtcp packets\n", PACKETS, PACKETS);
out:
    mp_srtp_context_free(tx);
    mp_srtp_context_free(rx);
    return ok;
}

int main(int argc, char **argv)
{
    const char *prog = argc > 0 ? argv[0] : "srtp_roundtrip";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, prog);
            return 0;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            g_quiet = true;
        } else {
            fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
            usage(stderr, prog);
            return EXIT_USAGE;
        }
    }
    size_t n = sizeof PROFILES / sizeof PROFILES[0], passed = 0;
    for (size_t i = 0; i < n; i++)
        passed += run_profile(PROFILES[i]);
    printf("srtp_roundtrip: %zu of %zu profiles ok\n", passed, n);
    return passed == n ? 0 : EXIT_FAILED;
}
