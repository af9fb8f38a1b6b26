/* fuzz_phone.c -- libFuzzer target: phone_normalise() and
 * phone_normalise_mobile(), and through them the libphonenumber wrapper
 * (phonenumber.cc).
 *
 * Input: one byte choosing the output room (1..PHONE_E164_SIZE bytes), then
 * the number as a person or a spreadsheet wrote it.  Each input is tried
 * with the default countries TZ, GH, PE and none.
 *
 * The output buffer is exactly the room given, so ASan sees a write past
 * it.  A number that normalises must be E.164 and normalise to itself
 * again; a mobile number is also a number, the same one, and has a region;
 * a refused number must say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "phone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const countries[] = {"TZ", "GH", "PE", NULL};

static void try_country(const char *input, const char *country, size_t room)
{
	char *out = xmalloc(room);
	char full[PHONE_E164_SIZE], again[PHONE_E164_SIZE];
	const char *reason = NULL;
	int ok = phone_normalise(input, country, full, sizeof(full),
				 &reason) == 0;

	if (!ok) {
		FUZZ_CHECK(reason && *reason);
	} else {
		FUZZ_CHECK(phone_is_e164(full));
		FUZZ_CHECK(phone_normalise(full, country, again, sizeof(again),
					   NULL) == 0);
		FUZZ_CHECK(strcmp(full, again) == 0);
		int minutes = 99999;
		int known = phone_utc_offset(full, &minutes) == 0;
		FUZZ_CHECK(!known || (minutes >= -12 * 60 && minutes <= 14 * 60));
		FUZZ_CHECK(known || (strncmp(full, "+255", 4) != 0 &&
				     strncmp(full, "+233", 4) != 0));
	}
	char mobile[PHONE_E164_SIZE], region[PHONE_REGION_SIZE];
	char own[PHONE_REGION_SIZE];
	reason = NULL;
	if (phone_normalise_mobile(input, country, mobile, sizeof(mobile), own,
				   &reason) == 0) {
		FUZZ_CHECK(ok && strcmp(mobile, full) == 0);
		FUZZ_CHECK(phone_region(mobile, region) == 0);
		FUZZ_CHECK(strlen(region) == 2 && strcmp(region, own) == 0);
		FUZZ_CHECK(phone_normalise_mobile(mobile, NULL, again,
						  sizeof(again), NULL, NULL) == 0);
		FUZZ_CHECK(strcmp(mobile, again) == 0);
	} else {
		FUZZ_CHECK(reason && *reason);
	}
	/* A smaller room: success only when the whole number fits. */
	if (phone_normalise(input, country, out, room, NULL) == 0)
		FUZZ_CHECK(ok && strlen(out) < room && strcmp(out, full) == 0);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t room = 1 + data[0] % PHONE_E164_SIZE;
	char *input = fuzz_strndup(data + 1, size - 1);

	for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++)
		try_country(input, countries[i], room);
	FUZZ_CHECK(!phone_is_e164(input) || input[0] == '+');
	free(input);
	return 0;
}
