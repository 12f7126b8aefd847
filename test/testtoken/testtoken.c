/* Tokensign emulated test token: a PKCS#11 module for what SoftHSM cannot do (GOST, PIN lockout, unplugging).
 * Test fixture only, never installed for users.
 *
 * Configuration: env TESTTOKEN_CONFIG = path of a JSON file
 *   {"tokens": [{"label", "serial", "pin", "maxPinTries", "present": bool,
 *                "objects": [{"id": <hex CKA_ID>, "label", "certificate": <DER path>, "privateKey": <PEM path>,
 *                             "signingKey": <PEM path> (optional)}],
 *                "mechanisms": [<CKM numbers>] (optional: offer only these),
 *                "findDelayMs": <ms> (optional: each C_FindObjectsInit takes this long, as a slow real token reads)}]}
 * Slot i is tokens[i]. The file is re-read at C_GetSlotList and whenever it changes (checked at every call), so a
 * test unplugs a token by rewriting it with "present": false (write a temp file and rename it over).
 * PIN failures and the lock persist in <config>.state.json: {"<serial>": {"failures": n, "locked": bool}}.
 *
 * Conventions:
 *  - CKM_GOSTR3410 / CKM_GOSTR3410_512 take the 32/64-byte GOST R 34.11-2012 hash exactly as the hash function
 *    outputs it (as OpenSSL's md_gost12_* prints it) and return s || r, each big-endian, 32/64 bytes: the
 *    byte order of RFC 4491 2.2.2 / RFC 9215, which is also what a CMS SignerInfo.signature holds.
 *  - CKM_GOSTR3410_WITH_GOSTR3411_12_256/512 hash the data with Streebog, then as above.
 *  - CKM_ECDSA returns r || s (raw, PKCS#11 style); CKM_RSA_PKCS pads and signs the given DigestInfo.
 *  - The wrong PIN that uses up the last try returns CKR_PIN_LOCKED; later logins return CKR_PIN_LOCKED too.
 *  - GOST public key CKA_VALUE is X || Y little-endian (the content of the certificate's OCTET STRING).
 *  - "signingKey" models a card swapped in the reader under a module that kept its view of the old card (OpenSC
 *    after a card reset, issue 15): every object, the serial and the label stay as they were, and signatures are
 *    made with that other key. Adding it to a running token's config keeps its sessions (same serial).
 *  - Only CKU_USER logs in; there is no SO and nothing can be created, changed or generated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "json.h"
#include "tt_pkcs11.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_SLOTS 16
#define MAX_OBJECTS 64
#define MAX_SESSIONS 256
#define MIN_PIN 4
#define MAX_PIN 64
/* Where Debian and others put the gost engine; TESTTOKEN_GOST_ENGINE or OPENSSL_ENGINES come first. */
static const char *const ENGINE_PATHS[] = {
  "/usr/lib/x86_64-linux-gnu/engines-3/gost.so",
  "/usr/lib/aarch64-linux-gnu/engines-3/gost.so",
  "/usr/lib64/engines-3/gost.so",
  "/usr/lib/engines-3/gost.so",
};

enum key_kind { KEY_NONE, KEY_RSA, KEY_EC, KEY_GOST256, KEY_GOST512 };
enum obj_kind { OBJ_CERT = 1, OBJ_PRIV = 2, OBJ_PUB = 3 };

typedef struct {
  unsigned char *p;
  size_t n;
} bytes;

typedef struct {
  bytes id;
  char *label;
  /* certificate */
  bytes cert_der, subject, issuer, serial;
  int has_cert;
  /* key: pkey is the private key when has_priv, else the certificate's public key */
  EVP_PKEY *pkey;
  /* "signingKey": what signs instead of pkey (a swapped card the module does not see), or NULL */
  EVP_PKEY *sign_pkey;
  int has_priv;
  enum key_kind kind;
  bytes spki;        /* SubjectPublicKeyInfo DER */
  bytes params;      /* EC: curve OID DER; GOST: param set OID DER */
  bytes pub_value;   /* EC: DER OCTET STRING of the point; GOST: X||Y little-endian */
  bytes modulus, exponent;
  CK_ULONG bits;
} entry;

typedef struct {
  int exists;        /* listed in the config */
  int present;
  char *label, *serial, *pin;
  int max_tries;
  unsigned mech_mask; /* bit i: MECHS[i] offered ("mechanisms" in the config; all when absent) */
  unsigned find_delay_ms; /* "findDelayMs": how long each C_FindObjectsInit takes */
  entry entries[MAX_OBJECTS];
  size_t n_entries;
  unsigned generation; /* bumped on removal or replacement: older sessions are gone */
  int logged_in;
} slot;

typedef struct {
  int used;
  CK_SLOT_ID slot;
  unsigned generation;
  CK_FLAGS flags;
  /* find */
  int find_active;
  CK_OBJECT_HANDLE *found;
  size_t found_n, found_pos;
  /* sign */
  int sign_active;
  CK_MECHANISM_TYPE mech;
  CK_OBJECT_HANDLE key;
  unsigned char *buf;
  size_t buf_n;
  int multipart;
} session;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static slot slots[MAX_SLOTS];
static size_t n_slots;
static session sessions[MAX_SESSIONS];
static char *config_path;
static struct stat config_stat;
static int config_seen;
static ENGINE *gost_engine; /* loaded once per process and kept: unloading engines is not safe */
static int engine_tried;

/* ---------- small helpers ---------- */

static void warn(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "testtoken: ");
  fprintf(stderr, fmt, a ? a : "", b ? b : "");
  fputc('\n', stderr);
}

static void bytes_free(bytes *b) {
  OPENSSL_free(b->p);
  b->p = NULL;
  b->n = 0;
}

static int bytes_set(bytes *b, const void *p, size_t n) {
  b->p = OPENSSL_malloc(n ? n : 1);
  if (!b->p) return 0;
  if (n) memcpy(b->p, p, n);
  b->n = n;
  return 1;
}

static void pad_copy(CK_UTF8CHAR *dst, size_t size, const char *src) {
  memset(dst, ' ', size);
  if (!src) return;
  size_t n = strlen(src);
  if (n > size) {
    n = size;
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--; /* never split a UTF-8 character */
  }
  memcpy(dst, src, n);
}

static char *dup_str(const json_value *v) {
  return (v && v->type == JSON_STRING) ? strdup(v->string) : NULL;
}

static int hex_decode(const char *hex, bytes *out) {
  size_t len = strlen(hex);
  if (len % 2 || len > 256) return 0;
  unsigned char buf[128];
  for (size_t i = 0; i < len / 2; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
        !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
      return 0;
    buf[i] = (unsigned char)v;
  }
  return bytes_set(out, buf, len / 2);
}

static int read_file(const char *path, bytes *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  unsigned char *data = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 4096;
      if (cap > (16u << 20)) break;
      unsigned char *d = OPENSSL_realloc(data, cap);
      if (!d) break;
      data = d;
    }
    size_t r = fread(data + n, 1, cap - n, f);
    n += r;
    if (r == 0) {
      int ok = !ferror(f);
      fclose(f);
      if (!ok) { OPENSSL_free(data); return 0; }
      out->p = data;
      out->n = n;
      return 1;
    }
  }
  fclose(f);
  OPENSSL_free(data);
  return 0;
}

/* DER of the first element inside a SEQUENCE (e.g. the param-set OID of GOST key parameters). */
static int first_in_sequence(const unsigned char *p, long n, bytes *out) {
  const unsigned char *q = p;
  long len;
  int tag, cls;
  int r = ASN1_get_object(&q, &len, &tag, &cls, n);
  if (r & 0x80 || tag != V_ASN1_SEQUENCE) return 0;
  const unsigned char *inner = q;
  r = ASN1_get_object(&q, &len, &tag, &cls, n - (q - p));
  if (r & 0x80) return 0;
  return bytes_set(out, inner, (size_t)(q - inner) + (size_t)len);
}

/* ---------- OpenSSL and the gost engine ---------- */

