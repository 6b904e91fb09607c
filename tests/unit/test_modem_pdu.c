/* test_modem_pdu.c: SMS-SUBMIT PDUs (drivers/io/modem_pdu.c) against
 * PDUs worked out from 3GPP TS 23.040 / 23.038 by hand: the classic
 * "hellohello" 7-bit example, UCS-2 Chinese, concatenated parts, escape
 * sequences and surrogate pairs kept whole across a part boundary, and
 * the destination address's semi-octets. */
#include "modem_int.h"
#include "testing.h"

static struct modem_pdu_part parts[MODEM_SMS_MAX_PARTS];
static char err[160];

static int build(const char *number, const char *text, int vp, unsigned ref)
{
	err[0] = '\0';
	return modem_pdu_sms(number, text, vp, ref, parts, MODEM_SMS_MAX_PARTS, err, sizeof err);
}

/* hex of n address octets */
static const char *addr_hex(const char *number)
{
	static char out[64];
	uint8_t a[12];
	int n = modem_pdu_address(number, a, sizeof a), i;

	if (n < 0)
		return "-1";
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", a[i]);
	return out;
}

static void test_address(void)
{
	char norm[32];

	CHECK_STR("address: international, odd length, F pad", addr_hex("+46708251358"),
		  "0B916407281553F8");
	CHECK_STR("address: international China mobile", addr_hex("+8613800138000"),
		  "0D91683108108300F0");
	CHECK_STR("address: national, odd length", addr_hex("10086"), "05810180F6");
	CHECK_STR("address: even length", addr_hex("+12345678"), "089121436587");
	CHECK_STR("address: spaces and dashes between digits", addr_hex("0755-8888 1234"),
		  "0C81705588882143");
	CHECK_STR("address: letters refused", addr_hex("+86abc"), "-1");
	CHECK_STR("address: empty refused", addr_hex(""), "-1");
	CHECK_STR("address: '+' alone refused", addr_hex("+"), "-1");
	CHECK_STR("address: 21 digits refused", addr_hex("123456789012345678901"), "-1");
	CHECK_STR("address: 20 digits taken", addr_hex("12345678901234567890"),
		  "148121436587092143658709");
	CHECK_INT("norm: leading '-' refused", modem_number_norm("-123", norm, sizeof norm), -1);
	CHECK_INT("norm: '+' in the middle refused", modem_number_norm("12+3", norm, sizeof norm), -1);
	CHECK_INT("norm: ok", modem_number_norm("+86 138-0013-8000", norm, sizeof norm), 0);
	CHECK_STR("norm: separators dropped", norm, "+8613800138000");
}

