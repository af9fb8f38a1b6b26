/* test_contacts.c -- a contacts CSV into rows and per-row errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "contacts.h"

static void parse_ok(const char *csv, const char *country,
		     struct contacts_import *imp)
{
	char err[256] = "";
	if (contacts_parse(csv, strlen(csv), country, imp, err, sizeof(err)))
		fail_msg("whole-file error: %s", err);
}

static void expect_file_error(const char *csv, const char *want)
{
	struct contacts_import imp;
	char err[256] = "";
	assert_int_equal(contacts_parse(csv, strlen(csv), "TZ", &imp, err,
					sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(imp.nrows, 0);
	assert_int_equal(imp.nerrors, 0);
	contacts_import_release(&imp);
}

static void expect_groups(const struct contact_row *row, ...)
{
	va_list ap;
	const char *want;
	size_t i = 0;

	va_start(ap, row);
	while ((want = va_arg(ap, const char *)) != NULL) {
		assert_true(i < row->ngroups);
		assert_string_equal(row->groups[i], want);
		i++;
	}
	va_end(ap);
	assert_int_equal(row->ngroups, i);
}

static void test_full_file(void **state)
{
	static const char csv[] =
	    "\xef\xbb\xbfphone,name,language,groups,District,Mining site\r\n"
	    "0712 345 678,Asha Shaaban,SW,geita; wanawake ;geita,Geita,Nyarugusu\r\n"
	    "+233 24 123 4567,Kwame Mensah,en,tarkwa,,\r\n"
	    "754 111 222, Zuhura Mwanaisha ,,,Chunya,\"Sangambi, shimo 4\"\r\n";
	struct contacts_import imp;
	const struct contact_row *r;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	assert_int_equal(imp.nerrors, 0);
	assert_int_equal(imp.nrows, 3);
	assert_int_equal(imp.nduplicates, 0);

	r = &imp.rows[0];
	assert_int_equal(r->line, 2);
	assert_string_equal(r->phone, "+255712345678");
	assert_string_equal(fields_get(&r->fields, "name"), "Asha Shaaban");
	assert_string_equal(fields_get(&r->fields, "language"), "sw");
	assert_string_equal(fields_get(&r->fields, "district"), "Geita");
	assert_string_equal(fields_get(&r->fields, "mining_site"), "Nyarugusu");
	assert_null(fields_get(&r->fields, "groups"));
	assert_null(fields_get(&r->fields, "phone"));
	assert_string_equal(fields_get(&r->fields, "country"), "TZ");
	assert_int_equal(r->fields.n, 5);
	expect_groups(r, "geita", "wanawake", NULL);

	r = &imp.rows[1];
	assert_int_equal(r->line, 3);
	assert_string_equal(r->phone, "+233241234567");
	assert_string_equal(fields_get(&r->fields, "language"), "en");
	/* empty cells set nothing */
	assert_null(fields_get(&r->fields, "district"));
	assert_null(fields_get(&r->fields, "mining_site"));
	/* written with its country code: it keeps its own country */
	assert_string_equal(fields_get(&r->fields, "country"), "GH");
	assert_int_equal(r->fields.n, 3);
	expect_groups(r, "tarkwa", NULL);

	r = &imp.rows[2];
	assert_int_equal(r->line, 4);
	assert_string_equal(r->phone, "+255754111222");
	assert_string_equal(fields_get(&r->fields, "name"), "Zuhura Mwanaisha");
	assert_null(fields_get(&r->fields, "language"));
	assert_string_equal(fields_get(&r->fields, "mining_site"),
			    "Sangambi, shimo 4");
	expect_groups(r, NULL);
	contacts_import_release(&imp);
	assert_null(imp.rows);
}

static void test_phone_only(void **state)
{
	struct contacts_import imp;
	(void)state;
	parse_ok("phone\n0201234567\n0241234567\n", "GH", &imp);
	assert_int_equal(imp.nrows, 2);
	assert_string_equal(imp.rows[0].phone, "+233201234567");
	assert_string_equal(imp.rows[1].phone, "+233241234567");
	assert_int_equal(imp.rows[0].fields.n, 1);      /* country */
	assert_string_equal(fields_get(&imp.rows[0].fields, "country"), "GH");
	contacts_import_release(&imp);
}