static ENGINE *load_engine(void) {
  if (engine_tried) return gost_engine;
  engine_tried = 1;
  ENGINE_load_dynamic();
  ENGINE *e = ENGINE_by_id("gost");
  if (!e) {
    /* Inside Node, OpenSSL's engine directory is unset: load the shared object by path. */
    ERR_clear_error();
    char from_env[4096] = "";
    const char *dir = getenv("OPENSSL_ENGINES");
    if (dir && *dir) snprintf(from_env, sizeof from_env, "%s/gost.so", dir);
    const char *first = getenv("TESTTOKEN_GOST_ENGINE");
    const char *candidates[2 + sizeof ENGINE_PATHS / sizeof ENGINE_PATHS[0]];
    size_t n = 0;
    if (first && *first) candidates[n++] = first;
    if (*from_env) candidates[n++] = from_env;
    for (size_t i = 0; i < sizeof ENGINE_PATHS / sizeof ENGINE_PATHS[0]; i++) candidates[n++] = ENGINE_PATHS[i];
    for (size_t i = 0; i < n && !e; i++) {
      if (access(candidates[i], R_OK) != 0) continue;
      e = ENGINE_by_id("dynamic");
      if (e && (!ENGINE_ctrl_cmd_string(e, "SO_PATH", candidates[i], 0) || !ENGINE_ctrl_cmd_string(e, "ID", "gost", 0) ||
                !ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0))) {
        ENGINE_free(e);
        e = NULL;
      }
      ERR_clear_error();
    }
  }
  if (!e || !ENGINE_init(e)) {
    warn("cannot load the gost engine (%s%s); GOST objects are skipped", e ? "init failed" : "not found", NULL);
    if (e) ENGINE_free(e);
    ERR_clear_error();
    return NULL;
  }
  /* GOST PEM keys and key methods must be found by OpenSSL's lookups, not just through this handle. */
  ENGINE_set_default(e, ENGINE_METHOD_PKEY_METHS | ENGINE_METHOD_PKEY_ASN1_METHS | ENGINE_METHOD_DIGESTS);
  gost_engine = e;
  return e;
}

static enum key_kind kind_of(EVP_PKEY *k) {
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA: return KEY_RSA;
    case EVP_PKEY_EC: return KEY_EC;
    case NID_id_GostR3410_2012_256: return KEY_GOST256;
    case NID_id_GostR3410_2012_512: return KEY_GOST512;
    default: return KEY_NONE;
  }
}

static int bn_param(EVP_PKEY *k, const char *name, bytes *out) {
  BIGNUM *bn = NULL;
  if (!EVP_PKEY_get_bn_param(k, name, &bn)) return 0;
  size_t n = (size_t)BN_num_bytes(bn);
  int ok = 0;
  out->p = OPENSSL_malloc(n ? n : 1);
  if (out->p) {
    out->n = (size_t)BN_bn2bin(bn, out->p);
    ok = 1;
  }
  BN_free(bn);
  return ok;
}

/* Fill the public attributes of an entry from its key. */
static int describe_key(entry *e) {
  e->kind = kind_of(e->pkey);
  if (e->kind == KEY_NONE) return 0;
  unsigned char *der = NULL;
  int len = i2d_PUBKEY(e->pkey, &der);
  if (len <= 0) return 0;
  e->spki.p = der;
  e->spki.n = (size_t)len;
  const unsigned char *q = der;
  X509_PUBKEY *xp = d2i_X509_PUBKEY(NULL, &q, len);
  if (!xp) return 0;
  const unsigned char *pk;
  int pklen;
  X509_ALGOR *alg;
  int ok = X509_PUBKEY_get0_param(NULL, &pk, &pklen, &alg, xp);
  if (ok) {
    int ptype;
    const void *pval;
    X509_ALGOR_get0(NULL, &ptype, &pval, alg);
    e->bits = (CK_ULONG)EVP_PKEY_get_bits(e->pkey);
    if (e->kind == KEY_RSA) {
      ok = bn_param(e->pkey, OSSL_PKEY_PARAM_RSA_N, &e->modulus) && bn_param(e->pkey, OSSL_PKEY_PARAM_RSA_E, &e->exponent);
    } else if (e->kind == KEY_EC) {
      unsigned char *pd = NULL;
      int pl = ptype == V_ASN1_OBJECT ? i2d_ASN1_OBJECT((ASN1_OBJECT *)pval, &pd) : -1;
      ok = pl > 0 && bytes_set(&e->params, pd, (size_t)pl);
      OPENSSL_free(pd);
      /* CKA_EC_POINT is the point wrapped in an OCTET STRING. */
      ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
      unsigned char *od = NULL;
      int ol = (ok && os && ASN1_OCTET_STRING_set(os, pk, pklen)) ? i2d_ASN1_OCTET_STRING(os, &od) : -1;
      ok = ok && ol > 0 && bytes_set(&e->pub_value, od, (size_t)ol);
      OPENSSL_free(od);
      ASN1_OCTET_STRING_free(os);
    } else {
      const ASN1_STRING *seq = pval;
      ok = ptype == V_ASN1_SEQUENCE && first_in_sequence(ASN1_STRING_get0_data(seq), ASN1_STRING_length(seq), &e->params);
      /* The key bits are an OCTET STRING holding X||Y little-endian. */
      const unsigned char *oq = pk;
      ASN1_OCTET_STRING *os = ok ? d2i_ASN1_OCTET_STRING(NULL, &oq, pklen) : NULL;
      size_t want = e->kind == KEY_GOST256 ? 64 : 128;
      ok = os && (size_t)ASN1_STRING_length(os) == want && bytes_set(&e->pub_value, ASN1_STRING_get0_data(os), want);
      ASN1_OCTET_STRING_free(os);
      e->bits = e->kind == KEY_GOST256 ? 256 : 512;
    }
  }
  X509_PUBKEY_free(xp);
  return ok;
}

static void entry_free(entry *e) {
  bytes_free(&e->id);
  free(e->label);
  bytes_free(&e->cert_der);
  bytes_free(&e->subject);
  bytes_free(&e->issuer);
  bytes_free(&e->serial);
  EVP_PKEY_free(e->pkey);
  EVP_PKEY_free(e->sign_pkey);
  bytes_free(&e->spki);
  bytes_free(&e->params);
  bytes_free(&e->pub_value);
  bytes_free(&e->modulus);
  bytes_free(&e->exponent);
  memset(e, 0, sizeof *e);
}

static int der_of(int (*i2d)(const void *, unsigned char **), const void *obj, bytes *out) {
  unsigned char *d = NULL;
  int n = i2d(obj, &d);
  if (n <= 0) return 0;
  out->p = d;
  out->n = (size_t)n;
  return 1;
}

static int i2d_name(const void *o, unsigned char **d) { return i2d_X509_NAME((const X509_NAME *)o, d); }
static int i2d_int(const void *o, unsigned char **d) { return i2d_ASN1_INTEGER((const ASN1_INTEGER *)o, d); }

/* Load one config object; on failure the entry is left empty and a warning says why. */
static int load_entry(entry *e, const json_value *o) {
  const json_value *id = json_get(o, "id"), *cert = json_get(o, "certificate"), *key = json_get(o, "privateKey");
  if (!id || id->type != JSON_STRING || !hex_decode(id->string, &e->id)) {
    warn("object without a valid hex \"id\"%s%s", NULL, NULL);
    return 0;
  }
  e->label = dup_str(json_get(o, "label"));
  if (!e->label) e->label = strdup("");
  int needs_gost = 0;
  if (key && key->type == JSON_STRING) {
    BIO *b = BIO_new_file(key->string, "r");
    e->pkey = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!e->pkey) {
      warn("cannot read private key %s%s", key->string, gost_engine ? "" : " (gost engine missing?)");
      ERR_clear_error();
      goto bad;
    }
    e->has_priv = 1;
  }
  if (cert && cert->type == JSON_STRING) {
    if (!read_file(cert->string, &e->cert_der)) {
      warn("cannot read certificate %s%s", cert->string, NULL);
      goto bad;
    }
    const unsigned char *q = e->cert_der.p;
    X509 *x = d2i_X509(NULL, &q, (long)e->cert_der.n);
    if (!x) {
      warn("not a DER certificate: %s%s", cert->string, NULL);
      ERR_clear_error();
      goto bad;
    }
    int ok = der_of(i2d_name, X509_get_subject_name(x), &e->subject) && der_of(i2d_name, X509_get_issuer_name(x), &e->issuer) &&
             der_of(i2d_int, X509_get0_serialNumber(x), &e->serial);
    if (ok && !e->pkey) {
      e->pkey = X509_get_pubkey(x); /* NULL for GOST without the engine: then the certificate stands alone */
      ERR_clear_error();
      needs_gost = !e->pkey;
    }
    X509_free(x);
    if (!ok) goto bad;
    e->has_cert = 1;
  }
  const json_value *swapped = json_get(o, "signingKey");
  if (swapped && swapped->type == JSON_STRING) {
    BIO *b = BIO_new_file(swapped->string, "r");
    e->sign_pkey = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!e->sign_pkey) {
      warn("cannot read signing key %s%s", swapped->string, NULL);
      ERR_clear_error();
      goto bad;
    }
  }
  if (e->pkey && !describe_key(e)) {
    warn("unsupported key in object %s%s", e->label, NULL);
    ERR_clear_error();
    goto bad;
  }
  (void)needs_gost;
  return 1;
