// Package generate writes the next drizzle-kit migration of a track from a
// desired schema given as SQL DDL.
//
// The current state is the track's migrations replayed on a scratch
// database; the desired state is the schema files applied on another (for
// the client track, both after the engine track, whose objects never appear
// in a client migration). Atlas diffs the two; the statements are written in
// drizzle-kit's style and order, checked on the scratch database, and saved
// with a journal entry and a version-7 snapshot that drizzle-kit accepts as
// its own. The package returns values and never prints.
package generate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/journal"
)

// Sentinel errors.
var (
	// ErrEngineObject: the client's desired schema creates or changes an
	// object the engine track owns. The error is an *EngineObjectError.
	ErrEngineObject = errors.New("generate: the client schema redefines an engine object")
	// ErrSchema: the desired schema SQL failed. The error is a *SchemaError.
	ErrSchema = errors.New("generate: the desired schema failed to apply")
	// ErrNoSchema: no desired-schema file was found.
	ErrNoSchema = errors.New("generate: no desired schema")
	// ErrNoDefaultSchema (an ErrNoSchema): no schema was named and neither
	// default exists; the remedy is to name one.
	ErrNoDefaultSchema = fmt.Errorf("%w: neither ./schema.sql nor ./schema/ exists", ErrNoSchema)
	// ErrUnsupported: the change cannot be written safely (enum values
	// removed or reordered).
	ErrUnsupported = errors.New("generate: unsupported change")
	// ErrBadName: the migration name (Options.Name) is not a plain file-name fragment.
	ErrBadName = errors.New("generate: invalid migration name")
	// ErrBadSnapshot: the previous snapshot cannot be read.
	ErrBadSnapshot = errors.New("malformed snapshot")
	// ErrNotReached: the generated statements did not turn the current
	// state into the desired one (a bug, or something Atlas cannot plan).
	ErrNotReached = errors.New("generate: the generated migration does not reach the desired schema")
	// ErrNoDevURL: no server for scratch databases.
	ErrNoDevURL = errors.New("generate: no dev database server")
)

// SchemaError locates a failing statement of the desired schema.
type SchemaError struct {
	File      string // the schema file, as given
	Line, Col int    // 1-based; 0 when PostgreSQL gave no position
	Err       error  // usually a *pgconn.PgError
}

func (e *SchemaError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	}
	return fmt.Sprintf("generate: desired schema %s: %v", where, e.Err)
}

func (e *SchemaError) Unwrap() []error { return []error{ErrSchema, e.Err} }

// EngineObjectError names an engine object the client schema redefines.
type EngineObjectError struct {
	Object string // e.g. "table public.contacts"
	Detail string // what the client schema does to it
	File   string // set when PostgreSQL rejected a statement
	Line   int
	Col    int
}

func (e *EngineObjectError) Error() string {
	where := ""
	if e.File != "" {
		where = " (" + e.File
		if e.Line > 0 {
			where += fmt.Sprintf(":%d:%d", e.Line, e.Col)
		}
		where += ")"
	}
	return fmt.Sprintf("generate: %s belongs to the engine track and the client schema %s%s: reference the engine table instead of redefining it (drop the statement from the client schema)",
		e.Object, e.Detail, where)
}

func (e *EngineObjectError) Unwrap() error { return ErrEngineObject }

// SchemaFile is one file of the desired schema.
type SchemaFile struct {
	Path string // for messages
	SQL  string
}

// Options configure one generation.
type Options struct {
	// Track names the track ("engine" or "client"), for messages.
	Track string
	// Dir is the folder written to. Empty: Prepare only (Write refuses).
	Dir string
	// Source is the folder's current content; nil means the folder at Dir.
	// A folder without meta/_journal.json is an empty track.
	Source fs.FS
	// Base, when set, is a drizzle folder replayed first on both sides: the
	// engine track under a client track. Its objects are never part of the
	// migration, and the desired schema must not redefine them.
	Base     fs.FS
	BaseName string // "engine"
	// Schema is the desired state, applied in order.
	Schema []SchemaFile
	// DevURL is the server scratch databases are created on.
	DevURL string
	// Name is the tag's suffix; empty picks a random adjective_hero.
	Name string
	// BackfillSnapshot: when there is nothing to generate and the newest
	// migration has no snapshot, build that snapshot (for folders written
	// without drizzle-kit): meta/NNNN_snapshot.json in drizzle-kit 0.x's
	// layout, <folder>/snapshot.json in 1.0's.
	BackfillSnapshot bool
	// Now is the clock for the journal's "when" (default time.Now).
	Now func() time.Time
}

