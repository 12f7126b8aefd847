/* Recursive-descent JSON reader: enough for small config files, strict about syntax. */
#include "json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

typedef struct {
  const char *p, *end;
  char *err;
  size_t errlen;
} reader;

static json_value *parse_value(reader *r, int depth);

static int fail(reader *r, const char *what) {
  if (r->err && r->errlen) snprintf(r->err, r->errlen, "%s", what);
  return 0;
}

static void skip_ws(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static json_value *new_value(enum json_type t) {
  json_value *v = calloc(1, sizeof *v);
  if (v) v->type = t;
  return v;
}

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Reads a string at r->p (which is at the opening quote); returns malloc'd UTF-8. */
static char *parse_string(reader *r) {
  r->p++;
  /* Escapes never grow the text (\uXXXX is 6 bytes for at most 4 of UTF-8), so the raw span bounds the output. */
  const char *q = r->p;
  while (q < r->end && *q != '"') q += (*q == '\\' && q + 1 < r->end) ? 2 : 1;
  if (q >= r->end) { fail(r, "unterminated string"); return NULL; }
  char *out = malloc((size_t)(q - r->p) + 1);
  if (!out) { fail(r, "out of memory"); return NULL; }
  size_t n = 0;
  while (r->p < q) {
    unsigned char c = (unsigned char)*r->p;
    if (c < 0x20) { fail(r, "control character in string"); free(out); return NULL; }
    if (c != '\\') { out[n++] = (char)c; r->p++; continue; }
    char e = r->p[1];
    r->p += 2;
    switch (e) {
      case '"': out[n++] = '"'; break;
      case '\\': out[n++] = '\\'; break;
      case '/': out[n++] = '/'; break;
      case 'b': out[n++] = '\b'; break;
      case 'f': out[n++] = '\f'; break;
      case 'n': out[n++] = '\n'; break;
      case 'r': out[n++] = '\r'; break;
      case 't': out[n++] = '\t'; break;
      case 'u': {
        unsigned cp;
        if (q - r->p < 4 || !hex4(r->p, &cp)) { fail(r, "bad \\u escape"); free(out); return NULL; }
        r->p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo;
          if (q - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' || !hex4(r->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            fail(r, "bad surrogate pair"); free(out); return NULL;
          }
          r->p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          fail(r, "lone surrogate"); free(out); return NULL;
        }
        n += put_utf8(out + n, cp);
        break;
      }
      default: fail(r, "bad escape"); free(out); return NULL;
    }
  }
  out[n] = '\0';
  r->p = q + 1;
  return out;
}

static int push(json_value *v, json_value *item, char *key) {
  json_value **items = realloc(v->items, (v->count + 1) * sizeof *items);
  if (!items) return 0;
  v->items = items;
  if (v->type == JSON_OBJECT) {
    char **keys = realloc(v->keys, (v->count + 1) * sizeof *keys);
    if (!keys) return 0;
    v->keys = keys;
    v->keys[v->count] = key;
  }
  v->items[v->count++] = item;
  return 1;
}

static json_value *parse_container(reader *r, int depth, int object) {
  json_value *v = new_value(object ? JSON_OBJECT : JSON_ARRAY);
  if (!v) { fail(r, "out of memory"); return NULL; }
  r->p++;
  skip_ws(r);
  char close = object ? '}' : ']';
  if (r->p < r->end && *r->p == close) { r->p++; return v; }
  for (;;) {
    char *key = NULL;
    skip_ws(r);
    if (object) {
      if (r->p >= r->end || *r->p != '"') { fail(r, "expected member name"); goto bad; }
      if (!(key = parse_string(r))) goto bad;
      skip_ws(r);
      if (r->p >= r->end || *r->p != ':') { fail(r, "expected ':'"); free(key); goto bad; }
      r->p++;
    }
    json_value *item = parse_value(r, depth + 1);
    if (!item) { free(key); goto bad; }
    if (!push(v, item, key)) { fail(r, "out of memory"); json_free(item); free(key); goto bad; }
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; continue; }
    if (r->p < r->end && *r->p == close) { r->p++; return v; }
    fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
    goto bad;
  }
bad:
  json_free(v);
  return NULL;
}

static json_value *parse_value(reader *r, int depth) {
  if (depth > MAX_DEPTH) { fail(r, "nested too deep"); return NULL; }
  skip_ws(r);
  if (r->p >= r->end) { fail(r, "unexpected end"); return NULL; }
  char c = *r->p;
  if (c == '{' || c == '[') return parse_container(r, depth, c == '{');
  if (c == '"') {
    char *s = parse_string(r);
    if (!s) return NULL;
    json_value *v = new_value(JSON_STRING);
    if (!v) { free(s); fail(r, "out of memory"); return NULL; }
    v->string = s;
    return v;
  }
  static const struct { const char *word; enum json_type t; int b; } words[] = {
    {"true", JSON_BOOL, 1}, {"false", JSON_BOOL, 0}, {"null", JSON_NULL, 0}};
  for (size_t i = 0; i < 3; i++) {
    size_t l = strlen(words[i].word);
    if ((size_t)(r->end - r->p) >= l && memcmp(r->p, words[i].word, l) == 0) {
      r->p += l;
      json_value *v = new_value(words[i].t);
      if (!v) { fail(r, "out of memory"); return NULL; }
      v->boolean = words[i].b;
      return v;
    }
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    char buf[64];
    size_t n = 0;
    while (r->p < r->end && n < sizeof buf - 1 && strchr("+-0123456789.eE", *r->p)) buf[n++] = *r->p++;
    buf[n] = '\0';
    char *endp;
    double d = strtod(buf, &endp);
    if (*endp != '\0' || n == 0) { fail(r, "bad number"); return NULL; }
    json_value *v = new_value(JSON_NUMBER);
    if (!v) { fail(r, "out of memory"); return NULL; }
    v->number = d;
    return v;
  }
  fail(r, "unexpected character");
  return NULL;
}

json_value *json_parse(const char *text, size_t len, char *err, size_t errlen) {
  reader r = {text, text + len, err, errlen};
  json_value *v = parse_value(&r, 0);
  if (!v) return NULL;
  skip_ws(&r);
  if (r.p != r.end) {
    fail(&r, "trailing characters");
    json_free(v);
    return NULL;
  }
  return v;
}

void json_free(json_value *v) {
  if (!v) return;
  for (size_t i = 0; i < v->count; i++) {
    json_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->string);
  free(v);
}

const json_value *json_get(const json_value *obj, const char *key) {
  if (!obj || obj->type != JSON_OBJECT) return NULL;
  for (size_t i = 0; i < obj->count; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}
