/* log.h -- one logging family with levels, for every module.
 *
 * Lines go to stderr as "2026-11-22T09:14:03Z LEVEL message".  Phone numbers
 * never go into a line at info level or above: log a pseudonym instead
 * (see pseudo.h).  The level is process-wide and set once at start-up.
 *
 * Each line is written whole with one write(2), at once; or, once a loop
 * has asked for it with log_buffer_lines(), kept and written with the other
 * lines of the same loop turn in one write when the loop calls log_flush()
 * (the daemon: at the end of every turn, docs/operations.md).  An error is
 * written at once either way, and kept lines are written at exit(). */
#ifndef SAUTI_LOG_H
#define SAUTI_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int log_level_parse(const char *name, enum log_level *level);
int log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* From now on lines are kept: schedule(arg) is called when the first line
 * after a flush is kept, and must make log_flush() run soon (at the end of
 * the loop turn).  NULL: every line is written at once again.  Either way
 * the lines kept so far are written first. */
void log_buffer_lines(void (*schedule)(void *arg), void *arg);
/* Writes the lines kept. */
void log_flush(void);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
