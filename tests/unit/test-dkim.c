/* SPDX-License-Identifier: MIT */
/* Unit tests for DKIM key records and the shared tag=value parser. */
#include "dkim.h"
#include "notes.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* The RSA 2048 key of tests/dns/zones/example.test.zone (sel1). */
#define RSA2048 "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxczSZUPSW05kd0j7CmYl6NDcPNtDJdvVwOfjoU2qVbpN0917NbKdO4r8RmIHCUXRPJ8zApQNiD2FIrconkDKvTxP2C8pOESAVGXeY2b9Y61G5rTIdQFYOZSJHJPOC226UlPNVkAjmTlieMW8FhmnlV2RDldLssRrb3z0lE/CIySECoqRKKszQnJJRYLQ+dI3qQ9pjdy/vcPhPR4VgmC1klgY6I86pma9WSgT+HEF55Lq5QpWmP0JHjl7ObSBQJ+FTNnlSVqCo2RSw4E2GMmnlY919AIgggD/4JV9FhXUR5+3Y0DL7anTYoTv/oNTMV9fnHr6GpEx0QzkG/dZFVHuJwIDAQAB"
#define RSA1024 "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCh75J1xgIhtSy/afQ+y5a9lZyaDvjwf8wIfpMmx5GIFBgucTsNOlyOPC1Aw9WJGz7RUi0CEOa7PKat7saoQ2DRfNxlIY8GwCgNtS4eb4YqZc+qMgZnm3fbZdzNH6DHvPjPNdHWsc2ExZc8owyx1cQ639LL20j1syLMrQ/dC9TRgQIDAQAB"
/* the same key as a bare PKCS#1 RSAPublicKey */
#define RSA1024_PKCS1 "MIGJAoGBAKHvknXGAiG1LL9p9D7Llr2VnJoO+PB/zAh+kybHkYgUGC5xOw06XI48LUDD1YkbPtFSLQIQ5rs8pq3uxqhDYNF83GUhjwbAKA21Lh5vhiplz6oyBmebd9tl3M0foMe8+M810daxzYTFlzyjDLHVxDrf0svbSPWzIsytD90L1NGBAgMBAAE="
#define RSA512 "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAPLLq9+P+CwHhXLYOsHltwmlOS8uBANaDmdVdCO/S9XiloYQdlBsczp5VMsJqhqZ+7M5D3mkBsmh8pJyY8lAHh8CAwEAAQ=="
#define EC256 "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFIZVf4dBrvYo2stq8nAmz3HV0TjrXBOIp5iYfTb4+fvqZOGj0fHcudwMWSPkyF6qPoAw3YIYwFyMKsywioGm8w=="
/* RFC 8463 A.2 */
#define ED25519 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static bool parse(const char *txt, struct dkim_key *k)
{
	return dkim_parse(txt, strlen(txt), k);
}

static void bad(const char *txt, const char *want, const char *what)
{
	struct dkim_key k;

	ok(!parse(txt, &k), "%s: unusable", what);
	ok(has_note(&k.notes, POL_ERROR, want), "%s: the error names \"%s\"", what, want);
	dkim_key_finish(&k);
}

static void test_tags(void)
{
	struct pol_tags t;
	struct pol_notes ns = { NULL, 0 };
	const char *s = " a = 1 ;b=two words;\tc= ; d_1=x;";

	ok(pol_tags_parse(s, strlen(s), "T", &t, &ns), "a tag list parses");
	is_int(t.n, 4, "four tags");
	is_str(pol_tags_get(&t, "a"), "1", "blanks around = and the value are dropped");
	is_str(pol_tags_get(&t, "b"), "two words", "inner blanks are kept");
	is_str(pol_tags_get(&t, "c"), "", "an empty value");
	is_str(pol_tags_get(&t, "d_1"), "x", "_ and digits in names");
	ok(pol_tags_get(&t, "A") == NULL, "names are case-sensitive");
	ok(ns.n == 0, "no findings");
	pol_tags_finish(&t);
	s = "a=1; a=2; =3; 4x=5; noequals";
	ok(!pol_tags_parse(s, strlen(s), "T", &t, &ns), "errors are found");
	is_int(t.n, 1, "only the first a is kept");
	ok(has_note(&ns, POL_ERROR, "tag a appears twice"), "a duplicate tag");
	ok(has_note(&ns, POL_ERROR, "bad tag name \"\""), "an empty name");
	ok(has_note(&ns, POL_ERROR, "bad tag name \"4x\""), "a name starting with a digit");
	ok(has_note(&ns, POL_ERROR, "\"noequals\" is not tag=value"), "a tag without =");
	pol_tags_finish(&t);
	pol_notes_finish(&ns);
	s = "a=1;;b=2";
	pol_tags_parse(s, strlen(s), "T", &t, &ns);
	ok(has_note(&ns, POL_WARN, "empty tag"), "an empty tag in the middle is warned about");
	pol_tags_finish(&t);
	pol_notes_finish(&ns);
	{
		char *p = pol_printable("a\x01" "b\xff", 4, 0);

		is_str(p, "a\\x01b\\xff", "printable copies escape control and non-ASCII bytes");
		free(p);
		p = pol_printable("abcdefgh", 8, 4);
		is_str(p, "abcd...", "and cut long text");
		free(p);
	}
}

