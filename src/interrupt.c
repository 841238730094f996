/* SPDX-License-Identifier: MIT */
#include "interrupt.h"

#include <signal.h>

static volatile sig_atomic_t requested;

void interrupt_raise(void)
{
	requested = 1;
}

bool interrupt_pending(void)
{
	return requested != 0;
}

bool interrupt_take(void)
{
	if (!requested)
		return false;
	requested = 0;
	return true;
}
