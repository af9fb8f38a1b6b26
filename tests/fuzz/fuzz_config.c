/* fuzz_config.c -- libFuzzer target: config_load() on one file.
 *
 * The input is config/sauti.yaml.  Loading must not crash, leak or hit
 * undefined behaviour; an error must say file:line:column or file:; a
 * configuration that loads must hold values in their documented ranges,
 * and every word it configures must be recognised as a word that always
 * works. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "config.h"
#include "fuzzutil.h"
#include "log.h"
#include "words.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	/* The environment wins over the file; keep the file in charge. */
	unsetenv("SAUTI_API_TOKEN");
	unsetenv("SAUTI_KANNEL_PASSWORD");
	unsetenv("SAUTI_PSEUDONYM_KEY");
	return 0;
}

/* The ranges of config.c's table. */
static void check_loaded(const struct config *cfg)
{
	FUZZ_CHECK(cfg->path && cfg->listen_host && cfg->redis && cfg->flows);
	FUZZ_CHECK(cfg->log_level && cfg->kannel.sendsms);
	FUZZ_CHECK(cfg->country && strlen(cfg->country) == 2);
	FUZZ_CHECK(cfg->listen_port >= 1 && cfg->listen_port <= 65535);
	FUZZ_CHECK(cfg->kannel.rate >= 1 && cfg->kannel.rate <= 1000);
	FUZZ_CHECK(cfg->ussd.max_chars >= 40 && cfg->ussd.max_chars <= 1000);
	FUZZ_CHECK(cfg->redis_timeout_ms >= 10 &&
		   cfg->redis_timeout_ms <= 600000);
	FUZZ_CHECK(cfg->max_body >= 1024 && cfg->max_body <= (64u << 20));
	FUZZ_CHECK(cfg->limits.max_per_window >= 0);
	FUZZ_CHECK(cfg->limits.window >= 1 && cfg->limits.window <= 86400);
	FUZZ_CHECK(cfg->max_in_flight >= 1);
	FUZZ_CHECK(cfg->quiet_hours.start >= -1 && cfg->quiet_hours.start < 24);
	FUZZ_CHECK(cfg->quiet_hours.end >= -1 && cfg->quiet_hours.end < 24);
	for (size_t i = 0; i < cfg->kannel.nallow; i++)
		FUZZ_CHECK(cfg->kannel.allow[i] != NULL);
}

static void check_words(const struct config *cfg)
{
	const struct word_lists lists = {
		{NULL, cfg->words.stop, cfg->words.join, cfg->words.help,
		 cfg->words.language},
		{0, cfg->words.nstop, cfg->words.njoin, cfg->words.nhelp,
		 cfg->words.nlanguage},
	};
	for (int w = WORD_STOP; w <= WORD_LANGUAGE; w++)
		for (size_t i = 0; i < lists.counts[w]; i++)
			FUZZ_CHECK(word_lookup(NULL, lists.lists[w][i], &lists) !=
				   WORD_NONE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file_write(data, size);
	struct config cfg;
	char err[512] = "";

	if (config_load(path, &cfg, err, sizeof(err)) == 0) {
		check_loaded(&cfg);
		check_words(&cfg);
		config_release(&cfg);
	} else {
		FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0);
		FUZZ_CHECK(cfg.path == NULL && cfg.listen_host == NULL);
	}
	return 0;
}