static void test_gsm7(void)
{
	CHECK_INT("hellohello: one part", build("+46708251358", "hellohello", 0xAA, 0), 1);
	/* the worked example of the GSM 03.40 literature: AT+CMGS=23 */
	CHECK_STR("hellohello: the known PDU", parts[0].hex,
		  "0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
	CHECK_INT("hellohello: TPDU length 23", parts[0].tpdu_len, 23);

	CHECK_INT("no VP: one part", build("+46708251358", "hellohello", -1, 0), 1);
	CHECK_STR("no VP: first octet 01, no VP octet", parts[0].hex,
		  "0001000B916407281553F800000AE8329BFD4697D9EC37");

	CHECK_INT("gsm7: @ £ $ and Greek are 7-bit", modem_pdu_is_gsm7("@£$ΔΩ ÄÖÜäöüß"), 1);
	CHECK_INT("gsm7: { } € [ ] via escape", modem_pdu_is_gsm7("{}€[]~|^\\"), 1);
	CHECK_INT("gsm7: Chinese is not", modem_pdu_is_gsm7("燃气泄漏"), 0);
	CHECK_INT("gsm7: ` is not", modem_pdu_is_gsm7("a`b"), 0);
	CHECK_INT("gsm7: invalid UTF-8", modem_pdu_is_gsm7("a\xC3("), -1);

	/* "{" is ESC (1B) + 28: "a{" = septets 61 1B 28, UDL 3 */
	CHECK_INT("escape: one part", build("10086", "a{", -1, 0), 1);
	CHECK_STR("escape: ESC 28 packed", parts[0].hex, "00010005810180F6000003E10D0A");
	CHECK_INT("escape: TPDU length", parts[0].tpdu_len, 13);

	/* exactly 160 septets: still one part */
	{
		char t[161];
		memset(t, 'a', 160);
		t[160] = '\0';
		CHECK_INT("160 septets: one part", build("10086", t, -1, 0), 1);
		CHECK_INT("160 septets: TPDU length 10+140", parts[0].tpdu_len, 150);
	}
}

static void test_gsm7_concat(void)
{
	char t[400];

	/* 200 'a': 153 + 47 septets; the UDH is 6 octets = 48 bits, one fill
	 * bit, so the first 'a' (61) sits shifted left by one: C2 */
	memset(t, 'a', 200);
	t[200] = '\0';
	CHECK_INT("200 septets: two parts", build("10086", t, -1, 0x42), 2);
	CHECK("200 septets: part 1 head (UDHI, UDL 160, UDH, fill bit)",
	      strncmp(parts[0].hex, "00410005810180F60000A0050003420201C2", 36) == 0);
	CHECK_INT("200 septets: part 1 TPDU length 10+140", parts[0].tpdu_len, 150);
	CHECK("200 septets: part 2 head (UDL 7+47=54)",
	      strncmp(parts[1].hex, "00410005810180F6000036050003420202C2", 36) == 0);
	/* 7 + 47 septets = 378 bits = 48 octets */
	CHECK_INT("200 septets: part 2 TPDU length 10+48", parts[1].tpdu_len, 58);

	/* an escape pair at the boundary goes whole into the next part */
	memset(t, 'a', 152);
	strcpy(t + 152, "{bbbbbbbbbb");
	CHECK_INT("escape at 153: two parts", build("10086", t, -1, 1), 2);
	CHECK("escape at 153: part 1 has 152 septets (UDL 7+152=159)",
	      strncmp(parts[0].hex + 20, "9F", 2) == 0);
	CHECK("escape at 153: part 2 has ESC 28 and 10 'b' (UDL 7+12=19)",
	      strncmp(parts[1].hex + 20, "13", 2) == 0);
}

/* n copies of the 3-byte UTF-8 character c */
static void repeat(char *out, const char *c, int n)
{
	int i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(out, c);
}

static void test_ucs2(void)
{
	char t[2000];
	char want[400];
	int i;

	CHECK_INT("UCS-2: one part", build("+8613800138000", "你好", MODEM_VP_DEFAULT, 0), 1);
	CHECK_STR("UCS-2: the PDU", parts[0].hex,
		  "0011000D91683108108300F00008A7044F60597D");
	CHECK_INT("UCS-2: TPDU length", parts[0].tpdu_len, 19);

	/* mixed: one Chinese character makes the whole text UCS-2 */
	CHECK_INT("mixed: one part", build("10086", "A燃", -1, 0), 1);
	CHECK_STR("mixed: UCS-2 for all", parts[0].hex, "00010005810180F6000804004171C3");

	/* 70 units: one part; 71: two */
	repeat(t, "燃", 70);
	CHECK_INT("70 units: one part", build("10086", t, -1, 0), 1);
	CHECK_INT("70 units: TPDU length 10+140", parts[0].tpdu_len, 150);
	repeat(t, "燃", 71);
	CHECK_INT("71 units: two parts", build("10086", t, -1, 0), 2);

	/* 140 Chinese characters: 67 + 67 + 6, UDL 6+134=140 (8C) and 6+12=18 */
	repeat(t, "气", 140);
	CHECK_INT("3-part Chinese: three parts", build("+8613800138000", t, MODEM_VP_DEFAULT, 0x7F), 3);
	snprintf(want, sizeof want, "0051000D91683108108300F00008A78C0500037F0301");
	for (i = 0; i < 3; i++)
		strcat(want, "6C14");
	CHECK("3-part Chinese: part 1 head and text",
	      strncmp(parts[0].hex, want, strlen(want)) == 0);
	CHECK_INT("3-part Chinese: part 1 TPDU length 15+140", parts[0].tpdu_len, 155);
	CHECK("3-part Chinese: part 2 head",
	      strncmp(parts[1].hex, "0051000D91683108108300F00008A78C0500037F0302", 44) == 0);
	snprintf(want, sizeof want, "0051000D91683108108300F00008A7120500037F0303");
	for (i = 0; i < 6; i++)
		strcat(want, "6C14");
	CHECK_STR("3-part Chinese: part 3 whole", parts[2].hex, want);
	CHECK_INT("3-part Chinese: part 3 TPDU length 15+18", parts[2].tpdu_len, 33);
}

static void test_surrogates(void)
{
	char t[2000];
	char want[64];
	size_t l;

	/* U+1F525 (fire) is D83D DD25 */
	CHECK_INT("emoji: one part", build("10086", "🔥", -1, 0), 1);
	CHECK_STR("emoji: surrogate pair", parts[0].hex, "00010005810180F6000804D83DDD25");

	/* 66 units then the emoji: the pair would straddle the 67-unit
	 * boundary, so part 1 stops at 66 and part 2 starts with the pair */
	repeat(t, "火", 66);
	strcat(t, "🔥");
	strcat(t, "火火火火火");
	CHECK_INT("emoji at boundary: two parts", build("10086", t, -1, 9), 2);
	CHECK("emoji at boundary: part 1 has 66 units (UDL 6+132=138)",
	      strncmp(parts[0].hex + 20, "8A", 2) == 0);
	l = strlen(parts[0].hex);
	CHECK("emoji at boundary: part 1 ends with a whole character",
	      l > 4 && strcmp(parts[0].hex + l - 4, "706B") == 0);
	snprintf(want, sizeof want, "14050003090202D83DDD25706B706B706B706B706B");
	CHECK_STR("emoji at boundary: part 2 starts with the pair", parts[1].hex + 20, want);

	/* the emoji just inside: 65 + pair = 67 units, no move */
	repeat(t, "火", 65);
	strcat(t, "🔥");
	strcat(t, "火火火火火");
	CHECK_INT("emoji inside part 1: two parts", build("10086", t, -1, 9), 2);
	CHECK("emoji inside part 1: part 1 full (UDL 8C)", strncmp(parts[0].hex + 20, "8C", 2) == 0);
}

static void test_refusals(void)
{
	char t[4000];

	CHECK_INT("bad number refused", build("+86 138x", "hi", -1, 0), -1);
	CHECK_CONTAINS("bad number: says so", err, "bad number");
	CHECK_INT("NULL number refused", build(NULL, "hi", -1, 0), -1);
	CHECK_INT("empty text refused", build("10086", "", -1, 0), -1);
	CHECK_INT("NULL text refused", build("10086", NULL, -1, 0), -1);
	CHECK_INT("invalid UTF-8 refused", build("10086", "ab\xFF", -1, 0), -1);
	CHECK_CONTAINS("invalid UTF-8: says so", err, "UTF-8");
	CHECK_INT("surrogate in UTF-8 refused", build("10086", "\xED\xA0\xBD", -1, 0), -1);
	/* 10 parts of 67 = 670 units fit; 671 do not */
	repeat(t, "燃", 670);
	CHECK_INT("670 Chinese characters: ten parts", build("10086", t, -1, 0), 10);
	repeat(t, "燃", 671);
	CHECK_INT("671 Chinese characters refused", build("10086", t, -1, 0), -1);
	CHECK_CONTAINS("too long: says so", err, "too long");
	CHECK_INT("max_parts honoured",
		  modem_pdu_sms("10086", "燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃"
				"燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃燃"
				"燃燃燃燃燃燃燃燃燃燃燃燃", -1, 0, parts, 1, err, sizeof err), -1);
}

int main(void)
{
	test_address();
	test_gsm7();
	test_gsm7_concat();
	test_ucs2();
	test_surrogates();
	test_refusals();
	TEST_DONE();
}
