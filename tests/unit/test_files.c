/* test_files.c: the rules for key and password files (secret_file.c) and
 * for the database's directory and files (dbfile.c), as pure functions;
 * plus secret_read on real files in a temporary directory (a FIFO must be
 * refused at once, a symlink never followed). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

#define REG(m) (S_IFREG | (m))
#define DIRM(m) (S_IFDIR | (m))

static void test_secret_rules(void)
{
	const unsigned me = 999, other = 1234, none = (unsigned)-1;

	CHECK("secret: root 0600 read by root", !secret_stat_problem(REG(0600), 0, 0, none));
	CHECK("secret: root:group 0640 read by the daemon user",
	      !secret_stat_problem(REG(0640), 0, me, none));
	CHECK("secret: the daemon user's own 0400", !secret_stat_problem(REG(0400), me, me, none));
	CHECK("secret: daemon user's file at --check-config as root",
	      !secret_stat_problem(REG(0600), me, 0, me));
	CHECK_CONTAINS("secret: 0644 refused", secret_stat_problem(REG(0644), 0, 0, none),
		       "readable by others");
	CHECK_CONTAINS("secret: 0604 refused", secret_stat_problem(REG(0604), 0, 0, none),
		       "readable by others");
	CHECK_CONTAINS("secret: 0660 refused", secret_stat_problem(REG(0660), 0, 0, none),
		       "writable by group or others");
	CHECK_CONTAINS("secret: 0602 refused", secret_stat_problem(REG(0602), 0, 0, none),
		       "writable by group or others");
	CHECK_CONTAINS("secret: another user's file refused",
		       secret_stat_problem(REG(0600), other, me, none), "another user");
	CHECK_CONTAINS("secret: FIFO refused", secret_stat_problem(S_IFIFO | 0600, 0, 0, none),
		       "FIFO");
	CHECK_CONTAINS("secret: directory refused", secret_stat_problem(DIRM(0700), 0, 0, none),
		       "directory");
	CHECK_CONTAINS("secret: character device refused",
		       secret_stat_problem(S_IFCHR | 0600, 0, 0, none), "not a regular file");
}

static void test_db_rules(void)
{
	const unsigned me = 999, other = 1234;

	CHECK("db dir: root 0755, hazardd stays root", !dbfile_dir_problem(DIRM(0755), 0, 0, false));
	CHECK("db dir: the user's 0750, dropping", !dbfile_dir_problem(DIRM(0750), me, me, true));
	CHECK_CONTAINS("db dir: root's when dropping refused",
		       dbfile_dir_problem(DIRM(0750), 0, me, true), "not owned by daemon.user");
	CHECK_CONTAINS("db dir: another user's refused",
		       dbfile_dir_problem(DIRM(0700), other, 0, false), "another user");
	CHECK_CONTAINS("db dir: group-writable refused",
		       dbfile_dir_problem(DIRM(0770), 0, 0, false), "writable by group");
	CHECK_CONTAINS("db dir: sticky /tmp-like refused",
		       dbfile_dir_problem(DIRM(01777), 0, 0, false), "writable by group");
	CHECK_CONTAINS("db dir: a file refused", dbfile_dir_problem(REG(0600), 0, 0, false),
		       "not a directory");

	CHECK("db file: root's, staying root", !dbfile_entry_problem(REG(0640), 1, 0, 0, false));
	CHECK("db file: the user's, dropping", !dbfile_entry_problem(REG(0640), 1, me, me, true));
	CHECK_CONTAINS("db file: symlink refused",
		       dbfile_entry_problem(S_IFLNK | 0777, 1, me, me, true), "symbolic link");
	CHECK_CONTAINS("db file: FIFO refused", dbfile_entry_problem(S_IFIFO | 0600, 1, me, me, true),
		       "not a regular file");
	CHECK_CONTAINS("db file: hard link refused",
		       dbfile_entry_problem(REG(0640), 2, me, me, true), "hard link");
	CHECK_CONTAINS("db file: root's when dropping refused (never taken over)",
		       dbfile_entry_problem(REG(0640), 1, 0, me, true), "did not create");
}

static void test_secret_read(void)
{
	char dir[] = "/tmp/test_files.XXXXXX", p[256], err[512];
	size_t n = 0;
	char *s;
	int fd;

	if (!mkdtemp(dir)) {
		CHECK("mkdtemp", 0);
		return;
	}
	snprintf(p, sizeof p, "%s/key", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK("write key", fd >= 0 && write(fd, "s3cret\n", 7) == 7);
	close(fd);
	s = secret_read("k", p, 64, &n, err, sizeof err);
	CHECK_STR("secret_read: a 0600 key is read", s, "s3cret\n");
	CHECK_INT("secret_read: length", n, 7);
	free(s);
	s = secret_read("k", p, 3, &n, err, sizeof err);
	CHECK("secret_read: larger than the bound refused", !s);
	free(s);

	chmod(p, 0644);
	s = secret_read("k", p, 64, &n, err, sizeof err);
	CHECK("secret_read: 0644 refused", !s);
	CHECK_CONTAINS("secret_read: message names the key and the file", err, p);
	free(s);
	chmod(p, 0600);

	snprintf(p, sizeof p, "%s/link", dir);
	CHECK("symlink made", symlink("key", p) == 0);
	s = secret_read("k", p, 64, &n, err, sizeof err);
	CHECK("secret_read: a symlink is not followed", !s);
	CHECK_CONTAINS("secret_read: says symbolic link", err, "symbolic link");
	free(s);

	/* without O_NONBLOCK this open would wait for a writer for ever */
	snprintf(p, sizeof p, "%s/fifo", dir);
	CHECK("fifo made", mkfifo(p, 0600) == 0);
	s = secret_read("k", p, 64, &n, err, sizeof err);
	CHECK("secret_read: a FIFO is refused at once", !s);
	CHECK_CONTAINS("secret_read: says FIFO", err, "FIFO");
	free(s);

	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	CHECK("cleanup", system(p) == 0);
}

int main(void)
{
	test_secret_rules();
	test_db_rules();
	test_secret_read();
	TEST_DONE();
}
