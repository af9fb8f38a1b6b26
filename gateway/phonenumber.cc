// phonenumber.cc -- see phonenumber.h.  The only C++ in sauti: a thin layer
// that turns libphonenumber's answers into the plain facts of struct
// pn_number, so that the rules (which numbers a contact may have, what a
// refusal says) stay in C, in phone.c.
#include "phonenumber.h"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/shortnumberinfo.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <list>
#include <string>

using i18n::phonenumbers::NullLogger;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using i18n::phonenumbers::ShortNumberInfo;

namespace {

// The singleton, muted once: the library would otherwise log parse
// failures, numbers and all, to stdout.
PhoneNumberUtil *util()
{
	static PhoneNumberUtil *const u = [] {
		PhoneNumberUtil *p = PhoneNumberUtil::GetInstance();
		p->SetLogger(new NullLogger());   // the library owns it
		return p;
	}();
	return u;
}

// Short-code metadata is loaded by the constructor: made once too.
const ShortNumberInfo &short_info()
{
	static const ShortNumberInfo *const s = (util(), new ShortNumberInfo());
	return *s;
}

// "tz" -> "TZ"; NULL or anything not two letters -> "ZZ" (unknown region:
// the library then takes international forms only).
std::string region_code(const char *region)
{
	if (!region || std::strlen(region) != 2 ||
	    !std::isalpha(static_cast<unsigned char>(region[0])) ||
	    !std::isalpha(static_cast<unsigned char>(region[1])))
		return "ZZ";
	std::string r(region);
	for (char &c : r)
		c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	return r;
}

enum pn_status from_error(PhoneNumberUtil::ErrorType e)
{
	switch (e) {
	case PhoneNumberUtil::NO_PARSING_ERROR:
		return PN_OK;
	case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
		return PN_NO_COUNTRY;
	case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
	case PhoneNumberUtil::TOO_SHORT_NSN:
		return PN_TOO_SHORT;
	case PhoneNumberUtil::TOO_LONG_NSN:
		return PN_TOO_LONG;
	case PhoneNumberUtil::NOT_A_NUMBER:
	default:
		return PN_NOT_A_NUMBER;
	}
}

enum pn_status from_validation(PhoneNumberUtil::ValidationResult v)
{
	switch (v) {
	case PhoneNumberUtil::IS_POSSIBLE:
		return PN_OK;
	case PhoneNumberUtil::INVALID_COUNTRY_CODE:
		return PN_NO_COUNTRY;
	case PhoneNumberUtil::TOO_SHORT:
	case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:  // an area code is missing
		return PN_TOO_SHORT;
	case PhoneNumberUtil::TOO_LONG:
		return PN_TOO_LONG;
	case PhoneNumberUtil::INVALID_LENGTH:
	default:
		return PN_INVALID_LENGTH;
	}
}

void copy_out(const std::string &s, char *out, size_t size)
{
	size_t n = s.size() < size - 1 ? s.size() : size - 1;
	std::memcpy(out, s.data(), n);
	out[n] = '\0';
}

}  // namespace

// -- the network's own form ---------------------------------------------------
// Nearly every number a network hands sauti is already E.164, and a
// session's first step reads it: Parse() would spend ten microseconds or
// more in ICU's regular expressions (the input's shape, an extension, the
// international prefix), none of which can change "+" and digits.  What
// can is the national prefix some plans let follow the calling code
// ("+52 1 55...", "+7 8 912..."), so that step is asked exactly as Parse()
// asks it.  libphonenumber's C++ API keeps those steps and the metadata
// private, but names PhoneNumberUtilTest, its own test's class, a friend:
// this is that class, for this one question.  (tests/unit/test_phone.c
// holds the two readings alike over every calling code.)
namespace i18n {
namespace phonenumbers {
class PhoneNumberUtilTest {
public:
	// true when text, '+' and digits, reads back as itself with a
	// possible length: what Parse(), IsPossibleNumberWithReason() and
	// Format(E164) would conclude, without the regular expressions.
	// false says nothing: Parse() decides.
	static bool reads_as_itself(const PhoneNumberUtil &u, const char *text)
	{
		std::string national(text + 1);
		int code = u.ExtractCountryCode(&national);
		// A leading 0 is kept apart by Parse() (an Italian zero); more
		// than 17 digits is too long for any plan (and for the integer below).
		if (code == 0 || national.size() < 2 || national.size() > 17 ||
		    national[0] == '0')
			return false;
		std::string region, stripped(national), carrier;
		u.GetRegionCodeForCountryCode(code, &region);
		const PhoneMetadata *meta = u.GetMetadataForRegionOrCallingCode(code, region);
		if (!meta || (u.MaybeStripNationalPrefixAndCarrierCode(*meta, &stripped, &carrier) &&
			      stripped != national))
			return false;
		PhoneNumber number;
		number.set_country_code(code);
		// strtoull, not std::stoull: its call through a function pointer
		// needs UBSan's C++ runtime, which the C-linked fuzzers lack.
		number.set_national_number(std::strtoull(national.c_str(), nullptr, 10));
		if (u.IsPossibleNumberWithReason(number) != PhoneNumberUtil::IS_POSSIBLE)
			return false;
		std::string e164;
		u.Format(number, PhoneNumberUtil::E164, &e164);
		return e164 == text;
	}
};
}  // namespace phonenumbers
}  // namespace i18n