// Warning is a statement that deserves a human look before it is applied.
type Warning struct {
	Kind    string `json:"kind"`   // "destructive", "rename", "data"
	Object  string `json:"object"` // e.g. "column public.tickets.legacy_code"
	Message string `json:"message"`
}

// Warning kinds.
const (
	WarnDestructive = "destructive"
	WarnRename      = "rename"
	WarnData        = "data"
)

// Result is one prepared (and possibly written) migration.
type Result struct {
	Track      string    `json:"track"`
	Changed    bool      `json:"changed"`
	Tag        string    `json:"tag,omitempty"`
	File       string    `json:"file,omitempty"`     // "0004_x.sql" or "20260102150405_x/migration.sql", relative to the folder
	Snapshot   string    `json:"snapshot,omitempty"` // "meta/0004_snapshot.json" or "20260102150405_x/snapshot.json"
	When       int64     `json:"when,omitempty"`
	Statements []string  `json:"statements"`
	Warnings   []Warning `json:"warnings"`
	Written    bool      `json:"written"`

	sql          []byte
	snapshot     []byte
	journalBytes []byte
	folder       bool // drizzle-kit 1.0's layout, no journal: a new folder, or a backfilled snapshot.json
}

// SQL returns the migration file's content.
func (r *Result) SQL() []byte { return r.sql }

// SnapshotJSON returns the snapshot's content.
func (r *Result) SnapshotJSON() []byte { return r.snapshot }

// JournalJSON returns the new meta/_journal.json.
func (r *Result) JournalJSON() []byte { return r.journalBytes }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// Generate prepares the next migration and writes it into opts.Dir when
// something changed.
func Generate(ctx context.Context, opts Options) (*Result, error) {
	res, err := Prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	if res.snapshot == nil {
		return res, nil
	}
	if err := Write(opts.Dir, res); err != nil {
		return res, err
	}
	return res, nil
}

// Prepare computes the next migration without writing anything.
func Prepare(ctx context.Context, opts Options) (_ *Result, rerr error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	fo, err := readFolder(opts)
	if err != nil {
		return nil, err
	}

	srv, err := scratch.Open(ctx, opts.DevURL)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	defer func() {
		// A scratch database that could not be dropped is never left
		// silently: the error names it and says how to drop it.
		if cerr := srv.Close(context.WithoutCancel(ctx)); cerr != nil {
			rerr = errors.Join(rerr, fmt.Errorf("generate: %w", cerr))
		}
	}()

	st, err := buildStates(ctx, srv, opts, fo.base, fo.j)
	if err != nil {
		return nil, err
	}
	defer st.current.db.Drop(context.WithoutCancel(ctx))

	owned := ownedBy(st.base)
	if err := checkOwnership(st.base, st.desired.realm, owned, "the client schema"); err != nil {
		return nil, err
	}
	changes, err := schemastate.Diff(st.current.realm, st.desired.realm)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	if err := checkTouches(changes, owned); err != nil {
		return nil, err
	}
	res := &Result{Track: opts.Track, Statements: []string{}, Warnings: []Warning{}}
	if len(changes) == 0 {
		switch {
		case !opts.BackfillSnapshot:
		case fo.j.Layout == journal.LayoutFolders:
			return backfill8(res, fo.j, fo.src, st, owned, captureExprs(opts.Schema))
		default:
			return backfill(res, fo.j, fo.src, fo.prev, st, owned, captureExprs(opts.Schema))
		}
		return res, nil
	}
	stmts, err := renderVerified(ctx, st, changes)
	if err != nil {
		return nil, err
	}

	res.Changed = true
	res.Statements = stmts
	res.Warnings = warningsFor(changes)
	name := opts.Name
	if name == "" {
		name = randomName()
	}
	if fo.j.Layout == journal.LayoutFolders {
		return prepareFolder(res, fo.j, opts, name, st, owned, fo.prev8)
	}
	return prepareJournal(res, fo.j, opts, name, st, owned, fo.prev)
}