/* The case: Tanzanian and Ghanaian local numbers in one file, each
 * row naming its country; landlines refused with their line and why. */
static void test_country_column(void **state)
{
	static const char csv[] =
	    "phone,country,name\n"
	    "0712 345 678,TZ,Asha\n"                   /* 2 */
	    "024 123 4567,GH,Kwame\n"                  /* 3 */
	    "0302 123456,GH,Office in Accra\n"         /* 4: a landline */
	    "0754 111 222,,Zuhura\n"                   /* 5: the default */
	    "+233 20 123 4567,TZ,Ama\n"                /* 6: its own country */
	    "0222 123 456,tz,Office in Dar\n"          /* 7: a landline */
	    "0712 345 679,XX,Nobody\n"                 /* 8: no such country */
	    "0201234567,gh,Yaw\n"                      /* 9: lower case */
	    "0712345670,GH,Wrong country\n";           /* 10 */
	struct contacts_import imp;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	static const struct {
		int line;
		const char *phone, *country;
	} want[] = {
		{2, "+255712345678", "TZ"},
		{3, "+233241234567", "GH"},
		{5, "+255754111222", "TZ"},
		{9, "+233201234567", "GH"},   /* row 6 too: the later wins */
	};
	assert_int_equal(imp.nrows, 4);
	assert_int_equal(imp.nduplicates, 1);
	for (size_t i = 0; i < imp.nrows; i++) {
		assert_int_equal(imp.rows[i].line, want[i].line);
		assert_string_equal(imp.rows[i].phone, want[i].phone);
		assert_string_equal(fields_get(&imp.rows[i].fields, "country"),
				    want[i].country);
	}
	assert_int_equal(imp.nerrors, 4);
	assert_string_equal(imp.errors[0].message,
			    "line 4: phone '0302 123456': a landline, not a mobile number");
	assert_string_equal(imp.errors[1].message,
			    "line 7: phone '0222 123 456': a landline, not a mobile number");
	assert_string_equal(imp.errors[2].message,
			    "line 8: country 'XX': use a country code of 2 letters, "
			    "such as TZ or GH");
	assert_string_equal(imp.errors[3].message,
			    "line 10: phone '0712345670': not a valid number in its country");
	contacts_import_release(&imp);
}

static void test_row_errors_keep_good_rows(void **state)
{
	static const char csv[] =
	    "phone,name,language\n"
	    "0712345678,Asha,sw\n"
	    "07x,Juma,sw\n"
	    ",Neema,en\n"
	    "0754111222,Baraka,Kiswahili\n"
	    "15055,Shortcode,\n"
	    "0765111222,Rehema,s1\n"
	    "0711,Too Short,\n"
	    "0713999888,Amina,EN\n";
	struct contacts_import imp;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	assert_int_equal(imp.nrows, 2);
	assert_string_equal(imp.rows[0].phone, "+255712345678");
	assert_string_equal(imp.rows[1].phone, "+255713999888");
	assert_string_equal(fields_get(&imp.rows[1].fields, "language"), "en");
	assert_int_equal(imp.nerrors, 6);
	assert_int_equal(imp.errors[0].line, 3);
	assert_string_equal(imp.errors[0].message,
			    "line 3: phone '07x': contains letters");
	assert_string_equal(imp.errors[1].message, "line 4: phone is missing");
	assert_string_equal(imp.errors[2].message,
			    "line 5: language 'Kiswahili': use a code of 2 or 3 "
			    "letters, such as sw or en");
	assert_string_equal(imp.errors[3].message,
			    "line 6: phone '15055': short code, not a phone number");
	assert_string_equal(imp.errors[4].message,
			    "line 7: language 's1': use a code of 2 or 3 "
			    "letters, such as sw or en");
	assert_string_equal(imp.errors[5].message,
			    "line 8: phone '0711': too short");
	contacts_import_release(&imp);
	assert_null(imp.errors);
	assert_int_equal(imp.nerrors, 0);
}

