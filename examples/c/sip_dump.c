/*
 * sip_dump: parse one SIP message (a datagram) and print what the library
 * sees in it, then the 200 OK a UAS would answer a request with.
 *
 * It shows the whole C calling pattern of the SIP layer: parse into an
 * opaque object, read borrowed mp_slice views (valid until the object is
 * freed), decode typed headers, validate, and size-then-fill a caller-owned
 * output buffer with MP_ERR_BUFFER_TOO_SMALL.
 *
 * Exit status: 0 the message parsed (the validation result is printed, not
 * reflected in the status), 1 it did not parse, 2 usage or I/O error.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediaplane.h"

#define EXIT_PARSE 1
#define EXIT_USAGE 2

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--to-tag TAG] [FILE | -]\n"
            "\n"
            "Parses one SIP message (a whole datagram) from FILE, or from stdin\n"
            "when FILE is absent or \"-\", and prints its start line, every\n"
            "header with its index, the decoded Call-ID and CSeq, the body\n"
            "length and the result of strict validation. For a request it\n"
            "also prints the 200 OK response built from it.\n"
            "\n"
            "  --to-tag TAG  tag added to the To of the response (default:\n"
            "                derived from the input, so reruns are identical)\n"
            "  --help        print this help\n"
            "\n"
            "Exit status: 0 parsed, 1 parse error, 2 usage or I/O error.\n"
            "mediaplane %s\n",
            prog, mp_version());
}

/* Reads the whole stream; NULL on an I/O or allocation error. */
static uint8_t *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    for (;;) {
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                return NULL;
            }
            break;
        }
    }
    *len = n;
    return buf;
}

/* Prints a slice from the network: printable ASCII as is, anything else
 * (a folded value's CRLF, control bytes, UTF-8) escaped, so hostile input
 * cannot drive the terminal. */
static void put_slice(mp_slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        uint8_t b = s.ptr[i];
        if (b == '\\')
            fputs("\\\\", stdout);
        else if (b >= 0x20 && b < 0x7f)
            putchar(b);
        else if (b == '\r')
            fputs("\\r", stdout);
        else if (b == '\n')
            fputs("\\n", stdout);
        else if (b == '\t')
            fputs("\\t", stdout);
        else
            printf("\\x%02x", b);
    }
}

/* A to-tag must be unique per dialog; hashing the request gives that for
 * distinct requests while keeping the output reproducible. */
static void default_tag(const uint8_t *data, size_t len, char out[16])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= data[i];
        h *= 16777619u;
    }
    snprintf(out, 16, "mp%08x", (unsigned)h);
}

static void print_start_line(const mp_sip_message *msg, bool is_request)
{
    if (is_request) {
        mp_slice method, uri;
        if (mp_sip_message_method(msg, &method) == MP_OK &&
            mp_sip_message_request_uri(msg, &uri) == MP_OK) {
            fputs("request: ", stdout);
            put_slice(method);
            putchar(' ');
            put_slice(uri);
            putchar('\n');
        }
    } else {
        uint16_t code;
        mp_slice reason;
        if (mp_sip_message_status(msg, &code, &reason) == MP_OK) {
            printf("response: %u ", (unsigned)code);
            put_slice(reason);
            putchar('\n');
        }
    }
}

static void print_headers(const mp_sip_message *msg)
{
    size_t count = 0;
    mp_sip_message_header_count(msg, &count);
    printf("headers: %zu\n", count);
    for (size_t i = 0; i < count; i++) {
        mp_slice name, value;
        if (mp_sip_message_header_at(msg, i, &name, &value) != MP_OK)
            break;
        printf("  [%zu] ", i);
        put_slice(name);
        fputs(": ", stdout);
        put_slice(value);
        putchar('\n');
    }
}

