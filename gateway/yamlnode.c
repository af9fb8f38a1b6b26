/* yamlnode.c -- see yamlnode.h. */
#include "yamlnode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "text.h"

/* Flow and config files are written by hand; anything bigger is a mistake. */
#define YDOC_MAX_BYTES (4u << 20)

static int read_all(const char *path, struct buf *out, char *err,
		    size_t errsize)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsize, "cannot open: %s", strerror(errno));
		return -1;
	}
	char chunk[8192];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > YDOC_MAX_BYTES) {
			snprintf(err, errsize, "file is larger than %u bytes",
				 YDOC_MAX_BYTES);
			rc = -1;
			break;
		}
		buf_append(out, chunk, n);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errsize, "cannot read: %s", strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}


/* The 1-based place of byte offset in data. */
static struct ypos offset_pos(const char *data, size_t len, size_t offset)
{
	struct ypos pos = {1, 1};
	const char *line = data;
	if (offset > len)
		offset = len;
	for (size_t i = 0; i < offset; i++) {
		if (data[i] == '\n') {
			pos.line++;
			line = data + i + 1;
		}
	}
	pos.column = 1 + (int)utf8_length(line, (size_t)(data + offset - line));
	return pos;
}

/* The byte at a 0-based line and character column, or -1 past the end. */
static int char_at(const char *data, size_t len, size_t line, size_t column)
{
	size_t i = 0;
	while (line > 0 && i < len) {
		if (data[i++] == '\n')
			line--;
	}
	while (i < len && data[i] != '\n') {
		if (column == 0)
			return (unsigned char)data[i];
		i++;
		while (i < len && ((unsigned char)data[i] & 0xC0) == 0x80)
			i++;
		column--;
	}
	return -1;
}

/* The spaces that start a 0-based line, or -1 for a line with nothing but
 * spaces or a comment (it says nothing about indentation).  *inner gets the
 * column of what follows a "- " at the start, the indentation of the keys of
 * a list item, or -1. */
static int line_indent(const char *data, size_t len, size_t line, int *inner)
{
	size_t i = 0;
	while (line > 0 && i < len) {
		if (data[i++] == '\n')
			line--;
	}
	int n = 0;
	while (i + (size_t)n < len && data[i + (size_t)n] == ' ')
		n++;
	const char *s = data + i + n;
	size_t rest = len - i - (size_t)n;
	*inner = -1;
	if (!rest || *s == '\n' || *s == '\r' || *s == '#')
		return -1;
	if (rest >= 2 && s[0] == '-' && s[1] == ' ') {
		int k = 1;
		while ((size_t)k < rest && s[k] == ' ')
			k++;
		if ((size_t)k < rest && s[k] != '\n' && s[k] != '#')
			*inner = n + k;
	}
	return n;
}

/* For a line that starts where the parser gave up: the indentation nearest
 * its own among the lines above it, below (*less) and above (*more) it, -1
 * where there is none; returns whether one of them has the line's own. */
static bool indents_above(const char *data, size_t len, size_t line, int own,
			  int *less, int *more)
{
	bool same = false;
	*less = *more = -1;
	for (size_t l = 0; l < line; l++) {
		int inner, n = line_indent(data, len, l, &inner);
		for (int k = 0; k < 2; k++) {
			int v = k ? inner : n;
			if (v < 0)
				continue;
			if (v == own)
				same = true;
			else if (v < own && v > *less)
				*less = v;
			else if (v > own && (*more < 0 || v < *more))
				*more = v;
		}
	}
	return same;
}

/* The hint for an entry the parser did not expect at the start of a line:
 * almost always one indented by a space too many or too few. */
