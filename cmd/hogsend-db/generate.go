package main

import (
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
			&cli.BoolFlag{Name: "backfill-snapshot", Usage: "when nothing changed and the newest migration has no meta/NNNN_snapshot.json, write it"},
			devURLFlag(), databaseURLFlag(), jsonFlag(),
		},
		Action: func(c *cli.Context) error { return generateRun(c, s) },
	}
}

// generateJSON is the --json document of generate.
type generateJSON struct {
	*generate.Result
	Dir   string     `json:"dir,omitempty"`
	Error *errorJSON `json:"error,omitempty"`
}

func (d *generateJSON) withError(e *errorJSON) any { d.Error = e; return d }

func generateRun(c *cli.Context, s *streams) error {
	if c.NArg() > 0 {
		return usageError("generate takes no arguments (got %q)", c.Args().First())
	}
	opts, err := generateOptions(c, s)
	if err != nil {
		return err
	}
	if !c.Bool("json") {
		s.note("%s: comparing %s with %s on temporary databases on the server of %s", opts.Track, opts.Dir, schemaNames(opts.Schema), redact.URL(opts.DevURL))
	}
	res, err := generate.Generate(c.Context, opts)
	if err != nil {
		if res == nil {
			res = &generate.Result{Track: opts.Track, Statements: []string{}, Warnings: []generate.Warning{}}
		}
		return s.fail(c.Bool("json"), &generateJSON{Result: res, Dir: opts.Dir}, err)
	}
	if c.Bool("json") {
		return s.printJSON(&generateJSON{Result: res, Dir: opts.Dir})
	}
	renderGenerate(s, opts, res)
	return nil
}

// generateOptions validates the flags; s.in is read for --schema -.
func generateOptions(c *cli.Context, s *streams) (generate.Options, error) {
	o := generate.Options{Name: c.String("name"), BackfillSnapshot: c.Bool("backfill-snapshot")}
	if c.Bool("engine") {
		o.Track = tracks.Engine
		o.Dir = c.String("engine-dir")
		if o.Dir == "" {
			return o, usageError("--engine writes into the engine folder: pass --engine-dir (the bundled migrations are read-only)")
		}
	} else {
		o.Track = tracks.Client
		o.Dir = c.String("dir")
		base, err := resolveEngine(readTrackOptions(c))
		if err != nil {
			return o, err
		}
		o.Base, o.BaseName = base.Source, tracks.Engine
	}
	if o.Name != "" && !validName(o.Name) {
		return o, usageError("--name %q: use letters, digits, '_' and '-'", o.Name)
	}
	path, err := generate.ResolveSchemaPath(c.String("schema"))
	if err != nil {
		return o, asUsage(err)
	}
	if path == "-" {
		o.Schema, err = generate.ReadSchema("stdin", s.in)
	} else {
		o.Schema, err = generate.LoadSchema(path)
	}
	if err != nil {
		return o, err
	}
	if o.DevURL, err = scratchURL(c.Context, s, readTrackOptions(c)); err != nil {
		return o, err
	}
	if o.DevURL == "" {
		return o, usageError("generate needs a server for temporary databases: pass --dev-url (or HOGSEND_DEV_URL, or DATABASE_URL)")
	}
	return o, nil
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
