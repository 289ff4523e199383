/*
 * transcode_file: the audio path of a G.711 <-> G.722 gateway, run on a
 * file.
 *
 * Reads raw 16-bit little-endian mono audio at 8000 Hz, encodes it as
 * PCMU in RTP packets of 20 ms as a SIP trunk would send it, and passes
 * the packets through two transcoders: PCMU -> G.722 (the direction
 * towards a wideband phone) and G.722 -> PCMU (back towards the trunk).
 * The PCMU that comes out is decoded and written in the input's format.
 * It prints the packet and sample counts of each stage and how close the
 * output is to the input (signal-to-noise ratio at the delay that fits
 * best), so a lost or duplicated frame shows up.
 *
 * Exit status: 0 ok, 1 transcoding failed (an error status, samples lost
 * or added, or a ratio under --min-snr), 2 usage or I/O error.
 */

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediaplane.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define FRAME 160 /* samples of 20 ms at 8000 Hz */
#define FRAME_US 20000
#define MAX_LAG 160 /* samples of delay searched for the best fit */
#define MAX_SAMPLES (8000 * 3600) /* one hour */
#define SSRC_TRUNK 0x7e57da7au
#define SSRC_PHONE 0x0000c0deu
#define SSRC_BACK 0x0000beefu

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--ptime MS] [--min-snr DB] IN OUT\n"
            "\n"
            "Reads IN, raw s16le mono at 8000 Hz, sends it as PCMU/RTP in 20 ms\n"
            "packets through a PCMU -> G.722 transcoder and a G.722 -> PCMU one,\n"
            "and writes the audio that comes back to OUT in the same format.\n"
            "\n"
            "  --ptime MS    packet time of the G.722 leg: 10, 20, 30, 40, 50 or 60\n"
            "                (default 20)\n"
            "  --min-snr DB  fail (exit 1) when the output is further than this\n"
            "                from the input\n"
            "  --help        print this help\n"
            "\n"
            "Exit status: 0 ok, 1 transcoding failed, 2 usage or I/O error.\n"
            "mediaplane %s\n",
            prog, mp_version());
}

/* One transcoder and the packets it made. */
struct leg {
    const char *name;
    mp_transcoder *t;
    uint8_t *buf;
    size_t cap;
    unsigned long packets;
};

static bool failed(const char *what, mp_status st, const mp_transcoder *t)
{
    fprintf(stderr, "transcode_file: %s: %s", what, mp_status_str(st));
    if (t != NULL)
        fprintf(stderr, " (%s)", mp_transcoder_last_error(t));
    fputc('\n', stderr);
    return false;
}

static bool leg_new(struct leg *l, const char *name, mp_payload_format in, mp_payload_format out,
                    uint32_t ssrc, uint32_t ptime_ms)
{
    mp_transcoder_config c;
    mp_status st = mp_transcoder_config_default(in, out, ssrc, &c);
    if (st != MP_OK)
        return failed(name, st, NULL);
    c.output_ptime_ms = ptime_ms;
    st = mp_transcoder_new(&c, &l->t);
    if (st != MP_OK)
        return failed(name, st, NULL);
    st = mp_transcoder_max_output_packet_len(l->t, &l->cap);
    if (st != MP_OK)
        return failed(name, st, l->t);
    l->buf = malloc(l->cap);
    if (l->buf == NULL) {
        fprintf(stderr, "transcode_file: out of memory\n");
        return false;
    }
    l->name = name;
    l->packets = 0;
    return true;
}

static void leg_free(struct leg *l)
{
    mp_transcoder_free(l->t);
    free(l->buf);
}

/* Where the PCMU coming back goes. */
struct sink {
    int16_t *pcm;
    size_t len, cap;
    unsigned long packets;
};

