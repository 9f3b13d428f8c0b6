/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
/*
 * sealctl search, tail and rebuild-index: the command line over the store
 * library's search (sealcap/search.h) and index (sealcap/index.h).
 *
 * Exit status of search and tail: 0 records found, 1 none, 2 bad usage or
 * not a store, 3 the search is not whole: a damaged block or segment was
 * met, or an encrypted block could not be read (no --decrypt-key, or not its
 * key); each is reported on stderr and the rest was searched, so records
 * found are printed but "none" is never claimed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include <sealcap/crypt.h>
#include <sealcap/index.h>
#include <sealcap/proof.h>
#include <sealcap/search.h>
#include <sealcap/store.h>

#include "sealctl.h"

#define EXIT_FOUND 0
#define EXIT_NONE 1
#define EXIT_USAGE 2
#define EXIT_DAMAGE 3      /* also: incomplete (encrypted blocks left unread) */

const char sealctl_search_usage[] =
"  search [filters] [--format text|json|csv|raw] [--limit N] [--count] [--stats]\n"
"         [--decrypt-key FILE]... DIR\n"
"                                   records matching every filter, in receive-time\n"
"                                   order across lanes, each with its record ID\n"
"  tail [-f] [-n N] [--interval MS] [filters] [--format ...] [--decrypt-key FILE]... DIR\n"
"                                   the last N matching records (default 10); -f:\n"
"                                   then follow new blocks as the engine writes them\n"
"  export [filters] [--decrypt-key FILE]... --out FILE DIR\n"
"                                   evidence package: the matching records, the\n"
"                                   newest checkpoint and every record's proof\n"
"                                   against it (sealctl check-proof checks it)\n"
"    --decrypt-key FILE             (search, tail, export; repeatable) read blocks\n"
"                                   encrypted under this key (sealcap --encrypt-key);\n"
"                                   without it they are not searched (exit 3)\n"
"  rebuild-index DIR                rewrite the index sidecars (STORE/index/) from\n"
"                                   the segments\n"
"\n"
"  filters (ANDed; a filter given again ORs its values):\n"
"    --from TIME, --to TIME         receive time, inclusive; RFC 3339\n"
"                                   (2026-03-01T02:00:00+09:00) or local time from TZ:\n"
"                                   'YYYY-MM-DD[ HH:MM[:SS]]'; --to covers the whole\n"
"                                   day, minute or second it names\n"
"    --host NAME, --app NAME        HOSTNAME / APP-NAME (BSD tag), ignoring ASCII case\n"
"    --source ADDR[/PREFIX]         source address, IPv4 or IPv6\n"
"    --severity LEVEL|RANGE         'err': err and more severe (0-3); '0-3',\n"
"                                   'warning..emerg', '3-3': that range\n"
"    --facility F[,F...]            names (auth, local0, ...) or numbers 0-23\n"
"    --grep TEXT [-i]               substring of the message (UTF-8; Shift_JIS\n"
"                                   messages are matched after conversion);\n"
"                                   -i/--ignore-case: ASCII case\n"
"    --regex RE                     POSIX extended regular expression, likewise\n"
"    --events                       also the engine's own event records\n";

/* ---- parsing -------------------------------------------------------------- */

static char usage_err[512];

static int __attribute__((format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(usage_err, sizeof(usage_err), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

static int
days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* Exactly n digits at *p; advances it. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/*
 * --from / --to.  RFC 3339 (a zone is given) or local time from TZ.  The
 * result is the first nanosecond of what the text names; @p span gets the
 * length of it minus one (a day, a minute, a second or the last fraction
 * digit), which --to adds so that it covers what it names.
 */
static int
parse_time(const char *flag, const char *s, int64_t *ns, int64_t *span)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, fdig = 0;
	int64_t frac = 0, unit = 86400LL * 1000000000;
	bool zone = false;
	long off_s = 0;
	struct tm tm;
	time_t t;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		goto shape;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			goto shape;
		unit = 60LL * 1000000000;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				goto shape;
			unit = 1000000000;
			if (*p == '.' || *p == ',') {
				p++;
				while (isdigit((unsigned char)*p)) {
					if (fdig < 9) {
						frac = frac * 10 + (*p - '0');
						fdig++;
					}
					p++;
				}
				if (fdig == 0)
					goto shape;
				unit = 1;
				for (int i = fdig; i < 9; i++) {
					frac *= 10;
					unit *= 10;
				}
			}
		}
		if (*p == 'Z' || *p == 'z') {
			zone = true;
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om, sign = *p == '-' ? -1 : 1;

			p++;
			if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om))
				goto shape;
			if (oh > 23 || om > 59)
				return bad("%s '%s': UTC offset %02d:%02d is not a time zone offset "
					   "(at most 23:59)", flag, s, oh, om);
			zone = true;
			off_s = sign * (oh * 3600L + om * 60L);
		}
	}
	if (*p != '\0')
		goto shape;
	if (mo < 1 || mo > 12)
		return bad("%s '%s': month %d is not 1..12", flag, s, mo);
	if (d < 1 || d > days_in(y, mo))
		return bad("%s '%s': day %d: %s %d has %d days", flag, s, d, month_names[mo - 1], y,
			   days_in(y, mo));
	if (h > 23)
		return bad("%s '%s': hour %d is not 0..23", flag, s, h);
	if (mi > 59)
		return bad("%s '%s': minute %d is not 0..59", flag, s, mi);
	if (sec > 59)
		return bad("%s '%s': second %d is not 0..59 (leap seconds are not stored as such)",
			   flag, s, sec);
	/* Receive times are int64 nanoseconds: 1678..2261. */
	if (y < 1678 || y > 2261)
		return bad("%s '%s': year %d is outside 1678..2261", flag, s, y);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (zone) {
		t = timegm(&tm) - off_s;
	} else {
		struct tm back;

		tm.tm_isdst = -1;
		t = mktime(&tm);
		localtime_r(&t, &back);
		/* mktime moves a time the clocks skip (DST start) silently. */
		if (back.tm_hour != h || back.tm_min != mi || back.tm_mday != d)
			return bad("%s '%s': this local time does not exist in time zone %s "
				   "(the clocks skip it)", flag, s,
				   getenv("TZ") ? getenv("TZ") : "of this system");
	}
	*ns = (int64_t)t * 1000000000 + frac;
	*span = unit - 1;
	return 0;
