// Package journal reads and writes drizzle-kit migration folders from an
// fs.FS, in both layouts: drizzle-kit 0.x (meta/_journal.json plus one
// <tag>.sql per entry) and drizzle-kit 1.0 (one <YYYYMMDDHHMMSS>_<name>/
// folder per migration holding migration.sql and snapshot.json).
//
// It is pure: no database, no global state. Open is strict: a folder that
// drizzle-orm's migrator would half-apply, or apply differently on another
// machine, is rejected with a *Error that names the file and position.
package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"unicode/utf8"
)

// JournalPath is where drizzle-kit keeps the journal inside a folder.
const JournalPath = "meta/_journal.json"

// NoTransactionDirective, as the first line of a migration file, makes the
// migration run outside any transaction, statement by statement.
const NoTransactionDirective = "-- hogsend-db:no-transaction"

// MaxFileSize bounds a single migration file. Larger files are almost
// certainly data dumps committed by mistake.
const MaxFileSize = 64 << 20

// Entry is one element of the journal's "entries" array, as drizzle-kit
// writes it. Field order matters: it is the order drizzle-kit emits.
type Entry struct {
	Idx         int    `json:"idx"`
	Version     string `json:"version"`
	When        int64  `json:"when"`
	Tag         string `json:"tag"`
	Breakpoints bool   `json:"breakpoints"`
}

// File is meta/_journal.json.
type File struct {
	Version string  `json:"version"`
	Dialect string  `json:"dialect"`
	Entries []Entry `json:"entries"`
}

// Journal is a parsed migration folder.
type Journal struct {
	Version    string // the journal's version ("7"); "8" (the snapshot version) for the 1.0 layout
	Dialect    string
	Layout     Layout
	Migrations []*Migration // journal order (1.0: folder-name order), which is the order drizzle applies them
}

// Migration is one journal entry together with its SQL file. In the 1.0
// layout the entry is made from the folder: Tag and Name are the folder
// name, When its UTC time in milliseconds.
type Migration struct {
	Entry
	// Name is what drizzle-orm 1.0 records in the ledger's name column: the
	// folder name in the 1.0 layout, "" (NULL) in the 0.x layout, whose
	// tags drizzle-kit up renames.
	Name          string
	File          string // slash path inside the folder, e.g. "0001_add_tickets.sql" or "20260102150405_init/migration.sql"
	SQL           string // whole file text, byte for byte (BOM and CRLF kept)
	Hash          string // lowercase hex SHA-256 of the file: drizzle's ledger hash
	NoTransaction bool   // first line is NoTransactionDirective
}

// Statements splits the migration like drizzle-orm does.
func (m *Migration) Statements() []Statement { return Split(m.SQL) }

// Hash returns drizzle's ledger hash of a migration file.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// File returns the journal file that describes j, for rewriting.
func (j *Journal) File() File {
	f := File{Version: j.Version, Dialect: j.Dialect, Entries: make([]Entry, 0, len(j.Migrations))}
	for _, m := range j.Migrations {
		f.Entries = append(f.Entries, m.Entry)
	}
	return f
}

// Tags lists the tags in journal order.
func (j *Journal) Tags() []string {
	tags := make([]string, len(j.Migrations))
	for i, m := range j.Migrations {
		tags[i] = m.Tag
	}
	return tags
}

// NotIncreasing lists the tags whose "when" is not greater than every
// earlier entry's. drizzle-orm's migrator never applies such an entry to a
// database that already has the earlier ones. drizzle-orm 1.0 matches by
// name, so in the 1.0 layout there are none.
func (j *Journal) NotIncreasing() []string {
	if j.Layout == LayoutFolders {
		return nil
	}
	var out []string
	var max int64
	for i, m := range j.Migrations {
		if i > 0 && m.When <= max {
			out = append(out, m.Tag)
		}
		if i == 0 || m.When > max {
			max = m.When
		}
	}
	return out
}