static bool sink_packet(struct sink *s, const uint8_t *pkt, size_t len)
{
    mp_rtp_header h;
    mp_status st = mp_rtp_parse(pkt, len, &h);
    if (st != MP_OK)
        return failed("output packet", st, NULL);
    if (h.payload_type != 0) {
        fprintf(stderr, "transcode_file: output payload type %u, expected 0\n", h.payload_type);
        return false;
    }
    if (s->len + h.payload_len > s->cap) {
        size_t cap = (s->cap + h.payload_len) * 2;
        int16_t *p = realloc(s->pcm, cap * sizeof *p);
        if (p == NULL) {
            fprintf(stderr, "transcode_file: out of memory\n");
            return false;
        }
        s->pcm = p;
        s->cap = cap;
    }
    st = mp_g711_ulaw_decode(pkt + h.payload_offset, h.payload_len, s->pcm + s->len);
    if (st != MP_OK)
        return failed("ulaw decode", st, NULL);
    s->len += h.payload_len;
    s->packets++;
    return true;
}

/* Moves everything `from` has queued into `to` (a transcoder) or, when
 * `to` is NULL, into the sink. */
static bool drain(struct leg *from, struct leg *to, struct sink *sink, uint64_t now)
{
    for (;;) {
        size_t n = 0;
        mp_status st = mp_transcoder_poll_output(from->t, from->buf, from->cap, &n);
        if (st != MP_OK)
            return failed(from->name, st, from->t);
        if (n == 0)
            return true;
        from->packets++;
        if (to != NULL) {
            st = mp_transcoder_push(to->t, now, from->buf, n);
            if (st != MP_OK)
                return failed(to->name, st, to->t);
            if (!drain(to, NULL, sink, now))
                return false;
        } else if (!sink_packet(sink, from->buf, n)) {
            return false;
        }
    }
}

/* Lets both transcoders act on the time `now`, then moves their output on. */
static bool tick(struct leg *fwd, struct leg *back, struct sink *sink, uint64_t now)
{
    mp_status st = mp_transcoder_handle_timeout(fwd->t, now);
    if (st != MP_OK)
        return failed(fwd->name, st, fwd->t);
    if (!drain(fwd, back, sink, now))
        return false;
    st = mp_transcoder_handle_timeout(back->t, now);
    if (st != MP_OK)
        return failed(back->name, st, back->t);
    return drain(back, NULL, sink, now);
}

static int16_t *read_input(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "transcode_file: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 8000, len = 0;
    int16_t *pcm = malloc(cap * sizeof *pcm);
    uint8_t b[2];
    while (pcm != NULL && fread(b, 1, 2, f) == 2) {
        if (len == MAX_SAMPLES) {
            fprintf(stderr, "transcode_file: %s: longer than one hour\n", path);
            free(pcm);
            pcm = NULL;
            break;
        }
        if (len == cap) {
            cap *= 2;
            int16_t *p = realloc(pcm, cap * sizeof *p);
            if (p == NULL)
                free(pcm);
            pcm = p;
            if (pcm == NULL)
                break;
        }
        pcm[len++] = (int16_t)(uint16_t)(b[0] | b[1] << 8);
    }
    if (pcm != NULL && ferror(f)) {
        fprintf(stderr, "transcode_file: cannot read %s: %s\n", path, strerror(errno));
        free(pcm);
        pcm = NULL;
    }
    fclose(f);
    *n = len;
    return pcm;
}

static bool write_output(const char *path, const int16_t *pcm, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "transcode_file: cannot create %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        uint16_t v = (uint16_t)pcm[i];
        uint8_t b[2] = {(uint8_t)(v & 0xFF), (uint8_t)(v >> 8)};
        ok = fwrite(b, 1, 2, f) == 2;
    }
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "transcode_file: cannot write %s: %s\n", path, strerror(errno));
    return ok;
}

/* Half-sample interpolator: a 16-tap Hann-windowed sinc giving the value
 * halfway between x[7] and x[8]. */
#define HALF_TAPS 16
static double g_half[HALF_TAPS];

