# Sourced by validate.sh and debug.sh: scripted edits of a linux-source-6.1
# tree at $src.

# edit FILE OLD NEW: replace the one occurrence of OLD in the kernel tree.
edit() {
	perl -0777 -i -pe 'BEGIN { $o = shift; $n = shift }
		my $c = () = /\Q$o\E/g;
		die "edit: pattern found $c times, want 1: $o\n" unless $c == 1;
		s/\Q$o\E/$n/;' "$2" "$3" "$src/$1"
}

# 6.1's own zap bug, closed for the base the simplest way: no writable TLB
# entry may outlive the rmap of a file page (upstream fixed it for 6.2 with
# "mm: delay page_remove_rmap() until after the TLB has been flushed").
base_fix() {
	edit mm/memory.c '				if (pte_dirty(ptent)) {
					force_flush = 1;
					set_page_dirty(page);
				}
' '				if (pte_dirty(ptent)) {
					force_flush = 1;
					set_page_dirty(page);
				}
				/* corpus base: flush before the rmap goes */
				if (pte_write(ptent))
					flush_tlb_page(vma, addr);
'
}
