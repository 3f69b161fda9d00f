package verify

// maxIdentifier is the longest identifier PostgreSQL stores, in bytes:
// NAMEDATALEN - 1. Longer names are truncated, silently, when an object is
// created or looked up.
const maxIdentifier = 63

// StoredName is name as PostgreSQL stores it: cut to 63 bytes, and back to
// the start of the UTF-8 character the cut falls in (pg_mbcliplen). A
// snapshot records drizzle-kit's names uncut; its generated ones
// (<table>_<column>_<table>_<column>_fk, index and unique names) often pass
// the limit.
func StoredName(name string) string { return clip(name, maxIdentifier) }

// clip cuts s to at most n bytes at a UTF-8 character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // s[n] continues the character before it
		n--
	}
	return s[:n]
}

// chosenName is the name PostgreSQL gives an object it names itself,
// name1_name2_label (makeObjectName in its indexcmds.c): when that passes 63
// bytes it shortens the longer of name1 and name2, one byte at a time, until
// the whole fits, never the label; each part is then clipped to a character
// boundary. name2 may be empty (no part, no underscore). It is the first
// choice only: when a relation of that name exists PostgreSQL tries
// label1, label2, ….
func chosenName(name1, name2, label string) string {
	n1, n2 := len(name1), len(name2)
	avail := maxIdentifier - len(label) - 1
	if name2 != "" {
		avail--
	}
	for n1+n2 > avail {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	out := clip(name1, n1)
	if name2 != "" {
		out += "_" + clip(name2, n2)
	}
	return out + "_" + label
}
