/* cmd_people.c -- `sauti contacts list|show|forget` (a person's rights of
 * access and erasure) and `sauti audit` (who did what).  docs/commands.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "person.h"
#include "phone.h"
#include "pseudo.h"
#include "timeutil.h"
#include "usage.h"

/* The number as stored, or -1 having said why not. */
static int read_phone(const struct cli *c, const char *arg, char out[PHONE_E164_SIZE])
{
	const char *why = NULL;
	if (phone_normalise(arg, c->cfg.country, out, PHONE_E164_SIZE, &why) < 0) {
		fprintf(stderr, "sauti: '%s' is not a phone number: %s\n", arg,
			why ? why : "unreadable");
		return -1;
	}
	return 0;
}

/* -- list ------------------------------------------------------------------------ */

struct list_cli {
	struct cli *cli;
	bool jsonl, raw_phone;
	long count;
};

static void on_audited(int rc, void *arg)
{
	struct cli *c = arg;
	(void)rc; /* audit_record logged a failure already */
	cli_done(c, c->status);
}

static void on_listed(json_t *rows, void *arg)
{
	struct list_cli *l = arg;
	if (!rows) {
		fprintf(stderr, "sauti: redis failed while listing contacts\n");
		cli_done(l->cli, 1);
		return;
	}
	struct buf out = BUF_INIT;
	if (l->jsonl)
		person_rows_jsonl(rows, &out);
	else
		person_rows_csv(rows, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	l->count = (long)json_array_size(rows);
	l->cli->status = 0;
	if (!l->raw_phone ||
	    audit_record(l->cli->db, AUDIT_WHO_CLI, AUDIT_RAW_PHONE, "contacts", l->count,
			 on_audited, l->cli) < 0)
		cli_done(l->cli, 0);
}

static int contacts_list(struct cli *c, int argc, char **argv)
{
	struct list_cli l = {.cli = c};
	const char *group = NULL;
	for (int i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--group") == 0 && v) {
			group = argv[++i];
		} else if (strcmp(argv[i], "--format") == 0 && v &&
			   (strcmp(v, "csv") == 0 || strcmp(v, "jsonl") == 0)) {
			l.jsonl = strcmp(argv[++i], "jsonl") == 0;
		} else if (strcmp(argv[i], "--raw-phone") == 0) {
			l.raw_phone = true;
		} else {
			return usage_print("contacts list", 2);
		}
	}
	if (person_list(c->db, group, l.raw_phone ? NULL : config_pseudonym_key(&c->cfg), on_listed,
			&l) < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		return 1;
	}
	cli_run(c);
	return c->status;
}

/* -- show ------------------------------------------------------------------------ */

static void on_shown(int rc, json_t *parts, void *arg)
{
	struct cli *c = arg;
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed\n");
	} else if (rc == 1) {
		fprintf(stderr, "sauti: nothing is stored about that number\n");
	} else {
		const char *key = config_pseudonym_key(&c->cfg);
		const char *phone = json_string_value(json_object_get(parts, "phone"));
		char who[PSEUDONYM_SIZE];
		pseudonym(key, strlen(key), phone ? phone : "", who);
		json_t *record = person_record(parts, who);
		char *text = json_dumps(record, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("%s\n", text);
		free(text);
		json_decref(record);
	}
	cli_done(c, rc == 0 ? 0 : 1);
}

static int contacts_show(struct cli *c, int argc, char **argv)
{
	char phone[PHONE_E164_SIZE];
	if (argc != 3)
		return usage_print("contacts show", 2);
	if (read_phone(c, argv[2], phone) < 0)
		return 2;
	if (person_show(c->db, phone, on_shown, c) < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		return 1;
	}
	cli_run(c);
	return c->status;
}

/* -- forget ---------------------------------------------------------------------- */

struct forget_cli {
	struct cli *cli;
	char **phones;
	int n, next;
	long erased;          /* people */
	int status;
};

static void forget_next(struct forget_cli *f);

static void on_forget_audited(int rc, void *arg)
{
	struct forget_cli *f = arg;
	(void)rc;
	cli_done(f->cli, f->status);
}

static void on_forgotten(int rc, const char *erased, void *arg)
{
	struct forget_cli *f = arg;
	const char *phone = f->phones[f->next - 1];
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed while erasing %s\n", phone);
		f->status = 1;
	} else if (rc == 1) {
		fprintf(stderr, "sauti: %s: never seen, nothing to erase\n", phone);
		f->status = 1;
	} else {
		printf("%s: erased %s\n", phone, erased);
		f->erased++;
	}
	forget_next(f);
}

static void forget_next(struct forget_cli *f)
{
	if (f->next >= f->n) {
		if (!f->erased || audit_record(f->cli->db, AUDIT_WHO_CLI, AUDIT_FORGET, "contacts",
					       f->erased, on_forget_audited, f) < 0)
			cli_done(f->cli, f->status);
		return;
	}
	if (person_forget(f->cli->db, f->phones[f->next++], on_forgotten, f) < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		f->status = 1;
		cli_done(f->cli, 1);
	}
}

static int contacts_forget(struct cli *c, int argc, char **argv)
{
	if (argc < 3)
		return usage_print("contacts forget", 2);
	struct forget_cli f = {.cli = c, .n = argc - 2};
	f.phones = xcalloc((size_t)f.n, sizeof(*f.phones));
	int status = 2;
	for (int i = 0; i < f.n; i++) {
		f.phones[i] = xcalloc(1, PHONE_E164_SIZE);
		if (read_phone(c, argv[i + 2], f.phones[i]) < 0)
			goto out;
	}
	forget_next(&f);
	cli_run(c);
	status = c->status;
out:
	for (int i = 0; i < f.n; i++)
		free(f.phones[i]);
	free(f.phones);
	return status;
}

int cmd_contacts_people(int argc, char **argv)
{
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_DB) < 0)
		return 1;
	int status;
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		status = contacts_list(&c, argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "show") == 0)
		status = contacts_show(&c, argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "forget") == 0)
		status = contacts_forget(&c, argc, argv);
	else
		status = usage_print("contacts", 2);
	cli_close(&c);
	return status;
}

/* -- audit ------------------------------------------------------------------------ */

static void on_entry(const struct audit_entry *e, void *arg)
{
	(void)arg;
	struct buf out = BUF_INIT;
	audit_entry_json(e, &out);
	fputs(buf_str(&out), stdout);
	buf_release(&out);
}

static void on_read(int rc, void *arg)
{
	struct cli *c = arg;
	if (rc < 0)
		fprintf(stderr, "sauti: redis failed while reading the audit trail\n");
	cli_done(c, rc < 0 ? 1 : 0);
}

int cmd_audit(int argc, char **argv)
{
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_DB) < 0)
		return 1;
	long since = 0;
	int status = 2;
	if (argc == 3 && strcmp(argv[1], "--since") == 0) {
		if (time_parse_iso8601(argv[2], &since) < 0) {
			fprintf(stderr, "sauti: --since needs ISO 8601, e.g. 2026-12-01T00:00:00Z\n");
			goto out;
		}
	} else if (argc != 1) {
		usage_print("audit", 2);
		goto out;
	}
	status = 1;
	if (audit_read(c.db, since, on_entry, on_read, &c) < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		goto out;
	}
	cli_run(&c);
	status = c.status;
out:
	cli_close(&c);
	return status;
}
