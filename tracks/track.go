// Package tracks is the two-track model of a Hogsend database: the engine
// track (bundled, fatal when behind) and the client track (./migrations,
// reported when behind). It matches journals against ledgers (pure), reports
// status (read-only, no lock) and applies pending migrations under the
// advisory lock shared with the Node implementation.
//
// It is the only package that takes the lock. It never prints: progress
// leaves as Events, results as values, failures as typed errors. Its error
// texts are addressed to the operator and start with what they are about
// (the track, the connection, the lock), not with the package's name; they
// name no CLI flag or command: a refusal's remedy is data (a typed field,
// a sentinel) that the CLI words with its flags.
package tracks

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// Track names.
const (
	Engine = "engine"
	Client = "client"
)

// Track is one migration track: where its migrations come from and where
// its ledger lives.
type Track struct {
	Name     string
	Source   fs.FS  // the drizzle-kit folder; nil means no folder
	Location string // where Source came from, for messages ("bundled", "./migrations")
	// Origin says how the engine folder was chosen ("engine-dir",
	// "package", "bundled", "embedded"); "" for the client track.
	Origin string
	Ledger ledger.Table // drizzle.__drizzle_migrations or drizzle.__client_migrations
	// Fatal: a database behind this track must not serve (the engine).
	Fatal bool
	// Optional: a missing folder is an empty track, not an error (the client).
	Optional bool
	// Release is the release version the track's migrations belong to
	// (the engine's semantic version); empty when unknown.
	Release string
}

// NewEngineTrack is the engine track read from src. origin says how src was
// chosen and location where it is (both for reports); release is the
// engine release, "" when unknown. The package does not choose an engine:
// the CLI (internal/enginesrc) and guard pass one, so a server can embed
// its own.
func NewEngineTrack(src fs.FS, origin, location, release string) Track {
	return Track{Name: Engine, Source: src, Origin: origin, Location: location, Ledger: ledger.EngineTable,
		Fatal: true, Release: release}
}

// EngineTrackFrom is the engine track of a folder on disk, release unknown.
func EngineTrackFrom(dir string) Track {
	return NewEngineTrack(DirFS(dir), "engine-dir", dir, "")
}

// ClientTrack is the user's track in dir (default "./migrations").
func ClientTrack(dir string) Track {
	return Track{Name: Client, Source: DirFS(dir), Location: dir, Ledger: ledger.ClientTable, Optional: true}
}

// DirFS opens dir as an fs.FS that refuses to follow symlinks out of it
// (os.Root), so a migration folder cannot read files elsewhere. A folder
// that does not exist yields an FS on which every read reports
// fs.ErrNotExist.
func DirFS(dir string) fs.FS {
	root, err := os.OpenRoot(dir)
	if err != nil {
		// os reports a file as "not a directory" in an error errors.Is
		// cannot match; say it with the errno.
		if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
			err = &fs.PathError{Op: "open", Path: dir, Err: syscall.ENOTDIR}
		}
		return errFS{err: err}
	}
	return root.FS()
}

type errFS struct{ err error }

var _ fs.FS = errFS{}

func (e errFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: e.err}
}

// Loaded is a track with its journal read.
type Loaded struct {
	Track
	Journal *journal.Journal
	// Note says why the track is empty when its optional folder is missing,
	// e.g. "no client migrations folder at ./migrations".
	Note string
	// FolderMissing: the track is optional and its folder (or journal) is
	// missing, so the track is empty. Status does not call such a track
	// healthy when its ledger has rows.
	FolderMissing bool
}

// ErrNoSource: a track that is not optional has no migration folder.
var ErrNoSource = errors.New("migration folder not found")

// SourceError is a migration folder that cannot be read as a track: it does
// not exist, is not a directory, or has no meta/_journal.json. It matches
// ErrNoSource, and the underlying error (fs.ErrNotExist, journal.ErrNoJournal).
type SourceError struct {
	Track    string // "client", "engine"
	Location string // the folder as named ("./migratoins", "")
	Reason   string // "does not exist", "is not a directory", "has no meta/_journal.json"
	Remedy   string
	Err      error
}

func (e *SourceError) Error() string {
	return fmt.Sprintf("%s track: migrations folder %q %s; %s", e.Track, e.Location, e.Reason, e.Remedy)
}

func (e *SourceError) Unwrap() []error { return []error{ErrNoSource, e.Err} }

// sourceRemedy says what to do about a folder that is not a drizzle-kit
// folder.
const sourceRemedy = "name the folder drizzle-kit generates into (the out setting of drizzle.config), or create it with drizzle-kit generate"

// checkSource tells a missing folder from one that is not a directory; nil
// when the folder can be opened.
func checkSource(t Track) *SourceError {
	fi, err := fs.Stat(t.Source, ".")
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return &SourceError{Track: t.Name, Location: t.Location, Reason: "is not a directory", Remedy: sourceRemedy, Err: syscall.ENOTDIR}
	case errors.Is(err, syscall.ENOTDIR):
		return &SourceError{Track: t.Name, Location: t.Location, Reason: "is not a directory", Remedy: sourceRemedy, Err: err}
	case errors.Is(err, fs.ErrNotExist):
		return &SourceError{Track: t.Name, Location: t.Location, Reason: "does not exist", Remedy: sourceRemedy, Err: err}
	}
	return &SourceError{Track: t.Name, Location: t.Location, Reason: "cannot be read (" + err.Error() + ")", Remedy: sourceRemedy, Err: err}
}

// Load reads a track's journal. An optional track whose folder (or journal)
// does not exist is empty, with a Note saying so; for any other track it
// is a *SourceError naming the folder.
func Load(t Track) (Loaded, error) {
	if t.Source == nil {
		if t.Optional {
			return Loaded{Track: t, Journal: &journal.Journal{Version: "7", Dialect: "postgresql"}, Note: "no migrations"}, nil
		}
		return Loaded{}, fmt.Errorf("%s track: %w", t.Name, ErrNoSource)
	}
	empty := func() Loaded {
		return Loaded{Track: t, Journal: &journal.Journal{Version: "7", Dialect: "postgresql"},
			Note: fmt.Sprintf("no %s migrations folder at %s", t.Name, t.Location), FolderMissing: true}
	}
	if serr := checkSource(t); serr != nil {
		if t.Optional && errors.Is(serr.Err, fs.ErrNotExist) {
			return empty(), nil
		}
		return Loaded{}, serr
	}
	j, err := journal.Open(t.Source)
	if err != nil {
		if errors.Is(err, journal.ErrNoJournal) {
			if t.Optional {
				return empty(), nil
			}
			return Loaded{}, &SourceError{Track: t.Name, Location: t.Location, Reason: "has no " + journal.JournalPath, Remedy: sourceRemedy, Err: err}
		}
		return Loaded{}, fmt.Errorf("%s track at %s: %w", t.Name, t.Location, err)
	}
	return Loaded{Track: t, Journal: j}, nil
}

// LoadAll loads tracks in order.
func LoadAll(ts ...Track) ([]Loaded, error) {
	out := make([]Loaded, 0, len(ts))
	for _, t := range ts {
		l, err := Load(t)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}
