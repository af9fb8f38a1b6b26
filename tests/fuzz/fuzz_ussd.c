/* fuzz_ussd.c -- libFuzzer target: the parameters Kannel sends on
 * /kannel/sms, as kannel.c reads them.
 *
 * Input: one byte choosing the session-info room (0..16 bytes) and the
 * default country, then the `from` value, a newline, and the `meta` value
 * ("?smpp?ussd_service_op=%01&its_session_info=*%00&").  The percent
 * decoding of the query string itself is libevent's, not ours.
 *
 * ussd_meta_parse() must never write more session info than the room it was
 * given (the buffer is exactly that size, so ASan sees one byte more), and
 * phone_normalise() must turn `from` into E.164 or refuse it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "phone.h"
#include "ussd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const countries[] = {"TZ", "GH", NULL, "tz"};

static void parse_meta(const char *meta, size_t room)
{
	unsigned char *info = malloc(room); /* room 0: nothing may be written */
	size_t len = room;
	int op = -1;

	FUZZ_CHECK(info || room == 0);
	if (ussd_meta_parse(meta, &op, info, &len) == 0) {
		FUZZ_CHECK(op >= 0 && op <= 999);
		FUZZ_CHECK(strstr(meta, "?smpp?") != NULL);
	}
	FUZZ_CHECK(len <= room);
	free(info);
}

static void parse_from(const char *from, const char *country)
{
	char e164[PHONE_E164_SIZE];
	const char *reason = NULL;

	if (phone_normalise(from, country, e164, sizeof(e164), &reason) == 0)
		FUZZ_CHECK(phone_is_e164(e164));
	else
		FUZZ_CHECK(reason && *reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t room = data[0] % 17;
	const char *country = countries[(data[0] >> 5) & 3];
	data++;
	size--;
	char *from = fuzz_split(&data, &size, '\n');
	char *meta = fuzz_strndup(data, size);

	parse_from(from, country);
	parse_meta(meta, room);
	parse_meta(meta, 8); /* what kannel.c gives it */
	free(from);
	free(meta);
	return 0;
}
