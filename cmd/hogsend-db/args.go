package main

import (
	"time"

	"github.com/urfave/cli/v2"
)

// Argument rules (docs/cli.md):
//   - flags go after the command; a flag before it is a usage error that
//     shows the right spelling;
//   - a command's flags may come before or after its arguments (urfave/cli
//     v2 stops parsing flags at the first argument, so they are moved in
//     front of the arguments first); "--" ends the flags;
//   - a command that takes no arguments refuses any, before it connects;
//   - a duration flag must be a positive whole number of milliseconds
//     (PostgreSQL truncates lock_timeout and statement_timeout to whole
//     milliseconds, and 0 means no limit), --track one of its names.

// checkArgs refuses arguments a command does not take and flag values that
// mean nothing, before the command does anything.
func checkArgs(cmd *cli.Command, c *cli.Context) error {
	if cmd.ArgsUsage == "" && c.Args().Present() {
		return usageError("%s takes no arguments (got %q); flags start with --", cmd.Name, c.Args().First())
	}
	for _, f := range cmd.Flags {
		name := f.Names()[0]
		switch f.(type) {
		case *cli.DurationFlag:
			if d := c.Duration(name); d <= 0 || d%time.Millisecond != 0 {
				return usageError("--%s %s: want a positive duration in whole milliseconds, e.g. 30s, 5m or 250ms", name, durationText(d))
			}
		}
		if name == "track" {
			switch t := c.String("track"); t {
			case "all", "engine", "client":
			default:
				return usageError("--track %q: want engine, client or all", t)
			}
		}
	}
	return nil
}

func durationText(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}