// MarshalJournal renders f exactly as drizzle-kit writes meta/_journal.json:
// JSON.stringify(f, null, 2), no trailing newline.
func MarshalJournal(f File) []byte {
	if f.Entries == nil {
		f.Entries = []Entry{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		panic(err) // only plain strings and numbers: cannot fail
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// rawEntry keeps pointers so that a missing field can be told from a zero.
type rawEntry struct {
	Idx         *int    `json:"idx"`
	Version     *string `json:"version"`
	When        *int64  `json:"when"`
	Tag         *string `json:"tag"`
	Breakpoints *bool   `json:"breakpoints"`
}

type rawFile struct {
	Version string             `json:"version"`
	Dialect string             `json:"dialect"`
	Entries *[]json.RawMessage `json:"entries"`
}

// Open reads a drizzle-kit folder in either layout and says which in
// Journal.Layout. fsys is the folder itself (meta/ or the migration folders
// at its root): embed.FS via fs.Sub, os.DirFS, or fstest.MapFS. A folder
// holding both layouts is an error, as drizzle-orm 1.0 refuses any folder
// with a meta/_journal.json.
func Open(fsys fs.FS) (*Journal, error) {
	folders, err := folderMigrations(fsys)
	if err != nil {
		return nil, err
	}
	data, err := fs.ReadFile(fsys, JournalPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if len(folders) > 0 {
				return openFolders(fsys, folders)
			}
			return nil, &Error{File: JournalPath, Err: ErrNoJournal,
				Hint: "is this a drizzle-kit migrations folder? create one with drizzle-kit generate (or generate from a schema)"}
		}
		return nil, &Error{File: JournalPath, Err: fmt.Errorf("%w: %v", ErrUnreadable, err)}
	}
	if len(folders) > 0 {
		return nil, &Error{File: JournalPath, Err: fmt.Errorf("%w: %s and %s/%s", ErrBothLayouts, JournalPath, folders[0], MigrationFile),
			Hint: "finish the move to drizzle-kit 1.0 with drizzle-kit up, or remove the 1.0 folders"}
	}
	if !utf8.Valid(data) {
		line, col := Position(string(data), firstInvalidUTF8(data))
		return nil, &Error{File: JournalPath, Line: line, Col: col, Err: ErrInvalidUTF8}
	}
	var raw rawFile
	if err := json.Unmarshal(data, &raw); err != nil {
		if serr := checkShape(data); serr != nil {
			return nil, serr
		}
		return nil, jsonError(data, err)
	}
	if raw.Entries == nil || raw.Dialect == "" {
		// null, [] and "entries": null decode without error; say which
		// (only on this path: a good journal is decoded once).
		if serr := checkShape(data); serr != nil {
			return nil, serr
		}
	}
	if raw.Dialect == "" {
		return nil, &Error{File: JournalPath, Line: 1, Col: 1, Err: fmt.Errorf("%w: no \"dialect\"", ErrDialect),
			Hint: `drizzle-kit writes "dialect": "postgresql"`}
	}
	if raw.Dialect != "postgresql" {
		return nil, &Error{File: JournalPath, Line: 1, Col: 1,
			Err: fmt.Errorf("%w: %q", ErrDialect, raw.Dialect), Hint: "hogsend-db reads PostgreSQL folders only"}
	}
	if raw.Entries == nil {
		return nil, &Error{File: JournalPath, Line: 1, Col: 1, Err: ErrEmptyJournal}
	}
	offsets := entryOffsets(data)
	j := &Journal{Version: raw.Version, Dialect: raw.Dialect}
	tags := make(map[string]int, len(*raw.Entries))
	whens := make(map[int64]string, len(*raw.Entries))
	for i, msg := range *raw.Entries {
		// Positions are computed only for an error: computing one per entry
		// would make reading a long journal quadratic.
		line, col := 0, 0
		at := func(err error, hint string) error {
			if line == 0 && i < len(offsets) {
				line, col = Position(string(data), offsets[i])
			}
			return &Error{File: JournalPath, Line: line, Col: col, Err: err, Hint: hint}
		}
		var re rawEntry
		if err := json.Unmarshal(msg, &re); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && i < len(offsets) {
				line, col = Position(string(data), offsets[i]+int(te.Offset))
				if te.Field == "" {
					return nil, at(fmt.Errorf("%w: entry %d must be an object, not %s", ErrInvalidJSON, i, te.Value), "")
				}
				return nil, at(fmt.Errorf("%w: entry %d: %q must be %s, not %s", ErrInvalidJSON, i, te.Field, jsonKind(te.Type), te.Value), "")
			}
			return nil, at(fmt.Errorf("%w: entry %d: %v", ErrInvalidJSON, i, err), "")
		}
		if re.Tag == nil || *re.Tag == "" {
			return nil, at(fmt.Errorf("%w (entry %d)", ErrMissingTag, i), "every entry needs the file name of its SQL file without .sql")
		}
		tag := *re.Tag
		if re.When == nil {
			return nil, at(fmt.Errorf("%w (entry %d, tag %s)", ErrMissingWhen, i, tag), "drizzle records when as the ledger's created_at; restore it from git history")
		}
		if *re.When < 0 || *re.When > MaxWhen {
			if i < len(offsets) {
				line, col = Position(string(data), offsets[i]+whenOffset(msg))
			}
			return nil, at(fmt.Errorf("%w: %d (tag %s)", ErrWhenRange, *re.When, tag),
				"drizzle-orm reads when as a JavaScript number, exact only from 0 to 2^53-1, and compares it with the ledger's created_at; "+
					"a larger value would be recorded as another number and the migration run again, a negative one sorts before every migration; "+
					"use the Unix time in milliseconds, as drizzle-kit writes it")
		}
		if !plainName(tag) {
			return nil, at(fmt.Errorf("%w: %q", ErrBadTag, tag), "a tag may not contain '/', '\\' or '..'")
		}
		if prev, dup := tags[tag]; dup {
			return nil, at(fmt.Errorf("%w: %q (entries %d and %d)", ErrDuplicateTag, tag, prev, i), "remove one of the entries")
		}
		tags[tag] = i
		if other, dup := whens[*re.When]; dup {
			return nil, at(fmt.Errorf("%w: %d (tags %s and %s)", ErrDuplicateWhen, *re.When, other, tag),
				"two entries with one when share one ledger created_at; give the newer entry a larger when")
		}
		whens[*re.When] = tag
		e := Entry{Idx: i, Version: raw.Version, When: *re.When, Tag: tag, Breakpoints: true}
		if re.Idx != nil {
			e.Idx = *re.Idx
		}
		if re.Version != nil {
			e.Version = *re.Version
		}
		if re.Breakpoints != nil {
			e.Breakpoints = *re.Breakpoints
		}
		m, err := readMigration(fsys, e)
		if err != nil {
			return nil, err
		}
		j.Migrations = append(j.Migrations, m)
	}
	return j, nil
}

// MaxWhen is the largest when drizzle-orm reads exactly: JavaScript's
// Number.MAX_SAFE_INTEGER, 2^53-1.
const MaxWhen = 1<<53 - 1

// ErrWhenRange: a when below 0 or above MaxWhen.
var ErrWhenRange = errors.New("when out of range")

// whenOffset finds the "when" value inside one raw journal entry, for the
// error position; 0 when it cannot.
func whenOffset(msg []byte) int {
	i := bytes.Index(msg, []byte(`"when"`))
	if i < 0 {
		return 0
	}
	j := i + len(`"when"`)
	for j < len(msg) && strings.IndexByte(" \t\r\n:", msg[j]) >= 0 {
		j++
	}
	return j
}

// ErrUnreadable: a file exists but cannot be read (permissions, a symlink
// that leaves the folder, a directory where a file should be).
var ErrUnreadable = errors.New("cannot read file")

// ErrTooLarge: a migration file is larger than MaxFileSize.
var ErrTooLarge = errors.New("file too large")

func readMigration(fsys fs.FS, e Entry) (*Migration, error) {
	return readFile(fsys, e, e.Tag+".sql",
		fmt.Sprintf("%s lists %s; restore the file or remove the entry", JournalPath, e.Tag))
}

func readFile(fsys fs.FS, e Entry, name, missingHint string) (*Migration, error) {
	if info, err := fs.Stat(fsys, name); err == nil && info.Size() > MaxFileSize {
		return nil, &Error{File: name, Err: fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, info.Size(), MaxFileSize)}
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: name, Err: ErrMissingFile, Hint: missingHint}
		}
		return nil, &Error{File: name, Err: fmt.Errorf("%w: %v", ErrUnreadable, err)}
	}
	if !utf8.Valid(b) {
		line, col := Position(string(b), firstInvalidUTF8(b))
		return nil, &Error{File: name, Line: line, Col: col, Err: ErrInvalidUTF8,
			Hint: "drizzle hashes the text after replacing invalid bytes, so its hash could never match; re-save the file as UTF-8"}
	}
	sql := string(b)
	return &Migration{
		Entry:         e,
		File:          name,
		SQL:           sql,
		Hash:          Hash(b),
		NoTransaction: hasNoTxDirective(sql),
	}, nil
}