shape:
	return bad("%s '%s': expected RFC 3339 such as 2026-03-01T02:00:00+09:00, or local "
		   "time 'YYYY-MM-DD[ HH:MM[:SS]]'", flag, s);
}

static const char *const sev_names[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static int
level(const char *s, size_t n)
{
	static const struct { const char *name; int v; } alias[] = {
		{ "panic", 0 }, { "error", 3 }, { "warn", 4 },
	};

	if (n == 1 && s[0] >= '0' && s[0] <= '7')
		return s[0] - '0';
	for (int i = 0; i < 8; i++)
		if (strlen(sev_names[i]) == n && strncasecmp(s, sev_names[i], n) == 0)
			return i;
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strlen(alias[i].name) == n && strncasecmp(s, alias[i].name, n) == 0)
			return alias[i].v;
	return -1;
}

/*
 * --severity: one LEVEL means that level and every more severe one (as
 * journalctl -p and syslog selectors read it); "A-B" or "A..B" is the
 * range, in either order.
 */
static int
parse_severity(const char *s, uint8_t *mask)
{
	const char *sep = strstr(s, "..");
	size_t seplen = 2;
	int a, b;

	if (sep == NULL) {
		sep = strchr(s, '-');
		seplen = 1;
	}
	if (sep == NULL) {
		a = 0;
		b = level(s, strlen(s));
	} else {
		a = level(s, (size_t)(sep - s));
		b = level(sep + seplen, strlen(sep + seplen));
	}
	if (a < 0 || b < 0)
		return bad("--severity '%s': expected a level (emerg alert crit err warning notice "
			   "info debug, or 0-7) or a range such as 0-3 or warning..emerg", s);
	if (a > b) {
		int t = a;

		a = b;
		b = t;
	}
	for (int i = a; i <= b; i++)
		*mask |= (uint8_t)(1u << i);
	return 0;
}

static const char *const fac_names[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1",
	"local2", "local3", "local4", "local5", "local6", "local7",
};

static int
parse_facility(const char *arg, uint32_t *mask)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(tok, &end, 10);
		int f = -1;

		if (end != tok && *end == '\0' && v >= 0 && v <= 23)
			f = (int)v;
		for (int i = 0; f < 0 && i < 24; i++)
			if (strcasecmp(tok, fac_names[i]) == 0)
				f = i;
		if (f < 0)
			return bad("--facility '%s': '%s' is not a facility (kern user mail daemon auth "
				   "syslog lpr news uucp cron authpriv ftp ntp security console "
				   "solaris-cron local0..local7, or 0-23)", arg, tok);
		*mask |= 1u << f;
	}
	if (*mask == 0)
		return bad("--facility '%s': no facility named", arg);
	return 0;
}

static int
parse_source(const char *s, struct sc_prefix *p)
{
	char buf[128], *slash;
	long bits = -1;
	uint8_t v4[4];

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		char *end;

		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || bits < 0)
			return bad("--source '%s': the prefix length after '/' must be a number", s);
	}
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, v4) == 1) {
		if (bits > 32)
			return bad("--source '%s': an IPv4 prefix is at most /32", s);
		p->addr[10] = p->addr[11] = 0xff;
		memcpy(p->addr + 12, v4, 4);
		p->bits = (uint8_t)(96 + (bits < 0 ? 32 : bits));
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		if (bits > 128)
			return bad("--source '%s': an IPv6 prefix is at most /128", s);
		p->bits = (uint8_t)(bits < 0 ? 128 : bits);
	} else {
		return bad("--source '%s': '%s' is not an IPv4 or IPv6 address", s, buf);
	}
	return 0;
}

static int
parse_count(const char *flag, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || s[0] == '-' || v == 0)
		return bad("%s '%s': expected a whole number from 1", flag, s);
	*out = v;
	return 0;
}

