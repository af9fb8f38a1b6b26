/* log.c -- see log.h. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 2048
/* A loop turn's lines; more than this is written at once, mid-turn. */
#define BUFFER_BYTES (64 * 1024)

static enum log_level log_threshold = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* Lines kept until log_flush(), while a loop arranges for it. */
static struct {
	void (*schedule)(void *arg);
	void *arg;
	bool scheduled;          /* schedule() was called since the last flush */
	bool at_exit;            /* log_flush() is registered with atexit() */
	size_t len;
	char data[BUFFER_BYTES];
} kept;

/* The stamp of the second it was made for: strftime once a second. */
static struct {
	time_t second;
	char text[32];
} stamp = {(time_t)-1, ""};

void log_set_level(enum log_level level) { log_threshold = level; }

int log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int log_enabled(enum log_level level) { return level >= log_threshold; }

/* All of data to stderr (a short write goes on where it stopped). */
static void write_all(const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere to log to: nothing better to do */
		data += n;
		len -= (size_t)n;
	}
}

void log_flush(void)
{
	kept.scheduled = false;
	if (kept.len == 0)
		return;
	write_all(kept.data, kept.len);
	kept.len = 0;
}

static void flush_at_exit(void) { log_flush(); }

void log_buffer_lines(void (*schedule)(void *arg), void *arg)
{
	log_flush();
	kept.schedule = schedule;
	kept.arg = arg;
	if (schedule && !kept.at_exit && atexit(flush_at_exit) == 0)
		kept.at_exit = true;
}

static const char *stamp_now(void)
{
	time_t now = time(NULL);
	if (now != stamp.second) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp.text, sizeof(stamp.text), "%Y-%m-%dT%H:%M:%SZ", &tm);
		stamp.second = now;
	}
	return stamp.text;
}

/* One line, whole, to the kept lines or (none kept) in one write: lines of
 * concurrent writers do not mix. */
static void emit(enum log_level level, const char *line, size_t len)
{
	if (!kept.schedule) {
		write_all(line, len);
		return;
	}
	if (kept.len + len > sizeof(kept.data))
		log_flush();
	memcpy(kept.data + kept.len, line, len);
	kept.len += len;
	/* An error may be the last thing the daemon says before it stops. */
	if (level >= LOG_ERROR) {
		log_flush();
	} else if (!kept.scheduled) {
		kept.scheduled = true;
		kept.schedule(kept.arg);
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char line[LINE_MAX_BYTES];
	int head = snprintf(line, sizeof(line), "%s %s ", stamp_now(), level_names[level]);
	if (head < 0)
		return;
	size_t n = (size_t)head;
	va_list ap;
	va_start(ap, fmt);
	int body = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	size_t room = sizeof(line) - n - 1; /* what vsnprintf wrote at most */
	if (body > 0)
		n += (size_t)body < room ? (size_t)body : room;
	line[n++] = '\n'; /* over the NUL: a line cut short still ends */
	emit(level, line, n);
}