bad:
  entry_free(e);
  return 0;
}

/* ---------- configuration and PIN state ---------- */

static json_value *read_json(const char *path, int quiet) {
  bytes b = {0};
  if (!read_file(path, &b)) {
    if (!quiet) warn("cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  char err[128] = "";
  json_value *v = json_parse((const char *)b.p, b.n, err, sizeof err);
  if (!v) warn("bad JSON in %s: %s", path, err);
  bytes_free(&b);
  return v;
}

static char *state_path(void) {
  size_t n = strlen(config_path) + sizeof ".state.json";
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s.state.json", config_path);
  return p;
}

typedef struct {
  int failures;
  int locked;
} pin_state;

static pin_state read_pin_state(const slot *s) {
  pin_state ps = {0, 0};
  char *path = state_path();
  json_value *root = path ? read_json(path, 1) : NULL;
  const json_value *t = json_get(root, s->serial);
  const json_value *f = json_get(t, "failures"), *l = json_get(t, "locked");
  if (f && f->type == JSON_NUMBER && f->number >= 0) ps.failures = (int)f->number;
  if (l && l->type == JSON_BOOL) ps.locked = l->boolean;
  if (ps.failures >= s->max_tries) ps.locked = 1;
  json_free(root);
  free(path);
  return ps;
}

static void json_write_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

/* Rewrite the state file with this token's entry replaced; other tokens' entries are kept. */
static int write_pin_state(const slot *s, pin_state ps) {
  char *path = state_path();
  if (!path) return 0;
  json_value *root = read_json(path, 1);
  size_t tn = strlen(path) + 32;
  char *tmp = malloc(tn);
  int ok = 0;
  if (tmp) {
    snprintf(tmp, tn, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f) {
      fputc('{', f);
      int first = 1;
      if (root && root->type == JSON_OBJECT) {
        for (size_t i = 0; i < root->count; i++) {
          const json_value *t = root->items[i];
          if (strcmp(root->keys[i], s->serial) == 0 || t->type != JSON_OBJECT) continue;
          const json_value *f2 = json_get(t, "failures"), *l = json_get(t, "locked");
          if (!first) fputc(',', f);
          first = 0;
          json_write_string(f, root->keys[i]);
          fprintf(f, ":{\"failures\":%d,\"locked\":%s}", f2 && f2->type == JSON_NUMBER ? (int)f2->number : 0,
                  l && l->type == JSON_BOOL && l->boolean ? "true" : "false");
        }
      }
      if (!first) fputc(',', f);
      json_write_string(f, s->serial);
      fprintf(f, ":{\"failures\":%d,\"locked\":%s}}\n", ps.failures, ps.locked ? "true" : "false");
      ok = fclose(f) == 0 && rename(tmp, path) == 0;
      if (!ok) unlink(tmp);
    }
    free(tmp);
  }
  json_free(root);
  free(path);
  return ok;
}

static void slot_clear_config(slot *s) {
  for (size_t i = 0; i < s->n_entries; i++) entry_free(&s->entries[i]);
  s->n_entries = 0;
  free(s->label);
  free(s->serial);
  if (s->pin) OPENSSL_cleanse(s->pin, strlen(s->pin));
  free(s->pin);
  s->label = s->serial = s->pin = NULL;
  s->exists = s->present = 0;
}

static void drop_slot_sessions(CK_SLOT_ID id);
static unsigned mech_mask_of(const json_value *list);

/* Re-read the configuration. Tokens that went away or changed serial lose their sessions and login. */
static void reload_config(void) {
  if (!config_path) return;
  struct stat st;
  if (stat(config_path, &st) != 0) memset(&st, 0, sizeof st);
  config_stat = st;
  config_seen = 1;
  json_value *root = read_json(config_path, 0);
  const json_value *tokens = json_get(root, "tokens");
  if (root && (!tokens || tokens->type != JSON_ARRAY)) warn("%s: no \"tokens\" array%s", config_path, NULL);
  size_t n = (tokens && tokens->type == JSON_ARRAY) ? tokens->count : 0;
  if (n > MAX_SLOTS) n = MAX_SLOTS;
  if (n && !engine_tried) load_engine();
  for (size_t i = 0; i < MAX_SLOTS; i++) {
    slot *s = &slots[i];
    const json_value *t = i < n ? tokens->items[i] : NULL;
    const json_value *present = json_get(t, "present");
    int now_present = t && t->type == JSON_OBJECT && !(present && present->type == JSON_BOOL && !present->boolean);
    const json_value *serial_v = json_get(t, "serial");
    const char *serial = serial_v && serial_v->type == JSON_STRING ? serial_v->string : "";
    int was_present = s->present;
    int same = was_present && now_present && s->serial && strcmp(s->serial, serial) == 0;
    slot_clear_config(s);
    if (!same) {
      if (was_present || now_present) s->generation++;
      s->logged_in = 0;
      drop_slot_sessions(i);
    }
    if (!t || t->type != JSON_OBJECT) continue;
    s->exists = 1;
    s->present = now_present;
    s->label = dup_str(json_get(t, "label"));
    s->serial = strdup(serial);
    s->pin = dup_str(json_get(t, "pin"));
    const json_value *mt = json_get(t, "maxPinTries");
    s->max_tries = mt && mt->type == JSON_NUMBER && mt->number >= 1 ? (int)mt->number : 10;
    s->mech_mask = mech_mask_of(json_get(t, "mechanisms"));
    const json_value *fd = json_get(t, "findDelayMs");
    s->find_delay_ms = fd && fd->type == JSON_NUMBER && fd->number > 0 && fd->number < 600000 ? (unsigned)fd->number : 0;
    const json_value *objs = json_get(t, "objects");
    if (!now_present || !objs || objs->type != JSON_ARRAY) continue;
    for (size_t j = 0; j < objs->count && s->n_entries < MAX_OBJECTS; j++)
      if (load_entry(&s->entries[s->n_entries], objs->items[j])) s->n_entries++;
  }
  n_slots = n;
  json_free(root);
}

static void maybe_reload(void) {
  if (!config_path) return;
  struct stat st;
  if (stat(config_path, &st) != 0) memset(&st, 0, sizeof st);
  if (!config_seen || st.st_ino != config_stat.st_ino || st.st_size != config_stat.st_size ||
      st.st_mtim.tv_sec != config_stat.st_mtim.tv_sec || st.st_mtim.tv_nsec != config_stat.st_mtim.tv_nsec)
    reload_config();
}

/* ---------- sessions and objects ---------- */

static void session_reset_ops(session *se) {
  free(se->found);
  se->found = NULL;
  se->found_n = se->found_pos = 0;
  se->find_active = 0;
  if (se->buf) OPENSSL_cleanse(se->buf, se->buf_n);
  free(se->buf);
  se->buf = NULL;
  se->buf_n = 0;
  se->sign_active = 0;
  se->multipart = 0;
}

static void session_close(session *se) {
  session_reset_ops(se);
  memset(se, 0, sizeof *se);
}

/* Sessions of a removed token stay allocated (so their handles report CKR_DEVICE_REMOVED) but lose their
 * operations; this frees what they held. */
static void drop_slot_sessions(CK_SLOT_ID id) {
  for (size_t i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].slot == id) session_reset_ops(&sessions[i]);
}

static slot *present_slot(CK_SLOT_ID id, CK_RV *rv) {
  if (id >= n_slots || !slots[id].exists) { *rv = CKR_SLOT_ID_INVALID; return NULL; }
  if (!slots[id].present) { *rv = CKR_TOKEN_NOT_PRESENT; return NULL; }
  return &slots[id];
}

static session *get_session(CK_SESSION_HANDLE h, CK_RV *rv) {
  if (h == 0 || h > MAX_SESSIONS || !sessions[h - 1].used) { *rv = CKR_SESSION_HANDLE_INVALID; return NULL; }
  session *se = &sessions[h - 1];
  slot *s = se->slot < MAX_SLOTS ? &slots[se->slot] : NULL;
  if (!s || se->slot >= n_slots || !s->present || s->generation != se->generation) { *rv = CKR_DEVICE_REMOVED; return NULL; }
  return se;
}

static CK_OBJECT_HANDLE make_handle(CK_SLOT_ID slot_id, size_t entry_i, enum obj_kind k) {
  return ((CK_OBJECT_HANDLE)(slot_id + 1) << 16) | ((CK_OBJECT_HANDLE)entry_i << 2) | (CK_OBJECT_HANDLE)k;
}

static int object_exists(const slot *s, size_t ei, enum obj_kind k) {
  if (ei >= s->n_entries) return 0;
  const entry *e = &s->entries[ei];
  if (k == OBJ_CERT) return e->has_cert;
  if (k == OBJ_PRIV) return e->has_priv;
  return e->pkey != NULL;
}

/* Resolves a handle on the session's token; private keys are invisible before login. */
static entry *get_object(const session *se, CK_OBJECT_HANDLE h, enum obj_kind *kind) {
  slot *s = &slots[se->slot];
  if ((h >> 16) != se->slot + 1 || (h & 3) == 0) return NULL;
  size_t ei = (h >> 2) & 0x3FFF;
  enum obj_kind k = (enum obj_kind)(h & 3);
  if (!object_exists(s, ei, k)) return NULL;
  if (k == OBJ_PRIV && !s->logged_in) return NULL;
  *kind = k;
  return &s->entries[ei];
}

enum attr_result { ATTR_OK, ATTR_SENSITIVE, ATTR_INVALID };

typedef union {
  CK_ULONG ul;
  CK_BBOOL b;
} scalar;

static CK_KEY_TYPE ck_key_type(enum key_kind k) {
  switch (k) {
    case KEY_RSA: return CKK_RSA;
    case KEY_EC: return CKK_EC;
    case KEY_GOST256: return CKK_GOSTR3410;
    default: return CKK_GOSTR3410_512;
  }
}

/* DER OIDs of Streebog-256 (1.2.643.7.1.1.2.2) and Streebog-512 (1.2.643.7.1.1.2.3). */
static const unsigned char OID_STREEBOG256[] = {0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02};
static const unsigned char OID_STREEBOG512[] = {0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x03};

static enum attr_result attribute(const entry *e, enum obj_kind k, CK_ATTRIBUTE_TYPE t, scalar *sc, const void **p, size_t *n) {
#define UL(v) do { sc->ul = (v); *p = &sc->ul; *n = sizeof sc->ul; return ATTR_OK; } while (0)
#define BOOL(v) do { sc->b = (v) ? CK_TRUE : CK_FALSE; *p = &sc->b; *n = sizeof sc->b; return ATTR_OK; } while (0)
#define BYTES(bb) do { if (!(bb).p) return ATTR_INVALID; *p = (bb).p; *n = (bb).n; return ATTR_OK; } while (0)
  switch (t) {
    case CKA_CLASS: UL(k == OBJ_CERT ? CKO_CERTIFICATE : k == OBJ_PRIV ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY);
    case CKA_TOKEN: BOOL(1);
    case CKA_PRIVATE: BOOL(k == OBJ_PRIV);
    case CKA_MODIFIABLE: BOOL(0);
    case CKA_LABEL: *p = e->label; *n = strlen(e->label); return ATTR_OK;
    case CKA_ID: BYTES(e->id);
    default: break;
  }
  if (k == OBJ_CERT) {
    switch (t) {
      case CKA_CERTIFICATE_TYPE: UL(CKC_X_509);
      case CKA_VALUE: BYTES(e->cert_der);
      case CKA_SUBJECT: BYTES(e->subject);
      case CKA_ISSUER: BYTES(e->issuer);
      case CKA_SERIAL_NUMBER: BYTES(e->serial);
      case CKA_TRUSTED: BOOL(0);
      case CKA_CERTIFICATE_CATEGORY: UL(0);
      case CKA_PUBLIC_KEY_INFO: BYTES(e->spki);
      default: return ATTR_INVALID;
    }
  }
  int priv = k == OBJ_PRIV;
  switch (t) {
    case CKA_KEY_TYPE: UL(ck_key_type(e->kind));
    case CKA_SUBJECT: BYTES(e->subject);
    case CKA_LOCAL: BOOL(0);
    case CKA_DERIVE: BOOL(0);
    case CKA_PUBLIC_KEY_INFO: BYTES(e->spki);
    default: break;
  }
  if (priv) {
    switch (t) {
      case CKA_SIGN: BOOL(1);
      case CKA_DECRYPT: case CKA_SIGN_RECOVER: case CKA_UNWRAP: case CKA_EXTRACTABLE: case CKA_ALWAYS_AUTHENTICATE: BOOL(0);
      case CKA_SENSITIVE: case CKA_ALWAYS_SENSITIVE: case CKA_NEVER_EXTRACTABLE: BOOL(1);
      case CKA_VALUE: return ATTR_SENSITIVE;
      default: break;
    }
  } else {
    switch (t) {
      case CKA_VERIFY: BOOL(1);
      case CKA_ENCRYPT: case CKA_VERIFY_RECOVER: case CKA_WRAP: BOOL(0);
      default: break;
    }
  }
  switch (e->kind) {
    case KEY_RSA:
      if (t == CKA_MODULUS) BYTES(e->modulus);
      if (t == CKA_PUBLIC_EXPONENT) BYTES(e->exponent);
      if (t == CKA_MODULUS_BITS) UL(e->bits);
      break;
    case KEY_EC:
      if (t == CKA_EC_PARAMS) BYTES(e->params);
      if (t == CKA_EC_POINT && !priv) BYTES(e->pub_value);
      break;
    case KEY_GOST256:
    case KEY_GOST512:
      if (t == CKA_GOSTR3410_PARAMS) BYTES(e->params);
      if (t == CKA_GOSTR3411_PARAMS) {
        *p = e->kind == KEY_GOST256 ? OID_STREEBOG256 : OID_STREEBOG512;
        *n = sizeof OID_STREEBOG256;
        return ATTR_OK;
      }
      if (t == CKA_VALUE && !priv) BYTES(e->pub_value);
      break;
    default:
      break;
  }
  return ATTR_INVALID;
#undef UL
#undef BOOL
#undef BYTES
}

/* ---------- mechanisms and signing ---------- */

typedef struct {
  CK_MECHANISM_TYPE type;
  enum key_kind key;
  int hashes;        /* hashes the data itself (multi-part allowed) */
  CK_ULONG min_bits, max_bits;
} mech_desc;

static const mech_desc MECHS[] = {
  {CKM_RSA_PKCS, KEY_RSA, 0, 1024, 4096},
  {CKM_SHA256_RSA_PKCS, KEY_RSA, 1, 1024, 4096},
  {CKM_ECDSA, KEY_EC, 0, 256, 521},
  {CKM_GOSTR3410, KEY_GOST256, 0, 256, 256},
  {CKM_GOSTR3410_512, KEY_GOST512, 0, 512, 512},
  {CKM_GOSTR3410_WITH_GOSTR3411_12_256, KEY_GOST256, 1, 256, 256},
  {CKM_GOSTR3410_WITH_GOSTR3411_12_512, KEY_GOST512, 1, 512, 512},
};
#define N_MECHS (sizeof MECHS / sizeof MECHS[0])

static const mech_desc *find_mech(CK_MECHANISM_TYPE t) {
  for (size_t i = 0; i < N_MECHS; i++)
    if (MECHS[i].type == t) return &MECHS[i];
  return NULL;
}

/* A token can offer fewer mechanisms (e.g. GOST without hash-and-sign), to exercise a host's fallbacks. */
static unsigned mech_mask_of(const json_value *list) {
  if (!list || list->type != JSON_ARRAY) return (1u << N_MECHS) - 1;
  unsigned mask = 0;
  for (size_t j = 0; j < list->count; j++)
    for (size_t i = 0; i < N_MECHS; i++)
      if (list->items[j]->type == JSON_NUMBER && (CK_MECHANISM_TYPE)list->items[j]->number == MECHS[i].type) mask |= 1u << i;
  return mask;
}

static const mech_desc *slot_mech(const slot *s, CK_MECHANISM_TYPE t) {
  for (size_t i = 0; i < N_MECHS; i++)
    if (MECHS[i].type == t) return (s->mech_mask >> i) & 1 ? &MECHS[i] : NULL;
  return NULL;
}

static size_t signature_size(const entry *e) {
  switch (e->kind) {
    case KEY_GOST256: return 64;
    case KEY_GOST512: return 128;
    case KEY_EC: return 2 * (((size_t)e->bits + 7) / 8);
    default: return (size_t)EVP_PKEY_get_size(e->pkey);
  }
}

/* Streebog of data through the engine: the hash bytes in the order the function outputs them. */
static int streebog(int nid, const unsigned char *d, size_t n, unsigned char *out, unsigned *outn) {
  if (!gost_engine) return 0;
  const EVP_MD *md = ENGINE_get_digest(gost_engine, nid);
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok = md && c && EVP_DigestInit_ex(c, md, gost_engine) && EVP_DigestUpdate(c, d, n) && EVP_DigestFinal_ex(c, out, outn);
  EVP_MD_CTX_free(c);
  return ok;
}

/* Sign in into out (signature_size bytes). */
static CK_RV do_sign(const entry *e, CK_MECHANISM_TYPE mech, const unsigned char *in, size_t inlen, unsigned char *out) {
  unsigned char hash[64];
  unsigned hlen = 0;
  size_t want = signature_size(e);
  CK_RV rv = CKR_FUNCTION_FAILED;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *key = e->sign_pkey ? e->sign_pkey : e->pkey;
  switch (mech) {
    case CKM_GOSTR3410_WITH_GOSTR3411_12_256:
    case CKM_GOSTR3410_WITH_GOSTR3411_12_512:
      if (!streebog(mech == CKM_GOSTR3410_WITH_GOSTR3411_12_256 ? NID_id_GostR3411_2012_256 : NID_id_GostR3411_2012_512, in,
                    inlen, hash, &hlen))
        return CKR_FUNCTION_FAILED;
      in = hash;
      inlen = hlen;
      /* fall through */
    case CKM_GOSTR3410:
    case CKM_GOSTR3410_512: {
      if (inlen != (e->kind == KEY_GOST256 ? 32u : 64u)) return CKR_DATA_LEN_RANGE;
      size_t sl = want;
      ctx = EVP_PKEY_CTX_new(key, NULL);
      if (ctx && EVP_PKEY_sign_init(ctx) > 0 && EVP_PKEY_sign(ctx, out, &sl, in, inlen) > 0 && sl == want) rv = CKR_OK;
      break;
    }
    case CKM_RSA_PKCS: {
      if (inlen > want - 11) return CKR_DATA_LEN_RANGE;
      size_t sl = want;
      ctx = EVP_PKEY_CTX_new(key, NULL);
      if (ctx && EVP_PKEY_sign_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
          EVP_PKEY_sign(ctx, out, &sl, in, inlen) > 0 && sl == want)
        rv = CKR_OK;
      break;
    }
    case CKM_SHA256_RSA_PKCS: {
      EVP_MD_CTX *mc = EVP_MD_CTX_new();
      size_t sl = want;
      if (mc && EVP_DigestSignInit(mc, NULL, EVP_sha256(), NULL, key) > 0 && EVP_DigestSign(mc, out, &sl, in, inlen) > 0 &&
          sl == want)
        rv = CKR_OK;
      EVP_MD_CTX_free(mc);
      break;
    }
    case CKM_ECDSA: {
      if (inlen == 0 || inlen > 64) return CKR_DATA_LEN_RANGE;
      unsigned char der[160];
      size_t dl = sizeof der;
      ctx = EVP_PKEY_CTX_new(key, NULL);
      if (ctx && EVP_PKEY_sign_init(ctx) > 0 && EVP_PKEY_sign(ctx, der, &dl, in, inlen) > 0) {
        const unsigned char *q = der;
        ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &q, (long)dl);
        if (sig) {
          const BIGNUM *r, *s;
          ECDSA_SIG_get0(sig, &r, &s);
          if (BN_bn2binpad(r, out, (int)want / 2) > 0 && BN_bn2binpad(s, out + want / 2, (int)want / 2) > 0) rv = CKR_OK;
          ECDSA_SIG_free(sig);
        }
      }
      break;
    }
    default:
      rv = CKR_MECHANISM_INVALID;
  }
  EVP_PKEY_CTX_free(ctx);
  OPENSSL_cleanse(hash, sizeof hash);
  if (rv != CKR_OK) ERR_clear_error();
  return rv;
}

