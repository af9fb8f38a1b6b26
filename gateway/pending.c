/* TEMPORARY: replaced as issues 4 and 5 land. */
#include <stdio.h>
#include "commands.h"
#include "http.h"
#include "serve.h"
static int not_yet(const char *what) { fprintf(stderr, "sauti: %s is not built yet\n", what); return 1; }
int cmd_broadcast(int argc, char **argv) { (void)argc; (void)argv; return not_yet("broadcast"); }
int cmd_report(int argc, char **argv) { (void)argc; (void)argv; return not_yet("report"); }