/* ---- output --------------------------------------------------------------- */

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_RAW };

struct out_ctx {
	struct sc_search *s;
	enum fmt fmt;
	FILE *o;
	bool follow;            /* flush after every record */
};

/* RFC 3339 in local time (TZ), nanoseconds, with the offset ("Z" at UTC). */
static void
fmt_time(int64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000), off;
	struct tm tm;
	size_t n;

	if (frac < 0) {
		frac += 1000000000;
		s--;
	}
	localtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff;
	if (off == 0)
		snprintf(buf + n, len - n, ".%09ldZ", frac);
	else
		snprintf(buf + n, len - n, ".%09ld%c%02ld:%02ld", frac, off < 0 ? '-' : '+',
			 labs(off) / 3600, labs(off) % 3600 / 60);
}

/* A JSON string of UTF-8 text (sealctl.h). */
void
put_json_str(FILE *o, const char *p, size_t n)
{
	fputc('"', o);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];

		if (c == '"' || c == '\\') {
			fputc('\\', o);
			fputc(c, o);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(o, "\\u%04x", c);
		} else {
			fputc(c, o);
		}
	}
	fputc('"', o);
}

/* RFC 4180: quoted, quotes doubled (line breaks stay inside the quotes). */
static void
put_csv_str(FILE *o, const char *p, size_t n)
{
	fputc('"', o);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			fputc('"', o);
		fputc(p[i], o);
	}
	fputc('"', o);
}

/* A field of the record as UTF-8 (converted like the message). */
static const char *
field_text(struct sc_search *s, const struct sc_record *r, int f, size_t *len)
{
	struct sc_record t = *r;

	t.raw = r->raw + r->field[f].off;
	t.raw_len = r->field[f].len;
	return sc_search_text(s, &t, SC_TEXT_UTF8, len);
}

static const char *const transports[] = { "event", "udp", "tcp", "tls" };
static const char *const charsets[] = { "ascii", "utf-8", "shift_jis", "binary" };

static int
print_hit(const struct sc_hit *hit, void *arg)
{
	struct out_ctx *c = arg;
	const struct sc_record *r = hit->r;
	char t[80], addr[64], id[48];
	const char *txt;
	size_t n;

	snprintf(id, sizeof(id), "%" PRIu64 ".%" PRIu32, hit->block, hit->index);
	if (c->fmt == FMT_RAW) {
		fprintf(c->o, "%s %" PRIu32 " ", id, r->raw_len);
		fwrite(r->raw, 1, r->raw_len, c->o);
		fputc('\n', c->o);
		goto done;
	}
	fmt_time(r->rx_ns, t, sizeof(t));
	if (r->family == 4 || r->family == 6)
		sc_record_addr_str(r, addr, sizeof(addr));
	else
		snprintf(addr, sizeof(addr), "engine");
	if (c->fmt == FMT_TEXT) {
		txt = sc_search_text(c->s, r, SC_TEXT_ESCAPED, &n);
		if (txt == NULL)
			return -ENOMEM;
		if (r->family == 6)
			fprintf(c->o, "%s %s [%s]:%u ", id, t, addr, r->src_port);
		else if (r->family == 4)
			fprintf(c->o, "%s %s %s:%u ", id, t, addr, r->src_port);
		else
			fprintf(c->o, "%s %s %s ", id, t, addr);
		fwrite(txt, 1, n, c->o);
		fputc('\n', c->o);
		goto done;
	}
	if (c->fmt == FMT_CSV) {
		fprintf(c->o, "%s,%s,%s,%u,", id, t, addr, r->src_port);
		txt = field_text(c->s, r, SC_F_HOSTNAME, &n);
		put_csv_str(c->o, txt ? txt : "", txt ? n : 0);
		fputc(',', c->o);
		txt = field_text(c->s, r, SC_F_APPNAME, &n);
		put_csv_str(c->o, txt ? txt : "", txt ? n : 0);
		if (r->pri >= 0 && r->pri <= 191)
			fprintf(c->o, ",%s,%s,", sev_names[r->pri & 7], fac_names[r->pri >> 3]);
		else
			fputs(",,,", c->o);
		txt = sc_search_text(c->s, r, SC_TEXT_UTF8, &n);
		if (txt == NULL)
			return -ENOMEM;
		put_csv_str(c->o, txt, n);
		fputs("\r\n", c->o);
		goto done;
	}
	/* JSON Lines. */
	fprintf(c->o, "{\"id\":\"%s\",\"time\":\"%s\",\"rx_ns\":%" PRId64 ",\"source\":\"%s\","
		"\"port\":%u,\"dst_port\":%u,\"transport\":\"%s\",\"host\":", id, t, r->rx_ns, addr,
		r->src_port, r->dst_port, transports[r->transport & 3]);
	txt = field_text(c->s, r, SC_F_HOSTNAME, &n);
	put_json_str(c->o, txt ? txt : "", txt ? n : 0);
	fputs(",\"app\":", c->o);
	txt = field_text(c->s, r, SC_F_APPNAME, &n);
	put_json_str(c->o, txt ? txt : "", txt ? n : 0);
	if (r->pri >= 0 && r->pri <= 191)
		fprintf(c->o, ",\"pri\":%d,\"severity\":\"%s\",\"facility\":\"%s\"", r->pri,
			sev_names[r->pri & 7], fac_names[r->pri >> 3]);
	else
		fputs(",\"pri\":null,\"severity\":null,\"facility\":null", c->o);
	fprintf(c->o, ",\"charset\":\"%s\",\"flags\":%" PRIu32 ",\"message\":",
		charsets[r->charset & 3], r->flags);
	txt = sc_search_text(c->s, r, SC_TEXT_UTF8, &n);
	if (txt == NULL)
		return -ENOMEM;
	put_json_str(c->o, txt, n);
	{
		unsigned char *b64 = malloc(4 * ((r->raw_len + 2) / 3) + 1);

		if (b64 == NULL)
			return -ENOMEM;
		EVP_EncodeBlock(b64, r->raw, (int)r->raw_len);
		fprintf(c->o, ",\"raw_b64\":\"%s\"}\n", b64);
		free(b64);
	}
done:
	if (c->follow)
		fflush(c->o);
	return ferror(c->o) ? -EIO : 0;
}

