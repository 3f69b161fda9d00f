package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/lint"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/tracks"
)

// Output formats of lint.
const (
	formatText   = "text"
	formatJSON   = "json"
	formatGitHub = "github"
)

// bundledEngineDir names the bundled engine migrations in findings.
const bundledEngineDir = "bundled-engine"

func lintCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:      "lint",
		Usage:     "find migrations that break the running release (expand → migrate → contract) before they ship",
		ArgsUsage: "[TAG...]",
		Description: "Lints the given migration tags (TAG or track/TAG); without tags, the pending migrations of\n" +
			"--database-url; without a database, the last migration of each track. Earlier migrations are\n" +
			"replayed on a scratch database of --dev-url (default: the server of --database-url).\n" +
			"Suppress one finding of the next statement with: -- hogsend-db:lint-ignore <CODE> <reason>\n" +
			"Exit 0 when clean or warnings only, 4 when an error-level finding remains, 1 when lint could not run.",
		Flags: []cli.Flag{dirFlag(), engineDirFlag(), trackFlag(), devURLFlag(), databaseURLFlag(), jsonFlag(),
			&cli.StringFlag{Name: "format", EnvVars: []string{"HOGSEND_LINT_FORMAT"}, Value: formatText, Usage: "text, json or github (workflow annotations)"},
		},
		Action: commandAction(s, newLintOptions, runLint),
	}
}

// lintOptions are lint's flags and arguments, read and checked once.
type lintOptions struct {
	trackOptions
	Format string   // formatText, formatJSON or formatGitHub (--json is formatJSON)
	Tags   []string // the arguments: TAG or track/TAG
}

func newLintOptions(c *cli.Context) (lintOptions, error) {
	o := lintOptions{trackOptions: readTrackOptions(c), Format: c.String("format"), Tags: c.Args().Slice()}
	if o.JSON {
		o.Format = formatJSON
	}
	switch o.Format {
	case formatText, formatJSON, formatGitHub:
	default:
		return o, usageError("--format %q: want text, json or github", o.Format)
	}
	return o, nil
}

func runLint(ctx context.Context, o lintOptions, s *streams) error {
	format := o.Format
	devURL, err := scratchURL(ctx, s, o.trackOptions)
	if err != nil {
		return err
	}
	if devURL == "" {
		return usageError("lint needs a server for scratch databases: pass --dev-url (or --database-url)")
	}
	selected, err := selectTracks(o.trackOptions)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, t := range selected {
		want[t.Name] = true
	}
	// The engine track is always replayed first: client migrations run on
	// top of it, and its objects are the ones a client must not touch.
	engineTrack, err := resolveEngine(o.trackOptions)
	if err != nil {
		return lintFail(s, format, err)
	}
	loaded, err := tracks.LoadAll(engineTrack, clientTrack(o.trackOptions))
	if err != nil {
		return lintFail(s, format, err)
	}
	s.tags.learn(loaded)
	for _, l := range loaded {
		if l.Note != "" && want[l.Name] && format == formatText {
			s.note("note: %s: the client track is empty", l.Note)
		}
	}
	targets, err := lintTargets(ctx, o, loaded, want)
	if err != nil {
		if exitCode(err) == exitUsage {
			return err
		}
		return lintFail(s, format, err)
	}
	var lts []lint.Track
	for _, l := range loaded {
		dir := l.Location
		if l.Name == tracks.Engine && l.Origin == string(enginesrc.Bundled) {
			dir = bundledEngineDir
		}
		lts = append(lts, lint.Track{Name: l.Name, Journal: l.Journal, Dir: dir, Lint: targets[l.Name]})
	}
	rep, err := lint.Run(ctx, devURL, lts)
	if err != nil {
		return lintFail(s, format, err)
	}
	switch format {
	case formatJSON:
		if err := s.printJSON(lintDocument{Report: rep, Errors: rep.Count(lint.Error), Warnings: rep.Count(lint.Warning)}); err != nil {
			return err
		}
	case formatGitHub:
		renderLintGitHub(s, rep)
	default:
		renderLintText(s, rep)
	}
	if rep.Count(lint.Error) > 0 {
		return outcomeFindings
	}
	return nil
}

// lintDocument is the JSON of lint --json.
type lintDocument struct {
	*lint.Report
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	// Error: lint could not run (exit 1); null otherwise.
	Error *errorJSON `json:"error"`
}

func (d *lintDocument) withError(e *errorJSON) any { d.Error = e; return d }

// lintFail reports that lint could not run in the output format asked for:
// with --json a document whose error names the rejected statement's file,
// line and column; with --format github an ::error annotation at that
// statement (the message also goes to stderr, as for every error).
func lintFail(s *streams, format string, err error) error {
	var se *journal.StatementError
	located := errors.As(err, &se) && se.File != ""
	switch format {
	case formatJSON:
		return s.fail(true, &lintDocument{Report: &lint.Report{Linted: []lint.Linted{}, Findings: []lint.Finding{}, Suppressed: []lint.Finding{}}}, err)
	case formatGitHub:
		if located {
			fmt.Fprintf(s.out, "::error file=%s,line=%d,col=%d,title=%s::%s\n", ghProperty(se.File), se.Line, se.Col,
				ghProperty("hogsend-db lint: migration rejected"), ghData(s.red.String(message(err))))
		}
	}
	return err
}

