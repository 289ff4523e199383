/*
 * C test of the codec part of the C ABI (include/mediaplane.h): G.711
 * conversions, the G.722 encoder and decoder objects and the RTP
 * transcoder.
 *
 * G.711: known code points of ITU-T G.711 (the G.191 reference values),
 * every code decoded and encoded back, the direct mu-law <-> A-law tables
 * (known entries of G.711 Tables 3 and 4, and every entry against the
 * decoded values), conversions in place. G.722: a fixed test
 * signal encoded at 64 kbit/s must give the octets spandsp 0.0.6 gives
 * (g722_encode_init(NULL, 64000, 0), the first 32 octets and an FNV-1a
 * hash of all 320 are below), and decoding those octets must give
 * spandsp's samples (hash); a sine survives an encode/decode round trip.
 * Transcoder: PCMU 20 ms packets to G.722 and back, with packets of the
 * wrong payload type, empty packets and garbage datagrams in between
 * (each refused with an error status, after which the transcoder still
 * works), polls with buffers too small, timeouts.
 * Every function is also called with NULL for each pointer parameter,
 * with zero lengths, with buffers too small and with bad bit rates, and
 * every free function with NULL. Run it under valgrind to check that
 * nothing leaks or reads out of bounds.
 *
 * Prints "<P> passed, <F> failed" and exits 1 when anything failed.
 */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediaplane.h"

#include "check.h"

#define PI 3.14159265358979323846

/* Alignment-safe stand-in for "some pointer that is not NULL", to see that
 * a failing call resets *out. Never dereferenced. */
static max_align_t g_sentinel;

/* ---------------------------------------------------------------- G.711 */

static int16_t ulaw_dec(uint8_t c)
{
    int16_t s = 0;
    mp_g711_ulaw_decode(&c, 1, &s);
    return s;
}

static int16_t alaw_dec(uint8_t c)
{
    int16_t s = 0;
    mp_g711_alaw_decode(&c, 1, &s);
    return s;
}

static uint8_t ulaw_enc(int16_t s)
{
    uint8_t c = 0x42;
    mp_g711_ulaw_encode(&s, 1, &c);
    return c;
}

static uint8_t alaw_enc(int16_t s)
{
    uint8_t c = 0x42;
    mp_g711_alaw_encode(&s, 1, &c);
    return c;
}

static void test_g711_known_values(void)
{
    /* mu-law: 0xFF and 0x7F are +0 and -0; 0x80/0x00 the largest
     * magnitudes, 32124. */
    CHECK(ulaw_dec(0xFF) == 0);
    CHECK(ulaw_dec(0x7F) == 0);
    CHECK(ulaw_dec(0x80) == 32124);
    CHECK(ulaw_dec(0x00) == -32124);
    CHECK(ulaw_dec(0xFE) == 8);
    CHECK(ulaw_dec(0x7E) == -8);
    CHECK(ulaw_enc(0) == 0xFF);
    CHECK(ulaw_enc(32767) == 0x80);
    CHECK(ulaw_enc(-32768) == 0x00);
    /* A-law: even bits inverted (0x55); smallest magnitude 8, largest
     * 32256. */
    CHECK(alaw_dec(0xD5) == 8);
    CHECK(alaw_dec(0x55) == -8);
    CHECK(alaw_dec(0xAA) == 32256);
    CHECK(alaw_dec(0x2A) == -32256);
    CHECK(alaw_enc(0) == 0xD5);
    CHECK(alaw_enc(32767) == 0xAA);
    CHECK(alaw_enc(-32768) == 0x2A);
}

