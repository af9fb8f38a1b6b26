/* fuzz_web.c -- libFuzzer target: what the console's HTTP side reads from a
 * request before anything else: the path mapped below web_root
 * (web_path_safe, web_content_type), an If-None-Match header
 * (web_etag_matches) and the Cookie header (session_cookie_id).
 *
 * Input: the bytes as one header or path.  Besides crashes and undefined
 * behaviour: a path called safe starts with '/' and has no "/." (no "..",
 * no dotfile), no "//" and no backslash, so it cannot lead out of web_root;
 * a session id read is 64 lowercase hex digits found in the input after
 * "sauti_session="; "*" and the exact tag always match. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "session.h"
#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *s)
{
	if (web_path_safe(s)) {
		FUZZ_CHECK(s[0] == '/');
		FUZZ_CHECK(!strstr(s, "/."));
		FUZZ_CHECK(!strstr(s, "//"));
		FUZZ_CHECK(!strchr(s, '\\'));
	}
	const char *type = web_content_type(s);
	FUZZ_CHECK(!type || strchr(type, '/'));
}

static void check_cookie(const char *s)
{
	char id[SESSION_ID_SIZE];
	if (!session_cookie_id(s, id))
		return;
	FUZZ_CHECK(strlen(id) == SESSION_ID_SIZE - 1);
	for (size_t i = 0; i < SESSION_ID_SIZE - 1; i++)
		FUZZ_CHECK((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'));
	char want[SESSION_ID_SIZE + 16];
	snprintf(want, sizeof(want), "sauti_session=%s", id);
	FUZZ_CHECK(strstr(s, want) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	check_path(s);
	check_cookie(s);
	(void)web_etag_matches(s, "\"1a-2b-3c\"");
	FUZZ_CHECK(web_etag_matches("*", s));
	if (*s && !strchr(s, ',') && !strchr(s, ' ') && !strchr(s, '\t') && strncmp(s, "W/", 2) != 0)
		FUZZ_CHECK(web_etag_matches(s, s));
	free(s);
	return 0;
}