/* ---- notes ---------------------------------------------------------------- */

#define KEY_IDS_SHOWN 4

struct note_ctx {
	const char *cmd;
	const char *dir;
	bool quiet_incomplete;
	unsigned index_notes;
	/* Encrypted blocks not read, summed up once per run (encrypted_tail). */
	uint64_t locked;         /* SC_E_ENCRYPTED: no key given */
	uint64_t wrong;          /* SC_E_KEY_UNKNOWN: not among the keys given */
	uint8_t ids[KEY_IDS_SHOWN][SC_ENC_KEYID_LEN];  /* distinct key ids of those */
	unsigned nids, more_ids;
};

static void
note_key_id(struct note_ctx *c, const uint8_t id[SC_ENC_KEYID_LEN])
{
	for (unsigned i = 0; i < c->nids; i++)
		if (memcmp(c->ids[i], id, SC_ENC_KEYID_LEN) == 0)
			return;
	if (c->nids < KEY_IDS_SHOWN)
		memcpy(c->ids[c->nids++], id, SC_ENC_KEYID_LEN);
	else
		c->more_ids++;
}

#define INDEX_NOTES_SHOWN 5

static void
print_note(const struct sc_search_note *n, void *arg)
{
	struct note_ctx *c = arg;

	switch (n->kind) {
	case SC_NOTE_DAMAGE:
		fprintf(stderr, "%s: DAMAGED segment %08" PRIu32, c->cmd, n->segment);
		if (n->offset)
			fprintf(stderr, " offset %" PRIu64, n->offset);
		if (n->block >= 0)
			fprintf(stderr, " block %" PRId64, n->block);
		if (n->lane >= 0)
			fprintf(stderr, " lane %" PRId64, n->lane);
		fprintf(stderr, ": %s: %s; %s (run 'sealctl verify %s')\n", sc_error_name(n->err),
			sc_error_text(n->err), n->detail, c->dir);
		break;
	case SC_NOTE_INCOMPLETE:
		if (!c->quiet_incomplete)
			fprintf(stderr, "%s: note: segment %08" PRIu32 " offset %" PRIu64 ": %s; "
				"not searched\n", c->cmd, n->segment, n->offset, n->detail);
		break;
	case SC_NOTE_INDEX:
		if (++c->index_notes <= INDEX_NOTES_SHOWN)
			fprintf(stderr, "%s: warning: segment %08" PRIu32 ": %s; its blocks were "
				"judged by their headers (slower, same results); 'sealctl "
				"rebuild-index %s' rebuilds the index\n", c->cmd, n->segment,
				n->detail, c->dir);
		break;
	case SC_NOTE_INDEX_STALE:
		fprintf(stderr, "%s: warning: segment %08" PRIu32 " offset %" PRIu64 ": %s\n",
			c->cmd, n->segment, n->offset, n->detail);
		break;
	case SC_NOTE_ENCRYPTED:
		/* Not damage, and one line per block would drown the output. */
		if (n->err == SC_E_KEY_UNKNOWN)
			c->wrong++;
		else
			c->locked++;
		note_key_id(c, n->key_id);
		break;
	}
}

/*
 * The encrypted blocks left unread since the last call, in one summary;
 * then the counts start again (tail -f calls it before and after following).
 */
