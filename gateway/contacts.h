/* contacts.h -- reading a contacts CSV: the pure part of `sauti contacts
 * import FILE.csv` and POST /api/contacts.
 *
 * No I/O, no globals: the caller reads the file or request body, calls
 * contacts_parse() and stores the rows.
 *
 * The first record is the header.  Column names are trimmed, ASCII letters
 * lower-cased and runs of spaces or '-' turned into one '_' ("Mining site"
 * becomes the field mining_site, used in flows as {contact.mining_site}); a
 * name must then be letters, digits and '_' only.  Columns:
 *   phone     required; a valid mobile number (phone_normalise_mobile),
 *             read in the row's country, else the default country
 *   country   optional; ISO 3166 alpha-2 (any case) for this row's number
 *   name      a field like any other
 *   language  optional; 2 or 3 letters, lower-cased ("SW" -> "sw")
 *   groups    group names separated by ';'
 *   anything else becomes a field of that name.
 * Every row gets the field country: the region of its number (a number
 * written with its country code keeps its own).
 * Cells are trimmed of white space; an empty cell sets nothing.  A column
 * with an empty header is ignored as long as its cells are empty, which
 * lets trailing empty columns from spreadsheets through.
 *
 * A row with a problem is left out and reported as one error, e.g.
 * "line 4: phone '07x': contains letters", its problems joined by "; "
 * when it has several, so nerrors is the number of rows rejected; the good
 * rows are kept.  A row
 * whose cells are all empty is skipped silently.  When a phone appears in
 * several rows, the last of them wins and the earlier ones are dropped and
 * counted in nduplicates. */
#ifndef SAUTI_CONTACTS_H
#define SAUTI_CONTACTS_H

#include <stddef.h>

#include "fields.h"

struct contact_row {
	int line;               /* where the row starts in the file, 1-based */
	char *phone;            /* E.164 */
	struct fields fields;   /* name, language and any other columns */
	char **groups;          /* trimmed, non-empty, each once */
	size_t ngroups;
};

/* One rejected row. */
struct contact_error {
	int line;
	char *message;          /* starts with "line N: " */
};

/* Owns everything it points to. */
struct contacts_import {
	struct contact_row *rows;       /* in file order */
	size_t nrows;
	struct contact_error *errors;   /* in file order */
	size_t nerrors;
	size_t nduplicates;             /* rows replaced by a later row */
};

#define CONTACTS_IMPORT_INIT {NULL, 0, NULL, 0, 0}

/* Parses len bytes of CSV into *imp (which need not be initialised) with
 * country (ISO alpha-2) as the default for local phone numbers.  Returns 0,
 * or -1 with "line N: sentence" in err when the whole file is unusable: no
 * header, no phone column, a bad or repeated column name, or broken CSV such
 * as a quote never closed; *imp is then empty.  Release *imp either way. */
int contacts_parse(const char *data, size_t len, const char *country,
		   struct contacts_import *imp, char *err, size_t errsize);

void contacts_import_release(struct contacts_import *imp);

#endif
