/* yamlnode.h -- the part of libyaml's document API the loaders share.
 *
 * config.c and flow.c read a whole file into a yaml_document_t and walk its
 * nodes.  These helpers load the file with a precise syntax error and read
 * positions, scalars, maps and lists.  Positions are 1-based; libyaml's marks
 * are 0-based and count characters, not bytes.
 *
 * Every node pointer and string returned here belongs to the ydoc and lives
 * until ydoc_release(). */
#ifndef SAUTI_YAMLNODE_H
#define SAUTI_YAMLNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct ydoc {
	yaml_document_t doc;
	bool loaded;
};

struct ypos {
	int line, column;       /* 0, 0: the whole file */
};

/* Loads the one YAML document in path.  An empty file loads as a document
 * without a root (ydoc_root() is NULL).  On error returns -1 with the place
 * in *pos and a sentence in err; d then needs no release. */
int ydoc_load(struct ydoc *d, const char *path, struct ypos *pos, char *err,
	      size_t errsize);
/* The same for a document in memory (text[len] must be '\0'; it stays the
 * caller's): the texts compiled into the binary. */
int ydoc_load_string(struct ydoc *d, const char *text, size_t len,
		     struct ypos *pos, char *err, size_t errsize);
void ydoc_release(struct ydoc *d);

yaml_node_t *ydoc_root(struct ydoc *d);

struct ypos ynode_pos(const yaml_node_t *n);
/* The place of the byte at offset in a scalar's value, when the scalar is
 * written on one line without escapes; otherwise where the scalar starts. */
struct ypos ynode_pos_at(const yaml_node_t *n, size_t offset);

bool ynode_is_scalar(const yaml_node_t *n);
bool ynode_is_map(const yaml_node_t *n);
bool ynode_is_seq(const yaml_node_t *n);
/* A key given without a value: an empty plain scalar, "~" or "null". */
bool ynode_is_null(const yaml_node_t *n);
/* A scalar's value, or NULL for a map or a list. */
const char *ynode_str(const yaml_node_t *n);
/* "a map", "a list" or "a text", for sentences like "must be a list, not a
 * map". */
const char *ynode_what(const yaml_node_t *n);

size_t yseq_len(const yaml_node_t *seq);
yaml_node_t *yseq_item(struct ydoc *d, const yaml_node_t *seq, size_t i);

size_t ymap_len(const yaml_node_t *map);
yaml_node_t *ymap_key(struct ydoc *d, const yaml_node_t *map, size_t i);
yaml_node_t *ymap_value(struct ydoc *d, const yaml_node_t *map, size_t i);
/* The value of the first entry whose key is key, or NULL. */
yaml_node_t *ymap_get(struct ydoc *d, const yaml_node_t *map,
		      const char *key);

/* The word of words (a NULL-terminated list) nearest to word, as a "did you
 * mean" would offer it, or NULL when none is close. */
const char *yword_closest(const char *word, const char *const *words);

/* Checks the key of a map's i-th entry: a plain text, not repeated earlier
 * in the map, and one of allowed (a NULL-terminated list; NULL allows any).
 * Returns 0, or -1 with a sentence in why ("unknown key 'tilte' (did you
 * mean 'title'?)"). */
int ymap_check_key(struct ydoc *d, const yaml_node_t *map, size_t i,
		   const char *const *allowed, char *why, size_t size);

#endif
