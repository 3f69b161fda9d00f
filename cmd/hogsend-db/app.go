package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/devserver"
	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/internal/version"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// system is what the program reads from its process besides arguments and
// output streams: stdin and the environment. main passes the process's;
// commands read them only through streams.
type system struct {
	stdin  io.Reader
	getenv func(string) string
}

// runWith is the whole program: main only adds the process (signals,
// os.Args, stdio, environment) and os.Exit.
func runWith(ctx context.Context, args []string, sys system, stdout, stderr io.Writer) int {
	red := redact.New(secretSources(args, sys.getenv)...)
	noColor := sys.getenv("NO_COLOR") != ""
	tq := &tagQuoter{}
	io := &streams{
		in:       sys.stdin,
		out:      tq.Writer(red.Writer(stdout)),
		jsonOut:  red.Writer(stdout),
		err:      tq.Writer(red.Writer(stderr)),
		red:      red,
		tags:     tq,
		color:    isTerminal(stdout) && !noColor,
		errColor: isTerminal(stderr) && !noColor,
		errTerm:  isTerminal(stderr),
	}
	err := runApp(ctx, func() *cli.App { return newApp(io) }, args)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if ctx.Err() != nil && code == exitError {
		code = exitInterrupted
	}
	if !isOutcome(err) {
		if code == exitInterrupted && !strings.Contains(err.Error(), "interrupted") {
			// "waiting for the migration lock: context canceled" is Go's
			// word for it; say what happened first.
			err = fmt.Errorf("interrupted: %w", err)
		}
		io.errorf(err)
	}
	return code
}

// streams is where commands write: data to out, messages to err, both
// through the redactor. Colour is decided per stream: stdout on a terminal
// and stderr redirected to a log (or the other way round) is common.
type streams struct {
	in       io.Reader // stdin: read by generate --schema - and repair's question
	out, err io.Writer
	jsonOut  io.Writer // out without tag quoting: JSON escapes on its own
	red      *redact.Redactor
	tags     *tagQuoter
	color    bool // stdout is a terminal and NO_COLOR is unset
	errColor bool // stderr is a terminal and NO_COLOR is unset
	errTerm  bool // stderr is a terminal (a live line may be redrawn there)
	printed  bool // a JSON document went to stdout
}

// style is the renderer for what goes to stdout.
func (s *streams) style() *lipgloss.Renderer { return renderer(s.out, s.color) }

// errStyle is the renderer for what goes to stderr.
func (s *streams) errStyle() *lipgloss.Renderer { return renderer(s.err, s.errColor) }

func renderer(w io.Writer, color bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}

func (s *streams) errorf(err error) {
	msg := message(err)
	if s.errColor {
		msg = s.errStyle().NewStyle().Foreground(lipgloss.Color("9")).Render("error:") + " " + msg
	} else {
		msg = "error: " + msg
	}
	fmt.Fprintln(s.err, msg)
}

// note prints one diagnostic line on stderr.
func (s *streams) note(format string, args ...any) {
	fmt.Fprintf(s.err, format+"\n", args...)
}

