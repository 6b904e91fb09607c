/* test_seqset.c: the bounded set of acknowledged, undeleted outbox rows. */
#include "app.h"
#include "testing.h"

int main(void)
{
	struct seqset *s = seqset_new(4);
	const int64_t *v;
	int i;

	CHECK("created", s != NULL);
	if (!s)
		TEST_DONE();
	CHECK("empty has nothing", !seqset_has(s, 1));
	CHECK("NULL set has nothing", !seqset_has(NULL, 1));
	CHECK_INT("NULL set counts 0", seqset_count(NULL), 0);
	CHECK_INT("add 30", seqset_add(s, 30), 0);
	CHECK_INT("add 10", seqset_add(s, 10), 0);
	CHECK_INT("add 20", seqset_add(s, 20), 0);
	CHECK_INT("add 10 again: no second copy", seqset_add(s, 10), 0);
	CHECK_INT("count 3", seqset_count(s), 3);
	v = seqset_items(s);
	CHECK("kept ascending", v[0] == 10 && v[1] == 20 && v[2] == 30);
	CHECK("has 20", seqset_has(s, 20));
	CHECK("has not 25", !seqset_has(s, 25));
	CHECK_INT("add 40: full now", seqset_add(s, 40), 0);
	CHECK_INT("add past the bound refused", seqset_add(s, 50), -1);
	CHECK("refused one not there", !seqset_has(s, 50));
	CHECK_INT("a repeat of a member is fine when full", seqset_add(s, 40), 0);
	CHECK_INT("still 4", seqset_count(s), 4);
	seqset_remove(s, 20);
	seqset_remove(s, 99);           /* not there: nothing happens */
	CHECK("removed", !seqset_has(s, 20) && seqset_count(s) == 3);
	CHECK("others kept", seqset_has(s, 10) && seqset_has(s, 30) && seqset_has(s, 40));
	CHECK_INT("room again", seqset_add(s, 5), 0);
	v = seqset_items(s);
	CHECK("still ascending", v[0] == 5 && v[1] == 10 && v[2] == 30 && v[3] == 40);
	seqset_clear(s);
	CHECK_INT("cleared", seqset_count(s), 0);
	for (i = 0; i < 4; i++)
		seqset_add(s, 100 - i);
	CHECK("descending adds sorted", seqset_items(s)[0] == 97 && seqset_has(s, 100));
	CHECK_INT("cap", seqset_cap(s), 4);
	CHECK("zero cap refused", seqset_new(0) == NULL);
	seqset_free(s);
	seqset_free(NULL);
	TEST_DONE();
}