static void test_g711_round_trips(void)
{
    uint8_t codes[256], back[256];
    int16_t pcm[256];
    for (int i = 0; i < 256; i++)
        codes[i] = (uint8_t)i;

    /* Every code decodes to a value that encodes back to it, except
     * mu-law's negative zero (0x7F), which encodes as positive zero. */
    CHECK_ST(mp_g711_ulaw_decode(codes, 256, pcm), MP_OK);
    CHECK_ST(mp_g711_ulaw_encode(pcm, 256, back), MP_OK);
    int bad = 0;
    for (int i = 0; i < 256; i++) {
        uint8_t want = i == 0x7F ? 0xFF : (uint8_t)i;
        if (back[i] != want)
            bad++;
        /* Sign: codes below 0x80 are negative (or -0). */
        if ((i < 0x80) != (pcm[i] <= 0) && !(i == 0x7F || i == 0xFF))
            bad++;
    }
    CHECK(bad == 0);

    CHECK_ST(mp_g711_alaw_decode(codes, 256, pcm), MP_OK);
    CHECK_ST(mp_g711_alaw_encode(pcm, 256, back), MP_OK);
    bad = 0;
    for (int i = 0; i < 256; i++) {
        if (back[i] != (uint8_t)i)
            bad++;
        if (pcm[i] == 0 || pcm[i] % 8 != 0)
            bad++;
    }
    CHECK(bad == 0);

    /* A sample between two decision levels goes to a neighbour of itself:
     * the error is within one step of the segment. */
    bad = 0;
    for (int32_t s = -32768; s <= 32767; s += 7) {
        int16_t x = (int16_t)s;
        int du = abs(ulaw_dec(ulaw_enc(x)) - x);
        int da = abs(alaw_dec(alaw_enc(x)) - x);
        if (du > 1024 || da > 1024)
            bad++;
        if (abs(x) < 1000 && (du > 32 || da > 32))
            bad++;
    }
    CHECK(bad == 0);
}

static void test_g711_direct(void)
{
    uint8_t codes[256], a[256], u[256];
    for (int i = 0; i < 256; i++)
        codes[i] = (uint8_t)i;
    CHECK_ST(mp_g711_ulaw_to_alaw(codes, 256, a), MP_OK);
    CHECK_ST(mp_g711_alaw_to_ulaw(codes, 256, u), MP_OK);
    CHECK(a[0xFF] == 0xD5);
    CHECK(a[0x80] == 0xAA);
    CHECK(a[0x00] == 0x2A);
    CHECK(a[0x7F] == 0x55);
    CHECK(u[0xD5] == 0xFE); /* A-law's smallest step, 8, exists in mu-law */
    CHECK(u[0x55] == 0x7E);
    CHECK(u[0xAA] == 0x80);
    CHECK(u[0x2A] == 0x00);

    /* The direct tables keep the sign and land near the value of the code
     * converted: within a few percent plus the coarser law's smallest
     * step. */
    int bad = 0;
    for (int i = 0; i < 256; i++) {
        int vu = ulaw_dec((uint8_t)i), va = alaw_dec(a[i]);
        if ((vu > 0 && va < 0) || (vu < 0 && va > 0))
            bad++;
        if (abs(va - vu) > abs(vu) / 16 + 16)
            bad++;
        int wa = alaw_dec((uint8_t)i), wu = ulaw_dec(u[i]);
        if ((wa > 0 && wu < 0) || (wa < 0 && wu > 0))
            bad++;
        if (abs(wu - wa) > abs(wa) / 16 + 16)
            bad++;
    }
    CHECK(bad == 0);

    /* In place gives the same as out of place. */
    uint8_t buf[256];
    memcpy(buf, codes, sizeof buf);
    CHECK_ST(mp_g711_ulaw_to_alaw(buf, 256, buf), MP_OK);
    CHECK(memcmp(buf, a, sizeof buf) == 0);
    memcpy(buf, codes, sizeof buf);
    CHECK_ST(mp_g711_alaw_to_ulaw(buf, 256, buf), MP_OK);
    CHECK(memcmp(buf, u, sizeof buf) == 0);
    /* Partly overlapping buffers are refused. */
    CHECK_ST(mp_g711_ulaw_to_alaw(buf, 100, buf + 1), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_g711_alaw_to_ulaw(buf + 1, 100, buf), MP_ERR_INVALID_ARGUMENT);
}

