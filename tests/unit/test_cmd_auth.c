/* test_cmd_auth.c: downlink command HMAC, timestamp window, replay cache. */
#include "app.h"
#include "testing.h"

static struct replay_cache rc, rc2;

int main(void)
{
	unsigned char mac[CMD_MAC_LEN], key20[20];
	const unsigned char *jefe = (const unsigned char *)"Jefe";
	const char *topic = "hz/v1/d/gw/cmd/close", *body = "{\"id\":\"a\",\"ts\":1}";
	char hex[2 * CMD_MAC_LEN + 1], sig[2 * CMD_MAC_LEN + 1], name[64], id[32];
	int64_t now = 1700000000000LL, win = 300000;
	cJSON *j;
	int i, refused;

	/* RFC 4231 test case 2: key "Jefe" */
	CHECK_INT("hmac rfc4231 tc2 runs", cmd_hmac(jefe, 4, NULL,
				"what do ya want for nothing?", mac), 0);
	cmd_hex(mac, CMD_MAC_LEN, hex);
	CHECK_STR("hmac rfc4231 tc2", hex,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* RFC 4231 test case 1: key 20 x 0x0b, "Hi There" */
	memset(key20, 0x0b, sizeof key20);
	cmd_hmac(key20, sizeof key20, NULL, "Hi There", mac);
	cmd_hex(mac, CMD_MAC_LEN, hex);
	CHECK_STR("hmac rfc4231 tc1", hex,
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	/* signatures bind key, topic and body */
	cmd_hmac(jefe, 4, topic, body, mac);
	cmd_hex(mac, CMD_MAC_LEN, sig);
	CHECK("sig ok", cmd_sig_ok(jefe, 4, topic, body, sig));
	CHECK("sig wrong key", !cmd_sig_ok((const unsigned char *)"Jeff", 4, topic, body, sig));
	CHECK("sig other topic", !cmd_sig_ok(jefe, 4, "hz/v1/d/gw/cmd/ack", body, sig));
	CHECK("sig other body", !cmd_sig_ok(jefe, 4, topic, "{\"id\":\"b\",\"ts\":1}", sig));
	for (i = 0; sig[i]; i++)
		if (sig[i] >= 'a' && sig[i] <= 'f')
			sig[i] = (char)(sig[i] - 'a' + 'A');
	CHECK("sig upper-case hex accepted", cmd_sig_ok(jefe, 4, topic, body, sig));
	sig[5] = sig[5] == '0' ? '1' : '0';
	CHECK("sig one digit off", !cmd_sig_ok(jefe, 4, topic, body, sig));
	CHECK("sig NULL", !cmd_sig_ok(jefe, 4, topic, body, NULL));
	CHECK("sig short", !cmd_sig_ok(jefe, 4, topic, body, "abcd"));
	memset(sig, 'z', 64);
	sig[64] = '\0';
	CHECK("sig not hex", !cmd_sig_ok(jefe, 4, topic, body, sig));

	/* the window's edges are inside, one ms beyond is not */
	CHECK("ts now", cmd_ts_ok(now, now, win));
	CHECK("ts -window", cmd_ts_ok(now - win, now, win));
	CHECK("ts +window", cmd_ts_ok(now + win, now, win));
	CHECK("ts -window-1", !cmd_ts_ok(now - win - 1, now, win));
	CHECK("ts +window+1", !cmd_ts_ok(now + win + 1, now, win));

	/* replay: a seen id is refused, a new one is not */
	CHECK_INT("replay new", replay_check_add(&rc, "c1", now, now, win), 0);
	CHECK_INT("replay same id", replay_check_add(&rc, "c1", now, now, win), -1);
	CHECK_INT("replay same id, other ts", replay_check_add(&rc, "c1", now + 5, now, win), -1);
	CHECK_INT("replay empty id", replay_check_add(&rc, "", now, now, win), -1);
	/* after the window the entry may go: its ts would be stale anyway */
	CHECK_INT("replay entry expires", replay_check_add(&rc, "c2", now + win + 1,
							   now + win + 1, win), 0);
	CHECK_INT("c1 expired from the cache", rc.n, 1);

	/* bounds: a full cache evicts its oldest and refuses up to its ts */
	memset(&rc, 0, sizeof rc);
	for (i = 0; i < CMD_REPLAY_MAX; i++) {
		snprintf(id, sizeof id, "f%d", i);
		if (replay_check_add(&rc, id, now - 1000 + i, now, win) < 0)
			break;
	}
	CHECK_INT("cache fills to its bound", rc.n, CMD_REPLAY_MAX);
	CHECK_INT("one more fits by evicting", replay_check_add(&rc, "g1", now + 10, now, win), 0);
	CHECK_INT("cache stays bounded", rc.n, CMD_REPLAY_MAX);
	CHECK_INT("floor is the evicted ts", rc.floor_ms, now - 1000);
	CHECK_INT("evicted id still refused (floor)",
		  replay_check_add(&rc, "f0", now - 1000, now, win), -1);
	CHECK_INT("older new id refused (floor)",
		  replay_check_add(&rc, "h1", now - 2000, now, win), -1);
	refused = 0;
	for (i = 0; i < 3 * CMD_REPLAY_MAX; i++) {
		snprintf(id, sizeof id, "k%d", i);
		refused += replay_check_add(&rc, id, now + 20 + i, now, win) < 0;
	}
	CHECK_INT("fresh ids accepted past the bound", refused, 0);
	CHECK_INT("cache bounded after many", rc.n, CMD_REPLAY_MAX);

	/* persistence round trip */
	memset(&rc, 0, sizeof rc);
	replay_check_add(&rc, "p1", now, now, win);
	replay_check_add(&rc, "p2", now + 1, now, win);
	rc.floor_ms = now - 5;
	j = replay_to_json(&rc);
	CHECK_INT("from json", replay_from_json(&rc2, j), 0);
	cJSON_Delete(j);
	CHECK_INT("json keeps ids", rc2.n, 2);
	CHECK_INT("json keeps floor", rc2.floor_ms, now - 5);
	CHECK_INT("restored id refused", replay_check_add(&rc2, "p2", now + 1, now, win), -1);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "restored id %d", i);
		CHECK(name, strcmp(rc2.e[i].id, i ? "p2" : "p1") == 0);
	}
	CHECK_INT("bad json refused", replay_from_json(&rc2, NULL), -1);
	TEST_DONE();
}