func hasNoTxDirective(sql string) bool {
	sql = strings.TrimPrefix(sql, "\ufeff")
	first, _, _ := strings.Cut(sql, "\n")
	return strings.TrimRight(first, " \t\r") == NoTransactionDirective
}

func plainName(tag string) bool {
	if tag == "." || strings.Contains(tag, "..") || strings.ContainsAny(tag, "/\\\x00") {
		return false
	}
	return fs.ValidPath(tag) && path.Base(tag) == tag
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := Position(string(data), int(se.Offset))
		return &Error{File: JournalPath, Line: line, Col: col, Err: fmt.Errorf("%w: %v", ErrInvalidJSON, se)}
	case errors.As(err, &te):
		line, col := Position(string(data), int(te.Offset))
		return &Error{File: JournalPath, Line: line, Col: col,
			Err: fmt.Errorf("%w: %q must be %s, not %s", ErrInvalidJSON, te.Field, jsonKind(te.Type), te.Value)}
	default:
		return &Error{File: JournalPath, Err: fmt.Errorf("%w: %v", ErrInvalidJSON, err)}
	}
}

// checkShape refuses a journal that is valid JSON but not an object with an
// "entries" array, in the file's own terms: [] or null at the top, or
// "entries": null.
func checkShape(data []byte) error {
	shape := `a JSON object {"version": "7", "dialect": "postgresql", "entries": [...]}`
	var top any
	if err := json.Unmarshal(data, &top); err != nil {
		return jsonError(data, err)
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return &Error{File: JournalPath, Line: 1, Col: 1,
			Err:  fmt.Errorf("%w: the journal is %s, not an object", ErrNotJournal, jsonValueKind(top)),
			Hint: "it must be " + shape + "; restore it from git history or regenerate it with drizzle-kit"}
	}
	entries, present := obj["entries"]
	if !present {
		return &Error{File: JournalPath, Line: 1, Col: 1, Err: ErrEmptyJournal,
			Hint: `add "entries": [] (no migrations yet) or restore the file from git history`}
	}
	if _, isList := entries.([]any); !isList {
		return &Error{File: JournalPath, Line: 1, Col: 1,
			Err:  fmt.Errorf("%w: \"entries\" is %s, not an array", ErrNotJournal, jsonValueKind(entries)),
			Hint: `"entries" lists the migrations: [] when there are none`}
	}
	return nil
}

// jsonValueKind names a decoded JSON value in JSON's terms.
func jsonValueKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "a JSON value"
}

// jsonKind names the JSON value a Go type decodes from, for messages about
// the file: "a string", not "*string".
func jsonKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		if t == reflect.TypeFor[json.RawMessage]() {
			return "a JSON value"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a JSON value"
}

// entryOffsets returns the byte offset of each element of the top-level
// "entries" array, for error positions. It assumes data is valid JSON.
func entryOffsets(data []byte) []int {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key != "entries" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return nil
		}
		var offs []int
		for dec.More() {
			off := int(dec.InputOffset())
			for off < len(data) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
				off++
			}
			offs = append(offs, off)
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return offs
			}
		}
		return offs
	}
	return nil
}