static void print_decoded(mp_sip_message *msg)
{
    mp_slice call_id, method, body;
    uint32_t seq;
    mp_status st;

    st = mp_sip_message_call_id(msg, &call_id);
    fputs("call-id: ", stdout);
    if (st == MP_OK)
        put_slice(call_id);
    else
        printf("(%s: %s)", mp_status_str(st), mp_sip_message_last_error(msg));
    putchar('\n');

    st = mp_sip_message_cseq(msg, &seq, &method);
    fputs("cseq: ", stdout);
    if (st == MP_OK) {
        printf("%lu ", (unsigned long)seq);
        put_slice(method);
    } else {
        printf("(%s: %s)", mp_status_str(st), mp_sip_message_last_error(msg));
    }
    putchar('\n');

    if (mp_sip_message_body(msg, &body) == MP_OK)
        printf("body: %zu bytes\n", body.len);
}

/* Builds the 200 OK: ask for the size with an empty buffer, then fill an
 * exact one. Returns 0, or EXIT_USAGE when memory runs out. */
static int print_response(const mp_sip_message *req, const char *to_tag)
{
    size_t needed = 0;
    mp_status st = mp_sip_response_build(req, 200, NULL, to_tag, NULL, 0, &needed);
    if (st != MP_ERR_BUFFER_TOO_SMALL) {
        printf("response: not built (%s)\n", mp_status_str(st));
        return 0;
    }
    uint8_t *out = malloc(needed);
    if (out == NULL) {
        fprintf(stderr, "sip_dump: out of memory\n");
        return EXIT_USAGE;
    }
    size_t written = 0;
    st = mp_sip_response_build(req, 200, NULL, to_tag, out, needed, &written);
    if (st != MP_OK) {
        printf("response: not built (%s)\n", mp_status_str(st));
        free(out);
        return 0;
    }
    printf("response (%zu bytes):\n", written);
    fwrite(out, 1, written, stdout);
    free(out);
    return 0;
}

int main(int argc, char **argv)
{
    const char *prog = argc > 0 ? argv[0] : "sip_dump";
    const char *path = NULL;
    const char *to_tag = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, prog);
            return 0;
        } else if (strcmp(argv[i], "--to-tag") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sip_dump: --to-tag needs a value\n");
                return EXIT_USAGE;
            }
            to_tag = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "sip_dump: unknown option %s\n", argv[i]);
            usage(stderr, prog);
            return EXIT_USAGE;
        } else if (path != NULL) {
            fprintf(stderr, "sip_dump: one input file at most\n");
            usage(stderr, prog);
            return EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }

    FILE *in = stdin;
    const char *in_name = "<stdin>";
    if (path != NULL && strcmp(path, "-") != 0) {
        in = fopen(path, "rb");
        if (in == NULL) {
            fprintf(stderr, "sip_dump: cannot open %s: ", path);
            perror(NULL);
            return EXIT_USAGE;
        }
        in_name = path;
    }
    size_t len = 0;
    uint8_t *data = read_all(in, &len);
    if (in != stdin)
        fclose(in);
    if (data == NULL) {
        fprintf(stderr, "sip_dump: cannot read %s\n", in_name);
        return EXIT_USAGE;
    }

    mp_sip_message *msg = NULL;
    mp_sip_parse_error err;
    mp_status st = mp_sip_message_parse(data, len, &msg, &err);
    if (st != MP_OK) {
        fprintf(stderr, "sip_dump: %s: parse error", in_name);
        if (err.offset != SIZE_MAX)
            fprintf(stderr, " at offset %zu of %zu bytes", err.offset, len);
        fprintf(stderr, ": %s (%s)\n", err.message, mp_status_str(st));
        free(data);
        return EXIT_PARSE;
    }

    bool is_request = false;
    mp_sip_message_is_request(msg, &is_request);
    print_start_line(msg, is_request);
    print_headers(msg);
    print_decoded(msg);

    st = mp_sip_message_validate(msg);
    if (st == MP_OK)
        printf("validate: ok\n");
    else
        printf("validate: %s: %s\n", mp_status_str(st), mp_sip_message_last_error(msg));

    int rc = 0;
    if (is_request) {
        char tag[16];
        if (to_tag == NULL) {
            default_tag(data, len, tag);
            to_tag = tag;
        }
        rc = print_response(msg, to_tag);
    }
    mp_sip_message_free(msg);
    free(data);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "sip_dump: write error on stdout\n");
        return EXIT_USAGE;
    }
    return rc;
}