static void indent_hint(const char *data, size_t len, size_t line, int own,
			char *out, size_t size)
{
	int less, more;
	if (indents_above(data, len, line, own, &less, &more) ||
	    (less < 0 && more < 0)) {
		snprintf(out, size,
			 "; check the indentation of line %zu: each key lines "
			 "up with the other keys of its map, each '- ' with "
			 "the other items of its list",
			 line + 1);
		return;
	}
	char others[48];
	if (less >= 0 && more >= 0)
		snprintf(others, sizeof(others), "%d or %d", less, more);
	else
		snprintf(others, sizeof(others), "%d", less >= 0 ? less : more);
	snprintf(out, size,
		 "; line %zu is indented by %d spaces, the lines above it by "
		 "%s: line it up with the keys it belongs with",
		 line + 1, own, others);
}

/* A hint for the mistakes people make most in a hand-written file, in out
 * ("" when there is none). */
static void syntax_hint(const yaml_parser_t *p, const struct buf *data,
			char *out, size_t size)
{
	const char *problem = p->problem ? p->problem : "";
	const char *context = p->context;
	const char *text = buf_str(data);
	size_t line = p->problem_mark.line, column = p->problem_mark.column;
	int c = char_at(text, data->len, line, column);
	int before = column ? char_at(text, data->len, line, column - 1) : -1;
	int inner, indent = line_indent(text, data->len, line, &inner);
	bool expected = strstr(problem, "did not find expected") != NULL;

	*out = '\0';
	if (c == '\t' && !strstr(problem, "tab"))
		snprintf(out, size, "; indent with spaces, not tabs");
	else if (expected && context && strstr(context, "flow") &&
		 p->context_mark.line < line)
		snprintf(out, size,
			 "; the '%c' at line %zu, column %zu is never closed: "
			 "end it with '%c'",
			 strstr(context, "sequence") ? '[' : '{',
			 p->context_mark.line + 1, p->context_mark.column + 1,
			 strstr(context, "sequence") ? ']' : '}');
	else if (strstr(problem, "mapping values are not allowed") ||
		 (expected && c == ':'))
		snprintf(out, size, "; put a text that contains ': ' in quotes");
	else if (strstr(problem, "alias") || strstr(problem, "anchor") ||
		 (context && (strstr(context, "alias") ||
			      strstr(context, "anchor"))))
		snprintf(out, size,
			 "; put a text that starts with '*' or '&' in quotes, "
			 "like \"*150*88#\"");
	else if (c == '@' || c == '`')
		snprintf(out, size,
			 "; put a text that starts with '@' or '`' in quotes");
	else if (strstr(problem, "could not find expected ':'"))
		snprintf(out, size,
			 "; write a key, then ':' and a space, then its value, "
			 "like 'save: years'");
	else if (expected && before == '"')
		snprintf(out, size,
			 "; a text in double quotes ends at the next '\"': "
			 "write a '\"' inside it as \\\" or put the whole text "
			 "in single quotes");
	else if (expected && indent >= 0 && (size_t)indent == column)
		indent_hint(text, data->len, line, indent, out, size);
}

static void syntax_error(const yaml_parser_t *p, const struct buf *data,
			 struct ypos *pos, char *err, size_t errsize)
{
	if (p->error == YAML_MEMORY_ERROR) {
		*pos = (struct ypos){0, 0};
		snprintf(err, errsize, "out of memory reading the file");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		*pos = offset_pos(buf_str(data), data->len, p->problem_offset);
		snprintf(err, errsize,
			 "the file is not UTF-8 text (%s); save it as UTF-8",
			 p->problem ? p->problem : "unreadable");
		return;
	}
	const char *problem = p->problem ? p->problem : "unreadable YAML";
	char hint[256];
	syntax_hint(p, data, hint, sizeof(hint));
	pos->line = (int)p->problem_mark.line + 1;
	pos->column = (int)p->problem_mark.column + 1;
	/* A key without its ':' is found missing on the line after it; the
	 * place to edit is the key. */
	if (p->context && strstr(problem, "could not find expected ':'")) {
		pos->line = (int)p->context_mark.line + 1;
		pos->column = (int)p->context_mark.column + 1;
	}
	if (p->context && !strstr(problem, "tab"))
		snprintf(err, errsize,
			 "syntax error: %s (%s that starts at line %d, "
			 "column %d)%s",
			 problem, p->context, (int)p->context_mark.line + 1,
			 (int)p->context_mark.column + 1, hint);
	else
		snprintf(err, errsize, "syntax error: %s%s", problem, hint);
}

