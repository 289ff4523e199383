/*
 * C test of the SIP part of the C ABI (include/mediaplane.h).
 *
 * Every function of the header is called here, with NULL for every pointer
 * parameter, with hostile input (fixed-seed random bytes, mutated and
 * truncated messages) and with the cases whose contract is easy to get
 * wrong from C: compact header names, size-then-fill buffers, slices that
 * must outlive the caller's input. Run it under valgrind to check that
 * nothing leaks or reads out of bounds.
 *
 * Prints "<P> passed, <F> failed" and exits 1 when anything failed.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediaplane.h"

#include "check.h"

#define SDP                                                                  \
    "v=0\r\n"                                                                \
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.4\r\n"                     \
    "s=-\r\n"                                                                \
    "c=IN IP4 192.0.2.4\r\n"                                                 \
    "t=0 0\r\n"                                                              \
    "m=audio 49170 RTP/AVP 0\r\n"                                            \
    "a=rtpmap:0 PCMU/8000\r\n"

#define CALL_ID "3848276298220188511@atlanta.example.com"

/* Header section of the INVITE; Content-Length is appended at run time so
 * that it always matches SDP. */
#define INVITE_HEAD                                                          \
    "INVITE sip:bob@example.com SIP/2.0\r\n"                                 \
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK74bf9;rport\r\n"          \
    "v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK4b43c2ff8.1\r\n"         \
    "Max-Forwards: 70\r\n"                                                   \
    "f: Alice <sip:alice@example.com>;tag=9fxced76sl\r\n"                    \
    "To: Bob <sip:bob@example.com>\r\n"                                      \
    "i: " CALL_ID "\r\n"                                                     \
    "CSeq: 314159 INVITE\r\n"                                                \
    "Contact: <sip:alice@192.0.2.4:5060>\r\n"                                \
    "Subject: lunch\r\n"                                                     \
    " tomorrow?\r\n"                                                         \
    "c: application/sdp\r\n"

static char g_invite[1024];
static size_t g_invite_len;

static const char REGISTER[] =
    "REGISTER sip:registrar.example.com SIP/2.0\r\n"
    "v: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKa\r\n"
    "Via: SIP/2.0/TCP 192.0.2.5;branch=z9hG4bKb\r\n"
    "v: SIP/2.0/UDP 192.0.2.6;branch=z9hG4bKc\r\n"
    "Max-Forwards: 70\r\n"
    "f: <sip:alice@example.com>;tag=x1\r\n"
    "t: <sip:alice@example.com>\r\n"
    "i: reg-123@192.0.2.4\r\n"
    "CSeq: 2 REGISTER\r\n"
    "m: <sip:alice@192.0.2.4>\r\n"
    "X-Custom: one\r\n"
    "x-custom: two\r\n"
    "l: 0\r\n"
    "\r\n";

static const char BUSY[] =
    "SIP/2.0 486 Busy Here\r\n"
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK74bf9;received=192.0.2.4\r\n"
    "From: Alice <sip:alice@example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@example.com>;tag=8321234356\r\n"
    "Call-ID: " CALL_ID "\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char BAD_CSEQ[] =
    "OPTIONS sip:carol@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=1928301774\r\n"
    "To: <sip:carol@example.com>\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 63104 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* An in-dialog request: its To already carries a tag. */
static const char REINVITE[] =
    "INVITE sip:alice@192.0.2.4:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKre1\r\n"
    "Max-Forwards: 70\r\n"
    "From: Bob <sip:bob@example.com>;tag=8321234356\r\n"
    "To: Alice <sip:alice@example.com>;tag=9fxced76sl\r\n"
    "Call-ID: " CALL_ID "\r\n"
    "CSeq: 7 INVITE\r\n"
    "Timestamp: 54\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* Headers that frame but do not decode. */
static const char BAD_FIELDS[] =
    "BYE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKbye\r\n"
    "From: <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:bob@example.com>;tag=2\r\n"
    "Call-ID: has space\r\n"
    "CSeq: abc BYE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char NO_CSEQ[] =
    "BYE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKbye\r\n"
    "From: <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:bob@example.com>;tag=2\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* Alignment-safe stand-in for "some pointer that is not NULL", to see that
 * a failing call resets *out. Never dereferenced. */
static max_align_t g_sentinel;
#define NOT_NULL_MSG ((mp_sip_message *)(void *)&g_sentinel)

static bool slice_eq(mp_slice s, const char *want)
{
    size_t n = strlen(want);
    return s.len == n && (n == 0 || (s.ptr != NULL && memcmp(s.ptr, want, n) == 0));
}

static mp_sip_message *parse_str(const char *text, size_t len)
{
    mp_sip_message *m = NULL;
    mp_sip_parse_error err;
    mp_status st = mp_sip_message_parse((const uint8_t *)text, len, &m, &err);
    if (st != MP_OK) {
        fprintf(stderr, "unexpected parse failure: %s at %zu\n", err.message, err.offset);
        return NULL;
    }
    return m;
}

#define PARSE_LIT(lit) parse_str((lit), sizeof(lit) - 1)

static void build_invite(void)
{
    int n = snprintf(g_invite, sizeof g_invite, INVITE_HEAD "Content-Length: %zu\r\n\r\n" SDP,
                     strlen(SDP));
    g_invite_len = (size_t)n;
}

/* xorshift64*: a fixed seed makes every run feed the same bytes. */
static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 2685821657736338717ull;
}

