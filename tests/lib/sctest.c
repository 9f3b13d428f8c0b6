/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sctest.h"

#include <sealcap/hash.h>
#include <sealcap/store.h>

void
sct_tmpdir(char *buf, size_t len, const char *tag)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, len, "%s/sc-%s-XXXXXX", t && *t ? t : "/tmp", tag);
	cr_assert(mkdtemp(buf) != NULL, "mkdtemp %s: %s", buf, strerror(errno));
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

void
sct_rmtree(const char *dir)
{
	if (dir != NULL && dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
sct_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	cr_assert(f != NULL, "%s: %s", path, strerror(errno));
	cr_assert(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0, "%s: cannot size", path);
	rewind(f);
	p = malloc((size_t)n + 1);
	cr_assert(p != NULL);
	cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n, "%s: short read", path);
	p[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return p;
}

char *
sct_slurp_live(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc(n > 0 ? (size_t)n + 1 : 1);
	cr_assert(p != NULL);
	n = n > 0 ? (long)fread(p, 1, (size_t)n, f) : 0;
	p[n] = '\0';
	fclose(f);
	return p;
}

/* ---- child processes ------------------------------------------------------ */

#define SCT_KIDS 64
static pid_t kids[SCT_KIDS];

int64_t
sct_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sct_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void
kid_forget(pid_t pid)
{
	for (int i = 0; i < SCT_KIDS; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/*
 * The child side of every fork here: die with the test process, and enter
 * network namespace @p ns (/run/netns/NS) when not NULL.  @return false
 * (message on stderr) when the child must give up.
 */
static bool
child_prepare(pid_t parent, const char *ns)
{
	char path[128];
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return false;
	if (ns == NULL)
		return true;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		dprintf(2, "setns %s: %s\n", path, strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

/* fork(), the child prepared; the parent remembers it. */
static pid_t
fork_child(void)
{
	pid_t pid;
	int slot;

	for (slot = 0; slot < SCT_KIDS && kids[slot] != 0; slot++)
		;
	cr_assert(slot < SCT_KIDS, "too many children");
	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		return 0;
	kids[slot] = pid;
	return pid;
}

int
sct_spawn_ns(const char *ns, const char *const *argv, const char *outfile, const char *errfile)
{
	pid_t parent = getpid(), pid = fork_child();

	if (pid == 0) {
		int o = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		/* One file for both: one descriptor, so they do not overwrite each other. */
		int e = strcmp(outfile, errfile) == 0 ? o :
			open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int nul = open("/dev/null", O_RDONLY);
		sigset_t none;

		if (o < 0 || e < 0 || nul < 0)
			_exit(126);
		dup2(e, 2);
		if (!child_prepare(parent, ns))
			_exit(126);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(nul, 0);
		dup2(o, 1);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

int
sct_spawn(const char *const *argv, const char *outfile, const char *errfile)
{
	return sct_spawn_ns(NULL, argv, outfile, errfile);
}

int
sct_fork_ns(const char *ns, int (*fn)(void *), void *arg)
{
	pid_t parent = getpid(), pid = fork_child();

	if (pid == 0) {
		if (!child_prepare(parent, ns))
			_exit(126);
		_exit(fn(arg));
	}
	return pid;
}

int
sct_wait(int pid, int *st, unsigned ms)
{
	int64_t end = sct_mono_ms() + ms;

	for (;;) {
		pid_t r = waitpid(pid, st, WNOHANG);

		if (r == pid) {
			kid_forget(pid);
			return 1;
		}
		cr_assert(r == 0, "waitpid(%d): %s", pid, strerror(errno));
		if (sct_mono_ms() >= end)
			return 0;
		sct_sleep_ms(5);
	}
}

void
sct_kill_children(void)
{
	for (int i = 0; i < SCT_KIDS; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
}

/* ---- stores ---------------------------------------------------------------- */

uint64_t
sct_store_foreach(const char *dir, sc_record_fn fn, void *arg)
{
	char e[512];
	struct sc_store_reader *r = sc_store_reader_open(dir, e, sizeof(e));
	struct sc_hasher *hs = sc_hasher_new();
	struct sc_block_hdr h;
	struct sc_store_pos pos;
	const uint8_t *stored;
	enum sc_error er;
	uint64_t blocks = 0;
	int rc;

	cr_assert(r != NULL, "%s", e);
	cr_assert(hs != NULL);
	while ((rc = sc_store_read(r, &h, &stored, &pos, &er)) == 1) {
		uint8_t *p = malloc(h.payload_len ? h.payload_len : 1);

		cr_assert(p != NULL);
		cr_assert_eq(sc_block_open(hs, &h, stored, p, h.payload_len), SC_E_OK);
		cr_assert_eq(sc_block_foreach(p, h.payload_len, fn, arg), 0);
		free(p);
		blocks++;
	}
	cr_assert_eq(rc, 0, "%s damaged at segment %u offset %" PRIu64 ": %s", dir, pos.segment,
		     pos.offset, sc_error_name(er));
	sc_hasher_free(hs);
	sc_store_reader_close(r);
	return blocks;
}
