/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sealcap authors
 */
#include <sealcap/error.h>

static const char *const names[] = {
#define SC_ERR_NAME(name, text) #name,
	SC_ERRORS(SC_ERR_NAME)
#undef SC_ERR_NAME
};

static const char *const texts[] = {
#define SC_ERR_TEXT(name, text) text,
	SC_ERRORS(SC_ERR_TEXT)
#undef SC_ERR_TEXT
};

const char *
sc_error_name(enum sc_error e)
{
	return (unsigned)e < SC_E__COUNT ? names[e] : "UNKNOWN";
}

const char *
sc_error_text(enum sc_error e)
{
	return (unsigned)e < SC_E__COUNT ? texts[e] : "unknown error";
}