static void
encrypted_tail(struct note_ctx *c)
{
	char ids[KEY_IDS_SHOWN * (2 * SC_ENC_KEYID_LEN + 2) + 32] = "";
	size_t n = 0;

	if (c->locked + c->wrong == 0)
		return;
	for (unsigned i = 0; i < c->nids; i++) {
		char hex[2 * SC_ENC_KEYID_LEN + 1];

		sc_enc_key_id_hex(c->ids[i], hex);
		n += (size_t)snprintf(ids + n, sizeof(ids) - n, "%s%s", i ? ", " : "", hex);
	}
	if (c->more_ids)
		snprintf(ids + n, sizeof(ids) - n, " and %u more", c->more_ids);
	/* Exclusive: without --decrypt-key every block is "no key", with it none is. */
	if (c->locked)
		fprintf(stderr, "%s: %" PRIu64 " encrypted block(s) not searched: no --decrypt-key "
			"given (key id %s)\n", c->cmd, c->locked, ids);
	if (c->wrong)
		fprintf(stderr, "%s: %" PRIu64 " encrypted block(s) not searched: under key id %s, "
			"not among the keys given\n", c->cmd, c->wrong, ids);
	fprintf(stderr, "%s: search incomplete: records of those blocks were not matched, so "
		"this is not the whole answer; give their key with --decrypt-key FILE\n", c->cmd);
	c->locked = c->wrong = 0;
	c->nids = c->more_ids = 0;
}

static void
index_notes_tail(const struct note_ctx *c)
{
	if (c->index_notes > INDEX_NOTES_SHOWN)
		fprintf(stderr, "%s: warning: ... and %u more segment(s) with the same index "
			"problem\n", c->cmd, c->index_notes - INDEX_NOTES_SHOWN);
}

static void
print_stats(const char *cmd, const struct sc_search_stats *st, double secs)
{
	fprintf(stderr,
		"%s: stats: %" PRIu32 " segment(s), %" PRIu32 " with an index; %" PRIu64
		" block(s) considered, %" PRIu64 " from the index; ruled out: %" PRIu64
		" by time, %" PRIu64 " by masks, %" PRIu64 " by Bloom filters; %" PRIu64
		" read (%" PRIu64 " bytes stored, %" PRIu64 " raw); %" PRIu64
		" record(s) examined, %" PRIu64 " matched; %" PRIu64 " damaged; %" PRIu64
		" encrypted not read; %.3f s\n",
		cmd, st->segments, st->segments_indexed, st->blocks, st->blocks_indexed,
		st->skip_time, st->skip_mask, st->skip_bloom, st->blocks_read, st->bytes_read,
		st->raw_bytes, st->records, st->matches, st->damaged, st->encrypted, secs);
}

/* ---- options shared by search and tail ------------------------------------ */

enum {
	O_FROM = 256, O_TO, O_HOST, O_APP, O_SOURCE, O_SEVERITY, O_FACILITY, O_GREP, O_REGEX,
	O_LIMIT, O_COUNT, O_FORMAT, O_STATS, O_EVENTS, O_INTERVAL, O_OUT, O_DECRYPT_KEY,
};

static const struct option long_opts[] = {
	{ "from", required_argument, NULL, O_FROM },
	{ "to", required_argument, NULL, O_TO },
	{ "host", required_argument, NULL, O_HOST },
	{ "app", required_argument, NULL, O_APP },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "severity", required_argument, NULL, O_SEVERITY },
	{ "facility", required_argument, NULL, O_FACILITY },
	{ "grep", required_argument, NULL, O_GREP },
	{ "ignore-case", no_argument, NULL, 'i' },
	{ "regex", required_argument, NULL, O_REGEX },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "count", no_argument, NULL, O_COUNT },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "stats", no_argument, NULL, O_STATS },
	{ "events", no_argument, NULL, O_EVENTS },
	{ "follow", no_argument, NULL, 'f' },
	{ "lines", required_argument, NULL, 'n' },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "out", required_argument, NULL, O_OUT },
	{ "decrypt-key", required_argument, NULL, O_DECRYPT_KEY },
	{ NULL, 0, NULL, 0 },
};

struct cli {
	const char *cmd;
	bool tail, export;
	struct sc_query q;
	const char *from_s, *to_s;
	const char *regex_s;
	regex_t re;
	bool re_set;
	uint64_t limit;
	bool count, stats, follow;
	uint64_t lines;
	uint64_t interval_ms;
	enum fmt fmt;
	const char *dir;
	const char *out;         /* export: the package file */
	const char *fargs[64];   /* export: the filter as given, for the package */
	int nfargs;
};

static int
add_value(const char *flag, const char **vals, unsigned *n, const char *v)
{
	if (*n >= SC_QUERY_MAX)
		return bad("%s: at most %d values", flag, SC_QUERY_MAX);
	if (v[0] == '\0')
		return bad("%s: empty value", flag);
	vals[(*n)++] = v;
	return 0;
}

/*
 * @return 0, -1 with usage_err set, or -2 when the reason was said already
 *         (a --decrypt-key that does not load).  cli_free() in every case.
 */
