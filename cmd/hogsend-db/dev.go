package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/devserver"
)

// devCommand manages the local PostgreSQL server for development (see
// docs/dev.md); `--dev-url dev` uses it as the scratch server.
func devCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:      "dev",
		Usage:     "start, stop or check a local PostgreSQL server for development (127.0.0.1 only, trust auth)",
		ArgsUsage: devSubcommands,
		Description: "The server lives in the user's cache directory (hogsend-db/dev; $" + devserver.EnvDir + " overrides)\n" +
			"and keeps running between commands. `--dev-url " + devserver.URLKeyword + "` makes drift, generate, lint and repair\n" +
			"use it as their scratch server, starting it when needed.",
		// Reached only without a known subcommand (urfave/cli runs a
		// subcommand's own action): say which ones there are.
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError("dev: unknown subcommand %q; want %s", c.Args().First(), devSubcommands)
			}
			return usageError("dev: no subcommand given; want %s", devSubcommands)
		},
		Subcommands: []*cli.Command{
			devSubcommand(s, "start", "start the dev server (or reuse the running one) and print its URL", runDevStart),
			devSubcommand(s, "stop", "stop the dev server (its data is kept)", runDevStop),
			devSubcommand(s, "status", "say whether the dev server runs (exit 0) or not (exit 3), and its URL", runDevStatus),
		},
	}
}

// devSubcommand is one of dev's subcommands: --json is its only flag.
func devSubcommand(s *streams, name, usage string, run func(context.Context, devOptions, *streams) error) *cli.Command {
	return &cli.Command{
		Name:   name,
		Usage:  usage,
		Flags:  []cli.Flag{jsonFlag()},
		Action: jsonOnError(s, devAction(commandAction(s, newDevOptions, run))),
	}
}

// devSubcommands names dev's subcommands for usage errors and help.
const devSubcommands = "start|stop|status"

// devAction refuses arguments to a dev subcommand before it does anything:
// `dev start stop` must not start the server.
func devAction(run cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.Args().Present() {
			return usageError("dev %s takes no arguments (got %q); run one of %s at a time", c.Command.Name, c.Args().First(), devSubcommands)
		}
		return run(c)
	}
}

// devOptions are the flags of dev's subcommands, and the server they act
// on (where $HOGSEND_DEV_DIR or the user's cache directory puts it).
type devOptions struct {
	JSON   bool
	Server *devserver.Server
}

func newDevOptions(c *cli.Context) (devOptions, error) {
	srv, err := devserver.Default()
	return devOptions{JSON: c.Bool("json"), Server: srv}, err
}

func runDevStart(ctx context.Context, o devOptions, s *streams) error {
	st, started, err := o.Server.Start(ctx)
	if err != nil {
		return err
	}
	if o.JSON {
		return s.printJSON(devJSON{URL: st.URL, Running: true, Started: &started, Dir: st.Dir})
	}
	if started {
		s.note("dev server started in %s", st.Dir)
	} else {
		s.note("dev server already running (%s)", st.Dir)
	}
	fmt.Fprintln(s.out, st.URL)
	return nil
}

func runDevStop(ctx context.Context, o devOptions, s *streams) error {
	stopped, err := o.Server.Stop(ctx)
	if err != nil {
		return err
	}
	if o.JSON {
		return s.printJSON(map[string]bool{"stopped": stopped})
	}
	if stopped {
		s.note("dev server stopped")
	} else {
		s.note("dev server was not running")
	}
	return nil
}

func runDevStatus(ctx context.Context, o devOptions, s *streams) error {
	st, err := o.Server.Status(ctx)
	if err != nil {
		return err
	}
	if o.JSON {
		if err := s.printJSON(devJSON{URL: st.URL, Running: st.Running, Dir: st.Dir}); err != nil {
			return err
		}
	} else if st.Running {
		fmt.Fprintf(s.out, "running: %s\n", st.URL)
	} else {
		fmt.Fprintln(s.out, "not running")
	}
	if !st.Running {
		return outcomePending
	}
	return nil
}

// devJSON is the document of `dev start --json` and `dev status --json`.
type devJSON struct {
	URL     string `json:"url,omitempty"`
	Running bool   `json:"running"`
	Started *bool  `json:"started,omitempty"`
	Dir     string `json:"dir"`
}

// scratchURL returns the server for scratch databases: --dev-url, where
// "dev" means the dev server (started if it is not running), else the
// server of --database-url ("" when there is none).
func scratchURL(ctx context.Context, s *streams, o trackOptions) (string, error) {
	u := o.DevURL
	if u != devserver.URLKeyword {
		if u == "" {
			u = o.DatabaseURL
		}
		return u, nil
	}
	srv, err := devserver.Default()
	if err != nil {
		return "", err
	}
	st, started, err := srv.Start(ctx)
	if err != nil {
		return "", fmt.Errorf("--dev-url %s: %w", devserver.URLKeyword, err)
	}
	if started && !o.JSON {
		s.note("started the dev server (%s); `hogsend-db dev stop` stops it", st.Dir)
	}
	return st.URL, nil
}