/* libyaml keeps a "\0" escape inside a scalar; C strings cannot. */
static int check_nul(struct ydoc *d, struct ypos *pos, char *err,
		     size_t errsize)
{
	for (yaml_node_t *n = d->doc.nodes.start; n < d->doc.nodes.top; n++) {
		if (n->type == YAML_SCALAR_NODE &&
		    strlen((const char *)n->data.scalar.value) !=
			    n->data.scalar.length) {
			*pos = ynode_pos(n);
			snprintf(err, errsize, "a text holds a NUL character");
			return -1;
		}
	}
	return 0;
}

/* A second document in the file is an error: only the first would load. */
static int check_single(yaml_parser_t *p, const struct buf *data,
			struct ypos *pos, char *err, size_t errsize)
{
	yaml_document_t next;
	if (!yaml_parser_load(p, &next)) {
		syntax_error(p, data, pos, err, errsize);
		return -1;
	}
	yaml_node_t *root = yaml_document_get_root_node(&next);
	int rc = 0;
	if (root) {
		*pos = ynode_pos(root);
		snprintf(err, errsize,
			 "a second YAML document starts here; a file holds "
			 "one");
		rc = -1;
	}
	yaml_document_delete(&next);
	return rc;
}

/* Parses data (which stays the caller's) into d. */
static int load_buf(struct ydoc *d, const struct buf *data, struct ypos *pos,
		    char *err, size_t errsize)
{
	yaml_parser_t parser;
	int rc = -1;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser,
				     (const unsigned char *)buf_str(data),
				     data->len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		syntax_error(&parser, data, pos, err, errsize);
		goto out;
	}
	d->loaded = true;
	if (ydoc_root(d) && (check_single(&parser, data, pos, err,
					  errsize) < 0 ||
			     check_nul(d, pos, err, errsize) < 0)) {
		ydoc_release(d);
		goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&parser);
	return rc;
}

int ydoc_load(struct ydoc *d, const char *path, struct ypos *pos, char *err,
	      size_t errsize)
{
	struct buf data = BUF_INIT;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	*pos = (struct ypos){0, 0};
	if (read_all(path, &data, err, errsize) == 0)
		rc = load_buf(d, &data, pos, err, errsize);
	buf_release(&data);
	return rc;
}

int ydoc_load_string(struct ydoc *d, const char *text, size_t len,
		     struct ypos *pos, char *err, size_t errsize)
{
	struct buf data = {(char *)text, len, len};

	memset(d, 0, sizeof(*d));
	*pos = (struct ypos){0, 0};
	return load_buf(d, &data, pos, err, errsize);
}

void ydoc_release(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}