static void test_several_problems_in_one_row(void **state)
{
	struct contacts_import imp;
	(void)state;
	/* one error per rejected row, naming every problem */
	parse_ok("phone,language,,\nabc,english,x,,z\n0712345678\n", "TZ",
		 &imp);
	assert_int_equal(imp.nrows, 1);
	assert_int_equal(imp.nerrors, 1);
	assert_int_equal(imp.errors[0].line, 2);
	assert_string_equal(imp.errors[0].message,
			    "line 2: 5 cells but the header has 4 columns (a "
			    "comma in a value needs the value in double quotes); "
			    "phone 'abc': contains letters; language 'english': "
			    "use a code of 2 or 3 letters, such as sw or en; a "
			    "value in column 3, which has no name in the header");
	contacts_import_release(&imp);
}

static void test_duplicates_later_wins(void **state)
{
	static const char csv[] =
	    "phone,name\n"
	    "0712345678,First\n"
	    "0754111222,Other\n"
	    "+255 712 345 678,Second\n"
	    "255712345678,Third\n";
	struct contacts_import imp;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	assert_int_equal(imp.nerrors, 0);
	assert_int_equal(imp.nduplicates, 2);
	assert_int_equal(imp.nrows, 2);
	assert_string_equal(imp.rows[0].phone, "+255754111222");
	assert_string_equal(imp.rows[1].phone, "+255712345678");
	assert_string_equal(fields_get(&imp.rows[1].fields, "name"), "Third");
	assert_int_equal(imp.rows[1].line, 5);
	contacts_import_release(&imp);
}

static void test_blank_rows_and_trailing_columns(void **state)
{
	/* spreadsheets write empty columns and rows of commas */
	static const char csv[] = "phone,name,,\n"
				  "0712345678,Asha,,\n"
				  ",,,\n"
				  "  ,  ,\n"
				  "\n"
				  "0754111222,Juma\n"
				  "0765111222,Neema,oops,\n";
	struct contacts_import imp;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	assert_int_equal(imp.nrows, 2);
	assert_int_equal(imp.rows[1].line, 6);
	assert_int_equal(imp.nerrors, 1);
	assert_string_equal(imp.errors[0].message,
			    "line 7: a value in column 3, which has no name in "
			    "the header");
	contacts_import_release(&imp);
}

static void test_extra_cells(void **state)
{
	static const char csv[] = "phone,name\n"
				  "0712345678,Ali,Juma\n"
				  "0754111222,Asha,,\n";
	struct contacts_import imp;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	assert_int_equal(imp.nrows, 1);
	assert_string_equal(imp.rows[0].phone, "+255754111222");
	assert_int_equal(imp.nerrors, 1);
	assert_string_equal(imp.errors[0].message,
			    "line 2: 3 cells but the header has 2 columns (a "
			    "comma in a value needs the value in double quotes)");
	contacts_import_release(&imp);
}

static void test_multiline_cells_and_swahili(void **state)
{
	static const char csv[] = "phone,name,notes\n"
				  "0712345678,Bi. Zuhura,\"Ameolewa;\nana "
				  "watoto 3 – anapenda \"\"Dhahabu\"\"\"\n"
				  "0754 111 222,Mzee Ramadhani,\n";
	struct contacts_import imp;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	assert_int_equal(imp.nerrors, 0);
	assert_int_equal(imp.nrows, 2);
	assert_string_equal(fields_get(&imp.rows[0].fields, "notes"),
			    "Ameolewa;\nana watoto 3 – anapenda \"Dhahabu\"");
	assert_int_equal(imp.rows[1].line, 4);
	contacts_import_release(&imp);
}

