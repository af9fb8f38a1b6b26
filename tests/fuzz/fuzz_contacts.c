/* fuzz_contacts.c -- libFuzzer target: contacts_parse(), the pure part of
 * `sauti contacts import` and POST /api/contacts.
 *
 * Input: one byte choosing the default country (TZ, GH, none, an unknown
 * one), then the CSV file, given as exactly its bytes.  Besides crashes,
 * leaks and undefined behaviour: every row kept has an E.164 phone that no
 * other row has, its fields and groups are set, every error says its line,
 * and a file refused as a whole leaves nothing behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contacts.h"
#include "fuzzutil.h"
#include "phone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const countries[] = {"TZ", "GH", NULL, "XX"};

static void check_import(const struct contacts_import *imp)
{
	for (size_t i = 0; i < imp->nrows; i++) {
		const struct contact_row *row = &imp->rows[i];
		FUZZ_CHECK(row->line >= 2 && phone_is_e164(row->phone));
		FUZZ_CHECK(i == 0 || row->line > imp->rows[i - 1].line);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(imp->rows[j].phone, row->phone) != 0);
		for (size_t f = 0; f < row->fields.n; f++)
			FUZZ_CHECK(row->fields.items[f].name &&
				   row->fields.items[f].value);
		for (size_t g = 0; g < row->ngroups; g++)
			FUZZ_CHECK(row->groups[g] && *row->groups[g]);
	}
	for (size_t i = 0; i < imp->nerrors; i++)
		FUZZ_CHECK(strncmp(imp->errors[i].message, "line ", 5) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct contacts_import imp;
	char err[256];

	if (size < 1)
		return 0;
	const char *country = countries[data[0] & 3];
	size_t len = size - 1;
	char *csv = xmalloc(len);
	if (len)
		memcpy(csv, data + 1, len);
	if (contacts_parse(csv, len, country, &imp, err, sizeof(err)) == 0) {
		check_import(&imp);
	} else {
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0);
		FUZZ_CHECK(imp.nrows == 0 && imp.nerrors == 0 && !imp.rows);
	}
	contacts_import_release(&imp);
	free(csv);
	return 0;
}