yaml_node_t *ydoc_root(struct ydoc *d)
{
	return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

struct ypos ynode_pos(const yaml_node_t *n)
{
	struct ypos pos = {(int)n->start_mark.line + 1,
			   (int)n->start_mark.column + 1};
	return pos;
}

struct ypos ynode_pos_at(const yaml_node_t *n, size_t offset)
{
	struct ypos pos = ynode_pos(n);
	if (n->type != YAML_SCALAR_NODE ||
	    n->start_mark.line != n->end_mark.line)
		return pos;
	size_t quotes;
	switch (n->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		quotes = 0;
		break;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		quotes = 1;
		break;
	default:
		return pos;
	}
	const char *v = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;
	/* Written as it reads only when the widths agree: an escape, a '' or
	 * an anchor in front would make them differ. */
	if (n->end_mark.column - n->start_mark.column !=
	    utf8_length(v, len) + 2 * quotes)
		return pos;
	if (offset > len)
		offset = len;
	pos.column += (int)(quotes + utf8_length(v, offset));
	return pos;
}

bool ynode_is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

bool ynode_is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool ynode_is_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

bool ynode_is_null(const yaml_node_t *n)
{
	if (!ynode_is_scalar(n) ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

const char *ynode_str(const yaml_node_t *n)
{
	return ynode_is_scalar(n) ? (const char *)n->data.scalar.value : NULL;
}

const char *ynode_what(const yaml_node_t *n)
{
	if (ynode_is_map(n))
		return "a map";
	if (ynode_is_seq(n))
		return "a list";
	if (ynode_is_null(n))
		return "empty";
	return "a text";
}

size_t yseq_len(const yaml_node_t *seq)
{
	if (!ynode_is_seq(seq))
		return 0;
	return (size_t)(seq->data.sequence.items.top -
			seq->data.sequence.items.start);
}

yaml_node_t *yseq_item(struct ydoc *d, const yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(&d->doc,
				      seq->data.sequence.items.start[i]);
}

size_t ymap_len(const yaml_node_t *map)
{
	if (!ynode_is_map(map))
		return 0;
	return (size_t)(map->data.mapping.pairs.top -
			map->data.mapping.pairs.start);
}

yaml_node_t *ymap_key(struct ydoc *d, const yaml_node_t *map, size_t i)
{
	return yaml_document_get_node(&d->doc,
				      map->data.mapping.pairs.start[i].key);
}

yaml_node_t *ymap_value(struct ydoc *d, const yaml_node_t *map, size_t i)
{
	return yaml_document_get_node(&d->doc,
				      map->data.mapping.pairs.start[i].value);
}

yaml_node_t *ymap_get(struct ydoc *d, const yaml_node_t *map,
		      const char *key)
{
	size_t n = ymap_len(map);
	for (size_t i = 0; i < n; i++) {
		const char *k = ynode_str(ymap_key(d, map, i));
		if (k && !strcmp(k, key))
			return ymap_value(d, map, i);
	}
	return NULL;
}

/* Edit distance, for "did you mean"; long words are never close. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[33];
	if (la > 32 || lb > 32)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;
	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/* The allowed key nearest to key (a tie goes to the longer shared start:
 * "sav" is "save", not "say"), or NULL when none is close. */
static const char *closest(const char *key, const char *const *allowed)
{
	const char *best = NULL;
	size_t best_d = 3, best_p = 0;
	for (size_t i = 0; allowed[i]; i++) {
		size_t dd = distance(key, allowed[i]);
		size_t p = common_prefix(key, allowed[i]);
		if (dd >= strlen(allowed[i]))
			continue;
		if (dd < best_d || (dd == best_d && best && p > best_p)) {
			best = allowed[i];
			best_d = dd;
			best_p = p;
		}
	}
	return best;
}

const char *yword_closest(const char *word, const char *const *words)
{
	return closest(word, words);
}

int ymap_check_key(struct ydoc *d, const yaml_node_t *map, size_t i,
		   const char *const *allowed, char *why, size_t size)
{
	yaml_node_t *key = ymap_key(d, map, i);
	const char *k = ynode_str(key);
	if (!k) {
		snprintf(why, size, "a key must be a plain text, not %s",
			 ynode_what(key));
		return -1;
	}
	for (size_t j = 0; j < i; j++) {
		const char *other = ynode_str(ymap_key(d, map, j));
		if (other && !strcmp(other, k)) {
			snprintf(why, size,
				 "key '%s' is given twice (first at line %d)",
				 k, ynode_pos(ymap_key(d, map, j)).line);
			return -1;
		}
	}
	if (!allowed)
		return 0;
	for (size_t j = 0; allowed[j]; j++)
		if (!strcmp(allowed[j], k))
			return 0;
	const char *guess = closest(k, allowed);
	if (guess)
		snprintf(why, size, "unknown key '%s' (did you mean '%s'?)", k,
			 guess);
	else
		snprintf(why, size, "unknown key '%s'", k);
	return -1;
}
