package apicheck_test

// Every signature docs/ARCHITECTURE.md shows, as a compile-time check: each
// function and method is assigned to a variable of the type the page shows,
// each struct field the page shows is read into a variable of its type. When
// the API changes, this file stops compiling until it and the page agree.
// Keep it in the page's order.

import (
	"context"
	"database/sql"
	"io/fs"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/guard"
	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/internal/lint"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
	"github.com/hogsend/hogsend-db/verify"
)

// journal
var (
	_ func(fs.FS) (*journal.Journal, error) = journal.Open

	_ string               = journal.Journal{}.Version
	_ string               = journal.Journal{}.Dialect
	_ journal.Layout       = journal.Journal{}.Layout
	_ []*journal.Migration = journal.Journal{}.Migrations
	_                      = [...]journal.Layout{0: journal.LayoutJournal, 1: journal.LayoutFolders}

	_ int    = journal.Entry{}.Idx
	_ string = journal.Entry{}.Version
	_ int64  = journal.Entry{}.When
	_ string = journal.Entry{}.Tag
	_ bool   = journal.Entry{}.Breakpoints

	_ journal.Entry = journal.Migration{}.Entry
	_ string        = journal.Migration{}.Name
	_ string        = journal.Migration{}.File
	_ string        = journal.Migration{}.SQL
	_ string        = journal.Migration{}.Hash
	_ bool          = journal.Migration{}.NoTransaction

	_ func(*journal.Migration) []journal.Statement = (*journal.Migration).Statements
	_ func(*journal.Migration) error               = (*journal.Migration).Check
	_ func(*journal.Migration) []string            = (*journal.Migration).ConcurrentIndexes
	_ func(string) []journal.Statement             = journal.Split

	_ int    = journal.Statement{}.Index
	_ string = journal.Statement{}.SQL
	_ int    = journal.Statement{}.Offset
	_ int    = journal.Statement{}.Line
	_ int    = journal.Statement{}.Col

	_ func([]byte) string                                  = journal.Hash
	_ func(src string, byteOffset int) (line, col int)     = journal.Position
	_ func(text string, pgPosition int) int                = journal.CharOffset
	_ func(string, journal.Statement, int) (line, col int) = journal.ErrorPosition

	_ string = journal.Error{}.File
	_ int    = journal.Error{}.Line
	_ int    = journal.Error{}.Col
	_ error  = journal.Error{}.Err
	_ string = journal.Error{}.Hint
	_ error  = (*journal.Error)(nil)

	_ string = journal.StatementError{}.Tag
	_ string = journal.StatementError{}.File
	_ int    = journal.StatementError{}.Statement
	_ int    = journal.StatementError{}.Line
	_ int    = journal.StatementError{}.Col
	_ string = journal.StatementError{}.SQLState
	_ string = journal.StatementError{}.Message
	_ string = journal.StatementError{}.Detail
	_ string = journal.StatementError{}.Hint
	_ error  = journal.StatementError{}.Err
	_ error  = (*journal.StatementError)(nil)

	_ func(*journal.Journal) journal.File = (*journal.Journal).File
	_ func(journal.File) []byte           = journal.MarshalJournal
	_ func(time.Time, string) string      = journal.FolderName
	_ func(string, int64) string          = journal.Retimed

	_ = []error{journal.ErrNoJournal, journal.ErrInvalidJSON, journal.ErrNotJournal, journal.ErrEmptyJournal,
		journal.ErrDialect, journal.ErrMissingTag, journal.ErrMissingWhen, journal.ErrDuplicateTag, journal.ErrDuplicateWhen,
		journal.ErrBadTag, journal.ErrMissingFile, journal.ErrInvalidUTF8, journal.ErrTooLarge, journal.ErrUnreadable,
		journal.ErrWhenRange, journal.ErrBothLayouts, journal.ErrBadFolderName,
		journal.ErrOpenConstruct, journal.ErrTxControl, journal.ErrCopyStdin}
)

// ledger
var (
	_ ledger.Querier = (*pgx.Conn)(nil)
	_ ledger.Querier = pgx.Tx(nil)
	_ ledger.Querier = (*pgxpool.Pool)(nil)

	_ string                    = ledger.Table{}.Schema
	_ string                    = ledger.Table{}.Name
	_ func(ledger.Table) string = ledger.Table.String
	_ func(ledger.Table) string = ledger.Table.Ident
	_ func(ledger.Table) error  = ledger.Table.Validate
	_ int64                     = ledger.Row{}.ID
	_ string                    = ledger.Row{}.Hash
	_ int64                     = ledger.Row{}.CreatedAt
	_ bool                      = ledger.Row{}.NullCreatedAt
	_ string                    = ledger.Row{}.Name
	_ ledger.Table              = ledger.Ledger{}.Table
	_ bool                      = ledger.Ledger{}.Exists
	_ int                       = ledger.Ledger{}.Version
	_                           = [...]int{ledger.Version0, ledger.Version1}
	_ []ledger.Row              = ledger.Ledger{}.Rows
	_ []ledger.Ledger           = ledger.Snapshot{}.Ledgers
	_ map[string]ledger.Release = ledger.Snapshot{}.Releases
	_ []ledger.Index            = ledger.Snapshot{}.InvalidIndexes
	_ []ledger.ExtraRow         = ledger.Snapshot{}.Extra

	_ func(context.Context, ledger.Querier, ...ledger.Table) (ledger.Snapshot, error)  = ledger.ReadSnapshot
	_ func([]ledger.Table, ...ledger.ReaderOption) (*ledger.Reader, error)             = ledger.NewReader
	_ func([]string) ledger.ReaderOption                                               = ledger.WatchIndexes
	_ func(*ledger.Reader, context.Context, ledger.Querier) (ledger.Snapshot, error)   = (*ledger.Reader).Read
	_ func(context.Context, ledger.Querier, ledger.Table) error                        = ledger.Ensure
	_ func(context.Context, ledger.Querier, ledger.Table, int) error                   = ledger.EnsureVersion
	_ func(context.Context, ledger.Querier, ledger.Table, string, int64) error         = ledger.Insert
	_ func(context.Context, ledger.Querier, ledger.Table, string, int64, string) error = ledger.InsertNamed
	_ func(ledger.Table, bool) string                                                  = ledger.EnsureSQL
	_ func(ledger.Table) string                                                        = ledger.InsertManySQL
	_ func(context.Context, ledger.Querier, string, string, string) error              = ledger.RecordRelease
)

// verify
var (
	_ func([]byte) (*verify.Expected, error)                = verify.ParseSnapshot
	_ fs.FS                                                 = verify.Folder{}.FS
	_ bool                                                  = verify.Folder{}.PerMigration
	_ func(verify.Folder, string) (*verify.Expected, error) = verify.Folder.Load
	_ func(tables, enums []string) *verify.Live             = verify.NewLive
	_ func(*verify.Expected, *verify.Live) []verify.Missing = verify.Compare
	_ string                                                = verify.CatalogSQL
	_ string                                                = verify.Missing{}.Kind
	_ string                                                = verify.Missing{}.Name
	_ string                                                = verify.Missing{}.Table
	_ string                                                = verify.Missing{}.Detail
	_ string                                                = verify.Missing{}.Migration
)

// tracks
var (
	_ string       = tracks.Track{}.Name
	_ fs.FS        = tracks.Track{}.Source
	_ string       = tracks.Track{}.Location
	_ string       = tracks.Track{}.Origin
	_ ledger.Table = tracks.Track{}.Ledger
	_ bool         = tracks.Track{}.Fatal
	_ bool         = tracks.Track{}.Optional
	_ string       = tracks.Track{}.Release

	_ func(src fs.FS, origin, location, release string) tracks.Track = tracks.NewEngineTrack
	_ func(string) tracks.Track                                      = tracks.ClientTrack

	_ tracks.Track     = tracks.Loaded{}.Track
	_ *journal.Journal = tracks.Loaded{}.Journal
	_ string           = tracks.Loaded{}.Note
	_ bool             = tracks.Loaded{}.FolderMissing

	_ func(...tracks.Track) ([]tracks.Loaded, error)                                            = tracks.LoadAll
	_ func(*journal.Journal, ledger.Ledger) tracks.State                                        = tracks.Match
	_ func(tracks.Facts) (tracks.Verdict, []tracks.Problem)                                     = tracks.Judge
	_ func(*tracks.State) []tracks.RenamedFolder                                                = (*tracks.State).Renamed
	_ func(*tracks.State, tracks.Loaded) *tracks.SameSecondError                                = (*tracks.State).EditedInSecond
	_ func(*tracks.SameSecondError) string                                                      = (*tracks.SameSecondError).Fix
	_ func(context.Context, ledger.Querier, []tracks.Loaded) (*tracks.Report, error)            = tracks.Status
	_ func(context.Context, ledger.Querier, []tracks.Loaded) (*tracks.Report, error)            = tracks.Verify
	_ func([]tracks.Loaded) (*tracks.Inspector, error)                                          = tracks.NewInspector
	_ func(*tracks.Inspector, context.Context, ledger.Querier) (*tracks.Report, error)          = (*tracks.Inspector).Status
	_ func(*tracks.Inspector, context.Context, ledger.Querier) (*tracks.Report, error)          = (*tracks.Inspector).Verify
	_ func(*tracks.Report, []tracks.Loaded, tracks.Options) error                               = tracks.Preflight
	_ func(context.Context, *pgx.Conn, []tracks.Loaded, tracks.Options) (*tracks.Result, error) = tracks.Apply

	_ map[string][]string = tracks.Result{}.Applied
	_ *tracks.Report      = tracks.Result{}.Report
	_ bool                = tracks.Result{}.Locked

	_ func(a, b string) int              = tracks.CompareReleases
	_ func(string, *tracks.Release) bool = tracks.ShouldRecordRelease

	_ string                 = tracks.StatementError{}.Track
	_ journal.StatementError = tracks.StatementError{}.StatementError
	_ bool                   = tracks.StatementError{}.NoTransaction
	_ bool                   = tracks.StatementError{}.Partial
	_ bool                   = tracks.StatementError{}.PushHint
	_ []string               = tracks.StatementError{}.RolledBack
	_ error                  = (*tracks.StatementError)(nil)
)

// engine and guard
var (
	_ func() fs.FS  = engine.Migrations
	_ func() string = engine.DesiredSchema
	_ string        = engine.Version

	_ func(context.Context, ledger.Querier, ...guard.Option) (*guard.Guard, error) = guard.Boot
	_ func(*sql.DB, ...guard.Option) (*guard.Guard, error)                         = guard.NewSQL
	_ func(*guard.Guard, context.Context) *guard.Report                            = (*guard.Guard).Check
	_ func(*guard.Guard) http.Handler                                              = (*guard.Guard).Handler
	_ func(fs.FS, string) guard.Option                                             = guard.WithEngine
	_ func(fs.FS) guard.Option                                                     = guard.WithClientMigrations
	_ *tracks.Report                                                               = (*guard.Report)(nil) // an alias
)

// internal: the CLI's packages
var (
	_ func(context.Context, ledger.Querier, string, []tracks.Loaded, drift.Options) (*drift.Report, *drift.History, *drift.Live, error) = drift.Detect
	_ func(*drift.Report, *drift.History, *drift.Live) (*drift.Plan, error)                                                             = drift.PlanRepair
	_ func(context.Context, *pgx.Conn, string, *drift.History, *drift.Plan, drift.RepairOptions) (*drift.Report, error)                 = drift.Repair
	_ error                                                                                                                             = (*drift.RenamedError)(nil)
	_ []drift.RenamedMigration                                                                                                          = drift.RenamedError{}.Migrations
	_ func(context.Context, generate.Options) (*generate.Result, error)                                                                 = generate.Prepare
	_ func(string, *generate.Result) error                                                                                              = generate.Write
	_ func(context.Context, string, []lint.Track) (*lint.Report, error)                                                                 = lint.Run
	_ func(context.Context, string) (*scratch.Server, error)                                                                            = scratch.Open
	_ func(*scratch.Server, context.Context) (*scratch.DB, error)                                                                       = (*scratch.Server).Create

	_ string            = scratch.DropError{}.Database
	_ []scratch.Session = scratch.DropError{}.Blockers
	_ string            = scratch.DropError{}.Statement
	_ error             = scratch.DropError{}.Err
	_ error             = (*scratch.DropError)(nil)

	_ func(context.Context, string) (*schemastate.Conn, error) = schemastate.Connect
	_ string                                                   = schemastate.StepError{}.Step
	_ int                                                      = schemastate.StepError{}.Position
	_ journal.StatementError                                   = schemastate.StepError{}.StatementError
	_ error                                                    = (*schemastate.StepError)(nil)

	_ func(enginesrc.Options) (enginesrc.Source, error) = enginesrc.Resolve
)

// pgtest
var (
	_ func(testing.TB) *pgtest.DB     = pgtest.New
	_ func(*testing.M) int            = pgtest.Main
	_ func(testing.TB) *pgtest.Server = pgtest.NewServer
)
