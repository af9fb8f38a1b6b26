/* fuzz_text.c -- libFuzzer target: what a text costs as SMS and on a USSD
 * screen, and UTF-8 checking.
 *
 * The input is the text, given as exactly its bytes (so ASan sees a read
 * past the end), valid UTF-8 or not.  sms_cost() must describe it
 * consistently; utf8_valid(), ussd_length() and ussd_fits() must agree with
 * it, and utf8_length() must count its characters.  The same bytes read as
 * GSM 03.38 septets (USSD text from Kannel with coding=3) must decode into
 * valid UTF-8 that travels as GSM-7 again.  The first 8 bytes, read as a
 * double, also go through number_format(), which must print every value it
 * can be given. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cost(const char *s, size_t len)
{
	struct sms_cost cost;

	sms_cost(s, len, &cost);
	FUZZ_CHECK(cost.units <= 2 * len);
	FUZZ_CHECK(len == 0 || cost.segments >= 1);
	if (cost.ucs2) {
		FUZZ_CHECK(cost.first_ucs2_len >= 1 && cost.first_ucs2_len <= 4);
		FUZZ_CHECK(cost.first_ucs2 + cost.first_ucs2_len <= len);
		FUZZ_CHECK(cost.segments == 1 ? cost.units <= 70
					      : cost.segments * 67 >= cost.units);
	} else {
		FUZZ_CHECK(utf8_valid(s, len));
		FUZZ_CHECK(cost.first_ucs2 == 0 && cost.first_ucs2_len == 0);
		FUZZ_CHECK(cost.segments <= 1 ? cost.units <= 160
					      : cost.segments * 153 >= cost.units);
	}
	/* A text cut short costs no more than the whole. */
	if (len > 1) {
		struct sms_cost part;
		sms_cost(s, len / 2, &part);
		FUZZ_CHECK(part.segments <= cost.segments ||
			   (part.ucs2 && !cost.ucs2));
	}
}

static void check_length(const char *s, size_t len)
{
	size_t n = utf8_length(s, len);
	FUZZ_CHECK(n <= len);
	if (!utf8_valid(s, len))
		return;
	struct sms_cost cost;
	sms_cost(s, len, &cost);
	if (cost.ucs2)	/* UTF-16 units: one or two per character */
		FUZZ_CHECK(n <= cost.units && cost.units <= 2 * n);
}

static void check_gsm7(const uint8_t *septets, size_t n)
{
	char *text = gsm7_to_utf8(septets, n);
	size_t len = strlen(text);
	struct sms_cost cost;

	FUZZ_CHECK(utf8_valid(text, len));
	FUZZ_CHECK(utf8_length(text, len) <= n);
	/* Every character is GSM-7 again, but for the no-break space an
	 * unknown escape reads as: blank those out first. */
	for (char *p = text; (p = strstr(p, "\xc2\xa0")) != NULL; p += 2)
		memcpy(p, "  ", 2);
	sms_cost(text, len, &cost);
	FUZZ_CHECK(!cost.ucs2);
	free(text);
}

static void check_ussd(const char *s, size_t len)
{
	char *z = xstrndup(s, len);
	size_t zlen = strlen(z);
	struct sms_cost cost;
	bool ucs2;

	sms_cost(z, zlen, &cost);
	FUZZ_CHECK(ussd_length(z, &ucs2) == cost.units && ucs2 == cost.ucs2);
	FUZZ_CHECK(ussd_fits(z, 182) ==
		   (cost.units <= ussd_budget(182, cost.ucs2)));
	free(z);
}

static void check_format(const uint8_t *data, size_t size)
{
	double v;
	char out[64], big[512];

	if (size < sizeof(v))
		return;
	memcpy(&v, data, sizeof(v));
	number_format(v, big, sizeof(big));
	FUZZ_CHECK(strlen(big) < sizeof(big) && !strchr(big, 'e'));
	if (isfinite(v))
		FUZZ_CHECK(reply_number(big, NULL) == 0);
	number_format(v, out, sizeof(out)); /* cut short, never overrun */
	FUZZ_CHECK(strlen(out) < sizeof(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = xmalloc(size);

	if (size)
		memcpy(copy, data, size);
	check_cost(copy, size);
	check_ussd(copy, size);
	check_length(copy, size);
	check_gsm7((const uint8_t *)copy, size);
	check_format(data, size);
	free(copy);
	return 0;
}