// lintTargets decides which tags to lint, per track: the arguments; else
// the pending migrations of --database-url; else each track's last one.
func lintTargets(ctx context.Context, o lintOptions, loaded []tracks.Loaded, want map[string]bool) (map[string][]string, error) {
	out := map[string][]string{}
	if len(o.Tags) > 0 {
		for _, arg := range o.Tags {
			// A 1.0 migration may be named by its file: <folder>/migration.sql.
			arg := strings.TrimSuffix(arg, "/"+journal.MigrationFile)
			track, tag, qualified := strings.Cut(arg, "/")
			if !qualified {
				track, tag = "", arg
			}
			tag = strings.TrimSuffix(tag, ".sql")
			found := false
			for _, l := range loaded {
				if !want[l.Name] || (track != "" && track != l.Name) || !hasTag(l.Journal, tag) {
					continue
				}
				found = true
				if !slices.Contains(out[l.Name], tag) {
					out[l.Name] = append(out[l.Name], tag)
				}
			}
			if !found {
				return nil, usageError("no migration %q in the selected tracks", arg)
			}
		}
		return out, nil
	}
	if u := o.DatabaseURL; u != "" {
		conn, err := tracks.Connect(ctx, u, tracks.Session{})
		if err != nil {
			return nil, err
		}
		defer conn.Close(ctx)
		rep, err := tracks.Status(ctx, conn, loaded)
		if err != nil {
			return nil, err
		}
		for _, l := range loaded {
			if st := rep.Schema[l.Name]; want[l.Name] && st != nil {
				out[l.Name] = append([]string(nil), st.Pending...)
			}
		}
		return out, nil
	}
	for _, l := range loaded {
		if ms := l.Journal.Migrations; want[l.Name] && len(ms) > 0 {
			out[l.Name] = []string{ms[len(ms)-1].Tag}
		}
	}
	return out, nil
}

func hasTag(j *journal.Journal, tag string) bool {
	for _, m := range j.Migrations {
		if m.Tag == tag {
			return true
		}
	}
	return false
}

func renderLintText(s *streams, rep *lint.Report) {
	r := s.style()
	sev := map[lint.Severity]lipgloss.Style{
		lint.Error:   r.NewStyle().Foreground(lipgloss.Color("9")).Bold(true),
		lint.Warning: r.NewStyle().Foreground(lipgloss.Color("11")),
	}
	faint := r.NewStyle().Faint(true)
	bold := r.NewStyle().Bold(true)
	for _, f := range rep.Findings {
		fmt.Fprintf(s.out, "%s %s %s %s\n", bold.Render(fmt.Sprintf("%s:%d:%d:", f.File, f.Line, f.Col)),
			sev[f.Severity].Render(string(f.Severity)), bold.Render(f.Code), f.Message)
		fmt.Fprintf(s.out, "    %s\n", faint.Render(excerpt(f.Statement)))
		fmt.Fprintf(s.out, "    why: %s\n    fix: %s\n", f.Why, f.Fix)
	}
	for _, f := range rep.Suppressed {
		fmt.Fprintf(s.out, "%s %s %s\n", faint.Render(fmt.Sprintf("%s:%d:%d: suppressed", f.File, f.Line, f.Col)), f.Code, faint.Render("("+f.Reason+")"))
	}
	names := make([]string, len(rep.Linted))
	for i, l := range rep.Linted {
		names[i] = l.Track + "/" + l.Tag
	}
	if len(names) == 0 {
		fmt.Fprintln(s.out, "nothing to lint")
		return
	}
	fmt.Fprintf(s.out, "linted %s: %d error(s), %d warning(s), %d suppressed\n",
		strings.Join(names, ", "), rep.Count(lint.Error), rep.Count(lint.Warning), len(rep.Suppressed))
}

// excerpt is the first line of a statement, shortened.
func excerpt(stmt string) string {
	line, _, more := strings.Cut(stmt, "\n")
	line = strings.TrimSpace(line)
	if len([]rune(line)) > 120 {
		line = string([]rune(line)[:117]) + "..."
		more = true
	}
	if more && !strings.HasSuffix(line, "...") {
		line += " ..."
	}
	return line
}

// renderLintGitHub prints GitHub Actions workflow commands, one per
// finding: ::error file=F,line=L,col=C,title=CODE::message.
func renderLintGitHub(s *streams, rep *lint.Report) {
	for _, f := range rep.Findings {
		fmt.Fprintf(s.out, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", f.Severity, ghProperty(f.File), f.Line, f.Col,
			ghProperty(f.Code), ghData(f.Message+"\nwhy: "+f.Why+"\nfix: "+f.Fix))
	}
	s.note("linted %d migration(s): %d error(s), %d warning(s), %d suppressed",
		len(rep.Linted), rep.Count(lint.Error), rep.Count(lint.Warning), len(rep.Suppressed))
}

// ghData escapes a workflow command's message.
func ghData(v string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(v)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(v string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(v)
}