/* ---------- the PKCS#11 functions ---------- */

#define LOCKED(body)                                                 \
  do {                                                               \
    pthread_mutex_lock(&lock);                                       \
    CK_RV rv_;                                                       \
    if (!initialized) rv_ = CKR_CRYPTOKI_NOT_INITIALIZED;            \
    else { maybe_reload(); rv_ = (body); }                           \
    pthread_mutex_unlock(&lock);                                     \
    return rv_;                                                      \
  } while (0)

static CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  pthread_mutex_lock(&lock);
  CK_RV rv = CKR_OK;
  if (initialized) rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
  else if (pInitArgs) {
    CK_C_INITIALIZE_ARGS *a = pInitArgs;
    int some = a->CreateMutex || a->DestroyMutex || a->LockMutex || a->UnlockMutex;
    int all = a->CreateMutex && a->DestroyMutex && a->LockMutex && a->UnlockMutex;
    if (a->pReserved || (some && !all)) rv = CKR_ARGUMENTS_BAD;
    /* With or without CKF_OS_LOCKING_OK we use pthreads, which is what OS locking means here. */
  }
  if (rv == CKR_OK) {
    OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
    const char *cfg = getenv("TESTTOKEN_CONFIG");
    config_path = cfg && *cfg ? strdup(cfg) : NULL;
    config_seen = 0;
    memset(slots, 0, sizeof slots);
    memset(sessions, 0, sizeof sessions);
    n_slots = 0;
    initialized = 1;
    maybe_reload();
  }
  pthread_mutex_unlock(&lock);
  return rv;
}

static CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  pthread_mutex_lock(&lock);
  CK_RV rv = CKR_OK;
  if (pReserved) rv = CKR_ARGUMENTS_BAD;
  else if (!initialized) rv = CKR_CRYPTOKI_NOT_INITIALIZED;
  else {
    for (size_t i = 0; i < MAX_SESSIONS; i++)
      if (sessions[i].used) session_close(&sessions[i]);
    for (size_t i = 0; i < MAX_SLOTS; i++) slot_clear_config(&slots[i]);
    free(config_path);
    config_path = NULL;
    n_slots = 0;
    initialized = 0;
  }
  pthread_mutex_unlock(&lock);
  return rv;
}

static CK_RV get_info(CK_INFO_PTR p) {
  if (!p) return CKR_ARGUMENTS_BAD;
  memset(p, 0, sizeof *p);
  p->cryptokiVersion.major = 2;
  p->cryptokiVersion.minor = 40;
  pad_copy(p->manufacturerID, sizeof p->manufacturerID, "Tokensign test");
  pad_copy(p->libraryDescription, sizeof p->libraryDescription, "Tokensign emulated test token");
  p->libraryVersion.major = 1;
  return CKR_OK;
}
static CK_RV C_GetInfo(CK_INFO_PTR p) { LOCKED(get_info(p)); }