static void test_status_and_version(void)
{
    const mp_status all[] = {
        MP_OK, MP_ERR_NULL_POINTER, MP_ERR_INVALID_ARGUMENT, MP_ERR_PARSE,
        MP_ERR_INVALID, MP_ERR_LIMIT, MP_ERR_INCOMPLETE, MP_ERR_BUFFER_TOO_SMALL,
        MP_ERR_NOT_FOUND, MP_ERR_UNSUPPORTED, MP_ERR_PANIC, MP_ERR_AUTH,
        MP_ERR_REPLAY, MP_ERR_KEY_LIMIT, MP_ERR_UNKNOWN_SSRC,
    };
    const size_t n = sizeof all / sizeof all[0];
    CHECK(MP_OK == 0);
    for (size_t i = 0; i < n; i++) {
        const char *s = mp_status_str(all[i]);
        CHECK(s != NULL);
        if (s == NULL)
            continue;
        CHECK(s[0] != '\0');
        for (size_t j = i + 1; j < n; j++) {
            const char *t = mp_status_str(all[j]);
            CHECK(t != NULL && strcmp(s, t) != 0);
        }
    }
    const char *v = mp_version();
    CHECK(v != NULL);
    CHECK(v != NULL && v[0] >= '0' && v[0] <= '9' && strchr(v, '.') != NULL);
}