namespace {
bool is_plus_and_digits(const char *text)
{
	if (text[0] != '+' || !text[1])
		return false;
	for (const char *p = text + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

// A number read back as itself is not judged (phonenumber.h, pn_parse_form).
void set_untyped(struct pn_number *n)
{
	n->typed = false;
	n->region[0] = '\0';
	n->type = PN_UNKNOWN;
	n->valid = false;
}

enum pn_status parse(const char *text, const char *region, bool judge_self,
		     struct pn_number *n)
{
	const PhoneNumberUtil *u = util();
	if (!judge_self && is_plus_and_digits(text) &&
	    i18n::phonenumbers::PhoneNumberUtilTest::reads_as_itself(*u, text)) {
		copy_out(text, n->e164, sizeof(n->e164));
		set_untyped(n);
		return PN_OK;
	}
	PhoneNumber number;
	enum pn_status st = from_error(u->Parse(text, region_code(region), &number));
	if (st != PN_OK)
		return st;
	st = from_validation(u->IsPossibleNumberWithReason(number));
	if (st != PN_OK)
		return st;
	std::string e164, reg;
	u->Format(number, PhoneNumberUtil::E164, &e164);
	if (e164.size() >= sizeof(n->e164))
		return PN_TOO_LONG;
	copy_out(e164, n->e164, sizeof(n->e164));
	if (!judge_self && e164 == text) {
		set_untyped(n);
		return PN_OK;
	}
	n->typed = true;
	u->GetRegionCodeForNumber(number, &reg);
	copy_out(reg == "ZZ" || reg == "001" ? std::string() : reg, n->region,
		 sizeof(n->region));
	// A number is valid exactly when its type is known (IsValidNumber asks
	// the same patterns again: half the cost of a parse, saved per row).
	n->type = static_cast<enum pn_type>(u->GetNumberType(number));
	n->valid = n->type != PN_UNKNOWN;
	return PN_OK;
}
}  // namespace

extern "C" enum pn_status pn_parse(const char *text, const char *region,
				   struct pn_number *n) noexcept
{
	return parse(text, region, true, n);
}

extern "C" enum pn_status pn_parse_form(const char *text, const char *region,
					struct pn_number *n) noexcept
{
	return parse(text, region, false, n);
}

extern "C" bool pn_is_short_code(const char *text, const char *region) noexcept
{
	std::string r = region_code(region);
	PhoneNumber number;
	if (r == "ZZ" || util()->Parse(text, r, &number) != PhoneNumberUtil::NO_PARSING_ERROR)
		return false;
	return short_info().IsPossibleShortNumberForRegion(number, r);
}

extern "C" bool pn_region_known(const char *region) noexcept
{
	std::string r = region_code(region);
	return r != "ZZ" && util()->GetCountryCodeForRegion(r) != 0;
}

/* The region of e164's calling code when that code is one region's alone
 * (255: TZ, 233: GH, most of the world's), read from its digits; empty when
 * the code is shared (1, 7, 44...) or in no use.  Parsing the number instead
 * runs its plan's regular expressions: about 90,000 instructions, where this
 * takes a few hundred.  Calling codes are prefix-free (ITU-T E.164), so the
 * first one to name regions is the number's. */
static std::string sole_region(const char *e164)
{
	int code = 0;
	for (int len = 1; len <= 3; len++) {
		if (!isdigit((unsigned char)e164[len]))
			return std::string();
		code = code * 10 + (e164[len] - '0');
		std::list<std::string> regions;
		util()->GetRegionCodesForCountryCallingCode(code, &regions);
		if (!regions.empty())
			return regions.size() == 1 ? regions.front() : std::string();
	}
	return std::string();
}

extern "C" bool pn_region_of(const char *e164, char *out) noexcept
{
	PhoneNumber number;
	if (!e164 || e164[0] != '+')
		return false;
	std::string reg = sole_region(e164);
	if (reg.empty()) {
		if (util()->Parse(e164, "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR)
			return false;
		util()->GetRegionCodeForNumber(number, &reg);
	}
	if (reg.empty() || reg == "ZZ" || reg == "001")
		return false;
	copy_out(reg, out, 4);
	return true;
}