static CK_RV get_slot_list(CK_BBOOL present_only, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
  if (!count) return CKR_ARGUMENTS_BAD;
  reload_config();
  CK_ULONG n = 0;
  for (size_t i = 0; i < n_slots; i++)
    if (slots[i].exists && (!present_only || slots[i].present)) {
      if (list && n < *count) list[n] = i;
      n++;
    }
  CK_RV rv = (list && n > *count) ? CKR_BUFFER_TOO_SMALL : CKR_OK;
  *count = n;
  return rv;
}
static CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  LOCKED(get_slot_list(tokenPresent, pSlotList, pulCount));
}

static CK_RV get_slot_info(CK_SLOT_ID id, CK_SLOT_INFO_PTR p) {
  if (!p) return CKR_ARGUMENTS_BAD;
  if (id >= n_slots || !slots[id].exists) return CKR_SLOT_ID_INVALID;
  memset(p, 0, sizeof *p);
  char desc[64];
  snprintf(desc, sizeof desc, "Tokensign emulated reader %lu", (unsigned long)id);
  pad_copy(p->slotDescription, sizeof p->slotDescription, desc);
  pad_copy(p->manufacturerID, sizeof p->manufacturerID, "Tokensign test");
  p->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (slots[id].present ? CKF_TOKEN_PRESENT : 0);
  p->hardwareVersion.major = 1;
  p->firmwareVersion.major = 1;
  return CKR_OK;
}
static CK_RV C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR p) { LOCKED(get_slot_info(id, p)); }

static CK_FLAGS pin_flags(const slot *s) {
  pin_state ps = read_pin_state(s);
  if (ps.locked) return CKF_USER_PIN_LOCKED;
  CK_FLAGS f = 0;
  if (ps.failures > 0) f |= CKF_USER_PIN_COUNT_LOW;
  if (ps.failures > 0 && ps.failures == s->max_tries - 1) f |= CKF_USER_PIN_FINAL_TRY;
  return f;
}

static CK_RV get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR p) {
  CK_RV rv;
  if (!p) return CKR_ARGUMENTS_BAD;
  slot *s = present_slot(id, &rv);
  if (!s) return rv;
  memset(p, 0, sizeof *p);
  pad_copy(p->label, sizeof p->label, s->label);
  pad_copy(p->manufacturerID, sizeof p->manufacturerID, "Tokensign");
  pad_copy(p->model, sizeof p->model, "Emulated token");
  pad_copy(p->serialNumber, sizeof p->serialNumber, s->serial);
  p->flags = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED | CKF_RNG | pin_flags(s);
  CK_ULONG all = 0, rw = 0;
  for (size_t i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].slot == id && sessions[i].generation == s->generation) {
      all++;
      if (sessions[i].flags & CKF_RW_SESSION) rw++;
    }
  p->ulMaxSessionCount = MAX_SESSIONS;
  p->ulSessionCount = all;
  p->ulMaxRwSessionCount = MAX_SESSIONS;
  p->ulRwSessionCount = rw;
  p->ulMaxPinLen = MAX_PIN;
  p->ulMinPinLen = MIN_PIN;
  p->ulTotalPublicMemory = p->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  p->ulTotalPrivateMemory = p->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  p->hardwareVersion.major = 1;
  p->firmwareVersion.major = 1;
  memset(p->utcTime, ' ', sizeof p->utcTime);
  return CKR_OK;
}
static CK_RV C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR p) { LOCKED(get_token_info(id, p)); }

static CK_RV get_mechanism_list(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  CK_RV rv;
  if (!count) return CKR_ARGUMENTS_BAD;
  slot *s = present_slot(id, &rv);
  if (!s) return rv;
  CK_ULONG n = 0;
  for (size_t i = 0; i < N_MECHS; i++)
    if ((s->mech_mask >> i) & 1) n++;
  rv = CKR_OK;
  if (list) {
    if (*count < n) rv = CKR_BUFFER_TOO_SMALL;
    else
      for (size_t i = 0, k = 0; i < N_MECHS; i++)
        if ((s->mech_mask >> i) & 1) list[k++] = MECHS[i].type;
  }
  *count = n;
  return rv;
}
static CK_RV C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  LOCKED(get_mechanism_list(id, list, count));
}

static CK_RV get_mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR p) {
  CK_RV rv;
  if (!p) return CKR_ARGUMENTS_BAD;
  slot *s = present_slot(id, &rv);
  if (!s) return rv;
  const mech_desc *m = slot_mech(s, type);
  if (!m) return CKR_MECHANISM_INVALID;
  p->ulMinKeySize = m->min_bits;
  p->ulMaxKeySize = m->max_bits;
  p->flags = CKF_HW | CKF_SIGN;
  return CKR_OK;
}
static CK_RV C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR p) {
  LOCKED(get_mechanism_info(id, type, p));
}

static CK_RV open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_SESSION_HANDLE_PTR out) {
  CK_RV rv;
  if (!out) return CKR_ARGUMENTS_BAD;
  slot *s = present_slot(id, &rv);
  if (!s) return rv;
  if (!(flags & CKF_SERIAL_SESSION)) return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
  for (size_t i = 0; i < MAX_SESSIONS; i++)
    if (!sessions[i].used) {
      memset(&sessions[i], 0, sizeof sessions[i]);
      sessions[i].used = 1;
      sessions[i].slot = id;
      sessions[i].generation = s->generation;
      sessions[i].flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
      *out = i + 1;
      return CKR_OK;
    }
  return CKR_HOST_MEMORY;
}
static CK_RV C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify, CK_SESSION_HANDLE_PTR out) {
  (void)app;
  (void)notify;
  LOCKED(open_session(id, flags, out));
}

/* Closing the last session of a token logs the user out (PKCS#11 login is per token). */
static void logout_if_last(CK_SLOT_ID id) {
  for (size_t i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].slot == id && sessions[i].generation == slots[id].generation) return;
  slots[id].logged_in = 0;
}

static CK_RV close_session(CK_SESSION_HANDLE h) {
  if (h == 0 || h > MAX_SESSIONS || !sessions[h - 1].used) return CKR_SESSION_HANDLE_INVALID;
  CK_SLOT_ID id = sessions[h - 1].slot;
  session_close(&sessions[h - 1]);
  if (id < MAX_SLOTS) logout_if_last(id);
  return CKR_OK;
}
static CK_RV C_CloseSession(CK_SESSION_HANDLE h) { LOCKED(close_session(h)); }

static CK_RV close_all_sessions(CK_SLOT_ID id) {
  if (id >= n_slots || !slots[id].exists) return CKR_SLOT_ID_INVALID;
  for (size_t i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].slot == id) session_close(&sessions[i]);
  slots[id].logged_in = 0;
  return CKR_OK;
}
static CK_RV C_CloseAllSessions(CK_SLOT_ID id) { LOCKED(close_all_sessions(id)); }

static CK_RV get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR p) {
  CK_RV rv;
  if (!p) return CKR_ARGUMENTS_BAD;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  int rw = (se->flags & CKF_RW_SESSION) != 0, user = slots[se->slot].logged_in;
  p->slotID = se->slot;
  p->state = rw ? (user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION) : (user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION);
  p->flags = se->flags;
  p->ulDeviceError = 0;
  return CKR_OK;
}
static CK_RV C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR p) { LOCKED(get_session_info(h, p)); }

static int pin_equal(const char *want, const unsigned char *got, size_t n) {
  size_t wn = strlen(want);
  unsigned char diff = (unsigned char)(wn != n);
  for (size_t i = 0; i < n; i++) diff |= (unsigned char)(got[i] ^ (unsigned char)(i < wn ? want[i] : 0));
  return diff == 0;
}