static void test_null_arguments(void)
{
    mp_sip_message *m = PARSE_LIT(BUSY);
    mp_sip_message *req = parse_str(g_invite, g_invite_len);
    CHECK(m != NULL && req != NULL);
    if (m == NULL || req == NULL) {
        mp_sip_message_free(m);
        mp_sip_message_free(req);
        return;
    }
    mp_slice s;
    bool b;
    uint16_t code;
    uint32_t seq;
    size_t n;
    char buf[64];
    uint8_t out[512];
    mp_sip_parse_error err;
    mp_sip_message *parsed;

    /* mp_sip_message_parse: data, out, err */
    parsed = NOT_NULL_MSG;
    memset(&err, 0, sizeof err);
    CHECK_ST(mp_sip_message_parse(NULL, 10, &parsed, &err), MP_ERR_NULL_POINTER);
    CHECK(parsed == NULL);
    CHECK(err.status == MP_ERR_NULL_POINTER);
    CHECK(err.offset == SIZE_MAX);
    CHECK(memchr(err.message, 0, sizeof err.message) != NULL && err.message[0] != '\0');
    memset(&err, 0, sizeof err);
    CHECK_ST(mp_sip_message_parse((const uint8_t *)BUSY, sizeof BUSY - 1, NULL, &err),
             MP_ERR_NULL_POINTER);
    CHECK(err.status == MP_ERR_NULL_POINTER);
    parsed = NOT_NULL_MSG;
    CHECK_ST(mp_sip_message_parse((const uint8_t *)BUSY, sizeof BUSY - 1, &parsed, NULL), MP_OK);
    CHECK(parsed != NULL && parsed != NOT_NULL_MSG);
    if (parsed != NOT_NULL_MSG)
        mp_sip_message_free(parsed);
    /* An error without an err out-parameter still resets *out. */
    parsed = NOT_NULL_MSG;
    CHECK_ST(mp_sip_message_parse((const uint8_t *)"garbage\r\n\r\n", 11, &parsed, NULL),
             MP_ERR_PARSE);
    CHECK(parsed == NULL);
    /* NULL data with length 0 is empty input, not a NULL-pointer error. */
    parsed = NOT_NULL_MSG;
    CHECK_ST(mp_sip_message_parse(NULL, 0, &parsed, &err), MP_ERR_INCOMPLETE);
    CHECK(parsed == NULL);
    CHECK(err.status == MP_ERR_INCOMPLETE && err.offset == 0);

    /* A length no buffer can have is refused before anything is read, and
     * *err is filled in for this failure too. */
    parsed = NOT_NULL_MSG;
    memset(&err, 0xee, sizeof err);
    CHECK_ST(mp_sip_message_parse((const uint8_t *)BUSY, SIZE_MAX, &parsed, &err),
             MP_ERR_INVALID_ARGUMENT);
    CHECK(parsed == NULL);
    CHECK(err.status == MP_ERR_INVALID_ARGUMENT);
    CHECK(err.offset == SIZE_MAX);
    CHECK(memchr(err.message, 0, sizeof err.message) != NULL && err.message[0] != '\0');

    mp_sip_message_free(NULL);
    CHECK(1); /* reached: free(NULL) is a no-op */

    CHECK_ST(mp_sip_message_validate(NULL), MP_ERR_NULL_POINTER);
    CHECK(mp_sip_message_last_error(NULL) == NULL);

    CHECK_ST(mp_sip_message_is_request(NULL, &b), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_is_request(m, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_sip_message_method(NULL, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_method(req, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_sip_message_request_uri(NULL, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_request_uri(req, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_sip_message_status(NULL, &code, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_status(m, NULL, &s), MP_ERR_NULL_POINTER);
    code = 0;
    CHECK_ST(mp_sip_message_status(m, &code, NULL), MP_OK); /* reason may be NULL */
    CHECK(code == 486);

    CHECK_ST(mp_sip_message_header_count(NULL, &n), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_header_count(m, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_sip_message_header_at(NULL, 0, &s, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_header_at(m, 0, NULL, NULL), MP_OK); /* both may be NULL */
    CHECK_ST(mp_sip_message_header_at(m, 0, NULL, &s), MP_OK);
    CHECK(slice_eq(s, "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK74bf9;received=192.0.2.4"));
    CHECK_ST(mp_sip_message_header_at(m, 0, &s, NULL), MP_OK);
    CHECK(slice_eq(s, "Via"));

    CHECK_ST(mp_sip_message_header(NULL, "Via", 0, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_header(m, NULL, 0, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_header(m, "Via", 0, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_sip_message_body(NULL, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_body(m, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_sip_message_call_id(NULL, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_call_id(m, NULL), MP_ERR_NULL_POINTER);

    CHECK_ST(mp_sip_message_cseq(NULL, &seq, &s), MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_cseq(m, NULL, &s), MP_ERR_NULL_POINTER);
    seq = 0;
    CHECK_ST(mp_sip_message_cseq(m, &seq, NULL), MP_OK); /* method may be NULL */
    CHECK(seq == 314159);

    n = 0;
    CHECK_ST(mp_sip_response_build(NULL, 200, NULL, NULL, out, sizeof out, &n),
             MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_response_build(req, 200, NULL, NULL, out, sizeof out, NULL),
             MP_ERR_NULL_POINTER);
    /* reason and to_tag may be NULL; a NULL out is a buffer of size 0. */
    n = 0;
    CHECK_ST(mp_sip_response_build(req, 200, NULL, NULL, NULL, 0, &n), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(n > 0);
    CHECK_ST(mp_sip_response_build(req, 200, NULL, NULL, NULL, sizeof out, &n),
             MP_ERR_BUFFER_TOO_SMALL);
    CHECK_ST(mp_sip_response_build(req, 200, NULL, NULL, out, sizeof out, &n), MP_OK);

    CHECK_ST(mp_sip_message_header_copy(NULL, "Via", 0, buf, sizeof buf, &n),
             MP_ERR_NULL_POINTER);
    CHECK_ST(mp_sip_message_header_copy(m, NULL, 0, buf, sizeof buf, &n), MP_ERR_NULL_POINTER);
    n = 0;
    CHECK_ST(mp_sip_message_header_copy(m, "CSeq", 0, NULL, 0, &n), MP_ERR_BUFFER_TOO_SMALL);
    CHECK(n == strlen("314159 INVITE") + 1);
    CHECK_ST(mp_sip_message_header_copy(m, "CSeq", 0, buf, sizeof buf, NULL), MP_OK);
    CHECK(strcmp(buf, "314159 INVITE") == 0);
    CHECK_ST(mp_sip_message_header_copy(m, "CSeq", 0, buf, 3, NULL), MP_ERR_BUFFER_TOO_SMALL);

    CHECK(mp_sip_header_canonical_name(NULL) == NULL);

    mp_sip_message_free(m);
    mp_sip_message_free(req);
}

static void test_request_accessors(void)
{
    mp_sip_message *m = parse_str(g_invite, g_invite_len);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    mp_slice s, name, value;
    bool is_req = false;
    uint16_t code = 1;
    uint32_t seq = 0;
    size_t count = 0;

    CHECK_ST(mp_sip_message_is_request(m, &is_req), MP_OK);
    CHECK(is_req);
    CHECK_ST(mp_sip_message_method(m, &s), MP_OK);
    CHECK(slice_eq(s, "INVITE"));
    CHECK_ST(mp_sip_message_request_uri(m, &s), MP_OK);
    CHECK(slice_eq(s, "sip:bob@example.com"));
    CHECK_ST(mp_sip_message_status(m, &code, &s), MP_ERR_NOT_FOUND);

    /* Eleven fields: the folded Subject counts once. */
    CHECK_ST(mp_sip_message_header_count(m, &count), MP_OK);
    CHECK(count == 11);
    CHECK_ST(mp_sip_message_header_at(m, 0, &name, &value), MP_OK);
    CHECK(slice_eq(name, "Via"));
    CHECK(slice_eq(value, "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK74bf9;rport"));
    CHECK_ST(mp_sip_message_header_at(m, 1, &name, &value), MP_OK);
    CHECK(slice_eq(name, "v")); /* the name as written */
    CHECK_ST(mp_sip_message_header_at(m, 8, &name, &value), MP_OK);
    CHECK(slice_eq(name, "Subject"));
    CHECK(slice_eq(value, "lunch\r\n tomorrow?"));
    CHECK_ST(mp_sip_message_header_at(m, count - 1, &name, &value), MP_OK);
    CHECK(slice_eq(name, "Content-Length"));
    CHECK_ST(mp_sip_message_header_at(m, count, &name, &value), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_header_at(m, SIZE_MAX, &name, &value), MP_ERR_NOT_FOUND);

    CHECK_ST(mp_sip_message_call_id(m, &s), MP_OK);
    CHECK(slice_eq(s, CALL_ID));
    CHECK_ST(mp_sip_message_cseq(m, &seq, &s), MP_OK);
    CHECK(seq == 314159);
    CHECK(slice_eq(s, "INVITE"));
    CHECK_ST(mp_sip_message_body(m, &s), MP_OK);
    CHECK(slice_eq(s, SDP));

    /* Nothing failed yet, so there is no error text, but never NULL. */
    const char *le = mp_sip_message_last_error(m);
    CHECK(le != NULL && le[0] == '\0');
    CHECK_ST(mp_sip_message_validate(m), MP_OK);
    mp_sip_message_free(m);
}

/* Datagram bytes past Content-Length are not part of the message. */
static void test_body_stops_at_content_length(void)
{
    char buf[1100];
    memcpy(buf, g_invite, g_invite_len);
    memcpy(buf + g_invite_len, "TRAILING", 8);
    mp_sip_message *m = parse_str(buf, g_invite_len + 8);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    mp_slice body;
    CHECK_ST(mp_sip_message_body(m, &body), MP_OK);
    CHECK(slice_eq(body, SDP));
    mp_sip_message_free(m);
}

/* The message keeps its own copy: slices stay valid after the caller's
 * buffer is gone (valgrind flags it if not). */
static void test_parse_copies_input(void)
{
    char *copy = malloc(g_invite_len);
    CHECK(copy != NULL);
    if (copy == NULL)
        return;
    memcpy(copy, g_invite, g_invite_len);
    mp_sip_message *m = parse_str(copy, g_invite_len);
    memset(copy, 'X', g_invite_len);
    free(copy);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    mp_slice s;
    CHECK_ST(mp_sip_message_method(m, &s), MP_OK);
    CHECK(slice_eq(s, "INVITE"));
    CHECK_ST(mp_sip_message_header(m, "Call-ID", 0, &s), MP_OK);
    CHECK(slice_eq(s, CALL_ID));
    CHECK_ST(mp_sip_message_body(m, &s), MP_OK);
    CHECK(slice_eq(s, SDP));
    mp_sip_message_free(m);
}

static void test_compact_forms(void)
{
    mp_sip_message *m = PARSE_LIT(REGISTER);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    mp_slice s;

    /* Long and compact names find each other, in message order. */
    CHECK_ST(mp_sip_message_header(m, "Via", 0, &s), MP_OK);
    CHECK(slice_eq(s, "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKa"));
    CHECK_ST(mp_sip_message_header(m, "Via", 1, &s), MP_OK);
    CHECK(slice_eq(s, "SIP/2.0/TCP 192.0.2.5;branch=z9hG4bKb"));
    CHECK_ST(mp_sip_message_header(m, "VIA", 2, &s), MP_OK);
    CHECK(slice_eq(s, "SIP/2.0/UDP 192.0.2.6;branch=z9hG4bKc"));
    CHECK_ST(mp_sip_message_header(m, "v", 1, &s), MP_OK);
    CHECK(slice_eq(s, "SIP/2.0/TCP 192.0.2.5;branch=z9hG4bKb"));
    CHECK_ST(mp_sip_message_header(m, "Via", 3, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_header(m, "v", SIZE_MAX, &s), MP_ERR_NOT_FOUND);

    CHECK_ST(mp_sip_message_header(m, "i", 0, &s), MP_OK);
    CHECK(slice_eq(s, "reg-123@192.0.2.4"));
    CHECK_ST(mp_sip_message_header(m, "call-id", 0, &s), MP_OK);
    CHECK(slice_eq(s, "reg-123@192.0.2.4"));
    CHECK_ST(mp_sip_message_header(m, "Call-ID", 1, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_header(m, "Contact", 0, &s), MP_OK);
    CHECK(slice_eq(s, "<sip:alice@192.0.2.4>"));
    CHECK_ST(mp_sip_message_header(m, "Content-Length", 0, &s), MP_OK);
    CHECK(slice_eq(s, "0"));

    /* Unknown names match case-insensitively, but only themselves. */
    CHECK_ST(mp_sip_message_header(m, "X-Custom", 0, &s), MP_OK);
    CHECK(slice_eq(s, "one"));
    CHECK_ST(mp_sip_message_header(m, "X-CUSTOM", 1, &s), MP_OK);
    CHECK(slice_eq(s, "two"));
    CHECK_ST(mp_sip_message_header(m, "X-Custom", 2, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_header(m, "X-Other", 0, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_header(m, "", 0, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_header(m, "Subject", 0, &s), MP_ERR_NOT_FOUND);

    /* A name that is not UTF-8 is an argument error, not a crash. */
    CHECK_ST(mp_sip_message_header(m, "\xff\xfe", 0, &s), MP_ERR_INVALID_ARGUMENT);

    CHECK_ST(mp_sip_message_call_id(m, &s), MP_OK);
    CHECK(slice_eq(s, "reg-123@192.0.2.4"));
    CHECK_ST(mp_sip_message_validate(m), MP_OK);
    mp_sip_message_free(m);

    const char *c;
    c = mp_sip_header_canonical_name("v");
    CHECK(c != NULL && strcmp(c, "Via") == 0);
    c = mp_sip_header_canonical_name("VIA");
    CHECK(c != NULL && strcmp(c, "Via") == 0);
    c = mp_sip_header_canonical_name("i");
    CHECK(c != NULL && strcmp(c, "Call-ID") == 0);
    c = mp_sip_header_canonical_name("cAlL-iD");
    CHECK(c != NULL && strcmp(c, "Call-ID") == 0);
    c = mp_sip_header_canonical_name("l");
    CHECK(c != NULL && strcmp(c, "Content-Length") == 0);
    c = mp_sip_header_canonical_name("cseq");
    CHECK(c != NULL && strcmp(c, "CSeq") == 0);
    c = mp_sip_header_canonical_name("www-authenticate");
    CHECK(c != NULL && strcmp(c, "WWW-Authenticate") == 0);
    CHECK(mp_sip_header_canonical_name("X-Custom") == NULL);
    CHECK(mp_sip_header_canonical_name("") == NULL);
    CHECK(mp_sip_header_canonical_name("\xff") == NULL);
}

static void test_response_message(void)
{
    mp_sip_message *m = PARSE_LIT(BUSY);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    mp_slice s = {NULL, 0};
    bool is_req = true;
    uint16_t code = 0;
    uint8_t out[256];
    size_t written = 0;

    CHECK_ST(mp_sip_message_is_request(m, &is_req), MP_OK);
    CHECK(!is_req);
    CHECK_ST(mp_sip_message_method(m, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_request_uri(m, &s), MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_status(m, &code, &s), MP_OK);
    CHECK(code == 486);
    CHECK(slice_eq(s, "Busy Here"));
    CHECK_ST(mp_sip_message_body(m, &s), MP_OK);
    CHECK(s.len == 0);
    CHECK_ST(mp_sip_message_validate(m), MP_OK);
    /* Only a request can be answered. */
    CHECK_ST(mp_sip_response_build(m, 200, NULL, "t1", out, sizeof out, &written),
             MP_ERR_INVALID_ARGUMENT);
    mp_sip_message_free(m);
}

static void test_header_copy(void)
{
    mp_sip_message *m = parse_str(g_invite, g_invite_len);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    const size_t want = strlen(CALL_ID) + 1;
    char buf[128];
    size_t needed = 0;

    memset(buf, 0x5a, sizeof buf);
    CHECK_ST(mp_sip_message_header_copy(m, "Call-ID", 0, buf, want - 1, &needed),
             MP_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == want);
    CHECK(buf[0] == 0x5a && buf[want - 2] == 0x5a); /* untouched */
    needed = 0;
    CHECK_ST(mp_sip_message_header_copy(m, "Call-ID", 0, buf, 0, &needed),
             MP_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == want);

    needed = 0;
    CHECK_ST(mp_sip_message_header_copy(m, "Call-ID", 0, buf, want, &needed), MP_OK);
    CHECK(needed == want);
    CHECK(strcmp(buf, CALL_ID) == 0);
    CHECK(buf[want - 1] == '\0' && buf[want] == 0x5a);

    /* The compact name, and a folded value with its line break kept. */
    CHECK_ST(mp_sip_message_header_copy(m, "i", 0, buf, sizeof buf, &needed), MP_OK);
    CHECK(strcmp(buf, CALL_ID) == 0);
    CHECK_ST(mp_sip_message_header_copy(m, "subject", 0, buf, sizeof buf, &needed), MP_OK);
    CHECK(strcmp(buf, "lunch\r\n tomorrow?") == 0);
    CHECK(needed == strlen("lunch\r\n tomorrow?") + 1);
    CHECK_ST(mp_sip_message_header_copy(m, "Via", 1, buf, sizeof buf, &needed), MP_OK);
    CHECK(strcmp(buf, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK4b43c2ff8.1") == 0);
    CHECK_ST(mp_sip_message_header_copy(m, "Via", 2, buf, sizeof buf, &needed),
             MP_ERR_NOT_FOUND);
    CHECK_ST(mp_sip_message_header_copy(m, "X-Nothing", 0, buf, sizeof buf, &needed),
             MP_ERR_NOT_FOUND);
    mp_sip_message_free(m);
}

static void test_response_build(void)
{
    mp_sip_message *req = parse_str(g_invite, g_invite_len);
    CHECK(req != NULL);
    if (req == NULL)
        return;
    uint8_t small[16];
    size_t needed = 0, written = 0;

    memset(small, 0x5a, sizeof small);
    CHECK_ST(mp_sip_response_build(req, 200, NULL, "abc123", small, sizeof small, &needed),
             MP_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > sizeof small);
    CHECK(small[0] == 0x5a && small[sizeof small - 1] == 0x5a);
    size_t again = 0;
    CHECK_ST(mp_sip_response_build(req, 200, NULL, "abc123", small, 0, &again),
             MP_ERR_BUFFER_TOO_SMALL);
    CHECK(again == needed);

    uint8_t *out = malloc(needed + 1);
    CHECK(out != NULL);
    if (out == NULL) {
        mp_sip_message_free(req);
        return;
    }
    out[needed] = 0xa5;
    CHECK_ST(mp_sip_response_build(req, 200, NULL, "abc123", out, needed - 1, &written),
             MP_ERR_BUFFER_TOO_SMALL);
    CHECK(written == needed);
    written = 0;
    CHECK_ST(mp_sip_response_build(req, 200, NULL, "abc123", out, needed, &written), MP_OK);
    CHECK(written == needed);
    CHECK(out[needed] == 0xa5); /* nothing past the length given */

    mp_sip_message *resp = NULL;
    mp_sip_parse_error err;
    CHECK_ST(mp_sip_message_parse(out, written, &resp, &err), MP_OK);
    free(out);
    if (resp != NULL) {
        mp_slice s;
        bool is_req = true;
        uint16_t code = 0;
        uint32_t seq = 0;
        CHECK_ST(mp_sip_message_is_request(resp, &is_req), MP_OK);
        CHECK(!is_req);
        CHECK_ST(mp_sip_message_status(resp, &code, &s), MP_OK);
        CHECK(code == 200);
        CHECK(slice_eq(s, "OK"));
        CHECK_ST(mp_sip_message_header(resp, "To", 0, &s), MP_OK);
        CHECK(slice_eq(s, "Bob <sip:bob@example.com>;tag=abc123"));
        CHECK_ST(mp_sip_message_header(resp, "From", 0, &s), MP_OK);
        CHECK(slice_eq(s, "Alice <sip:alice@example.com>;tag=9fxced76sl"));
        CHECK_ST(mp_sip_message_call_id(resp, &s), MP_OK);
        CHECK(slice_eq(s, CALL_ID));
        CHECK_ST(mp_sip_message_cseq(resp, &seq, &s), MP_OK);
        CHECK(seq == 314159 && slice_eq(s, "INVITE"));
        CHECK_ST(mp_sip_message_header(resp, "Via", 0, &s), MP_OK);
        CHECK(slice_eq(s, "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK74bf9;rport"));
        CHECK_ST(mp_sip_message_header(resp, "Via", 1, &s), MP_OK);
        CHECK(slice_eq(s, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK4b43c2ff8.1"));
        CHECK_ST(mp_sip_message_header(resp, "Via", 2, &s), MP_ERR_NOT_FOUND);
        CHECK_ST(mp_sip_message_body(resp, &s), MP_OK);
        CHECK(s.len == 0);
        CHECK_ST(mp_sip_message_validate(resp), MP_OK);
        mp_sip_message_free(resp);
    }

    /* Own reason, no tag: To is copied as it was. */
    uint8_t buf[1024];
    CHECK_ST(mp_sip_response_build(req, 182, "Queued Behind Two", NULL, buf, sizeof buf, &written),
             MP_OK);
    resp = NULL;
    CHECK_ST(mp_sip_message_parse(buf, written, &resp, &err), MP_OK);
    if (resp != NULL) {
        mp_slice s;
        uint16_t code = 0;
        CHECK_ST(mp_sip_message_status(resp, &code, &s), MP_OK);
        CHECK(code == 182 && slice_eq(s, "Queued Behind Two"));
        CHECK_ST(mp_sip_message_header(resp, "t", 0, &s), MP_OK);
        CHECK(slice_eq(s, "Bob <sip:bob@example.com>"));
        mp_sip_message_free(resp);
    }

    /* A 100 never gets a tag. */
    CHECK_ST(mp_sip_response_build(req, 100, NULL, "abc123", buf, sizeof buf, &written), MP_OK);
    resp = NULL;
    CHECK_ST(mp_sip_message_parse(buf, written, &resp, &err), MP_OK);
    if (resp != NULL) {
        mp_slice s;
        CHECK_ST(mp_sip_message_header(resp, "To", 0, &s), MP_OK);
        CHECK(slice_eq(s, "Bob <sip:bob@example.com>"));
        mp_sip_message_free(resp);
    }

    /* Arguments the builder refuses. */
    CHECK_ST(mp_sip_response_build(req, 99, NULL, NULL, buf, sizeof buf, &written),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_sip_response_build(req, 700, NULL, NULL, buf, sizeof buf, &written),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_sip_response_build(req, 200, NULL, "not a token", buf, sizeof buf, &written),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_sip_response_build(req, 200, NULL, "", buf, sizeof buf, &written),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_sip_response_build(req, 200, "OK\r\nX-Injected: 1", NULL, buf, sizeof buf,
                                   &written),
             MP_ERR_INVALID_ARGUMENT);
    CHECK_ST(mp_sip_response_build(req, 200, "\xff", NULL, buf, sizeof buf, &written),
             MP_ERR_INVALID_ARGUMENT);
    mp_sip_message_free(req);

    /* In a dialog the To already has its tag, which stays the only one;
     * a 100 copies Timestamp. */
    req = PARSE_LIT(REINVITE);
    CHECK(req != NULL);
    if (req == NULL)
        return;
    CHECK_ST(mp_sip_response_build(req, 200, NULL, "other", buf, sizeof buf, &written), MP_OK);
    resp = NULL;
    CHECK_ST(mp_sip_message_parse(buf, written, &resp, &err), MP_OK);
    if (resp != NULL) {
        mp_slice s;
        CHECK_ST(mp_sip_message_header(resp, "To", 0, &s), MP_OK);
        CHECK(slice_eq(s, "Alice <sip:alice@example.com>;tag=9fxced76sl"));
        mp_sip_message_free(resp);
    }
    CHECK_ST(mp_sip_response_build(req, 100, NULL, NULL, buf, sizeof buf, &written), MP_OK);
    resp = NULL;
    CHECK_ST(mp_sip_message_parse(buf, written, &resp, &err), MP_OK);
    if (resp != NULL) {
        mp_slice s;
        CHECK_ST(mp_sip_message_header(resp, "Timestamp", 0, &s), MP_OK);
        CHECK(slice_eq(s, "54"));
        mp_sip_message_free(resp);
    }
    mp_sip_message_free(req);
}

static void test_validate_and_decode_errors(void)
{
    mp_sip_message *m = PARSE_LIT(BAD_CSEQ);
    CHECK(m != NULL);
    if (m != NULL) {
        const char *le = mp_sip_message_last_error(m);
        CHECK(le != NULL && le[0] == '\0');
        CHECK_ST(mp_sip_message_validate(m), MP_ERR_INVALID);
        le = mp_sip_message_last_error(m);
        CHECK(le != NULL && le[0] != '\0');
        CHECK(le != NULL && strstr(le, "cseq") != NULL);
        /* Decoding alone does not mind: the CSeq is well-formed. */
        mp_slice s;
        uint32_t seq = 0;
        CHECK_ST(mp_sip_message_cseq(m, &seq, &s), MP_OK);
        CHECK(seq == 63104 && slice_eq(s, "INVITE"));
        mp_sip_message_free(m);
    }

    m = PARSE_LIT(BAD_FIELDS);
    CHECK(m != NULL);
    if (m != NULL) {
        mp_slice s = {NULL, 0};
        uint32_t seq = 0;
        CHECK_ST(mp_sip_message_call_id(m, &s), MP_ERR_PARSE);
        const char *le = mp_sip_message_last_error(m);
        CHECK(le != NULL && strstr(le, "call-id") != NULL);
        CHECK_ST(mp_sip_message_cseq(m, &seq, &s), MP_ERR_PARSE);
        le = mp_sip_message_last_error(m);
        CHECK(le != NULL && strstr(le, "cseq") != NULL);
        CHECK_ST(mp_sip_message_validate(m), MP_ERR_PARSE);
        /* The raw value is still there for whoever wants it. */
        CHECK_ST(mp_sip_message_header(m, "Call-ID", 0, &s), MP_OK);
        CHECK(slice_eq(s, "has space"));
        mp_sip_message_free(m);
    }

    m = PARSE_LIT(NO_CSEQ);
    CHECK(m != NULL);
    if (m != NULL) {
        mp_slice s;
        uint32_t seq = 0;
        CHECK_ST(mp_sip_message_cseq(m, &seq, &s), MP_ERR_NOT_FOUND);
        CHECK_ST(mp_sip_message_call_id(m, &s), MP_ERR_NOT_FOUND);
        CHECK_ST(mp_sip_message_validate(m), MP_ERR_INVALID);
        const char *le = mp_sip_message_last_error(m);
        CHECK(le != NULL && strstr(le, "missing") != NULL);
        uint8_t buf[512];
        size_t written = 0;
        CHECK_ST(mp_sip_response_build(m, 200, NULL, NULL, buf, sizeof buf, &written),
                 MP_ERR_NOT_FOUND);
        mp_sip_message_free(m);
    }
}

static void test_content_length_too_large(void)
{
    char buf[1024];
    const char *cl = strstr(g_invite, "Content-Length: ");
    CHECK(cl != NULL);
    if (cl == NULL)
        return;
    size_t value_off = (size_t)(cl - g_invite) + strlen("Content-Length: ");
    /* Same message, Content-Length 40 bytes more than the body. */
    int n = snprintf(buf, sizeof buf, INVITE_HEAD "Content-Length: %zu\r\n\r\n" SDP,
                     strlen(SDP) + 40);
    CHECK(n > 0 && (size_t)n < sizeof buf);

    mp_sip_message *m = NOT_NULL_MSG;
    mp_sip_parse_error err;
    memset(&err, 0, sizeof err);
    CHECK_ST(mp_sip_message_parse((const uint8_t *)buf, (size_t)n, &m, &err), MP_ERR_PARSE);
    CHECK(m == NULL);
    CHECK(err.status == MP_ERR_PARSE);
    CHECK(err.offset == value_off);
    CHECK(strstr(err.message, "content-length") != NULL);
}

/* Every strict prefix of a message with a body is short of something. */
static void test_truncated(void)
{
    unsigned bad = 0;
    for (size_t len = 0; len < g_invite_len; len++) {
        mp_sip_message *m = NOT_NULL_MSG;
        mp_sip_parse_error err;
        memset(&err, 0, sizeof err);
        mp_status st = mp_sip_message_parse((const uint8_t *)g_invite, len, &m, &err);
        /* A datagram that ends right after a complete header line is a
         * message without a body (the datagram delimits it). */
        bool at_line_end = len > 2 && g_invite[len - 2] == '\r' && g_invite[len - 1] == '\n';
        if (st == MP_OK && at_line_end && m != NULL && m != NOT_NULL_MSG) {
            mp_sip_message_free(m);
            continue;
        }
        bool ok = st != MP_OK && m == NULL && err.status == st &&
                  (st == MP_ERR_PARSE || st == MP_ERR_INCOMPLETE) && err.offset <= len &&
                  memchr(err.message, 0, sizeof err.message) != NULL && err.message[0] != '\0';
        if (!ok) {
            if (bad++ == 0)
                fprintf(stderr, "truncated to %zu: status %d offset %zu\n", len, (int)st,
                        err.offset);
            if (st == MP_OK && m != NULL && m != NOT_NULL_MSG)
                mp_sip_message_free(m);
        }
    }
    CHECK(bad == 0);
}

/* Parses `data`; on success calls every accessor, on failure checks the
 * error report. Returns false when something is off. */
static bool exercise(const uint8_t *data, size_t len)
{
    mp_sip_message *m = NOT_NULL_MSG;
    mp_sip_parse_error err;
    memset(&err, 0xee, sizeof err);
    mp_status st = mp_sip_message_parse(data, len, &m, &err);
    if (st != MP_OK) {
        return m == NULL && err.status == st &&
               (st == MP_ERR_PARSE || st == MP_ERR_INCOMPLETE || st == MP_ERR_LIMIT) &&
               (err.offset == SIZE_MAX || err.offset <= len) &&
               memchr(err.message, 0, sizeof err.message) != NULL && err.message[0] != '\0';
    }
    if (m == NULL || m == NOT_NULL_MSG)
        return false;

    bool ok = true;
    bool is_req = false;
    mp_slice s, name, value;
    uint16_t code;
    uint32_t seq;
    size_t count = 0;
    ok &= mp_sip_message_is_request(m, &is_req) == MP_OK;
    if (is_req) {
        ok &= mp_sip_message_method(m, &s) == MP_OK && s.len > 0 && s.len <= len;
        ok &= mp_sip_message_request_uri(m, &s) == MP_OK && s.len <= len;
        ok &= mp_sip_message_status(m, &code, &s) == MP_ERR_NOT_FOUND;
    } else {
        ok &= mp_sip_message_status(m, &code, &s) == MP_OK && code >= 100 && code <= 699;
        ok &= mp_sip_message_method(m, &s) == MP_ERR_NOT_FOUND;
    }
    ok &= mp_sip_message_header_count(m, &count) == MP_OK && count <= len;
    for (size_t i = 0; i < count; i++) {
        ok &= mp_sip_message_header_at(m, i, &name, &value) == MP_OK;
        ok &= name.len > 0 && name.len <= len && value.len <= len;
        /* Looking a field up by its own name finds something. */
        char nm[64];
        if (name.len < sizeof nm) {
            memcpy(nm, name.ptr, name.len);
            nm[name.len] = '\0';
            mp_status hs = mp_sip_message_header(m, nm, 0, &s);
            ok &= hs == MP_OK || hs == MP_ERR_INVALID_ARGUMENT;
            mp_sip_header_canonical_name(nm);
        }
    }
    ok &= mp_sip_message_header_at(m, count, &name, &value) == MP_ERR_NOT_FOUND;
    ok &= mp_sip_message_body(m, &s) == MP_OK && s.len <= len;

    mp_status cs = mp_sip_message_call_id(m, &s);
    ok &= cs == MP_OK || cs == MP_ERR_PARSE || cs == MP_ERR_NOT_FOUND;
    cs = mp_sip_message_cseq(m, &seq, &s);
    ok &= cs == MP_OK || cs == MP_ERR_PARSE || cs == MP_ERR_NOT_FOUND;
    mp_status vs = mp_sip_message_validate(m);
    ok &= vs != MP_ERR_PANIC && vs != MP_ERR_NULL_POINTER;
    const char *le = mp_sip_message_last_error(m);
    ok &= le != NULL && (vs == MP_OK || le[0] != '\0');

    char cbuf[32];
    size_t needed = 0;
    mp_status hc = mp_sip_message_header_copy(m, "Via", 0, cbuf, sizeof cbuf, &needed);
    ok &= hc == MP_OK || hc == MP_ERR_NOT_FOUND || hc == MP_ERR_BUFFER_TOO_SMALL;
    if (hc == MP_OK)
        ok &= strlen(cbuf) + 1 == needed;

    if (is_req) {
        size_t want = 0, written = 0;
        mp_status rs = mp_sip_response_build(m, 200, NULL, "t1", NULL, 0, &want);
        if (rs == MP_ERR_BUFFER_TOO_SMALL) {
            uint8_t *out = malloc(want);
            ok &= out != NULL;
            if (out != NULL) {
                ok &= mp_sip_response_build(m, 200, NULL, "t1", out, want, &written) == MP_OK;
                ok &= written == want;
                free(out);
            }
        } else {
            ok &= rs != MP_OK && rs != MP_ERR_PANIC && rs != MP_ERR_NULL_POINTER;
        }
    }
    mp_sip_message_free(m);
    return ok;
}

static void test_garbage(void)
{
    static uint8_t buf[2048];
    static const char alphabet[] = "SIP/2.0 INVITE sip:a@b;tag=1 Via: v: l: Content-Length: "
                                   "CSeq 1 To <> @ , \" \\ \r\n\r\n\t0123456789\xff";
    unsigned bad = 0, parsed_ok = 0;

    /* Uniform random bytes. */
    for (int iter = 0; iter < 500; iter++) {
        size_t len = (size_t)(rnd() % 512);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rnd();
        if (!exercise(buf, len) && bad++ == 0)
            fprintf(stderr, "random bytes, iteration %d: unexpected result\n", iter);
    }
    /* Random strings over the bytes SIP is made of. */
    for (int iter = 0; iter < 1500; iter++) {
        size_t len = (size_t)(rnd() % 400);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)alphabet[rnd() % (sizeof alphabet - 1)];
        if (!exercise(buf, len) && bad++ == 0)
            fprintf(stderr, "sip alphabet, iteration %d: unexpected result\n", iter);
    }
    /* A valid INVITE with a few bytes changed, inserted or cut. */
    static const uint8_t pokes[] = {'\r', '\n', ':', ' ', '\t', ';', ',', '<', '>', '"', 0, 0xff};
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = g_invite_len;
        memcpy(buf, g_invite, len);
        int edits = 1 + (int)(rnd() % 6);
        for (int e = 0; e < edits && len > 0; e++) {
            size_t at = (size_t)(rnd() % len);
            uint8_t b = (rnd() & 1) ? (uint8_t)rnd() : pokes[rnd() % sizeof pokes];
            switch (rnd() % 4) {
            case 0:
            case 1:
                buf[at] = b;
                break;
            case 2:
                if (len + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = b;
                    len++;
                }
                break;
            default:
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                break;
            }
        }
        if (rnd() % 8 == 0)
            len = (size_t)(rnd() % (len + 1));
        mp_sip_message *probe = NULL;
        if (mp_sip_message_parse(buf, len, &probe, NULL) == MP_OK)
            parsed_ok++;
        mp_sip_message_free(probe);
        if (!exercise(buf, len) && bad++ == 0)
            fprintf(stderr, "mutated invite, iteration %d: unexpected result\n", iter);
    }
    CHECK(bad == 0);
    /* The mutations must reach past the parser into the accessors. */
    CHECK(parsed_ok > 100);

    /* Bigger than the default 64 KiB message limit. */
    size_t big_len = 70 * 1024;
    uint8_t *big = malloc(big_len);
    CHECK(big != NULL);
    if (big != NULL) {
        memcpy(big, g_invite, g_invite_len);
        memset(big + g_invite_len, 'a', big_len - g_invite_len);
        mp_sip_message *m = NOT_NULL_MSG;
        mp_sip_parse_error err;
        CHECK_ST(mp_sip_message_parse(big, big_len, &m, &err), MP_ERR_LIMIT);
        CHECK(m == NULL);
        CHECK(err.status == MP_ERR_LIMIT);
        free(big);
    }
}

int main(void)
{
    build_invite();
    test_status_and_version();
    test_null_arguments();
    test_request_accessors();
    test_body_stops_at_content_length();
    test_parse_copies_input();
    test_compact_forms();
    test_response_message();
    test_header_copy();
    test_response_build();
    test_validate_and_decode_errors();
    test_content_length_too_large();
    test_truncated();
    test_garbage();
    printf("%u passed, %u failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
