// SPDX-License-Identifier: GPL-2.0
/* x86 code the module needs outside C: see arch.h. */
#include <linux/linkage.h>
#include <asm/ibt.h>
#include "arch.h"

/* Where a kprobe sends a call it answers itself: straight back. */
asm(".pushsection .text\n"
	".globl dr_just_return\n"
	".type dr_just_return, @function\n"
	"dr_just_return:\n\t"
	ASM_ENDBR
	ASM_RET
	".size dr_just_return, .-dr_just_return\n"
	".popsection\n");
