/* A minimal JSON reader for TESTTOKEN_CONFIG and the PIN state file (UTF-8 in, tree out). */
#ifndef TT_JSON_H
#define TT_JSON_H
#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

typedef struct json_value {
  enum json_type type;
  int boolean;
  double number;
  char *string;              /* JSON_STRING, NUL-terminated UTF-8 */
  size_t count;              /* items of an array or members of an object */
  struct json_value **items;
  char **keys;               /* JSON_OBJECT member names, parallel to items */
} json_value;

/* Parses text (len bytes); NULL on malformed input, with a message in err (size errlen). */
json_value *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(json_value *v);
/* Member of an object by name, or NULL. */
const json_value *json_get(const json_value *obj, const char *key);
#endif