static void init_half(void)
{
    const double pi = 3.14159265358979323846;
    double sum = 0;
    for (int k = 0; k < HALF_TAPS; k++) {
        double t = k - (HALF_TAPS - 1) / 2.0; /* -7.5 .. 7.5 */
        double w = 0.5 + 0.5 * cos(pi * t / (HALF_TAPS / 2.0));
        g_half[k] = sin(pi * t) / (pi * t) * w;
        sum += g_half[k];
    }
    for (int k = 0; k < HALF_TAPS; k++)
        g_half[k] /= sum;
}

/* Signal-to-noise ratio in dB of `out` against `in` delayed by `half_lag`
 * half samples. */
static double snr_at(const int16_t *in, size_t n_in, const int16_t *out, size_t n_out,
                     int half_lag)
{
    size_t d = (size_t)half_lag / 2;
    bool frac = half_lag % 2 != 0;
    double sig = 0, err = 0;
    for (size_t i = HALF_TAPS; i < n_in && i + d + HALF_TAPS < n_out; i++) {
        double y;
        if (frac) {
            y = 0;
            for (int k = 0; k < HALF_TAPS; k++)
                y += g_half[k] * out[i + d + (size_t)k - (HALF_TAPS / 2 - 1)];
        } else {
            y = out[i + d];
        }
        double x = in[i], e = y - x;
        sig += x * x;
        err += e * e;
    }
    return err == 0 ? INFINITY : 10.0 * log10(sig / err);
}

/* The ratio at the delay, in half samples from 0 to 2 * MAX_LAG, that
 * fits best (the resamplers may leave half a sample of delay at 8 kHz);
 * the delay goes to *half_lag. */
static double best_snr(const int16_t *in, size_t n_in, const int16_t *out, size_t n_out,
                       int *half_lag)
{
    double best = -INFINITY;
    *half_lag = 0;
    init_half();
    for (int h = 0; h <= 2 * MAX_LAG; h++) {
        double snr = snr_at(in, n_in, out, n_out, h);
        if (snr > best) {
            best = snr;
            *half_lag = h;
        }
    }
    return best;
}