static void test_keys(void)
{
	struct dkim_key k;

	ok(parse("v=DKIM1; k=rsa; p=" RSA2048, &k), "an RSA 2048 key");
	is_str(k.key_type, "RSA", "type RSA");
	is_int(k.bits, 2048, "2048 bits");
	ok(!k.testing && !k.strict && !k.revoked, "no flags");
	ok(!pol_notes_has(&k.notes, POL_WARN), "no warnings");
	dkim_key_finish(&k);
	ok(parse("p=" RSA2048, &k), "v and k are optional (k defaults to rsa)");
	is_str(k.k, "rsa", "k=rsa by default");
	dkim_key_finish(&k);
	ok(parse("v=DKIM1; p=" RSA1024, &k), "an RSA 1024 key is usable");
	is_int(k.bits, 1024, "1024 bits");
	ok(has_note(&k.notes, POL_WARN, "should use 2048"), "but signers should use 2048 (RFC 8301)");
	dkim_key_finish(&k);
	ok(parse("v=DKIM1; p=" RSA1024_PKCS1, &k), "a bare PKCS#1 RSA key is read");
	is_int(k.bits, 1024, "its size");
	ok(has_note(&k.notes, POL_WARN, "not a SubjectPublicKeyInfo"), "and named");
	dkim_key_finish(&k);
	bad("v=DKIM1; p=" RSA512, "weak key: RSA 512 bits", "an RSA 512 key");
	ok(parse("v=DKIM1; k=ed25519; p=" ED25519, &k), "an Ed25519 key (RFC 8463)");
	is_str(k.key_type, "Ed25519", "type Ed25519");
	is_int(k.bits, 256, "256 bits");
	dkim_key_finish(&k);
	ok(parse("v=DKIM1; t=y:s; h=sha256; s=email; n=rotated 2024; p=" RSA2048, &k), "t, h, s and n");
	ok(k.testing, "t=y: testing");
	ok(k.strict, "t=s: strict");
	ok(has_note(&k.notes, POL_WARN, "testing mode"), "testing is warned about");
	dkim_key_finish(&k);
	ok(parse("v=DKIM1; p=" RSA2048 "; h=sha1:sha256", &k), "h=sha1:sha256 is usable");
	ok(has_note(&k.notes, POL_WARN, "allows sha1"), "sha1 is warned about");
	dkim_key_finish(&k);
	ok(parse("v=DKIM1; p=" RSA2048 "; t=y:x", &k), "unknown flags are ignored");
	ok(has_note(&k.notes, POL_INFO, "unknown flag t=x"), "and named");
	dkim_key_finish(&k);
	ok(parse("v=DKIM1; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxczSZUPSW05kd0j7CmYl6NDcPNtDJdvV wOfjoU2qVbpN0917NbKdO4r8RmIHCUXRPJ8zApQNiD2FIrconkDKvTxP2C8pOESAVGXeY2b9Y61G5rTIdQFYOZSJHJPOC226UlPNVkAjmTlieMW8FhmnlV2RDldLssRrb3z0lE/CIySECoqRKKszQnJJRYLQ+dI3qQ9pjdy/vcPhPR4VgmC1klgY6I86pma9WSgT+HEF55Lq5QpWmP0JHjl7ObSBQJ+FTNnlSVqCo2RSw4E2GMmnlY919AIgggD/4JV9FhXUR5+3Y0DL7anTYoTv/oNTMV9fnHr6GpEx0QzkG/dZFVHuJwIDAQAB", &k),
		"blanks inside p= are allowed");
	is_int(k.bits, 2048, "and skipped");
	dkim_key_finish(&k);
	ok(!parse("v=DKIM1; p=", &k), "an empty p=");
	ok(k.revoked, "is a revoked key");
	dkim_key_finish(&k);

	bad("v=DKIM1; k=rsa", "no p=", "no p=");
	bad("v=DKIM2; p=" RSA2048, "must be DKIM1", "a bad version");
	bad("k=rsa; v=DKIM1; p=" RSA2048, "must be the first tag", "v not first");
	bad("v=DKIM1; k=dsa; p=" RSA2048, "unknown key type", "an unknown key type");
	bad("v=DKIM1; p=not*base64", "not valid base64", "bad base64");
	bad("v=DKIM1; p=" EC256, "holds a EC key", "an EC key under k=rsa");
	bad("v=DKIM1; p=AAAA", "not a DER public key", "bytes that are no key");
	bad("v=DKIM1; k=ed25519; p=" RSA2048, "32 bytes", "an RSA key under k=ed25519");
	bad("v=DKIM1; h=sha1; p=" RSA2048, "no sha256", "h=sha1 only");
	bad("v=DKIM1; s=tlsrpt; p=" RSA2048, "not for email", "a key for another service");
	ok(strstr(dkim_tag_meaning("p"), "public key") != NULL, "tag meanings");
	ok(strstr(dkim_tag_meaning("zz"), "unknown") != NULL, "an unknown tag's meaning");
}

int main(void)
{
	test_tags();
	test_keys();
	return done_testing();
}
