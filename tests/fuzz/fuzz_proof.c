/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */

/*
 * The proof checker (`sealctl check-proof`: inclusion and consistency
 * proofs, evidence packages) on any document, against the golden store's
 * keys.  Input: one byte of mode, then the document.  With mode bit 0 the
 * harness re-signs every checkpoint the document carries ("checkpoint",
 * "old", "new") with the golden signing key (tests/data/golden/keys-v2,
 * published seeds), so that mutated documents get past the signature to
 * the record, block, Merkle path and tree checks.  Checked: the checker
 * returns 0, 1 or -EINVAL, says why whenever it is not 0, and fills the
 * type of every proof it accepts.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <sealcap/checkpoint.h>
#include <sealcap/keys.h>
#include <sealcap/proof.h>

#include "fuzz.h"

static struct sc_trust *trust;
static struct sc_sign_key *key;

static void
resign(json_t *doc, const char *member)
{
	const char *note = json_string_value(json_object_get(doc, member));
	const char *end;
	char out[SC_CHECKPOINT_MAX + 512];
	int n;

	if (note == NULL || (end = strstr(note, "\n\n")) == NULL)
		return;
	n = sc_note_sign((struct sc_signer *const[]){ sc_sign_key_signer(key) }, 1, note,
			 (size_t)(end - note) + 1, out, sizeof(out));
	if (n > 0)
		json_object_set_new(doc, member, json_stringn(out, (size_t)n));
}

static void
init(void)
{
	char err[256], path[512];
	size_t len;
	uint8_t *p;

	trust = sc_trust_new();
	FZ_CHECK(trust != NULL);
	FZ_CHECK(sc_trust_add_store_keys(trust, fz_store(), err, sizeof(err)) > 0);
	/* sign.key must be owner-only: copy it (and its epochs.pub) next to the store. */
	p = fz_golden("../keys-v2/sign.key", &len);
	fz_put("sign.key", p, len);
	free(p);
	p = fz_golden("../keys-v2/epochs.pub", &len);
	fz_put("epochs.pub", p, len);
	free(p);
	snprintf(path, sizeof(path), "%s/sign.key", fz_store());
	key = sc_sign_key_open(path, err, sizeof(err));
	if (key == NULL)
		fprintf(stderr, "fuzz: %s\n", err);
	FZ_CHECK(key != NULL && sc_sign_key_signer(key) != NULL);
}

FUZZ_TARGET(proof)
{
	struct sc_proof_info info;
	const char *doc = (const char *)data + 1;
	size_t len;
	char err[512], *redo = NULL;
	int rc;

	if (trust == NULL)
		init();
	if (size < 1)
		return 0;
	len = size - 1;
	if (data[0] & 1) {
		json_t *j = json_loadb(doc, len, JSON_ALLOW_NUL, NULL);

		if (j != NULL && json_is_object(j)) {
			resign(j, "checkpoint");
			resign(j, "old");
			resign(j, "new");
			redo = json_dumps(j, JSON_COMPACT);
			if (redo != NULL) {
				doc = redo;
				len = strlen(redo);
			}
		}
		json_decref(j);
	}
	memset(&info, 0, sizeof(info));
	err[0] = '\0';
	rc = sc_proof_check(doc, len, trust, &info, err, sizeof(err));
	FZ_CHECK(rc == 0 || rc == 1 || rc == -EINVAL);
	if (rc != 0)
		FZ_CHECK(err[0] != '\0');
	else
		FZ_CHECK(strcmp(info.type, "inclusion") == 0 || strcmp(info.type, "consistency") == 0 ||
			 strcmp(info.type, "package") == 0);
	free(redo);
	return 0;
}
