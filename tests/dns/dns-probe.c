/* SPDX-License-Identifier: MIT */
/*
 * dns-probe: runs DNS queries through src/dns.c and prints every answer in a
 * fixed, line-based format for the DNS tests to grep.
 *
 *   dns-probe [--server ADDR] [--timeout MS] [--anchor FILE] [--resolv-conf FILE]
 *             [--sequential] NAME TYPE [NAME TYPE ...]
 *
 * NAME may be rev:ADDR (the reverse name of ADDR) or rev:ADDR@ZONE (a DNSBL name).
 * All queries are submitted at once and run concurrently, unless --sequential.
 * Output, per query in command-line order:
 *   query NAME TYPE
 *   rcode=NOERROR sec=secure ad=1 aa=0 tc=0 tcp=0 ede=-1
 *   qname NAME.                   (the name asked, absolute)
 *   server 127.0.0.1 port 5353
 *   cname TARGET                  (each CNAME followed, in order)
 *   rr OWNER TTL TYPE RDATA       (each record of the answer)
 *   mx PREF EXCHANGE | txt TEXT | addr ADDR | target NAME | tlsa U S M HEX
 *   error TEXT                    (when there is one)
 *   elapsed MS
 *   end
 * then "resolver DESC" and "total MS".
 * Exit status: 0, 1 for a local error (bad name, unreadable file), 2 for usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "util.h"

struct probe {
	char *name;
	uint16_t type;
	bool done;
	struct dns_answer ans;
};

static void probe_done(void *ctx, struct dns_answer *ans)
{
	struct probe *p = ctx;

	p->ans = *ans;
	p->done = true;
}

/* Bytes as text, non-printable ones as \xNN. */
static void print_bytes(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			putchar(c);
		} else {
			printf("\\x%02x", c);
		}
	}
}

static void print_answer(const struct probe *p)
{
	const struct dns_answer *a = &p->ans;
	const struct dns_rr *r;
	char tname[32];
	size_t i, j;

	printf("query %s %s\n", p->name, dns_type_name(p->type, tname, sizeof(tname)));
	if (!p->done) {
		printf("not-done\nend\n");
		return;
	}
	if (a->rcode < 0) {
		printf("rcode=%d", a->rcode);
	} else {
		printf("rcode=%s", dns_rcode_name(a->rcode));
	}
	printf(" sec=%s ad=%d aa=%d tc=%d tcp=%d ede=%d\n", dns_sec_name(a->sec), a->ad, a->aa,
		a->tc, a->tcp, a->ede);
	printf("qname %s\n", a->qname ? a->qname : "");
	printf("server %s\n", a->server);
	for (i = 0; i < a->ncnames; i++) {
		printf("cname %s\n", a->cnames[i]);
	}
	for (i = 0; i < a->nrrs; i++) {
		r = &a->rrs[i];
		printf("rr %s %u %s %s\n", r->owner, (unsigned)r->ttl,
			dns_type_name(r->type, tname, sizeof(tname)), r->rdata);
		switch (r->type) {
		case DNS_T_MX:
			printf("mx %u %s\n", (unsigned)r->pref, r->target ? r->target : "");
			break;
		case DNS_T_TXT:
			printf("txt ");
			print_bytes(r->txt ? r->txt : "", r->txt_len);
			printf("\n");
			break;
		case DNS_T_A:
		case DNS_T_AAAA:
			printf("addr %s\n", r->addr);
			break;
		case DNS_T_TLSA:
			printf("tlsa %u %u %u ", r->tlsa_usage, r->tlsa_selector, r->tlsa_mtype);
			for (j = 0; j < r->tlsa_len; j++) {
				printf("%02x", r->tlsa_data[j]);
			}
			printf("\n");
			break;
		default:
			if (r->target) {
				printf("target %s\n", r->target);
			}
			break;
		}
	}
	if (a->error[0]) {
		printf("error %s\n", a->error);
	}
	printf("elapsed %d\n", a->elapsed_ms);
	printf("end\n");
}

static int usage(void)
{
	fprintf(stderr, "usage: dns-probe [--server ADDR] [--timeout MS] [--anchor FILE] "
		"[--resolv-conf FILE] [--sequential] NAME TYPE [NAME TYPE ...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct dns_opts opts = { .timeout_ms = 5000 };
	struct probe *probes = NULL;
	struct dns *d = NULL;
	struct err e;
	size_t n = 0, i;
	bool sequential = false;
	int64_t t0;
	int argi, rc = 0;
	long v;
	char rev[300], *at;

	for (argi = 1; argi < argc && strncmp(argv[argi], "--", 2) == 0; argi++) {
		const char *o = argv[argi];

		if (strcmp(o, "--") == 0) {
			argi++;
			break;
		}
		if (strcmp(o, "--sequential") == 0) {
			sequential = true;
			continue;
		}
		if (argi + 1 >= argc) {
			return usage();
		}
		if (strcmp(o, "--server") == 0) {
			opts.server = argv[++argi];
		} else if (strcmp(o, "--timeout") == 0) {
			if (!str_to_long(argv[++argi], 1, 600000, &v)) {
				return usage();
			}
			opts.timeout_ms = (int)v;
		} else if (strcmp(o, "--anchor") == 0) {
			opts.trust_anchor = argv[++argi];
		} else if (strcmp(o, "--resolv-conf") == 0) {
			opts.resolv_conf = argv[++argi];
		} else {
			return usage();
		}
	}
	if (argi >= argc || (argc - argi) % 2 != 0) {
		return usage();
	}
	probes = xcalloc((size_t)(argc - argi) / 2, sizeof(*probes));
	for (; argi < argc; argi += 2) {
		struct probe *p = &probes[n++];

		if (strncmp(argv[argi], "rev:", 4) == 0) {
			char *addr = xstrdup(argv[argi] + 4);

			at = strchr(addr, '@');
			if (at) {
				*at = '\0';
			}
			if (!dns_reverse_name(addr, at ? at + 1 : NULL, rev, sizeof(rev))) {
				fprintf(stderr, "dns-probe: not an address: %s\n", addr);
				free(addr);
				rc = 2;
				goto out;
			}
			free(addr);
			p->name = xstrdup(rev);
		} else {
			p->name = xstrdup(argv[argi]);
		}
		p->type = dns_type_from_name(argv[argi + 1]);
		if (p->type == 0) {
			fprintf(stderr, "dns-probe: unknown type %s\n", argv[argi + 1]);
			rc = 2;
			goto out;
		}
	}

	d = dns_create(&opts);
	printf("resolver-before %s\n", dns_server_desc(d));
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		err_clear(&e);
		if (sequential) {
			if (!dns_query(d, probes[i].name, probes[i].type, &probes[i].ans, &e)) {
				printf("local-error %s: %s\n", probes[i].name, e.msg);
				rc = 1;
				continue;
			}
			probes[i].done = true;
		} else if (!dns_submit(d, probes[i].name, probes[i].type, probe_done, &probes[i],
				&e)) {
			printf("local-error %s: %s\n", probes[i].name, e.msg);
			rc = 1;
		}
	}
	dns_run(d);
	for (i = 0; i < n; i++) {
		print_answer(&probes[i]);
	}
	printf("resolver %s\n", dns_server_desc(d));
	printf("total %lld\n", (long long)(now_ms() - t0));
out:
	for (i = 0; i < n; i++) {
		free(probes[i].name);
		dns_answer_finish(&probes[i].ans);
	}
	free(probes);
	dns_destroy(d);
	return rc;
}