static int
parse_cli(int argc, char **argv, struct cli *c)
{
	int opt, rc = 0;
	int64_t span;

	/*
	 * Matching is on UTF-8 text whatever the user's locale: regcomp and
	 * regexec follow LC_CTYPE, so take the UTF-8 one for them.  Times
	 * without a zone are local time from TZ.
	 */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	tzset();

	c->q.from_ns = INT64_MIN;
	c->q.to_ns = INT64_MAX;
	c->lines = 10;
	c->interval_ms = 200;
	optind = 1;
	opterr = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, c->tail ? ":ifn:" : ":i", long_opts,
					     NULL)) != -1) {
		switch (opt) {
		case O_FROM:
			c->from_s = optarg;
			rc = parse_time("--from", optarg, &c->q.from_ns, &span);
			break;
		case O_TO:
			c->to_s = optarg;
			rc = parse_time("--to", optarg, &c->q.to_ns, &span);
			if (rc == 0)
				c->q.to_ns += span;
			break;
		case O_HOST:
			rc = add_value("--host", c->q.host, &c->q.nhost, optarg);
			break;
		case O_APP:
			rc = add_value("--app", c->q.app, &c->q.napp, optarg);
			break;
		case O_SOURCE:
			if (c->q.nsrc >= SC_QUERY_MAX)
				rc = bad("--source: at most %d values", SC_QUERY_MAX);
			else
				rc = parse_source(optarg, &c->q.src[c->q.nsrc++]);
			break;
		case O_SEVERITY:
			rc = parse_severity(optarg, &c->q.severity);
			break;
		case O_FACILITY:
			rc = parse_facility(optarg, &c->q.facility);
			break;
		case O_GREP:
			if (c->q.grep)
				rc = bad("--grep: give it once (use --regex 'a|b' for either)");
			c->q.grep = optarg;
			c->q.grep_len = strlen(optarg);
			break;
		case 'i':
			c->q.icase = true;
			break;
		case O_REGEX:
			if (c->regex_s)
				rc = bad("--regex: give it once");
			c->regex_s = optarg;
			break;
		case O_LIMIT:
			rc = parse_count("--limit", optarg, &c->limit);
			break;
		case O_COUNT:
			c->count = true;
			break;
		case O_STATS:
			c->stats = true;
			break;
		case O_EVENTS:
			c->q.events = true;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "text") == 0)
				c->fmt = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				c->fmt = FMT_JSON;
			else if (strcmp(optarg, "csv") == 0)
				c->fmt = FMT_CSV;
			else if (strcmp(optarg, "raw") == 0)
				c->fmt = FMT_RAW;
			else
				rc = bad("--format '%s': expected text, json, csv or raw", optarg);
			break;
		case 'f':
			c->follow = true;
			break;
		case 'n':
			rc = parse_count("-n", optarg, &c->lines);
			break;
		case O_INTERVAL:
			rc = parse_count("--interval", optarg, &c->interval_ms);
			break;
		case O_OUT:
			c->out = optarg;
			break;
		case O_DECRYPT_KEY:
			if (add_decrypt_key(&c->q.keys, optarg, c->cmd) != 0)
				return -2;
			break;
		case ':':
			rc = bad("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			rc = bad("unknown option '%s'", argv[optind - 1]);
			break;
		}
		if (rc == 0 && !c->tail && (opt == O_INTERVAL || opt == 'f' || opt == 'n'))
			rc = bad("--%s is an option of 'sealctl tail'",
				 opt == 'f' ? "follow" : opt == 'n' ? "lines" : "interval");
		if (rc == 0 && c->tail && (opt == O_LIMIT || opt == O_COUNT))
			rc = bad("--%s is an option of 'sealctl search' (tail: -n N)",
				 opt == O_LIMIT ? "limit" : "count");
		if (rc == 0 && !c->export && opt == O_OUT)
			rc = bad("--out is an option of 'sealctl export'");
		if (rc == 0 && c->export && (opt == O_LIMIT || opt == O_COUNT || opt == O_FORMAT ||
					     opt == O_STATS))
			rc = bad("%s: an evidence package holds every match, as JSON",
				 argv[optind - 1]);
	}
	if (rc != 0)
		return rc;
	if (optind + 1 != argc)
		return bad(optind >= argc ? "no store directory given" : "one store directory, please "
			   "(and options before it)");
	c->dir = argv[optind];
	if (c->q.from_ns > c->q.to_ns)
		return bad("empty time range: --from '%s' is after --to '%s'", c->from_s, c->to_s);
	if (c->export && c->out == NULL)
		return bad("--out FILE: where to write the package");
	/*
	 * The filter as given goes into the package for its reader: getopt
	 * has moved the options before optind, --out is not part of it.
	 */
	for (int i = 1; c->export && i < optind; i++) {
		/* Neither the output file nor the keys are part of the filter. */
		if (strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "--decrypt-key") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--out=", 6) == 0 || strncmp(argv[i], "--decrypt-key=", 14) == 0)
			continue;
		if (c->nfargs == (int)(sizeof(c->fargs) / sizeof(c->fargs[0])))
			return bad("too many filters for one package");
		c->fargs[c->nfargs++] = argv[i];
	}
	if (c->q.icase && c->q.grep == NULL && c->regex_s == NULL)
		return bad("-i/--ignore-case applies to --grep or --regex; neither is given");
	if (c->regex_s) {
		int flags = REG_EXTENDED | REG_NOSUB | (c->q.icase ? REG_ICASE : 0);
		int e = regcomp(&c->re, c->regex_s, flags);

		if (e != 0) {
			char m[256];

			regerror(e, &c->re, m, sizeof(m));
			return bad("--regex '%s': %s", c->regex_s, m);
		}
		c->re_set = true;
		c->q.regex = &c->re;
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* parse_cli failed with @p rc: say why (unless said) and give the exit status. */
static int
usage_fail(const char *cmd, int rc)
{
	if (rc != -2)
		fprintf(stderr, "sealctl %s: %s\nTry 'sealctl --help'.\n", cmd, usage_err);
	return EXIT_USAGE;
}

static void
cli_free(struct cli *c)
{
	if (c->re_set)
		regfree(&c->re);
	c->re_set = false;
	sc_keyring_free(c->q.keys);
	c->q.keys = NULL;
}

static struct sc_search *
open_search(struct cli *c, struct note_ctx *nc, int *status)
{
	char err[512];
	struct sc_search *s;

	s = sc_search_open(c->dir, &c->q, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "sealctl %s: %s\n", c->cmd, err);
		*status = EXIT_USAGE;
		return NULL;
	}
	nc->cmd = c->cmd;
	nc->dir = c->dir;
	sc_search_on_note(s, print_note, nc);
	return s;
}