// printJSON writes one stable, unstyled JSON document on stdout.
func (s *streams) printJSON(v any) error {
	s.printed = true
	w := s.jsonOut
	if w == nil {
		w = s.out
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// isTerminal reports whether w is a terminal. A character device is not
// enough: /dev/null is one, and it is the stdin of CI jobs, cron and
// systemd units.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// secretSources lists every URL the run may print: from flags and env.
func secretSources(args []string, getenv func(string) string) []string {
	out := []string{getenv("DATABASE_URL"), getenv("HOGSEND_DEV_URL")}
	for i, a := range args {
		for _, f := range []string{"--database-url", "-database-url", "--dev-url", "-dev-url"} {
			if a == f && i+1 < len(args) {
				out = append(out, args[i+1])
			} else if v, ok := strings.CutPrefix(a, f+"="); ok {
				out = append(out, v)
			}
		}
	}
	// "dev" names the local dev server, not a connection string: nothing
	// to hide, and masking the word would garble every message.
	return slices.DeleteFunc(out, func(u string) bool { return u == devserver.URLKeyword })
}

func newApp(s *streams) *cli.App {
	app := &cli.App{
		Name:      "hogsend-db",
		Usage:     "PostgreSQL migrations and schema drift for Hogsend's engine and client tracks",
		Version:   version.String(),
		Writer:    s.out,
		ErrWriter: s.err,
		// Exit codes are mapped in exitcodes.go; urfave/cli must not exit.
		ExitErrHandler:         func(*cli.Context, error) {},
		UseShortOptionHandling: false,
		OnUsageError:           func(_ *cli.Context, err error, _ bool) error { return asUsage(err) },
		CustomAppHelpTemplate:  cli.AppHelpTemplate + "\n" + exitCodeHelp + "\n",
		// No command: the help, and exit 2, so that a CI step whose command
		// variable came out empty fails instead of passing.
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError("unknown command %q; run hogsend-db --help", c.Args().First())
			}
			if err := cli.ShowAppHelp(c); err != nil {
				return err
			}
			return usageError("no command given")
		},
		Commands: []*cli.Command{
			migrateCommand(s),
			statusCommand(s),
			driftCommand(s),
			repairCommand(s),
			generateCommand(s),
			lintCommand(s),
			versionCommand(s),
			devCommand(s),
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return asUsage(err) }
		c.CustomHelpTemplate = cli.CommandHelpTemplate + "\n" + exitCodeHelp + "\n"
		c.Action = jsonOnError(s, checked(c, c.Action))
	}
	return app
}

// commandAction is a command's action: its options read and checked by
// parse, then run with them. Every command is an options struct and a run
// function; this is where the two meet.
func commandAction[O any](s *streams, parse func(*cli.Context) (O, error), run func(context.Context, O, *streams) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		o, err := parse(c)
		if err != nil {
			return err
		}
		return run(c.Context, o, s)
	}
}

// checked runs checkArgs before the command's action.
func checked(cmd *cli.Command, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := checkArgs(cmd, c); err != nil {
			return err
		}
		return action(c)
	}
}

// jsonOnError keeps the promise of --json (one document on stdout) for
// errors a command returns before it has printed its own document (a bad
// migration folder, a missing URL): {"error": {"message", "exitCode"}}.
func jsonOnError(s *streams, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		err := action(c)
		if err == nil || isOutcome(err) {
			return err
		}
		return s.fail(c.Bool("json") || c.String("format") == formatJSON, nil, err)
	}
}

// errorDoc is a command's --json document that carries an error.
type errorDoc interface{ withError(*errorJSON) any }

// fail is the one JSON-on-error helper: with asJSON, and unless a document
// was printed already, it prints doc with the error (or, without doc,
// {"error": {...}}) on stdout. It returns err for the exit code.
func (s *streams) fail(asJSON bool, doc errorDoc, err error) error {
	if !asJSON || s.printed {
		return err
	}
	var v any = map[string]*errorJSON{"error": toErrorJSON(s, err)}
	if doc != nil {
		v = doc.withError(toErrorJSON(s, err))
	}
	if perr := s.printJSON(v); perr != nil {
		return perr
	}
	return err
}

// Flags shared by several commands. Every flag also reads an env var.
func databaseURLFlag() cli.Flag {
	return &cli.StringFlag{Name: "database-url", EnvVars: []string{"DATABASE_URL"}, Usage: "PostgreSQL URL of the Hogsend database (its password is never printed)"}
}

func dirFlag() cli.Flag {
	return &cli.StringFlag{Name: "dir", EnvVars: []string{"HOGSEND_MIGRATIONS_DIR"}, Value: "./migrations", Usage: "client track: drizzle-kit migrations folder (a folder named here must exist; default: ./migrations of the app the working directory is in, which may be absent)"}
}

func trackFlag() cli.Flag {
	return &cli.StringFlag{Name: "track", EnvVars: []string{"HOGSEND_TRACK"}, Value: "all", Usage: "engine, client or all"}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", EnvVars: []string{"HOGSEND_JSON"}, Usage: "print one JSON document on stdout"}
}

func devURLFlag() cli.Flag {
	return &cli.StringFlag{Name: "dev-url", EnvVars: []string{"HOGSEND_DEV_URL"}, Usage: "server for temporary scratch databases (default: the server of --database-url); the role needs CREATEDB; \"dev\" means the local dev server (hogsend-db dev start)"}
}