static CK_RV login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  slot *s = &slots[se->slot];
  if (user != CKU_USER) return CKR_USER_TYPE_INVALID;
  if (s->logged_in) return CKR_USER_ALREADY_LOGGED_IN;
  if (!pin) return CKR_ARGUMENTS_BAD; /* no protected authentication path on this token */
  pin_state ps = read_pin_state(s);
  if (ps.locked) return CKR_PIN_LOCKED;
  if (len < MIN_PIN || len > MAX_PIN) return CKR_PIN_LEN_RANGE;
  if (s->pin && pin_equal(s->pin, pin, len)) {
    if (ps.failures) {
      ps.failures = 0;
      write_pin_state(s, ps);
    }
    s->logged_in = 1;
    return CKR_OK;
  }
  ps.failures++;
  if (ps.failures >= s->max_tries) ps.locked = 1;
  if (!write_pin_state(s, ps)) warn("cannot write the PIN state for %s%s", s->serial, NULL);
  return ps.locked ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT;
}
static CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) { LOCKED(login(h, user, pin, len)); }

static CK_RV logout(CK_SESSION_HANDLE h) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (!slots[se->slot].logged_in) return CKR_USER_NOT_LOGGED_IN;
  slots[se->slot].logged_in = 0;
  /* Operations with private keys end with the login. */
  for (size_t i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].slot == se->slot) session_reset_ops(&sessions[i]);
  return CKR_OK;
}
static CK_RV C_Logout(CK_SESSION_HANDLE h) { LOCKED(logout(h)); }

static CK_RV get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (!tmpl && n) return CKR_ARGUMENTS_BAD;
  enum obj_kind k;
  entry *e = get_object(se, oh, &k);
  if (!e) return CKR_OBJECT_HANDLE_INVALID;
  rv = CKR_OK;
  for (CK_ULONG i = 0; i < n; i++) {
    scalar sc;
    const void *p = NULL;
    size_t len = 0;
    enum attr_result r = attribute(e, k, tmpl[i].type, &sc, &p, &len);
    if (r == ATTR_SENSITIVE) {
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_SENSITIVE;
    } else if (r == ATTR_INVALID) {
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_TYPE_INVALID;
    } else if (!tmpl[i].pValue) {
      tmpl[i].ulValueLen = len;
    } else if (tmpl[i].ulValueLen < len) {
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_BUFFER_TOO_SMALL;
    } else {
      memcpy(tmpl[i].pValue, p, len);
      tmpl[i].ulValueLen = len;
    }
  }
  return rv;
}
static CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n) {
  LOCKED(get_attribute_value(h, o, t, n));
}

static CK_RV find_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (se->find_active) return CKR_OPERATION_ACTIVE;
  if (!tmpl && n) return CKR_ARGUMENTS_BAD;
  for (CK_ULONG i = 0; i < n; i++)
    if (!tmpl[i].pValue && tmpl[i].ulValueLen) return CKR_ARGUMENTS_BAD;
  slot *s = &slots[se->slot];
  if (s->find_delay_ms) usleep((useconds_t)s->find_delay_ms * 1000);
  se->found = calloc(s->n_entries * 3 + 1, sizeof *se->found);
  if (!se->found) return CKR_HOST_MEMORY;
  se->found_n = se->found_pos = 0;
  for (size_t ei = 0; ei < s->n_entries; ei++)
    for (int kk = OBJ_CERT; kk <= OBJ_PUB; kk++) {
      enum obj_kind k = (enum obj_kind)kk;
      if (!object_exists(s, ei, k) || (k == OBJ_PRIV && !s->logged_in)) continue;
      int match = 1;
      for (CK_ULONG i = 0; i < n && match; i++) {
        scalar sc;
        const void *p;
        size_t len;
        match = attribute(&s->entries[ei], k, tmpl[i].type, &sc, &p, &len) == ATTR_OK && len == tmpl[i].ulValueLen &&
                (len == 0 || memcmp(p, tmpl[i].pValue, len) == 0);
      }
      if (match) se->found[se->found_n++] = make_handle(se->slot, ei, k);
    }
  se->find_active = 1;
  return CKR_OK;
}
static CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n) { LOCKED(find_init(h, t, n)); }

static CK_RV find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (!out || !count) return CKR_ARGUMENTS_BAD;
  if (!se->find_active) return CKR_OPERATION_NOT_INITIALIZED;
  CK_ULONG k = 0;
  while (k < max && se->found_pos < se->found_n) out[k++] = se->found[se->found_pos++];
  *count = k;
  return CKR_OK;
}
static CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count) {
  LOCKED(find_objects(h, out, max, count));
}

static CK_RV find_final(CK_SESSION_HANDLE h) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (!se->find_active) return CKR_OPERATION_NOT_INITIALIZED;
  free(se->found);
  se->found = NULL;
  se->found_n = se->found_pos = 0;
  se->find_active = 0;
  return CKR_OK;
}
static CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE h) { LOCKED(find_final(h)); }

static CK_RV sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (!m) return CKR_ARGUMENTS_BAD;
  if (se->sign_active) return CKR_OPERATION_ACTIVE;
  if (!slots[se->slot].logged_in) return CKR_USER_NOT_LOGGED_IN;
  enum obj_kind k;
  entry *e = get_object(se, key, &k);
  if (!e) return CKR_KEY_HANDLE_INVALID;
  if (k != OBJ_PRIV) return CKR_KEY_FUNCTION_NOT_PERMITTED;
  const mech_desc *d = slot_mech(&slots[se->slot], m->mechanism);
  if (!d) return CKR_MECHANISM_INVALID;
  if (m->pParameter || m->ulParameterLen) return CKR_MECHANISM_PARAM_INVALID;
  if (d->key != e->kind) return CKR_KEY_TYPE_INCONSISTENT;
  se->sign_active = 1;
  se->mech = m->mechanism;
  se->key = key;
  se->multipart = 0;
  return CKR_OK;
}
static CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key) { LOCKED(sign_init(h, m, key)); }

static void sign_end(session *se) {
  if (se->buf) OPENSSL_cleanse(se->buf, se->buf_n);
  free(se->buf);
  se->buf = NULL;
  se->buf_n = 0;
  se->sign_active = 0;
  se->multipart = 0;
}

/* Shared tail of C_Sign and C_SignFinal: size query, buffer check, then sign and end the operation. */
static CK_RV sign_finish(session *se, const unsigned char *data, size_t n, CK_BYTE_PTR sig, CK_ULONG_PTR siglen) {
  enum obj_kind k;
  entry *e = get_object(se, se->key, &k);
  if (!e) {
    sign_end(se);
    return slots[se->slot].logged_in ? CKR_KEY_HANDLE_INVALID : CKR_USER_NOT_LOGGED_IN;
  }
  size_t want = signature_size(e);
  if (!sig) {
    *siglen = want;
    return CKR_OK;
  }
  if (*siglen < want) {
    *siglen = want;
    return CKR_BUFFER_TOO_SMALL;
  }
  CK_RV rv = do_sign(e, se->mech, data, n, sig);
  if (rv == CKR_OK) *siglen = want;
  sign_end(se);
  return rv;
}

static CK_RV sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG n, CK_BYTE_PTR sig, CK_ULONG_PTR siglen) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (!se->sign_active) return CKR_OPERATION_NOT_INITIALIZED;
  if (se->multipart) return CKR_OPERATION_ACTIVE;
  if ((!data && n) || !siglen) {
    sign_end(se);
    return CKR_ARGUMENTS_BAD;
  }
  return sign_finish(se, data ? data : (const unsigned char *)"", n, sig, siglen);
}
static CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR s, CK_ULONG_PTR sl) { LOCKED(sign(h, d, n, s, sl)); }

static CK_RV sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG n) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (!se->sign_active) return CKR_OPERATION_NOT_INITIALIZED;
  if (!part && n) {
    sign_end(se);
    return CKR_ARGUMENTS_BAD;
  }
  if (!find_mech(se->mech)->hashes) {
    sign_end(se);
    return CKR_FUNCTION_NOT_SUPPORTED; /* raw mechanisms are single-part only */
  }
  if (se->buf_n + n > (64u << 20)) {
    sign_end(se);
    return CKR_DATA_LEN_RANGE;
  }
  unsigned char *b = realloc(se->buf, se->buf_n + n + 1);
  if (!b) {
    sign_end(se);
    return CKR_HOST_MEMORY;
  }
  se->buf = b;
  if (n) memcpy(se->buf + se->buf_n, part, n);
  se->buf_n += n;
  se->multipart = 1;
  return CKR_OK;
}
static CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n) { LOCKED(sign_update(h, p, n)); }