// check validates opts and fills in the defaults.
func (opts *Options) check() error {
	if opts.Name != "" && !nameRE.MatchString(opts.Name) {
		return fmt.Errorf("%w %q: use letters, digits, '_' and '-'", ErrBadName, opts.Name)
	}
	if len(opts.Schema) == 0 {
		return ErrNoSchema
	}
	if opts.DevURL == "" {
		return ErrNoDevURL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Track == "" {
		opts.Track = "client"
	}
	return nil
}

// folder is what Prepare reads from the migrations folder and the base
// track before it touches a database.
type folder struct {
	src   fs.FS
	j     *journal.Journal
	base  *journal.Journal // nil without opts.Base
	prev  *prevSnapshot    // journal layout: the newest v7 snapshot, if any
	prev8 *prevSnapshot8   // folder layout: the newest v8 snapshot, if any (not necessarily the newest migration's)
}

func readFolder(opts Options) (*folder, error) {
	fo := &folder{src: opts.Source}
	if fo.src == nil && opts.Dir != "" {
		fo.src = dirFS(opts.Dir)
	}
	var err error
	if fo.j, err = openJournal(fo.src); err != nil {
		return nil, err
	}
	if opts.Base != nil {
		if fo.base, err = journal.Open(opts.Base); err != nil {
			return nil, fmt.Errorf("generate: %s track: %w", opts.BaseName, err)
		}
	}
	if fo.prev, err = readPrevSnapshot(fo.src); err != nil {
		return nil, err
	}
	if fo.j.Layout == journal.LayoutFolders {
		if fo.prev8, err = readPrevSnapshot8(fo.src, fo.j.Migrations); err != nil {
			return nil, err
		}
	}
	return fo, nil
}

// renderVerified writes changes as drizzle-kit style statements and checks,
// on the current state's scratch database, that they reach the desired
// state.
func renderVerified(ctx context.Context, st *states, changes []schema.Change) ([]string, error) {
	conn, err := schemastate.Connect(ctx, st.current.db.URL)
	if err != nil {
		return nil, err
	}
	stmts, err := render(ctx, conn, st.desired.ids, changes)
	conn.Close()
	if err != nil {
		return nil, err
	}
	if err := verify(ctx, st.current.db, stmts, st.desired.realm); err != nil {
		return nil, err
	}
	return stmts, nil
}

// prepareJournal finishes a migration for a folder in drizzle-kit 0.x's
// layout: NNNN_<name>.sql, meta/NNNN_snapshot.json (version 7) and a new
// journal entry. Its time is now, or one millisecond after the newest
// entry's when the clock is behind it.
func prepareJournal(res *Result, j *journal.Journal, opts Options, name string, st *states, owned func(kind, schema, name string) bool, prev *prevSnapshot) (*Result, error) {
	idx := 0
	var maxWhen int64
	if n := len(j.Migrations); n > 0 {
		idx = j.Migrations[n-1].Idx + 1
		for _, m := range j.Migrations {
			maxWhen = max(maxWhen, m.When)
		}
	}
	prefix := fmt.Sprintf("%04d", idx)
	res.Tag = prefix + "_" + name
	res.File = res.Tag + ".sql"
	res.Snapshot = "meta/" + prefix + "_snapshot.json"
	res.When = max(opts.Now().UnixMilli(), maxWhen+1)
	res.sql = []byte(strings.Join(res.Statements, journal.Breakpoint+"\n"))

	in := snapshotInput{ID: newID(), PrevID: ZeroID, Desired: st.desired.realm, IDs: st.desired.ids, Owned: owned,
		Exprs: captureExprs(opts.Schema)}
	if prev != nil {
		in.PrevID = prev.ID
		if n := len(j.Migrations); n > 0 && prev.File == fmt.Sprintf("meta/%04d_snapshot.json", j.Migrations[n-1].Idx) {
			in.Reuse, in.Current = prev.Doc, st.current.realm
		}
	}
	var err error
	if res.snapshot, err = buildSnapshot(in); err != nil {
		return nil, err
	}
	f := j.File()
	f.Entries = append(f.Entries, journal.Entry{Idx: idx, Version: "7", When: res.When, Tag: res.Tag, Breakpoints: true})
	res.journalBytes = journal.MarshalJournal(f)
	return res, nil
}

// prepareFolder finishes a migration for a folder in drizzle-kit 1.0's
// layout: <YYYYMMDDHHMMSS>_<name>/migration.sql and a version-8
// snapshot.json beside it; there is no journal. The folder's time is now,
// or one second after the newest folder's when the clock is behind it, so
// the new folder sorts last.
func prepareFolder(res *Result, j *journal.Journal, opts Options, name string, st *states, owned func(kind, schema, name string) bool, prev *prevSnapshot8) (*Result, error) {
	at := opts.Now().UTC().Truncate(time.Second)
	if n := len(j.Migrations); n > 0 {
		if last := j.Migrations[n-1].When; at.UnixMilli() <= last {
			at = time.UnixMilli(last).UTC().Add(time.Second)
		}
	}
	res.Tag = journal.FolderName(at, name)
	res.File = res.Tag + "/" + journal.MigrationFile
	res.Snapshot = res.Tag + "/" + journal.SnapshotFile
	res.When = at.UnixMilli()
	res.folder = true
	res.sql = []byte(strings.Join(res.Statements, journal.Breakpoint+"\n"))
	id := newID()
	v7, err := buildSnapshot(snapshotInput{ID: id, PrevID: ZeroID, Desired: st.desired.realm, IDs: st.desired.ids, Owned: owned,
		Exprs: captureExprs(opts.Schema)})
	if err != nil {
		return nil, err
	}
	// The previous snapshot's entities of unchanged objects are reused only
	// when it is the newest migration's: a migration written without
	// drizzle-kit since may have changed what an older one describes.
	var unchanged map[string]bool
	if prev != nil && prev.Newest {
		unchanged = unchangedObjects(st.current.realm, st.desired.realm)
	}
	if res.snapshot, err = buildSnapshot8(id, v7, prev, unchanged); err != nil {
		return nil, err
	}
	return res, nil
}

// backfill builds the missing snapshot of the newest migration.
func backfill(res *Result, j *journal.Journal, src fs.FS, prev *prevSnapshot, st *states, owned func(kind, schema, name string) bool, exprs *drizzleExprs) (*Result, error) {
	n := len(j.Migrations)
	if n == 0 {
		return res, nil
	}
	file := fmt.Sprintf("meta/%04d_snapshot.json", j.Migrations[n-1].Idx)
	if _, err := fs.Stat(src, file); err == nil {
		return res, nil
	}
	in := snapshotInput{ID: newID(), PrevID: ZeroID, Desired: st.desired.realm, IDs: st.desired.ids, Owned: owned, Exprs: exprs}
	if prev != nil {
		in.PrevID = prev.ID
	}
	b, err := buildSnapshot(in)
	if err != nil {
		return nil, err
	}
	res.Snapshot, res.snapshot = file, b
	return res, nil
}

// backfill8 builds the missing snapshot.json of the newest migration of a
// folder in drizzle-kit 1.0's layout (a migration written by hand, or by a
// tool other than drizzle-kit): drizzle-kit 1.0 diffs against the newest
// snapshot it finds, so without it a later generate would write that
// migration's changes again. It chains to the newest earlier snapshot, as
// drizzle-kit 1.0 would have; nothing is reused from that one but what
// Atlas cannot see (RLS, sequences, roles, policies, views), since the
// migrations after it may have changed the rest.
func backfill8(res *Result, j *journal.Journal, src fs.FS, st *states, owned func(kind, schema, name string) bool, exprs *drizzleExprs) (*Result, error) {
	n := len(j.Migrations)
	if n == 0 {
		return res, nil
	}
	file := path.Join(j.Migrations[n-1].Name, journal.SnapshotFile)
	if _, err := fs.Stat(src, file); err == nil {
		return res, nil
	}
	prev, err := readPrevSnapshot8(src, j.Migrations[:n-1])
	if err != nil {
		return nil, err
	}
	id := newID()
	v7, err := buildSnapshot(snapshotInput{ID: id, PrevID: ZeroID, Desired: st.desired.realm, IDs: st.desired.ids, Owned: owned, Exprs: exprs})
	if err != nil {
		return nil, err
	}
	if res.snapshot, err = buildSnapshot8(id, v7, prev, nil); err != nil {
		return nil, err
	}
	res.Snapshot, res.folder = file, true
	return res, nil
}

func openJournal(src fs.FS) (*journal.Journal, error) {
	empty := &journal.Journal{Version: "7", Dialect: "postgresql"}
	if src == nil {
		return empty, nil
	}
	j, err := journal.Open(src)
	if errors.Is(err, journal.ErrNoJournal) {
		return empty, nil
	}
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	return j, nil
}

// side is one scratch database and what was inspected on it.
type side struct {
	db    *scratch.DB
	realm *schema.Realm
	ids   identities
}

type states struct {
	current, desired side
	base             *schema.Realm // after the base track alone (nil without one)
}

// buildStates replays the current state and applies the desired one on two
// scratch databases, concurrently. The desired database is dropped before
// returning; the current one is kept for verify.
func buildStates(ctx context.Context, srv *scratch.Server, opts Options, base, j *journal.Journal) (*states, error) {
	var baseSteps []schemastate.Step
	if base != nil {
		baseSteps = schemastate.StepsFromJournal(opts.BaseName, base)
	}
	st := &states{}
	var wg sync.WaitGroup
	var curErr, desErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		st.current, curErr = buildCurrent(ctx, srv, append(append([]schemastate.Step{}, baseSteps...), schemastate.StepsFromJournal(opts.Track, j)...))
	}()
	go func() {
		defer wg.Done()
		st.desired, st.base, desErr = buildDesired(ctx, srv, baseSteps, opts.Schema)
	}()
	wg.Wait()
	if st.desired.db != nil {
		_ = st.desired.db.Drop(ctx)
	}
	// The user's schema error matters more than a replay error.
	if desErr != nil {
		if st.current.db != nil {
			_ = st.current.db.Drop(ctx)
		}
		return nil, desErr
	}
	if curErr != nil {
		if st.current.db != nil {
			_ = st.current.db.Drop(ctx)
		}
		return nil, curErr
	}
	return st, nil
}