static void test_g711_arguments(void)
{
    int16_t pcm[4] = {0, 100, -100, 1000};
    uint8_t codes[4] = {0xFF, 0x80, 0x00, 0x7F};
    uint8_t out[4];
    int16_t spcm[4];
    union {
        int16_t s[8];
        uint8_t b[16];
    } both;

    CHECK_ST(mp_g711_ulaw_encode(NULL, 4, out), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_ulaw_encode(pcm, 4, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_alaw_encode(NULL, 4, out), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_alaw_encode(pcm, 4, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_ulaw_decode(NULL, 4, spcm), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_ulaw_decode(codes, 4, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_alaw_decode(NULL, 4, spcm), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_alaw_decode(codes, 4, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_ulaw_to_alaw(NULL, 4, out), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_ulaw_to_alaw(codes, 4, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_alaw_to_ulaw(NULL, 4, out), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g711_alaw_to_ulaw(codes, 4, NULL), MP_ERR_NULL_POINTER);

    /* Zero lengths: NULL allowed, nothing written. */
    memset(out, 0x42, sizeof out);
    CHECK_ST(mp_g711_ulaw_encode(NULL, 0, NULL), MP_OK);
    CHECK_ST(mp_g711_alaw_encode(pcm, 0, out), MP_OK);
    CHECK_ST(mp_g711_ulaw_decode(NULL, 0, NULL), MP_OK);
    CHECK_ST(mp_g711_alaw_decode(codes, 0, NULL), MP_OK);
    CHECK_ST(mp_g711_ulaw_to_alaw(NULL, 0, NULL), MP_OK);
    CHECK_ST(mp_g711_alaw_to_ulaw(codes, 0, out), MP_OK);
    CHECK(out[0] == 0x42 && out[3] == 0x42);

    /* Linear and code buffers that overlap are refused. */
    memset(&both, 0, sizeof both);
    CHECK_ST(mp_g711_ulaw_encode(both.s, 8, both.b + 4), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_g711_alaw_decode(both.b, 8, both.s), MP_ERR_INVALID_ARGUMENT);
    /* Side by side is fine. */
    CHECK_ST(mp_g711_ulaw_encode(both.s, 4, both.b + 8), MP_OK);
    CHECK(both.b[8] == 0xFF);
    /* A misaligned sample pointer is refused, not read. */
    CHECK_ST(mp_g711_ulaw_encode((const int16_t *)(const void *)(both.b + 1), 2, out),
             MP_ERR_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------- G.722 */

/* The fixed 16 kHz test signal: a triangle wave plus LCG noise, integer
 * arithmetic only so that it is the same everywhere. */
static void signal16k(int16_t *s, int n)
{
    uint32_t x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        int tri = (int)((i * 37) % 2001) - 1000;
        int noise = (int)((x >> 16) & 0x0FFF) - 2048;
        s[i] = (int16_t)(tri * 14 + noise);
    }
}

static uint32_t fnv_bytes(const uint8_t *b, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* FNV-1a over the samples as little-endian 16-bit values. */
static uint32_t fnv_samples(const int16_t *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        uint16_t v = (uint16_t)s[i];
        h = (h ^ (v & 0xFF)) * 16777619u;
        h = (h ^ (v >> 8)) * 16777619u;
    }
    return h;
}

/* spandsp 0.0.6: g722_encode of signal16k(640) in two calls of 320. */
static const uint8_t SPANDSP_G722_HEAD[32] = {
    0x2a, 0x84, 0x20, 0x84, 0x20, 0x84, 0x04, 0x8a, 0x0c, 0x8d, 0x90,
    0x10, 0xd2, 0x99, 0x97, 0x1b, 0x7b, 0xbc, 0x7b, 0xb8, 0x1f, 0x32,
    0xaf, 0x36, 0xb0, 0xac, 0xeb, 0x30, 0x2e, 0x2d, 0x6f, 0xad,
};
#define SPANDSP_G722_FNV 0x36db3da0u
/* ... and g722_decode at 64000 of those 320 octets: 640 samples. */
#define SPANDSP_G722_DECODE_FNV 0x05d8ded1u

static void test_g722_vectors(void)
{
    int16_t pcm[640], dec[640];
    uint8_t oct[320];
    size_t n = 0, m = 0;
    mp_g722_encoder *enc = NULL;
    mp_g722_decoder *dec_ = NULL;

    signal16k(pcm, 640);
    CHECK_ST(mp_g722_encoder_new(64000, &enc), MP_OK);
    CHECK_ST(mp_g722_decoder_new(64000, &dec_), MP_OK);
    if (enc == NULL || dec_ == NULL) {
        mp_g722_encoder_free(enc);
        mp_g722_decoder_free(dec_);
        return;
    }
    /* Two frames of 20 ms, state carried across. */
    CHECK_ST(mp_g722_encoder_encode(enc, pcm, 320, oct, 160, &n), MP_OK);
    CHECK(n == 160);
    CHECK_ST(mp_g722_encoder_encode(enc, pcm + 320, 320, oct + 160, 160, &m), MP_OK);
    CHECK(m == 160);
    CHECK(memcmp(oct, SPANDSP_G722_HEAD, sizeof SPANDSP_G722_HEAD) == 0);
    CHECK(fnv_bytes(oct, 320) == SPANDSP_G722_FNV);

    CHECK_ST(mp_g722_decoder_decode(dec_, oct, 160, dec, 320, &n), MP_OK);
    CHECK(n == 320);
    CHECK_ST(mp_g722_decoder_decode(dec_, oct + 160, 160, dec + 320, 320, &m), MP_OK);
    CHECK(m == 320);
    CHECK(fnv_samples(dec, 640) == SPANDSP_G722_DECODE_FNV);

    /* After a reset the same input gives the same output again. */
    uint8_t again[320];
    CHECK_ST(mp_g722_encoder_reset(enc), MP_OK);
    CHECK_ST(mp_g722_encoder_encode(enc, pcm, 640, again, sizeof again, &n), MP_OK);
    CHECK(n == 320 && memcmp(again, oct, 320) == 0);
    int16_t dec2[640];
    CHECK_ST(mp_g722_decoder_reset(dec_), MP_OK);
    CHECK_ST(mp_g722_decoder_decode(dec_, oct, 320, dec2, 640, &n), MP_OK);
    CHECK(n == 640 && memcmp(dec2, dec, sizeof dec) == 0);

    mp_g722_encoder_free(enc);
    mp_g722_decoder_free(dec_);
}

/* Best signal-to-error ratio in dB of `got` against `ref` over lags
 * 0..max_lag (got delayed by the lag), using samples from `skip` on. */
static double best_snr(const int16_t *ref, const int16_t *got, int n, int max_lag, int skip,
                       int *lag_out)
{
    double best = -100.0;
    for (int lag = 0; lag <= max_lag; lag++) {
        double sig = 0, err = 0;
        for (int i = skip; i + lag < n; i++) {
            double r = ref[i], d = got[i + lag] - r;
            sig += r * r;
            err += d * d;
        }
        double snr = err == 0 ? 200.0 : 10.0 * log10(sig / err);
        if (snr > best) {
            best = snr;
            *lag_out = lag;
        }
    }
    return best;
}

static void test_g722_round_trip(void)
{
    enum { N = 3200 };
    static int16_t pcm[N], out[N];
    static uint8_t oct[N / 2];
    for (int i = 0; i < N; i++)
        pcm[i] = (int16_t)(10000.0 * sin(2.0 * PI * 1000.0 * i / 16000.0));

    static const uint32_t rates[3] = {64000, 56000, 48000};
    for (int r = 0; r < 3; r++) {
        mp_g722_encoder *enc = NULL;
        mp_g722_decoder *dec = NULL;
        CHECK_ST(mp_g722_encoder_new(rates[r], &enc), MP_OK);
        CHECK_ST(mp_g722_decoder_new(rates[r], &dec), MP_OK);
        if (enc == NULL || dec == NULL) {
            mp_g722_encoder_free(enc);
            mp_g722_decoder_free(dec);
            continue;
        }
        size_t n = 0;
        bool ok = true;
        for (int f = 0; f < N / 320; f++) {
            ok &= mp_g722_encoder_encode(enc, pcm + f * 320, 320, oct + f * 160, 160, &n) == MP_OK &&
                  n == 160;
            ok &= mp_g722_decoder_decode(dec, oct + f * 160, 160, out + f * 320, 320, &n) == MP_OK &&
                  n == 320;
        }
        CHECK(ok);
        int lag = -1;
        double snr = best_snr(pcm, out, N, 64, 320, &lag);
        if (snr < 25.0)
            fprintf(stderr, "g722 %u: snr %.1f dB at lag %d\n", rates[r], snr, lag);
        CHECK(snr >= 25.0);
        mp_g722_encoder_free(enc);
        mp_g722_decoder_free(dec);
    }
}

static void test_g722_arguments(void)
{
    mp_g722_encoder *enc = (mp_g722_encoder *)(void *)&g_sentinel;
    mp_g722_decoder *dec = (mp_g722_decoder *)(void *)&g_sentinel;
    static const uint32_t bad_rates[] = {0, 8000, 16000, 32000, 63999, 64001, 128000, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof bad_rates / sizeof bad_rates[0]; i++) {
        enc = (mp_g722_encoder *)(void *)&g_sentinel;
        dec = (mp_g722_decoder *)(void *)&g_sentinel;
        CHECK_ST(mp_g722_encoder_new(bad_rates[i], &enc), MP_ERR_INVALID_ARGUMENT);
        CHECK(enc == NULL);
        CHECK_ST(mp_g722_decoder_new(bad_rates[i], &dec), MP_ERR_INVALID_ARGUMENT);
        CHECK(dec == NULL);
    }
    CHECK_ST(mp_g722_encoder_new(64000, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_decoder_new(64000, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_g722_encoder_new(64000, &enc), MP_OK);
    CHECK_ST(mp_g722_decoder_new(48000, &dec), MP_OK);
    if (enc == NULL || dec == NULL) {
        mp_g722_encoder_free(enc);
        mp_g722_decoder_free(dec);
        return;
    }

    int16_t pcm[320] = {0};
    uint8_t oct[160];
    int16_t out[320];
    size_t n = 99;

    /* NULL for each pointer. */
    CHECK_ST(mp_g722_encoder_encode(NULL, pcm, 320, oct, 160, &n), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_encoder_encode(enc, NULL, 320, oct, 160, &n), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_encoder_encode(enc, pcm, 320, NULL, 160, &n), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_encoder_encode(enc, pcm, 320, oct, 160, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_decoder_decode(NULL, oct, 160, out, 320, &n), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_decoder_decode(dec, NULL, 160, out, 320, &n), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_decoder_decode(dec, oct, 160, NULL, 320, &n), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_decoder_decode(dec, oct, 160, out, 320, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_encoder_reset(NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_decoder_reset(NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_g722_decoder_set_bitrate(NULL, 64000), MP_ERR_NULL_POINTER);

    /* Zero lengths. */
    n = 99;
    CHECK_ST(mp_g722_encoder_encode(enc, NULL, 0, NULL, 0, &n), MP_OK);
    CHECK(n == 0);
    n = 99;
    CHECK_ST(mp_g722_decoder_decode(dec, NULL, 0, NULL, 0, &n), MP_OK);
    CHECK(n == 0);

    /* Buffers too small: the size needed comes back, nothing is written. */
    memset(oct, 0x42, sizeof oct);
    n = 0;
    CHECK_ST(mp_g722_encoder_encode(enc, pcm, 320, oct, 159, &n), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 160);
    CHECK(oct[0] == 0x42);
    n = 0;
    CHECK_ST(mp_g722_encoder_encode(enc, pcm, 320, NULL, 0, &n), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 160);
    n = 0;
    CHECK_ST(mp_g722_decoder_decode(dec, oct, 160, out, 319, &n), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 320);
    n = 0;
    CHECK_ST(mp_g722_decoder_decode(dec, oct, 1, NULL, 0, &n), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 2);

    /* Bit rate changes. */
    CHECK_ST(mp_g722_decoder_set_bitrate(dec, 56000), MP_OK);
    CHECK_ST(mp_g722_decoder_set_bitrate(dec, 64000), MP_OK);
    CHECK_ST(mp_g722_decoder_set_bitrate(dec, 32000), MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_g722_decoder_decode(dec, oct, 160, out, 320, &n), MP_OK);
    CHECK(n == 320);

    mp_g722_encoder_free(enc);
    mp_g722_decoder_free(dec);
    mp_g722_encoder_free(NULL);
    mp_g722_decoder_free(NULL);
}

/* ----------------------------------------------------------- transcoder */

#define SSRC_IN 0x11223344u
#define SSRC_OUT 0x55667788u

/* An RTP packet of `payload_len` bytes into `buf`; returns its length. */
static size_t rtp_packet(uint8_t *buf, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
                         uint32_t ssrc, const uint8_t *payload, size_t payload_len)
{
    buf[0] = 0x80;
    buf[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    memcpy(buf + 12, payload, payload_len);
    return 12 + payload_len;
}

/* 20 ms of PCMU for frame `f` of a 500 Hz sine. */
static void pcmu_frame(int f, uint8_t out[160])
{
    int16_t pcm[160];
    for (int i = 0; i < 160; i++)
        pcm[i] = (int16_t)(8000.0 * sin(2.0 * PI * 500.0 * (f * 160 + i) / 8000.0));
    mp_g711_ulaw_encode(pcm, 160, out);
}

/* Polls every queued packet; counts them, checks each is RTP from
 * SSRC_OUT with `pt` and `payload_len` bytes of payload and that their
 * sequence numbers follow each other. */
static int drain(mp_transcoder *t, uint8_t pt, size_t payload_len)
{
    uint8_t buf[1500];
    int count = 0;
    uint16_t last = 0;
    for (int guard = 0; guard < 100; guard++) {
        size_t n = 99;
        mp_status st = mp_transcoder_poll_output(t, buf, sizeof buf, &n);
        CHECK_ST(st, MP_OK);
        if (st != MP_OK || n == 0)
            break;
        count++;
        mp_rtp_header h;
        CHECK_ST(mp_rtp_parse(buf, n, &h), MP_OK);
        CHECK(h.payload_type == pt);
        CHECK(h.ssrc == SSRC_OUT);
        CHECK(h.payload_len == payload_len);
        if (count > 1)
            CHECK(h.sequence == (uint16_t)(last + 1));
        last = h.sequence;
    }
    return count;
}

static void test_transcoder_config(void)
{
    mp_transcoder_config c;
    CHECK_ST(mp_transcoder_config_default(MP_PAYLOAD_FORMAT_PCMU, MP_PAYLOAD_FORMAT_G722, SSRC_OUT,
                                          &c),
             MP_OK);
    CHECK(c.input == MP_PAYLOAD_FORMAT_PCMU);
    CHECK(c.output == MP_PAYLOAD_FORMAT_G722);
    CHECK(c.input_pt == 0);
    CHECK(c.output_pt == 9);
    CHECK(c.output_ssrc == SSRC_OUT);
    CHECK(c.output_ptime_ms == 20);
    CHECK(c.input_dtmf_pt == MP_PT_NONE && c.output_dtmf_pt == MP_PT_NONE);
    CHECK(c.input_cn_pt == MP_PT_NONE && c.output_cn_pt == MP_PT_NONE);
    CHECK_ST(mp_transcoder_config_default(MP_PAYLOAD_FORMAT_PCMA, MP_PAYLOAD_FORMAT_PCMU, 1, &c),
             MP_OK);
    CHECK(c.input_pt == 8 && c.output_pt == 0);

    CHECK_ST(mp_transcoder_config_default(0, MP_PAYLOAD_FORMAT_G722, 1, &c),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_transcoder_config_default(MP_PAYLOAD_FORMAT_PCMU, 99, 1, &c),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_transcoder_config_default(MP_PAYLOAD_FORMAT_PCMU, MP_PAYLOAD_FORMAT_G722, 1, NULL),
             MP_ERR_NULL_POINTER);

    mp_transcoder *t = (mp_transcoder *)(void *)&g_sentinel;
    CHECK_ST(mp_transcoder_new(NULL, &t), MP_ERR_NULL_POINTER);
    CHECK(t == NULL);
    CHECK_ST(mp_transcoder_config_default(MP_PAYLOAD_FORMAT_PCMU, MP_PAYLOAD_FORMAT_G722, SSRC_OUT,
                                          &c),
             MP_OK);
    CHECK_ST(mp_transcoder_new(&c, NULL), MP_ERR_NULL_POINTER);

    /* Bad values in the configuration. */
    mp_transcoder_config bad = c;
    bad.input = 7;
    t = (mp_transcoder *)(void *)&g_sentinel;
    CHECK_ST(mp_transcoder_new(&bad, &t), MP_ERR_INVALID_ARGUMENT);
    CHECK(t == NULL);
    bad = c;
    bad.output_pt = 128;
    CHECK_ST(mp_transcoder_new(&bad, &t), MP_ERR_INVALID_ARGUMENT);
    bad = c;
    bad.input_pt = 200;
    CHECK_ST(mp_transcoder_new(&bad, &t), MP_ERR_INVALID_ARGUMENT);
    bad = c;
    bad.input_dtmf_pt = 128;
    CHECK_ST(mp_transcoder_new(&bad, &t), MP_ERR_INVALID_ARGUMENT);
    bad = c;
    bad.output_cn_pt = -2;
    CHECK_ST(mp_transcoder_new(&bad, &t), MP_ERR_INVALID_ARGUMENT);
    bad = c;
    bad.output_ptime_ms = 0;
    CHECK_ST(mp_transcoder_new(&bad, &t), MP_ERR_INVALID_ARGUMENT);
    bad = c;
    bad.output_ptime_ms = 25;
    CHECK_ST(mp_transcoder_new(&bad, &t), MP_ERR_INVALID_ARGUMENT);
    CHECK(t == NULL);

    CHECK_ST(mp_transcoder_new(&c, &t), MP_OK);
    mp_transcoder_free(t);
    mp_transcoder_free(NULL);
}

static void test_transcoder_flow(void)
{
    mp_transcoder_config c;
    mp_transcoder *t = NULL, *back = NULL;
    CHECK_ST(mp_transcoder_config_default(MP_PAYLOAD_FORMAT_PCMU, MP_PAYLOAD_FORMAT_G722, SSRC_OUT,
                                          &c),
             MP_OK);
    c.initial_seq = 1000;
    CHECK_ST(mp_transcoder_new(&c, &t), MP_OK);
    mp_transcoder_config cb;
    CHECK_ST(mp_transcoder_config_default(MP_PAYLOAD_FORMAT_G722, MP_PAYLOAD_FORMAT_PCMU, SSRC_OUT,
                                          &cb),
             MP_OK);
    CHECK_ST(mp_transcoder_new(&cb, &back), MP_OK);
    if (t == NULL || back == NULL) {
        mp_transcoder_free(t);
        mp_transcoder_free(back);
        return;
    }
    CHECK(strcmp(mp_transcoder_last_error(t), "") == 0);

    size_t maxlen = 0;
    CHECK_ST(mp_transcoder_max_output_packet_len(t, &maxlen), MP_OK);
    CHECK(maxlen >= 12 + 160);
    CHECK_ST(mp_transcoder_max_output_packet_len(NULL, &maxlen), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_transcoder_max_output_packet_len(t, NULL), MP_ERR_NULL_POINTER);

    uint64_t deadline = 0;
    CHECK_ST(mp_transcoder_poll_timeout(t, &deadline), MP_OK);
    CHECK(deadline == MP_NO_DEADLINE);

    /* Nothing queued yet. */
    size_t n = 99;
    uint8_t buf[1500], pkt[1500], payload[160];
    CHECK_ST(mp_transcoder_poll_output(t, buf, sizeof buf, &n), MP_OK);
    CHECK(n == 0);

    uint64_t now = 5000000; /* any origin */
    uint16_t seq_out = 0;
    int produced = 0, returned = 0;
    uint64_t rng = 42;
    for (int f = 0; f < 50; f++) {
        pcmu_frame(f, payload);
        size_t len = rtp_packet(pkt, 0, f == 0, (uint16_t)(40000 + f), 160u * (uint32_t)f,
                                SSRC_IN, payload, 160);
        CHECK_ST(mp_transcoder_push(t, now, pkt, len), MP_OK);

        /* Interleaved abuse, each refused and without effect. */
        switch (f % 5) {
        case 1: /* a payload type the configuration does not name */
            len = rtp_packet(pkt, 18, false, (uint16_t)(40000 + f), 160u * (uint32_t)f, SSRC_IN,
                             payload, 20);
            {
                mp_status st = mp_transcoder_push(t, now, pkt, len);
                CHECK(st != MP_OK);
                CHECK(strlen(mp_transcoder_last_error(t)) > 0);
            }
            break;
        case 2: /* empty datagrams */
            CHECK(mp_transcoder_push(t, now, NULL, 0) != MP_OK);
            CHECK(mp_transcoder_push(t, now, pkt, 0) != MP_OK);
            break;
        case 3: /* garbage, including a first byte that is not RTP v2 */
            for (size_t i = 0; i < 40; i++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                pkt[i] = (uint8_t)(rng >> 56);
            }
            pkt[0] = 0x00;
            CHECK(mp_transcoder_push(t, now, pkt, 40) != MP_OK);
            CHECK(mp_transcoder_push(t, now, pkt, 3) != MP_OK);
            break;
        case 4: /* a header only, and a header claiming more CSRCs than it has */
            len = rtp_packet(pkt, 0, false, 1, 1, SSRC_IN, payload, 0);
            pkt[0] = 0x8F;
            CHECK(mp_transcoder_push(t, now, pkt, len) != MP_OK);
            break;
        default:
            break;
        }
        CHECK_ST(mp_transcoder_push(NULL, now, pkt, 12), MP_ERR_NULL_POINTER);
        CHECK_ST(mp_transcoder_push(t, now, NULL, 12), MP_ERR_NULL_POINTER);

        /* Polls with buffers too small first: the size comes back and the
         * packet stays queued. */
        if (f == 10) {
            n = 0;
            CHECK_ST(mp_transcoder_poll_output(t, buf, 20, &n), MP_ERR_BUFFER_TOO_SMALL);
            CHECK(n == 12 + 160);
            n = 0;
            CHECK_ST(mp_transcoder_poll_output(t, NULL, 0, &n), MP_ERR_BUFFER_TOO_SMALL);
            CHECK(n == 12 + 160);
            CHECK_ST(mp_transcoder_poll_output(t, NULL, 0, NULL), MP_ERR_NULL_POINTER);
            CHECK_ST(mp_transcoder_poll_output(t, NULL, 200, &n), MP_ERR_NULL_POINTER);
            CHECK_ST(mp_transcoder_poll_output(NULL, buf, sizeof buf, &n), MP_ERR_NULL_POINTER);
        }

        /* Every G.722 packet goes straight into the reverse direction. */
        for (int guard = 0; guard < 10; guard++) {
            n = 0;
            if (mp_transcoder_poll_output(t, buf, sizeof buf, &n) != MP_OK || n == 0)
                break;
            produced++;
            mp_rtp_header h;
            CHECK_ST(mp_rtp_parse(buf, n, &h), MP_OK);
            CHECK(h.payload_type == 9 && h.ssrc == SSRC_OUT && h.payload_len == 160);
            if (produced == 1) {
                CHECK(h.sequence == 1000);
                CHECK(h.marker);
            } else {
                CHECK(h.sequence == (uint16_t)(seq_out + 1));
            }
            seq_out = h.sequence;
            CHECK_ST(mp_transcoder_push(back, now, buf, n), MP_OK);
            returned += drain(back, 0, 160);
        }
        CHECK_ST(mp_transcoder_handle_timeout(t, now), MP_OK);
        now += 20000;
    }
    CHECK(produced == 50);
    CHECK(returned == 50);

    /* Statistics count what went through and what was refused. */
    mp_transcoder_stats s;
    memset(&s, 0xAB, sizeof s);
    CHECK_ST(mp_transcoder_get_stats(t, &s), MP_OK);
    CHECK(s.packets_in == 50);
    CHECK(s.packets_out == 50);
    CHECK(s.bad_packets >= 40);
    CHECK_ST(mp_transcoder_get_stats(NULL, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_transcoder_get_stats(t, NULL), MP_ERR_NULL_POINTER);

    /* Timeouts: NULL checks, times before the first one are clamped. */
    CHECK_ST(mp_transcoder_handle_timeout(NULL, now), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_transcoder_handle_timeout(t, 0), MP_OK);
    CHECK_ST(mp_transcoder_poll_timeout(NULL, &deadline), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_transcoder_poll_timeout(t, NULL), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_transcoder_poll_timeout(t, &deadline), MP_OK);

    /* A reset drops what is held; output goes on. */
    CHECK_ST(mp_transcoder_reset(t), MP_OK);
    CHECK_ST(mp_transcoder_reset(NULL), MP_ERR_NULL_POINTER);
    CHECK(drain(t, 9, 160) == 0);

    mp_transcoder_free(t);
    mp_transcoder_free(back);
}

/* A packet held for reordering is released by the timeout the transcoder
 * asks for. */
static void test_transcoder_timeout(void)
{
    mp_transcoder_config c;
    mp_transcoder *t = NULL;
    CHECK_ST(mp_transcoder_config_default(MP_PAYLOAD_FORMAT_PCMA, MP_PAYLOAD_FORMAT_PCMU, SSRC_OUT,
                                          &c),
             MP_OK);
    c.max_hold_ms = 60;
    c.reorder_window = 4;
    CHECK_ST(mp_transcoder_new(&c, &t), MP_OK);
    if (t == NULL)
        return;
    uint8_t pkt[200], payload[160];
    memset(payload, 0xD5, sizeof payload);
    uint64_t now = 1000;
    size_t len = rtp_packet(pkt, 8, true, 7, 0, SSRC_IN, payload, 160);
    CHECK_ST(mp_transcoder_push(t, now, pkt, len), MP_OK);
    CHECK(drain(t, 0, 160) == 1);
    /* Skip sequence 8: 9 waits for it. */
    now += 40000;
    len = rtp_packet(pkt, 8, false, 9, 320, SSRC_IN, payload, 160);
    CHECK_ST(mp_transcoder_push(t, now, pkt, len), MP_OK);
    uint64_t deadline = 0;
    CHECK_ST(mp_transcoder_poll_timeout(t, &deadline), MP_OK);
    CHECK(deadline != MP_NO_DEADLINE);
    CHECK(deadline > now && deadline <= now + 60000);
    /* Asking too early releases nothing. */
    CHECK_ST(mp_transcoder_handle_timeout(t, now + 1000), MP_OK);
    int early = drain(t, 0, 160);
    CHECK_ST(mp_transcoder_handle_timeout(t, deadline), MP_OK);
    int late = drain(t, 0, 160);
    /* The missing frame is concealed and the held one follows: two packets
     * of 20 ms, no gap in the output sequence. */
    CHECK(early == 0);
    CHECK(late == 2);
    mp_transcoder_free(t);
}

int main(void)
{
    test_g711_known_values();
    test_g711_round_trips();
    test_g711_direct();
    test_g711_arguments();
    test_g722_vectors();
    test_g722_round_trip();
    test_g722_arguments();
    test_transcoder_config();
    test_transcoder_flow();
    test_transcoder_timeout();
    printf("%u passed, %u failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
