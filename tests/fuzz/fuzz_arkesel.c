/* fuzz_arkesel.c -- libFuzzer target: a POST /ussd/arkesel body, as
 * ussd_dialect.c reads it (see fuzz_ussd_dialect() in fuzzutil.h).
 *
 * Input: the ?code= value, a newline, then the JSON body. */
#include <stdint.h>

#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ussd_dialect(USSD_ARKESEL, data, size);
	return 0;
}