func buildCurrent(ctx context.Context, srv *scratch.Server, steps []schemastate.Step) (side, error) {
	db, err := srv.Create(ctx)
	if err != nil {
		return side{}, fmt.Errorf("generate: %w", err)
	}
	s := side{db: db}
	if err := schemastate.Replay(ctx, db, steps, false, nil); err != nil {
		return s, fmt.Errorf("generate: current state: %w", err)
	}
	if s.realm, err = schemastate.Inspect(ctx, db.URL); err != nil {
		return s, err
	}
	return s, nil
}

func buildDesired(ctx context.Context, srv *scratch.Server, baseSteps []schemastate.Step, files []SchemaFile) (side, *schema.Realm, error) {
	db, err := srv.Create(ctx)
	if err != nil {
		return side{}, nil, fmt.Errorf("generate: %w", err)
	}
	s := side{db: db}
	var baseRealm *schema.Realm
	if len(baseSteps) > 0 {
		if err := schemastate.Replay(ctx, db, baseSteps, false, nil); err != nil {
			return s, nil, fmt.Errorf("generate: desired state: %w", err)
		}
		if baseRealm, err = schemastate.Inspect(ctx, db.URL); err != nil {
			return s, nil, err
		}
	}
	steps := make([]schemastate.Step, 0, len(files))
	for _, f := range files {
		steps = append(steps, schemastate.Step{Name: f.Path, Statements: []string{f.SQL}, OnNotice: skippedEngineObject(baseRealm)})
	}
	if err := schemastate.Replay(ctx, db, steps, false, nil); err != nil {
		return s, nil, schemaError(err, baseRealm, files)
	}
	if s.realm, err = schemastate.Inspect(ctx, db.URL); err != nil {
		return s, nil, err
	}
	if s.ids, err = readIdentities(ctx, db); err != nil {
		return s, nil, err
	}
	return s, baseRealm, nil
}

// verify applies the statements to the current state, as drizzle's migrator
// would (one transaction), and checks that the desired state is reached.
func verify(ctx context.Context, db *scratch.DB, stmts []string, desired *schema.Realm) error {
	step := schemastate.Step{Name: "generated migration", Statements: stmts}
	if err := schemastate.Replay(ctx, db, []schemastate.Step{step}, false, nil); err != nil {
		return fmt.Errorf("%w: %w", ErrNotReached, err)
	}
	got, err := schemastate.Inspect(ctx, db.URL)
	if err != nil {
		return err
	}
	left, err := schemastate.Diff(got, desired)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if len(left) > 0 {
		rest, _ := schemastate.Plan(ctx, nil, left)
		return fmt.Errorf("%w; still missing: %s", ErrNotReached, strings.Join(rest, "; "))
	}
	return nil
}
