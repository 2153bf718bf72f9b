/*
 * The kernel functions whose extent the full-system capture needs
 * (testbed/tcg/vlsyscap.c's pt=, fill= and mm= ranges): vl-init dumps each
 * with the symbol after it, which ends it; testbed/syscapture.c turns them
 * into the plugin's arguments. Names of Linux 6.1 on x86-64.
 */
#ifndef VL_PTSYMS_H
#define VL_PTSYMS_H

/* The page-table setters a PARAVIRT_XXL kernel calls out of line. */
static const char *const vl_pt_setters[] = {
	"native_set_pte", "native_set_pmd", "native_set_pud", "native_set_p4d",
};

/* What fills whole pages: a store from these into a page table means the
 * page was freed and holds something else now. */
static const char *const vl_pt_fillers[] = {
	"clear_page_orig", "clear_page_rep", "clear_page_erms", "copy_page", "copy_page_regs",
	"memset", "__memset", "memset_orig", "memset_erms", "memcpy", "__memcpy",
	"memcpy_orig", "memcpy_erms", "memmove", "__memmove", "copy_user_generic_unrolled",
	"copy_user_generic_string", "copy_user_enhanced_fast_string", "__copy_user_nocache",
};

/* Where the kernel switches address spaces: the bit it sets there in the next
 * mm's CPU mask (cpumask_set_cpu, a `bts` into the mm_struct) names the
 * address space the following CR3 write loads. */
static const char *const vl_mm_switchers[] = {
	"switch_mm_irqs_off",
};

#endif