int
cmd_search(int argc, char **argv)
{
	struct cli c = { .cmd = "search" };
	struct note_ctx nc = { 0 };
	struct out_ctx oc = { .o = stdout };
	struct sc_search *s;
	const struct sc_search_stats *st;
	double t0 = now_s();
	int rc, status = 0;

	rc = parse_cli(argc, argv, &c);
	if (rc != 0) {
		cli_free(&c);
		return usage_fail("search", rc);
	}
	s = open_search(&c, &nc, &status);
	if (s == NULL)
		goto out;
	oc.s = s;
	oc.fmt = c.fmt;
	if (c.fmt == FMT_CSV && !c.count)
		fputs("id,time,source,port,host,app,severity,facility,message\r\n", stdout);
	/* Counting needs no order: block order reads the store front to back. */
	rc = sc_search_run(s, c.count ? SC_ORDER_STORE : SC_ORDER_TIME, c.limit,
			   c.count ? NULL : print_hit, &oc);
	index_notes_tail(&nc);
	encrypted_tail(&nc);
	st = sc_search_stats(s);
	if (c.count)
		printf("%" PRIu64 "\n", st->matches);
	if (fflush(stdout) != 0 || rc == -EIO) {
		fprintf(stderr, "sealctl search: writing the results: %s\n", strerror(errno));
		status = EXIT_USAGE;
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "sealctl search: %s\n", strerror(-rc));
		status = EXIT_USAGE;
		goto out;
	}
	if (c.stats)
		print_stats("sealctl search", st, now_s() - t0);
	status = st->damaged || st->encrypted ? EXIT_DAMAGE : st->matches ? EXIT_FOUND : EXIT_NONE;
out:
	sc_search_close(s);
	cli_free(&c);
	return status;
}

/* ---- tail ----------------------------------------------------------------- */

/* The last N hits, kept (the search reuses its buffers) to print in order. */
struct kept {
	struct sc_record r;
	struct sc_block_hdr h;
	uint8_t *raw;
	uint64_t block;
	uint32_t index, segment;
	uint64_t offset;
};

struct keep_ctx {
	struct kept *k;
	uint64_t n;
};

static int
keep_hit(const struct sc_hit *hit, void *arg)
{
	struct keep_ctx *c = arg;
	struct kept *k = &c->k[c->n];

	k->raw = malloc(hit->r->raw_len ? hit->r->raw_len : 1);
	if (k->raw == NULL)
		return -ENOMEM;
	memcpy(k->raw, hit->r->raw, hit->r->raw_len);
	k->r = *hit->r;
	k->r.raw = k->raw;
	k->h = *hit->h;
	k->block = hit->block;
	k->index = hit->index;
	k->segment = hit->segment;
	k->offset = hit->offset;
	c->n++;
	return 0;
}