int main(int argc, char **argv)
{
    const char *prog = argc > 0 ? argv[0] : "transcode_file";
    const char *paths[2] = {NULL, NULL};
    int npaths = 0;
    unsigned long ptime = 20;
    double min_snr = -INFINITY;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout, prog);
            return 0;
        } else if (strcmp(a, "--ptime") == 0 || strcmp(a, "--min-snr") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value\n", prog, a);
                return EXIT_USAGE;
            }
            char *end = NULL;
            const char *v = argv[++i];
            errno = 0;
            if (strcmp(a, "--ptime") == 0) {
                ptime = strtoul(v, &end, 10);
                if (errno != 0 || *end != '\0' ||
                    (ptime % 10 != 0 || ptime < 10 || ptime > 60)) {
                    fprintf(stderr, "%s: --ptime must be 10, 20, 30, 40, 50 or 60\n", prog);
                    return EXIT_USAGE;
                }
            } else {
                min_snr = strtod(v, &end);
                if (errno != 0 || *end != '\0' || end == v) {
                    fprintf(stderr, "%s: --min-snr needs a number of dB\n", prog);
                    return EXIT_USAGE;
                }
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "%s: unknown option %s\n", prog, a);
            usage(stderr, prog);
            return EXIT_USAGE;
        } else if (npaths < 2) {
            paths[npaths++] = a;
        } else {
            fprintf(stderr, "%s: expected one input file and one output file\n", prog);
            return EXIT_USAGE;
        }
    }
    if (npaths != 2) {
        fprintf(stderr, "%s: expected one input file and one output file\n", prog);
        usage(stderr, prog);
        return EXIT_USAGE;
    }

    size_t n_in = 0;
    int16_t *in = read_input(paths[0], &n_in);
    if (in == NULL)
        return EXIT_USAGE;

    struct leg fwd = {0}, back = {0};
    struct sink sink = {0};
    int status = EXIT_FAILED;
    if (!leg_new(&fwd, "pcmu->g722", MP_PAYLOAD_FORMAT_PCMU, MP_PAYLOAD_FORMAT_G722, SSRC_PHONE,
                 (uint32_t)ptime) ||
        !leg_new(&back, "g722->pcmu", MP_PAYLOAD_FORMAT_G722, MP_PAYLOAD_FORMAT_PCMU, SSRC_BACK, 20))
        goto done;

    /* The trunk's packets: the last frame is padded with silence. */
    size_t frames = (n_in + FRAME - 1) / FRAME;
    uint8_t pkt[12 + FRAME];
    uint64_t now = 1000000;
    unsigned long sent = 0;
    for (size_t f = 0; f < frames; f++) {
        int16_t pcm[FRAME] = {0};
        size_t take = n_in - f * FRAME < FRAME ? n_in - f * FRAME : FRAME;
        memcpy(pcm, in + f * FRAME, take * sizeof *pcm);
        uint16_t seq = (uint16_t)(20000 + f);
        uint32_t ts = (uint32_t)(FRAME * f);
        pkt[0] = 0x80;
        pkt[1] = f == 0 ? 0x80 : 0x00; /* PCMU, marker on the first */
        pkt[2] = (uint8_t)(seq >> 8);
        pkt[3] = (uint8_t)seq;
        for (int i = 0; i < 4; i++) {
            pkt[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
            pkt[8 + i] = (uint8_t)(SSRC_TRUNK >> (24 - 8 * i));
        }
        mp_status st = mp_g711_ulaw_encode(pcm, FRAME, pkt + 12);
        if (st != MP_OK) {
            failed("ulaw encode", st, NULL);
            goto done;
        }
        st = mp_transcoder_push(fwd.t, now, pkt, sizeof pkt);
        if (st != MP_OK) {
            failed(fwd.name, st, fwd.t);
            goto done;
        }
        sent++;
        if (!tick(&fwd, &back, &sink, now))
            goto done;
        now += FRAME_US;
    }
    /* Let anything still held (a partly filled longer packet) out. */
    for (int i = 0; i < 10; i++) {
        uint64_t d1 = MP_NO_DEADLINE, d2 = MP_NO_DEADLINE;
        if (mp_transcoder_poll_timeout(fwd.t, &d1) != MP_OK ||
            mp_transcoder_poll_timeout(back.t, &d2) != MP_OK)
            break;
        uint64_t d = d1 < d2 ? d1 : d2;
        if (d == MP_NO_DEADLINE)
            break;
        now = d > now ? d : now;
        if (!tick(&fwd, &back, &sink, now))
            goto done;
    }

    size_t n_padded = frames * FRAME;
    int lag = 0;
    double snr = best_snr(in, n_in, sink.pcm, sink.len, &lag);
    printf("pcmu in: %lu packets, %zu samples\n", sent, n_in);
    printf("g722 (%lu ms): %lu packets\n", ptime, fwd.packets);
    printf("pcmu out: %lu packets, %zu samples\n", back.packets, sink.len);
    printf("snr: %.1f dB at a delay of %.1f samples\n", snr, lag / 2.0);

    if (!write_output(paths[1], sink.pcm, sink.len)) {
        status = EXIT_USAGE;
        goto done;
    }
    if (sink.len != n_padded) {
        fprintf(stderr, "transcode_file: %zu samples out for %zu in\n", sink.len, n_padded);
        goto done;
    }
    if (snr < min_snr) {
        fprintf(stderr, "transcode_file: snr %.1f dB is under %.1f dB\n", snr, min_snr);
        goto done;
    }
    printf("transcode_file: ok\n");
    status = 0;

done:
    leg_free(&fwd);
    leg_free(&back);
    free(sink.pcm);
    free(in);
    return status;
}
