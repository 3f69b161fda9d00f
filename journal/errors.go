package journal

import (
	"errors"
	"fmt"
	"io/fs"
)

// Sentinel errors. Every error returned by Open is a *Error wrapping one of
// these, so callers can test the class with errors.Is and still print a
// message that names the file and position.
var (
	// ErrNoJournal: the folder (or its meta/_journal.json) does not exist.
	// It also matches fs.ErrNotExist, so a caller that treats a missing
	// client folder as an empty track can test for either.
	ErrNoJournal     = &notExistError{"no meta/_journal.json"}
	ErrInvalidJSON   = errors.New("invalid JSON")
	ErrDialect       = errors.New("dialect is not postgresql")
	ErrMissingTag    = errors.New("entry has no tag")
	ErrMissingWhen   = errors.New("entry has no when")
	ErrDuplicateTag  = errors.New("duplicate tag")
	ErrDuplicateWhen = errors.New("duplicate when")
	ErrBadTag        = errors.New("tag is not a plain file name")
	ErrMissingFile   = errors.New("migration file is missing")
	ErrInvalidUTF8   = errors.New("file is not valid UTF-8")
	ErrEmptyJournal  = errors.New("journal has no entries field")
	// ErrBothLayouts: the folder has a meta/_journal.json and 1.0
	// migration folders; drizzle-orm 1.0 refuses it, drizzle-orm 0.x would
	// ignore the folders.
	ErrBothLayouts = errors.New("folder holds both the 0.x journal and 1.0 migration folders")
	// ErrBadFolderName: a 1.0 migration folder's name does not start with
	// 14 digits of a valid UTC time.
	ErrBadFolderName = errors.New("migration folder name does not start with a valid YYYYMMDDHHMMSS UTC time")
	// ErrNotJournal: valid JSON, but not shaped like a journal ([] or null
	// at the top, "entries" not an array).
	ErrNotJournal = errors.New("not a drizzle-kit journal")
)

type notExistError struct{ msg string }

func (e *notExistError) Error() string        { return e.msg }
func (e *notExistError) Is(target error) bool { return target == fs.ErrNotExist }

// Error is a problem with one file of a migration folder. Line and Col are
// 1-based and zero when the problem has no position (a missing file).
type Error struct {
	File string // slash path inside the folder, e.g. "meta/_journal.json"
	Line int
	Col  int
	Err  error // one of the sentinels, possibly wrapping more detail
	Hint string
}

func (e *Error) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	}
	msg := fmt.Sprintf("journal: %s: %v", pos, e.Err)
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }
