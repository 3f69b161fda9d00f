package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/charmbracelet/lipgloss"
	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/tracks"
)

func generateCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:  "generate",
		Usage: "write the next drizzle-kit migration (SQL, journal entry, snapshot) from a desired schema in SQL",
		Description: "The desired state is SQL DDL (--schema: a .sql file, a folder of .sql files applied in name order, or -\n" +
			"for stdin: `drizzle-kit export | hogsend-db generate --schema -`; default ./schema.sql, else ./schema/).\n" +
			"The current state is the track's migrations replayed on a temporary database; the desired schema is\n" +
			"applied on another (both after the engine track for the client track: engine objects are never part\n" +
			"of a client migration and may not be redefined). The difference is written as NNNN_<name>.sql with a\n" +
			"journal entry and meta/NNNN_snapshot.json that drizzle-kit accepts. Destructive statements are listed\n" +
			"as warnings; renames appear as drop + add.\n" +
			"Exit 0 when written or when there is nothing to change, 1 on error (nothing is written), 2 on bad flags.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", EnvVars: []string{"HOGSEND_MIGRATION_NAME"}, Usage: "migration name (tag NNNN_<name>); default: a random adjective_hero"},
			&cli.StringFlag{Name: "schema", EnvVars: []string{"HOGSEND_SCHEMA"}, Usage: "desired schema: a .sql file, a folder of .sql files, or - for stdin (default ./schema.sql, else ./schema/)"},
			dirFlag(), engineDirFlag(),
			&cli.BoolFlag{Name: "engine", EnvVars: []string{"HOGSEND_GENERATE_ENGINE"}, Usage: "generate into the engine track (the folder of --engine-dir; engine development)"},
			&cli.BoolFlag{Name: "backfill-snapshot", Usage: "when nothing changed and the newest migration has no snapshot (meta/NNNN_snapshot.json; <folder>/snapshot.json in drizzle-kit 1.0's layout), write it"},
			devURLFlag(), databaseURLFlag(), jsonFlag(),
		},
		Action: commandAction(s, newGenerateOptions, runGenerate),
	}
}

// generateJSON is the --json document of generate.
type generateJSON struct {
	*generate.Result
	Dir   string     `json:"dir,omitempty"`
	Error *errorJSON `json:"error,omitempty"`
}

func (d *generateJSON) withError(e *errorJSON) any { d.Error = e; return d }

// generateOptions are generate's flags, read and checked once.
type generateOptions struct {
	trackOptions
	Name             string // "" for a random one
	Schema           string // --schema as given: "" for the default, "-" for stdin
	Engine           bool
	BackfillSnapshot bool
}

func newGenerateOptions(c *cli.Context) (generateOptions, error) {
	o := generateOptions{trackOptions: readTrackOptions(c), Name: c.String("name"), Schema: c.String("schema"),
		Engine: c.Bool("engine"), BackfillSnapshot: c.Bool("backfill-snapshot")}
	if c.NArg() > 0 {
		return o, usageError("generate takes no arguments (got %q)", c.Args().First())
	}
	if o.Engine && o.EngineDir == "" {
		return o, usageError("--engine writes into the engine folder: pass --engine-dir (the bundled migrations are read-only)")
	}
	if o.Name != "" && !validName(o.Name) {
		return o, usageError("--name %q: use letters, digits, '_' and '-'", o.Name)
	}
	return o, nil
}

func runGenerate(ctx context.Context, o generateOptions, s *streams) error {
	opts, err := prepareGenerate(ctx, o, s)
	if err != nil {
		return err
	}
	if !o.JSON {
		s.note("%s: comparing %s with %s on temporary databases on the server of %s", opts.Track, opts.Dir, schemaNames(opts.Schema), redact.URL(opts.DevURL))
	}
	res, err := generate.Generate(ctx, opts)
	if err != nil {
		if res == nil {
			res = &generate.Result{Track: opts.Track, Statements: []string{}, Warnings: []generate.Warning{}}
		}
		return s.fail(o.JSON, &generateJSON{Result: res, Dir: opts.Dir}, err)
	}
	if o.JSON {
		return s.printJSON(&generateJSON{Result: res, Dir: opts.Dir})
	}
	renderGenerate(s, opts, res)
	return nil
}

// prepareGenerate finds what generate compares: the base track, the
// desired schema (s.in is read for --schema -) and the scratch server.
func prepareGenerate(ctx context.Context, o generateOptions, s *streams) (generate.Options, error) {
	g := generate.Options{Name: o.Name, BackfillSnapshot: o.BackfillSnapshot}
	if o.Engine {
		g.Track, g.Dir = tracks.Engine, o.EngineDir
	} else {
		g.Track, g.Dir = tracks.Client, o.Dir
		base, err := resolveEngine(o.trackOptions)
		if err != nil {
			return g, err
		}
		g.Base, g.BaseName = base.Source, tracks.Engine
	}
	path, err := generate.ResolveSchemaPath(o.Schema)
	if err != nil {
		return g, asUsage(err)
	}
	if path == "-" {
		g.Schema, err = generate.ReadSchema("stdin", s.in)
	} else {
		g.Schema, err = generate.LoadSchema(path)
	}
	if err != nil {
		return g, err
	}
	if g.DevURL, err = scratchURL(ctx, s, o.trackOptions); err != nil {
		return g, err
	}
	if g.DevURL == "" {
		return g, usageError("generate needs a server for temporary databases: pass --dev-url (or HOGSEND_DEV_URL, or DATABASE_URL)")
	}
	return g, nil
}

// validName: the --name rule of generate.Prepare (ErrBadName), checked
// here so that a bad name is a usage error (exit 2) before any work.
func validName(name string) bool {
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case (r == '_' || r == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

func schemaNames(files []generate.SchemaFile) string {
	if len(files) == 1 {
		return files[0].Path
	}
	return fmt.Sprintf("%d schema files in %s", len(files), filepath.Dir(files[0].Path))
}

func renderGenerate(s *streams, opts generate.Options, res *generate.Result) {
	r := s.style()
	warn := s.errStyle().NewStyle().Foreground(lipgloss.Color("11")) // the warnings go to stderr
	title := r.NewStyle().Bold(true)
	if !res.Changed {
		if res.Written {
			fmt.Fprintf(s.out, "%s: no schema changes; wrote the missing snapshot %s\n", opts.Track, filepath.Join(opts.Dir, filepath.FromSlash(res.Snapshot)))
			return
		}
		fmt.Fprintf(s.out, "%s: no schema changes, nothing written\n", opts.Track)
		return
	}
	fmt.Fprintf(s.out, "%s\n%s\n\n", title.Render("-- "+filepath.Join(opts.Dir, res.File)), res.SQL())
	if res.JournalJSON() == nil { // drizzle-kit 1.0's layout: no journal
		fmt.Fprintf(s.out, "%s: wrote %s (%d statement(s)) and %s in %s\n",
			opts.Track, res.File, len(res.Statements), res.Snapshot, opts.Dir)
	} else {
		fmt.Fprintf(s.out, "%s: wrote %s (%d statement(s)), %s and meta/_journal.json in %s\n",
			opts.Track, res.File, len(res.Statements), res.Snapshot, opts.Dir)
	}
	for _, w := range res.Warnings {
		s.note("%s %s", warn.Render("warning ("+w.Kind+"):"), w.Message)
	}
	if hasRename(res.Warnings) || hasDestructive(res.Warnings) {
		s.note("review %s before applying it: Atlas does not detect renames, so a rename appears as drop + add; edit the file by hand if you meant one", filepath.Join(opts.Dir, res.File))
	}
}

func hasRename(ws []generate.Warning) bool {
	for _, w := range ws {
		if w.Kind == generate.WarnRename {
			return true
		}
	}
	return false
}

func hasDestructive(ws []generate.Warning) bool {
	for _, w := range ws {
		if w.Kind == generate.WarnDestructive {
			return true
		}
	}
	return false
}