static void test_not_utf8(void **state)
{
	/* "José" saved as Windows-1252 */
	static const char csv[] = "phone,name\n0712345678,Jos\xe9\n";
	struct contacts_import imp;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	assert_int_equal(imp.nrows, 0);
	assert_int_equal(imp.nerrors, 1);
	assert_string_equal(imp.errors[0].message,
			    "line 2: column 'name' is not UTF-8 text (save the "
			    "file as CSV UTF-8)");
	contacts_import_release(&imp);
}

static void test_long_value_is_cut_in_messages(void **state)
{
	static const char csv[] =
	    "phone\n"
	    "0712 345 678 ext. 1234567890123456789012345678901234567890\n";
	struct contacts_import imp;
	(void)state;
	parse_ok(csv, "TZ", &imp);
	assert_int_equal(imp.nerrors, 1);
	assert_string_equal(imp.errors[0].message,
			    "line 2: phone '0712 345 678 ext. 12345678901234567890"
			    "12...': contains letters");
	contacts_import_release(&imp);
}

static void test_no_country(void **state)
{
	struct contacts_import imp;
	(void)state;
	parse_ok("phone\n+255712345678\n0712345678\n", NULL, &imp);
	assert_int_equal(imp.nrows, 1);
	assert_int_equal(imp.nerrors, 1);
	assert_string_equal(imp.errors[0].message,
			    "line 3: phone '0712345678': local number without "
			    "a country");
	contacts_import_release(&imp);
}

static void test_header_only(void **state)
{
	struct contacts_import imp;
	(void)state;
	parse_ok("phone,name\r\n", "TZ", &imp);
	assert_int_equal(imp.nrows, 0);
	assert_int_equal(imp.nerrors, 0);
	contacts_import_release(&imp);
}

static void test_whole_file_errors(void **state)
{
	(void)state;
	expect_file_error("", "line 1: the file is empty: it needs a header "
			      "row with a 'phone' column");
	expect_file_error("\xef\xbb\xbf\r\n", "line 1: the file is empty: it "
			  "needs a header row with a 'phone' column");
	expect_file_error("name,Phone Number\nAsha,0712345678\n",
			  "line 1: no 'phone' column in the header (it has: "
			  "name, phone_number)");
	expect_file_error(",\n", "line 1: no 'phone' column in the header");
	expect_file_error("phone,name,Name\n",
			  "line 1: column 'name' appears twice");
	expect_file_error("phone,Mkoa/Region\n",
			  "line 1: column 2 'Mkoa/Region': a column name may "
			  "have only letters, digits, spaces, '-' and '_'");
	/* broken CSV: nothing is imported, even the rows before it */
	expect_file_error("phone,name\n0712345678,Asha\n0754111222,\"Juma\n",
			  "line 3: quoted field never closed (a '\"' is missing)");
}

static void test_header_names(void **state)
{
	struct contacts_import imp;
	(void)state;
	parse_ok(" PHONE , Name ,Mining  -  Site,GROUPS\n"
		 "0712345678,Asha,Nyarugusu,a;b\n", "TZ", &imp);
	assert_int_equal(imp.nerrors, 0);
	assert_int_equal(imp.nrows, 1);
	assert_string_equal(fields_get(&imp.rows[0].fields, "name"), "Asha");
	assert_string_equal(fields_get(&imp.rows[0].fields, "mining_site"),
			    "Nyarugusu");
	expect_groups(&imp.rows[0], "a", "b", NULL);
	contacts_import_release(&imp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_phone_only),
		cmocka_unit_test(test_country_column),
		cmocka_unit_test(test_row_errors_keep_good_rows),
		cmocka_unit_test(test_several_problems_in_one_row),
		cmocka_unit_test(test_duplicates_later_wins),
		cmocka_unit_test(test_blank_rows_and_trailing_columns),
		cmocka_unit_test(test_extra_cells),
		cmocka_unit_test(test_multiline_cells_and_swahili),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_long_value_is_cut_in_messages),
		cmocka_unit_test(test_no_country),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_whole_file_errors),
		cmocka_unit_test(test_header_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