int
cmd_tail(int argc, char **argv)
{
	struct cli c = { .cmd = "tail", .tail = true };
	struct note_ctx nc = { .quiet_incomplete = true };
	struct out_ctx oc = { .o = stdout };
	struct keep_ctx kc = { 0 };
	struct sc_search *s;
	struct sc_search_pos pos;
	struct sigaction sa;
	int rc, status = 0;

	rc = parse_cli(argc, argv, &c);
	if (rc != 0) {
		cli_free(&c);
		return usage_fail("tail", rc);
	}
	if (c.lines > 1000000) {
		fprintf(stderr, "sealctl tail: -n %" PRIu64 ": at most 1000000 (use 'sealctl search' "
			"for more)\n", c.lines);
		cli_free(&c);
		return EXIT_USAGE;
	}
	s = open_search(&c, &nc, &status);
	if (s == NULL)
		goto out;
	oc.s = s;
	oc.fmt = c.fmt;
	oc.follow = c.follow;
	kc.k = calloc(c.lines, sizeof(*kc.k));
	if (kc.k == NULL) {
		fprintf(stderr, "sealctl tail: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	rc = sc_search_run(s, SC_ORDER_TIME_DESC, c.lines, keep_hit, &kc);
	index_notes_tail(&nc);
	encrypted_tail(&nc);
	if (rc != 0) {
		fprintf(stderr, "sealctl tail: %s\n", strerror(rc < 0 ? -rc : EIO));
		status = EXIT_USAGE;
		goto out;
	}
	if (c.fmt == FMT_CSV)
		fputs("id,time,source,port,host,app,severity,facility,message\r\n", stdout);
	for (uint64_t i = kc.n; i-- > 0;) {
		struct kept *k = &kc.k[i];
		struct sc_hit hit = { &k->r, &k->h, k->block, k->index, k->segment, k->offset, NULL };

		print_hit(&hit, &oc);
	}
	if (fflush(stdout) != 0) {
		status = EXIT_USAGE;
		goto out;
	}
	if (!c.follow) {
		const struct sc_search_stats *st = sc_search_stats(s);

		status = st->damaged || st->encrypted ? EXIT_DAMAGE : kc.n ? EXIT_FOUND : EXIT_NONE;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sc_search_end(s, &pos);
	rc = sc_search_follow(s, &pos, (unsigned)(c.interval_ms > 60000 ? 60000 : c.interval_ms),
			      &stop, print_hit, &oc);
	encrypted_tail(&nc);
	if (rc != 0) {
		fprintf(stderr, "sealctl tail: %s\n", strerror(rc < 0 ? -rc : EIO));
		status = EXIT_USAGE;
		goto out;
	}
	status = sc_search_stats(s)->damaged || sc_search_stats(s)->encrypted ? EXIT_DAMAGE :
		 EXIT_FOUND;
out:
	for (uint64_t i = 0; i < kc.n; i++)
		free(kc.k[i].raw);
	free(kc.k);
	sc_search_close(s);
	cli_free(&c);
	return status;
}

/* ---- export -------------------------------------------------------------- */

/*
 * Exit status: 0 package written, 1 no signed record matches, 2 bad usage,
 * not a store, no checkpoint, or the package could not be written, 3 a
 * damaged block was met, the store disagrees with itself, or an encrypted
 * block could not be read (no --decrypt-key, or not its key): no package,
 * as a package must hold every match.
 */
int
cmd_export(int argc, char **argv)
{
	struct cli c = { .cmd = "export", .export = true };
	struct sc_export_info info;
	char err[512], *json = NULL;
	double t0 = now_s();
	FILE *f;
	int rc, status;

	rc = parse_cli(argc, argv, &c);
	if (rc != 0) {
		cli_free(&c);
		return usage_fail("export", rc);
	}
	rc = sc_proof_export(c.dir, &c.q, c.fargs, c.nfargs, NULL, &json, &info, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "sealctl export: %s\n", err);
		status = rc == -ENOENT ? EXIT_NONE :
			 rc == -EBADMSG || rc == -EACCES ? EXIT_DAMAGE : EXIT_USAGE;
		goto out;
	}
	f = fopen(c.out, "w");
	if (f != NULL && (fputs(json, f) == EOF || fputc('\n', f) == EOF)) {
		fclose(f);
		f = NULL;
	}
	if (f == NULL || fclose(f) != 0) {
		fprintf(stderr, "sealctl export: %s: %s\n", c.out, strerror(errno));
		status = EXIT_USAGE;
		goto out;
	}
	printf("exported %" PRIu64 " record(s) in %" PRIu64 " block(s) to %s, against the checkpoint "
	       "of %" PRIu64 " blocks signed by %s (%.3f s)\n", info.records, info.blocks, c.out,
	       info.size, info.signer, now_s() - t0);
	if (info.unsigned_hits)
		printf("left out: %" PRIu64 " matching record(s) sealed but not yet signed (after the "
		       "checkpoint); export again after the next checkpoint to include them\n",
		       info.unsigned_hits);
	status = EXIT_FOUND;
out:
	free(json);
	cli_free(&c);
	return status;
}

/* ---- rebuild-index -------------------------------------------------------- */

static void
print_rebuild_damage(uint32_t segment, uint64_t offset, enum sc_error err, void *arg)
{
	(void)arg;
	fprintf(stderr, "sealctl rebuild-index: DAMAGED segment %08" PRIu32 " offset %" PRIu64
		": %s: %s; its index stops before it\n", segment, offset, sc_error_name(err),
		sc_error_text(err));
}

int
cmd_rebuild_index(int argc, char **argv)
{
	struct sc_index_rebuild_result res;
	char err[512];
	int rc;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: sealctl rebuild-index DIR\n");
		return EXIT_USAGE;
	}
	rc = sc_index_rebuild(argv[1], &res, print_rebuild_damage, NULL, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "sealctl rebuild-index: %s\n", err);
		return EXIT_USAGE;
	}
	printf("rebuilt %" PRIu32 " index file(s) for %" PRIu64 " block(s)", res.segments,
	       res.blocks);
	if (res.removed)
		printf("; removed %" PRIu32 " stale file(s)", res.removed);
	if (res.damaged)
		printf("; %" PRIu32 " damaged segment(s) indexed up to the damage", res.damaged);
	putchar('\n');
	return res.damaged ? 1 : 0;
}