static CK_RV sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR siglen) {
  CK_RV rv;
  session *se = get_session(h, &rv);
  if (!se) return rv;
  if (!se->sign_active) return CKR_OPERATION_NOT_INITIALIZED;
  if (!siglen) {
    sign_end(se);
    return CKR_ARGUMENTS_BAD;
  }
  if (!find_mech(se->mech)->hashes) {
    sign_end(se);
    return CKR_FUNCTION_NOT_SUPPORTED;
  }
  return sign_finish(se, se->buf ? se->buf : (const unsigned char *)"", se->buf_n, sig, siglen);
}
static CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG_PTR sl) { LOCKED(sign_final(h, s, sl)); }

/* Everything else: not supported, with the right prototype so any caller's call is well-formed. */
#define NS(name, params) \
  static CK_RV name params { return CKR_FUNCTION_NOT_SUPPORTED; }
#define U __attribute__((unused))
NS(C_InitToken, (U CK_SLOT_ID a, U CK_UTF8CHAR_PTR b, U CK_ULONG c, U CK_UTF8CHAR_PTR d))
NS(C_InitPIN, (U CK_SESSION_HANDLE a, U CK_UTF8CHAR_PTR b, U CK_ULONG c))
NS(C_SetPIN, (U CK_SESSION_HANDLE a, U CK_UTF8CHAR_PTR b, U CK_ULONG c, U CK_UTF8CHAR_PTR d, U CK_ULONG e))
NS(C_GetOperationState, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG_PTR c))
NS(C_SetOperationState, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_OBJECT_HANDLE d, U CK_OBJECT_HANDLE e))
NS(C_CreateObject, (U CK_SESSION_HANDLE a, U CK_ATTRIBUTE_PTR b, U CK_ULONG c, U CK_OBJECT_HANDLE_PTR d))
NS(C_CopyObject, (U CK_SESSION_HANDLE a, U CK_OBJECT_HANDLE b, U CK_ATTRIBUTE_PTR c, U CK_ULONG d, U CK_OBJECT_HANDLE_PTR e))
NS(C_DestroyObject, (U CK_SESSION_HANDLE a, U CK_OBJECT_HANDLE b))
NS(C_GetObjectSize, (U CK_SESSION_HANDLE a, U CK_OBJECT_HANDLE b, U CK_ULONG_PTR c))
NS(C_SetAttributeValue, (U CK_SESSION_HANDLE a, U CK_OBJECT_HANDLE b, U CK_ATTRIBUTE_PTR c, U CK_ULONG d))
NS(C_EncryptInit, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_OBJECT_HANDLE c))
NS(C_Encrypt, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_EncryptUpdate, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_EncryptFinal, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG_PTR c))
NS(C_DecryptInit, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_OBJECT_HANDLE c))
NS(C_Decrypt, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_DecryptUpdate, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_DecryptFinal, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG_PTR c))
NS(C_DigestInit, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b))
NS(C_Digest, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_DigestUpdate, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c))
NS(C_DigestKey, (U CK_SESSION_HANDLE a, U CK_OBJECT_HANDLE b))
NS(C_DigestFinal, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG_PTR c))
NS(C_SignRecoverInit, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_OBJECT_HANDLE c))
NS(C_SignRecover, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_VerifyInit, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_OBJECT_HANDLE c))
NS(C_Verify, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG e))
NS(C_VerifyUpdate, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c))
NS(C_VerifyFinal, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c))
NS(C_VerifyRecoverInit, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_OBJECT_HANDLE c))
NS(C_VerifyRecover, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_DigestEncryptUpdate, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_DecryptDigestUpdate, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_SignEncryptUpdate, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_DecryptVerifyUpdate, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c, U CK_BYTE_PTR d, U CK_ULONG_PTR e))
NS(C_GenerateKey, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_ATTRIBUTE_PTR c, U CK_ULONG d, U CK_OBJECT_HANDLE_PTR e))
NS(C_GenerateKeyPair, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_ATTRIBUTE_PTR c, U CK_ULONG d, U CK_ATTRIBUTE_PTR e,
                       U CK_ULONG f, U CK_OBJECT_HANDLE_PTR g, U CK_OBJECT_HANDLE_PTR h))
NS(C_WrapKey, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_OBJECT_HANDLE c, U CK_OBJECT_HANDLE d, U CK_BYTE_PTR e,
               U CK_ULONG_PTR f))
NS(C_UnwrapKey, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_OBJECT_HANDLE c, U CK_BYTE_PTR d, U CK_ULONG e,
                 U CK_ATTRIBUTE_PTR f, U CK_ULONG g, U CK_OBJECT_HANDLE_PTR h))
NS(C_DeriveKey, (U CK_SESSION_HANDLE a, U CK_MECHANISM_PTR b, U CK_OBJECT_HANDLE c, U CK_ATTRIBUTE_PTR d, U CK_ULONG e,
                 U CK_OBJECT_HANDLE_PTR f))
NS(C_SeedRandom, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c))
NS(C_GenerateRandom, (U CK_SESSION_HANDLE a, U CK_BYTE_PTR b, U CK_ULONG c))
NS(C_GetFunctionStatus, (U CK_SESSION_HANDLE a))
NS(C_CancelFunction, (U CK_SESSION_HANDLE a))
NS(C_WaitForSlotEvent, (U CK_FLAGS a, U CK_SLOT_ID_PTR b, U CK_VOID_PTR c))

static CK_RV C_GetFunctionList_(CK_FUNCTION_LIST_PTR_PTR pp);

#define F(x) ((CK_GENERIC_FN)(x))
static CK_FUNCTION_LIST function_list = {
  {2, 40},
  {F(C_Initialize), F(C_Finalize), F(C_GetInfo), F(C_GetFunctionList_), F(C_GetSlotList), F(C_GetSlotInfo),
   F(C_GetTokenInfo), F(C_GetMechanismList), F(C_GetMechanismInfo), F(C_InitToken), F(C_InitPIN), F(C_SetPIN),
   F(C_OpenSession), F(C_CloseSession), F(C_CloseAllSessions), F(C_GetSessionInfo), F(C_GetOperationState),
   F(C_SetOperationState), F(C_Login), F(C_Logout), F(C_CreateObject), F(C_CopyObject), F(C_DestroyObject),
   F(C_GetObjectSize), F(C_GetAttributeValue), F(C_SetAttributeValue), F(C_FindObjectsInit), F(C_FindObjects),
   F(C_FindObjectsFinal), F(C_EncryptInit), F(C_Encrypt), F(C_EncryptUpdate), F(C_EncryptFinal), F(C_DecryptInit),
   F(C_Decrypt), F(C_DecryptUpdate), F(C_DecryptFinal), F(C_DigestInit), F(C_Digest), F(C_DigestUpdate), F(C_DigestKey),
   F(C_DigestFinal), F(C_SignInit), F(C_Sign), F(C_SignUpdate), F(C_SignFinal), F(C_SignRecoverInit), F(C_SignRecover),
   F(C_VerifyInit), F(C_Verify), F(C_VerifyUpdate), F(C_VerifyFinal), F(C_VerifyRecoverInit), F(C_VerifyRecover),
   F(C_DigestEncryptUpdate), F(C_DecryptDigestUpdate), F(C_SignEncryptUpdate), F(C_DecryptVerifyUpdate),
   F(C_GenerateKey), F(C_GenerateKeyPair), F(C_WrapKey), F(C_UnwrapKey), F(C_DeriveKey), F(C_SeedRandom),
   F(C_GenerateRandom), F(C_GetFunctionStatus), F(C_CancelFunction), F(C_WaitForSlotEvent)}};

static CK_RV C_GetFunctionList_(CK_FUNCTION_LIST_PTR_PTR pp) {
  if (!pp) return CKR_ARGUMENTS_BAD;
  *pp = &function_list;
  return CKR_OK;
}

EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR pp) { return C_GetFunctionList_(pp); }