func lockWaitFlag() cli.Flag {
	return &cli.DurationFlag{Name: "lock-wait", EnvVars: []string{"HOGSEND_LOCK_WAIT"}, Value: 15 * time.Minute, Usage: "how long to wait for the migration lock (exit 5 after)"}
}

func connectTimeoutFlag() cli.Flag {
	return &cli.DurationFlag{Name: "connect-timeout", EnvVars: []string{"HOGSEND_CONNECT_TIMEOUT"}, Value: 10 * time.Second, Usage: "give up connecting after this long"}
}

// trackOptions are the flags the track-reading commands share (the
// database, the tracks, --json), read once from the command line by
// readTrackOptions. A command without one of these flags reads its zero.
type trackOptions struct {
	DatabaseURL    string
	Dir            string
	DirSet         bool // --dir or HOGSEND_MIGRATIONS_DIR named a folder: it must exist
	EngineDir      string
	EngineRelease  string
	Track          string
	DevURL         string
	JSON           bool
	ConnectTimeout time.Duration
	// WorkDir is the working directory, read once: the default client
	// folder and the engine package are found from it. WorkDirErr says why
	// it could not be read.
	WorkDir    string
	WorkDirErr error
}

// readTrackOptions is the one place the shared flags and the working
// directory are read.
func readTrackOptions(c *cli.Context) trackOptions {
	wd, wdErr := os.Getwd()
	return trackOptions{
		DatabaseURL:    c.String("database-url"),
		Dir:            c.String("dir"),
		DirSet:         c.IsSet("dir"),
		EngineDir:      c.String("engine-dir"),
		EngineRelease:  c.String("engine-release"),
		Track:          c.String("track"),
		DevURL:         c.String("dev-url"),
		JSON:           c.Bool("json"),
		ConnectTimeout: c.Duration("connect-timeout"),
		WorkDir:        wd,
		WorkDirErr:     wdErr,
	}
}

// requireURL is a usage error when there is no --database-url.
func (o trackOptions) requireURL() error {
	if o.DatabaseURL == "" {
		return usageError("no database: pass --database-url or set DATABASE_URL")
	}
	return nil
}

// selectTracks builds the tracks named by --track: the engine as
// resolveEngine finds it, the client from --dir.
func selectTracks(o trackOptions) ([]tracks.Track, error) {
	client := clientTrack(o)
	switch o.Track {
	case "all":
		engine, err := resolveEngine(o)
		if err != nil {
			return nil, err
		}
		return []tracks.Track{engine, client}, nil
	case tracks.Engine:
		engine, err := resolveEngine(o)
		if err != nil {
			return nil, err
		}
		return []tracks.Track{engine}, nil
	case tracks.Client:
		return []tracks.Track{client}, nil
	}
	return nil, usageError("--track %q: want engine, client or all", o.Track)
}

// clientTrack is the client track of --dir. Only the default folder may be
// absent (an empty track); a folder named with --dir or
// HOGSEND_MIGRATIONS_DIR must exist and hold a journal.
func clientTrack(o trackOptions) tracks.Track {
	if o.DirSet {
		t := tracks.ClientTrack(o.Dir)
		t.Optional = false
		return t
	}
	// The default: the app's migrations folder, found from the working
	// directory like the engine package (docs/engine.md).
	dir := o.Dir
	if o.WorkDirErr == nil {
		dir = enginesrc.ClientDir(o.WorkDir)
	}
	return tracks.ClientTrack(dir)
}

// loadTracks reads the selected tracks' journals, and says once when the
// client folder is missing.
func loadTracks(o trackOptions, s *streams) ([]tracks.Loaded, error) {
	ts, err := selectTracks(o)
	if err != nil {
		return nil, err
	}
	loaded, err := tracks.LoadAll(ts...)
	if err != nil {
		return nil, err
	}
	s.tags.learn(loaded)
	for _, l := range loaded {
		if l.Note != "" && !o.JSON {
			s.note("note: %s: the client track is empty", l.Note)
		}
	}
	return loaded, nil
}

// tracksQuerier is what read-only commands need from a connection.
type tracksQuerier = ledger.Querier
